/**
 * The module emitter: LEB128 encoders against hand-worked values, and emitted modules read back
 * by the independent reader and validated/instantiated by V8.
 */
import assert from "node:assert/strict";
import {
  buildModule,
  encodeDylinkPayload,
  encodeSLEB128,
  encodeULEB128,
  OP,
} from "../../src/wasm/build_module.ts";
import { readWasmModule } from "../../src/wasm/mod.ts";

Deno.test("LEB128", async (t) => {
  await t.step("unsigned", () => {
    assert.deepEqual(encodeULEB128(0), [0]);
    assert.deepEqual(encodeULEB128(127), [0x7f]);
    assert.deepEqual(encodeULEB128(128), [0x80, 0x01]);
    assert.deepEqual(encodeULEB128(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(encodeULEB128(2 ** 32), [0x80, 0x80, 0x80, 0x80, 0x10]);
    assert.deepEqual(encodeULEB128(2n ** 63n), [...Array(9).fill(0x80), 0x01]);
    assert.throws(() => encodeULEB128(-1), RangeError);
  });
  await t.step("signed", () => {
    assert.deepEqual(encodeSLEB128(0), [0]);
    assert.deepEqual(encodeSLEB128(-1), [0x7f]);
    assert.deepEqual(encodeSLEB128(63), [0x3f]);
    assert.deepEqual(encodeSLEB128(64), [0xc0, 0x00]);
    assert.deepEqual(encodeSLEB128(-64), [0x40]);
    assert.deepEqual(encodeSLEB128(-65), [0xbf, 0x7f]);
    assert.deepEqual(encodeSLEB128(-123456), [0xc0, 0xbb, 0x78]);
    assert.deepEqual(encodeSLEB128(-(2n ** 63n)), [...Array(9).fill(0x80), 0x7f]);
  });
});

Deno.test("emitted modules read back and run", async (t) => {
  const bytes = buildModule({
    dylink: {
      memorySize: 1234,
      memoryAlign: 4,
      tableSize: 7,
      tableAlign: 0,
      needed: ["libdep.so"],
      exportInfo: [{ name: "tls_var", flags: 0x100 }],
      importInfo: [{ module: "env", name: "maybe", flags: 1 }],
      runtimePath: ["$ORIGIN/lib"],
    },
    imports: [
      {
        module: "env",
        name: "memory",
        kind: "memory",
        memory: { min: 1, max: 10, shared: false, is64: false },
      },
      {
        module: "env",
        name: "__indirect_function_table",
        kind: "table",
        table: { element: "funcref", limits: { min: 0, shared: false, is64: false } },
      },
      {
        module: "env",
        name: "__stack_pointer",
        kind: "global",
        global: { type: "i32", mutable: true },
      },
      { module: "env", name: "maybe", kind: "func", type: { params: ["i64"], results: ["f64"] } },
      {
        module: "env",
        name: "__cpp_exception",
        kind: "tag",
        tag: { params: ["i32"], results: [] },
      },
    ],
    functions: [
      {
        type: { params: ["i32", "i32"], results: ["i32"] },
        body: [OP.localGet, 0, OP.localGet, 1, OP.i32Add],
      },
      {
        type: { params: [], results: ["i32"] },
        locals: ["i32", "i32", "i64"],
        body: [OP.globalGet, 2],
      },
    ],
    // Global index space: the imported __stack_pointer is 0, these are 1, 2, 3.
    globals: [
      { type: { type: "i32", mutable: false }, init: { i32: -7 } },
      { type: { type: "i32", mutable: false }, init: { i32: 41 } },
      { type: { type: "i64", mutable: true }, init: { i64: -(2n ** 40n) } },
    ],
    tags: [{ params: ["f64"], results: [] }],
    exports: [
      { name: "add", kind: "func", index: 1 },
      { name: "answer", kind: "func", index: 2 },
      { name: "data_sym", kind: "global", index: 2 },
      { name: "big", kind: "global", index: 3 },
      { name: "my_tag", kind: "tag", index: 1 },
    ],
    data: [{ offset: { i32: 16 }, bytes: new Uint8Array([1, 2, 3]) }],
    dataCount: true,
    customSections: [{ name: "producers", payload: new Uint8Array([0]) }],
  });

  await t.step("V8 validates it", () => {
    assert.ok(WebAssembly.validate(bytes as BufferSource));
  });

  const facts = readWasmModule(bytes, { file: "emitted.wasm" });
  await t.step("dylink.0 comes first and reads back", () => {
    assert.equal(facts.sections[0].name, "dylink.0");
    assert.deepEqual(facts.dylink, {
      format: "dylink.0",
      memorySize: 1234,
      memoryAlign: 4,
      tableSize: 7,
      tableAlign: 0,
      needed: ["libdep.so"],
      exportInfo: [{ name: "tls_var", flags: 0x100 }],
      importInfo: [{ module: "env", name: "maybe", flags: 1 }],
      runtimePath: ["$ORIGIN/lib"],
      unknownSubsections: [],
    });
  });

  await t.step("imports of every kind, exports with types and values", () => {
    assert.deepEqual(facts.imports.map((i) => `${i.index}:${i.kind}:${i.name}`), [
      "0:memory:memory",
      "1:table:__indirect_function_table",
      "2:global:__stack_pointer",
      "3:func:maybe",
      "4:tag:__cpp_exception",
    ]);
    assert.deepEqual(facts.imports[0].memory, { min: 1, max: 10, shared: false, is64: false });
    assert.deepEqual(facts.imports[3].func, { params: ["i64"], results: ["f64"] });
    const ex = new Map(facts.exports.map((e) => [e.name, e]));
    assert.deepEqual(ex.get("add")!.func, { params: ["i32", "i32"], results: ["i32"] });
    assert.equal(ex.get("data_sym")!.value, 41);
    assert.equal(ex.get("big")!.value, -(2n ** 40n));
    assert.equal(ex.get("my_tag")!.kind, "tag");
    assert.equal(facts.dataCount, 1);
    assert.equal(facts.codeCount, 2);
    assert.ok(facts.customSections.includes("producers"));
  });

  await t.step("it instantiates and runs", async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    const tag = new (WebAssembly as unknown as { Tag: new (t: unknown) => object }).Tag({
      parameters: ["i32"],
    });
    const { instance } = await WebAssembly.instantiate(bytes as BufferSource, {
      env: {
        memory,
        __indirect_function_table: new WebAssembly.Table({ initial: 0, element: "anyfunc" }),
        __stack_pointer: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
        maybe: () => 0,
        __cpp_exception: tag,
      },
    } as WebAssembly.Imports);
    const e = instance.exports as { add(a: number, b: number): number; answer(): number };
    assert.equal(e.add(40, 2), 42);
    assert.equal(e.answer(), 41);
    assert.deepEqual([...new Uint8Array(memory.buffer, 16, 3)], [1, 2, 3]);
  });

  await t.step("legacy dylink and shared/64-bit limits", () => {
    const legacy = buildModule({
      dylink: { legacy: true, memorySize: 8, needed: ["a.so"] },
      memories: [{ min: 1, max: 2, shared: true, is64: false }],
    });
    const f = readWasmModule(legacy);
    assert.equal(f.dylink?.format, "dylink");
    assert.deepEqual(f.dylink?.needed, ["a.so"]);
    assert.deepEqual(f.memories[0], { min: 1, max: 2, shared: true, is64: false });
    assert.equal(encodeDylinkPayload({ legacy: true, memorySize: 8 })[0], 8);
    const m64 = readWasmModule(buildModule({ memories: [{ min: 1, shared: false, is64: true }] }));
    assert.deepEqual(m64.memories[0], { min: 1, shared: false, is64: true });
  });
});
