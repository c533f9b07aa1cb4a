/**
 * The evidence ladder at the scoring level: the real runtime's conclusive result decides a pair,
 * the decisive pairs are the ones that move the ranking, and a scope's verdicts do not depend on
 * which runtimes were selected.
 */
import assert from "node:assert/strict";
import {
  findDecisivePairs,
  findDefectiveWheels,
  type Observation,
  observedWorks,
  rankPolicies,
  scorePolicy,
  scorePolicyJudgements,
} from "../../src/policy/mod.ts";
import { observe, shippedPolicies, wheelFor } from "./_fixtures.ts";

const policies = await shippedPolicies();

Deno.test("observedWorks(): the real runtime decides load; strict keeps latent functions", () => {
  assert.equal(observedWorks({ outcome: "link-error" }), false);
  assert.equal(observedWorks({ outcome: "link-error", oracleWorks: true }), true);
  assert.equal(observedWorks({ outcome: "links", oracleWorks: false }), false);
  assert.equal(observedWorks({ outcome: "latent" }), true);
  assert.equal(observedWorks({ outcome: "latent" }, "strict"), false);
  assert.equal(observedWorks({ outcome: "latent", oracleWorks: true }, "strict"), false);
  assert.equal(observedWorks({ outcome: "links", oracleWorks: true }, "strict"), true);
  assert.equal(observedWorks({ outcome: "missing-dependency" }), null);
  assert.equal(observedWorks({ outcome: "missing-dependency", oracleWorks: false }), false);
});

/** 0.21.3 and 0.22.1 share cp310; each one's regex breaks on the other (time_t). */
function crossObservations(): Observation[] {
  const a = wheelFor("0.21.3", "regex");
  const b = wheelFor("0.22.1", "regex");
  return [
    observe(a, "0.21.3", "links"),
    observe(a, "0.22.1", "link-error", "env.time"),
    observe(b, "0.22.1", "links"),
    observe(b, "0.21.3", "loader-mismatch", "relocations"),
  ];
}

Deno.test("a conclusive oracle result decides its pair for scoring, and says so", () => {
  const plain = policies.get("pyodide-plain")!;
  const onLink = scorePolicy(plain, crossObservations());
  assert.equal(onLink.unsafeAccepts, 2);
  // The real runtime loads the 0.21.3 wheel on 0.22.1: that unsafe accept goes away.
  const obs = crossObservations().map((o) =>
    o.runtime.version === "0.22.1" && o.wheel.builtFor === "0.21.3"
      ? { ...o, oracleWorks: true }
      : o
  );
  const s = scorePolicy(plain, obs);
  assert.equal(s.unsafeAccepts, 1);
  assert.equal(s.correctAccepts, 3);
  const decided = s.predictions.filter((p) => p.evidence === "oracle");
  assert.deepEqual(decided.map((p) => [p.runtime, p.verdict]), [["0.22.1", "correct-accept"]]);
  assert.equal(s.predictions.filter((p) => p.evidence === "link").length, 3);
});

Deno.test("defective needs a load failure the real runtime does not contradict", () => {
  const w = { ...wheelFor("0.22.1", "regex"), builtForOutcome: "unresolved" as const };
  const obs = [observe(w, "0.21.3", "links")];
  // The own pair is out of scope: the wheel's own outcome decides.
  assert.equal(findDefectiveWheels(obs).size, 1);
  const confirmed = [observe({ ...w, builtForOracleWorks: false }, "0.21.3", "links")];
  assert.equal(findDefectiveWheels(confirmed).size, 1);
  const contradicted = [observe({ ...w, builtForOracleWorks: true }, "0.21.3", "links")];
  assert.equal(findDefectiveWheels(contradicted).size, 0);
  const latent = [observe({ ...w, builtForOutcome: "latent" }, "0.21.3", "links")];
  assert.equal(findDefectiveWheels(latent).size, 0);
});

Deno.test("findDecisivePairs(): unsafe accepts by leverage, and the pairs between the top", () => {
  const scores = [...policies.values()].map((p) => scorePolicyJudgements(p, crossObservations()));
  const decisive = findDecisivePairs(scores);
  // Every unsafe accept of every policy is listed, once per pair.
  const unsafe = new Set(
    scores.flatMap((s) =>
      s.load.predictions.filter((p) => p.verdict === "unsafe-accept").map((p) =>
        `${p.wheel}@${p.runtime}`
      )
    ),
  );
  assert.ok(unsafe.size > 0);
  const listed = decisive.map((d) => `${d.wheel}@${d.runtime}`);
  assert.equal(new Set(listed).size, listed.length, "each pair once");
  for (const u of unsafe) assert.ok(listed.includes(u), u);
  // Most decisive first: leverage never decreases down the list.
  for (let i = 1; i < decisive.length; i++) {
    assert.ok(decisive[i - 1].leverage <= decisive[i].leverage);
  }
  // A pair with leverage 1 is the only unsafe accept of some policy, or separates the top.
  for (const d of decisive.filter((x) => x.leverage === 1)) {
    const sole = scores.some((s) =>
      s.load.unsafeAccepts === 1 &&
      s.load.predictions.some((p) =>
        p.wheel === d.wheel && p.runtime === d.runtime && p.verdict === "unsafe-accept"
      )
    );
    assert.ok(sole || d.separates.length > 0, JSON.stringify(d));
  }
  // The pairs that separate the top-ranked schemes: their install decisions differ.
  const top = rankPolicies(scores.map((s) => s.load)).filter((r) => r.rank <= 3);
  for (const d of decisive.filter((x) => x.separates.some((s) => s.endsWith("/load")))) {
    const installs = new Set(
      top.map((s) =>
        s.predictions.find((p) => p.wheel === d.wheel && p.runtime === d.runtime)?.install
      ).filter((x) => x !== undefined),
    );
    assert.equal(installs.size, 2, JSON.stringify(d));
  }
});

Deno.test("no pair is decisive when every policy agrees and none accepts unsafely", () => {
  const w = wheelFor("0.27.7", "orjson");
  const obs = [observe(w, "0.27.7", "links")];
  const scores = [...policies.values()].map((p) => scorePolicyJudgements(p, obs));
  assert.deepEqual(findDecisivePairs(scores), []);
});
