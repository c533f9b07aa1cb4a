/**
 * A catalogue file's lock-file dependencies found in the same distribution folder, transitively,
 * dependencies first. Pure over catalogue data; shared by the link check's library choice
 * (`libraries_for.ts`) and the oracle.
 *
 * @module
 */
import type { CatalogueEntry } from "./types.ts";
import { canonicalizeName } from "../wheel/parse_wheel_filename.ts";

/** Named limit: dependency chains deeper than this are cut (the corpus has depth 2). */
export const MAX_DEPENDENCY_DEPTH = 16;

/**
 * Dependencies of a catalogue file that its distribution folder holds, in load order (a file's
 * own dependencies before it; shared libraries before wheels), plus the names it lacks.
 *
 * @param entry The file to load.
 * @param files Every catalogue file.
 * @returns `deps` in load order and `missing` package names (not in the folder).
 *
 * @example
 * ```ts
 * import { lockDependencies } from "./lock_dependencies.ts";
 * const file = (path: string, packageName: string, depends: string[], kind = "wheel") => ({
 *   path, packageName, depends, kind, distribution: "d" }) as never;
 * const wheel = file("d/app.whl", "app", ["lib", "numpy"]);
 * const lib = file("d/lib-1.zip", "lib", [], "shared-library");
 * const { deps, missing } = lockDependencies(wheel, [wheel, lib]);
 * console.assert(deps[0] === lib && missing[0] === "numpy");
 * ```
 */
export function lockDependencies(
  entry: CatalogueEntry,
  files: CatalogueEntry[],
): { deps: CatalogueEntry[]; missing: string[] } {
  const byName = new Map<string, CatalogueEntry>();
  for (const f of files) {
    if (f.distribution !== entry.distribution || f.kind === "lockfile" || !f.packageName) continue;
    byName.set(canonicalizeName(f.packageName), f);
  }
  const order: CatalogueEntry[] = [];
  const missing = new Set<string>();
  const seen = new Set<string>([entry.path]);
  const visit = (e: CatalogueEntry, depth: number) => {
    if (depth > MAX_DEPENDENCY_DEPTH) return;
    for (const raw of e.depends ?? []) {
      const name = canonicalizeName(raw);
      const dep = byName.get(name);
      if (!dep) {
        missing.add(name);
        continue;
      }
      if (seen.has(dep.path)) continue;
      seen.add(dep.path);
      visit(dep, depth + 1);
      order.push(dep);
    }
  };
  visit(entry, 0);
  const libs = order.filter((d) => d.kind === "shared-library");
  const rest = order.filter((d) => d.kind !== "shared-library");
  return { deps: [...libs, ...rest], missing: [...missing].sort() };
}
