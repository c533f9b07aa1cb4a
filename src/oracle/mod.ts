/**
 * The oracle stage: loads wheels into the real Pyodide runtime (the npm `pyodide` package under
 * Deno), one child process per wheel × runtime, classifies what happened on each load path
 * (`pyodide.loadPackage`, CPython's dlopen import, and both with `.so` files renamed to the
 * runtime's cpython suffix), decides works/breaks, and measures how far the link engine agrees.
 *
 * @example
 * ```ts ignore
 * import { computeAgreement, runOraclePair } from "./mod.ts";
 * const oracle = await runOraclePair("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
 *   ".cache/runtimes/0.28.3", { timeoutMs: 90_000, memoryMb: 1024, cacheDir: ".cache",
 *   harnessVersion: "oracle-1" });
 * console.log(oracle.status, oracle.symbol); // "link-error" "_PyLong_AsByteArray"
 * const summary = computeAgreement([{ link: { outcome: "link-error", evidence: [] }, oracle }]);
 * console.log(summary.agreeing, "/", summary.pairs);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./run_oracle.ts";
export * from "./agreement.ts";
export * from "./describe_result.ts";
export * from "./resolve_dependencies.ts";
export { classifyFailure, PROTOCOL_MARK } from "./_pair_runner.ts";
