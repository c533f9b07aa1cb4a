/**
 * Every process-wide cache of the link engine, in one place, and {@linkcode clearLinkCaches}
 * that empties them all: compiled modules, facts read by checks, stub sessions and their locks,
 * real-main sessions, per-input preparations, import objects, export indexes, symbol records.
 *
 * @module
 */
import type { AbiFeatures, WasmExport, WasmModuleFacts } from "../wasm/types.ts";
import type { WheelFacts } from "../wheel/types.ts";
import type { LinkSession } from "./_session.ts";
import { asBufferSource } from "./_wasm_js.ts";
import { NumberedSlots, resetSymbolNumbers } from "./_symbol_numbers.ts";
import { clearStubCaches } from "./stub.ts";
import type { SymbolRecord } from "./_symbols.ts";

/**
 * A WeakMap that can be emptied (by replacing the map): entries die with their keys anyway, but
 * {@linkcode clearLinkCaches} must leave no answer of an earlier check behind.
 */
export class ClearableWeakMap<K extends WeakKey, V> {
  #map = new WeakMap<K, V>();
  get(key: K): V | undefined {
    return this.#map.get(key);
  }
  has(key: K): boolean {
    return this.#map.has(key);
  }
  set(key: K, value: V): this {
    this.#map.set(key, value);
    return this;
  }
  delete(key: K): boolean {
    return this.#map.delete(key);
  }
  clear(): void {
    this.#map = new WeakMap();
  }
}

/** Upper bound on compiled modules kept per process (by sha256). */
export const MAX_COMPILED_MODULES = 4_096;

/** Upper bound on the wire bytes of the compiled modules kept per process. */
export const MAX_COMPILED_BYTES = 16 * 1024 * 1024;

/** Compiled side modules by compile key (sha256 plus kept exports), least recently used first. */
export const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Facts read from bytes by the check itself (slim inputs), by module sha256. */
export const factsCache = new Map<string, { facts: WasmModuleFacts; abi: AbiFeatures }>();

/** Upper bound on modules whose facts are kept per process. */
export const MAX_CACHED_FACTS = 1_024;

export function rememberFacts(sha: string, facts: WasmModuleFacts, abi: AbiFeatures): void {
  if (factsCache.size >= MAX_CACHED_FACTS) factsCache.delete(factsCache.keys().next().value!);
  factsCache.set(sha, { facts, abi });
}

/** Stub sessions by runtime (main, glue, version). */
export const sessions = new Map<string, Promise<LinkSession>>();

/** One check at a time per session: the stub's memory, table and GOT are shared state. */
export const sessionLocks = new ClearableWeakMap<LinkSession, Promise<unknown>>();

export const compiledSizes = new Map<string, number>();

export let compiledBytes = 0;

export function compileCached(key: string, bytes: () => Uint8Array): Promise<WebAssembly.Module> {
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

/** Modules (sha256) whose constructors call their own functions through GOT pointers. */
export const fullExports = new Set<string>();

/** Real-main sessions by the stub session they back (built on first need, see `_real_main.ts`). */
export const realSessions = new ClearableWeakMap<
  LinkSession,
  Promise<LinkSession | { unavailable: string }>
>();

/** Per-input work shared by the checks of one archive against many runtimes. */
export const preparedInputs = new ClearableWeakMap<WheelFacts, {
  libsKey: string;
  modules: number;
  importCounts: ReadonlyMap<string, number>;
  compileKeys: Map<string, { key: string; keep?: ReadonlySet<string>; full?: boolean }>;
}>();

/**
 * The import object of a module, reused by every check of the same facts object (a worker job
 * checks one archive against several runtimes). Each check assigns every import it hands over,
 * so no value of an earlier check survives, and V8 reads the values only while instantiating.
 * A dictionary of thousands of names built per check was a fifth of the import loop and much of
 * the workers' young garbage.
 */
export const importObjects = new ClearableWeakMap<
  WasmModuleFacts,
  Record<string, Record<string, unknown>>
>();

/** Exports by name, per facts object. */
export const exportIndexCache = new ClearableWeakMap<
  WasmModuleFacts,
  ReadonlyMap<string, WasmExport>
>();

/** Each session's records by symbol number (see `_symbol_numbers.ts`). */
export const symbolRecords = new NumberedSlots<LinkSession, SymbolRecord>();

/**
 * Empty every cache of the link engine in this process: compiled modules, facts, stub sessions
 * and their locks, real-main sessions, per-input preparations, import objects, export indexes,
 * symbol records and numbers, and the stub bytes kept in memory. Tests use it for a cold start;
 * nothing a later check answers then depends on an earlier one.
 *
 * @example
 * ```ts
 * import { clearLinkCaches } from "./_caches.ts";
 * clearLinkCaches();
 * ```
 */
export function clearLinkCaches(): void {
  compiled.clear();
  compiledSizes.clear();
  compiledBytes = 0;
  factsCache.clear();
  sessions.clear();
  sessionLocks.clear();
  fullExports.clear();
  realSessions.clear();
  preparedInputs.clear();
  importObjects.clear();
  exportIndexCache.clear();
  symbolRecords.clear();
  resetSymbolNumbers();
  clearStubCaches();
}
