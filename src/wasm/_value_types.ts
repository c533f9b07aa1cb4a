/**
 * Value, reference and heap type codes, and their canonical text names.
 *
 * A nullable reference to an abstract heap type is written with its shorthand (`0x63 0x70`
 * and `0x70` are both `funcref`), so equal types always have equal names.
 *
 * @module
 */
import type { FuncType, ValType } from "./types.ts";
import { type Cursor, hex } from "./_cursor.ts";
import { MAX_PARAMS, MAX_RESULTS } from "./_limits.ts";

/** Heap type code → name (`func`, `extern`, …), for the abstract heap types. */
export const HEAP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x70, "func"],
  [0x6f, "extern"],
  [0x6e, "any"],
  [0x6d, "eq"],
  [0x6c, "i31"],
  [0x6b, "struct"],
  [0x6a, "array"],
  [0x71, "none"],
  [0x72, "noextern"],
  [0x73, "nofunc"],
  [0x69, "exn"],
  [0x74, "noexn"],
]);

/** Heap type name → shorthand name of its nullable reference type. */
export const NULLABLE_REF_NAMES: ReadonlyMap<string, string> = new Map([
  ["func", "funcref"],
  ["extern", "externref"],
  ["any", "anyref"],
  ["eq", "eqref"],
  ["i31", "i31ref"],
  ["struct", "structref"],
  ["array", "arrayref"],
  ["none", "nullref"],
  ["noextern", "nullexternref"],
  ["nofunc", "nullfuncref"],
  ["exn", "exnref"],
  ["noexn", "nullexnref"],
]);

/** Single-byte value type code → name. */
const VALUE_TYPE_NAMES: (string | undefined)[] = (() => {
  const names: (string | undefined)[] = new Array(256).fill(undefined);
  names[0x7f] = "i32";
  names[0x7e] = "i64";
  names[0x7d] = "f32";
  names[0x7c] = "f64";
  names[0x7b] = "v128";
  for (const [code, heap] of HEAP_TYPE_NAMES) names[code] = NULLABLE_REF_NAMES.get(heap);
  return names;
})();

/** Every single-word value type name (`i32`, …, `funcref`, …). */
export const VALUE_TYPE_WORDS: ReadonlySet<string> = new Set(
  VALUE_TYPE_NAMES.filter((n): n is string => n !== undefined),
);

/** Renders a reference type: `funcref`, `(ref func)`, `(ref null 3)`. */
export function formatRefType(nullable: boolean, heap: string): string {
  if (nullable) {
    const short = NULLABLE_REF_NAMES.get(heap);
    if (short !== undefined) return short;
    return `(ref null ${heap})`;
  }
  return `(ref ${heap})`;
}

/** Reads a heap type (s33): an abstract type code (negative) or a type index. */
export function readHeapType(c: Cursor, what: string): string {
  const start = c.offset;
  const v = c.readVarS33(what);
  if (v >= 0) return String(v);
  // -0x10 is 0x70 (func) and so on: the single-byte codes read as negative s33 values.
  const name = v >= -64 ? HEAP_TYPE_NAMES.get(v + 0x80) : undefined;
  if (name === undefined) {
    c.fail(`Cannot read ${what}: unknown heap type ${v >= -64 ? hex(v + 0x80) : v}`, start);
  }
  return name;
}

/** Reads one value type. */
export function readValType(c: Cursor, what: string): ValType {
  const start = c.offset;
  const b = c.readU8(what);
  const name = VALUE_TYPE_NAMES[b];
  if (name !== undefined) return name;
  if (b === 0x63 || b === 0x64) return formatRefType(b === 0x63, readHeapType(c, what));
  c.fail(`Cannot read ${what}: unknown value type ${hex(b)}`, start);
}

/** Reads a reference type (table element type). */
export function readRefType(c: Cursor, what: string): ValType {
  const start = c.offset;
  const t = readValType(c, what);
  if (t === "i32" || t === "i64" || t === "f32" || t === "f64" || t === "v128") {
    c.fail(`Cannot read ${what}: ${t} is not a reference type`, start);
  }
  return t;
}

/** Reads the params and results of a function type (after its 0x60 form byte). */
export function readFuncType(c: Cursor): FuncType {
  const np = c.readCount("parameter count", MAX_PARAMS, 1);
  const params: ValType[] = new Array(np);
  for (let i = 0; i < np; i++) params[i] = readValType(c, "parameter type");
  const nr = c.readCount("result count", MAX_RESULTS, 1);
  const results: ValType[] = new Array(nr);
  for (let i = 0; i < nr; i++) results[i] = readValType(c, "result type");
  return { params, results };
}
