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
import { deriveAbiFeatures, readWasmModule } from "../wasm/mod.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { SideModuleFacts, WheelFacts } from "../wheel/types.ts";
import type { CheckLinkInput, LinkEvidence, LinkModuleInput, LinkOutcome } from "./types.ts";
import { type AllowList, AllowMatcher, DEFAULT_ALLOW_LIST } from "./allow_list.ts";
import { LinkSession, type SessionCaps } from "./_session.ts";
import { type ByteStore, obtainStub, type StubModule } from "./stub.ts";
import { compileRealMain, defaultRealMainSource } from "./_real_main.ts";
import { checkPython, readCpythonSuffix } from "./_python.ts";
import { renumberIfFull } from "./_symbol_numbers.ts";
import {
  addEvidence,
  basename,
  capEvidence,
  exportNamesOf,
  type LoadContext,
  type ModuleRun,
  type Provided,
  relocatedExport,
  worst,
} from "./_load_state.ts";
import {
  factsCache,
  fullExports,
  preparedInputs,
  realSessions,
  rememberFacts,
  sessionLocks,
  sessions,
} from "./_caches.ts";
import { compareAbi, matchesPython } from "./_precheck.ts";
import { finalResolution, inheritNeededFailures } from "./_resolve.ts";
import { countImports, loadModule } from "./_instantiate.ts";

export { MAX_EVIDENCE_PER_MODULE } from "./_load_state.ts";
export {
  clearLinkCaches,
  MAX_CACHED_FACTS,
  MAX_COMPILED_BYTES,
  MAX_COMPILED_MODULES,
} from "./_caches.ts";
export { precompileLinkInput, pruneLinkInput } from "./_instantiate.ts";
export type { CheckLinkInput, CompileKey, LinkLibraryInput, LinkModuleInput } from "./types.ts";

/** Harness version of the link engine: part of every outcome cache key. */
export const LINK_ENGINE_VERSION = 5;

/** Upper bound on side modules in one check (archive plus libraries). */
export const MAX_MODULES_PER_CHECK = 10_000;

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

/**
 * The outcome of a pair the engine could not judge (no stub session, a worker that failed, an
 * archive that could not be read again): `trap`, with the reason as its only evidence.
 *
 * @example
 * ```ts ignore
 * const outcome = engineFailureOutcome(input, runtime, "no stub session: …");
 * console.log(outcome.evidence[0].message); // "link engine failure: no stub session: …"
 * ```
 */
export function engineFailureOutcome(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  reason: string,
): LinkOutcome {
  return {
    wheel: input.wheel.file,
    wheelSha256: input.wheel.sha256,
    runtime: runtime.version,
    outcome: "trap",
    linkOutcome: "trap",
    modules: [],
    evidence: [{ kind: "trap", message: `link engine failure: ${reason}` }],
    ms: 0,
  };
}

function sessionKey(runtime: RuntimeFacts): string {
  return `${runtime.mainSha256}:${runtime.glueSha256 ?? ""}:${runtime.version}`;
}

function forgetSession(runtime: RuntimeFacts): void {
  sessions.delete(sessionKey(runtime));
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
    return engineFailureOutcome(input, runtime, `no stub session: ${(e as Error)?.stack ?? e}`);
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
  for (const r of [...own, ...deps]) compareAbi(r, runtime);

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
