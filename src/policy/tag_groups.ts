/**
 * Which runtimes a scheme puts together: runtimes that accept a common platform tag form one
 * group (transitively, so 0.28.3 and 0.29.5 are one group under `as-shipped`, where they share
 * `emscripten_4_0_9_wasm32` but each accepts one name the other does not). The Python tag, build
 * tags and `subset`/`ordered` rules still decide each pair; this is only the tag-level picture a
 * report draws over the measured runtime × runtime matrix and `conform policy preview` prints.
 *
 * @module
 */

/**
 * Group runtimes that accept a common tag, keeping the order of first appearance (runtimes in
 * input order, and each group listed by its first runtime). A runtime without tags is alone.
 *
 * @param tagsByRuntime each runtime with the platform tags it accepts under one scheme
 * @returns the groups, each a list of runtime names
 * @example
 * ```ts
 * import { groupRuntimesByTag } from "./tag_groups.ts";
 * const groups = groupRuntimesByTag([
 *   ["0.26.4", ["pyodide_2024_0_wasm32"]],
 *   ["0.27.7", ["pyodide_2024_0_wasm32"]],
 *   ["0.28.3", ["pyodide_2025_0_wasm32"]],
 * ]);
 * console.assert(JSON.stringify(groups) === '[["0.26.4","0.27.7"],["0.28.3"]]');
 * ```
 */
export function groupRuntimesByTag(
  tagsByRuntime: Iterable<readonly [string, readonly string[]]>,
): string[][] {
  const runtimes: string[] = [];
  const parent = new Map<string, string>();
  const root = (r: string): string => {
    let x = r;
    // No path compression: a catalogue has a dozen runtimes, the chains stay short.
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  const ownerOfTag = new Map<string, string>();
  for (const [runtime, tags] of tagsByRuntime) {
    if (parent.has(runtime)) continue;
    runtimes.push(runtime);
    parent.set(runtime, runtime);
    for (const tag of tags) {
      const owner = ownerOfTag.get(tag);
      if (owner === undefined) {
        ownerOfTag.set(tag, runtime);
        continue;
      }
      const [a, b] = [root(owner), root(runtime)];
      if (a === b) continue;
      // The earlier runtime stays the root, so groups keep the input order.
      const [first, later] = runtimes.indexOf(a) < runtimes.indexOf(b) ? [a, b] : [b, a];
      parent.set(later, first);
    }
  }
  const groups = new Map<string, string[]>();
  for (const r of runtimes) {
    const key = root(r);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()];
}
