/**
 * Numbers for import names, so that per-session answers about a name live in an array.
 *
 * A pass over a corpus resolves each of ~145,000 imports against every runtime. Looking each one
 * up by string in several Maps per runtime (base table, GOT pool, GOT constants, the check's GOT)
 * was a third of a worker's time. A module's import names are numbered once per facts object
 * (the facts a worker receives serve every runtime of its job), then each session answers by
 * array index.
 *
 * @module
 */
import type { WasmModuleFacts } from "../wasm/types.ts";

/** Names numbered before the table is started afresh (at the start of a check, never during). */
export const MAX_SYMBOL_NUMBERS = 1 << 19;

let numbers = new Map<string, number>();
let epoch = 0;
const byFacts = new WeakMap<WasmModuleFacts, { epoch: number; ids: Int32Array }>();

/**
 * Start numbering afresh when the table has grown past {@linkcode MAX_SYMBOL_NUMBERS}. Call only
 * between checks: numbers from before and after a reset must never meet in one check.
 *
 * @returns The current epoch; per-session arrays of another epoch are stale.
 * @example
 * ```ts
 * import { renumberIfFull } from "./_symbol_numbers.ts";
 * const epoch = renumberIfFull();
 * console.assert(epoch === renumberIfFull());
 * ```
 */
export function renumberIfFull(): number {
  if (numbers.size > MAX_SYMBOL_NUMBERS) {
    numbers = new Map();
    epoch++;
  }
  return epoch;
}

/**
 * The number of each import name of a module, in import order (cached per facts object).
 *
 * @example
 * ```ts
 * import { importNumbers } from "./_symbol_numbers.ts";
 * const facts = { imports: [{ name: "a" }, { name: "b" }, { name: "a" }] };
 * const ids = importNumbers(facts as never);
 * console.assert(ids[0] === ids[2] && ids[0] !== ids[1]);
 * ```
 */
export function importNumbers(facts: WasmModuleFacts): Int32Array {
  const cached = byFacts.get(facts);
  if (cached && cached.epoch === epoch) return cached.ids;
  const ids = new Int32Array(facts.imports.length);
  for (let i = 0; i < ids.length; i++) {
    const name = facts.imports[i].name;
    let n = numbers.get(name);
    if (n === undefined) numbers.set(name, n = numbers.size);
    ids[i] = n;
  }
  byFacts.set(facts, { epoch, ids });
  return ids;
}

/**
 * Per-owner arrays indexed by symbol number, dropped when the numbering starts afresh.
 *
 * @example
 * ```ts
 * import { NumberedSlots } from "./_symbol_numbers.ts";
 * const slots = new NumberedSlots<object, string>();
 * const owner = {};
 * slots.of(owner)[3] = "x";
 * console.assert(slots.of(owner)[3] === "x");
 * ```
 */
export class NumberedSlots<K extends object, V> {
  #arrays = new WeakMap<K, { epoch: number; values: (V | undefined)[] }>();

  /** The owner's array for the current epoch (holes read as undefined). */
  of(owner: K): (V | undefined)[] {
    let a = this.#arrays.get(owner);
    if (!a || a.epoch !== epoch) this.#arrays.set(owner, a = { epoch, values: [] });
    return a.values;
  }

  /** Forget every owner's values. */
  clear(): void {
    this.#arrays = new WeakMap();
  }
}

/**
 * Store `value` at `index`, growing the array densely first: a store far past the end would turn
 * V8's fast elements into a slow dictionary.
 *
 * @example
 * ```ts
 * import { setDense } from "./_symbol_numbers.ts";
 * const a: (number | undefined)[] = [];
 * setDense(a, 5, 1);
 * console.assert(a.length === 6 && a[5] === 1);
 * ```
 */
export function setDense<V>(array: (V | undefined)[], index: number, value: V): V {
  while (array.length <= index) array.push(undefined);
  array[index] = value;
  return value;
}

/**
 * Start numbering names afresh (a new epoch: arrays of the old numbering are dropped on use).
 *
 * @example
 * ```ts
 * import { resetSymbolNumbers } from "./_symbol_numbers.ts";
 * resetSymbolNumbers();
 * ```
 */
export function resetSymbolNumbers(): void {
  numbers = new Map();
  epoch++;
}
