import assert from "node:assert/strict";
import {
  abiHash,
  buildProfile,
  canonicalAbiString,
  fieldValues,
  FLAG_BITS,
  inferWheelProfile,
  profileFromRuntime,
  renderTemplate,
  requiredFlagBits,
} from "../../src/policy/mod.ts";
import type { AbiFeatures } from "../../src/wasm/types.ts";
import { CATALOGUE, PROFILES } from "./_fixtures.ts";

/** Independent FNV-1a 32 (BigInt arithmetic, not Math.imul) to check abi_hash. */
function fnv1aReference(text: string): string {
  let h = 0x811c9dc5n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x01000193n) & 0xffffffffn;
  }
  return h.toString(16).padStart(8, "0");
}

function features(over: Partial<AbiFeatures>): AbiFeatures {
  return {
    exceptions: "none",
    setjmp: "none",
    i64Interface: over.bigint ? "bigint" : "none",
    bigint: false,
    threads: false,
    simd128: false,
    memory64: false,
    tailCall: false,
    needsDataRelocs: true,
    needed: [],
    evidence: {},
    ...over,
  };
}

Deno.test("profileFromRuntime() derives year, patch and pypatch", async (t) => {
  await t.step("real abi_version gives year and patch directly", () => {
    const p = PROFILES["0.26.4"];
    assert.equal(p.abiYear, 2024);
    assert.equal(p.abiPatch, 0);
    assert.ok(!p.inferred.includes("abiYear"));
  });
  await t.step("no abi_version: year of first release, ordinal within the year", () => {
    assert.deepEqual([PROFILES["0.21.3"].abiYear, PROFILES["0.21.3"].abiPatch], [2022, 0]);
    assert.deepEqual([PROFILES["0.22.1"].abiYear, PROFILES["0.22.1"].abiPatch], [2023, 0]);
    assert.deepEqual([PROFILES["0.23.4"].abiYear, PROFILES["0.23.4"].abiPatch], [2023, 1]);
    assert.deepEqual([PROFILES["0.24.1"].abiYear, PROFILES["0.24.1"].abiPatch], [2023, 2]);
    assert.ok(PROFILES["0.24.1"].inferred.includes("abiPatch"));
    assert.match(PROFILES["0.24.1"].notes.abiPatch, /ordinal 2/);
  });
  await t.step("a derived patch skips the patch a real abi_version of that year uses", () => {
    // 0.25.1 (2024, no abi_version) and 0.26.4 (abi_version 2024_0) share the year 2024.
    assert.deepEqual([PROFILES["0.25.1"].abiYear, PROFILES["0.25.1"].abiPatch], [2024, 1]);
    assert.match(PROFILES["0.25.1"].notes.abiPatch, /skipping patches used by abi_version/);
  });
  await t.step("pypatch counts ABIs within one Python minor", () => {
    assert.equal(PROFILES["0.21.3"].pyPatch, 0);
    assert.equal(PROFILES["0.22.1"].pyPatch, 1);
    assert.equal(PROFILES["0.25.1"].pyPatch, 2);
    assert.equal(PROFILES["0.26.4"].pyPatch, 0);
    assert.equal(PROFILES["0.27.7"].pyPatch, 0, "same abi_version, same ABI");
  });
  await t.step("without a catalogue the profile still derives from itself", () => {
    const p = profileFromRuntime(CATALOGUE[1]);
    assert.deepEqual([p.abiYear, p.abiPatch, p.pyPatch], [2023, 0, 0]);
  });
});

Deno.test("profileFromRuntime() reads flags from facts and says what it inferred", async (t) => {
  await t.step("loader exceptions are read, not inferred", () => {
    const p = PROFILES["0.27.7"];
    assert.equal(p.flags.exceptions, "js");
    assert.ok(!p.inferred.includes("flags.exceptions"));
    assert.ok(p.inferred.includes("flags.setjmp"));
    assert.equal(p.flags.setjmp, "wasm-sjlj", "3.1.58 >= 3.1.57: __wasm_setjmp");
    assert.equal(PROFILES["0.25.1"].flags.setjmp, "emscripten-js");
    assert.equal(PROFILES["0.28.3"].flags.setjmp, "wasm-tag");
  });
  await t.step("main-module facts decide setjmp, bigint, threads", () => {
    const p = profileFromRuntime(CATALOGUE[7], {
      facts: {
        functions: [{ name: "PyLong_AsLongLong", type: { params: ["i32"], results: ["i64"] } }],
        tags: [{
          name: "__c_longjmp",
          type: { attribute: 0, type: { params: ["i32"], results: [] } },
          origin: "imported",
        }],
        memory: { min: 1, shared: false, is64: false },
        loader: { exceptions: "wasm" },
      },
    });
    assert.deepEqual(p.flags, {
      exceptions: "wasm",
      setjmp: "wasm-tag",
      bigint: true,
      threads: false,
      simd: false,
      memory64: false,
    });
    assert.deepEqual(p.inferred.filter((f) => f.startsWith("flags.")), []);
  });
  await t.step("a main module with legalized exports and orig$ originals is not BigInt", () => {
    const i32 = "i32", i64 = "i64";
    const p = profileFromRuntime(CATALOGUE[7], {
      facts: {
        functions: [
          { name: "PyLong_AsLongLong", type: { params: [i32], results: [i32] } },
          { name: "orig$PyLong_AsLongLong", type: { params: [i32], results: [i64] } },
        ],
      },
    });
    assert.equal(p.flags.bigint, false);
    assert.match(p.notes["flags.bigint"], /i64 legalized \(export orig\$PyLong_AsLongLong/);
    // Without the orig$ export the same i64 export means BigInt.
    const q = profileFromRuntime(CATALOGUE[7], {
      facts: {
        functions: [{ name: "orig_PyLong_AsLongLong", type: { params: [i32], results: [i64] } }],
      },
    });
    assert.equal(q.flags.bigint, true);
  });
});

Deno.test("fieldValues() derived fields", () => {
  const v = fieldValues(PROFILES["0.26.4"]);
  assert.equal(v.yyyymm, 202411);
  assert.equal(v.pymajor, 3);
  assert.equal(v.pyminor, 12);
  assert.equal(v.emscripten_underscored, "3_1_58");
  assert.equal(
    v.flag_bits,
    FLAG_BITS.bigint | FLAG_BITS["exceptions-js"] | FLAG_BITS["setjmp-wasm-sjlj"],
  );
  assert.equal(v.required_bits, v.flag_bits);
  assert.equal(renderTemplate("x_{flag_bits}", v).tag, "x_013");
  assert.equal(
    fieldValues(PROFILES["0.21.3"]).abi_version,
    undefined,
    "abi_version is never derived",
  );
});

Deno.test("abiHash() is FNV-1a 32 of the documented canonical string", () => {
  const p = PROFILES["0.27.7"];
  const canonical = canonicalAbiString(p);
  assert.equal(
    canonical,
    "emscripten=3.1.58;arch=wasm32;exceptions=js;setjmp=wasm-sjlj;bigint=1;threads=0;simd=0;memory64=0",
  );
  assert.equal(abiHash(p), fnv1aReference(canonical!));
  assert.equal(abiHash(PROFILES["0.26.4"]), abiHash(p), "same ABI flags, same hash");
  assert.notEqual(abiHash(PROFILES["0.28.3"]), abiHash(p));
  assert.equal(abiHash(buildProfile({ python: "3.12" })), undefined, "no Emscripten: no hash");
});

Deno.test("requiredFlagBits() is the union over side modules", () => {
  const bits = requiredFlagBits([
    features({ bigint: true }),
    features({ exceptions: "wasm", setjmp: "wasm-tag" }),
  ]);
  assert.equal(
    bits,
    FLAG_BITS.bigint | FLAG_BITS["exceptions-wasm"] | FLAG_BITS["setjmp-wasm-tag"],
  );
  assert.equal(requiredFlagBits([]), 0);
});

Deno.test("inferWheelProfile() marks every field as inferred", async (t) => {
  await t.step("from a pyodide_<abi> tag alone", () => {
    const p = inferWheelProfile({ tags: ["cp312-cp312-pyodide_2024_0_wasm32"] });
    assert.equal(p.abiVersion, "2024_0");
    assert.equal(p.python, "3.12");
    assert.equal(p.abiYear, 2024);
    assert.equal(p.emscripten, undefined);
    for (const f of ["abiVersion", "python", "abiYear", "abiPatch", "arch", "flags.exceptions"]) {
      assert.ok(p.inferred.includes(f), f);
    }
    assert.match(p.notes.abiVersion, /pyodide_2024_0_wasm32/);
  });
  await t.step(
    "from an emscripten tag and features, matched to the earliest catalogue runtime",
    () => {
      const p = inferWheelProfile(
        { tags: ["cp312-cp312-emscripten_3_1_58_wasm32"], features: [features({ bigint: true })] },
        { catalogue: Object.values(PROFILES) },
      );
      assert.equal(p.pyodideVersion, "0.26.4");
      assert.equal(p.abiVersion, "2024_0");
      assert.equal(p.flags.exceptions, "js", "environment flags come from the catalogue runtime");
      assert.ok(p.inferred.includes("pyodideVersion"));
      assert.match(p.notes.pyodideVersion, /catalogue runtime 0\.26\.4/);
    },
  );
  await t.step("features decide flags when nothing matches", () => {
    const p = inferWheelProfile({
      tags: ["cp313-cp313-emscripten_4_0_1_wasm32"],
      features: [features({ exceptions: "wasm", setjmp: "wasm-tag", bigint: true })],
    });
    assert.equal(p.emscripten, "4.0.1");
    assert.deepEqual([p.flags.exceptions, p.flags.setjmp, p.flags.bigint], [
      "wasm",
      "wasm-tag",
      true,
    ]);
    assert.equal(p.abiYear, undefined, "no release date: no year");
  });
});

Deno.test("buildProfile() orders undated ABIs by Emscripten version, numerically", () => {
  const catalogue = [
    { python: "3.10.2", emscripten: "3.1.14" },
    { python: "3.10.2", emscripten: "3.1.9" },
  ];
  const p = buildProfile({ python: "3.10.2", emscripten: "3.1.14" }, { catalogue });
  assert.equal(p.pyPatch, 1, "3.1.9 comes before 3.1.14");
  assert.equal(p.abiYear, undefined);
});
