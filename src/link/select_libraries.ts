/**
 * Choose the shared libraries an archive needs, by fact: a library is needed when a `.so` inside
 * it has the file name of a NEEDED entry (dylink.0) of a module already chosen, the way the
 * loader finds NEEDED libraries by name. Transitive, in load order (dependencies first). Pure:
 * where candidates come from (the lock, the run, the disk) is `src/corpus/libraries_for.ts`.
 *
 * @module
 */
import type { WheelFacts } from "../wheel/types.ts";
import type { CheckLinkInput, LinkLibraryInput } from "./check_link.ts";

/** Upper bound on libraries chosen for one archive. */
export const MAX_LIBRARIES_PER_CHECK = 1_000;

function basename(path: string): string {
  return path.split("/").pop()!;
}

/** The archive whose libraries are chosen: its facts and (optionally) every `.so` it holds. */
export type LibraryTarget =
  & Pick<CheckLinkInput, "wheel">
  & Partial<Pick<CheckLinkInput, "modules">>;

/**
 * Library file names an archive or library provides: every `.so` inside it, valid or not (an
 * empty or broken `libfoo.so` still answers the loader's lookup of `libfoo.so`, and fails).
 */
function providedNames(facts: WheelFacts, modules?: { member: string }[]): Set<string> {
  const names = new Set(facts.sideModules.map((s) => basename(s.member)));
  for (const m of modules ?? []) names.add(basename(m.member));
  return names;
}

function neededOf(facts: WheelFacts): string[] {
  return facts.sideModules.flatMap((s) => (s.wasm.dylink?.needed ?? []).map(basename));
}

/**
 * Libraries among `candidates` whose `.so` files satisfy the NEEDED names of `archive` (and of
 * each other), plus the `required` ones (lock-file dependencies, loaded whatever NEEDED says),
 * dependencies before dependents. Candidates are in order of preference: for each name the
 * first candidate holding it is used. Names the archive itself holds are never looked up
 * elsewhere. Names no candidate provides stay unresolved: the link check reports them as
 * `needed-missing`.
 *
 * @param archive The archive to load (its own `.so` files answer its NEEDED names first).
 * @param candidates Libraries that may be loaded with it, most preferred first.
 * @param options `required`: candidates loaded in any case (the lock's dependencies).
 * @returns The libraries to load, in load order.
 *
 * @example
 * ```ts ignore
 * import { selectLibraries } from "./select_libraries.ts";
 * const libraries = selectLibraries(input, [lockLibrary, runLibrary], { required: [lockLibrary] });
 * const outcome = await checkLink({ ...input, libraries }, runtime);
 * ```
 */
export function selectLibraries(
  archive: LibraryTarget,
  candidates: LinkLibraryInput[],
  options: { required?: LinkLibraryInput[] } = {},
): LinkLibraryInput[] {
  const wheel = archive.wheel;
  const byName = new Map<string, LinkLibraryInput>();
  for (const c of candidates) {
    if (c.facts.sha256 === wheel.sha256) continue;
    for (const name of providedNames(c.facts, c.modules)) {
      if (!byName.has(name)) byName.set(name, c);
    }
  }
  const own = providedNames(wheel, archive.modules);
  const chosen: LinkLibraryInput[] = [];
  const visiting = new Set<LinkLibraryInput>();
  const done = new Set<LinkLibraryInput>();
  const take = (lib: LinkLibraryInput) => {
    if (done.has(lib) || visiting.has(lib) || chosen.length >= MAX_LIBRARIES_PER_CHECK) return;
    visiting.add(lib);
    visit(lib.facts);
    visiting.delete(lib);
    done.add(lib);
    chosen.push(lib);
  };
  const visit = (facts: WheelFacts) => {
    for (const name of neededOf(facts)) {
      if (own.has(name)) continue;
      const lib = byName.get(name);
      if (lib) take(lib);
    }
  };
  // Lock-file dependencies are loaded first by the package manager, whatever NEEDED says
  // (older builds link against a dependency's library without a NEEDED entry).
  for (const lib of options.required ?? []) {
    if (lib.facts.sha256 !== wheel.sha256) take(lib);
  }
  visit(wheel);
  return chosen;
}

/**
 * NEEDED names of `archive` and of its chosen `libraries` that neither provides, sorted: what
 * the link check will report as `needed-missing`, and what a caller may still look for.
 *
 * @example
 * ```ts ignore
 * import { selectLibraries, unresolvedNeeded } from "./select_libraries.ts";
 * const missing = unresolvedNeeded(input, selectLibraries(input, candidates));
 * if (missing.length) console.log("still missing:", missing.join(", "));
 * ```
 */
export function unresolvedNeeded(
  archive: LibraryTarget,
  libraries: LinkLibraryInput[],
): string[] {
  const provided = providedNames(archive.wheel, archive.modules);
  for (const l of libraries) for (const n of providedNames(l.facts, l.modules)) provided.add(n);
  const missing = new Set<string>();
  for (const facts of [archive.wheel, ...libraries.map((l) => l.facts)]) {
    for (const name of neededOf(facts)) if (!provided.has(name)) missing.add(name);
  }
  return [...missing].sort();
}
