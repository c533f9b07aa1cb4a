/**
 * The shared wording and counts of the renderers (src/report/_common.ts): why the winner wins,
 * which pairs are disputed, which archives are lock-file packages.
 */
import assert from "node:assert/strict";
import {
  countDisputes,
  disputeOf,
  explainWinner,
  explainWinners,
  indexOutcomes,
  isLockPackage,
} from "../../src/report/_common.ts";
import type {
  ConformReport,
  ReportCounts,
  ReportPolicy,
  ReportPrediction,
} from "../../src/report/types.ts";
import { disputeOneUnsafeAccept, makeReport } from "./_make_report.ts";

function counts(unsafeAccepts: number, needlessRejects: number): ReportCounts {
  return {
    unsafeAccepts,
    needlessRejects,
    correctAccepts: 10,
    correctRejects: 10,
    inconclusive: 0,
  };
}

/** A policy with given load figures (and the same under strict unless given). */
function policy(
  id: string,
  load: { rank: number; unsafe: number; needless: number },
  tags: number,
  strict = load,
): ReportPolicy {
  const judged = (j: typeof load) => ({
    withoutDefective: counts(j.unsafe, j.needless),
    withDefective: counts(j.unsafe, j.needless),
    rank: j.rank,
    correct: j.unsafe === 0,
  });
  return {
    id,
    title: id,
    file: `policies/${id}.yaml`,
    source: [],
    correct: load.unsafe === 0,
    rank: load.rank,
    unsafeAccepts: load.unsafe,
    needlessRejects: load.needless,
    correctAccepts: 10,
    correctRejects: 10,
    tagCount: tags,
    scores: { load: judged(load), strict: judged(strict) },
    counterExamples: [],
    predictions: [],
  };
}

function reportOf(policies: ReportPolicy[]): ConformReport {
  return { ...makeReport({ wheels: 0, policies: 0, oracleEvery: 0 }), policies };
}

Deno.test("explainWinner() says why the winner wins, on the first key that separates it", async (t) => {
  await t.step("fewer needless rejects than the next correct scheme", () => {
    const r = reportOf([
      policy("b", { rank: 2, unsafe: 0, needless: 129 }, 7),
      policy("a", { rank: 1, unsafe: 0, needless: 108 }, 7),
      policy("c", { rank: 3, unsafe: 2, needless: 5 }, 3),
    ]);
    assert.equal(
      explainWinner(r, "load"),
      "Under load, a wins: it is one of 2 schemes with no unsafe accept, and has the fewest " +
        "needless rejects (108, against 129 for b).",
    );
  });

  await t.step("same needless rejects: the tags decide, and the tie is named", () => {
    const r = reportOf([
      policy("a", { rank: 1, unsafe: 0, needless: 140 }, 7),
      policy("b", { rank: 2, unsafe: 0, needless: 140 }, 8),
    ]);
    assert.equal(
      explainWinner(r, "load", (id) => `\`${id}\``),
      "Under load, `a` wins: it is one of 2 schemes with no unsafe accept, and ties `b` on 140 " +
        "needless rejects, and has the fewest tags (7, against 8).",
    );
  });

  await t.step("the only correct scheme", () => {
    const r = reportOf([
      policy("a", { rank: 1, unsafe: 0, needless: 300 }, 2),
      policy("b", { rank: 2, unsafe: 1, needless: 0 }, 9),
    ]);
    assert.equal(
      explainWinner(r, "load"),
      "Under load, a wins: it is the only scheme with no unsafe accept (the next, b, has 1 " +
        "unsafe accept).",
    );
  });

  await t.step("no correct scheme: the fewest unsafe accepts win", () => {
    const r = reportOf([
      policy("a", { rank: 1, unsafe: 0, needless: 10 }, 2, { rank: 1, unsafe: 4, needless: 9 }),
      policy("b", { rank: 2, unsafe: 0, needless: 12 }, 2, { rank: 2, unsafe: 12, needless: 1 }),
    ]);
    assert.equal(
      explainWinner(r, "strict"),
      "Under strict, no scheme is correct (each installs some wheel where it does not work); " +
        "a ranks first: it has the fewest unsafe accepts (4, against 12 for b).",
    );
  });

  await t.step("a tie at the top names every winner", () => {
    const r = reportOf([
      policy("a", { rank: 1, unsafe: 0, needless: 140 }, 7),
      policy("b", { rank: 1, unsafe: 0, needless: 140 }, 7),
      policy("c", { rank: 3, unsafe: 0, needless: 150 }, 7),
    ]);
    assert.equal(
      explainWinner(r, "load"),
      "Under load, a and b tie: both have no unsafe accept, 140 needless rejects, 7 tags.",
    );
  });

  await t.step("one sentence per judgement scored; none without policies", () => {
    assert.equal(explainWinners(makeReport()).length, 2);
    assert.deepEqual(explainWinners(reportOf([])), []);
    const old = reportOf([{ ...policy("a", { rank: 1, unsafe: 0, needless: 1 }, 1) }]);
    delete old.policies[0].scores;
    assert.equal(explainWinners(old).length, 1, "a report from before strict: load only");
  });
});

Deno.test("disputeOf(): an error verdict the real runtime contradicts", async (t) => {
  const prediction = (
    verdict: ReportPrediction["verdict"],
    strictVerdict?: ReportPrediction["verdict"],
  ) => ({
    wheel: "w.whl",
    runtime: "0.28.3",
    wheelTag: "t",
    runtimeTags: ["t"],
    install: verdict === "unsafe-accept" || verdict === "correct-accept",
    verdict,
    ...(strictVerdict ? { strictVerdict } : {}),
    rule: "exact",
  });
  const outcome = (cls: "unresolved" | "links" | "latent", works: boolean | null) => ({
    wheel: "w.whl",
    runtime: "0.28.3",
    outcome: cls,
    summary: "",
    evidence: [],
    oracle: { works, status: works ? "ok" : "link-error", message: "", agrees: false },
  });

  await t.step("unsafe accept the real runtime loads", () => {
    assert.equal(
      disputeOf(prediction("unsafe-accept"), outcome("unresolved", true), "load"),
      "the real runtime loads it (ok); the link check says unresolved",
    );
  });
  await t.step("needless reject the real runtime fails on", () => {
    assert.match(
      disputeOf(prediction("needless-reject"), outcome("links", false), "load") ?? "",
      /^the real runtime fails on it \(link-error\); the link check says links$/,
    );
  });
  await t.step("strict: a latent pair the real runtime loads", () => {
    const p = prediction("correct-accept", "unsafe-accept");
    assert.equal(disputeOf(p, outcome("latent", true), "load"), undefined);
    assert.match(disputeOf(p, outcome("latent", true), "strict") ?? "", /unsafe only under strict/);
  });
  await t.step(
    "no dispute: agreement, an inconclusive oracle, no oracle, a correct verdict",
    () => {
      assert.equal(
        disputeOf(prediction("unsafe-accept"), outcome("unresolved", false), "load"),
        undefined,
      );
      assert.equal(
        disputeOf(prediction("unsafe-accept"), outcome("unresolved", null), "load"),
        undefined,
      );
      assert.equal(disputeOf(prediction("unsafe-accept"), undefined, "load"), undefined);
      assert.equal(
        disputeOf(prediction("correct-reject"), outcome("unresolved", true), "load"),
        undefined,
      );
    },
  );

  await t.step("countDisputes() counts them per policy and judgement", () => {
    const report = makeReport();
    const pair = disputeOneUnsafeAccept(report);
    const outcomes = indexOutcomes(report);
    for (const p of report.policies) {
      const n = countDisputes(p, outcomes, "load");
      const expected = p.predictions.filter((x) =>
        x.wheel === pair.wheel && x.runtime === pair.runtime && x.verdict === "unsafe-accept"
      ).length;
      assert.deepEqual(n, { unsafeAccepts: expected, needlessRejects: 0 }, p.id);
    }
    assert.equal(
      countDisputes(report.policies.find((p) => p.id === pair.policy)!, outcomes, "load")
        .unsafeAccepts,
      1,
    );
  });
});

Deno.test("isLockPackage(): lock-file .zip packages, not wheels", () => {
  assert.equal(
    isLockPackage({ file: "pyodide-0.27.7/openssl-1.1.1n.zip", kind: "shared-library" }),
    true,
  );
  assert.equal(
    isLockPackage({ file: "pyodide-0.27.7/ssl-1.0.0.zip", kind: "cpython-module" }),
    true,
  );
  assert.equal(isLockPackage({ file: "x/odd.zip", kind: "unknown" }), true);
  assert.equal(isLockPackage({ file: "a-1.0-py3-none-any.whl", kind: "wheel" }), false);
  assert.equal(isLockPackage({ file: "a-1.0-py3-none-any.whl", kind: "pure" }), false);
});
