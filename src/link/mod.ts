/**
 * The link engine: a generated stub of each runtime's main module, Emscripten's dynamic loader
 * emulated from that runtime's own glue, and an outcome class with evidence per wheel × runtime.
 *
 * - {@linkcode checkLink}: one archive against one runtime, in this process;
 * - {@linkcode LinkPool} / {@linkcode executeOnPool}: many pairs in permission-less workers with a
 *   per-pair time limit (a hung constructor becomes a `trap`, the run goes on);
 * - {@linkcode buildStubModule} / {@linkcode obtainStub}: the stub main module, cached by content;
 * - {@linkcode readLinkInput}, {@linkcode selectLibraries}: archives (and the shared-library
 *   packages they need) as link inputs;
 * - the allow-list (`allow_list.json`) and {@linkcode describeOutcome} for terminals;
 * - {@linkcode benchmarkLink}: pairs per second and peak memory over the pool.
 *
 * @example
 * ```ts ignore
 * import { checkLink, readLinkInput } from "./mod.ts";
 * const input = await readLinkInput(bytes, { file: "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl" });
 * const outcome = await checkLink(input, runtimeFacts);
 * console.log(outcome.outcome, outcome.modules.map((m) => m.evidence));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./allow_list.ts";
export * from "./stub.ts";
export * from "./check_link.ts";
export * from "./read_link_input.ts";
export * from "./select_libraries.ts";
export * from "./pool.ts";
export * from "./describe_outcome.ts";
export * from "./benchmark_link.ts";
export { registerRealMainFile } from "./_real_main.ts";
export { pythonMajorMinor, tagAcceptsPython } from "./_python.ts";
