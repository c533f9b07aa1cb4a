/** LEB128 decoding of the private cursor, on encodings worked out from the spec by hand. */
import assert from "node:assert/strict";
import { Cursor } from "../../src/wasm/_cursor.ts";
import { WasmFormatError } from "../../src/wasm/errors.ts";

const at = (bytes: number[], base = 100) =>
  new Cursor(new Uint8Array(bytes), base, "the test", "test", { file: "t.wasm" });

function failure(f: () => unknown): WasmFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof WasmFormatError) return e;
    throw e;
  }
  throw new Error("no error");
}

Deno.test("Cursor reads unsigned LEB128 u32", () => {
  const cases: [number[], number][] = [
    [[0x00], 0],
    [[0x7f], 127],
    [[0x80, 0x01], 128],
    [[0xe5, 0x8e, 0x26], 624485], // the DWARF spec example
    [[0x80, 0x80, 0x80, 0x80, 0x00], 0], // padded to the full 5 bytes: allowed
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 4294967295],
  ];
  for (const [bytes, value] of cases) {
    const c = at(bytes);
    assert.equal(c.readVarU32("x"), value);
    assert.equal(c.pos, bytes.length);
  }
});

Deno.test("Cursor reads signed LEB128 s32 and s64, and u64", () => {
  const s32: [number[], number][] = [
    [[0x7f], -1],
    [[0x80, 0x7f], -128],
    [[0xc0, 0xbb, 0x78], -123456], // the DWARF spec example
    [[0xff, 0xff, 0xff, 0xff, 0x07], 2147483647],
    [[0x80, 0x80, 0x80, 0x80, 0x78], -2147483648],
  ];
  for (const [bytes, value] of s32) assert.equal(at(bytes).readVarS32("x"), value);
  const ones = (n: number) => new Array(n).fill(0xff);
  const zeros = (n: number) => new Array(n).fill(0x80);
  assert.equal(at([0x7f]).readVarS64("x"), -1n);
  assert.equal(at([...zeros(9), 0x7f]).readVarS64("x"), -(2n ** 63n));
  assert.equal(at([...ones(9), 0x00]).readVarS64("x"), 2n ** 63n - 1n);
  assert.equal(at([...ones(9), 0x01]).readVarU64("x"), 2n ** 64n - 1n);
  assert.equal(at([0xe5, 0x8e, 0x26]).readVarU64("x"), 624485n);
  // s33 heap types: 0x70 is -16 (func), also in a padded 2-byte form; 0xc0 0x00 is index 64.
  const s33: [number[], number][] = [
    [[0x70], -16],
    [[0xf0, 0x7f], -16],
    [[0xc0, 0x00], 64],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 2 ** 32 - 1],
    [[0x80, 0x80, 0x80, 0x80, 0x70], -(2 ** 32)],
  ];
  for (const [bytes, value] of s33) assert.equal(at(bytes).readVarS33("x"), value);
});

Deno.test("Cursor rejects bad LEB128 with distinct messages at the LEB's first byte", () => {
  const cases: [() => unknown, string][] = [
    [() => at([0x80]).readVarU32("x"), "Cannot read x: truncated LEB128 integer"],
    [() => at([]).readVarU32("x"), "Cannot read x: unexpected end of the test"],
    [
      () => at([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).readVarU32("x"),
      "Cannot read x: LEB128 integer longer than 5 bytes",
    ],
    [
      () => at([0xff, 0xff, 0xff, 0xff, 0x10]).readVarU32("x"),
      "Cannot read x: LEB128 value does not fit in 32 bits",
    ],
    // Sign bit set (0x08) but bits 4..6 not all set.
    [
      () => at([0xff, 0xff, 0xff, 0xff, 0x4f]).readVarS32("x"),
      "Cannot read x: LEB128 value does not fit in 32 bits",
    ],
    [
      () => at([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).readVarS32("x"),
      "Cannot read x: LEB128 integer longer than 5 bytes",
    ],
    [
      () => at([0xff, 0xff, 0xff, 0xff, 0x1f]).readVarS33("x"),
      "Cannot read x: LEB128 value does not fit in 33 bits",
    ],
    [
      () => at([...new Array(10).fill(0x80), 0x00]).readVarS64("x"),
      "Cannot read x: LEB128 integer longer than 10 bytes",
    ],
    [
      () => at([...new Array(9).fill(0xff), 0x02]).readVarU64("x"),
      "Cannot read x: LEB128 value does not fit in 64 bits",
    ],
    [
      () => at([...new Array(9).fill(0xff), 0x01]).readVarU64Number("x"),
      "Cannot read x: value 18446744073709551615 is larger than 2^53 - 1",
    ],
  ];
  for (const [f, reason] of cases) {
    const e = failure(f);
    assert.equal(e.reason, reason);
    assert.equal(e.offset, 100);
    assert.equal(e.section, "test");
    assert.equal(e.file, "t.wasm");
  }
});

Deno.test("Cursor windows are views of the same bytes with absolute offsets", () => {
  const bytes = new Uint8Array([3, 0x61, 0x62, 0x63, 9]);
  const c = new Cursor(bytes, 1000, "the test", undefined, {});
  const w = c.window(4, "w", 1000, "the window", "s");
  assert.equal(w.bytes.buffer, bytes.buffer);
  assert.equal(w.base, 1000);
  assert.equal(w.readName("n"), "abc");
  w.expectEnd();
  assert.equal(c.offset, 1004);
  const e = failure(() => c.window(2, "w", 1004, "x", undefined));
  assert.equal(e.reason, "Cannot read w: size 2 runs past the end of the test (1 byte left)");
  assert.equal(e.offset, 1004);
});

Deno.test("Cursor.readName keeps a leading BOM and decodes UTF-8", () => {
  const text = "\uFEFFé€𝄞";
  const utf8 = new TextEncoder().encode(text);
  const c = at([utf8.length, ...utf8]);
  assert.equal(c.readName("n"), text);
  // An overlong encoding of "/" is not UTF-8.
  assert.equal(
    failure(() => at([2, 0xc0, 0xaf]).readName("n")).reason,
    "Cannot read n: invalid UTF-8",
  );
});
