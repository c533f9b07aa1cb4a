/**
 * Step 2, instantiation: NEEDED libraries first, memory and table placement, the import object
 * built as the loader's proxies answer, V8 instantiation, `postInstantiation`; plus compiling
 * modules with only the exports a check can observe.
 *
 * @module
 */
import type { WasmModuleFacts } from "../wasm/types.ts";
import type { SideModuleFacts, WheelFacts } from "../wheel/types.ts";
import type { CheckLinkInput, CompileKey, LinkEvidence, LinkModuleInput } from "./types.ts";
import { ALWAYS_KEPT_EXPORTS, compilableBytes } from "./_strip_exports.ts";
import { importNumbers, setDense } from "./_symbol_numbers.ts";
import {
  addEvidence,
  basename,
  isGot,
  isProxied,
  type LoadContext,
  type ModuleRun,
  type Provided,
} from "./_load_state.ts";
import { compileCached, fullExports, importObjects, symbolRecords } from "./_caches.ts";
import { describe, GOT_GLOBAL, JSFUNC, MISSING, NUMBER, precheckImport } from "./_precheck.ts";
import { symbolRecord } from "./_symbols.ts";
import { gotEntry, updateGot } from "./_got.ts";
import { lazyStub } from "./_resolve.ts";
import { reportGrowth, runInit } from "./_init.ts";

/** A 53-bit string hash (cyrb53) of a name list: a cache key part, not a security measure. */
export function hashNames(names: string[]): string {
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

export function countImports(runs: { facts?: WasmModuleFacts }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) {
    for (const name of new Set((r.facts?.imports ?? []).map((i) => i.name))) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

/** The compile cache key of a module in a check: its sha256, plus a hash of the kept exports. */
export function compileKeyOf(
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
      out[ck.key] = await compileCached(ck.key, () => compilableBytes(bytes, facts, keep));
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
export function exportsToKeep(
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

export async function loadModule(
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
          `NEEDED library ${needed} is in neither this archive, its lock dependencies, the run's inputs nor the archives beside it`,
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
      await compileCached(ck.key, () => compilableBytes(r.bytes, facts, keep));
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
