/**
 * Function types as text: `(i32, i32) -> i32`, `() -> ()`, `(i64) -> (i32, i32)`.
 *
 * @module
 */
import type { FuncType, ValType } from "./types.ts";
import { FuncTypeSyntaxError } from "./errors.ts";
import { formatRefType, HEAP_TYPE_NAMES, VALUE_TYPE_WORDS } from "./_value_types.ts";

const HEAP_WORDS: ReadonlySet<string> = new Set(HEAP_TYPE_NAMES.values());

/**
 * Writes a function type: parameters in parentheses joined by `, `; then ` -> `; then a single
 * result bare, no result as `()`, several results in parentheses.
 *
 * @example
 * ```ts
 * import { formatFuncType } from "./mod.ts";
 * formatFuncType({ params: ["i32", "i32", "i32", "i32", "i32"], results: ["i32"] });
 * // "(i32, i32, i32, i32, i32) -> i32"
 * formatFuncType({ params: [], results: [] }); // "() -> ()"
 * ```
 */
export function formatFuncType(t: FuncType): string {
  const results = t.results.length === 1 ? t.results[0] : `(${t.results.join(", ")})`;
  return `(${t.params.join(", ")}) -> ${results}`;
}

/**
 * Reads the text {@linkcode formatFuncType} writes. `(ref null func)` is accepted and becomes its
 * shorthand `funcref`.
 *
 * @throws {FuncTypeSyntaxError} on anything else
 * @example
 * ```ts
 * import { parseFuncType } from "./mod.ts";
 * parseFuncType("(i32, i64) -> (i32, i32)"); // { params: ["i32", "i64"], results: ["i32", "i32"] }
 * ```
 */
export function parseFuncType(text: string): FuncType {
  let i = 0;
  const fail = (reason: string): never => {
    throw new FuncTypeSyntaxError(`Cannot parse function type: ${reason}`, text, i);
  };
  const expect = (token: string): void => {
    if (!text.startsWith(token, i)) fail(`expected ${JSON.stringify(token)}`);
    i += token.length;
  };
  const readWord = (): string => {
    const start = i;
    while (i < text.length && /[a-z0-9]/.test(text[i])) i++;
    if (i === start) fail("expected a value type");
    return text.slice(start, i);
  };
  const readValType = (): ValType => {
    if (text.startsWith("(ref ", i)) {
      i += 5;
      const nullable = text.startsWith("null ", i);
      if (nullable) i += 5;
      const start = i;
      const heap = readWord();
      if (!HEAP_WORDS.has(heap) && !/^(0|[1-9][0-9]*)$/.test(heap)) {
        i = start;
        fail(`unknown heap type ${JSON.stringify(heap)}`);
      }
      expect(")");
      return formatRefType(nullable, heap);
    }
    const start = i;
    const word = readWord();
    if (!VALUE_TYPE_WORDS.has(word)) {
      i = start;
      fail(`unknown value type ${JSON.stringify(word)}`);
    }
    return word;
  };
  const readList = (): ValType[] => {
    expect("(");
    const list: ValType[] = [];
    if (text[i] === ")") {
      i++;
      return list;
    }
    for (;;) {
      list.push(readValType());
      if (text[i] === ")") {
        i++;
        return list;
      }
      expect(", ");
    }
  };

  const params = readList();
  expect(" -> ");
  let results: ValType[];
  if (text[i] === "(" && !text.startsWith("(ref ", i)) {
    const start = i;
    results = readList();
    if (results.length === 1) {
      i = start;
      fail("a single result is written without parentheses");
    }
  } else {
    results = [readValType()];
  }
  if (i !== text.length) fail("unexpected text after the results");
  return { params, results };
}

/**
 * True when both types have the same parameters and results, in order.
 *
 * @example
 * ```ts
 * import { funcTypesEqual, parseFuncType } from "./mod.ts";
 * funcTypesEqual(parseFuncType("(i32) -> i32"), { params: ["i32"], results: ["i32"] }); // true
 * ```
 */
export function funcTypesEqual(a: FuncType, b: FuncType): boolean {
  return sameList(a.params, b.params) && sameList(a.results, b.results);
}

function sameList(a: readonly ValType[], b: readonly ValType[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
