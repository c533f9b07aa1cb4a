import assert from "node:assert/strict";
import {
  formatFuncType,
  funcTypesEqual,
  FuncTypeSyntaxError,
  parseFuncType,
} from "../../src/wasm/mod.ts";
import type { FuncType } from "../../src/wasm/mod.ts";

const ft = (params: string[], results: string[]): FuncType => ({ params, results });

Deno.test("formatFuncType() writes the issue's notation", async (t) => {
  const cases: [FuncType, string][] = [
    // The type the issue names for orjson's env._PyLong_AsByteArray import.
    [ft(["i32", "i32", "i32", "i32", "i32"], ["i32"]), "(i32, i32, i32, i32, i32) -> i32"],
    [ft(["i32", "i32"], ["i32"]), "(i32, i32) -> i32"],
    [ft([], []), "() -> ()"],
    [ft(["i64"], []), "(i64) -> ()"],
    [ft([], ["f64"]), "() -> f64"],
    [ft(["i32"], ["i32", "i64"]), "(i32) -> (i32, i64)"],
    [
      ft(["externref", "funcref", "v128"], ["externref"]),
      "(externref, funcref, v128) -> externref",
    ],
    [ft(["(ref null 3)", "(ref func)"], ["(ref 0)"]), "((ref null 3), (ref func)) -> (ref 0)"],
  ];
  for (const [type, text] of cases) {
    await t.step(text, () => {
      assert.equal(formatFuncType(type), text);
      assert.deepEqual(parseFuncType(text), type);
    });
  }
});

Deno.test("parseFuncType() writes (ref null func) as its shorthand funcref", () => {
  assert.deepEqual(
    parseFuncType("((ref null func)) -> (ref null extern)"),
    ft(["funcref"], ["externref"]),
  );
  assert.deepEqual(parseFuncType("() -> (ref null any)"), ft([], ["anyref"]));
});

Deno.test("parseFuncType() rejects text formatFuncType never writes", async (t) => {
  const cases: [string, string, number][] = [
    ["i32 -> i32", 'Cannot parse function type: expected "("', 0],
    ["(i32 -> i32", 'Cannot parse function type: expected ", "', 4],
    ["(i32)->i32", 'Cannot parse function type: expected " -> "', 5],
    [
      "(i32) -> (i32)",
      "Cannot parse function type: a single result is written without parentheses",
      9,
    ],
    ["(i33) -> ()", 'Cannot parse function type: unknown value type "i33"', 1],
    ["(i32,i32) -> ()", 'Cannot parse function type: expected ", "', 4],
    ["(i32) -> () x", "Cannot parse function type: unexpected text after the results", 11],
    ["((ref null foo)) -> ()", 'Cannot parse function type: unknown heap type "foo"', 11],
    ["((ref 01)) -> ()", 'Cannot parse function type: unknown heap type "01"', 6],
    ["() -> ", "Cannot parse function type: expected a value type", 6],
  ];
  for (const [text, reason, index] of cases) {
    await t.step(JSON.stringify(text), () => {
      let caught: unknown;
      try {
        parseFuncType(text);
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof FuncTypeSyntaxError);
      assert.ok(caught instanceof SyntaxError);
      assert.equal(caught.message, `${reason} (at character ${index} of ${JSON.stringify(text)})`);
      assert.equal(caught.index, index);
      assert.equal(caught.input, text);
    });
  }
});

Deno.test("funcTypesEqual() compares params and results in order", () => {
  assert.ok(funcTypesEqual(ft(["i32", "i64"], ["i32"]), parseFuncType("(i32, i64) -> i32")));
  assert.ok(!funcTypesEqual(ft(["i64", "i32"], ["i32"]), ft(["i32", "i64"], ["i32"])));
  assert.ok(!funcTypesEqual(ft(["i32"], []), ft(["i32"], ["i32"])));
  // The 3.12 → 3.13 break of _PyLong_AsByteArray: one more i32 parameter.
  assert.ok(
    !funcTypesEqual(
      parseFuncType("(i32, i32, i32, i32, i32) -> i32"),
      parseFuncType("(i32, i32, i32, i32, i32, i32) -> i32"),
    ),
  );
});
