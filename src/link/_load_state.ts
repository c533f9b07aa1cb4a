/**
 * What one link check knows while it loads modules: the module records, the load context,
 * the loader's name rules and the relocation of exports, shared by the loader steps.
 *
 * @module
 */
import type {
  AbiFeatures,
  FuncType,
  GlobalType,
  Limits,
  TagType,
  WasmExport,
  WasmImport,
  WasmModuleFacts,
} from "../wasm/types.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { type LinkEvidence, type OutcomeClass, worstClass } from "./types.ts";
import type { CheckState, GotEntry, LinkSession } from "./_session.ts";
import { isTag } from "./_wasm_js.ts";
import { exportIndexCache } from "./_caches.ts";

/** Evidence entries kept per module (the rest are counted in a summary entry). */
export const MAX_EVIDENCE_PER_MODULE = 500;

export const SPECIAL_ENV = new Set(["__memory_base", "__table_base"]);

// Compared directly, not through a Set: these run once per import of every check.
export const isProxied = (module: string) =>
  module === "env" || module === "wasi_snapshot_preview1";

export const isGot = (module: string) => module === "GOT.mem" || module === "GOT.func";

/** `isInternalSym` of the loaders: never entered into the GOT from exports. */
export const INTERNAL_SYMBOLS: ReadonlySet<string> = new Set([
  "memory",
  "__memory_base",
  "__table_base",
  "__stack_pointer",
  "__indirect_function_table",
  "__cpp_exception",
  "__c_longjmp",
  "__wasm_apply_data_relocs",
  "__dso_handle",
  "__tls_size",
  "__tls_align",
  "__set_stack_limits",
  "_emscripten_tls_init",
  "__wasm_init_tls",
  "__wasm_call_ctors",
  "__start_em_asm",
  "__stop_em_asm",
  "__start_em_js",
  "__stop_em_js",
]);

export function isInternalSym(name: string): boolean {
  return INTERNAL_SYMBOLS.has(name) || name.startsWith("__em_js__");
}

/** What a value handed to an import is, for the static pre-check (V8's import rules). */
export type Provided =
  | { kind: "wasmfunc"; type?: FuncType }
  | { kind: "jsfunc" }
  | { kind: "number" }
  | { kind: "global"; global?: GlobalType }
  | { kind: "memory"; limits: Limits; pages: number }
  | { kind: "table"; length: number }
  | { kind: "tag"; tag?: TagType }
  | { kind: "missing" }
  | { kind: "other" };

/** A module being checked, with everything learnt about it. */
export interface ModuleRun {
  member: string;
  /** Basename: what NEEDED entries name. */
  name: string;
  bytes: Uint8Array;
  sha256?: string;
  facts?: WasmModuleFacts;
  abi?: AbiFeatures;
  cpythonSuffix?: string;
  /** Belongs to a dependency library, not to the archive under test. */
  dependency: boolean;
  evidence: LinkEvidence[];
  classes: Set<OutcomeClass>;
  state: "pending" | "loading" | "loaded" | "failed";
  global: boolean;
  /** Libraries loaded into this module's local scope (its non-global NEEDED chain). */
  localScope: ModuleRun[] | null;
  /** Exports by name, from the facts (what `relocateExports` would iterate). */
  exportNames: ReadonlyMap<string, WasmExport>;
  /** Instance exports once instantiated; relocated values are computed on demand. */
  raw?: Record<string, unknown>;
  memoryBase: number;
  relocatedCache: Map<string, unknown>;
  exportValue(name: string): unknown;
  /** Types of objects created during this check (shared by all modules of the check). */
  types: Map<object, Provided>;
  weakImports: Set<string>;
  v8Failed: boolean;
  /** Function imports that got a lazy stub: the only ones the final resolution must re-check. */
  lazyImports: WasmImport[];
  /** GOT imports with the check's entry for each. */
  gotImports: { imp: WasmImport; entry: GotEntry }[];
  /** Its relocations or constructors called through a placeholder function pointer. */
  placeholderHit?: boolean;
  /** Its relocations or constructors stopped at this main function, which the stub cannot run. */
  stubStop?: string;
  /** The NEEDED libraries it loaded (their failures are its own). */
  neededRuns: ModuleRun[];
}

export function basename(member: string): string {
  return member.split("/").pop()!;
}

export const worst = worstClass;

export function capEvidence(list: LinkEvidence[]): LinkEvidence[] {
  if (list.length <= MAX_EVIDENCE_PER_MODULE) return list;
  return [
    ...list.slice(0, MAX_EVIDENCE_PER_MODULE),
    {
      kind: list[MAX_EVIDENCE_PER_MODULE].kind,
      omitted: list.length - MAX_EVIDENCE_PER_MODULE,
      message: `… ${list.length - MAX_EVIDENCE_PER_MODULE} more`,
    },
  ];
}

export function addEvidence(r: ModuleRun, cls: OutcomeClass | undefined, e: LinkEvidence): void {
  e.member ??= r.member;
  r.evidence.push(e);
  if (cls) r.classes.add(cls);
}

export interface LoadContext {
  session: LinkSession;
  runtime: RuntimeFacts;
  state: CheckState;
  providers: Map<string, ModuleRun>;
  runConstructors: boolean;
  onModule?: (member: string) => void;
  precompiled?: Record<string, WebAssembly.Module>;
  /** How many modules of this check import each name (each module counted once). */
  importCounts: ReadonlyMap<string, number>;
  /** Compile cache key per module sha256 (sha plus a hash of the kept exports). */
  compileKeys: Map<string, { key: string; keep?: ReadonlySet<string>; full?: boolean }>;
}

/** Exports by name (a Map doubles as the name set `relocateExports` iterates). */
export function exportNamesOf(facts: WasmModuleFacts): ReadonlyMap<string, WasmExport> {
  let map = exportIndexCache.get(facts);
  if (!map) {
    map = new Map(facts.exports.map((e) => [e.name, e]));
    exportIndexCache.set(facts, map);
  }
  return map;
}

/** What `relocatedCache` holds for an export that relocates to nothing. */
export const NO_VALUE = Symbol("no value");

/** relocateExports for one name: data addresses + memoryBase, as numbers or immutable Globals. */
export function relocatedExport(
  r: ModuleRun,
  asGlobals: boolean,
  name: string,
  fact = r.exportNames.get(name),
): unknown {
  if (!r.raw || fact === undefined) return undefined;
  const cached = r.relocatedCache.get(name);
  if (cached !== undefined) return cached === NO_VALUE ? undefined : cached;
  let v = r.raw[name];
  if (v === undefined && fact.kind === "global" && typeof fact.value === "number") {
    // A dropped data export: its constant from the facts stands for it.
    v = { value: fact.value } as unknown as WebAssembly.Global;
  }
  let out: unknown = v;
  if (v instanceof WebAssembly.Global || (v !== undefined && fact.kind === "global")) {
    const e = fact;
    if (asGlobals) {
      if (!e?.global?.mutable && e?.global?.type === "i32") {
        const g = new WebAssembly.Global(
          { value: "i32", mutable: false },
          ((v as WebAssembly.Global).value as number) + r.memoryBase,
        );
        r.types.set(g, { kind: "global", global: { type: "i32", mutable: false } });
        out = g;
      }
    } else {
      const x = (v as WebAssembly.Global).value;
      out = typeof x === "number" ? x + r.memoryBase : x;
    }
  } else if (typeof v === "function") {
    if (fact.func) r.types.set(v, { kind: "wasmfunc", type: fact.func });
  } else if (isTag(v)) {
    if (fact.tag) r.types.set(v, { kind: "tag", tag: fact.tag });
  }
  r.relocatedCache.set(name, out === undefined ? NO_VALUE : out);
  return out;
}
