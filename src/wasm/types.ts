/**
 * Facts read from one WebAssembly module. Plain data (JSON-serialisable), never judged here.
 *
 * @module
 */

/** A wasm value type as written in the text format: `i32`, `i64`, `f32`, `f64`, `v128`, `funcref`, `externref`, … */
export type ValType = string;

/** A function type: parameter and result value types. */
export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  /** Absent when the module declares no maximum. */
  max?: number;
  shared: boolean;
  /** True for memory64 / table64 limits. */
  is64: boolean;
}

export interface TableType {
  element: ValType;
  limits: Limits;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

/** Tag (exception) type: attribute 0 and a function type whose params are the payload. */
export interface TagType {
  attribute: number;
  type: FuncType;
}

export type ExternKind = "func" | "table" | "memory" | "global" | "tag";

export interface WasmImport {
  /** Position among all imports (V8 numbers LinkErrors by it: `Import #N`). */
  index: number;
  module: string;
  name: string;
  kind: ExternKind;
  /** For `func`: the function type. */
  func?: FuncType;
  table?: TableType;
  memory?: Limits;
  global?: GlobalType;
  tag?: TagType;
}

export interface WasmExport {
  name: string;
  kind: ExternKind;
  /** Index in the kind's index space (imports first). */
  index: number;
  func?: FuncType;
  table?: TableType;
  memory?: Limits;
  global?: GlobalType;
  tag?: TagType;
  /** For globals defined in this module with a constant initialiser: its value. */
  value?: number | bigint;
}

export interface DefinedGlobal {
  index: number;
  type: GlobalType;
  /** Constant initialiser value (`i32.const` / `i64.const` …); absent for other init expressions. */
  value?: number | bigint;
  /** `global.get N` initialiser. */
  initGlobal?: number;
}

/** `dylink.0` (or legacy `dylink`) custom section. */
export interface DylinkInfo {
  /** `"dylink.0"` or the legacy `"dylink"`. */
  format: "dylink.0" | "dylink";
  memorySize: number;
  /** log2 of the memory alignment. */
  memoryAlign: number;
  tableSize: number;
  tableAlign: number;
  needed: string[];
  /** EXPORT_INFO: symbol name → flags. */
  exportInfo: { name: string; flags: number }[];
  /** IMPORT_INFO: module, field, flags (flags & 3 === 1 marks a weak import). */
  importInfo: { module: string; name: string; flags: number }[];
  runtimePath: string[];
  /** Subsection ids present that this reader does not know, kept rather than rejected. */
  unknownSubsections: number[];
}

export interface ProducersInfo {
  /** field name (`language`, `processed-by`, `sdk`) → list of [name, version]. */
  [field: string]: { name: string; version: string }[];
}

/** `target_features`: prefix `+` (used), `-` (disallowed), `=` (required). */
export interface TargetFeature {
  prefix: "+" | "-" | "=";
  name: string;
}

export interface SectionInfo {
  id: number;
  /** For custom sections, their name. */
  name?: string;
  /** Absolute offset of the section payload. */
  offset: number;
  size: number;
}

/** Everything the harness reads from one module. */
export interface WasmModuleFacts {
  /** Size of the module in bytes. */
  size: number;
  sections: SectionInfo[];
  types: FuncType[];
  imports: WasmImport[];
  /** Type index of each function defined in this module (not imported). */
  functions: number[];
  tables: TableType[];
  memories: Limits[];
  globals: DefinedGlobal[];
  tags: TagType[];
  exports: WasmExport[];
  start?: number;
  dataCount?: number;
  /** Number of function bodies in the code section (bodies skipped, not copied). */
  codeCount: number;
  dataSegmentCount: number;
  dylink?: DylinkInfo;
  targetFeatures?: TargetFeature[];
  producers?: ProducersInfo;
  /** Names of all custom sections in order. */
  customSections: string[];
}

/**
 * How a module passes i64 values across the JS boundary:
 * - `"bigint"`: built with `-sWASM_BIGINT`; an env function import or a function export keeps
 *   i64 in its type, and JS sees a BigInt;
 * - `"legalized"`: built without it; Binaryen's i64 legalization split each i64 into two i32
 *   (high half via `getTempRet0`), seen as split types of known i64 functions or of
 *   `invoke_`/`dynCall_` signatures with `j`, or as `legalstub$`/`legalfunc$`/`orig$` names;
 * - `"none"`: no i64 at the boundary and nothing legalized: the module needs neither.
 */
export type I64Interface = "bigint" | "legalized" | "none";

/** ABI-relevant features of a side module, derived from its facts (never from its file name). */
export interface AbiFeatures {
  /** C++/Rust exception handling: none, JS `invoke_*` style, or wasm exception tags. */
  exceptions: "none" | "js" | "wasm";
  /** setjmp/longjmp flavour. */
  setjmp: "none" | "emscripten-js" | "wasm-sjlj" | "wasm-tag";
  /**
   * How i64 values cross the JS boundary (see {@linkcode I64Interface}). Decided by
   * `evidence.i64Interface`.
   */
  i64Interface: I64Interface;
  /**
   * i64 crosses the JS boundary as BigInt: `i64Interface === "bigint"`. Kept for the policy
   * flags (`bigint=0|1`); a legalized module is `false` even when some imports keep i64.
   */
  bigint: boolean;
  /** Shared memory, imported or defined (pthreads). Atomics alone do not count: see `atomics`. */
  threads: boolean;
  /**
   * `target_features` lists `+atomics`. Kept apart from `threads`: modules built with atomics
   * but importing a non-shared memory exist (0.23 PIL) and link fine; V8 enforces only the
   * memory's `shared` flag. Added by the wasm reader (optional field).
   */
  atomics?: boolean;
  /** Names of the features `target_features` marks used (`+`) or required (`=`), in order. */
  featuresUsed?: string[];
  simd128: boolean;
  memory64: boolean;
  tailCall: boolean;
  /** The module exports `__wasm_apply_data_relocs` and relies on the loader to call it. */
  needsDataRelocs: boolean;
  needed: string[];
  /** CPython version the module was built for, from the `PyInit_`/API symbols or suffix; e.g. "3.12". */
  pythonVersion?: string;
  /** Which facts each conclusion came from, e.g. `exceptions: import env.__cpp_exception (tag)`. */
  evidence: Record<string, string>;
}
