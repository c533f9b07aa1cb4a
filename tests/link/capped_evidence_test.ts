/**
 * Evidence is capped per module, but counts stay true: 20,000 functions that resolve nowhere
 * are counted as 20,000 in the one-line summary, not as the length of the capped list.
 */
import assert from "node:assert/strict";
import { checkLink, describeOutcome, MAX_EVIDENCE_PER_MODULE } from "../../src/link/mod.ts";
import { NO_PARAMS, runtime, sideModule, syntheticWheel } from "./_fixtures.ts";

Deno.test("20,000 missing imports: capped evidence, true counts", async () => {
  const n = 20_000;
  const bytes = sideModule({
    imports: Array.from({ length: n }, (_, i) => ({
      module: "env",
      name: `missing_function_${i}`,
      kind: "func" as const,
      type: NO_PARAMS,
    })),
  });
  const input = syntheticWheel([{ member: "many.so", bytes }]);
  const o = await checkLink(input, await runtime("0.27.7"));
  const evidence = o.modules.flatMap((m) => m.evidence);
  assert.ok(evidence.length <= MAX_EVIDENCE_PER_MODULE + 5, `${evidence.length} entries`);
  const counted = evidence
    .filter((e) => e.kind === "latent-function" || e.kind === "unresolved-function")
    .reduce((sum, e) => sum + (e.omitted ?? 1), 0);
  assert.equal(counted, n, o.outcome);
  const summary = describeOutcome(o);
  const more = Number(/\(\+(\d+) more\)/.exec(summary)?.[1]);
  assert.ok(more >= n - 3, summary);
});
