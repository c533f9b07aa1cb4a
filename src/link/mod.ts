/**
 * The link engine: a generated stub of each runtime's main module, Emscripten's dynamic loader
 * emulated from that runtime's own glue, and an outcome class with evidence per wheel × runtime.
 *
 * @example
 * ```ts ignore
 * import { checkLink, readLinkInput } from "./mod.ts";
 * const input = await readLinkInput(bytes, { file: "orjson.whl" });
 * const outcome = await checkLink(input, runtimeFacts);
 * console.log(outcome.outcome);
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
