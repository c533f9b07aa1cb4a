/** deriveAbiFeatures() on small modules the test builds, one per flavour. */
import assert from "node:assert/strict";
import JSZip from "jszip";
import {
  buildModule,
  deriveAbiFeatures,
  deriveI64Interface,
  formatFuncType,
  readWasmModule,
} from "../../src/wasm/mod.ts";
import type { AbiFeatures, FuncType, ImportSpec, ModuleSpec } from "../../src/wasm/mod.ts";
import { MIRROR } from "./_corpus.ts";

const fn = (params: string[], results: string[]): FuncType => ({ params, results });
const V_V = fn([], []);
const envFunc = (name: string, type: FuncType = V_V): ImportSpec => ({
  module: "env",
  name,
  kind: "func",
  type,
});
const envTag = (name: string): ImportSpec => ({
  module: "env",
  name,
  kind: "tag",
  tag: fn(["i32"], []),
});
const str = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [b.length, ...b];
};
const features = (...names: string[]) => ({
  name: "target_features",
  payload: new Uint8Array([names.length, ...names.flatMap((n) => [0x2b, ...str(n)])]),
});

function derive(spec: ModuleSpec, cpythonSuffix?: string): AbiFeatures {
  const bytes = buildModule(spec);
  return deriveAbiFeatures(readWasmModule(bytes), { cpythonSuffix });
}

const EVIDENCE_KEYS = [
  "exceptions",
  "setjmp",
  "bigint",
  "i64Interface",
  "threads",
  "atomics",
  "simd128",
  "memory64",
  "tailCall",
  "needsDataRelocs",
  "needed",
  "pythonVersion",
].sort();

Deno.test("deriveAbiFeatures() tells the exception and setjmp flavours apart", async (t) => {
  const cases: {
    why: string;
    imports: ImportSpec[];
    exceptions: AbiFeatures["exceptions"];
    setjmp: AbiFeatures["setjmp"];
    evidence?: Partial<Record<string, string>>;
  }[] = [
    {
      why: "nothing at all",
      imports: [envFunc("PyList_New", fn(["i32"], ["i32"]))],
      exceptions: "none",
      setjmp: "none",
      evidence: {
        exceptions: "no exception tags, no invoke_*/__cxa_find_matching_catch_* imports",
        setjmp: "no __c_longjmp tag, no setjmp/longjmp runtime imports",
      },
    },
    {
      why: "wasm exceptions: tag env.__cpp_exception (0.28+)",
      imports: [envTag("__cpp_exception"), envFunc("__cxa_throw", fn(["i32", "i32", "i32"], []))],
      exceptions: "wasm",
      setjmp: "none",
      evidence: { exceptions: "import env.__cpp_exception (tag)" },
    },
    {
      why: "wasm exceptions: another env tag",
      imports: [envTag("__rust_panic")],
      exceptions: "wasm",
      setjmp: "none",
      evidence: { exceptions: "import env.__rust_panic (tag)" },
    },
    {
      why: "JS exceptions: invoke_* with __cxa_find_matching_catch_2 and __resumeException (≤0.27)",
      imports: [
        envFunc("invoke_vi", fn(["i32", "i32"], [])),
        envFunc("__cxa_find_matching_catch_2", fn([], ["i32"])),
        envFunc("__resumeException", fn(["i32"], [])),
      ],
      exceptions: "js",
      setjmp: "none",
      evidence: {
        exceptions:
          "import env.__cxa_find_matching_catch_2, env.__resumeException, 1 invoke_* (e.g. env.invoke_vi)",
      },
    },
    {
      why: "JS exceptions: invoke_* with __cxa_throw",
      imports: [
        envFunc("invoke_v", fn(["i32"], [])),
        envFunc("__cxa_throw", fn(["i32", "i32", "i32"], [])),
      ],
      exceptions: "js",
      setjmp: "none",
    },
    {
      why: "__cxa_throw alone: throws, never catches, either scheme",
      imports: [envFunc("__cxa_throw", fn(["i32", "i32", "i32"], []))],
      exceptions: "none",
      setjmp: "none",
      evidence: {
        exceptions: "import env.__cxa_throw only: throws but never catches, no flavour needed",
      },
    },
    {
      why: "JS setjmp, Emscripten ≤ 3.1.56: saveSetjmp/testSetjmp with invoke_*",
      imports: [
        envFunc("invoke_vii", fn(["i32", "i32", "i32"], [])),
        envFunc("saveSetjmp", fn(["i32", "i32", "i32", "i32"], ["i32"])),
        envFunc("testSetjmp", fn(["i32", "i32", "i32"], ["i32"])),
        envFunc("emscripten_longjmp", fn(["i32", "i32"], [])),
      ],
      exceptions: "none",
      setjmp: "emscripten-js",
      evidence: {
        setjmp:
          "import env.saveSetjmp, env.testSetjmp (JS setjmp, Emscripten ≤ 3.1.56), with env.emscripten_longjmp",
        exceptions: "1 invoke_* imports serve JS setjmp only, no C++ ABI imports",
      },
    },
    {
      why: "JS setjmp, Emscripten ≥ 3.1.57: __wasm_setjmp/__wasm_setjmp_test with invoke_*",
      imports: [
        envFunc("invoke_vii", fn(["i32", "i32", "i32"], [])),
        envFunc("__wasm_setjmp", fn(["i32", "i32", "i32"], [])),
        envFunc("__wasm_setjmp_test", fn(["i32", "i32"], ["i32"])),
        envFunc("emscripten_longjmp", fn(["i32", "i32"], [])),
      ],
      exceptions: "none",
      setjmp: "wasm-sjlj",
      evidence: {
        setjmp:
          "import env.__wasm_setjmp, env.__wasm_setjmp_test without tag __c_longjmp (JS setjmp, Emscripten ≥ 3.1.57), with env.emscripten_longjmp",
      },
    },
    {
      why: "wasm setjmp: tag env.__c_longjmp",
      imports: [
        envTag("__c_longjmp"),
        envFunc("__wasm_setjmp", fn(["i32", "i32", "i32"], [])),
        envFunc("__wasm_setjmp_test", fn(["i32", "i32"], ["i32"])),
        envFunc("__wasm_longjmp", fn(["i32", "i32"], [])),
      ],
      exceptions: "none",
      setjmp: "wasm-tag",
      evidence: {
        setjmp:
          "import env.__c_longjmp (tag) with env.__wasm_setjmp, env.__wasm_setjmp_test, env.__wasm_longjmp",
      },
    },
    {
      why: "longjmp without setjmp",
      imports: [
        envFunc("invoke_vi", fn(["i32", "i32"], [])),
        envFunc("emscripten_longjmp", fn(["i32", "i32"], [])),
      ],
      exceptions: "none",
      setjmp: "emscripten-js",
      evidence: {
        setjmp:
          "import env.emscripten_longjmp only (longjmp without setjmp; either JS setjmp naming)",
      },
    },
    {
      why: "JS exceptions and JS setjmp together",
      imports: [
        envFunc("invoke_ii", fn(["i32", "i32"], ["i32"])),
        envFunc("__cxa_find_matching_catch_3", fn(["i32"], ["i32"])),
        envFunc("saveSetjmp", fn(["i32", "i32", "i32", "i32"], ["i32"])),
      ],
      exceptions: "js",
      setjmp: "emscripten-js",
    },
    {
      why: "invoke_* from another module than env counts for nothing",
      imports: [{ module: "foo", name: "invoke_vi", kind: "func", type: fn(["i32", "i32"], []) }],
      exceptions: "none",
      setjmp: "none",
    },
  ];
  for (const c of cases) {
    await t.step(c.why, () => {
      const abi = derive({ imports: c.imports });
      assert.equal(abi.exceptions, c.exceptions);
      assert.equal(abi.setjmp, c.setjmp);
      for (const [key, text] of Object.entries(c.evidence ?? {})) {
        assert.equal(abi.evidence[key], text);
      }
      assert.deepEqual(Object.keys(abi.evidence).sort(), EVIDENCE_KEYS);
    });
  }
});

Deno.test("deriveAbiFeatures() sees tags a main module exports (314-style)", () => {
  const abi = derive({
    tags: [fn(["i32"], []), fn(["i32"], [])],
    exports: [{ name: "__cpp_exception", kind: "tag", index: 0 }, {
      name: "__c_longjmp",
      kind: "tag",
      index: 1,
    }],
  });
  assert.equal(abi.exceptions, "wasm");
  assert.equal(abi.setjmp, "wasm-tag");
  assert.equal(abi.evidence.exceptions, "export __cpp_exception (tag)");
});

Deno.test("deriveAbiFeatures() finds i64 at the JS boundary", async (t) => {
  await t.step("an env function import with i64", () => {
    const abi = derive({
      imports: [envFunc("PyLong_AsLongLong", fn(["i32"], ["i64"])), envFunc("f", fn(["i64"], []))],
    });
    assert.equal(abi.bigint, true);
    assert.equal(abi.i64Interface, "bigint");
    assert.equal(
      abi.evidence.bigint,
      "import env.PyLong_AsLongLong (i32) -> i64 (+1 more with i64)",
    );
    assert.equal(abi.evidence.i64Interface, abi.evidence.bigint);
  });
  await t.step("a function export with i64", () => {
    const abi = derive({
      functions: [{ type: fn(["i64"], []), body: [] }],
      exports: [{ name: "take", kind: "func", index: 0 }],
    });
    assert.equal(abi.bigint, true);
    assert.equal(abi.evidence.bigint, "export take (i64) -> ()");
  });
  await t.step("i64 only in GOT globals, other modules or internal functions", () => {
    const abi = derive({
      imports: [
        { module: "GOT.mem", name: "x", kind: "global", global: { type: "i64", mutable: true } },
        { module: "foo", name: "g", kind: "func", type: fn(["i64"], []) },
      ],
      functions: [{ type: fn(["i64"], []), body: [] }],
    });
    assert.equal(abi.bigint, false);
    assert.equal(abi.i64Interface, "none");
    assert.equal(abi.evidence.bigint, "no i64 in env function imports or function exports");
  });
});

Deno.test("deriveAbiFeatures() tells BigInt, legalized and no-i64 interfaces apart", async (t) => {
  const I32 = "i32", I64 = "i64";
  const cases: {
    why: string;
    spec: ModuleSpec;
    i64: AbiFeatures["i64Interface"];
    evidence: string;
  }[] = [
    {
      why: "bigint: a known i64 API imported with its i64 type",
      spec: { imports: [envFunc("PyLong_FromLongLong", fn([I64], [I32]))] },
      i64: "bigint",
      evidence: "import env.PyLong_FromLongLong (i64) -> i32",
    },
    {
      why: "bigint: invoke_ji keeps its i64 result (JS builds the invoke, so JS sees a BigInt)",
      spec: {
        imports: [
          envFunc("invoke_ji", fn([I32, I32], [I64])),
          envFunc("getTempRet0", fn([], [I32])),
        ],
      },
      i64: "bigint",
      evidence: "import env.invoke_ji (i32, i32) -> i64",
    },
    {
      why: "bigint: wasm64-shaped PyLong_AsLongLong (i64) -> i64 is not a split form",
      spec: { imports: [envFunc("PyLong_AsLongLong", fn([I64], [I64]))] },
      i64: "bigint",
      evidence: "import env.PyLong_AsLongLong (i64) -> i64",
    },
    {
      why:
        "legalized: PyLong_FromLongLong as (i32, i32) -> i32, the main module's (i64) -> i32 split",
      spec: {
        imports: [
          envFunc("PyList_New", fn([I32], [I32])),
          envFunc("PyLong_FromLongLong", fn([I32, I32], [I32])),
        ],
      },
      i64: "legalized",
      evidence:
        "import env.PyLong_FromLongLong (i32, i32) -> i32 is (i64) -> i32 split into i32 pairs",
    },
    {
      why: "legalized: PyLong_AsLongLong returns the low half as i32",
      spec: { imports: [envFunc("PyLong_AsLongLong", fn([I32], [I32]))] },
      i64: "legalized",
      evidence: "import env.PyLong_AsLongLong (i32) -> i32 is (i32) -> i64 split into i32 pairs",
    },
    {
      why: "legalized: invoke_vij with the j split, wins over a wasm import that keeps i64",
      spec: {
        imports: [
          envFunc("__multi3", fn([I32, I64, I64, I64, I64], [])),
          envFunc("invoke_vij", fn([I32, I32, I32, I32], [])),
          envFunc("setTempRet0", fn([I32], [])),
        ],
      },
      i64: "legalized",
      evidence: "import env.invoke_vij (i32, i32, i32, i32) -> () is (i32, i32, i64) -> () split " +
        "into i32 pairs; also i64 in import env.__multi3 (i32, i64, i64, i64, i64) -> ()",
    },
    {
      why: "legalized: an exported dynCall_jiji with the split type",
      spec: {
        functions: [{ type: fn([I32, I32, I32, I32, I32], [I32]), body: [] }],
        exports: [{ name: "dynCall_jiji", kind: "func", index: 0 }],
      },
      i64: "legalized",
      evidence:
        "export dynCall_jiji (i32, i32, i32, i32, i32) -> i32 is (i32, i32, i64, i32) -> i64 split into i32 pairs",
    },
    {
      why: "legalized: an orig$ export (the i64 original beside a legalized export)",
      spec: {
        functions: [{ type: fn([I32], [I64]), body: [] }, { type: fn([I32], [I32]), body: [] }],
        exports: [
          { name: "PyLong_AsLongLong", kind: "func", index: 1 },
          { name: "orig$PyLong_AsLongLong", kind: "func", index: 0 },
        ],
      },
      i64: "legalized",
      evidence: "export orig$PyLong_AsLongLong (i32) -> i64: an i64 legalization name; " +
        "also i64 in export orig$PyLong_AsLongLong (i32) -> i64",
    },
    {
      why: "none: getTempRet0/setTempRet0 without any i64 (JS exceptions use them)",
      spec: {
        imports: [
          envFunc("invoke_vi", fn([I32, I32], [])),
          envFunc("__cxa_find_matching_catch_2", fn([], [I32])),
          envFunc("getTempRet0", fn([], [I32])),
        ],
      },
      i64: "none",
      evidence: "no i64 in env function imports or function exports; import env.getTempRet0 " +
        "only: JS exceptions and setjmp import it with BigInt too",
    },
    {
      why: "none: (i32, i32) -> i32 of a name not known to take an i64, and a 32-bit time()",
      spec: {
        imports: [
          envFunc("PyLong_FromLong", fn([I32, I32], [I32])),
          envFunc("time", fn([I32], [I32])),
        ],
      },
      i64: "none",
      evidence: "no i64 in env function imports or function exports",
    },
    {
      why: "none: a split-looking invoke_vij from another module than env",
      spec: {
        imports: [{
          module: "foo",
          name: "invoke_vij",
          kind: "func",
          type: fn([I32, I32, I32, I32], []),
        }],
      },
      i64: "none",
      evidence: "no i64 in env function imports or function exports",
    },
  ];
  for (const c of cases) {
    await t.step(c.why, () => {
      const abi = derive(c.spec);
      assert.equal(abi.i64Interface, c.i64);
      assert.equal(abi.bigint, c.i64 === "bigint");
      assert.equal(abi.evidence.i64Interface, c.evidence);
      assert.equal(abi.evidence.bigint, c.evidence);
    });
  }
  await t.step("deriveI64Interface() needs only names and types (runtime export lists)", () => {
    const r = deriveI64Interface({
      exports: [{ name: "dynCall_ji", kind: "func", func: fn([I32, I32], [I64]) }],
    });
    assert.deepEqual(r, {
      i64Interface: "bigint",
      evidence: "export dynCall_ji (i32, i32) -> i64",
    });
    assert.equal(deriveI64Interface({}).i64Interface, "none");
  });
});

/** deriveAbiFeatures() of one member of a corpus archive, extracted with jszip. */
async function corpusAbi(archive: string, member: string): Promise<AbiFeatures> {
  const zip = await JSZip.loadAsync(await Deno.readFile(`${MIRROR}/${archive}`));
  const entry = zip.file(member);
  assert.ok(entry, `${archive}!${member}`);
  return deriveAbiFeatures(readWasmModule(await entry.async("uint8array")));
}

Deno.test("i64 interface of real side modules (shared corpus)", async (t) => {
  // Pyodide linked with WASM_BIGINT already in 0.21: its side modules import the main module's
  // i64 APIs unsplit, and JS-built invoke_* pass BigInt. No corpus module is legalized.
  await t.step("0.21.3 Shapely imports PyLong_FromLongLong as (i64) -> i32: bigint", async () => {
    const abi = await corpusAbi(
      "pyodide-0.21.3/Shapely-1.8.2-cp310-cp310-emscripten_3_1_14_wasm32.whl",
      "shapely/speedups/_speedups.cpython-310-wasm32-emscripten.so",
    );
    assert.equal(abi.i64Interface, "bigint");
    assert.equal(abi.bigint, true);
    assert.match(abi.evidence.i64Interface, /^import env\.\w+ .*i64/);
  });
  await t.step("0.21.3 cryptography _rust: invoke_ji returns i64 to JS: bigint", async () => {
    const zip = "pyodide-0.21.3/cryptography-37.0.3-cp310-cp310-emscripten_3_1_14_wasm32.whl";
    const member = "cryptography/hazmat/bindings/_rust.abi3.so";
    const abi = await corpusAbi(zip, member);
    assert.equal(abi.i64Interface, "bigint");
    const bytes = await (await JSZip.loadAsync(await Deno.readFile(`${MIRROR}/${zip}`)))
      .file(member)!.async("uint8array");
    const invoke = readWasmModule(bytes).imports.find((i) => i.name === "invoke_ji");
    assert.equal(invoke && formatFuncType(invoke.func!), "(i32, i32) -> i64");
  });
  await t.step("0.27.7 bcrypt imports PyLong_AsUnsignedLongLong (i32) -> i64: bigint", async () => {
    const abi = await corpusAbi(
      "pyodide-0.27.7/bcrypt-4.1.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
      "bcrypt/_bcrypt.cpython-312-wasm32-emscripten.so",
    );
    assert.equal(abi.i64Interface, "bigint");
    assert.equal(
      abi.evidence.i64Interface,
      "import env.PyLong_AsUnsignedLongLong (i32) -> i64 (+1 more with i64)",
    );
  });
  await t.step("0.21.3 cpp-exceptions-test-catch imports getTempRet0, no i64: none", async () => {
    const abi = await corpusAbi(
      "pyodide-0.21.3/cpp-exceptions-test-0.1.zip",
      "cpp-exceptions-test-catch.so",
    );
    assert.equal(abi.i64Interface, "none");
    assert.equal(abi.bigint, false);
    assert.match(abi.evidence.i64Interface, /import env\.getTempRet0 only/);
  });
});

Deno.test("deriveAbiFeatures() reports threads from shared memory and atomics apart", async (t) => {
  const memory = (shared: boolean): ImportSpec => ({
    module: "env",
    name: "memory",
    kind: "memory",
    memory: { min: 1, max: shared ? 10 : undefined, shared, is64: false },
  });
  await t.step("shared memory import", () => {
    const abi = derive({
      imports: [memory(true)],
      customSections: [features("atomics", "bulk-memory")],
    });
    assert.equal(abi.threads, true);
    assert.equal(abi.atomics, true);
    assert.equal(abi.evidence.threads, "import env.memory is shared");
    assert.equal(abi.evidence.atomics, "target_features +atomics");
    assert.deepEqual(abi.featuresUsed, ["atomics", "bulk-memory"]);
  });
  await t.step("+atomics with a non-shared memory (the 0.23 PIL case) is not threads", () => {
    const abi = derive({ imports: [memory(false)], customSections: [features("atomics")] });
    assert.equal(abi.threads, false);
    assert.equal(abi.atomics, true);
    assert.equal(abi.evidence.threads, "import env.memory is not shared");
    assert.equal(abi.evidence.atomics, "target_features +atomics (without shared memory)");
  });
  await t.step("a defined shared memory", () => {
    const abi = derive({ memories: [{ min: 1, max: 2, shared: true, is64: false }] });
    assert.equal(abi.threads, true);
    assert.equal(abi.evidence.threads, "memory 0 is shared");
  });
});

Deno.test("deriveAbiFeatures() reads simd128, memory64 and tail calls", async (t) => {
  await t.step("+simd128", () => {
    const abi = derive({ customSections: [features("simd128")] });
    assert.equal(abi.simd128, true);
    assert.equal(abi.evidence.simd128, "target_features +simd128");
  });
  await t.step("v128 in a type without target_features", () => {
    const abi = derive({ functions: [{ type: fn(["v128"], []), body: [] }] });
    assert.equal(abi.simd128, true);
    assert.equal(abi.evidence.simd128, "type 0 (v128) -> () uses v128");
  });
  await t.step("memory64 limits", () => {
    const abi = derive({
      imports: [{
        module: "env",
        name: "memory",
        kind: "memory",
        memory: { min: 1, shared: false, is64: true },
      }],
    });
    assert.equal(abi.memory64, true);
    assert.equal(abi.evidence.memory64, "import env.memory has 64-bit limits");
  });
  await t.step("+memory64 and +tail-call", () => {
    const abi = derive({ customSections: [features("memory64", "tail-call")] });
    assert.equal(abi.memory64, true);
    assert.equal(abi.tailCall, true);
    assert.equal(abi.evidence.tailCall, "target_features +tail-call");
  });
  await t.step("none of them", () => {
    const abi = derive({});
    assert.equal(abi.simd128 || abi.memory64 || abi.tailCall || abi.threads, false);
    assert.deepEqual(abi.featuresUsed, []);
    assert.equal(abi.evidence.tailCall, "no target_features section");
  });
});

Deno.test("deriveAbiFeatures() reads data relocs, NEEDED and the CPython version", () => {
  const abi = derive(
    {
      dylink: { memorySize: 0, needed: ["libgeos.so.3.10.3"] },
      functions: [{ type: V_V, body: [] }],
      exports: [{ name: "__wasm_apply_data_relocs", kind: "func", index: 0 }],
    },
    "312",
  );
  assert.equal(abi.needsDataRelocs, true);
  assert.deepEqual(abi.needed, ["libgeos.so.3.10.3"]);
  assert.equal(abi.evidence.needed, "dylink.0 NEEDED: libgeos.so.3.10.3");
  assert.equal(abi.pythonVersion, "3.12");
  assert.equal(abi.evidence.pythonVersion, "file name suffix cpython-312");

  const suffixes: [string | undefined, string | undefined][] = [
    ["310", "3.10"],
    ["cpython-313-wasm32-emscripten", "3.13"],
    ["314", "3.14"],
    ["abi3", undefined],
    [undefined, undefined],
  ];
  for (const [suffix, version] of suffixes) {
    assert.equal(derive({}, suffix).pythonVersion, version, String(suffix));
  }
  const none = derive({});
  assert.equal(none.needsDataRelocs, false);
  assert.deepEqual(none.needed, []);
  assert.equal(none.evidence.needed, "no dylink section");
  assert.equal(derive({}, "abi3").evidence.pythonVersion, 'unrecognised cpython suffix "abi3"');
});
