/**
 * Runtimes: the catalogue of Pyodide versions, obtaining them (npm with pinned integrity, or a
 * local distribution directory), and reading their facts (main module exports, memory, table,
 * tags, globals; the glue's import table and loader capabilities; the lock file's platform).
 *
 * @example Facts of a catalogued runtime
 * ```ts ignore
 * import { loadRuntimeCatalogue, obtainRuntimeFacts } from "./mod.ts";
 * const catalogue = loadRuntimeCatalogue(await Deno.readTextFile("corpus/runtimes.json"));
 * const facts = await obtainRuntimeFacts("0.27.7", { cacheDir: ".cache", catalogue });
 * console.log(facts.loader.synthesizesInvokes, facts.functions.length);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./load_runtime_catalogue.ts";
export * from "./read_lock.ts";
export * from "./read_glue.ts";
export * from "./read_runtime.ts";
export * from "./obtain_runtime.ts";
export * from "./obtain_runtime_facts.ts";
