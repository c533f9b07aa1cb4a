/**
 * What a check compiles: the module without custom sections no check can observe (a debug
 * build's DWARF), with `name` and the loader's metadata kept, and exports trimmed when asked.
 */
import assert from "node:assert/strict";
import { buildModule, encodeULEB128, OP } from "../../src/wasm/build_module.ts";
import { readWasmModule } from "../../src/wasm/read_module.ts";
import { compilableBytes } from "../../src/link/_strip_exports.ts";

const VOID = { params: [], results: [] };
const DEBUG_BYTES = 64 * 1024;

function moduleWithDebugInfo(): Uint8Array {
  return buildModule({
    dylink: { memorySize: 0 },
    functions: [
      { type: VOID, body: [OP.nop] },
      { type: VOID, body: [OP.nop] },
    ],
    exports: [
      { name: "__wasm_call_ctors", kind: "func", index: 0 },
      { name: "unused", kind: "func", index: 1 },
    ],
    customSections: [
      { name: ".debug_info", payload: new Uint8Array(DEBUG_BYTES).fill(0xab) },
      { name: "name", payload: new Uint8Array(0) },
      { name: "producers", payload: new Uint8Array([0]) },
    ],
  });
}

const sectionNames = (bytes: Uint8Array, name: string) =>
  WebAssembly.Module.customSections(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), name)
    .length;

Deno.test("compilableBytes drops unobservable custom sections, keeps name and dylink.0", () => {
  const bytes = moduleWithDebugInfo();
  const facts = readWasmModule(bytes);
  const out = compilableBytes(bytes, facts);
  assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>));
  assert.ok(out.length < bytes.length - DEBUG_BYTES, `${out.length} of ${bytes.length} bytes`);
  assert.equal(sectionNames(out, ".debug_info"), 0);
  assert.equal(sectionNames(out, "producers"), 0);
  assert.equal(sectionNames(out, "name"), 1);
  assert.equal(sectionNames(out, "dylink.0"), 1);
  // Code and exports untouched.
  const m = new WebAssembly.Module(out as Uint8Array<ArrayBuffer>);
  assert.deepEqual(WebAssembly.Module.exports(m).map((e) => e.name), [
    "__wasm_call_ctors",
    "unused",
  ]);
});

Deno.test("compilableBytes with a kept set trims exports and drops the DWARF too", () => {
  const bytes = moduleWithDebugInfo();
  const out = compilableBytes(bytes, readWasmModule(bytes), new Set());
  const m = new WebAssembly.Module(out as Uint8Array<ArrayBuffer>);
  assert.deepEqual(WebAssembly.Module.exports(m).map((e) => e.name), ["__wasm_call_ctors"]);
  assert.equal(sectionNames(out, ".debug_info"), 0);
  assert.equal(sectionNames(out, "dylink.0"), 1);
});

Deno.test("compilableBytes returns the bytes themselves when nothing is dropped", () => {
  const bytes = buildModule({ dylink: { memorySize: 0 } });
  assert.equal(compilableBytes(bytes, readWasmModule(bytes)), bytes);
});

Deno.test("compilableBytes finds a custom section whose size is a padded LEB128", () => {
  // Linkers may write section sizes as 5-byte LEBs: `0x85 0x80 0x80 0x80 0x00` is 5.
  const plain = buildModule({ dylink: { memorySize: 0 } });
  const name = new TextEncoder().encode(".debug_line");
  const payload = new Uint8Array([...encodeULEB128(name.length), ...name, 1, 2, 3]);
  const size = payload.length;
  const padded = [0x80 | (size & 0x7f), 0x80 | ((size >> 7) & 0x7f), 0x80, 0x80, 0x00];
  const bytes = new Uint8Array([...plain, 0x00, ...padded, ...payload]);
  const facts = readWasmModule(bytes);
  assert.ok(facts.customSections.includes(".debug_line"));
  const out = compilableBytes(bytes, facts);
  assert.deepEqual([...out], [...plain]);
});
