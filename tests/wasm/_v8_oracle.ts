/**
 * Test helper: V8 as an independent judge of the types the reader reports.
 *
 * V8 checks the exact signature of a wasm function passed as a function import, and the type,
 * mutability, limits and sharedness of imported globals, memories, tables and tags. So:
 * 1. imports: instantiate the real module with imports built from the types WE read (functions
 *    come from a generated provider module); any wrong type is a LinkError;
 * 2. exports: instantiate a generated consumer module that imports each real export with the
 *    type WE read; any wrong type is a LinkError.
 *
 * @module
 */
import { buildModule, OP } from "../../src/wasm/build_module.ts";
import type { ImportSpec } from "../../src/wasm/build_module.ts";
import type { GlobalType, Limits, WasmModuleFacts } from "../../src/wasm/types.ts";

const PAGE = 65536;

function jsValueType(t: string): "i32" | "i64" | "f32" | "f64" | "externref" | "anyfunc" {
  if (t === "funcref") return "anyfunc";
  if (t === "i32" || t === "i64" || t === "f32" || t === "f64" || t === "externref") return t;
  throw new Error(`no JS API value type for ${t}`);
}

function makeGlobal(g: GlobalType): WebAssembly.Global {
  const value = jsValueType(g.type) as WebAssembly.ValueType;
  const init = g.type === "i64" ? 0n : g.type === "externref" || g.type === "funcref" ? null : 0;
  return new WebAssembly.Global({ value, mutable: g.mutable }, init);
}

function makeMemory(l: Limits, minBytes: number): WebAssembly.Memory {
  const initial = Math.max(l.min, Math.ceil(minBytes / PAGE));
  const desc: WebAssembly.MemoryDescriptor & { shared?: boolean } = { initial };
  if (l.max !== undefined) desc.maximum = Math.max(l.max, initial);
  if (l.shared) desc.shared = true;
  return new WebAssembly.Memory(desc);
}

/**
 * Instantiates `bytes` with imports made from `facts` and checks `facts.exports` against the
 * instance. Throws (a LinkError, or an Error naming the mismatch) when V8 disagrees with a type.
 * Returns false when the module cannot be checked this way (its start function traps).
 */
export function checkTypesWithV8(bytes: Uint8Array, facts: WasmModuleFacts): boolean {
  const funcImports = facts.imports.filter((i) => i.kind === "func");
  const provider = new WebAssembly.Instance(
    new WebAssembly.Module(buildModule({
      functions: funcImports.map((i) => ({ type: i.func!, body: [OP.unreachable] })),
      exports: funcImports.map((_, k) => ({ name: `f${k}`, kind: "func" as const, index: k })),
    })),
  );
  const dylink = facts.dylink;
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  let k = 0;
  for (const imp of facts.imports) {
    const ns = imports[imp.module] ??= {};
    let value: WebAssembly.ImportValue;
    switch (imp.kind) {
      case "func":
        value = provider.exports[`f${k++}`] as WebAssembly.ImportValue;
        break;
      case "global":
        value = makeGlobal(imp.global!);
        break;
      case "memory":
        // Room for the module's static data placed at __memory_base = 0.
        value = makeMemory(
          imp.memory!,
          (dylink?.memorySize ?? 0) + 2 ** (dylink?.memoryAlign ?? 0),
        );
        break;
      case "table": {
        const t = imp.table!;
        const initial = Math.max(t.limits.min, dylink?.tableSize ?? 0);
        const desc: WebAssembly.TableDescriptor = {
          element: jsValueType(t.element) as WebAssembly.TableKind,
          initial,
        };
        if (t.limits.max !== undefined) desc.maximum = Math.max(t.limits.max, initial);
        value = new WebAssembly.Table(desc);
        break;
      }
      case "tag": {
        const params = imp.tag!.type.params.map(jsValueType);
        // deno-lint-ignore no-explicit-any
        value = new (WebAssembly as any).Tag({ parameters: params });
        break;
      }
    }
    ns[imp.name] = value;
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(
      new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
      imports,
    );
  } catch (e) {
    // A start function that calls an (unreachable) import traps: types were fine, but the
    // instance is gone, so exports cannot be checked.
    if (e instanceof WebAssembly.RuntimeError) return false;
    throw e;
  }

  const consumerImports: ImportSpec[] = [];
  for (const ex of facts.exports) {
    const base = { module: "m", name: ex.name };
    if (ex.kind === "func") consumerImports.push({ ...base, kind: "func", type: ex.func! });
    else if (ex.kind === "global") {
      consumerImports.push({ ...base, kind: "global", global: ex.global! });
    } else if (ex.kind === "tag") consumerImports.push({ ...base, kind: "tag", tag: ex.tag!.type });
    else if (ex.kind === "memory") {
      consumerImports.push({ ...base, kind: "memory", memory: ex.memory! });
    } else consumerImports.push({ ...base, kind: "table", table: ex.table! });
  }
  new WebAssembly.Instance(
    new WebAssembly.Module(buildModule({ imports: consumerImports })),
    { m: instance.exports as Record<string, WebAssembly.ImportValue> },
  );
  // Exported immutable globals: the value we evaluated must be the value V8 computed.
  for (const ex of facts.exports) {
    if (ex.kind !== "global" || ex.value === undefined || ex.global!.mutable) continue;
    const actual = (instance.exports[ex.name] as WebAssembly.Global).value;
    if (actual !== ex.value && !(Number.isNaN(actual) && Number.isNaN(ex.value))) {
      throw new Error(`global ${ex.name}: read ${ex.value}, V8 has ${actual}`);
    }
  }
  return true;
}
