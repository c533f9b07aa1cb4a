/** readWasmModule() on modules the test generates: round trip through the emitter, and hand-written
 * bytes for what the emitter does not write (memory64, typed references, extended constants,
 * table initialisers, every element segment form, legacy dylink). */
import assert from "node:assert/strict";
import {
  buildModule,
  formatFuncType,
  OP,
  readWasmModule,
  WasmFormatError,
} from "../../src/wasm/mod.ts";
import type { FuncType, ModuleSpec, WasmModuleFacts } from "../../src/wasm/mod.ts";
import { checkTypesWithV8 } from "./_v8_oracle.ts";

const fn = (params: string[], results: string[]): FuncType => ({ params, results });
const enc = (s: string) => [...new TextEncoder().encode(s)];
const str = (s: string) => [enc(s).length, ...enc(s)];

/** target_features payload: `+atomics`, `-simd128`, `=tail-call`. */
const TARGET_FEATURES = [
  3,
  0x2b,
  ...str("atomics"),
  0x2d,
  ...str("simd128"),
  0x3d,
  ...str("tail-call"),
];
/** producers payload: language C11, processed-by clang 17 and rustc 1.80. */
const PRODUCERS = [
  2,
  ...str("language"),
  1,
  ...str("C11"),
  ...str(""),
  ...str("processed-by"),
  2,
  ...str("clang"),
  ...str("17.0.0"),
  ...str("rustc"),
  ...str("1.80.0"),
];

const SPEC: ModuleSpec = {
  dylink: {
    memorySize: 1024,
    memoryAlign: 4,
    tableSize: 3,
    tableAlign: 0,
    needed: ["libfoo.so", "libbar.so"],
    exportInfo: [{ name: "tls_var", flags: 0x100 }],
    importInfo: [{ module: "env", name: "maybe", flags: 1 }],
    runtimePath: ["$ORIGIN/lib"],
  },
  imports: [
    {
      module: "env",
      name: "memory",
      kind: "memory",
      memory: { min: 1, max: 100, shared: true, is64: false },
    },
    {
      module: "env",
      name: "__indirect_function_table",
      kind: "table",
      table: { element: "funcref", limits: { min: 3, shared: false, is64: false } },
    },
    {
      module: "env",
      name: "__memory_base",
      kind: "global",
      global: { type: "i32", mutable: false },
    },
    {
      module: "env",
      name: "_PyLong_AsByteArray",
      kind: "func",
      type: fn(["i32", "i32", "i32", "i32", "i32"], ["i32"]),
    },
    { module: "env", name: "__cpp_exception", kind: "tag", tag: fn(["i32"], []) },
    { module: "GOT.mem", name: "x", kind: "global", global: { type: "i32", mutable: true } },
    { module: "env", name: "PyLong_AsLongLong", kind: "func", type: fn(["i32"], ["i64"]) },
  ],
  functions: [
    { type: fn(["i32", "i32"], ["i32"]), body: [OP.localGet, 0, OP.localGet, 1, OP.i32Add] },
    { type: fn([], []), locals: ["i64", "i64", "f32"], body: [] },
  ],
  globals: [
    { type: { type: "i32", mutable: false }, init: { i32: -7 } },
    { type: { type: "i64", mutable: true }, init: { i64: -(2n ** 63n) } },
    { type: { type: "f32", mutable: false }, init: { f32: 1.5 } },
    { type: { type: "f64", mutable: false }, init: { f64: -0.25 } },
    { type: { type: "i32", mutable: false }, init: { globalGet: 0 } },
  ],
  tags: [fn(["i32", "i64"], [])],
  exports: [
    { name: "add", kind: "func", index: 2 },
    { name: "reexported", kind: "func", index: 0 },
    { name: "g_i32", kind: "global", index: 2 },
    { name: "g_i64", kind: "global", index: 3 },
    { name: "g_f32", kind: "global", index: 4 },
    { name: "g_f64", kind: "global", index: 5 },
    { name: "g_get", kind: "global", index: 6 },
    { name: "imported_global", kind: "global", index: 1 },
    { name: "own_tag", kind: "tag", index: 1 },
    { name: "cpp_tag", kind: "tag", index: 0 },
    { name: "mem", kind: "memory", index: 0 },
    { name: "tbl", kind: "table", index: 0 },
    { name: "__wasm_apply_data_relocs", kind: "func", index: 3 },
  ],
  start: 3,
  elements: [{ offset: { globalGet: 0 }, functions: [2, 3] }],
  data: [
    { offset: { i32: 16 }, bytes: new Uint8Array([1, 2, 3]) },
    { offset: { i32: 0 }, bytes: new Uint8Array([4, 5]), passive: true },
  ],
  dataCount: true,
  customSections: [
    { name: "target_features", payload: new Uint8Array(TARGET_FEATURES) },
    { name: "producers", payload: new Uint8Array(PRODUCERS) },
    // Never parsed, so garbage in them is no error.
    { name: "name", payload: new Uint8Array([0xff, 0xff, 0xff]) },
    { name: "my.custom", payload: new Uint8Array([0x80]) },
  ],
};

Deno.test("readWasmModule() reads back what the emitter wrote", async (t) => {
  const bytes = buildModule(SPEC);
  assert.ok(WebAssembly.validate(bytes), "V8 accepts the generated module");
  const facts = readWasmModule(bytes, { file: "gen.so" });

  await t.step("size, sections and custom sections", () => {
    assert.equal(facts.size, bytes.length);
    assert.deepEqual(
      facts.sections.map((s) => s.name ?? s.id),
      [
        "dylink.0",
        1,
        2,
        3,
        13,
        6,
        7,
        8,
        9,
        12,
        10,
        11,
        "target_features",
        "producers",
        "name",
        "my.custom",
      ],
    );
    assert.deepEqual(facts.customSections, [
      "dylink.0",
      "target_features",
      "producers",
      "name",
      "my.custom",
    ]);
    // Sections tile the module: each payload ends where the next section's id byte begins.
    let end = 8;
    for (const s of facts.sections) {
      assert.ok(s.offset > end && s.offset - end <= 6, `section ${s.id} at ${s.offset}`);
      end = s.offset + s.size;
    }
    assert.equal(end, bytes.length);
  });

  await t.step("imports, with their position among all imports", () => {
    assert.deepEqual(facts.imports, [
      {
        index: 0,
        module: "env",
        name: "memory",
        kind: "memory",
        memory: { min: 1, max: 100, shared: true, is64: false },
      },
      {
        index: 1,
        module: "env",
        name: "__indirect_function_table",
        kind: "table",
        table: { element: "funcref", limits: { min: 3, shared: false, is64: false } },
      },
      {
        index: 2,
        module: "env",
        name: "__memory_base",
        kind: "global",
        global: { type: "i32", mutable: false },
      },
      {
        index: 3,
        module: "env",
        name: "_PyLong_AsByteArray",
        kind: "func",
        func: fn(["i32", "i32", "i32", "i32", "i32"], ["i32"]),
      },
      {
        index: 4,
        module: "env",
        name: "__cpp_exception",
        kind: "tag",
        tag: { attribute: 0, type: fn(["i32"], []) },
      },
      {
        index: 5,
        module: "GOT.mem",
        name: "x",
        kind: "global",
        global: { type: "i32", mutable: true },
      },
      {
        index: 6,
        module: "env",
        name: "PyLong_AsLongLong",
        kind: "func",
        func: fn(["i32"], ["i64"]),
      },
    ]);
    assert.equal(formatFuncType(facts.imports[3].func!), "(i32, i32, i32, i32, i32) -> i32");
  });

  await t.step("functions, globals, tags, start, counts", () => {
    assert.deepEqual(facts.functions.map((i) => formatFuncType(facts.types[i])), [
      "(i32, i32) -> i32",
      "() -> ()",
    ]);
    assert.equal(facts.codeCount, 2);
    assert.equal(facts.dataSegmentCount, 2);
    assert.equal(facts.dataCount, 2);
    assert.equal(facts.start, 3);
    assert.deepEqual(facts.tags, [{ attribute: 0, type: fn(["i32", "i64"], []) }]);
    assert.deepEqual(facts.globals, [
      { index: 2, type: { type: "i32", mutable: false }, value: -7 },
      { index: 3, type: { type: "i64", mutable: true }, value: -(2n ** 63n) },
      { index: 4, type: { type: "f32", mutable: false }, value: 1.5 },
      { index: 5, type: { type: "f64", mutable: false }, value: -0.25 },
      { index: 6, type: { type: "i32", mutable: false }, initGlobal: 0 },
    ]);
  });

  await t.step("exports resolved through the index spaces, imports first", () => {
    const byName = Object.fromEntries(facts.exports.map((e) => [e.name, e]));
    assert.equal(facts.exports.length, SPEC.exports!.length);
    assert.deepEqual(byName.add, {
      name: "add",
      kind: "func",
      index: 2,
      func: fn(["i32", "i32"], ["i32"]),
    });
    assert.deepEqual(byName.reexported.func, fn(["i32", "i32", "i32", "i32", "i32"], ["i32"]));
    assert.deepEqual(byName.__wasm_apply_data_relocs.func, fn([], []));
    assert.deepEqual(byName.g_i32, {
      name: "g_i32",
      kind: "global",
      index: 2,
      global: { type: "i32", mutable: false },
      value: -7,
    });
    assert.equal(byName.g_i64.value, -(2n ** 63n));
    assert.equal(byName.g_f32.value, 1.5);
    assert.equal(byName.g_f64.value, -0.25);
    assert.equal("value" in byName.g_get, false);
    assert.deepEqual(byName.imported_global.global, { type: "i32", mutable: true });
    assert.equal("value" in byName.imported_global, false);
    assert.deepEqual(byName.own_tag.tag, { attribute: 0, type: fn(["i32", "i64"], []) });
    assert.deepEqual(byName.cpp_tag.tag, { attribute: 0, type: fn(["i32"], []) });
    assert.deepEqual(byName.mem.memory, { min: 1, max: 100, shared: true, is64: false });
    assert.deepEqual(byName.tbl.table, {
      element: "funcref",
      limits: { min: 3, shared: false, is64: false },
    });
  });

  await t.step("dylink.0, target_features, producers", () => {
    assert.deepEqual(facts.dylink, {
      format: "dylink.0",
      memorySize: 1024,
      memoryAlign: 4,
      tableSize: 3,
      tableAlign: 0,
      needed: ["libfoo.so", "libbar.so"],
      exportInfo: [{ name: "tls_var", flags: 0x100 }],
      importInfo: [{ module: "env", name: "maybe", flags: 1 }],
      runtimePath: ["$ORIGIN/lib"],
      unknownSubsections: [],
    });
    assert.deepEqual(facts.targetFeatures, [
      { prefix: "+", name: "atomics" },
      { prefix: "-", name: "simd128" },
      { prefix: "=", name: "tail-call" },
    ]);
    assert.deepEqual(facts.producers, {
      language: [{ name: "C11", version: "" }],
      "processed-by": [{ name: "clang", version: "17.0.0" }, { name: "rustc", version: "1.80.0" }],
    });
  });

  await t.step("V8 agrees with every import and export type and global value", () => {
    assert.equal(checkTypesWithV8(bytes, facts), true);
  });

  await t.step("facts hold no byte arrays (bodies are skipped, not copied)", () => {
    const seen: unknown[] = [facts];
    while (seen.length) {
      const v = seen.pop();
      assert.ok(!ArrayBuffer.isView(v), "a typed array in the facts");
      if (v !== null && typeof v === "object") seen.push(...Object.values(v));
    }
  });
});

// ---- hand-written bytes ----------------------------------------------------------------------

function u32(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const sec = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const mod = (...sections: number[][]) => new Uint8Array([...HEADER, ...sections.flat()]);
const END = 0x0b;

/** A module using the proposals the emitter does not write. */
function featuresModule(): Uint8Array {
  return mod(
    sec(0, [...str("dylink"), 8, 2, 5, 1, 2, ...str("liba.so"), ...str("libb.so")]),
    sec(1, [
      3,
      // type 0: ((ref null 0)) -> (ref func)
      0x60,
      1,
      0x63,
      0x00,
      1,
      0x64,
      0x70,
      // type 1: (v128, externref, funcref) -> ()
      0x60,
      3,
      0x7b,
      0x6f,
      0x70,
      0,
      // type 2: () -> ()
      0x60,
      0,
      0,
    ]),
    sec(2, [
      2,
      // memory64 with max 2^40; then a shared memory64 without max
      ...str("env"),
      ...str("mem64"),
      2,
      0x05,
      1,
      ...u32(2n ** 40n),
      ...str("env"),
      ...str("shared64"),
      2,
      0x06,
      3,
    ]),
    sec(3, [1, 2]),
    sec(4, [
      2,
      // table with an initialiser: 0x40 0x00, funcref min 1, ref.null func
      0x40,
      0x00,
      0x70,
      0x00,
      1,
      0xd0,
      0x70,
      END,
      // table64 of externref, min 0 max 5
      0x6f,
      0x05,
      0,
      5,
    ]),
    sec(13, [1, 0, 1]),
    sec(6, [
      7,
      // i32: 7 * 6 - 2 = 40 (extended const)
      0x7f,
      0,
      0x41,
      7,
      0x41,
      6,
      0x6c,
      0x41,
      2,
      0x6b,
      END,
      // i32: 0x7fffffff + 1 wraps to -2^31
      0x7f,
      0,
      0x41,
      0xff,
      0xff,
      0xff,
      0xff,
      0x07,
      0x41,
      1,
      0x6a,
      END,
      // i64: -3 * 5 = -15
      0x7e,
      0,
      0x42,
      0x7d,
      0x42,
      5,
      0x7e,
      END,
      // v128.const
      0x7b,
      0,
      0xfd,
      0x0c,
      ...new Array(16).fill(0),
      END,
      // funcref: ref.func 0
      0x70,
      0,
      0xd2,
      0,
      END,
      // externref: ref.null extern
      0x6f,
      1,
      0xd0,
      0x6f,
      END,
      // i32: global.get 0 + 1: not constant here
      0x7f,
      0,
      0x23,
      0,
      0x41,
      1,
      0x6a,
      END,
    ]),
    sec(7, [1, ...str("g40"), 3, 0]),
    sec(9, [
      7,
      1,
      0x00,
      1,
      0, // passive, elemkind funcref, [f0]
      3,
      0x00,
      1,
      0, // declarative
      4,
      0x41,
      0,
      END,
      1,
      0xd2,
      0,
      END, // active table 0, exprs
      5,
      0x70,
      1,
      0xd0,
      0x70,
      END, // passive, funcref exprs
      7,
      0x70,
      0, // declarative, no exprs
      2,
      0,
      0x41,
      0,
      END,
      0x00,
      2,
      0,
      0, // active explicit table 0, elemkind, [f0, f0]
      6,
      0,
      0x41,
      0,
      END,
      0x70,
      1,
      0xd2,
      0,
      END, // active explicit table, reftype, exprs
    ]),
    sec(12, [3]),
    sec(10, [1, 2, 0, END]),
    sec(11, [3, 0, 0x41, 0, END, 2, 9, 9, 1, 0, 2, 1, 0x41, 8, END, 1, 7]),
  );
}

Deno.test("readWasmModule() reads memory64, typed references, extended constants and all element forms", () => {
  const f = readWasmModule(featuresModule());
  assert.deepEqual(f.types.map(formatFuncType), [
    "((ref null 0)) -> (ref func)",
    "(v128, externref, funcref) -> ()",
    "() -> ()",
  ]);
  assert.deepEqual(f.imports.map((i) => i.memory), [
    { min: 1, max: 2 ** 40, shared: false, is64: true },
    { min: 3, shared: true, is64: true },
  ]);
  assert.deepEqual(f.tables, [
    { element: "funcref", limits: { min: 1, shared: false, is64: false } },
    { element: "externref", limits: { min: 0, max: 5, shared: false, is64: true } },
  ]);
  assert.deepEqual(f.tags, [{ attribute: 0, type: fn(["v128", "externref", "funcref"], []) }]);
  assert.deepEqual(f.globals.map((g) => g.value), [
    40,
    -(2 ** 31),
    -15n,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(f.globals.map((g) => g.type), [
    { type: "i32", mutable: false },
    { type: "i32", mutable: false },
    { type: "i64", mutable: false },
    { type: "v128", mutable: false },
    { type: "funcref", mutable: false },
    { type: "externref", mutable: true },
    { type: "i32", mutable: false },
  ]);
  assert.equal(f.globals.some((g) => "initGlobal" in g), false);
  assert.deepEqual(f.exports, [{
    name: "g40",
    kind: "global",
    index: 0,
    global: { type: "i32", mutable: false },
    value: 40,
  }]);
  assert.equal(f.codeCount, 1);
  assert.equal(f.dataSegmentCount, 3);
  assert.deepEqual(f.dylink, {
    format: "dylink",
    memorySize: 8,
    memoryAlign: 2,
    tableSize: 5,
    tableAlign: 1,
    needed: ["liba.so", "libb.so"],
    exportInfo: [],
    importInfo: [],
    runtimePath: [],
    unknownSubsections: [],
  });
});

Deno.test("readWasmModule() reads a heap type in a padded s33 form", () => {
  // 0x63 then -16 written in two bytes (0xf0 0x7f): a nullable func reference, i.e. funcref.
  const f = readWasmModule(mod(sec(1, [1, 0x60, 1, 0x63, 0xf0, 0x7f, 0])));
  assert.equal(formatFuncType(f.types[0]), "(funcref) -> ()");
});

Deno.test("readWasmModule() keeps unknown dylink.0 subsections and accumulates repeated ones", () => {
  const dylink0 = [
    ...str("dylink.0"),
    7,
    3,
    0xff,
    0xff,
    0xff, // unknown subsection 7: skipped whatever it holds
    2,
    4,
    1,
    ...str("la"),
    1,
    4,
    1,
    2,
    3,
    4, // MEM_INFO
    2,
    4,
    1,
    ...str("lb"), // NEEDED again: appended, as Emscripten's loader does
    1,
    4,
    5,
    6,
    7,
    0, // MEM_INFO again: the last one wins
    9,
    0,
  ];
  const f = readWasmModule(mod(sec(0, dylink0)));
  assert.deepEqual(f.dylink?.unknownSubsections, [7, 9]);
  assert.deepEqual(f.dylink?.needed, ["la", "lb"]);
  assert.deepEqual(
    [f.dylink?.memorySize, f.dylink?.memoryAlign, f.dylink?.tableSize, f.dylink?.tableAlign],
    [5, 6, 7, 0],
  );
});

Deno.test("readWasmModule() treats dylink.0 and legacy dylink as one fact", () => {
  const both = mod(sec(0, [...str("dylink.0")]), sec(0, [...str("dylink"), 0, 0, 0, 0, 0]));
  let caught: unknown;
  try {
    readWasmModule(both);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof WasmFormatError);
  assert.equal(
    caught.reason,
    'Cannot read section "dylink": duplicate section, the first is at offset 0x8',
  );
  assert.equal(caught.offset, 19);
});

Deno.test("readWasmModule() reads an empty module", () => {
  const f: WasmModuleFacts = readWasmModule(mod());
  assert.deepEqual(f, {
    size: 8,
    sections: [],
    types: [],
    imports: [],
    functions: [],
    tables: [],
    memories: [],
    globals: [],
    tags: [],
    exports: [],
    codeCount: 0,
    dataSegmentCount: 0,
    customSections: [],
  });
});
