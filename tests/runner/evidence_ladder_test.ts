/**
 * The evidence ladder against the real runtimes: the decisive pairs of a run go to the real
 * runtime first, within the budget; a conclusive result there decides the pair, and the report
 * says which evidence decided each pair and whether the ranking moved.
 *
 * The wheel: pyxel built for 0.27.7 (JS exceptions). On 0.28.3 (wasm exceptions) the link check
 * finds every load step passing with `invoke_*` functions resolving nowhere (`latent`: works
 * under `load`), while the real runtime fails when the import calls one of them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConformReport } from "../../src/report/types.ts";
import { createLinkPoolExecutor } from "../../src/runner/link_pool_executor.ts";
import { type ConformOptions, runConform } from "../../src/runner/run_conform.ts";
import { validateReport } from "../../src/report/mod.ts";
import { freshCache, MIRROR, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const PYXEL = "pyodide-0.27.7/pyxel-1.9.10-cp37-abi3-pyodide_2024_0_wasm32.whl";

function predictionsOf(report: ConformReport, runtime: string) {
  return report.policies.flatMap((p) =>
    p.predictions.filter((q) => q.runtime === runtime).map((q) => ({ policy: p.id, ...q }))
  );
}

Deno.test("evidence ladder: decisive pairs run first and decide their verdicts", async (t) => {
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const catalogue = await runtimeCatalogue();
  const policies = await shippedPolicies();
  const run = (extra: Partial<ConformOptions>) =>
    runConform({
      paths: [join(MIRROR, PYXEL)],
      catalogue,
      runtimes: ["0.27.7", "0.28.3"],
      policies,
      oracle: "decisive",
      cacheDir,
      mirror: MIRROR,
      allowNetwork: false,
      executeLinks: executor.execute,
      ...extra,
    });
  try {
    await t.step(
      "a spent budget runs nothing new: link evidence decides, and it says so",
      async () => {
        const r = await run({ oracleBudgetMs: 0 });
        const d = r.agreement?.decisive;
        assert.ok(d, "the decisive block is reported");
        assert.ok(d.pairs >= 1, JSON.stringify(d));
        assert.equal(d.run, 0);
        assert.equal(d.notRun, d.pairs);
        assert.equal(d.budgetSeconds, 0);
        assert.ok(predictionsOf(r, "0.28.3").every((q) => q.evidence === "link"));
      },
    );

    let decided: ConformReport;
    await t.step("with no budget every decisive pair runs; the real runtime decides", async () => {
      decided = await run({ oracleBudgetMs: null });
      const d = decided.agreement!.decisive!;
      assert.equal(d.notRun, 0);
      assert.equal(d.run, d.pairs);
      const cross = decided.outcomes.find((o) => o.runtime === "0.28.3")!;
      assert.equal(cross.outcome, "latent", cross.summary);
      assert.equal(cross.oracle?.works, false, JSON.stringify(cross.oracle));
      // Every prediction on that pair is decided by the real runtime, and it does not work.
      const onCross = predictionsOf(decided, "0.28.3");
      assert.equal(onCross.length, policies.length);
      for (const q of onCross) {
        assert.equal(q.evidence, "oracle", q.policy);
        assert.ok(
          q.install ? q.verdict === "unsafe-accept" : q.verdict === "correct-reject",
          `${q.policy}: ${q.verdict}`,
        );
      }
      // The link check said it loads; the real runtime overturned that.
      const over = d.overturned.find((o) => o.runtime === "0.28.3");
      assert.ok(over, JSON.stringify(d.overturned));
      assert.equal(over.linkOutcome, "latent");
      assert.equal(d.changedRanking, d.overturned.filter((o) => o.changesRanking).length);
      // A policy that installs it was correct on link evidence and is not any more.
      const plain = decided.policies.find((p) => p.id === "pyodide-plain")!;
      assert.equal(plain.correct, false);
      assert.ok(d.moved.some((m) => m.policy === "pyodide-plain" && m.judgement === "load"));
      assert.ok(d.overturned.some((o) => o.changesRanking));
      const valid = validateReport(JSON.parse(JSON.stringify(decided)));
      assert.ok(valid.valid, JSON.stringify(!valid.valid && valid.errors.slice(0, 3)));
    });

    await t.step("the next run with a spent budget reuses every cached result", async () => {
      const again = await run({ oracleBudgetMs: 0 });
      const d = again.agreement!.decisive!;
      assert.equal(d.notRun, 0);
      assert.equal(d.run, decided.agreement!.decisive!.run);
      assert.deepEqual(
        again.policies.map((p) => [p.id, p.correct, p.rank]),
        decided.policies.map((p) => [p.id, p.correct, p.rank]),
      );
    });
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
