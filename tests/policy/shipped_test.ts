/**
 * Pins each shipped policy's tag and matching rule on hand-written profiles, and its verdict on
 * a table of hand-made cases (built by hand; the corpus runs are wired by the runner). A policy
 * may get every case right: the table says what each one does, not that it must fail.
 */
import assert from "node:assert/strict";
import {
  abiHash,
  FLAG_BITS,
  type Policy,
  predictInstall,
  runtimeTagsFor,
  scorePolicy,
  wheelTagsFor,
} from "../../src/policy/mod.ts";
import { observe, runtime, shippedPolicies, wheelFor } from "./_fixtures.ts";

const policies = await shippedPolicies();
function policy(id: string): Policy {
  const p = policies.get(id);
  assert.ok(p, `policy ${id} is shipped`);
  return p;
}

Deno.test("pep783: pyemscripten_<year>_<patch> with pyodide_<year>_<patch> aliases", () => {
  const p = policy("pep783");
  const w = wheelFor("0.28.3", "numpy");
  assert.deepEqual(wheelTagsFor(p, w).tags, ["pyemscripten_2025_0_wasm32"]);
  assert.deepEqual(runtimeTagsFor(p, runtime("0.29.5")).tags, [
    "pyemscripten_2025_0_wasm32",
    "pyodide_2025_0_wasm32",
  ]);
  const pred = predictInstall(p, w, runtime("0.29.5"));
  assert.equal(pred.install, true);
  assert.equal(pred.rule, "aliases");
  assert.equal(predictInstall(p, w, runtime("314.0.7")).install, false, "cp313 on cp314");
  // Derived year/patch for a runtime without abi_version.
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.21.3", "x")).tags, ["pyemscripten_2022_0_wasm32"]);
});

Deno.test("as-shipped: file-name tags against what each generation's installer accepts", async (t) => {
  const p = policy("as-shipped");
  await t.step("accepted tags per generation", () => {
    assert.deepEqual(runtimeTagsFor(p, runtime("0.21.3")).tags, ["emscripten_3_1_14_wasm32"]);
    assert.deepEqual(runtimeTagsFor(p, runtime("0.28.3")).tags, [
      "emscripten_4_0_9_wasm32",
      "pyodide_2025_0_wasm32",
    ]);
    assert.deepEqual(runtimeTagsFor(p, runtime("0.29.5")).tags, [
      "emscripten_4_0_9_wasm32",
      "pyodide_2025_0_wasm32",
      "pyemscripten_2025_0_wasm32",
    ]);
  });
  await t.step("a pyemscripten_2025_0 wheel is a needless reject on 0.28.3", () => {
    const w = wheelFor("0.29.5", "markupsafe", { platform: "pyemscripten_2025_0_wasm32" });
    assert.equal(predictInstall(p, w, runtime("0.29.5")).install, true);
    const s = scorePolicy(p, [observe(w, "0.29.5", "links"), observe(w, "0.28.3", "links")]);
    assert.equal(s.needlessRejects, 1);
    assert.equal(s.counterExamples[0].runtime, "0.28.3");
    assert.equal(s.counterExamples[0].kind, "needless-reject");
  });
  await t.step("archives without tags are refused, saying why", () => {
    const zip = { ...wheelFor("0.27.7", "geos"), file: "geos-3.12.1.zip", tags: [] };
    const pred = predictInstall(p, zip, runtime("0.27.7"));
    assert.equal(pred.install, false);
    assert.match(pred.reason, /no platform tag/);
  });
});

Deno.test("pyodide-plain: one tag for all, unsafe on 0.21.3 -> 0.22.1", () => {
  const p = policy("pyodide-plain");
  const w = wheelFor("0.21.3", "regex");
  assert.deepEqual(wheelTagsFor(p, w).tags, ["pyodide_wasm32"]);
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.28.3", "regex")).tags, ["pyodide_wasm32"]);
  const pred = predictInstall(p, w, runtime("0.22.1"));
  assert.deepEqual([pred.install, pred.rule], [true, "exact"]);
  assert.equal(predictInstall(p, w, runtime("0.23.4")).install, false, "cp310 on cp311");
});

Deno.test("pyodide-yyyymm: release month, needless reject between same-ABI releases", () => {
  const p = policy("pyodide-yyyymm");
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.21.3", "x")).tags, ["pyodide_202209_wasm32"]);
  const w = wheelFor("0.26.4", "kiwisolver");
  const s = scorePolicy(p, [observe(w, "0.26.4", "links"), observe(w, "0.27.7", "links")]);
  assert.equal(s.needlessRejects, 1);
  assert.equal(s.counterExamples[0].wheelTag, "pyodide_202411_wasm32");
});

Deno.test("pyodide-year-patch: abi_version or derived year/patch, exact", () => {
  const p = policy("pyodide-year-patch");
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.26.4", "x")).tags, ["pyodide_2024_0_wasm32"]);
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.24.1", "x")).tags, ["pyodide_2023_2_wasm32"]);
  const w = wheelFor("0.26.4", "x");
  assert.equal(predictInstall(p, w, runtime("0.27.7")).install, true);
  // Same tag, different toolchain: an abi3 wheel built for 0.26 that breaks on 0.27.
  const abi3 = wheelFor("0.26.4", "cryptography", { python: "cp37-abi3" });
  const s = scorePolicy(p, [
    observe(abi3, "0.26.4", "links"),
    observe(abi3, "0.27.7", "unresolved"),
  ]);
  assert.equal(s.unsafeAccepts, 1);
});

Deno.test("pyodide-python-patch: Python-keyed tag with a per-Python patch", () => {
  const p = policy("pyodide-python-patch");
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.21.3", "x")).tags, ["pyodide_310_0_wasm32"]);
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.22.1", "x")).tags, ["pyodide_310_1_wasm32"]);
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.28.3", "x")).tags, ["pyodide_313_0_wasm32"]);
  // 0.23.4 and 0.24.1 (both cp311) differ: a wheel that links on both is a needless reject.
  const w = wheelFor("0.23.4", "ujson");
  const s = scorePolicy(p, [observe(w, "0.23.4", "links"), observe(w, "0.24.1", "links")]);
  assert.equal(s.needlessRejects, 1);
});

Deno.test("emscripten-version: emscripten_<x_y_z>, exact", () => {
  const p = policy("emscripten-version");
  assert.deepEqual(wheelTagsFor(p, wheelFor("0.27.7", "x")).tags, ["emscripten_3_1_58_wasm32"]);
  assert.equal(predictInstall(p, wheelFor("0.26.4", "x"), runtime("0.27.7")).install, true);
  assert.equal(predictInstall(p, wheelFor("0.21.3", "x"), runtime("0.22.1")).install, false);
  // 0.24.1 -> 0.25.1 (3.1.45 vs 3.1.46) refuses a wheel that links: needless reject.
  const w = wheelFor("0.24.1", "bitarray");
  const s = scorePolicy(p, [observe(w, "0.24.1", "links"), observe(w, "0.25.1", "links")]);
  assert.equal(s.needlessRejects, 1);
});

Deno.test("emscripten-abi-hash: emscripten_<abi_hash>, exact", () => {
  const p = policy("emscripten-abi-hash");
  const tag = wheelTagsFor(p, wheelFor("0.26.4", "x")).tags[0];
  assert.equal(tag, `emscripten_${abiHash(wheelFor("0.26.4", "x").profile)}_wasm32`);
  assert.match(tag, /^emscripten_[0-9a-f]{8}_wasm32$/);
  assert.equal(predictInstall(p, wheelFor("0.26.4", "x"), runtime("0.27.7")).install, true);
  assert.equal(
    predictInstall(p, wheelFor("0.27.7", "x", { python: "cp37-abi3" }), runtime("0.28.3")).install,
    false,
    "JS EH vs wasm EH: different hash",
  );
});

Deno.test("flag-bits-subset: wheel's required bits must be a subset of the runtime's", async (t) => {
  const p = policy("flag-bits-subset");
  const plainC = wheelFor("0.27.7", "markupsafe", { requiredBits: FLAG_BITS.bigint });
  await t.step("tags carry the Emscripten version and the bits", () => {
    assert.deepEqual(wheelTagsFor(p, plainC).tags, ["emscripten_3_1_58_001_wasm32"]);
    assert.deepEqual(runtimeTagsFor(p, runtime("0.26.4")).tags, ["emscripten_3_1_58_013_wasm32"]);
  });
  await t.step("subset accepted, extra bits refused", () => {
    const ok = predictInstall(p, plainC, runtime("0.26.4"));
    assert.deepEqual([ok.install, ok.rule], [true, "subset(required_bits)"]);
    const needsWasmEh = wheelFor("0.27.7", "rust", {
      requiredBits: FLAG_BITS.bigint | FLAG_BITS["exceptions-wasm"],
    });
    const no = predictInstall(p, needsWasmEh, runtime("0.26.4"));
    assert.equal(no.install, false);
    assert.match(no.reason, /need 0x4/);
  });
  await t.step("other Emscripten version refused whatever the bits", () => {
    const abi3 = wheelFor("0.27.7", "x", { python: "cp37-abi3", requiredBits: FLAG_BITS.bigint });
    assert.equal(predictInstall(p, abi3, runtime("0.28.3")).install, false);
  });
});

Deno.test("pyodide-plain-build-tag: plain tag, build tag must carry the runtime's ABI hash", () => {
  const p = policy("pyodide-plain-build-tag");
  const w = wheelFor("0.27.7", "cryptography", { python: "cp37-abi3" });
  assert.deepEqual(wheelTagsFor(p, w).tags, ["pyodide_wasm32"]);
  const same = predictInstall(p, w, runtime("0.26.4"));
  assert.deepEqual([same.install, same.rule], [true, "exact+build-tag"]);
  const other = predictInstall(p, w, runtime("0.28.3"));
  assert.equal(other.install, false);
  assert.match(other.reason, /build tag 0[0-9a-f]{8} ≠ runtime's 0[0-9a-f]{8}/);
});

Deno.test("two-tier-relabel: the audit relabels only wheels that link on their blessed runtime", async (t) => {
  const p = policy("two-tier-relabel");
  const good = wheelFor("0.26.4", "pyclipper");
  const bad = wheelFor("0.26.4", "zstandard");
  const obs = [
    observe(good, "0.26.4", "links"),
    observe(good, "0.27.7", "links"),
    observe(bad, "0.26.4", "unresolved", "env.ZSTD_createThreadPool"),
    observe(bad, "0.27.7", "unresolved", "env.ZSTD_createThreadPool"),
  ];
  await t.step("passing the audit gives the blessed tag", () => {
    assert.deepEqual(wheelTagsFor(p, good, obs).tags, ["pyemscripten_2024_0_wasm32"]);
    const pred = predictInstall(p, good, runtime("0.27.7"), obs);
    assert.deepEqual([pred.install, pred.rule], [true, "exact+relabel"]);
  });
  await t.step("failing the audit keeps the hash tag", () => {
    const t2 = wheelTagsFor(p, bad, obs);
    assert.match(t2.tags[0], /^emscripten_[0-9a-f]{8}_wasm32$/);
    assert.match(t2.reason, /audit failed on 0\.26\.4/);
  });
  await t.step("no observation, no audit: the build tag stays", () => {
    assert.match(wheelTagsFor(p, good, []).tags[0], /^emscripten_/);
  });
  await t.step("wrong where the blessed ABI hides a break", () => {
    const w = wheelFor("0.26.4", "libheif-user");
    const s = scorePolicy(p, [observe(w, "0.26.4", "links"), observe(w, "0.27.7", "link-error")]);
    assert.equal(s.unsafeAccepts, 1);
  });
});

Deno.test("pyodide-year-patch-ordered: older patch of the same year accepted", () => {
  const p = policy("pyodide-year-patch-ordered");
  const older = wheelFor("0.22.1", "x", { python: "cp37-abi3" }); // 2023_0
  const newer = wheelFor("0.24.1", "y", { python: "cp37-abi3" }); // 2023_2
  const a = predictInstall(p, older, runtime("0.24.1"));
  assert.deepEqual([a.install, a.rule], [true, "ordered(patch)"]);
  assert.match(a.reason, /key \(0\) ≤ runtime key \(2\)/);
  assert.equal(predictInstall(p, newer, runtime("0.22.1")).install, false);
  assert.equal(predictInstall(p, older, runtime("0.25.1")).install, false, "other year");
  const s = scorePolicy(p, [
    observe(older, "0.22.1", "links"),
    observe(older, "0.24.1", "link-error"),
  ]);
  assert.equal(s.unsafeAccepts, 1);
});

/**
 * Hand-made cases, each a wheel × runtime pair whose outcome is known: a wheel on its own
 * runtime (every scheme must install it), then a pair that tells schemes apart.
 */
const t21 = wheelFor("0.21.3", "regex");
const em45 = wheelFor("0.24.1", "bitarray");
const abi3 = wheelFor("0.26.4", "cryptography", { python: "cp37-abi3" });
const named = wheelFor("0.29.5", "markupsafe", { platform: "pyemscripten_2025_0_wasm32" });
const CASES = [
  observe(t21, "0.21.3", "links"),
  // Both CPython 3.10, but time_t went from 32 to 64 bits: the case a Python-only scheme misses.
  observe(t21, "0.22.1", "link-error", "env.time: (i32) -> i32 vs (i32) -> i64"),
  observe(em45, "0.24.1", "links"),
  // Emscripten 3.1.45 and 3.1.46 share an ABI: schemes keyed on the toolchain refuse needlessly.
  observe(em45, "0.25.1", "links"),
  observe(abi3, "0.26.4", "links"),
  // Same abi_version, yet (hypothetically) a break: every scheme that trusts the ABI tag installs it.
  observe(abi3, "0.27.7", "link-error", "hypothetical same-ABI break"),
  observe(named, "0.29.5", "links"),
  // A pyemscripten_2025_0 wheel on 0.28.3 (same ABI), whose installer only knows pyodide_2025_0.
  observe(named, "0.28.3", "links"),
];

/** Verdict codes: `+` correct accept, `-` correct reject, `U` unsafe accept, `N` needless reject. */
const CODE = {
  "correct-accept": "+",
  "correct-reject": "-",
  "unsafe-accept": "U",
  "needless-reject": "N",
} as Record<string, string>;

/** Every shipped policy's verdict on each case, in the order of CASES. */
const EXPECTED: Record<string, string> = {
  "as-shipped": "+ - + N + U + N",
  "emscripten-abi-hash": "+ - + N + U + +",
  "emscripten-version": "+ - + N + U + +",
  "flag-bits-subset": "+ - + N + U + +",
  "pep783": "+ - + N + U + +",
  "pyodide-plain": "+ U + + + U + +",
  "pyodide-plain-build-tag": "+ - + N + U + +",
  "pyodide-python-patch": "+ - + N + U + +",
  "pyodide-year-patch": "+ - + N + U + +",
  "pyodide-year-patch-ordered": "+ - + N + U + +",
  "pyodide-yyyymm": "+ - + N + - + N",
  "two-tier-relabel": "+ - + N + U + +",
};

Deno.test("each shipped policy's verdict on each hand-made case", async (t) => {
  await t.step("every shipped policy has a row, and every row a shipped policy", () => {
    assert.deepEqual([...policies.keys()].sort(), Object.keys(EXPECTED).sort());
  });
  for (const [id, p] of policies) {
    await t.step(id, () => {
      const s = scorePolicy(p, CASES);
      assert.equal(s.predictions.length, CASES.length);
      assert.equal(s.defective.length, 0);
      assert.equal(
        s.predictions.map((x) => CODE[x.verdict] ?? x.verdict).join(" "),
        EXPECTED[id],
        `${id}: ${s.predictions.map((x) => `${x.wheel}@${x.runtime} ${x.reason}`).join("; ")}`,
      );
      assert.equal(s.unsafeAccepts, EXPECTED[id]!.split(" ").filter((c) => c === "U").length);
      assert.equal(s.needlessRejects, EXPECTED[id]!.split(" ").filter((c) => c === "N").length);
    });
  }
});

Deno.test("the hand-made cases are worth having", async (t) => {
  const rows = Object.values(EXPECTED).map((r) => r.split(" "));
  await t.step("a wheel on its own runtime is a correct accept under every scheme", () => {
    CASES.forEach((c, i) => {
      if (c.runtime.version !== c.wheel.builtFor) return;
      assert.ok(rows.every((r) => r[i] === "+"), `case ${i}`);
    });
  });
  await t.step("every cross-runtime case tells at least two schemes apart", () => {
    CASES.forEach((c, i) => {
      if (c.runtime.version === c.wheel.builtFor) return;
      assert.ok(new Set(rows.map((r) => r[i])).size > 1, `case ${i} separates no scheme`);
    });
  });
});

Deno.test("tagCount counts build-tag variants as distinct tags", () => {
  const p = policy("pyodide-plain-build-tag");
  const a = wheelFor("0.26.4", "a");
  const b = wheelFor("0.27.7", "b");
  const c = wheelFor("0.28.3", "c");
  const s = scorePolicy(p, [
    observe(a, "0.26.4", "links"),
    observe(b, "0.27.7", "links"),
    observe(c, "0.28.3", "links"),
  ]);
  assert.equal(s.tagCount, 2, "0.26.4 and 0.27.7 share an ABI hash; 0.28.3 does not");
  assert.ok(s.tags.every((t) => /^pyodide_wasm32 \(build 0[0-9a-f]{8}\)$/.test(t)));
});
