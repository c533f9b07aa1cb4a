/**
 * Step 1, pre-check: what each import is handed, judged statically by V8's import rules (V8
 * reports only the first mismatch), and what each module needs of this runtime's loader.
 *
 * @module
 */
import type { FuncType, GlobalType, Limits, TagType, WasmImport } from "../wasm/types.ts";
import { formatFuncType } from "../wasm/mod.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { LinkEvidence } from "./types.ts";
import { isWasmFunction, type LinkSession, type SymbolInfo } from "./_session.ts";
import { isTag } from "./_wasm_js.ts";
import { addEvidence, isGot, isProxied, type ModuleRun, type Provided } from "./_load_state.ts";

export function describeType(t: FuncType | undefined): string {
  return t ? formatFuncType(t) : "?";
}

export function limitsText(l: Limits): string {
  return `{min ${l.min}${l.max !== undefined ? `, max ${l.max}` : ""}${l.shared ? ", shared" : ""}${
    l.is64 ? ", 64-bit" : ""
  }}`;
}

export function sameTypes(a: FuncType, b: FuncType): boolean {
  if (a === b) return true;
  return sameList(a.params, b.params) && sameList(a.results, b.results);
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function matchesPython(suffix: string, runtime: RuntimeFacts): boolean {
  const [maj, min] = runtime.python.split(".");
  return suffix === `${maj}${min}`;
}

export function compareAbi(r: ModuleRun, runtime: RuntimeFacts): void {
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

export function describe(session: LinkSession, v: unknown, types: Map<object, Provided>): Provided {
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

export function providedFromInfo(info: SymbolInfo): Provided | undefined {
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
export function functionType(session: LinkSession, v: unknown): FuncType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "func" ? info.type : undefined;
}

export function globalType(session: LinkSession, v: unknown): GlobalType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "global" ? info.global : undefined;
}

export function tagType(session: LinkSession, v: unknown): TagType | undefined {
  const info = session.infoOfValue(v);
  return info?.kind === "tag" ? info.tag : undefined;
}

/** V8's import rules, applied statically to the value the loader hands over. */
export const NUMBER: Provided = { kind: "number" };

export const JSFUNC: Provided = { kind: "jsfunc" };

export const MISSING: Provided = { kind: "missing" };

export const GOT_GLOBAL: Provided = { kind: "global", global: { type: "i32", mutable: true } };

export function whereOf(imp: WasmImport): string {
  return `import #${imp.index} ${imp.module}.${imp.name}`;
}

export function evidenceBase(
  imp: WasmImport,
): Pick<LinkEvidence, "symbol" | "module" | "importIndex"> {
  return { symbol: imp.name, module: imp.module, importIndex: imp.index };
}

export function precheckImport(imp: WasmImport, p: Provided): LinkEvidence | undefined {
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
