/**
 * Scope invariance: a run over any two runtimes gives every pair it scores the verdict the full
 * run gives, and each policy the same CORRECT or UNSAFE on those pairs. The full run uses the
 * real link engine over the whole corpus. Every pair of two catalogue runtimes is scored from
 * the full run's observations restricted to it (what a subset run observes: each pair's outcome
 * is its own, and each wheel's own-runtime outcome is checked in every scope); two subsets also
 * go through the whole runner, reusing the cached outcomes as a user's second run would.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConformReport, ReportPolicy } from "../../src/report/types.ts";
import { type Observation, scorePolicyJudgements } from "../../src/policy/mod.ts";
import { createLinkPoolExecutor } from "../../src/runner/link_pool_executor.ts";
import { type ConformOptions, runConform } from "../../src/runner/run_conform.ts";
import { freshCache, MIRROR, REPO, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const JUDGEMENTS = ["load", "strict"] as const;

/** Each (policy, wheel, runtime) with its verdicts: no key may repeat. */
function verdicts(report: ConformReport): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of report.policies) {
    for (const q of p.predictions) {
      const k = `${p.id}\u0000${q.wheel}\u0000${q.runtime}`;
      assert.ok(!out.has(k), `(policy, wheel, runtime) listed twice: ${k}`);
      out.set(
        k,
        JSON.stringify([q.install, q.verdict, q.strictVerdict ?? null, q.withDefective ?? null]),
      );
    }
  }
  return out;
}

/** Unsafe accepts of a policy under a judgement, among the pairs of the given runtimes. */
function unsafeOn(p: ReportPolicy, runtimes: Set<string>, j: "load" | "strict"): number {
  return p.predictions.filter((q) =>
    runtimes.has(q.runtime) &&
    (j === "load" ? q.verdict : q.strictVerdict ?? q.verdict) === "unsafe-accept"
  ).length;
}

Deno.test("every pair of two runtimes scores each pair as the full run does", async (t) => {
  const cacheDir = await freshCache();
  const catalogue = await runtimeCatalogue();
  const policies = await shippedPolicies();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const run = (runtimes?: string[], extra: Partial<ConformOptions> = {}) =>
    runConform({
      paths: [join(REPO, "corpus")],
      catalogue,
      ...(runtimes ? { runtimes } : {}),
      policies,
      oracle: "none",
      cacheDir,
      mirror: MIRROR,
      allowNetwork: false,
      executeLinks: executor.execute,
      ...extra,
    });
  try {
    let observed: Observation[] = [];
    const full = await run(undefined, { onObservations: (obs) => observed = obs });
    assert.deepEqual(full.errors, []);
    assert.ok(observed.length > 2000, `${observed.length} observations`);
    const fullVerdicts = verdicts(full);
    const fullDefective = new Set(full.wheels.filter((w) => w.defective).map((w) => w.file));
    const versions = catalogue.map((e) => e.version);
    const combos: [string, string][] = [];
    for (let i = 0; i < versions.length; i++) {
      for (let k = i + 1; k < versions.length; k++) combos.push([versions[i], versions[k]]);
    }
    assert.equal(combos.length, (versions.length * (versions.length - 1)) / 2);

    /** Differences between a subset's report-like scores and the full run's. */
    const compare = (
      label: string,
      scope: Set<string>,
      subVerdicts: Map<string, string>,
      subPolicies: { id: string; unsafe: Record<"load" | "strict", number> }[],
      subDefective: string[],
    ): string[] => {
      const problems: string[] = [];
      let pairs = 0;
      for (const [k, v] of subVerdicts) {
        pairs++;
        if (fullVerdicts.get(k) !== v) {
          problems.push(`${label}: ${k.replaceAll("\u0000", " ")}: ${v} vs ${fullVerdicts.get(k)}`);
        }
      }
      if (pairs === 0) problems.push(`${label}: no pair scored`);
      for (const p of subPolicies) {
        const whole = full.policies.find((x) => x.id === p.id)!;
        for (const j of JUDGEMENTS) {
          if (p.unsafe[j] !== unsafeOn(whole, scope, j)) {
            problems.push(`${label}: ${p.id} ${j}: ${p.unsafe[j]} vs ${unsafeOn(whole, scope, j)}`);
          }
        }
      }
      const inScope = new Set(
        [...subVerdicts.keys()].map((k) => k.split("\u0000")[1]),
      );
      for (const w of subDefective) {
        if (!fullDefective.has(w)) problems.push(`${label}: ${w} defective only here`);
      }
      for (const w of fullDefective) {
        if (inScope.has(w) && !subDefective.includes(w)) {
          problems.push(`${label}: ${w} defective only in the full run`);
        }
      }
      return problems;
    };

    await t.step(
      `${combos.length} runtime pairs scored: same verdicts, same CORRECT/UNSAFE`,
      () => {
        const problems: string[] = [];
        for (const [a, b] of combos) {
          const scope = new Set([a, b]);
          const subset = observed.filter((o) => scope.has(o.runtime.version));
          const subVerdicts = new Map<string, string>();
          const subPolicies = [];
          const defective = new Set<string>();
          for (const policy of policies) {
            const both = scorePolicyJudgements(policy, subset);
            both.load.predictions.forEach((q, i) => {
              const strict = both.strict.predictions[i];
              const k = `${policy.id}\u0000${q.wheel}\u0000${q.runtime}`;
              if (subVerdicts.has(k)) problems.push(`${a},${b}: listed twice: ${k}`);
              subVerdicts.set(
                k,
                JSON.stringify([
                  q.install,
                  q.verdict,
                  strict.verdict !== q.verdict ? strict.verdict : null,
                  q.withDefective && strict.withDefective
                    ? { load: q.withDefective, strict: strict.withDefective }
                    : null,
                ]),
              );
              if (q.verdict === "defective") defective.add(q.wheel);
            });
            subPolicies.push({
              id: policy.id,
              unsafe: { load: both.load.unsafeAccepts, strict: both.strict.unsafeAccepts },
            });
          }
          problems.push(...compare(`${a},${b}`, scope, subVerdicts, subPolicies, [...defective]));
        }
        assert.deepEqual(problems.slice(0, 20), []);
      },
    );

    for (const scope of [["0.27.7", "0.28.3"], [versions[0], versions[versions.length - 1]]]) {
      await t.step(`conform --runtime ${scope.join(",")} agrees with the full run`, async () => {
        const sub = await run(scope);
        assert.deepEqual(sub.runtimes.map((r) => r.version), scope);
        const problems = compare(
          scope.join(","),
          new Set(scope),
          verdicts(sub),
          sub.policies.map((p) => ({
            id: p.id,
            unsafe: {
              load: p.scores!.load.withoutDefective.unsafeAccepts,
              strict: p.scores!.strict.withoutDefective.unsafeAccepts,
            },
          })),
          sub.wheels.filter((w) => w.defective).map((w) => w.file),
        );
        for (const p of sub.policies) {
          for (const j of JUDGEMENTS) {
            if (unsafeOn(p, new Set(scope), j) !== p.scores![j].withoutDefective.unsafeAccepts) {
              problems.push(`${p.id} ${j}: counts and listed pairs disagree`);
            }
          }
        }
        assert.deepEqual(problems.slice(0, 20), []);
      });
    }

    await t.step("the wheels the full run finds defective are few and explained", () => {
      for (const w of full.wheels.filter((x) => x.defective)) {
        assert.ok(w.builtFor && w.builtForOutcome && w.builtForSummary, JSON.stringify(w));
        assert.notEqual(w.builtForOutcome, "latent");
      }
    });

    await t.step("a wheel given by path states the built-for runtime inferred for it", async () => {
      const file = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";
      const byPath = await runConform({
        paths: [join(MIRROR, file)],
        catalogue,
        runtimes: ["0.28.3"],
        policies,
        oracle: "none",
        cacheDir,
        allowNetwork: false,
        executeLinks: executor.execute,
      });
      const w = byPath.wheels[0];
      // Nothing in the catalogue places it: the runtimes with its ABI tag are its candidates.
      const abiTwins = catalogue.filter((e) => e.platformTag === "pyodide_2024_0_wasm32");
      assert.ok(abiTwins.some((e) => e.version === w.builtFor), JSON.stringify(w));
      assert.match(w.builtForInferred ?? "", /\S/);
      // Its own runtime was checked although the run selected only 0.28.3, and it is not in the
      // report's runtimes.
      assert.equal(w.builtForOutcome, "links");
      assert.deepEqual(byPath.runtimes.map((r) => r.version), ["0.28.3"]);
    });
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
