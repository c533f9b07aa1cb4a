/**
 * The REAL main module behind a link session ("real mode"). When relocations or constructors of
 * a side module call a main function the stub cannot run (libc++ `std::string` init,
 * `__next_prime`, libm …), the check runs again against a session whose main functions are the
 * runtime's own `pyodide.asm.wasm` code, instantiated once per session with recording JS glue.
 *
 * This module only instantiates and initialises the real main; `_session.ts` builds the session
 * around it (shared memory, table and stack pointer; snapshot and restore between checks).
 *
 * @module
 */
import type { FuncType } from "../wasm/types.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { WasmTag } from "./_wasm_js.ts";

/** Where a runtime's real main module comes from: its compiled form, or why there is none. */
export type RealMainSource = (
  runtime: RuntimeFacts,
) => Promise<WebAssembly.Module | { unavailable: string }>;

/** What the session gives the real main to import (relocatable mains ≤0.29). */
export interface RealMainHost {
  memory?: WebAssembly.Memory;
  table?: WebAssembly.Table;
  stackPointer?: WebAssembly.Global;
  memoryBase: number;
  tableBase: number;
  tags: ReadonlyMap<string, WasmTag>;
  /** A JS glue function of the real main: records the call (the session's `glueCalls`). */
  glue(name: string, type: FuncType | undefined): (...args: unknown[]) => unknown;
}

/** An instantiated real main and the GOT globals it imported (filled by the caller). */
export interface RealMainInstance {
  exports: Record<string, unknown>;
  got: { module: "GOT.mem" | "GOT.func"; name: string; global: WebAssembly.Global }[];
}

/**
 * Instantiate a real main module: `env` memory/table/bases/stack pointer and tags from `host`,
 * GOT entries as mutable i32 globals (0 until the caller fills them, as the glue's `updateGOT`
 * does after instantiation), every other function import from `host.glue`.
 *
 * @example
 * ```ts ignore
 * const real = instantiateRealMain(module, runtime, host);
 * console.log(typeof real.exports.malloc); // "function"
 * ```
 */
export function instantiateRealMain(
  module: WebAssembly.Module,
  runtime: RuntimeFacts,
  host: RealMainHost,
): RealMainInstance {
  const types = new Map<string, FuncType>();
  for (const f of runtime.mainFunctionImports ?? []) types.set(`${f.module}\0${f.name}`, f.type);
  const imports: Record<string, Record<string, unknown>> = {};
  const got: RealMainInstance["got"] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const ns = imports[imp.module] ??= {};
    if (imp.module === "GOT.mem" || imp.module === "GOT.func") {
      const global = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
      got.push({ module: imp.module, name: imp.name, global });
      ns[imp.name] = global;
      continue;
    }
    // The JS API's kind list in TypeScript's lib lacks "tag".
    switch (imp.kind as string) {
      case "memory":
        ns[imp.name] = host.memory;
        break;
      case "table":
        ns[imp.name] = host.table;
        break;
      case "tag":
        ns[imp.name] = host.tags.get(imp.name);
        break;
      case "global":
        ns[imp.name] = imp.name === "__stack_pointer" ? host.stackPointer : new WebAssembly.Global(
          { value: "i32", mutable: false },
          imp.name === "__table_base" ? host.tableBase : host.memoryBase,
        );
        break;
      default:
        ns[imp.name] = host.glue(imp.name, types.get(`${imp.module}\0${imp.name}`));
    }
  }
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  return { exports: instance.exports as Record<string, unknown>, got };
}

/**
 * Table slots a relocatable main needs from its `__table_base` (its `dylink.0` table size, or the
 * legacy `dylink` section's): the glue makes the table that large before instantiating it.
 *
 * @example
 * ```ts ignore
 * table.grow(Math.max(0, 1 + mainTableSize(module) - table.length));
 * ```
 */
export function mainTableSize(module: WebAssembly.Module): number {
  const leb = (b: Uint8Array, at: { i: number }) => {
    let v = 0, shift = 0, byte: number;
    do {
      byte = b[at.i++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return v;
  };
  const modern = WebAssembly.Module.customSections(module, "dylink.0")[0];
  if (modern) {
    const b = new Uint8Array(modern);
    const at = { i: 0 };
    while (at.i < b.length) {
      const kind = b[at.i++];
      const size = leb(b, at);
      if (kind === 1) {
        leb(b, at); // memory size
        leb(b, at); // memory alignment
        return leb(b, at);
      }
      at.i += size;
    }
    return 0;
  }
  const legacy = WebAssembly.Module.customSections(module, "dylink")[0];
  if (!legacy) return 0;
  const at = { i: 0 };
  const b = new Uint8Array(legacy);
  leb(b, at);
  leb(b, at);
  return leb(b, at);
}

/** The zero a recording glue function returns for a result type (BigInt for i64). */
export function zeroResult(type: FuncType | undefined, sig?: string): unknown {
  const r = type?.results[0];
  if (r === "i64" || sig?.[0] === "j") return 0n;
  if (r === "externref" || r === "funcref") return null;
  return type?.results.length === 0 ? undefined : 0;
}

/** Glue functions the real main needs with behaviour (else malloc could never grow the heap). */
export function realGlueBehaviour(
  name: string,
  memory: () => WebAssembly.Memory,
): ((...args: number[]) => unknown) | undefined {
  switch (name) {
    case "emscripten_resize_heap":
      return (requested) => {
        const m = memory();
        const want = requested >>> 0;
        const have = m.buffer.byteLength;
        if (want <= have) return 1;
        try {
          m.grow(Math.ceil((want - have) / 65536));
          return 1;
        } catch {
          return 0;
        }
      };
    case "emscripten_get_heap_max":
    case "_emscripten_get_heap_max":
      return () => 2 ** 31;
    case "emscripten_memcpy_big":
    case "emscripten_memcpy_js":
    case "_emscripten_memcpy_js":
      return (dest, src, num) => {
        const u8 = new Uint8Array(memory().buffer);
        u8.copyWithin(dest >>> 0, src >>> 0, (src >>> 0) + (num >>> 0));
        return dest;
      };
  }
  return undefined;
}

let defaultSource: RealMainSource | undefined;

/**
 * Set the process's default {@linkcode RealMainSource} (used by checks that name none). The
 * pool's workers set one that asks the main thread; a caller with file access can set one that
 * reads the runtime's `pyodide.asm.wasm`.
 *
 * @example
 * ```ts ignore
 * setDefaultRealMainSource(async (runtime) => await WebAssembly.compile(bytesOf(runtime)));
 * ```
 */
export function setDefaultRealMainSource(source: RealMainSource | undefined): void {
  defaultSource = source;
}

/** The process's default real-main source, if any. */
export function defaultRealMainSource(): RealMainSource | undefined {
  return defaultSource;
}

const registered = new Map<string, () => Promise<Uint8Array>>();

/**
 * Say where the main module with this sha256 can be read (the runner knows the runtime files).
 *
 * @example
 * ```ts ignore
 * registerRealMainFile(facts.mainSha256, () => Deno.readFile(files.wasmPath));
 * ```
 */
export function registerRealMainFile(mainSha256: string, read: () => Promise<Uint8Array>): void {
  registered.set(mainSha256, read);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The bytes of a runtime's real main: a registered reader, else the extracted npm package in
 * the cache directory (`$CONFORM_CACHE` or `.cache`, `runtimes/<version>/pyodide.asm.wasm`).
 * Whatever is found must have the facts' sha256: a main from elsewhere would judge another ABI.
 *
 * @example
 * ```ts ignore
 * const bytes = await readRealMainBytes(runtime); // Uint8Array or { unavailable }
 * ```
 */
export async function readRealMainBytes(
  runtime: RuntimeFacts,
): Promise<Uint8Array | { unavailable: string }> {
  const readers: (() => Promise<Uint8Array>)[] = [];
  const known = registered.get(runtime.mainSha256);
  if (known) readers.push(known);
  const dirs: string[] = [];
  try {
    const env = Deno.env.get("CONFORM_CACHE");
    if (env) dirs.push(env);
  } catch {
    // no env permission: the default directory only
  }
  dirs.push(".cache");
  for (const d of dirs) {
    readers.push(() => Deno.readFile(`${d}/runtimes/${runtime.version}/pyodide.asm.wasm`));
  }
  const tried: string[] = [];
  for (const read of readers) {
    try {
      const bytes = await read();
      if (await sha256Hex(bytes) === runtime.mainSha256) return bytes;
      tried.push("a main module with another sha256");
    } catch (e) {
      tried.push((e as Error).name);
    }
  }
  return {
    unavailable: `the real main module of ${runtime.version} (sha256 ${
      runtime.mainSha256.slice(0, 12)
    }…) could not be read (${tried.join(", ")})`,
  };
}

/**
 * {@linkcode readRealMainBytes}, compiled (V8 compiles lazily: about 60-170 ms for a 9-10 MB
 * main). Not cached here: a check keeps the real session it builds from it (`realSessions`),
 * and the pool's workers compile the bytes they are sent.
 *
 * @example
 * ```ts ignore
 * const module = await compileRealMain(runtime);
 * ```
 */
export function compileRealMain(
  runtime: RuntimeFacts,
): Promise<WebAssembly.Module | { unavailable: string }> {
  return readRealMainBytes(runtime).then((b) =>
    b instanceof Uint8Array ? WebAssembly.compile(b as Uint8Array<ArrayBuffer>) : b
  ).catch((e) => ({ unavailable: `the real main did not compile: ${(e as Error).message}` }));
}
