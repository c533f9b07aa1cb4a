import assert from "node:assert/strict";
import {
  deriveEquivalenceClasses,
  findDefectiveWheels,
  loadPolicies,
  type Observation,
  type PolicyScore,
  predictInstall,
  rankJudgements,
  rankPolicies,
  scorePolicy,
  scorePolicyJudgements,
  type VerdictCounts,
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
    judgement: "load",
    withDefective: {
      unsafeAccepts: unsafe,
      needlessRejects: needless,
      correctAccepts: 0,
      correctRejects: 0,
      inconclusive: 0,
    },
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

const COUNT_KEYS = [
  "unsafeAccepts",
  "needlessRejects",
  "correctAccepts",
  "correctRejects",
  "inconclusive",
] as const;

function countsOf(c: VerdictCounts): number[] {
  return COUNT_KEYS.map((k) => c[k]);
}

/** Each (wheel, runtime) at most once in a score's predictions. */
function assertOnePerPair(s: PolicyScore): void {
  const keys = s.predictions.map((p) => `${p.wheel}|${p.runtime}`);
  assert.equal(new Set(keys).size, keys.length, `${s.policyId}: a pair is listed twice`);
}

Deno.test("two judgements: a latent pair works under load, not under strict", () => {
  // A 0.27.7 wheel on 0.26.4 (same ABI) that loads but leaves a function unresolved.
  const w = wheelFor("0.27.7", "zstandard");
  const obs = [observe(w, "0.27.7", "links"), observe(w, "0.26.4", "latent", "env.ZSTD_x")];
  let installs = 0;
  for (const [id, p] of policies) {
    const both = scorePolicyJudgements(p, obs);
    assert.equal(both.load.judgement, "load");
    assert.equal(both.strict.judgement, "strict");
    // The one-judgement entry point gives the same scores.
    assert.deepEqual(scorePolicy(p, obs, { judgement: "strict" }), both.strict, id);
    assert.deepEqual(scorePolicy(p, obs), both.load, id);
    const load = both.load.predictions.find((x) => x.runtime === "0.26.4")!;
    const strict = both.strict.predictions.find((x) => x.runtime === "0.26.4")!;
    assert.equal(load.install, strict.install, `${id}: the prediction does not depend on it`);
    assert.equal(load.evidence, "link");
    if (load.install) {
      installs++;
      assert.deepEqual([load.verdict, strict.verdict], ["correct-accept", "unsafe-accept"], id);
      assert.equal(both.strict.correct, false, id);
      assert.equal(both.strict.counterExamples[0]?.outcome, "latent", id);
    } else {
      assert.deepEqual([load.verdict, strict.verdict], ["needless-reject", "correct-reject"], id);
    }
    assert.equal(both.load.unsafeAccepts, 0, id);
  }
  assert.ok(installs > 0, "some scheme installs the 0.27.7 wheel on 0.26.4");
});

Deno.test("latent on its own runtime is not defective; it is an unsafe accept under strict", () => {
  const w = wheelFor("0.27.7", "zstandard");
  const obs = [observe(w, "0.27.7", "latent", "env.ZSTD_createThreadPool")];
  assert.equal(findDefectiveWheels(obs).size, 0);
  const both = scorePolicyJudgements(policies.get("pep783")!, obs);
  assert.equal(both.load.defective.length, 0);
  assert.deepEqual([both.load.correctAccepts, both.strict.unsafeAccepts], [1, 1]);
});

Deno.test("defective wheels: left out of the ranking counts, scored in the with-defective ones", () => {
  const ok = wheelFor("0.27.7", "orjson");
  const broken = wheelFor("0.27.7", "libngspice");
  const needy = wheelFor("0.26.4", "shapely");
  const obs = [
    observe(ok, "0.27.7", "links"),
    observe(ok, "0.26.4", "latent"),
    observe(broken, "0.27.7", "link-error", "env.time: (i32) -> i32 vs (i32) -> i64"),
    observe(broken, "0.26.4", "links"),
    observe(broken, "0.28.3", "missing-dependency", "libgeos.so"),
    observe(needy, "0.26.4", "links"),
    observe(needy, "0.27.7", "missing-dependency", "libgeos.so"),
  ];
  for (const [id, p] of policies) {
    const both = scorePolicyJudgements(p, obs);
    for (const s of [both.load, both.strict]) {
      const where = `${id} under ${s.judgement}`;
      assertOnePerPair(s);
      assert.equal(s.predictions.length, obs.length, where);
      const mine = s.predictions.filter((x) => x.wheel === broken.file);
      assert.ok(mine.every((x) => x.verdict === "defective" && x.withDefective), where);
      assert.deepEqual(s.defective, mine, `${where}: the same pairs, listed once`);
      assert.ok(!s.counterExamples.some((c) => c.wheel === broken.file), where);
      // Without: every other pair counted once; with: the defective wheel's pairs added.
      const added = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<
        typeof COUNT_KEYS[number],
        number
      >;
      const keyOf = {
        "unsafe-accept": "unsafeAccepts",
        "needless-reject": "needlessRejects",
        "correct-accept": "correctAccepts",
        "correct-reject": "correctRejects",
        "inconclusive": "inconclusive",
      } as const;
      for (const x of mine) added[keyOf[x.withDefective!]]++;
      assert.deepEqual(
        countsOf(s.withDefective),
        COUNT_KEYS.map((k) => s[k] + added[k]),
        where,
      );
      assert.equal(countsOf(s).reduce((a, b) => a + b), obs.length - mine.length, where);
      // missing-dependency is inconclusive under both judgements, for any wheel.
      assert.equal(s.inconclusive, 1, where);
      assert.equal(s.withDefective.inconclusive, 2, where);
      assert.equal(
        mine.find((x) => x.runtime === "0.27.7")!.withDefective,
        mine.find((x) => x.runtime === "0.27.7")!.install ? "unsafe-accept" : "correct-reject",
        `${where}: its own pair, scored like any other`,
      );
    }
  }
});

Deno.test("a wheel is defective only as the caller or its own pair says, and no pair is scored twice", () => {
  const w = wheelFor("0.27.7", "orjson");
  const obs = [
    observe(w, "0.27.7", "links"),
    observe(w, "0.26.4", "links"),
    // The same pair again, worse: merged into one, the worst outcome kept.
    observe(w, "0.26.4", "link-error", "env.time"),
  ];
  const s = scorePolicy(policies.get("pep783")!, obs);
  assertOnePerPair(s);
  assert.equal(s.predictions.length, 2);
  assert.equal(s.predictions.find((x) => x.runtime === "0.26.4")!.outcome, "link-error");
  assert.match(s.errors.map((e) => e.message).join("\n"), /1 repeated observation/);
  // A run that judged the wheel on its own runtime elsewhere says so.
  const told = scorePolicy(policies.get("pep783")!, obs, { isDefective: () => true });
  assert.equal(told.defective.length, 2);
  assert.deepEqual(countsOf(told), [0, 0, 0, 0, 0]);
});

Deno.test("rankJudgements() ranks under each judgement from that judgement's counts", () => {
  const w = wheelFor("0.27.7", "zstandard");
  const obs = [
    ...timeTObservations(),
    observe(w, "0.27.7", "links"),
    observe(w, "0.26.4", "latent", "env.ZSTD_x"),
  ];
  const both = [...policies.values()].map((p) => scorePolicyJudgements(p, obs));
  const ranked = rankJudgements(both);
  for (const j of ["load", "strict"] as const) {
    assert.deepEqual(
      ranked[j].map((r) => [r.policyId, r.rank]),
      rankPolicies(both.map((b) => b[j])).map((r) => [r.policyId, r.rank]),
    );
    assert.ok(ranked[j].every((r) => r.judgement === j));
  }
  // Schemes that install the latent pair are correct under load only.
  const lax = both.filter((b) =>
    b.load.predictions.some((x) => x.runtime === "0.26.4" && x.wheel === w.file && x.install)
  ).map((b) => b.load.policyId);
  assert.ok(lax.length > 0);
  for (const id of lax) {
    const load = ranked.load.find((r) => r.policyId === id)!;
    const strict = ranked.strict.find((r) => r.policyId === id)!;
    assert.equal(strict.unsafeAccepts, load.unsafeAccepts + 1, id);
    assert.equal(strict.correct, false, id);
  }
});
