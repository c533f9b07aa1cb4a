/**
 * pyodide-abi-conform: which platform-tag scheme tells Pyodide/Emscripten wheels apart correctly.
 *
 * The library API, one stage per module: `wasm` and `wheel` read bytes into facts, `runtime`
 * obtains and reads Pyodide runtimes, `corpus` resolves the wheel catalogue's files.
 *
 * @example Facts of one wheel
 * ```ts ignore
 * import { readWheel } from "./mod.ts";
 * const bytes = await Deno.readFile("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl");
 * const facts = await readWheel(bytes, { file: "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl" });
 * console.log(facts.sideModules.map((so) => so.abi));
 * ```
 *
 * @module
 */
export * from "./src/wasm/mod.ts";
export * from "./src/wheel/mod.ts";
export * from "./src/runtime/mod.ts";
// Both readers define a sha256 helper with the same result; the wheel reader's is the API one.
export { sha256Hex } from "./src/wheel/mod.ts";
export * from "./src/corpus/mod.ts";
