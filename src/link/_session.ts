/**
 * One runtime's link session: the instantiated stub main module plus the symbol table the
 * runtime's JS glue builds (`wasmImports`/`asmLibraryArg`), reused for many checks. Each check
 * gets fresh per-check state (GOT, global-library symbols, heap and table cursors).
 *
 * @module
 */
import type { FuncType, GlobalType, Limits, TagType } from "../wasm/types.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { buildModule } from "../wasm/build_module.ts";
import { asBufferSource, createTag, type WasmTag } from "./_wasm_js.ts";
import { EMULATED_FUNCTIONS, type EmulationHost } from "./_emulated.ts";
import {
  instantiateRealMain,
  mainTableSize,
  realGlueBehaviour,
  type RealMainInstance,
  zeroResult,
} from "./_real_main.ts";
import {
  sessionStubBytes,
  STUB_EMULATION_MODULE,
  STUB_FUNCTIONS_EXPORT,
  STUB_MEMORY_EXPORT,
  STUB_RECORDER,
  STUB_STACK_POINTER_EXPORT,
  STUB_TABLE_EXPORT,
  type StubModule,
} from "./stub.ts";

/** Emscripten's GLOBAL_BASE: a relocatable main's `__memory_base` (glue: `relocateExports(…, 1024)`). */
export const MAIN_GLOBAL_BASE = 1024;
/** Stack the session reserves for relocations and constructors (they rarely need much). */
export const SESSION_STACK_BYTES = 1024 * 1024;
/** Default cap on memory one check may allocate for side modules (dylink memory sizes). */
export const DEFAULT_MAX_MEMORY_BYTES = 512 * 1024 * 1024;
/** Default cap on table slots one check may add (dylink table sizes and GOT.func entries). */
export const DEFAULT_MAX_TABLE_ENTRIES = 2_000_000;
/**
 * Memory a session may keep committed between checks beyond its heap base. A check that grows
 * the shared memory further (a constructor calling `memory.grow` and writing to it) leaves the
 * session to be rebuilt, so the pages it committed are released with the old instance.
 */
export const SESSION_RETAINED_MEMORY_BYTES = 128 * 1024 * 1024;

/** Glue functions that abort or unwind in the real runtime: calling them during load is a trap. */
const THROWING_GLUE: ReadonlySet<string> = new Set([
  "abort",
  "__assert_fail",
  "exit",
  "_exit",
  "proc_exit",
  "__cxa_throw",
  "__cxa_rethrow",
  "__resumeException",
  "_emscripten_throw_longjmp",
  "emscripten_longjmp",
  "_Unwind_RaiseException",
]);

/** What a call through a placeholder function pointer is recorded as. */
export const PLACEHOLDER_CALL = "(function pointer to an own export; the stub holds a placeholder)";

/** Which list of the runtime facts holds a name of the base table (see `LinkSession`). */
const SOURCE_GLUE = 0;
const SOURCE_FUNCTION = 1;
const SOURCE_GLOBAL = 2;
const SOURCE_TAG = 3;

/** What the static pre-check knows about a symbol of the base table. */
export type SymbolInfo =
  | { origin: "glue"; kind: "jsfunc" }
  | { origin: "glue" | "main"; kind: "memory"; limits: Limits }
  | { origin: "glue" | "main"; kind: "table" }
  | { origin: "glue" | "main"; kind: "global"; global: GlobalType }
  | { origin: "glue" | "main"; kind: "number" }
  | { origin: "glue" | "main"; kind: "tag"; tag: TagType }
  | { origin: "main"; kind: "func"; type: FuncType };

/** A trap raised by the harness itself (a recorded call into something that cannot run). */
export class StubCallError extends Error {
  readonly symbol: string;
  readonly origin: "main" | "glue" | "unresolved";
  constructor(symbol: string, origin: "main" | "glue" | "unresolved", message: string) {
    super(message);
    this.name = "StubCallError";
    this.symbol = symbol;
    this.origin = origin;
  }
}

/** A check was refused because it would exceed a memory or table cap. */
export class CapExceededError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "CapExceededError";
  }
}

export interface SessionCaps {
  maxMemoryBytes: number;
  maxTableEntries: number;
}

function sigTypes(sig: string): FuncType | undefined {
  const map: Record<string, string> = {
    i: "i32",
    p: "i32",
    j: "i64",
    f: "f32",
    d: "f64",
    e: "externref",
  };
  const results = sig[0] === "v" ? [] : [map[sig[0]]];
  const params = [...sig.slice(1)].map((c) => map[c]);
  if (
    results.includes(undefined as unknown as string) ||
    params.includes(undefined as unknown as string)
  ) {
    return undefined;
  }
  return { params, results };
}

/** Where a loaded module's exports can be looked up by name (relocated on demand). */
export interface ExportSource {
  exportNames: { has(name: string): boolean };
  exportValue(name: string): unknown;
}

/** Per-check mutable state. */
export interface CheckState {
  /** Libraries loaded with global scope, in load order (`mergeLibSymbols`: first wins). */
  globalModules: ExportSource[];
  /** Every library loaded so far, in load order (their exports fill the GOT). */
  loadedModules: ExportSource[];
  /** The check's GOT, keyed by the link check's symbol number of each name. */
  got: Map<number, GotEntry>;
  /** GOT entries no export has filled yet, apart from internal names (`updateGOT` visits these). */
  gotUnfilled: GotEntry[];
  heapCursor: number;
  tableCursor: number;
  /** Main functions called during this check, in order. */
  calls: string[];
  glueCalls: string[];
}

export interface GotEntry {
  name: string;
  global: WebAssembly.Global;
  /** Some module imported it without the weak flag. */
  required: boolean;
  filled: boolean;
}

/** A resolved name of the base table: the value handed over and what is known of its type. */
interface SymbolEntry {
  value: unknown;
  info: SymbolInfo;
}

/**
 * The stub instance of one runtime and the glue's symbol table around it. The table is resolved
 * name by name on first lookup: a check asks for a few hundred of the ~10,000 names, and making
 * every value and record up front was most of a one-wheel run's session time.
 */
export class LinkSession {
  readonly runtime: RuntimeFacts;
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /** Names `resolveGlobalSymbol` also finds as `Module["_X"]` (0.21/0.22 loaders). */
  readonly moduleSymbols: ReadonlySet<string>;
  readonly tableBaseline: number;
  readonly heapBase: number;
  readonly stackTop: number;
  readonly caps: SessionCaps;
  /** Value added to main data-symbol addresses by `relocateExports` on the main. */
  readonly mainMemoryBase: number;
  #state: CheckState | undefined;
  #jsWrappers = new Map<string, unknown>();
  readonly #exports: Record<string, unknown>;
  /** The stub's table of main functions, in `runtime.functions` order. */
  readonly #functions: WebAssembly.Table;
  readonly #tags: Map<string, WasmTag>;
  /**
   * Every name of the base table, in the loader's order of precedence, as `kind + 4 × index`:
   * the kind says which list of `runtime` holds it (see `SOURCE_*`), the index where. One lookup
   * answers a name the table lacks, the most frequent question.
   */
  readonly #sources = new Map<string, number>();
  /** Entries made so far, by kind, then index. */
  readonly #entries: (SymbolEntry | undefined)[][];
  /** What each value handed out is (the JS API does not reflect wasm types). */
  readonly #infoByValue = new WeakMap<object, SymbolInfo>();
  /** A fixed table slot per main function, for GOT.func entries that name one. */
  readonly #mainSlotBase: number;
  readonly #mainSlotSet = new Set<number>();
  #wrapperModules = new Map<string, WebAssembly.Module>();
  #tableDirtyHigh: number;
  /** Real mode: the real main's exports, used for every main function it exports. */
  readonly #real: Record<string, unknown> | undefined;
  /** Real mode: the real main's `malloc`, which places side modules (see `allocMemory`). */
  #realMalloc: ((size: number) => number) | undefined;
  /** Real mode: the memory as it was once the real main was initialised. */
  #snapshot: Uint8Array | undefined;
  /** Real mode: the real main's `sbrk` (`sbrk(0)` is the top of what malloc handed out). */
  #realSbrk: ((increment: number) => number) | undefined;

  private constructor(
    runtime: RuntimeFacts,
    ex: Record<string, unknown>,
    tags: Map<string, WasmTag>,
    caps: SessionCaps,
    real?: Record<string, unknown>,
  ) {
    this.runtime = runtime;
    this.caps = caps;
    this.#real = real;
    this.#exports = ex;
    this.#tags = tags;
    this.memory = ex[STUB_MEMORY_EXPORT] as WebAssembly.Memory;
    this.table = ex[STUB_TABLE_EXPORT] as WebAssembly.Table;
    this.stackPointer = ex[STUB_STACK_POINTER_EXPORT] as WebAssembly.Global;
    this.#functions = ex[STUB_FUNCTIONS_EXPORT] as WebAssembly.Table;
    if (!(this.#functions instanceof WebAssembly.Table)) {
      throw new TypeError(
        `The stub of ${runtime.version} lacks its ${STUB_FUNCTIONS_EXPORT} table`,
      );
    }
    // 1. The glue's own names (JS wins on a clash, as in mergeLibSymbols); the loader's own
    // objects exist whatever the glue calls them. 2. The main's exports, where still free.
    const sources = this.#sources;
    const add = (name: string, source: number) => {
      if (!sources.has(name)) sources.set(name, source);
    };
    const glue = [...runtime.glueNames, "memory", "__indirect_function_table", "__stack_pointer"];
    for (let i = 0; i < glue.length; i++) add(glue[i], SOURCE_GLUE + 4 * i);
    for (let i = 0; i < runtime.functions.length; i++) {
      add(runtime.functions[i].name, SOURCE_FUNCTION + 4 * i);
    }
    for (let i = 0; i < runtime.globals.length; i++) {
      add(runtime.globals[i].name, SOURCE_GLOBAL + 4 * i);
    }
    for (let i = 0; i < runtime.tags.length; i++) add(runtime.tags[i].name, SOURCE_TAG + 4 * i);
    // Dense from the start: stores far past the end would make V8 switch to slow elements.
    this.#entries = [
      glue.length,
      runtime.functions.length,
      runtime.globals.length,
      runtime.tags.length,
    ]
      .map((n) => new Array<SymbolEntry | undefined>(n).fill(undefined));
    // Reserve one slot per main function once; per-check slots start after them.
    this.#mainSlotBase = this.table.length;
    this.table.grow(runtime.functions.length);
    this.tableBaseline = this.table.length;
    this.#tableDirtyHigh = this.tableBaseline;
    this.mainMemoryBase = runtime.relocatable ? MAIN_GLOBAL_BASE : 0;
    this.moduleSymbols = new Set(
      runtime.loader.resolvesModuleSymbols ? (runtime.glueModuleSymbols ?? []) : [],
    );

    // Memory layout: [0, base + main data) | stack | heap for side modules. A fixed (non
    // relocatable) main states its own stack and heap through exported globals.
    const globalValue = (name: string) => {
      const g = runtime.globals.find((x) => x.name === name);
      return g?.value === undefined ? undefined : Number(g.value);
    };
    const align16 = (n: number) => Math.ceil(n / 16) * 16;
    const dataEnd = align16(this.mainMemoryBase + runtime.mainMemorySize);
    const realHeap = runtime.relocatable ? undefined : globalValue("__heap_base");
    this.stackTop = runtime.relocatable
      ? dataEnd + SESSION_STACK_BYTES
      : (globalValue("__stack_pointer") ?? dataEnd + SESSION_STACK_BYTES);
    this.heapBase = align16(Math.max(realHeap ?? 0, this.stackTop, dataEnd));
  }

  /**
   * The value the loader's symbol table holds for `name`: the glue's own names first (JS wins on
   * a clash, as in `mergeLibSymbols`), then the main's exports (`relocateExports` on the main).
   * Undefined when neither has it.
   */
  symbol(name: string): unknown {
    return this.#entry(name)?.value;
  }

  /** What the static pre-check knows about {@linkcode LinkSession.symbol}'s value. */
  symbolInfo(name: string): SymbolInfo | undefined {
    return this.#entry(name)?.info;
  }

  /** What a value this session handed out is (undefined for values from elsewhere). */
  infoOfValue(value: unknown): SymbolInfo | undefined {
    return (typeof value === "object" || typeof value === "function") && value !== null
      ? this.#infoByValue.get(value)
      : undefined;
  }

  #entry(name: string): SymbolEntry | undefined {
    const source = this.#sources.get(name);
    if (source === undefined) return undefined;
    const made = this.#entries[source & 3];
    let entry = made[source >>> 2];
    if (entry === undefined) {
      entry = this.#resolve(name, source);
      made[source >>> 2] = entry;
      const v = entry.value;
      if ((typeof v === "object" || typeof v === "function") && v !== null) {
        if (!this.#infoByValue.has(v)) this.#infoByValue.set(v, entry.info);
      }
    }
    return entry;
  }

  #resolve(name: string, source: number): SymbolEntry {
    const runtime = this.runtime;
    const kind = source & 3;
    const index = source >>> 2;
    if (kind === SOURCE_GLUE) {
      return this.#specialGlueValue(name) ?? {
        value: this.#glueFunction(name, runtime.glueSignatures?.[name]),
        info: { origin: "glue", kind: "jsfunc" },
      };
    }
    if (kind === SOURCE_FUNCTION) {
      const real = this.#real?.[name];
      return {
        value: typeof real === "function" ? real : this.#functions.get(index),
        info: { origin: "main", kind: "func", type: runtime.functions[index].type },
      };
    }
    if (kind === SOURCE_GLOBAL) {
      const glob = this.#exports[name] as WebAssembly.Global;
      if (runtime.loader.dataSymbolsAsGlobals) {
        return {
          value: glob,
          info: { origin: "main", kind: "global", global: runtime.globals[index].type },
        };
      }
      // ≤0.29: relocateExports turns every exported Global into a plain number (+ base).
      const v = glob.value;
      return {
        value: typeof v === "number" ? v + this.mainMemoryBase : v,
        info: { origin: "main", kind: "number" },
      };
    }
    const tag = runtime.tags[index];
    return {
      value: tag.origin === "imported" ? this.#tags.get(name) : this.#exports[name],
      info: { origin: tag.origin === "imported" ? "glue" : "main", kind: "tag", tag: tag.type },
    };
  }

  /**
   * Instantiate a runtime's stub and build its symbol table. `stub` is the stub's bytes or the
   * compiled form of {@linkcode sessionStubBytes}.
   */
  static async create(
    runtime: RuntimeFacts,
    stub: StubModule | WebAssembly.Module,
    caps: Partial<SessionCaps> = {},
    realMain?: WebAssembly.Module,
  ): Promise<LinkSession> {
    const module = stub instanceof WebAssembly.Module
      ? stub
      : await WebAssembly.compile(asBufferSource(sessionStubBytes(stub.bytes)));
    const layoutFunctions = runtime.functions.map((f) => f.name);
    const tags = new Map<string, WasmTag>();
    const env: Record<string, unknown> = {};
    for (const t of runtime.tags) {
      if (t.origin !== "imported") continue;
      // Like the 0.28/0.29 glue: `new WebAssembly.Tag({parameters: ["i32"]})`.
      const tag = createTag([...t.type.type.params]);
      tags.set(t.name, tag);
      env[t.name] = tag;
    }
    // The imports need the session, which needs the instance: a holder breaks the cycle.
    const ref: { session?: LinkSession } = {};
    const record = (idx: number) => {
      ref.session?.recordCall(layoutFunctions[idx] ?? `#${idx}`);
    };
    // Emulated main functions run against this session's memory and scratch heap.
    const host: EmulationHost = {
      memory: () => ref.session!.memory,
      alloc: (size, align) => ref.session!.allocMemory(size, align),
    };
    const emulated: Record<string, unknown> = {};
    const names = stub instanceof WebAssembly.Module
      ? WebAssembly.Module.imports(stub).filter((i) => i.module === STUB_EMULATION_MODULE).map((
        i,
      ) => i.name)
      : stub.layout.emulated;
    for (const name of names) emulated[name] = EMULATED_FUNCTIONS[name].impl(host);
    const instance = await WebAssembly.instantiate(module, {
      [STUB_RECORDER.module]: { [STUB_RECORDER.name]: record },
      [STUB_EMULATION_MODULE]: emulated,
      env,
    } as WebAssembly.Imports);
    const fullCaps = {
      maxMemoryBytes: caps.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES,
      maxTableEntries: caps.maxTableEntries ?? DEFAULT_MAX_TABLE_ENTRIES,
    };
    const stubExports = instance.exports as Record<string, unknown>;
    if (!realMain) {
      ref.session = new LinkSession(runtime, stubExports, tags, fullCaps);
      return ref.session;
    }
    // Real mode. The real main's JS glue records each call like the stub's glue does; the
    // few functions malloc and memcpy depend on behave (see `realGlueBehaviour`).
    const glue = (name: string, type: FuncType | undefined) => {
      const behaviour = realGlueBehaviour(name, () => ref.session!.memory);
      if (behaviour) return behaviour as (...args: unknown[]) => unknown;
      if (name.startsWith("invoke_")) {
        return (...args: unknown[]) => ref.session!.createInvoke(name)(...args);
      }
      const throws = THROWING_GLUE.has(name);
      const sig = runtime.glueSignatures?.[name];
      return (..._args: unknown[]) => {
        ref.session?.recordGlueCall(name);
        if (throws) {
          throw new StubCallError(name, "glue", `the real main called JS glue function ${name}`);
        }
        return zeroResult(type, sig);
      };
    };
    let real: RealMainInstance;
    let sessionExports: Record<string, unknown>;
    if (runtime.relocatable) {
      // ≤0.29: the real main shares the stub's memory, table and stack pointer. Its data lands
      // at __memory_base = mainMemoryBase, where the stub's data-symbol addresses point; its
      // elements at __table_base 1 (as the glue does), inside the stub table's initial length,
      // which the session never uses (its own slots start past that length); grown first to
      // the main's own table size, as the glue sizes the table.
      const table = stubExports[STUB_TABLE_EXPORT] as WebAssembly.Table;
      const need = 1 + mainTableSize(realMain);
      if (table.length < need) table.grow(need - table.length);
      real = instantiateRealMain(realMain, runtime, {
        memory: stubExports[STUB_MEMORY_EXPORT] as WebAssembly.Memory,
        table: stubExports[STUB_TABLE_EXPORT] as WebAssembly.Table,
        stackPointer: stubExports[STUB_STACK_POINTER_EXPORT] as WebAssembly.Global,
        memoryBase: MAIN_GLOBAL_BASE,
        tableBase: 1,
        tags,
        glue,
      });
      sessionExports = stubExports;
    } else {
      // 314+: the real main defines its memory, table, stack pointer and tags; the session
      // adopts them (a fixed main's addresses are absolute, so nothing else could host it).
      real = instantiateRealMain(realMain, runtime, { memoryBase: 0, tableBase: 0, tags, glue });
      sessionExports = { ...stubExports };
      for (const [name, value] of Object.entries(real.exports)) {
        if (typeof value !== "function") sessionExports[name] = value;
      }
      sessionExports[STUB_FUNCTIONS_EXPORT] = stubExports[STUB_FUNCTIONS_EXPORT];
    }
    const session = new LinkSession(runtime, sessionExports, tags, fullCaps, real.exports);
    ref.session = session;
    session.#initRealMain(real);
    return session;
  }

  /**
   * Real mode, once: fill the real main's GOT as the glue's `updateGOT` does for a main (its
   * own exports; `__heap_base` and the stack bounds from the glue), run its relocations and
   * constructors, and snapshot the memory every real-mode check starts from.
   */
  #initRealMain(real: RealMainInstance): void {
    for (const { module, name, global } of real.got) {
      const own = real.exports[name];
      let value: number | undefined;
      if (module === "GOT.func") {
        value = typeof own === "function" ? this.mainFunctionSlot(name) : undefined;
      } else if (own instanceof WebAssembly.Global && typeof own.value === "number") {
        value = own.value + this.mainMemoryBase;
      } else {
        const v = this.symbol(name);
        value = typeof v === "number" ? v : undefined;
      }
      // A function pointer to a glue function (GL entry points) stays null: calling it traps.
      if (value !== undefined) global.value = value;
    }
    // Emscripten's sbrk starts at &__heap_base: real malloc hands out memory from the
    // session's heap base on, and the session allocates side modules through it (see
    // `allocMemory`), so the two never overlap.
    this.stackPointer.value = this.stackTop;
    for (const init of ["__wasm_apply_data_relocs", "__wasm_call_ctors"]) {
      const fn = real.exports[init];
      if (typeof fn !== "function") continue;
      try {
        (fn as () => void)();
      } catch (e) {
        throw new Error(
          `the real main's ${init} failed: ${(e as Error)?.name}: ${(e as Error)?.message}`,
        );
      }
    }
    const malloc = real.exports["malloc"];
    if (typeof malloc !== "function") throw new Error("the real main exports no malloc");
    this.#realMalloc = malloc as (size: number) => number;
    const sbrk = real.exports["sbrk"];
    if (typeof sbrk === "function") this.#realSbrk = sbrk as (n: number) => number;
    // Only what the main has used (up to its heap top): copying and re-zeroing its whole
    // initial memory (30 MB) per check committed every page, which doubled the pool's RSS.
    const top = this.#realSbrk ? this.#realSbrk(0) >>> 0 : this.memory.buffer.byteLength;
    this.#snapshot = new Uint8Array(this.memory.buffer, 0, top).slice();
  }

  /** This session runs the real main's functions (see `_real_main.ts`). */
  get isReal(): boolean {
    return this.#real !== undefined;
  }

  #specialGlueValue(name: string): SymbolEntry | undefined {
    switch (name) {
      case "memory":
        return {
          value: this.memory,
          info: { origin: "glue", kind: "memory", limits: this.runtime.memory },
        };
      case "__indirect_function_table":
        return { value: this.table, info: { origin: "glue", kind: "table" } };
      case "__stack_pointer":
        return {
          value: this.stackPointer,
          info: { origin: "glue", kind: "global", global: { type: "i32", mutable: true } },
        };
      case "__memory_base":
        return {
          value: new WebAssembly.Global({ value: "i32", mutable: false }, this.mainMemoryBase),
          info: { origin: "glue", kind: "global", global: { type: "i32", mutable: false } },
        };
      case "__table_base":
        return {
          value: new WebAssembly.Global({ value: "i32", mutable: false }, 1),
          info: { origin: "glue", kind: "global", global: { type: "i32", mutable: false } },
        };
      case "__heap_base":
        return { value: this.heapBase, info: { origin: "glue", kind: "number" } };
      case "__global_base":
        return { value: this.mainMemoryBase, info: { origin: "glue", kind: "number" } };
      case "__stack_high":
        return { value: this.stackTop, info: { origin: "glue", kind: "number" } };
      case "__stack_low":
        return {
          value: this.stackTop - SESSION_STACK_BYTES,
          info: { origin: "glue", kind: "number" },
        };
    }
    const tag = this.#tags.get(name);
    if (tag) {
      const t = this.runtime.tags.find((x) => x.name === name)!;
      return { value: tag, info: { origin: "glue", kind: "tag", tag: t.type } };
    }
    return undefined;
  }

  /** A stand-in for a JS glue function: records the call; the aborting ones trap. */
  #glueFunction(name: string, sig: string | undefined): (...args: unknown[]) => unknown {
    if (name.startsWith("invoke_")) return this.createInvoke(name);
    const bigintResult = sig?.[0] === "j";
    const throws = THROWING_GLUE.has(name);
    const fn = (..._args: unknown[]) => {
      this.#state?.glueCalls.push(name);
      if (throws) throw new StubCallError(name, "glue", `called JS glue function ${name}`);
      return bigintResult ? 0n : 0;
    };
    (fn as unknown as { sig?: string }).sig = sig;
    return fn;
  }

  /** `invoke_<sig>` as `createInvokeFunction` builds it: call through the table, unwind on throw. */
  createInvoke(name: string): (...args: unknown[]) => unknown {
    return (index: unknown, ...args: unknown[]) => {
      const sp = this.stackPointer.value;
      const fn = this.table.get(Number(index)) as ((...a: unknown[]) => unknown) | null;
      if (!fn) {
        throw new StubCallError(name, "glue", `${name}: table index ${index} is not a function`);
      }
      try {
        return fn(...args);
      } catch (e) {
        this.stackPointer.value = sp;
        throw e;
      }
    };
  }

  /** Begin a check: fresh GOT and global-library symbols, cursors back at their bases. */
  beginCheck(): CheckState {
    // Drop table references left by the previous check so its instances can be collected.
    for (let i = this.tableBaseline; i < this.#tableDirtyHigh; i++) this.table.set(i, null);
    this.#tableDirtyHigh = this.tableBaseline;
    this.stackPointer.value = this.stackTop;
    if (this.#snapshot) {
      // Real mode: every check starts from the initialised real main, whatever ran before
      // (malloc's state lives in the main's data; what it handed out is zeroed).
      const u8 = new Uint8Array(this.memory.buffer);
      // The previous check's heap top, read before the restore resets it.
      const top = this.#realSbrk ? this.#realSbrk(0) >>> 0 : u8.length;
      u8.set(this.#snapshot);
      if (top > this.#snapshot.length) u8.fill(0, this.#snapshot.length, top);
    }
    this.#state = {
      globalModules: [],
      loadedModules: [],
      got: new Map(),
      gotUnfilled: [],
      heapCursor: this.heapBase,
      tableCursor: this.tableBaseline,
      calls: [],
      glueCalls: [],
    };
    return this.#state;
  }

  /** The fixed table slot of a main function (filled on first use). */
  mainFunctionSlot(name: string): number | undefined {
    const source = this.#sources.get(name);
    if (source === undefined || (source & 3) !== SOURCE_FUNCTION) return undefined;
    const i = source >>> 2;
    const slot = this.#mainSlotBase + i;
    if (!this.#mainSlotSet.has(slot)) {
      const fn = this.symbol(name);
      try {
        this.table.set(slot, fn as never);
      } catch {
        return undefined;
      }
      this.#mainSlotSet.add(slot);
    }
    return slot;
  }

  #placeholders = new Map<string, unknown>();

  /**
   * A table slot for a function pointer to a side module's own function whose export the check
   * dropped (see `_strip_exports.ts`): a placeholder of the same type that records the call.
   */
  placeholderSlot(type: FuncType): number {
    // By type object first: a module's exports share their type objects, and the string key
    // would be built for each of thousands of GOT.func entries per check.
    let fn = this.#placeholdersByType.get(type);
    if (fn === undefined) {
      fn = this.#placeholderOf(type);
      this.#placeholdersByType.set(type, fn);
    }
    const slot = this.allocTable(1);
    this.table.set(slot, fn as never);
    return slot;
  }

  #placeholdersByType = new WeakMap<FuncType, unknown>();

  #placeholderOf(type: FuncType): unknown {
    const key = `${type.params.join(",")}>${type.results.join(",")}`;
    let fn = this.#placeholders.get(key);
    if (fn === undefined) {
      const module = new WebAssembly.Module(buildModule({
        imports: [{ module: "h", name: "hit", kind: "func", type: { params: [], results: [] } }],
        functions: [{ type, body: [0x10, 0, 0x00] }], // call $hit; unreachable
        exports: [{ name: "f", kind: "func", index: 1 }],
      }));
      const hit = () => this.recordCall(PLACEHOLDER_CALL);
      fn = new WebAssembly.Instance(module, { h: { hit } }).exports.f;
      this.#placeholders.set(key, fn);
    }
    return fn;
  }

  /** A JS glue function was called (the real main's glue in real mode). */
  recordGlueCall(name: string): void {
    this.#state?.glueCalls.push(name);
  }

  /** The stub's recorder: a main function was called. */
  recordCall(name: string): void {
    this.#state?.calls.push(name);
  }

  get state(): CheckState {
    if (!this.#state) throw new Error("No check in progress: call beginCheck first");
    return this.#state;
  }

  /** Bytes of the shared memory above the heap base (what checks committed). */
  get heapBytes(): number {
    return this.memory.buffer.byteLength - this.heapBase;
  }

  /** The session holds more memory than {@linkcode SESSION_RETAINED_MEMORY_BYTES}: rebuild it. */
  get oversized(): boolean {
    return this.heapBytes > SESSION_RETAINED_MEMORY_BYTES;
  }

  /** `getMemory` + `alignMemory`: a zeroed block of `size` bytes aligned to `align`. */
  allocMemory(size: number, align: number): number {
    const s = this.state;
    const a = Math.max(1, align);
    if (this.#realMalloc) {
      // Real mode: like the real loader once the runtime is up (`getMemory` → `_malloc`), so
      // side modules and what the real main allocates for them share one allocator.
      // heapCursor counts the bytes requested, against the same cap.
      if (s.heapCursor + size + a - this.heapBase > this.caps.maxMemoryBytes) {
        throw new CapExceededError(
          `memory request of ${size} bytes exceeds the cap of ${this.caps.maxMemoryBytes} bytes`,
        );
      }
      const p = this.#realMalloc(size + a - 1) >>> 0;
      if (p === 0) throw new CapExceededError(`the real malloc could not allocate ${size} bytes`);
      const at = Math.ceil(p / a) * a;
      new Uint8Array(this.memory.buffer, at, size).fill(0);
      s.heapCursor += size + a;
      return at;
    }
    const base = Math.ceil(s.heapCursor / a) * a;
    const end = base + size;
    if (end - this.heapBase > this.caps.maxMemoryBytes) {
      throw new CapExceededError(
        `memory request of ${size} bytes exceeds the cap of ${this.caps.maxMemoryBytes} bytes`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
    new Uint8Array(this.memory.buffer, base, size).fill(0);
    s.heapCursor = end;
    return base;
  }

  /** `tableBase = wasmTable.length; wasmTable.grow(tableSize)`, reusing slots across checks. */
  allocTable(count: number): number {
    const s = this.state;
    const base = s.tableCursor;
    const end = base + count;
    if (end - this.tableBaseline > this.caps.maxTableEntries) {
      throw new CapExceededError(
        `table request of ${count} entries exceeds the cap of ${this.caps.maxTableEntries} entries`,
      );
    }
    // Grow in chunks: one grow per slot is slow when thousands of GOT.func entries need slots.
    if (end > this.table.length) this.table.grow(Math.max(end - this.table.length, 4096));
    s.tableCursor = end;
    if (end > this.#tableDirtyHigh) this.#tableDirtyHigh = end;
    return base;
  }

  /** `addFunction`: a table slot holding `fn` (JS functions are wrapped when their sig is known). */
  addFunction(fn: unknown, name: string): number {
    if (this.symbol(name) === fn) {
      const fixed = this.mainFunctionSlot(name);
      if (fixed !== undefined) return fixed;
    }
    const slot = this.allocTable(1);
    try {
      this.table.set(slot, fn as never);
    } catch {
      // A JS function must be wrapped into a wasm function first (convertJsFunctionToWasm);
      // one of unknown signature stays out, as a call through it would fail for real too.
      const wrapped = this.#wrapJs(fn, name);
      if (wrapped) {
        try {
          this.table.set(slot, wrapped as never);
        } catch {
          // left empty
        }
      }
    }
    return slot;
  }

  #wrapJs(fn: unknown, name: string): unknown {
    const cached = this.#jsWrappers.get(name);
    if (cached) return cached;
    const sig = this.runtime.glueSignatures?.[name] ?? (fn as { sig?: string })?.sig;
    const type = sig ? sigTypes(sig) : undefined;
    if (!type || typeof fn !== "function") return null;
    let module = this.#wrapperModules.get(sig!);
    if (!module) {
      // convertJsFunctionToWasm: a module importing the JS function with its type and re-exporting it.
      module = new WebAssembly.Module(buildModule({
        imports: [{ module: "e", name: "f", kind: "func", type }],
        exports: [{ name: "f", kind: "func", index: 0 }],
      }));
      this.#wrapperModules.set(sig!, module);
    }
    const wrapped =
      new WebAssembly.Instance(module, { e: { f: fn } } as WebAssembly.Imports).exports.f;
    this.#jsWrappers.set(name, wrapped);
    return wrapped;
  }

  /** `isSymbolDefined` over the glue table plus global libraries loaded in this check. */
  lookupDefined(name: string): unknown {
    const base = this.symbol(name);
    if (base !== undefined) return base;
    const st = this.#state;
    if (!st) return undefined;
    for (const m of st.globalModules) if (m.exportNames.has(name)) return m.exportValue(name);
    return undefined;
  }
}

/** True for exported wasm functions (they carry a numeric `name` and are not plain JS). */
export function isWasmFunction(fn: unknown): boolean {
  if (typeof fn !== "function") return false;
  // Exported wasm functions stringify as native code and have a numeric name (their index).
  return /^\d+$/.test((fn as { name: string }).name) &&
    Function.prototype.toString.call(fn).includes("[native code]");
}
