import assert from "node:assert/strict";
import {
  deriveEquivalenceClasses,
  findDefectiveWheels,
  loadPolicies,
  type Observation,
  type PolicyScore,
  predictInstall,
  rankPolicies,
  scorePolicy,
} from "../../src/policy/mod.ts";
import { observe, runtime, shippedPolicies, wheelFor } from "./_fixtures.ts";

const policies = await shippedPolicies();

/** 0.21.3 and 0.22.1 are both cp310 but disagree on time_t: each one's wheels break on the other. */
function timeTObservations(): Observation[] {
  const a = wheelFor("0.21.3", "regex");
  const b = wheelFor("0.22.1", "regex");
  return [
    observe(a, "0.21.3", "links"),
    observe(a, "0.22.1", "link-error", "env.time: (i32) -> i32 vs (i32) -> i64"),
    observe(b, "0.22.1", "links"),
    observe(
      b,
      "0.21.3",
      "loader-mismatch",
      "exports __wasm_apply_data_relocs; glue never calls it",
    ),
  ];
}

Deno.test("scorePolicy(): 0.21.3 vs 0.22.1, same cp310, different time_t", async (t) => {
  const obs = timeTObservations();
  await t.step("plain pyodide_wasm32 unsafely accepts both ways", () => {
    const s = scorePolicy(policies.get("pyodide-plain")!, obs);
    assert.equal(s.correct, false);
    assert.equal(s.unsafeAccepts, 2);
    assert.equal(s.correctAccepts, 2);
    const ce = s.counterExamples.find((c) => c.runtime === "0.22.1")!;
    assert.deepEqual(
      [ce.kind, ce.wheelTag, ce.runtimeTag, ce.outcome],
      ["unsafe-accept", "pyodide_wasm32", "pyodide_wasm32", "link-error"],
    );
    assert.match(ce.evidence, /time/);
  });
  await t.step("emscripten_<version> and the ABI hash tell them apart", () => {
    for (
      const id of ["emscripten-version", "emscripten-abi-hash", "pep783", "pyodide-python-patch"]
    ) {
      const s = scorePolicy(policies.get(id)!, obs);
      assert.deepEqual([id, s.unsafeAccepts, s.needlessRejects], [id, 0, 0]);
      assert.equal(s.correctRejects, 2);
    }
  });
});

Deno.test("a new scheme is one YAML file: a Python-only tag, scored with no code change", async () => {
  const dir = await Deno.makeTempDir({ prefix: "policy-test-" });
  try {
    const path = `${dir}/python-only.yaml`;
    await Deno.writeTextFile(
      path,
      `id: python-only
title: Python version only, pyodide_<pymajor><pyminor>_wasm32
description: Tests that a policy author can add a scheme with one file.
source:
  - title: test
    ref: tests/policy/score_test.ts
tag: "pyodide_{pymajor}{pyminor}_{arch}"
installable:
  rule: exact
`,
    );
    const { policies: loaded, errors } = loadPolicies([
      { path, text: await Deno.readTextFile(path) },
    ]);
    assert.deepEqual(errors, []);
    const s = scorePolicy(loaded[0], timeTObservations());
    assert.equal(s.tagCount, 1);
    assert.deepEqual(s.tags, ["pyodide_310_wasm32"]);
    assert.equal(s.unsafeAccepts, 2);
    assert.equal(s.correct, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defective wheels are scored apart, for every policy", () => {
  const ok = wheelFor("0.27.7", "orjson");
  const broken = wheelFor("0.27.7", "zstandard");
  const obs = [
    observe(ok, "0.27.7", "links"),
    observe(ok, "0.26.4", "links"),
    observe(broken, "0.27.7", "unresolved", "env.ZSTD_createThreadPool"),
    observe(broken, "0.26.4", "unresolved", "env.ZSTD_createThreadPool"),
  ];
  const defective = findDefectiveWheels(obs);
  assert.deepEqual([...defective.values()].map((d) => [d.wheel, d.builtFor, d.outcome]), [
    [broken.file, "0.27.7", "unresolved"],
  ]);
  for (const [id, p] of policies) {
    const s = scorePolicy(p, obs);
    assert.equal(s.defective.length, 2, id);
    assert.ok(s.defective.every((d) => d.verdict === "defective" && d.wheel === broken.file), id);
    assert.equal(s.unsafeAccepts, 0, `${id}: the broken wheel blames no policy`);
    assert.equal(s.correctAccepts + s.needlessRejects, 2, id);
  }
});

Deno.test("deriveEquivalenceClasses() groups runtimes with identical works/breaks", () => {
  const a = wheelFor("0.26.4", "kiwisolver");
  const b = wheelFor("0.28.3", "kiwisolver");
  const c = wheelFor("0.27.7", "cryptography", { python: "cp37-abi3" });
  const broken = wheelFor("0.29.5", "pyxel", { python: "cp37-abi3" });
  const obs: Observation[] = [];
  for (const v of ["0.26.4", "0.27.7", "0.28.3", "0.29.5"]) {
    const cp312 = v.startsWith("0.26") || v.startsWith("0.27");
    obs.push(observe(a, v, cp312 ? "links" : "python-mismatch"));
    obs.push(observe(b, v, cp312 ? "python-mismatch" : "links"));
    obs.push(observe(c, v, cp312 ? "links" : "link-error"));
    obs.push(observe(broken, v, "unresolved", "env.emscripten_sleep"));
  }
  const classes = deriveEquivalenceClasses(obs);
  assert.deepEqual(classes.map((k) => k.runtimes), [["0.26.4", "0.27.7"], ["0.28.3", "0.29.5"]]);
  assert.deepEqual(
    [...classes[0].separatedFromNextBy].sort(),
    [a.file, b.file, c.file].sort(),
    "the defective wheel separates nothing",
  );
  const ev = classes[0].evidence.find((e) => e.wheel === c.file)!;
  assert.deepEqual(ev.worksOn, ["0.26.4", "0.27.7"]);
  assert.deepEqual(ev.breaksOn, ["0.28.3", "0.29.5"]);
  assert.deepEqual(classes[1].separatedFromNextBy, []);
});

Deno.test("deriveEquivalenceClasses() never merges runtimes without a common wheel", () => {
  const a = wheelFor("0.21.3", "x");
  const b = wheelFor("0.22.1", "y");
  const classes = deriveEquivalenceClasses([
    observe(a, "0.21.3", "links"),
    observe(b, "0.22.1", "links"),
  ]);
  assert.deepEqual(classes.map((k) => k.runtimes), [["0.21.3"], ["0.22.1"]]);
});

function fakeScore(id: string, unsafe: number, needless: number, tags: number): PolicyScore {
  return {
    policyId: id,
    correct: unsafe === 0,
    unsafeAccepts: unsafe,
    needlessRejects: needless,
    correctAccepts: 0,
    correctRejects: 0,
    inconclusive: 0,
    tagCount: tags,
    tags: [],
    counterExamples: [],
    defective: [],
    predictions: [],
    errors: [],
  };
}

Deno.test("rankPolicies(): correct first by needless rejects then tags, then by unsafe accepts", () => {
  const ranked = rankPolicies([
    fakeScore("unsafe-few", 1, 0, 1),
    fakeScore("correct-many-tags", 0, 2, 9),
    fakeScore("unsafe-many", 7, 0, 1),
    fakeScore("correct-best", 0, 0, 4),
    fakeScore("correct-few-tags", 0, 2, 3),
    fakeScore("correct-best-twin", 0, 0, 4),
  ]);
  assert.deepEqual(ranked.map((r) => [r.rank, r.policyId]), [
    [1, "correct-best"],
    [1, "correct-best-twin"],
    [3, "correct-few-tags"],
    [4, "correct-many-tags"],
    [5, "unsafe-few"],
    [6, "unsafe-many"],
  ]);
});

Deno.test("rankPolicies() on real scores puts every correct policy above every incorrect one", () => {
  const obs = timeTObservations();
  const ranked = rankPolicies([...policies.values()].map((p) => scorePolicy(p, obs)));
  const firstIncorrect = ranked.findIndex((r) => !r.correct);
  assert.ok(firstIncorrect > 0);
  assert.ok(ranked.slice(firstIncorrect).every((r) => !r.correct));
  assert.equal(ranked.find((r) => r.policyId === "pyodide-plain")!.correct, false);
});

Deno.test("judging never throws on odd input", () => {
  const p = policies.get("pep783")!;
  const w = wheelFor("0.28.3", "x");
  // A profile with nothing known: no tag, a refusal that says why.
  const bare = {
    ...w,
    profile: { arch: "wasm32" as const, flags: w.profile.flags, inferred: [], notes: {} },
  };
  const pred = predictInstall(p, bare, runtime("0.28.3"));
  assert.equal(pred.install, false);
  assert.match(pred.reason, /lacks year, patch/);
  // A malformed observation is an error entry, not an exception.
  const s = scorePolicy(p, [{ wheel: undefined, runtime: undefined } as unknown as Observation]);
  assert.equal(s.errors.length >= 1, true);
});
