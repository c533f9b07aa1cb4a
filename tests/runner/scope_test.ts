/**
 * Scope invariance: a run over any two runtimes gives every pair it scores the verdict the full
 * run gives, and each policy the same CORRECT or UNSAFE on those pairs. Checked for every pair
 * of two catalogue runtimes, with the real link engine over the whole corpus (the second and
 * later runs reuse the first one's cached outcomes, as a user's would).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConformReport, ReportPolicy } from "../../src/report/types.ts";
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
    const full = await run();
    assert.deepEqual(full.errors, []);
    const fullVerdicts = verdicts(full);
    const fullDefective = new Set(full.wheels.filter((w) => w.defective).map((w) => w.file));
    const versions = catalogue.map((e) => e.version);
    const combos: [string, string][] = [];
    for (let i = 0; i < versions.length; i++) {
      for (let k = i + 1; k < versions.length; k++) combos.push([versions[i], versions[k]]);
    }
    assert.equal(combos.length, (versions.length * (versions.length - 1)) / 2);

    await t.step(`${combos.length} runtime pairs: same verdicts, same CORRECT/UNSAFE`, async () => {
      const problems: string[] = [];
      for (const [a, b] of combos) {
        const sub = await run([a, b]);
        const scope = new Set([a, b]);
        assert.deepEqual(sub.runtimes.map((r) => r.version), [a, b]);
        for (const [k, v] of verdicts(sub)) {
          if (fullVerdicts.get(k) !== v) {
            problems.push(
              `${a},${b}: ${k.replaceAll("\u0000", " ")}: ${v} vs ${fullVerdicts.get(k)}`,
            );
          }
        }
        for (const p of sub.policies) {
          const whole = full.policies.find((x) => x.id === p.id)!;
          for (const j of JUDGEMENTS) {
            const inSub = p.scores![j].withoutDefective.unsafeAccepts;
            if (inSub !== unsafeOn(whole, scope, j)) {
              problems.push(
                `${a},${b}: ${p.id} ${j}: ${inSub} unsafe vs ${unsafeOn(whole, scope, j)}`,
              );
            }
            if (unsafeOn(p, scope, j) !== inSub) {
              problems.push(`${a},${b}: ${p.id} ${j}: counts and listed pairs disagree`);
            }
          }
        }
        const subDefective = sub.wheels.filter((w) => w.defective).map((w) => w.file);
        for (const w of subDefective) {
          if (!fullDefective.has(w)) problems.push(`${a},${b}: ${w} defective only here`);
        }
        for (const w of fullDefective) {
          if (!subDefective.includes(w)) problems.push(`${a},${b}: ${w} defective only in full`);
        }
      }
      assert.deepEqual(problems.slice(0, 20), []);
    });

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
