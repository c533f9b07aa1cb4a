/**
 * The stub main module: a generated wasm module shaped like a runtime's real main module
 * (`pyodide.asm.wasm`), whose functions only record that they were called.
 *
 * @module
 */
import {
  buildModule,
  type ExportSpec,
  type FunctionSpec,
  type GlobalSpec,
  type ImportSpec,
  OP,
  zeroInit,
  zeroValueCode,
} from "../wasm/build_module.ts";
import { encodeSLEB128 } from "../wasm/build_module.ts";
import type { FuncType, TagType } from "../wasm/types.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { asBufferSource } from "./_wasm_js.ts";
import { EMULATED_FUNCTIONS } from "./_emulated.ts";
import { formatFuncType } from "../wasm/func_type.ts";
import { stripFunctionExports } from "./_strip_exports.ts";

/** Bumped whenever the stub's shape changes: part of every stub cache key. */
export const STUB_FORMAT_VERSION = 3;

/** Upper bound on main exports the stub reproduces (the real mains have under 10 000). */
export const MAX_STUB_FUNCTIONS = 200_000;
export const MAX_STUB_GLOBALS = 100_000;

/** Import module and name of the recorder every stub body calls with its function index. */
export const STUB_RECORDER = { module: "harness", name: "record" } as const;
/** Import module of the emulated main functions (see `_emulated.ts`). */
export const STUB_EMULATION_MODULE = "harness.emulated";

/**
 * Main functions whose stub returns 0 instead of trapping: C++ static constructors register
 * destructors through them, and a trap there would say nothing about the ABI.
 */
export const BENIGN_STUB_FUNCTIONS: ReadonlySet<string> = new Set([
  "__cxa_atexit",
  "atexit",
  "__cxa_thread_atexit",
]);

/** Export names the stub always provides for the loader emulation. */
export const STUB_MEMORY_EXPORT = "memory";
export const STUB_TABLE_EXPORT = "__indirect_function_table";
export const STUB_STACK_POINTER_EXPORT = "__stack_pointer";
/**
 * A second table, not the loader's, holding main function `i` (of `layout.functions`) at slot
 * `i`. A session reaches the main's functions through it rather than through their named
 * exports (see {@linkcode sessionStubBytes}). No C symbol can carry this name.
 */
export const STUB_FUNCTIONS_EXPORT = "conform:functions";

/** Where the stub's pieces sit, so the loader can map a recorded index back to a name. */
export interface StubLayout {
  /** `functions[i]` is the name recorded as index `i`. */
  functions: string[];
  /** Tags the stub imports (created in JS, like the 0.28/0.29 glue does). */
  importedTags: { name: string; type: TagType }[];
  /** Main functions the stub imports from {@linkcode STUB_EMULATION_MODULE} and re-exports. */
  emulated: string[];
}

/** Stub bytes plus the layout the loader needs to use them. */
export interface StubModule {
  bytes: Uint8Array;
  layout: StubLayout;
  /** Cache key: main sha256, glue sha256 and stub format version. */
  key: string;
}

/** A persistent byte store (e.g. files in a cache directory), provided by the caller. */
export interface ByteStore {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, bytes: Uint8Array): Promise<void>;
}

function tagFuncType(tag: TagType): FuncType {
  return { params: [...tag.type.params], results: [...tag.type.results] };
}

function globalInit(type: string, value: number | string | undefined) {
  if (value === undefined) return zeroInit(type);
  switch (type) {
    case "i32":
      return { i32: Number(value) | 0 };
    case "i64":
      return { i64: BigInt(value) };
    case "f32":
      return { f32: Number(value) };
    case "f64":
      return { f64: Number(value) };
    default:
      return zeroInit(type);
  }
}

/** The key under which a runtime's stub is cached.  *
 * @example
 * ```ts ignore
 * import { stubCacheKey } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * console.log(stubCacheKey(runtime)); // "stub-v2-<main sha256>-<glue sha256>"
 * ```
 */
export function stubCacheKey(runtime: RuntimeFacts): string {
  return `stub-v${STUB_FORMAT_VERSION}-${runtime.mainSha256}-${runtime.glueSha256 ?? "noglue"}`;
}

/**
 * The layout of a runtime's stub, computed without emitting bytes (the emitter and the loader
 * share this, so a stub read back from a cache needs no re-emission).
 *
 * @example
 * ```ts ignore
 * import { stubLayout } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * console.log(stubLayout(runtime).emulated); // e.g. ["malloc", "strlen", …]
 * ```
 */
export function stubLayout(runtime: RuntimeFacts): StubLayout {
  return {
    functions: runtime.functions.map((f) => f.name),
    emulated: runtime.functions.filter((f) =>
      Object.hasOwn(EMULATED_FUNCTIONS, f.name) &&
      EMULATED_FUNCTIONS[f.name].type === formatFuncType(f.type)
    ).map((f) => f.name),
    importedTags: runtime.tags.filter((t) => t.origin === "imported").map((t) => ({
      name: t.name,
      type: t.type,
    })),
  };
}

/**
 * Emit the stub main module of a runtime: every function export of the real main under the same
 * name and type (bodies: `i32.const idx; call $record; unreachable`, except the benign
 * `__cxa_atexit`/`atexit`/`__cxa_thread_atexit`, which return 0), every global export with its
 * type, mutability and real value, a memory with the real limits and sharedness, a funcref table
 * with the real minimum, `__stack_pointer`, the tags (imported from `env` when the real main
 * imports them, defined and exported when it exports them), and the table
 * {@linkcode STUB_FUNCTIONS_EXPORT} holding every function in order.
 *
 * @example
 * ```ts ignore
 * import { buildStubModule } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * const bytes = buildStubModule(runtime);
 * console.assert(WebAssembly.validate(bytes));
 * ```
 */
export function buildStubModule(runtime: RuntimeFacts): Uint8Array {
  if (runtime.functions.length > MAX_STUB_FUNCTIONS) {
    throw new RangeError(
      `Cannot build stub for ${runtime.version}: ${runtime.functions.length} functions exceed MAX_STUB_FUNCTIONS`,
    );
  }
  if (runtime.globals.length > MAX_STUB_GLOBALS) {
    throw new RangeError(
      `Cannot build stub for ${runtime.version}: ${runtime.globals.length} globals exceed MAX_STUB_GLOBALS`,
    );
  }
  const layout = stubLayout(runtime);
  const recorderType: FuncType = { params: ["i32"], results: [] };
  const imports: ImportSpec[] = [
    { ...STUB_RECORDER, kind: "func", type: recorderType },
  ];
  for (const t of layout.importedTags) {
    imports.push({ module: "env", name: t.name, kind: "tag", tag: tagFuncType(t.type) });
  }
  const emulated = new Map<string, number>();
  for (const name of layout.emulated) {
    const f = runtime.functions.find((x) => x.name === name)!;
    emulated.set(name, imports.length);
    imports.push({ module: STUB_EMULATION_MODULE, name, kind: "func", type: f.type });
  }
  const importedFuncs = 1 + layout.emulated.length;
  const exports: ExportSpec[] = [];
  const names = new Set<string>();
  const addExport = (e: ExportSpec) => {
    if (names.has(e.name)) return;
    names.add(e.name);
    exports.push(e);
  };

  const functions: FunctionSpec[] = runtime.functions.map((f, i) => {
    if (BENIGN_STUB_FUNCTIONS.has(f.name)) {
      return { type: f.type, body: f.type.results.flatMap((r) => zeroValueCode(r)) };
    }
    return {
      type: f.type,
      body: [OP.i32Const, ...encodeSLEB128(i), OP.call, 0, OP.unreachable],
    };
  });
  // Each main function's index: its stub body, or, for emulated functions, the imported JS
  // implementation (their own body stays unused). Exports and the functions table both use it.
  const functionIndex = runtime.functions.map((f, i) => {
    const importIndex = emulated.get(f.name);
    return importIndex === undefined ? importedFuncs + i : importIndex - layout.importedTags.length;
  });
  runtime.functions.forEach((f, i) =>
    addExport({ name: f.name, kind: "func", index: functionIndex[i] })
  );

  const globals: GlobalSpec[] = runtime.globals.map((g) => ({
    type: g.type,
    init: globalInit(g.type.type, g.value),
  }));
  runtime.globals.forEach((g, i) => addExport({ name: g.name, kind: "global", index: i }));
  if (!names.has(STUB_STACK_POINTER_EXPORT)) {
    // The relocatable mains import __stack_pointer from the glue; the loader sets its value.
    globals.push({ type: { type: "i32", mutable: true }, init: { i32: 0 } });
    addExport({ name: STUB_STACK_POINTER_EXPORT, kind: "global", index: globals.length - 1 });
  }

  const exportedTags = runtime.tags.filter((t) => t.origin === "exported");
  exportedTags.forEach((t, i) =>
    addExport({ name: t.name, kind: "tag", index: layout.importedTags.length + i })
  );

  addExport({ name: STUB_MEMORY_EXPORT, kind: "memory", index: 0 });
  addExport({ name: STUB_TABLE_EXPORT, kind: "table", index: 0 });
  addExport({ name: STUB_FUNCTIONS_EXPORT, kind: "table", index: 1 });

  return buildModule({
    imports,
    functions,
    memories: [runtime.memory],
    tables: [
      { element: "funcref", limits: { ...runtime.table.limits } },
      {
        element: "funcref",
        limits: {
          min: functionIndex.length,
          max: functionIndex.length,
          shared: false,
          is64: false,
        },
      },
    ],
    elements: functionIndex.length
      ? [{ table: 1, offset: { i32: 0 }, functions: functionIndex }]
      : [],
    tags: exportedTags.map((t) => tagFuncType(t.type)),
    globals,
    exports,
  });
}

const sessionForms = new WeakMap<Uint8Array, Uint8Array>();

/**
 * The stub as a link session instantiates it: without its function exports. V8 builds the whole
 * exports object at instantiation, a function object per export: 21 ms for the ~9,800 exports
 * of a 0.27 main against 4 ms without them (measured in Deno 2.9.6), while a check touches a few
 * hundred main functions. The session takes those from {@linkcode STUB_FUNCTIONS_EXPORT} on first
 * use. The names are also most of the stub's bytes (520 of 660 KB), which no longer travel to
 * workers nor go through compilation.
 *
 * @throws {WasmFormatError} when the bytes are not a module
 * @example
 * ```ts ignore
 * import { obtainStub, sessionStubBytes } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * const module = await WebAssembly.compile(sessionStubBytes((await obtainStub(runtime)).bytes));
 * ```
 */
export function sessionStubBytes(bytes: Uint8Array): Uint8Array {
  let form = sessionForms.get(bytes);
  if (!form) sessionForms.set(bytes, form = stripFunctionExports(bytes));
  return form;
}

const memoryStubs = new Map<string, StubModule>();

/** Does a stub read back from a store still compile? Its session form is what workers compile. */
function isUsableStub(bytes: Uint8Array): boolean {
  try {
    return WebAssembly.validate(asBufferSource(sessionStubBytes(bytes)));
  } catch {
    return false;
  }
}

/**
 * The stub of a runtime, cached in memory by {@linkcode stubCacheKey} and, when a store is given,
 * as bytes in that store (a cache directory, say).
 *
 * @example
 * ```ts ignore
 * import { obtainStub } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * const stub = await obtainStub(runtime);
 * console.assert(stub.layout.functions.length === runtime.functions.length);
 * ```
 */
export async function obtainStub(
  runtime: RuntimeFacts,
  options: { store?: ByteStore } = {},
): Promise<StubModule> {
  const key = stubCacheKey(runtime);
  const cached = memoryStubs.get(key);
  if (cached) return cached;
  let bytes = await options.store?.get(key);
  if (!bytes || !isUsableStub(bytes)) {
    bytes = buildStubModule(runtime);
    await options.store?.set(key, bytes);
  }
  const stub = { bytes, layout: stubLayout(runtime), key };
  memoryStubs.set(key, stub);
  return stub;
}

const memorySessionStubs = new Map<string, Promise<Uint8Array>>();

/**
 * The {@linkcode sessionStubBytes session form} of a runtime's stub, cached like the stub itself
 * under its own key: a cold start then reads and validates 150 KB instead of reading 660 KB and
 * stripping its ~10,000 exports.
 *
 * @example
 * ```ts ignore
 * import { obtainSessionStub } from "./stub.ts";
 * import type { RuntimeFacts } from "../runtime/types.ts";
 * declare const runtime: RuntimeFacts;
 * const module = await WebAssembly.compile(await obtainSessionStub(runtime));
 * ```
 */
export function obtainSessionStub(
  runtime: RuntimeFacts,
  options: { store?: ByteStore } = {},
): Promise<Uint8Array> {
  const key = `${stubCacheKey(runtime)}-session`;
  let p = memorySessionStubs.get(key);
  if (!p) {
    p = (async () => {
      const stored = await options.store?.get(key);
      if (stored && WebAssembly.validate(asBufferSource(stored))) return stored;
      const bytes = sessionStubBytes((await obtainStub(runtime, options)).bytes);
      await options.store?.set(key, bytes);
      return bytes;
    })();
    // A failure is not remembered: the next caller tries again.
    p.catch(() => memorySessionStubs.delete(key));
    memorySessionStubs.set(key, p);
  }
  return p;
}

/**
 * Forget the stub bytes kept in this process (the byte store on disk is untouched).
 *
 * @example
 * ```ts
 * import { clearStubCaches } from "./stub.ts";
 * clearStubCaches();
 * ```
 */
export function clearStubCaches(): void {
  memoryStubs.clear();
  memorySessionStubs.clear();
}
