/**
 * The link check: load a wheel's side modules into a runtime's stub main module the way that
 * runtime's own Emscripten loader (`library_dylink.js` as compiled into its glue) would, then
 * resolve every import strictly and run data relocations and constructors.
 *
 * What is mirrored, read from the glue's loader capabilities (never from version strings):
 * - the symbol table: glue names first, then main exports (JS wins on a clash), data symbols as
 *   numbers or immutable `WebAssembly.Global`s;
 * - per module `memoryBase`/`tableBase` from `dylink.0`, `env.__memory_base`/`__table_base`,
 *   `GOT.mem`/`GOT.func` as mutable i32 globals pre-filled from main and loaded exports;
 * - NEEDED libraries first; siblings of one package loaded together with `allowUndefined`
 *   (Pyodide's `loadDynlibsFromPackage`), libraries NEEDED by a sibling with global scope;
 * - lazy stubs for unresolved `env` functions, so V8 instantiation fails exactly where the real
 *   runtime's does (wrong types, tags, memory, globals), then a strict final resolution;
 * - `invoke_*` and `__cxa_find_matching_catch_N` synthesised only when the loader does;
 * - `__wasm_apply_data_relocs` only when the loader calls it, then `__wasm_call_ctors`.
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
import { deriveAbiFeatures, formatFuncType, readWasmModule } from "../wasm/mod.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { SideModuleFacts, WheelFacts } from "../wheel/types.ts";
import { type LinkEvidence, type LinkOutcome, type OutcomeClass, worstClass } from "./types.ts";
import { type AllowList, AllowMatcher, DEFAULT_ALLOW_LIST } from "./allow_list.ts";
import {
  CapExceededError,
  type CheckState,
  type GotEntry,
  isWasmFunction,
  LinkSession,
  PLACEHOLDER_CALL,
  type SessionCaps,
  StubCallError,
  type SymbolInfo,
} from "./_session.ts";
import { type ByteStore, obtainStub, type StubModule } from "./stub.ts";
import { compileRealMain, defaultRealMainSource } from "./_real_main.ts";
import { checkPython, readCpythonSuffix } from "./_python.ts";
import { ALWAYS_KEPT_EXPORTS, stripExports } from "./_strip_exports.ts";
import { asBufferSource, isTag } from "./_wasm_js.ts";
import { importNumbers, NumberedSlots, renumberIfFull, setDense } from "./_symbol_numbers.ts";

/** Harness version of the link engine: part of every outcome cache key. */
export const LINK_ENGINE_VERSION = 4;
/** Upper bound on side modules in one check (archive plus libraries). */
export const MAX_MODULES_PER_CHECK = 10_000;
/** Upper bound on compiled modules kept per process (by sha256). */
export const MAX_COMPILED_MODULES = 4_096;
/** Upper bound on the wire bytes of the compiled modules kept per process. */
export const MAX_COMPILED_BYTES = 16 * 1024 * 1024;
/** Evidence entries kept per module (the rest are counted in a summary entry). */
export const MAX_EVIDENCE_PER_MODULE = 500;

/** One side module's bytes, by member path. */
export interface LinkModuleInput {
  member: string;
  bytes: Uint8Array;
  /**
   * Why the member cannot be a side module although it is named like one (empty, ELF, a
   * symlink entry): the loader tries it and fails, so it is `invalid`.
   */
  invalidReason?: string;
}

/** A shared-library package the wheel depends on: loaded first, with global scope. */
export interface LinkLibraryInput {
  file: string;
  /** Package name (lock file or METADATA), for lock-file `depends` lookups. */
  packageName?: string;
  facts: WheelFacts;
  modules: LinkModuleInput[];
}

export interface CheckLinkInput {
  wheel: WheelFacts;
  modules: LinkModuleInput[];
  libraries?: LinkLibraryInput[];
  /** Modules already compiled for this check, by compile key ({@linkcode precompileLinkInput}). */
  compiled?: Record<string, WebAssembly.Module>;
  /**
   * Compile key of each module (by sha256) as {@linkcode precompileLinkInput} computed it from
   * the full facts; needed when the facts were pruned ({@linkcode pruneLinkInput}).
   */
  compileKeys?: Record<string, CompileKey>;
}

/** How a module is compiled for a check: its key and the exports kept (absent: all). */
export interface CompileKey {
  key: string;
  keep?: ReadonlySet<string>;
  full?: boolean;
}

export interface CheckLinkOptions {
  /** Allow-list (default: the bundled `allow_list.json`). */
  allowList?: AllowList;
  /** A session to use (else one per runtime is created and cached in this process). */
  session?: LinkSession;
  /** Where stub bytes are cached across processes. */
  stubStore?: ByteStore;
  caps?: Partial<SessionCaps>;
  /** Run `__wasm_apply_data_relocs` and `__wasm_call_ctors` (default true). */
  runConstructors?: boolean;
  /** Called before each module is loaded (a watchdog uses it to name a hung module). */
  onModule?: (member: string) => void;
  /**
   * The real-main session of `session` (see `_real_main.ts`), asked for only when init code
   * stops at a main function the stub cannot run. Default: built in this process from the
   * runtime's `pyodide.asm.wasm` ({@linkcode compileRealMain}).
   */
  realSession?: () => Promise<LinkSession | { unavailable: string }>;
}

const SPECIAL_ENV = new Set(["__memory_base", "__table_base"]);
// Compared directly, not through a Set: these run once per import of every check.
const isProxied = (module: string) => module === "env" || module === "wasi_snapshot_preview1";
const isGot = (module: string) => module === "GOT.mem" || module === "GOT.func";

/** `isInternalSym` of the loaders: never entered into the GOT from exports. */
const INTERNAL_SYMBOLS: ReadonlySet<string> = new Set([
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
function isInternalSym(name: string): boolean {
  return INTERNAL_SYMBOLS.has(name) || name.startsWith("__em_js__");
}

/** What a value handed to an import is, for the static pre-check (V8's import rules). */
type Provided =
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
interface ModuleRun {
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

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Facts read from bytes by the check itself (slim inputs), by module sha256. */
const factsCache = new Map<string, { facts: WasmModuleFacts; abi: AbiFeatures }>();
/** Upper bound on modules whose facts are kept per process. */
export const MAX_CACHED_FACTS = 1_024;

function rememberFacts(sha: string, facts: WasmModuleFacts, abi: AbiFeatures): void {
  if (factsCache.size >= MAX_CACHED_FACTS) factsCache.delete(factsCache.keys().next().value!);
  factsCache.set(sha, { facts, abi });
}

const sessions = new Map<string, Promise<LinkSession>>();
const sessionLocks = new WeakMap<LinkSession, Promise<unknown>>();

const compiledSizes = new Map<string, number>();
let compiledBytes = 0;

function compileCached(key: string, bytes: () => Uint8Array): Promise<WebAssembly.Module> {
  let p = compiled.get(key);
  if (p) {
    // Most recently used last (Map order), so eviction drops the least recently used.
    compiled.delete(key);
    compiled.set(key, p);
    return p;
  }
  const b = bytes();
  while (
    compiled.size > 0 &&
    (compiled.size >= MAX_COMPILED_MODULES || compiledBytes + b.length > MAX_COMPILED_BYTES)
  ) {
    const oldest = compiled.keys().next().value!;
    compiled.delete(oldest);
    compiledBytes -= compiledSizes.get(oldest) ?? 0;
    compiledSizes.delete(oldest);
  }
  p = WebAssembly.compile(asBufferSource(b));
  compiled.set(key, p);
  compiledSizes.set(key, b.length);
  compiledBytes += b.length;
  p.catch(() => {
    compiled.delete(key);
    compiledBytes -= compiledSizes.get(key) ?? 0;
    compiledSizes.delete(key);
  });
  return p;
}

/** A 53-bit string hash (cyrb53) of a name list: a cache key part, not a security measure. */
function hashNames(names: string[]): string {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (const name of names) {
    for (let i = 0; i <= name.length; i++) {
      const ch = i < name.length ? name.charCodeAt(i) : 10;
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * The link session of a runtime in this process (stub compiled and instantiated once).
 *
 * @example
 * ```ts ignore
 * const session = await obtainSession(runtime);
 * ```
 */
export function obtainSession(
  runtime: RuntimeFacts,
  options: { stubStore?: ByteStore; caps?: Partial<SessionCaps> } = {},
): Promise<LinkSession> {
  const key = sessionKey(runtime);
  let p = sessions.get(key);
  if (!p) {
    p = obtainStub(runtime, { store: options.stubStore }).then((stub) =>
      LinkSession.create(runtime, stub, options.caps)
    );
    sessions.set(key, p);
    p.catch(() => sessions.delete(key));
  }
  return p;
}

function sessionKey(runtime: RuntimeFacts): string {
  return `${runtime.mainSha256}:${runtime.glueSha256 ?? ""}:${runtime.version}`;
}

function forgetSession(runtime: RuntimeFacts): void {
  sessions.delete(sessionKey(runtime));
}

/** Forget cached sessions and compiled modules (tests, memory pressure).  *
 * @example
 * ```ts
 * import { clearLinkCaches } from "./check_link.ts";
 * clearLinkCaches();
 * ```
 */
export function clearLinkCaches(): void {
  compiled.clear();
  compiledSizes.clear();
  compiledBytes = 0;
  sessions.clear();
}

function sha256OfSync(facts: SideModuleFacts | undefined): string | undefined {
  return facts?.sha256;
}

/**
 * SubtleCrypto, not node:crypto: loading Node compatibility costs each worker ~30 ms of its
 * start-up, which a one-wheel run waits for.
 */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // SubtleCrypto refuses views on SharedArrayBuffers (pool inputs): those are copied.
  const plain = bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", plain as Uint8Array<ArrayBuffer>),
  );
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function basename(member: string): string {
  return member.split("/").pop()!;
}

const worst = worstClass;

function describeType(t: FuncType | undefined): string {
  return t ? formatFuncType(t) : "?";
}

function limitsText(l: Limits): string {
  return `{min ${l.min}${l.max !== undefined ? `, max ${l.max}` : ""}${l.shared ? ", shared" : ""}${
    l.is64 ? ", 64-bit" : ""
  }}`;
}

function sameTypes(a: FuncType, b: FuncType): boolean {
  if (a === b) return true;
  return sameList(a.params, b.params) && sameList(a.results, b.results);
}
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Check one archive (wheel or Pyodide `.zip` package) against one runtime.
 *
 * Never throws for anything the archive contains: malformed modules are `invalid`, traps and
 * cap violations are `trap`, with evidence.
 *
 * @example
 * ```ts ignore
 * import { checkLink } from "./check_link.ts";
 * const outcome = await checkLink({ wheel, modules }, runtime);
 * console.log(outcome.outcome, outcome.modules.map((m) => m.evidence));
 * ```
 */
export async function checkLink(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  options: CheckLinkOptions = {},
): Promise<LinkOutcome> {
  let session: LinkSession;
  try {
    session = options.session ?? await obtainSession(runtime, options);
  } catch (e) {
    // The runtime's stub could not be built or instantiated: no pair of it can be judged.
    return {
      wheel: input.wheel.file,
      wheelSha256: input.wheel.sha256,
      runtime: runtime.version,
      outcome: "trap",
      linkOutcome: "trap",
      modules: [],
      evidence: [{
        kind: "trap",
        message: `link engine failure: no stub session: ${(e as Error)?.stack ?? e}`,
      }],
      ms: 0,
    };
  }
  // One check at a time per session: the stub's memory, table and GOT are shared state.
  const previous = sessionLocks.get(session) ?? Promise.resolve();
  const run = previous.then(async () => {
    const first = await checkWithRetry(input, runtime, session, options);
    if (!first.stubStop || session.isReal || options.runConstructors === false) {
      return first.outcome;
    }
    // Init code stopped at a main function the stub cannot run: check again against the
    // runtime's real main functions, so relocations and constructors run to completion.
    const real = await (options.realSession ?? (() =>
      defaultRealSession(session, runtime, options)))()
      .catch((e) => ({ unavailable: String((e as Error)?.message ?? e) }));
    if (!(real instanceof LinkSession)) return markRealUnavailable(first.outcome, real.unavailable);
    const second = await checkWithRetry(input, runtime, real, options);
    second.outcome.ms += first.outcome.ms;
    if (real.oversized) realSessions.delete(session);
    return second.outcome;
  });
  sessionLocks.set(session, run.catch(() => undefined));
  const outcome = await run;
  // A check that grew the memory leaves a cached session to be rebuilt (releases the pages).
  if (!options.session && session.oversized) forgetSession(runtime);
  return outcome;
}

/** Modules (sha256) whose constructors call their own functions through GOT pointers. */
const fullExports = new Set<string>();

/** A check, and once more if a constructor reached a placeholder function pointer. */
async function checkWithRetry(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  session: LinkSession,
  options: CheckLinkOptions,
): Promise<{ outcome: LinkOutcome; stubStop?: string }> {
  const first = await checkLinkLocked(input, runtime, session, options);
  if (!first.retry) return first;
  // Check again with those modules' function exports kept, so the constructors run as far as
  // they really go.
  for (const sha of first.retry) fullExports.add(sha);
  return await checkLinkLocked(input, runtime, session, options);
}

/** Real-main sessions by the stub session they back (built on first need, see `_real_main.ts`). */
const realSessions = new WeakMap<LinkSession, Promise<LinkSession | { unavailable: string }>>();

/**
 * The real-main session of a session in this process: the stub again plus the runtime's own
 * main module, read and compiled here. Built once, the first time a check needs it.
 */
function defaultRealSession(
  session: LinkSession,
  runtime: RuntimeFacts,
  options: CheckLinkOptions,
): Promise<LinkSession | { unavailable: string }> {
  let p = realSessions.get(session);
  if (!p) {
    p = (async () => {
      const source = defaultRealMainSource() ?? compileRealMain;
      const module = await source(runtime);
      if (!(module instanceof WebAssembly.Module)) return module;
      const stub = await obtainStub(runtime, { store: options.stubStore });
      return await LinkSession.create(runtime, stub, session.caps, module);
    })().catch((e) => ({ unavailable: String((e as Error)?.message ?? e) }));
    realSessions.set(session, p);
  }
  return p;
}

/**
 * Init code stopped at a main function and no real main could run it: the modules keep their
 * `stub-call` evidence and class `latent` (never `links`), and the evidence says why.
 */
function markRealUnavailable(outcome: LinkOutcome, reason: string): LinkOutcome {
  for (const m of outcome.modules) {
    for (const e of m.evidence) {
      if (e.kind === "stub-call" && e.symbol) e.message += `; real mode unavailable: ${reason}`;
    }
  }
  return outcome;
}

/** Builds the real-main session a worker asks for (the real main compiled in the main thread). */
export function createRealSession(
  runtime: RuntimeFacts,
  stub: StubModule | WebAssembly.Module,
  realMain: WebAssembly.Module,
  caps?: Partial<SessionCaps>,
): Promise<LinkSession> {
  return LinkSession.create(runtime, stub, caps, realMain);
}

async function checkLinkLocked(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  session: LinkSession,
  options: CheckLinkOptions,
): Promise<{ outcome: LinkOutcome; retry?: string[]; stubStop?: string }> {
  const t0 = performance.now();
  const allow = new AllowMatcher(options.allowList ?? DEFAULT_ALLOW_LIST);
  const wheel = input.wheel;
  const wheelEvidence: LinkEvidence[] = [];

  const total = input.modules.length +
    (input.libraries ?? []).reduce((n, l) => n + l.modules.length, 0);
  if (total > MAX_MODULES_PER_CHECK) {
    return {
      outcome: {
        wheel: wheel.file,
        wheelSha256: wheel.sha256,
        runtime: runtime.version,
        outcome: "invalid",
        modules: [],
        evidence: [{
          kind: "invalid",
          message: `${total} side modules exceed MAX_MODULES_PER_CHECK (${MAX_MODULES_PER_CHECK})`,
        }],
        ms: performance.now() - t0,
      },
    };
  }

  const asGlobals = runtime.loader.dataSymbolsAsGlobals;
  // Per-check object types live in a Map dropped with the check: a process-wide WeakMap growing
  // by thousands of entries per check makes every garbage collection slower.
  const checkTypes = new Map<object, Provided>();
  // Facts per module: from the wheel reader, else read here (a malformed one becomes invalid).
  const makeRun = async (
    m: LinkModuleInput,
    facts: WheelFacts,
    dependency: boolean,
  ): Promise<ModuleRun> => {
    const side = facts.sideModules.find((s) => s.member === m.member);
    const r: ModuleRun = {
      member: m.member,
      name: basename(m.member),
      bytes: m.bytes,
      sha256: sha256OfSync(side),
      facts: side?.wasm,
      abi: side?.abi,
      cpythonSuffix: side?.cpythonSuffix,
      dependency,
      evidence: [],
      classes: new Set(),
      state: "pending",
      global: false,
      localScope: null,
      exportNames: new Map(),
      memoryBase: 0,
      relocatedCache: new Map(),
      exportValue: (name: string) => relocatedExport(r, asGlobals, name),
      types: checkTypes,
      weakImports: new Set(),
      v8Failed: false,
      lazyImports: [],
      gotImports: [],
      neededRuns: [],
    };
    if (m.invalidReason !== undefined) {
      addEvidence(r, "invalid", {
        kind: "invalid",
        message:
          `${m.member} is named like a shared library but is ${m.invalidReason}: the loader fails on it`,
      });
      r.state = "failed";
    } else if (!r.facts) {
      // Facts not handed over (a malformed module the wheel reader rejected, or a slim input
      // sent to a worker): read them here, once per module content.
      r.cpythonSuffix ??= readCpythonSuffix(m.member);
      const cached = r.sha256 ? factsCache.get(r.sha256) : undefined;
      try {
        if (cached) {
          r.facts = cached.facts;
          r.abi = cached.abi;
        } else {
          // The reader decodes names with TextDecoder, which refuses shared buffers: copy those.
          const plain = m.bytes.buffer instanceof SharedArrayBuffer ? m.bytes.slice() : m.bytes;
          r.facts = readWasmModule(plain, { file: facts.file, member: m.member });
          r.abi = deriveAbiFeatures(
            r.facts,
            r.cpythonSuffix ? { cpythonSuffix: r.cpythonSuffix } : {},
          );
          if (r.sha256) rememberFacts(r.sha256, r.facts, r.abi);
        }
      } catch (e) {
        addEvidence(r, "invalid", {
          kind: "invalid",
          message: `not a readable wasm module: ${(e as Error).message}`,
        });
        r.state = "failed";
      }
    }
    r.sha256 ??= await sha256Hex(m.bytes);
    if (r.facts && !r.facts.dylink) {
      addEvidence(r, "invalid", {
        kind: "invalid",
        message: "no dylink.0 section: not an Emscripten side module (getDylinkMetadata fails)",
      });
      r.state = "failed";
    }
    if (r.facts) r.exportNames = exportNamesOf(r.facts);
    if (r.facts?.dylink) {
      // getDylinkMetadata keeps weak imports by field name only, whatever their module.
      for (const i of r.facts.dylink.importInfo) if ((i.flags & 3) === 1) r.weakImports.add(i.name);
    }
    return r;
  };

  const own: ModuleRun[] = [];
  for (const m of input.modules) own.push(await makeRun(m, wheel, false));
  const deps: ModuleRun[] = [];
  for (const lib of input.libraries ?? []) {
    for (const m of lib.modules) deps.push(await makeRun(m, lib.facts, true));
  }

  // Python version: the wheel's tags and each module's cpython suffix against the runtime.
  const py = checkPython(wheel, runtime);
  if (py) wheelEvidence.push(py);
  for (const r of own) {
    if (r.cpythonSuffix && !matchesPython(r.cpythonSuffix, runtime)) {
      addEvidence(r, "python-mismatch", {
        kind: "python-version",
        member: r.member,
        message:
          `module suffix cpython-${r.cpythonSuffix} is not this runtime's Python ${runtime.python}`,
      });
    }
  }

  // Loader capabilities against what each module needs of the loader.
  for (const r of own) compareAbi(r, runtime);

  // Per-input work shared by the checks of one archive against many runtimes.
  // Keyed by the wheel's facts object: callers often build a fresh input object per runtime.
  const libsKey = deps.map((d) => d.sha256).join(",");
  let prepared = preparedInputs.get(input.wheel);
  if (!prepared || prepared.libsKey !== libsKey || prepared.modules !== input.modules.length) {
    prepared = {
      libsKey,
      modules: input.modules.length,
      importCounts: countImports([...own, ...deps]),
      compileKeys: new Map(Object.entries(input.compileKeys ?? {})),
    };
    preparedInputs.set(input.wheel, prepared);
  }
  // Between checks only: numbers of one check must come from one numbering.
  renumberIfFull();
  const state = session.beginCheck();
  const ctx: LoadContext = {
    session,
    runtime,
    state,
    providers: new Map(),
    runConstructors: options.runConstructors ?? true,
    onModule: options.onModule,
    precompiled: input.compiled,
    importCounts: prepared.importCounts,
    compileKeys: prepared.compileKeys,
  };
  // NEEDED lookups: the archive's own modules first, then the dependency libraries.
  for (const r of [...own, ...deps]) if (!ctx.providers.has(r.name)) ctx.providers.set(r.name, r);

  try {
    // Dependency packages first, all global (shared-library packages).
    for (const r of deps) await loadModule(ctx, r, true, null);
    // Pyodide: libraries NEEDED by a sibling are global and load first; a shared-library
    // package is global as a whole.
    const neededBySiblings = new Set<string>();
    for (const r of own) {
      for (const n of r.facts?.dylink?.needed ?? []) neededBySiblings.add(basename(n));
    }
    const forceGlobal = wheel.kind === "shared-library";
    const order = own.map((r) => ({ r, global: forceGlobal || neededBySiblings.has(r.name) }));
    order.sort((a, b) => Number(b.global) - Number(a.global));
    for (const { r, global } of order) {
      await loadModule(ctx, r, global, global ? null : []);
    }
    // allowUndefined is over: resolve every import as the loader does, then pass each needed
    // library's failure on to the modules that need it.
    finalResolution(ctx, [...own, ...deps], allow, wheel);
    for (const r of own) inheritNeededFailures(r);
  } catch (e) {
    // Only a harness bug gets here; report it rather than throw.
    wheelEvidence.push({ kind: "trap", message: `link engine error: ${(e as Error).stack ?? e}` });
  }

  // A Python mismatch is its own class, ranked between soft and unresolved: a worse link
  // result still wins, and linkOutcome keeps what the link check alone found.
  const modules = own.map((r) => {
    const linkClass = worst([...r.classes].filter((c) => c !== "python-mismatch"));
    const pyMismatch = py !== undefined || r.classes.has("python-mismatch");
    return {
      member: r.member,
      outcome: pyMismatch ? worst([linkClass, "python-mismatch"]) : linkClass,
      linkOutcome: linkClass,
      evidence: capEvidence(r.evidence),
    };
  });
  const engineTrap = wheelEvidence.some((e) => e.kind === "trap");
  const linkOutcome = worst([
    ...modules.map((m) => m.linkOutcome),
    ...(engineTrap ? ["trap" as const] : []),
  ]);
  const pyMismatch = py !== undefined || modules.some((m) => m.outcome === "python-mismatch");
  const retry = [...own, ...deps].filter((r) => r.placeholderHit && !fullExports.has(r.sha256!))
    .map((r) => r.sha256!);
  const stubStop = [...own, ...deps].find((r) => r.stubStop !== undefined)?.stubStop;
  return {
    stubStop,
    outcome: {
      wheel: wheel.file,
      wheelSha256: wheel.sha256,
      runtime: runtime.version,
      outcome: pyMismatch ? worst([linkOutcome, "python-mismatch"]) : linkOutcome,
      linkOutcome,
      modules,
      evidence: wheelEvidence,
      ms: performance.now() - t0,
    },
    retry: retry.length ? retry : undefined,
  };
}

function capEvidence(list: LinkEvidence[]): LinkEvidence[] {
  if (list.length <= MAX_EVIDENCE_PER_MODULE) return list;
  return [
    ...list.slice(0, MAX_EVIDENCE_PER_MODULE),
    {
      kind: list[MAX_EVIDENCE_PER_MODULE].kind,
      message: `… ${list.length - MAX_EVIDENCE_PER_MODULE} more`,
    },
  ];
}

function matchesPython(suffix: string, runtime: RuntimeFacts): boolean {
  const [maj, min] = runtime.python.split(".");
  return suffix === `${maj}${min}`;
}

function addEvidence(r: ModuleRun, cls: OutcomeClass | undefined, e: LinkEvidence): void {
  e.member ??= r.member;
  r.evidence.push(e);
  if (cls) r.classes.add(cls);
}

function compareAbi(r: ModuleRun, runtime: RuntimeFacts): void {
  const abi = r.abi;
  const loader = runtime.loader;
  const facts = r.facts;
  if (!facts) return;
  const exportsRelocs = facts.exports.some((e) => e.name === "__wasm_apply_data_relocs");
  if ((abi?.needsDataRelocs ?? exportsRelocs) && !loader.appliesDataRelocs) {
    addEvidence(r, "loader-mismatch", {
      kind: "loader-capability",
      symbol: "__wasm_apply_data_relocs",
      message:
        "module exports __wasm_apply_data_relocs and relies on the loader to call it; this runtime's loader never does, so its static data would stay unrelocated" +
        (loader.evidence?.appliesDataRelocs ? ` (glue: ${loader.evidence.appliesDataRelocs})` : ""),
    });
  }
  if (facts.dylink?.format === "dylink.0" && !loader.readsDylink0) {
    addEvidence(r, "loader-mismatch", {
      kind: "loader-capability",
      message:
        "module carries dylink.0; this runtime's loader reads only the legacy dylink section",
    });
  }
  if (!abi) return;
  const feature = (message: string, symbol?: string) =>
    addEvidence(r, undefined, { kind: "abi-feature", symbol, message });
  if (abi.exceptions !== "none" && abi.exceptions !== loader.exceptions) {
    feature(
      `exceptions: module uses ${
        abi.exceptions === "js" ? "JS exceptions (invoke_*)" : "wasm exception tags"
      }` +
        ` (${
          abi.evidence.exceptions ?? "derived"
        }); this runtime's loader uses ${loader.exceptions} exceptions` +
        (loader.synthesizesInvokes ? "" : " and synthesises no invoke_*"),
    );
  }
  if (abi.setjmp === "emscripten-js" && !loader.synthesizesInvokes) {
    feature(
      `setjmp: module uses JS setjmp/longjmp through invoke_* (${
        abi.evidence.setjmp ?? "derived"
      }); this runtime's loader synthesises no invoke_*`,
    );
  }
  if ((abi.setjmp === "wasm-tag" || abi.exceptions === "wasm") && loader.exceptions === "js") {
    if (abi.exceptions !== "wasm") {
      feature(
        `setjmp: module uses the wasm __c_longjmp tag; this runtime's loader uses JS exceptions`,
      );
    }
  }
  if (abi.threads && !runtime.memory.shared) {
    feature(
      `threads: module needs shared memory (${
        abi.evidence.threads ?? "derived"
      }); this runtime's memory is not shared`,
    );
  }
  if (abi.memory64 !== runtime.memory.is64) {
    feature(
      `memory64: module ${
        abi.memory64 ? "uses" : "does not use"
      } 64-bit memory; this runtime's memory is ${runtime.memory.is64 ? "64" : "32"}-bit`,
    );
  }
}

interface LoadContext {
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

const preparedInputs = new WeakMap<WheelFacts, {
  libsKey: string;
  modules: number;
  importCounts: ReadonlyMap<string, number>;
  compileKeys: Map<string, { key: string; keep?: ReadonlySet<string>; full?: boolean }>;
}>();

function countImports(runs: { facts?: WasmModuleFacts }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) {
    for (const name of new Set((r.facts?.imports ?? []).map((i) => i.name))) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

/** The compile cache key of a module in a check: its sha256, plus a hash of the kept exports. */
function compileKeyOf(
  facts: WasmModuleFacts,
  sha256: string,
  counts: ReadonlyMap<string, number>,
): CompileKey {
  const keep = exportsToKeep(facts, sha256, counts);
  if (keep.size === facts.exports.length) return { key: sha256, full: true };
  return { key: `${sha256}:${hashNames([...keep].sort())}`, keep, full: fullExports.has(sha256) };
}

/**
 * Compile an input's side modules as its check will need them (exports trimmed to what the check
 * can observe) and return them by compile key. The pool does this once in the main thread and
 * posts the modules to every worker: V8 shares compiled code between workers, so each module is
 * compiled once instead of once per worker. Modules that fail to compile are left out (the check
 * then reports the compile error itself).
 *
 * @example
 * ```ts ignore
 * const { modules, keys } = await precompileLinkInput(input);
 * const outcome = await checkLink({ ...input, compiled: modules, compileKeys: keys }, runtime);
 * ```
 */
export async function precompileLinkInput(
  input: CheckLinkInput,
): Promise<{ modules: Record<string, WebAssembly.Module>; keys: Record<string, CompileKey> }> {
  const all: { bytes: Uint8Array; side?: SideModuleFacts }[] = [];
  const add = (modules: LinkModuleInput[], facts: WheelFacts) => {
    for (const m of modules) {
      all.push({ bytes: m.bytes, side: facts.sideModules.find((s) => s.member === m.member) });
    }
  };
  add(input.modules, input.wheel);
  for (const lib of input.libraries ?? []) add(lib.modules, lib.facts);
  const counts = countImports(all.map((a) => ({ facts: a.side?.wasm })));
  const out: Record<string, WebAssembly.Module> = {};
  const keys: Record<string, CompileKey> = {};
  for (const { bytes, side } of all) {
    if (!side?.wasm?.dylink) continue;
    const facts = side.wasm;
    const ck = compileKeyOf(facts, side.sha256, counts);
    keys[side.sha256] = ck;
    const keep = ck.keep;
    try {
      out[ck.key] = await compileCached(
        ck.key,
        () => keep ? stripExports(bytes, facts, keep) : bytes,
      );
    } catch {
      // reported by the check
    }
  }
  return { modules: out, keys };
}

/**
 * The input with each module's facts reduced to what a check reads: exports no module of the
 * check imports (and the loader never calls) cannot be observed, and the per-function type list
 * is not used. Workers receive this form: posting every export of every module to every worker
 * cost more than some checks. Needs `compileKeys` from {@linkcode precompileLinkInput} so the
 * worker compiles (or finds) the same stripped modules.
 *
 * @example
 * ```ts ignore
 * const { modules, keys } = await precompileLinkInput(input);
 * const slim = pruneLinkInput({ ...input, compiled: modules, compileKeys: keys });
 * ```
 */
export function pruneLinkInput(input: CheckLinkInput): CheckLinkInput {
  const imported = new Set<string>();
  const facts = [input.wheel, ...(input.libraries ?? []).map((l) => l.facts)];
  for (const f of facts) {
    for (const side of f.sideModules) for (const i of side.wasm.imports) imported.add(i.name);
  }
  const prune = (f: WheelFacts): WheelFacts => ({
    ...f,
    sideModules: f.sideModules.map((side) => ({
      ...side,
      wasm: {
        ...side.wasm,
        functions: [],
        exports: side.wasm.exports.filter((e) =>
          imported.has(e.name) || ALWAYS_KEPT_EXPORTS.has(e.name)
        ),
      },
    })),
  });
  return {
    ...input,
    wheel: prune(input.wheel),
    libraries: input.libraries?.map((l) => ({ ...l, facts: prune(l.facts) })),
  };
}

/**
 * Exports a check can observe: the loader's init functions, names other modules import, and the
 * module's own imports that the facts cannot answer (globals without a constant value). Own
 * GOT.mem entries take the constant from the facts, own GOT.func entries a typed placeholder, and
 * own functions imported through env stay lazy stubs that only a call resolves, so those exports
 * are dropped (V8 builds every exported function's wrapper at instantiation, ~2.5 µs each). A
 * constructor that reaches a dropped function has the check run again with them all (see
 * `fullExports`).
 */
function exportsToKeep(
  facts: WasmModuleFacts,
  sha256: string,
  counts: ReadonlyMap<string, number>,
): Set<string> {
  const functionsToo = fullExports.has(sha256);
  const ownImports = new Map<string, Set<string>>();
  for (const i of facts.imports) {
    const set = ownImports.get(i.name) ?? new Set();
    set.add(i.module);
    ownImports.set(i.name, set);
  }
  const keep = new Set<string>();
  for (const e of facts.exports) {
    const own = ownImports.get(e.name);
    const others = (counts.get(e.name) ?? 0) - (own ? 1 : 0);
    if (ALWAYS_KEPT_EXPORTS.has(e.name) || others > 0) keep.add(e.name);
    else if (own) {
      const viaEnv = own.has("env") || own.has("wasi_snapshot_preview1");
      if (
        e.kind === "func" ? functionsToo : e.kind !== "global" || e.value === undefined || viaEnv
      ) {
        keep.add(e.name);
      }
    }
  }
  return keep;
}

async function loadModule(
  ctx: LoadContext,
  r: ModuleRun,
  global: boolean,
  localScope: ModuleRun[] | null,
): Promise<void> {
  const { session, state } = ctx;
  if (r.state === "loaded") {
    // loadDynamicLibrary of a loaded library: widen to global, or add to the local scope.
    if (global && !r.global) {
      r.global = true;
      state.globalModules.push(r);
    } else if (!global && localScope && !localScope.includes(r)) {
      localScope.push(r);
    }
    return;
  }
  if (r.state !== "pending") return;
  r.state = "loading";
  ctx.onModule?.(r.member);
  r.global = global;
  r.localScope = global ? null : localScope;
  const facts = r.facts!;
  const dylink = facts.dylink!;

  // NEEDED libraries first, with the same flags and local scope.
  for (const needed of dylink.needed) {
    const provider = ctx.providers.get(basename(needed));
    if (!provider) {
      // Not supplied: nothing says how the real runtime would fare (inconclusive).
      addEvidence(r, "missing-dependency", {
        kind: "needed-missing",
        symbol: needed,
        message:
          `NEEDED library ${needed} is in neither this archive, the run's inputs nor the lock's dependencies`,
      });
      continue;
    }
    await loadModule(ctx, provider, global, localScope);
    r.neededRuns.push(provider);
  }

  // Caps before any allocation.
  const memAlign = Math.max(2 ** dylink.memoryAlign, 16);
  const caps = session.caps;
  const ownMemory = facts.memories[0];
  const trapCap = (message: string) => {
    addEvidence(r, "trap", { kind: "trap", message: `refused before instantiation: ${message}` });
    r.state = "failed";
  };
  if (dylink.memorySize + memAlign > caps.maxMemoryBytes) {
    return trapCap(
      `dylink memory size ${dylink.memorySize} exceeds the cap of ${caps.maxMemoryBytes} bytes`,
    );
  }
  if (dylink.tableSize > caps.maxTableEntries) {
    return trapCap(
      `dylink table size ${dylink.tableSize} exceeds the cap of ${caps.maxTableEntries} entries`,
    );
  }
  if (ownMemory && ownMemory.min * 65536 > caps.maxMemoryBytes) {
    return trapCap(
      `own memory of ${ownMemory.min} pages exceeds the cap of ${caps.maxMemoryBytes} bytes`,
    );
  }
  for (const t of facts.tables) {
    if (t.limits.min > caps.maxTableEntries) {
      return trapCap(
        `own table of ${t.limits.min} entries exceeds the cap of ${caps.maxTableEntries} entries`,
      );
    }
  }

  let module: WebAssembly.Module;
  try {
    // Only exports someone can look up are kept (see _strip_exports.ts): compiled per kept set.
    let ck = ctx.compileKeys.get(r.sha256!);
    if (ck && fullExports.has(r.sha256!) && !ck.full) ck = undefined;
    if (!ck) {
      ck = compileKeyOf(facts, r.sha256!, ctx.importCounts);
      ctx.compileKeys.set(r.sha256!, ck);
    }
    const keep = ck.keep;
    // A module compiled by the pool's main thread and posted along (shared compiled code).
    module = ctx.precompiled?.[ck.key] ??
      await compileCached(ck.key, () => keep ? stripExports(r.bytes, facts, keep) : r.bytes);
  } catch (e) {
    addEvidence(r, "invalid", { kind: "invalid", message: String((e as Error).message ?? e) });
    r.state = "failed";
    return;
  }

  let memoryBase = 0;
  let tableBase = 0;
  try {
    if (dylink.memorySize) {
      memoryBase = Math.ceil(session.allocMemory(dylink.memorySize + memAlign, 1) / memAlign) *
        memAlign;
    }
    if (dylink.tableSize) tableBase = session.allocTable(dylink.tableSize);
  } catch (e) {
    return trapCap((e as Error).message);
  }

  // The import object, built per import exactly as the loader's proxies answer, with the static
  // pre-check of every import against what is handed over (V8 reports only the first mismatch).
  let imports = importObjects.get(facts);
  if (!imports) importObjects.set(facts, imports = {});
  // The namespaces by name without a keyed lookup per import.
  const namespace = (module: string) => imports![module] ??= {};
  let env: Record<string, unknown> | undefined;
  let gotMem: Record<string, unknown> | undefined;
  let gotFunc: Record<string, unknown> | undefined;
  const mismatches = new Map<number, LinkEvidence>();
  const numbers = importNumbers(facts);
  const records = symbolRecords.of(session);
  for (let i = 0; i < numbers.length; i++) {
    const imp = facts.imports[i];
    const id = numbers[i];
    const rec = records[id] ?? setDense(records, id, symbolRecord(session, imp.name));
    let value: unknown;
    let p: Provided;
    if (isProxied(imp.module)) {
      if (rec.special) {
        value = imp.name === "__memory_base" ? memoryBase : tableBase;
        p = NUMBER;
      } else {
        // One record answers value and type for names of the main and the glue.
        const base = rec.base;
        if (base !== null) {
          value = base.value;
          p = base.provided ?? describe(session, base.value, r.types);
        } else {
          const defined = session.lookupDefined(imp.name);
          if (defined !== undefined) {
            value = defined;
            p = describe(session, defined, r.types);
          } else {
            value = lazyStub(ctx, r, imp.name);
            p = JSFUNC;
            if (imp.kind === "func") r.lazyImports.push(imp);
          }
        }
      }
      if (imp.module === "env") (env ??= namespace("env"))[imp.name] = value;
      else namespace(imp.module)[imp.name] = value;
    } else if (isGot(imp.module)) {
      const entry = gotEntry(ctx, r, id, rec);
      if (imp.module === "GOT.mem") (gotMem ??= namespace("GOT.mem"))[imp.name] = entry.global;
      else (gotFunc ??= namespace("GOT.func"))[imp.name] = entry.global;
      r.gotImports.push({ imp, entry });
      p = GOT_GLOBAL;
    } else {
      p = MISSING;
    }
    const e = precheckImport(imp, p);
    if (e) {
      e.member = r.member;
      mismatches.set(imp.index, e);
    }
  }

  let instance: WebAssembly.Instance;
  // A start function runs inside instantiation: memory it grows is judged as a constructor's.
  const bytesBeforeStart = session.memory.buffer.byteLength;
  try {
    instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
  } catch (e) {
    r.state = "failed";
    if (reportGrowth(ctx, r, "the start function", bytesBeforeStart)) return;
    r.v8Failed = true;
    const err = e as Error;
    const isLink = err instanceof WebAssembly.LinkError || err instanceof TypeError;
    if (isLink) {
      const m = /Import #(\d+)/.exec(err.message);
      const idx = m ? Number(m[1]) : undefined;
      const imp = idx !== undefined ? facts.imports[idx] : undefined;
      const st = idx !== undefined ? mismatches.get(idx) : undefined;
      addEvidence(r, "link-error", {
        kind: "v8-link-error",
        symbol: imp?.name,
        module: imp?.module,
        importIndex: idx,
        sideType: st?.sideType ?? imp?.func,
        mainType: st?.mainType,
        message: `${err.name}: ${err.message}`,
      });
      for (const ev of mismatches.values()) r.evidence.push(ev);
    } else {
      addEvidence(r, "trap", {
        kind: "trap",
        message: `instantiation failed: ${err.name}: ${err.message}`,
      });
    }
    return;
  }
  if (reportGrowth(ctx, r, "the start function", bytesBeforeStart)) {
    r.state = "failed";
    return;
  }
  if (mismatches.size > 0) {
    // V8 accepted what the pre-check flagged: keep it as a note, the class follows V8.
    for (const ev of mismatches.values()) {
      r.evidence.push({
        ...ev,
        message: `${ev.message} (pre-check only: V8 accepted this import)`,
      });
    }
  }

  // postInstantiation: exports are relocated on demand (relocateExports), the GOT is updated
  // from them (updateGOT), and they join the global table or the local scope.
  const exportsRaw = instance.exports as Record<string, unknown>;
  r.raw = exportsRaw;
  r.memoryBase = memoryBase;
  updateGot(ctx, r);
  r.state = "loaded";
  state.loadedModules.push(r);
  if (global) state.globalModules.push(r);
  else if (localScope) localScope.push(r);

  if (!ctx.runConstructors) return;
  const relocs = exportsRaw["__wasm_apply_data_relocs"];
  if (typeof relocs === "function" && ctx.runtime.loader.appliesDataRelocs) {
    runInit(ctx, r, "__wasm_apply_data_relocs", relocs as () => void);
  }
  const ctors = exportsRaw["__wasm_call_ctors"];
  if (typeof ctors === "function" && !r.classes.has("trap")) {
    runInit(ctx, r, "__wasm_call_ctors", ctors as () => void);
  }
}

/**
 * The import object of a module, reused by every check of the same facts object (a worker job
 * checks one archive against several runtimes). Each check assigns every import it hands over,
 * so no value of an earlier check survives, and V8 reads the values only while instantiating.
 * A dictionary of thousands of names built per check was a fifth of the import loop and much of
 * the workers' young garbage.
 */
const importObjects = new WeakMap<WasmModuleFacts, Record<string, Record<string, unknown>>>();

function runInit(ctx: LoadContext, r: ModuleRun, what: string, fn: () => void): void {
  const { state } = ctx;
  const glueBefore = state.glueCalls.length;
  try {
    runInitSteps(ctx, r, what, fn);
  } finally {
    // JS functions of the glue that init code called: the stub answered 0 where the real host
    // would have acted (sleep, DOM, time). The load goes on; the evidence says what was needed.
    const host = [...new Set(state.glueCalls.slice(glueBefore))];
    if (host.length > 0) {
      addEvidence(r, undefined, {
        kind: "host-call",
        symbol: host[0],
        message: `${what} called JS host function${host.length > 1 ? "s" : ""} ${
          host.slice(0, 8).join(", ")
        }${host.length > 8 ? ` (+${host.length - 8} more)` : ""}, answered by the stub`,
      });
    }
  }
}

function runInitSteps(ctx: LoadContext, r: ModuleRun, what: string, fn: () => void): void {
  const { state, session } = ctx;
  const callsBefore = state.calls.length;
  const bytesBefore = session.memory.buffer.byteLength;
  try {
    fn();
    reportGrowth(ctx, r, what, bytesBefore);
  } catch (e) {
    if (reportGrowth(ctx, r, what, bytesBefore)) return;
    const called = state.calls.slice(callsBefore);
    const err = e as Error;
    let symbol: string | undefined;
    let message: string;
    if (err instanceof StubCallError && err.origin === "unresolved") {
      // The loader's lazy stub threw inside a load step: the load itself fails on the symbol.
      addEvidence(r, "unresolved", {
        kind: "unresolved-function",
        symbol: err.symbol,
        module: "env",
        sideType: r.facts?.imports.find((i) => i.name === err.symbol && i.kind === "func")?.func,
        message: `${what} ${err.message}: the load fails here`,
      });
      return;
    } else if (err instanceof StubCallError) {
      symbol = err.symbol;
      message = `${what} ${err.message}`;
    } else if (called.length > 0 && err instanceof WebAssembly.RuntimeError) {
      // A legitimate call into the main that only the real main can answer: inconclusive.
      const last = called[called.length - 1];
      const placeholder = last === PLACEHOLDER_CALL;
      if (placeholder) r.placeholderHit = true;
      symbol = placeholder ? undefined : last;
      if (!placeholder) r.stubStop ??= last;
      // Constructors that did not run to completion never make `links`: `latent` unless a
      // rerun (placeholder retry, real mode) runs them through.
      addEvidence(r, "latent", {
        kind: "stub-call",
        symbol,
        message: placeholder
          ? `${what} called an own function through a GOT function pointer, which the check fills with a placeholder; the rest of ${what} did not run`
          : `${what} called main function ${symbol}, which the stub does not emulate; the rest of ${what} did not run`,
      });
      return;
    } else if (err instanceof CapExceededError || err instanceof RangeError) {
      message = `${what}: ${err.name}: ${err.message}`;
    } else {
      message = `${what} trapped: ${err?.name ?? "Error"}: ${err?.message ?? String(e)}`;
    }
    addEvidence(r, "trap", { kind: "trap", symbol, message });
  }
}

/**
 * An init function that grew the shared memory past the session's cap is a `trap` with the
 * sizes as its reason (the process's `--wasm-max-mem-pages` bounds how far it can get). Returns
 * whether it did.
 */
function reportGrowth(ctx: LoadContext, r: ModuleRun, what: string, before: number): boolean {
  const { session } = ctx;
  const after = session.memory.buffer.byteLength;
  if (after === before || session.heapBytes <= session.caps.maxMemoryBytes) return false;
  addEvidence(r, "trap", {
    kind: "trap",
    message:
      `${what} grew the shared memory from ${before} to ${after} bytes, past the cap of ${session.caps.maxMemoryBytes} bytes above the heap base (memory.grow in an init function)`,
  });
  return true;
}

const exportIndexCache = new WeakMap<WasmModuleFacts, ReadonlyMap<string, WasmExport>>();
/** Exports by name (a Map doubles as the name set `relocateExports` iterates). */
function exportNamesOf(facts: WasmModuleFacts): ReadonlyMap<string, WasmExport> {
  let map = exportIndexCache.get(facts);
  if (!map) {
    map = new Map(facts.exports.map((e) => [e.name, e]));
    exportIndexCache.set(facts, map);
  }
  return map;
}

/** What `relocatedCache` holds for an export that relocates to nothing. */
const NO_VALUE = Symbol("no value");

/** relocateExports for one name: data addresses + memoryBase, as numbers or immutable Globals. */
function relocatedExport(
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

/** GOT entry for a symbol, pre-filled from the main's and already loaded modules' exports. */
function gotEntry(ctx: LoadContext, r: ModuleRun, id: number, rec: SymbolRecord): GotEntry {
  const { state, session } = ctx;
  const name = rec.name;
  let entry = state.got.get(id);
  if (!entry) {
    // One Global per name and session, reused by every check (creating thousands is slow).
    const g = rec.got ??= new WebAssembly.Global({ value: "i32", mutable: true }, 0);
    entry = { name, global: g, required: false, filled: false };
    state.got.set(id, entry);
    if (!rec.internal) {
      // The main's updateGOT ran at startup; each loaded module's updateGOT ran after it.
      const constant = mainGotConstant(session, rec);
      if (constant !== undefined) {
        g.value = constant;
        entry.filled = true;
      } else if (rec.main) {
        fillGot(ctx, entry, name, session.symbol(name));
      }
      for (const m of state.loadedModules) {
        if (entry.filled) break;
        if (m.exportNames.has(name)) fillGotFrom(ctx, entry, name, m as ModuleRun);
      }
      if (!entry.filled) state.gotUnfilled.push(entry);
    }
    if (!entry.filled) g.value = 0;
  }
  if (r.weakImports.size === 0 || !r.weakImports.has(name)) entry.required = true;
  return entry;
}

/**
 * What the main's updateGOT puts in a GOT entry, when it is the same for every check of the
 * session: a main function's fixed table slot or a data symbol's address. Kept in the session's
 * record of the name; about half of all side-module imports are GOT entries, most naming the main.
 */
function mainGotConstant(session: LinkSession, rec: SymbolRecord): number | undefined {
  if (rec.gotConstant === undefined) {
    // A main function's slot is fixed; main globals (data symbols as Globals, 314+) are
    // immutable.
    rec.gotConstant = rec.main
      ? gotNumber(session.symbol(rec.name), () => session.mainFunctionSlot(rec.name)) ?? null
      : null;
  }
  return rec.gotConstant ?? undefined;
}

/** The number a GOT entry holds for a value; `slotOf` places a function in the table. */
function gotNumber(
  value: unknown,
  slotOf: (fn: unknown) => number | undefined,
): number | undefined {
  if (typeof value === "function") return slotOf(value);
  if (typeof value === "number") return value;
  if (value instanceof WebAssembly.Global && typeof value.value === "number") return value.value;
  return undefined;
}

function fillGot(ctx: LoadContext, entry: GotEntry, name: string, value: unknown): boolean {
  const n = gotNumber(value, (fn) => ctx.session.addFunction(fn, name));
  if (n === undefined) return false;
  entry.global.value = n;
  entry.filled = true;
  return true;
}

/** Fill a GOT entry from a module's export; a dropped function export gets a placeholder. */
function fillGotFrom(
  ctx: LoadContext,
  entry: GotEntry,
  name: string,
  r: ModuleRun,
  e = r.exportNames.get(name),
): void {
  const v = relocatedExport(r, ctx.runtime.loader.dataSymbolsAsGlobals, name, e);
  if (v !== undefined) {
    fillGot(ctx, entry, name, v);
    return;
  }
  if (e?.kind === "func" && e.func) {
    entry.global.value = ctx.session.placeholderSlot(e.func);
    entry.filled = true;
  }
}

/**
 * updateGOT: fill still-empty entries from a module's relocated exports. Only the entries nothing
 * has filled yet are visited (most are filled from the main when created); internal names never
 * join that list.
 */
function updateGot(ctx: LoadContext, r: ModuleRun): void {
  const unfilled = ctx.state.gotUnfilled;
  let kept = 0;
  for (const entry of unfilled) {
    if (entry.filled) continue;
    const e = r.exportNames.get(entry.name);
    if (e !== undefined) fillGotFrom(ctx, entry, entry.name, r, e);
    if (!entry.filled) unfilled[kept++] = entry;
  }
  unfilled.length = kept;
}

/** resolveGlobalSymbol of this loader generation. */
function resolveGlobal(ctx: LoadContext, name: string): unknown {
  const { session, runtime } = ctx;
  const defined = session.lookupDefined(name);
  if (defined !== undefined) return defined;
  if (runtime.loader.synthesizesInvokes) {
    if (name.startsWith("invoke_")) return session.createInvoke(name);
    if (name.startsWith("__cxa_find_matching_catch")) return () => 0;
  }
  if (session.moduleSymbols.has(name)) return () => 0;
  return undefined;
}

/** The loader's lazy stub: resolves on first call; unresolvable → the loader's error. */
function lazyStub(ctx: LoadContext, r: ModuleRun, name: string): (...args: unknown[]) => unknown {
  let resolved: unknown;
  return (...args: unknown[]) => {
    resolved ??= resolveForCall(ctx, r, name);
    if (typeof resolved !== "function") {
      if (r.exportNames.get(name)?.kind === "func" && !fullExports.has(r.sha256!)) {
        // The module's own function, whose export the check dropped: like a call through a
        // placeholder, the check runs again with the module's function exports kept.
        ctx.session.recordCall(PLACEHOLDER_CALL);
        r.placeholderHit = true;
        throw new WebAssembly.RuntimeError(`${name}: own export dropped by the check`);
      }
      const msg = ctx.runtime.loader.unresolvedStyle === "dynamic-linking-error"
        ? `Dynamic linking error: cannot resolve symbol ${name}`
        : `TypeError: cannot call unresolved symbol ${name}`;
      throw new StubCallError(name, "unresolved", `called unresolved symbol ${name} (${msg})`);
    }
    return (resolved as (...a: unknown[]) => unknown)(...args);
  };
}

function resolveForCall(ctx: LoadContext, r: ModuleRun, name: string): unknown {
  const g = resolveGlobal(ctx, name);
  if (g !== undefined) return g;
  for (const m of r.localScope ?? []) if (m.exportNames.has(name)) return m.exportValue(name);
  return r.exportValue(name);
}

/** For a module V8 refused: would its own exports have defined this name? */
function ownExportKind(r: ModuleRun, name: string): string | undefined {
  return r.v8Failed ? r.exportNames.get(name)?.kind : undefined;
}

/** Strict end-of-package resolution of every function import and required GOT entry. */
function finalResolution(
  ctx: LoadContext,
  own: ModuleRun[],
  allow: AllowMatcher,
  wheel: WheelFacts,
): void {
  const packageName = wheel.metadata?.name ?? wheel.filename?.name;
  // reportUndefinedSymbols: GOT entries still empty resolve through the global table only.
  for (const entry of ctx.state.got.values()) {
    if (entry.filled) continue;
    const v = resolveGlobal(ctx, entry.name);
    if (v !== undefined) fillGot(ctx, entry, entry.name, v);
  }
  for (const r of own) {
    if (!r.facts || r.classes.has("invalid") || r.state !== "loaded") continue;
    const seen = new Set<string>();
    // Symbols a load step already failed on are not listed again.
    for (const e of r.evidence) {
      if (e.kind === "unresolved-function" && e.symbol) seen.add(e.symbol);
    }
    // Imports the base table answered at instantiation are resolved; only lazy stubs and GOT
    // entries can still be undefined.
    for (const imp of r.lazyImports) {
      if (seen.has(imp.name)) continue;
      seen.add(imp.name);
      const v = resolveForCall(ctx, r, imp.name);
      if (typeof v === "function") continue;
      // Defined by the module itself or its local scope (exports the check may have dropped).
      if (r.exportNames.get(imp.name)?.kind === "func") continue;
      if ((r.localScope ?? []).some((m) => m.exportNames.get(imp.name)?.kind === "func")) continue;
      unresolved(ctx, r, allow, packageName, imp, "function", r.weakImports.has(imp.name), v);
    }
    seen.clear();
    for (const { imp, entry } of r.gotImports) {
      if (entry.filled || seen.has(imp.name)) continue;
      seen.add(imp.name);
      if (ownExportKind(r, imp.name) !== undefined) continue;
      unresolved(ctx, r, allow, packageName, imp, "got", r.weakImports.has(imp.name), undefined);
    }
  }
}

function unresolved(
  ctx: LoadContext,
  r: ModuleRun,
  allow: AllowMatcher,
  packageName: string | undefined,
  imp: WasmImport,
  kind: "function" | "got",
  weak: boolean,
  value: unknown,
): void {
  const symbol = imp.name;
  if (weak) {
    if (r.evidence.some((e) => e.kind === "weak" && e.symbol === symbol)) return;
    addEvidence(r, undefined, {
      kind: "weak",
      symbol,
      module: imp.module,
      importIndex: imp.index,
      sideType: imp.func,
      message:
        `weak import ${imp.module}.${symbol} is undefined (allowed: the loader leaves it null)`,
    });
    return;
  }
  const entry = allow.match({ packageName, member: r.member, symbol, kind });
  if (entry) {
    addEvidence(r, "soft", {
      kind: "allowed",
      symbol,
      module: imp.module,
      importIndex: imp.index,
      sideType: imp.func,
      reason: entry.reason,
      message: `${imp.module}.${symbol} is unresolved but allow-listed: ${entry.reason}`,
    });
    return;
  }
  const loader = ctx.runtime.loader;
  if (kind === "function") {
    // The loader handed a lazy stub and no load step called it: the load succeeds and the
    // first call fails (latent). Without lazy stubs the load itself would fail.
    const atLoad = !loader.lazyFunctionStubs;
    addEvidence(r, atLoad ? "unresolved" : "latent", {
      kind: atLoad ? "unresolved-function" : "latent-function",
      symbol,
      module: imp.module,
      importIndex: imp.index,
      sideType: imp.func,
      // Short on purpose: a module can have hundreds of these; the type is in sideType.
      message: value === undefined
        ? `${imp.module}.${symbol} resolves nowhere${atLoad ? "" : "; fails when called"}`
        : `${imp.module}.${symbol} resolves to a ${typeof value}, not a function`,
    });
  } else {
    // reportUndefinedSymbols refuses an empty required GOT entry where the glue has that check.
    const atLoad = loader.checksGotAtLoad;
    addEvidence(r, atLoad ? "unresolved" : "latent", {
      kind: atLoad ? "unresolved-got" : "latent-got",
      symbol,
      module: imp.module,
      importIndex: imp.index,
      sideType: imp.func,
      message: atLoad
        ? `required GOT entry ${imp.module}.${symbol} is defined nowhere (the load fails: bad export type)`
        : `GOT entry ${imp.module}.${symbol} is defined nowhere; the loader leaves it 0`,
    });
  }
}

/**
 * A module fares no better than the libraries it needs: each needed library (transitively)
 * whose own outcome is worse than `soft` gives the module that class, naming the library and
 * its first piece of evidence as the cause.
 */
function inheritNeededFailures(r: ModuleRun): void {
  const seen = new Set<ModuleRun>([r]);
  const walk = (m: ModuleRun) => {
    for (const lib of m.neededRuns) {
      if (seen.has(lib)) continue;
      seen.add(lib);
      const cls = worst(lib.classes);
      if (cls !== "links" && cls !== "soft") {
        const cause = lib.evidence.find((e) => e.kind !== "host-call" && e.kind !== "weak") ??
          lib.evidence[0];
        addEvidence(r, cls, {
          kind: "needed-failed",
          symbol: lib.name,
          message: `needed library ${lib.member} is ${cls}${
            cause ? `: ${cause.message.split("\n")[0]}` : ""
          }`,
        });
      }
      walk(lib);
    }
  };
  walk(r);
}

function describe(session: LinkSession, v: unknown, types: Map<object, Provided>): Provided {
  if (v === undefined) return { kind: "missing" };
  if (typeof v === "number" || typeof v === "bigint") return { kind: "number" };
  if (typeof v === "object" || typeof v === "function") {
    const known = types.get(v as object);
    if (known) return known;
    const info = session.infoOfValue(v);
    const fromSession = info && providedFromInfo(info);
    if (fromSession) return fromSession;
  }
  if (typeof v === "function") {
    if (isWasmFunction(v)) {
      return { kind: "wasmfunc", type: functionType(session, v) };
    }
    return { kind: "jsfunc" };
  }
  if (v instanceof WebAssembly.Memory) {
    return {
      kind: "memory",
      limits: v === session.memory
        ? session.runtime.memory
        : { min: 0, shared: false, is64: false },
      pages: v.buffer.byteLength / 65536,
    };
  }
  if (v instanceof WebAssembly.Table) return { kind: "table", length: v.length };
  if (v instanceof WebAssembly.Global) {
    if (v === session.stackPointer) {
      return { kind: "global", global: { type: "i32", mutable: true } };
    }
    return { kind: "global", global: globalType(session, v) };
  }
  if (isTag(v)) return { kind: "tag", tag: tagType(session, v) };
  return { kind: "other" };
}

function providedFromInfo(info: SymbolInfo): Provided | undefined {
  switch (info.kind) {
    case "func":
      return { kind: "wasmfunc", type: info.type };
    case "number":
      return NUMBER;
    case "jsfunc":
      return { kind: "jsfunc" };
    case "global":
      return { kind: "global", global: info.global };
    case "tag":
      return { kind: "tag", tag: info.tag };
    default:
      return undefined;
  }
}

/** Types of the stub's own values, as the session handed them out. */
function functionType(session: LinkSession, v: unknown): FuncType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "func" ? info.type : undefined;
}
function globalType(session: LinkSession, v: unknown): GlobalType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "global" ? info.global : undefined;
}
function tagType(session: LinkSession, v: unknown): TagType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "tag" ? info.tag : undefined;
}

/** V8's import rules, applied statically to the value the loader hands over. */
const NUMBER: Provided = { kind: "number" };
const JSFUNC: Provided = { kind: "jsfunc" };
const MISSING: Provided = { kind: "missing" };
const GOT_GLOBAL: Provided = { kind: "global", global: { type: "i32", mutable: true } };

/**
 * A name of the base table (glue, then main exports) with what it hands over. `provided` is
 * absent for memories and tables, whose current size is read at each check.
 */
interface BaseEntry {
  value: unknown;
  provided?: Provided;
}

/** What a session answers about one import name, whatever module imports it. */
interface SymbolRecord {
  readonly name: string;
  /** The base table's answer (glue, then main exports); null when it lacks the name. */
  readonly base: BaseEntry | null;
  /** `__memory_base` or `__table_base`: answered per module. */
  readonly special: boolean;
  /** `isInternalSym`: never filled into the GOT from exports. */
  readonly internal: boolean;
  /** A main export (not a glue name). */
  readonly main: boolean;
  /** The main's constant GOT value (see `mainGotConstant`); null: none; undefined: not yet. */
  gotConstant?: number | null;
  /** The GOT Global of this name, reused by every check of the session. */
  got?: WebAssembly.Global;
}

/** Each session's records by symbol number (see `_symbol_numbers.ts`). */
const symbolRecords = new NumberedSlots<LinkSession, SymbolRecord>();

function symbolRecord(session: LinkSession, name: string): SymbolRecord {
  const info = session.symbolInfo(name);
  return {
    name,
    base: baseEntry(session, name, info),
    special: SPECIAL_ENV.has(name),
    internal: isInternalSym(name),
    main: info?.origin === "main",
  };
}

/** The base table's answer for a name (the symbols of a session never change). */
function baseEntry(
  session: LinkSession,
  name: string,
  info: SymbolInfo | undefined,
): BaseEntry | null {
  const value = session.symbol(name);
  if (value === undefined) return null;
  if (value instanceof WebAssembly.Memory || value instanceof WebAssembly.Table) return { value };
  return {
    value,
    provided: (info && providedFromInfo(info)) ?? describe(session, value, new Map()),
  };
}

function whereOf(imp: WasmImport): string {
  return `import #${imp.index} ${imp.module}.${imp.name}`;
}
function evidenceBase(imp: WasmImport): Pick<LinkEvidence, "symbol" | "module" | "importIndex"> {
  return { symbol: imp.name, module: imp.module, importIndex: imp.index };
}

function precheckImport(imp: WasmImport, p: Provided): LinkEvidence | undefined {
  // Evidence is built only for a finding: this runs for every import of every check, and most
  // imports match.
  if (p.kind === "missing" && !isProxied(imp.module) && !isGot(imp.module)) {
    return {
      ...evidenceBase(imp),
      kind: "unknown-module",
      message: `${whereOf(imp)}: the loader provides no import module "${imp.module}"`,
    };
  }
  switch (imp.kind) {
    case "func": {
      if (p.kind === "jsfunc") return undefined;
      if (p.kind === "wasmfunc") {
        if (p.type && imp.func && !sameTypes(p.type, imp.func)) {
          return {
            ...evidenceBase(imp),
            kind: "type-mismatch",
            sideType: imp.func,
            mainType: p.type,
            message: `${whereOf(imp)}: side module expects ${
              describeType(imp.func)
            }, the runtime provides ${describeType(p.type)}`,
          };
        }
        return undefined;
      }
      return {
        ...evidenceBase(imp),
        kind: "type-mismatch",
        sideType: imp.func,
        mainType: p.kind === "number" || p.kind === "global" ? "data symbol (address)" : p.kind,
        message: `${whereOf(imp)}: imported as a function, but the runtime provides a ${
          p.kind === "number" || p.kind === "global" ? "data symbol" : p.kind
        } (function import requires a callable)`,
      };
    }
    case "global": {
      const want = imp.global!;
      if (p.kind === "number") {
        if (want.mutable) {
          return {
            ...evidenceBase(imp),
            kind: "global-mismatch",
            sideType: `${want.mutable ? "mut " : ""}${want.type}`,
            mainType: "number (immutable data symbol)",
            message: `${
              whereOf(imp)
            }: mutable global import, but the runtime provides a plain number (imported mutable global must be a WebAssembly.Global object)`,
          };
        }
        if (want.type === "i64") {
          return {
            ...evidenceBase(imp),
            kind: "global-mismatch",
            sideType: want.type,
            mainType: "number",
            message: `${whereOf(imp)}: i64 global import needs a BigInt`,
          };
        }
        return undefined;
      }
      if (p.kind === "global") {
        if (!p.global) return undefined;
        if (p.global.mutable !== want.mutable || p.global.type !== want.type) {
          return {
            ...evidenceBase(imp),
            kind: "global-mismatch",
            sideType: `${want.mutable ? "mut " : ""}${want.type}`,
            mainType: `${p.global.mutable ? "mut " : ""}${p.global.type}`,
            message: `${whereOf(imp)}: side module expects ${
              want.mutable ? "mutable" : "immutable"
            } ${want.type}, the runtime provides ${
              p.global.mutable ? "mutable" : "immutable"
            } ${p.global.type}`,
          };
        }
        return undefined;
      }
      return {
        ...evidenceBase(imp),
        kind: "global-mismatch",
        sideType: `${want.mutable ? "mut " : ""}${want.type}`,
        mainType: p.kind,
        message: `${whereOf(imp)}: global import, but the runtime provides a ${
          p.kind === "jsfunc" ? "function (lazy stub or JS)" : p.kind
        }`,
      };
    }
    case "memory": {
      const want = imp.memory!;
      if (p.kind !== "memory") {
        return {
          ...evidenceBase(imp),
          kind: "memory-mismatch",
          sideType: limitsText(want),
          mainType: p.kind,
          message: `${whereOf(imp)}: memory import, but the runtime provides a ${p.kind}`,
        };
      }
      const have = p.limits;
      const problems: string[] = [];
      if (want.shared !== have.shared) {
        problems.push(
          `shared state differs (module ${want.shared ? "shared" : "not shared"}, runtime ${
            have.shared ? "shared" : "not shared"
          })`,
        );
      }
      if (want.is64 !== have.is64) problems.push("memory64 differs");
      if (want.min > p.pages) {
        problems.push(`module needs at least ${want.min} pages, runtime has ${p.pages}`);
      }
      if (want.max !== undefined) {
        if (have.max === undefined) {
          problems.push(`module declares maximum ${want.max}, runtime memory has no maximum`);
        } else if (have.max > want.max) {
          problems.push(
            `runtime maximum ${have.max} is larger than the module's declared maximum ${want.max}`,
          );
        }
      }
      if (problems.length === 0) return undefined;
      return {
        ...evidenceBase(imp),
        kind: "memory-mismatch",
        sideType: limitsText(want),
        mainType: limitsText(have),
        message: `${whereOf(imp)}: ${problems.join("; ")}`,
      };
    }
    case "table": {
      const want = imp.table!;
      if (p.kind !== "table") {
        return {
          ...evidenceBase(imp),
          kind: "table-mismatch",
          mainType: p.kind,
          message: `${whereOf(imp)}: table import, but the runtime provides a ${p.kind}`,
        };
      }
      if (want.element !== "funcref") {
        return {
          ...evidenceBase(imp),
          kind: "table-mismatch",
          sideType: want.element,
          mainType: "funcref",
          message: `${whereOf(imp)}: element type ${want.element}, runtime table holds funcref`,
        };
      }
      if (want.limits.min > p.length) {
        return {
          ...evidenceBase(imp),
          kind: "table-mismatch",
          message: `${
            whereOf(imp)
          }: module needs ${want.limits.min} entries, runtime table has ${p.length}`,
        };
      }
      if (want.limits.max !== undefined) {
        return {
          ...evidenceBase(imp),
          kind: "table-mismatch",
          message: `${
            whereOf(imp)
          }: module declares a table maximum ${want.limits.max}; the runtime table has none`,
        };
      }
      return undefined;
    }
    case "tag": {
      const want = imp.tag!;
      if (p.kind !== "tag") {
        return {
          ...evidenceBase(imp),
          kind: "tag-mismatch",
          sideType: want.type,
          mainType: p.kind === "jsfunc"
            ? "none (lazy stub: this runtime defines no such tag)"
            : p.kind,
          message: `${
            whereOf(imp)
          }: tag import, but the runtime provides no WebAssembly.Tag (tag import requires a WebAssembly.Tag)`,
        };
      }
      if (p.tag && !sameTypes(p.tag.type, want.type)) {
        return {
          ...evidenceBase(imp),
          kind: "tag-mismatch",
          sideType: want.type,
          mainType: p.tag.type,
          message: `${whereOf(imp)}: tag type ${
            describeType(want.type)
          } differs from the runtime's ${describeType(p.tag.type)}`,
        };
      }
      return undefined;
    }
  }
  return undefined;
}
