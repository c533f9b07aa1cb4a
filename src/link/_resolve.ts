/**
 * Step 4, final resolution: lazy stubs for unresolved functions, `resolveGlobalSymbol` of this
 * loader generation, and the verdict on what still resolves nowhere (`latent` or `unresolved`).
 *
 * @module
 */
import type { WasmImport } from "../wasm/types.ts";
import type { WheelFacts } from "../wheel/types.ts";
import type { AllowMatcher } from "./allow_list.ts";
import { PLACEHOLDER_CALL, StubCallError } from "./_session.ts";
import { addEvidence, type LoadContext, type ModuleRun, worst } from "./_load_state.ts";
import { fullExports } from "./_caches.ts";
import { fillGot } from "./_got.ts";

/** resolveGlobalSymbol of this loader generation. */
export function resolveGlobal(ctx: LoadContext, name: string): unknown {
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
export function lazyStub(
  ctx: LoadContext,
  r: ModuleRun,
  name: string,
): (...args: unknown[]) => unknown {
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

export function resolveForCall(ctx: LoadContext, r: ModuleRun, name: string): unknown {
  const g = resolveGlobal(ctx, name);
  if (g !== undefined) return g;
  for (const m of r.localScope ?? []) if (m.exportNames.has(name)) return m.exportValue(name);
  return r.exportValue(name);
}

/** For a module V8 refused: would its own exports have defined this name? */
export function ownExportKind(r: ModuleRun, name: string): string | undefined {
  return r.v8Failed ? r.exportNames.get(name)?.kind : undefined;
}

/** Strict end-of-package resolution of every function import and required GOT entry. */
export function finalResolution(
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

export function unresolved(
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
export function inheritNeededFailures(r: ModuleRun): void {
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
