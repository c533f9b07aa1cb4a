/**
 * The wasm stage: reads WebAssembly modules (Pyodide main modules and side modules) into plain
 * facts, derives their ABI features, writes function types as text, and emits modules.
 *
 * @example
 * ```ts
 * import { deriveAbiFeatures, formatFuncType, readWasmModule } from "./mod.ts";
 * const facts = readWasmModule(await Deno.readFile("orjson.cpython-312-wasm32-emscripten.so"));
 * const imp = facts.imports.find((i) => i.name === "_PyLong_AsByteArray");
 * console.log(formatFuncType(imp!.func!)); // "(i32, i32, i32, i32, i32) -> i32"
 * console.log(deriveAbiFeatures(facts, { cpythonSuffix: "312" }).exceptions);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./read_module.ts";
export * from "./func_type.ts";
export * from "./abi_features.ts";
export * from "./build_module.ts";
