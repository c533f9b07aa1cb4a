/**
 * Read the facts of one Pyodide runtime from its main module bytes, its JS glue text and its lock
 * file: what a stub main module must export, what the glue hands to side modules, and what its
 * loader does. Pure (hashing uses `node:crypto`, no file system).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readWasmModule } from "../wasm/mod.ts";
import type { Limits, TableType, WasmModuleFacts } from "../wasm/types.ts";
import { RuntimeFormatError, RuntimeMismatchError } from "./errors.ts";
import { MAX_EVIDENCE_CHARS, readGlue } from "./read_glue.ts";
import { readLockInfo } from "./read_lock.ts";
import type { LoaderCapabilities, RuntimeEntry, RuntimeFacts } from "./types.ts";

/**
 * Version of the facts this reader produces. Bump it whenever {@link readRuntime}'s output changes
 * for the same input, so cached facts are recomputed.
 */
export const FACTS_VERSION = 2;

/** Input of {@link readRuntime}. */
export interface ReadRuntimeInput {
  version: string;
  entry?: RuntimeEntry;
  /** `pyodide.asm.wasm` bytes. */
  wasm: Uint8Array;
  /** `pyodide.asm.js` / `.mjs` text. */
  glue: string;
  /** Parsed lock file (`pyodide-lock.json` / `repodata.json`). */
  lock: unknown;
  /** File names for error messages. */
  files?: { wasm?: string; glue?: string; lock?: string };
  /** sha256 of `wasm` when the caller already has it (skips hashing ~10 MB). */
  mainSha256?: string;
}

/**
 * sha256 hex of bytes or of a string's UTF-8.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./read_runtime.ts";
 * console.assert(sha256Hex("").startsWith("e3b0c442"));
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function clip(text: string): string {
  return text.length <= MAX_EVIDENCE_CHARS ? text : text.slice(0, MAX_EVIDENCE_CHARS);
}

/** The main's linear memory as side modules see it: `env.memory` import, else its own. */
function mainMemory(facts: WasmModuleFacts, file: string): Limits {
  const imported = facts.imports.find((i) =>
    i.kind === "memory" && i.module === "env" && i.name === "memory"
  );
  if (imported?.memory) return imported.memory;
  const exported = facts.exports.find((e) => e.kind === "memory" && e.memory);
  if (exported?.memory) return exported.memory;
  const anyImport = facts.imports.find((i) => i.kind === "memory" && i.memory);
  if (anyImport?.memory) return anyImport.memory;
  if (facts.memories.length > 0) return facts.memories[0];
  throw new RuntimeFormatError("Main module has no memory", file);
}

/** The main's function table: `env.__indirect_function_table` import, else the exported one. */
function mainTable(facts: WasmModuleFacts, file: string): TableType {
  const imported = facts.imports.find((i) =>
    i.kind === "table" && i.module === "env" && i.name === "__indirect_function_table"
  );
  if (imported?.table) return imported.table;
  const named = facts.exports.find((e) =>
    e.kind === "table" && e.name === "__indirect_function_table"
  );
  if (named?.table) return named.table;
  const exported = facts.exports.find((e) => e.kind === "table" && e.table);
  if (exported?.table) return exported.table;
  const anyImport = facts.imports.find((i) => i.kind === "table" && i.table);
  if (anyImport?.table) return anyImport.table;
  if (facts.tables.length > 0) return facts.tables[0];
  throw new RuntimeFormatError("Main module has no table", file);
}

/**
 * The main module, glue and lock must be one build: CPython embeds its version string in the
 * main module's data (the lock's Python must be there), and the glue must provide every function
 * the main module imports from `env` and WASI. Both hold for every catalogue runtime; a
 * directory mixing builds fails one of them.
 */
function checkOneBuild(
  input: ReadRuntimeInput,
  python: string,
  glueNames: string[],
  imports: { module: string; name: string; kind: string }[],
  wasmFile: string,
): void {
  const problems: string[] = [];
  const needle = new TextEncoder().encode(python);
  if (python && !containsBytes(input.wasm, needle)) {
    problems.push(
      `the lock says Python ${python}, but the main module (${wasmFile}) does not contain that version`,
    );
  }
  const provided = new Set(glueNames);
  const missing = imports.filter((i) =>
    i.kind === "func" && (i.module === "env" || i.module.startsWith("wasi")) &&
    !provided.has(i.name)
  ).map((i) => i.name);
  if (glueNames.length > 0 && missing.length > 0) {
    problems.push(
      `the glue does not provide ${missing.length} function(s) the main module imports (${
        missing.slice(0, 5).join(", ")
      }${missing.length > 5 ? ", …" : ""})`,
    );
  }
  if (problems.length) {
    throw new RuntimeMismatchError(
      input.files?.wasm?.replace(/[^/]*$/, "") || input.version,
      problems,
    );
  }
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  const first = needle[0];
  for (
    let i = haystack.indexOf(first);
    i >= 0 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return true;
  }
  return false;
}

/**
 * Read a runtime's facts. Throws the wasm reader's `WasmFormatError` for a malformed main module
 * and {@link RuntimeFormatError} for a glue without import table, a lock without `info`, or a main
 * without memory or table.
 *
 * The exception model is decided from the main module when it is decisive (it imports
 * `env.invoke_*`: JS exceptions; it imports or exports the `__cpp_exception` tag: wasm
 * exceptions), else from the glue.
 *
 * @example
 * ```ts ignore
 * import { readRuntime } from "./read_runtime.ts";
 * const dir = ".cache/runtimes/0.27.7/";
 * const facts = readRuntime({
 *   version: "0.27.7",
 *   wasm: await Deno.readFile(dir + "pyodide.asm.wasm"),
 *   glue: await Deno.readTextFile(dir + "pyodide.asm.js"),
 *   lock: JSON.parse(await Deno.readTextFile(dir + "pyodide-lock.json")),
 * });
 * console.log(facts.functions.length, facts.loader.synthesizesInvokes);
 * ```
 */
export function readRuntime(input: ReadRuntimeInput): RuntimeFacts {
  const wasmFile = input.files?.wasm ?? `pyodide@${input.version}/pyodide.asm.wasm`;
  const glueFile = input.files?.glue ?? `pyodide@${input.version}/pyodide.asm.js`;
  const lockFile = input.files?.lock ?? `pyodide@${input.version}/lock`;
  const lock = readLockInfo(input.lock, { file: lockFile });
  const main = readWasmModule(input.wasm, { file: wasmFile });
  const glue = readGlue(input.glue, { file: glueFile });

  checkOneBuild(input, lock.python, glue.glueNames, main.imports, wasmFile);

  const functions = main.exports
    .filter((e) => e.kind === "func" && e.func)
    .map((e) => ({ name: e.name, type: e.func! }));
  const globals = main.exports
    .filter((e) => e.kind === "global" && e.global)
    .map((e) => {
      const g: RuntimeFacts["globals"][number] = { name: e.name, type: e.global! };
      // i64 constants are kept as decimal strings: facts must stay JSON.
      if (typeof e.value === "bigint") g.value = e.value.toString();
      else if (typeof e.value === "number") g.value = e.value;
      return g;
    });
  const tags: RuntimeFacts["tags"] = [
    ...main.imports
      .filter((i) => i.kind === "tag" && i.tag)
      .map((i) => ({ name: i.name, type: i.tag!, origin: "imported" as const })),
    ...main.exports
      .filter((e) => e.kind === "tag" && e.tag)
      .map((e) => ({ name: e.name, type: e.tag!, origin: "exported" as const })),
  ];
  const mainFunctionImports = main.imports
    .filter((i) => i.kind === "func" && i.func)
    .map((i) => ({ module: i.module, name: i.name, type: i.func! }));
  const importsMemoryBase = main.imports.some((i) =>
    i.module === "env" && i.name === "__memory_base"
  );
  const mainMemorySize = main.dylink?.memorySize ?? 0;
  const relocatable = importsMemoryBase || mainMemorySize > 0;

  const loader: LoaderCapabilities = { ...glue.loader, evidence: { ...glue.loader.evidence } };
  const invoke = mainFunctionImports.find((i) =>
    i.module === "env" && i.name.startsWith("invoke_")
  );
  const cppTag = tags.find((t) => t.name === "__cpp_exception");
  if (invoke) {
    loader.exceptions = "js";
    loader.evidence.exceptions = clip(`main imports env.${invoke.name}`);
  } else if (cppTag) {
    loader.exceptions = "wasm";
    loader.evidence.exceptions = clip(`main ${cppTag.origin} tag __cpp_exception`);
  }
  loader.evidence.relocatable = clip(
    importsMemoryBase
      ? "main imports env.__memory_base"
      : `main imports no env.__memory_base; dylink.0 memorySize ${mainMemorySize}`,
  );

  const facts: RuntimeFacts = {
    version: input.version,
    python: lock.python,
    emscripten: lock.emscripten,
    platformTag: lock.platformTag,
    mainSha256: input.mainSha256 ?? sha256Hex(input.wasm),
    relocatable,
    functions,
    globals,
    memory: mainMemory(main, wasmFile),
    table: mainTable(main, wasmFile),
    tags,
    mainMemorySize,
    glueNames: glue.glueNames,
    loader,
    glueSignatures: glue.signatures,
    glueSha256: sha256Hex(input.glue),
    mainFunctionImports,
    factsVersion: FACTS_VERSION,
  };
  if (lock.abiVersion !== undefined) facts.abiVersion = lock.abiVersion;
  if (glue.moduleSymbolNames) facts.glueModuleSymbols = glue.moduleSymbolNames;
  return facts;
}
