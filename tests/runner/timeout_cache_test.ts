/**
 * A link check that stopped at the time limit may have been slowed by the machine: its outcome
 * is cached with the limit it had, served again to runs with the same (or a shorter) limit, and
 * checked again by a run that allows more time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { LinkOutcome } from "../../src/link/types.ts";
import { type LinkExecutor, runConform } from "../../src/runner/run_conform.ts";
import { freshCache, MIRROR, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const WHEEL = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";

Deno.test("a timed-out pair is kept with its limit; a longer limit checks it again", async () => {
  const cacheDir = await freshCache();
  let calls = 0;
  // Every pair times out, as a worker killed at the pool's limit reports it.
  const timingOut: LinkExecutor = async (jobs, onDone) => {
    for (const [i, job] of jobs.entries()) {
      calls++;
      const outcome: LinkOutcome = {
        wheel: job.input.wheel.file,
        wheelSha256: job.input.wheel.sha256,
        runtime: job.runtime.version,
        outcome: "trap",
        linkOutcome: "trap",
        modules: [],
        evidence: [{ kind: "timeout", message: "check exceeded 1000 ms" }],
        ms: 1000,
      };
      await Promise.resolve();
      onDone(i, outcome);
    }
  };
  try {
    const run = async (linkTimeLimitMs: number) =>
      await runConform({
        paths: [join(MIRROR, WHEEL)],
        catalogue: await runtimeCatalogue(),
        runtimes: ["0.27.7", "0.28.3"],
        policies: await shippedPolicies(),
        oracle: "none",
        cacheDir,
        allowNetwork: false,
        executeLinks: timingOut,
        linkTimeLimitMs,
      });
    const first = await run(1000);
    assert.ok(first.outcomes.every((o) => o.outcome === "trap"));
    const afterFirst = calls;
    assert.ok(afterFirst >= 2, `${afterFirst} checks`);
    // The same limit, and a shorter one: served from the cache.
    const again = await run(1000);
    await run(500);
    assert.equal(calls, afterFirst, "no pair was checked again");
    assert.deepEqual(again.outcomes.map((o) => o.outcome), first.outcomes.map((o) => o.outcome));
    // A longer limit: every timed-out pair is checked again, and kept with the new limit.
    await run(5000);
    assert.equal(calls, afterFirst * 2, "every timed-out pair was checked again");
    await run(5000);
    assert.equal(calls, afterFirst * 2, "kept with the longer limit");
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
