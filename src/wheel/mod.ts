/**
 * Wheel reader: wheel filenames, zip archives (wheels and Pyodide `.zip` packages), and the facts
 * of one archive with every side module it holds.
 *
 * @example Read a wheel
 * ```ts ignore
 * import { readWheel } from "./mod.ts";
 * const file = "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";
 * const facts = await readWheel(await Deno.readFile(file), { file });
 * for (const side of facts.sideModules) console.log(side.member, side.wasm.imports.length);
 * ```
 *
 * @module
 */
export * from "./bench_inflate.ts";
export * from "./errors.ts";
export * from "./parse_wheel_filename.ts";
export * from "./read_wheel.ts";
export * from "./read_zip.ts";
export * from "./sha256_hex.ts";
export * from "./types.ts";
export * from "./retag_wheel.ts";
