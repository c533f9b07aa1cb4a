/**
 * The corpus stage: the wheel catalogue (`corpus/wheels.json`), resolving its files from a mirror,
 * the cache or their public URL with the sha256 verified on every read, turning command-line
 * paths into inputs, and discovering the Emscripten/Pyodide wheels of a package index.
 *
 * @example Reading every archive named by the catalogue
 * ```ts ignore
 * import { collectInputs } from "./mod.ts";
 * const inputs = await collectInputs(["corpus/"], { allowNetwork: false });
 * for (const input of inputs) {
 *   const bytes = await input.read(); // verified against the catalogue's sha256
 *   console.log(input.file, bytes.length);
 * }
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./load_catalogue.ts";
export * from "./resolve_catalogue_file.ts";
export * from "./collect_inputs.ts";
export * from "./defaults.ts";
export * from "./write_atomically.ts";
export * from "./libraries_for.ts";
export * from "./lock_dependencies.ts";
export * from "./read_simple_index.ts";
export * from "./index_catalogue.ts";
export * from "./discover_index.ts";
export * from "./archive_file.ts";
