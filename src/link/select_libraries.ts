/**
 * Choose the shared-library packages an archive needs, by fact: a library is needed when one of
 * its side modules' file names is a NEEDED entry (dylink.0) of a module already chosen, the way
 * the loader finds NEEDED libraries by name. Transitive, in load order (dependencies first).
 *
 * @module
 */
import type { WheelFacts } from "../wheel/types.ts";
import type { LinkLibraryInput } from "./check_link.ts";
import { normalizeProjectName } from "./allow_list.ts";

/** Upper bound on libraries chosen for one archive. */
export const MAX_LIBRARIES_PER_CHECK = 1_000;

function basename(path: string): string {
  return path.split("/").pop()!;
}

/**
 * Libraries among `candidates` whose modules satisfy the NEEDED names of `wheel` (and of each
 * other), plus those named in `depends` (lock-file package names), dependencies before dependents. Names no candidate provides stay unresolved: the link
 * check reports them as `needed-missing`.
 *
 * @example
 * ```ts ignore
 * import { selectLibraries } from "./select_libraries.ts";
 * const libraries = selectLibraries(input.wheel, sameDistributionLibraries);
 * const outcome = await checkLink({ ...input, libraries }, runtime);
 * ```
 */
export function selectLibraries(
  wheel: WheelFacts,
  candidates: LinkLibraryInput[],
  options: { depends?: string[] } = {},
): LinkLibraryInput[] {
  const byModule = new Map<string, LinkLibraryInput>();
  for (const c of candidates) {
    if (c.facts.sha256 === wheel.sha256) continue;
    for (const s of c.facts.sideModules) {
      const name = basename(s.member);
      if (!byModule.has(name)) byModule.set(name, c);
    }
  }
  const own = new Set(wheel.sideModules.map((s) => basename(s.member)));
  const chosen: LinkLibraryInput[] = [];
  const visiting = new Set<LinkLibraryInput>();
  const done = new Set<LinkLibraryInput>();
  const visit = (facts: WheelFacts) => {
    for (const s of facts.sideModules) {
      for (const needed of s.wasm.dylink?.needed ?? []) {
        const name = basename(needed);
        if (own.has(name)) continue;
        const lib = byModule.get(name);
        if (!lib || done.has(lib) || visiting.has(lib)) continue;
        if (chosen.length >= MAX_LIBRARIES_PER_CHECK) return;
        visiting.add(lib);
        visit(lib.facts);
        visiting.delete(lib);
        done.add(lib);
        chosen.push(lib);
      }
    }
  };
  // Lock-file dependencies are loaded first by the package manager, whatever NEEDED says
  // (older builds link against a dependency's library without a NEEDED entry).
  const depends = new Set((options.depends ?? []).map(normalizeProjectName));
  for (const c of candidates) {
    const name = c.packageName ?? c.facts.metadata?.name;
    if (!name || !depends.has(normalizeProjectName(name)) || done.has(c)) continue;
    if (c.facts.sha256 === wheel.sha256) continue;
    visiting.add(c);
    visit(c.facts);
    visiting.delete(c);
    done.add(c);
    chosen.push(c);
  }
  visit(wheel);
  return chosen;
}
