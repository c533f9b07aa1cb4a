/**
 * Throughput of the link engine: module × runtime pairs per second over the worker pool, cold
 * (first pass: stubs, sessions and compiled modules built) and warm (second pass: cached), with
 * peak memory. Called by `scripts/bench.ts`.
 *
 * @module
 */
import process from "node:process";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { CheckLinkInput } from "./check_link.ts";
import { executeOnPool, LinkPool, type LinkPoolOptions } from "./pool.ts";
import type { OutcomeClass } from "./types.ts";

export interface LinkBenchmark {
  archives: number;
  runtimes: number;
  /** archive × runtime pairs per pass. */
  archivePairs: number;
  /** side module × runtime pairs per pass. */
  modulePairs: number;
  coldMs: number;
  warmMs: number;
  /** Module × runtime pairs per second, warm pass. */
  pairsPerSecond: number;
  /** Module × runtime pairs per CPU-second of this process (workers included), warm pass. */
  pairsPerCpuSecond?: number;
  /** Highest resident set size of the process sampled during both passes (workers included). */
  peakRssBytes: number;
  workers: number;
  outcomes: Partial<Record<OutcomeClass, number>>;
}

/**
 * Run the matrix twice over a fresh pool and measure.
 *
 * @example
 * ```ts ignore
 * import { benchmarkLink } from "./benchmark_link.ts";
 * const b = await benchmarkLink(inputs, runtimes, { workers: 2 });
 * console.log(`${b.pairsPerSecond.toFixed(0)} pairs/s, peak ${b.peakRssBytes >> 20} MiB`);
 * ```
 */
export async function benchmarkLink(
  inputs: CheckLinkInput[],
  runtimes: RuntimeFacts[],
  options: LinkPoolOptions = {},
): Promise<LinkBenchmark> {
  const jobs = inputs.flatMap((input) => runtimes.map((runtime) => ({ input, runtime })));
  const modulePairs = inputs.reduce((n, i) => n + i.modules.length, 0) * runtimes.length;
  let peak = Deno.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 20);
  const pool = new LinkPool(options);
  const outcomes: Partial<Record<OutcomeClass, number>> = {};
  try {
    let t = performance.now();
    await executeOnPool(pool, jobs, (_i, o) => {
      outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
    });
    const coldMs = performance.now() - t;
    const cpu0 = cpuMicros();
    t = performance.now();
    await executeOnPool(pool, jobs, () => {});
    const warmMs = performance.now() - t;
    const cpu1 = cpuMicros();
    peak = Math.max(peak, Deno.memoryUsage().rss);
    return {
      archives: inputs.length,
      runtimes: runtimes.length,
      archivePairs: jobs.length,
      modulePairs,
      coldMs,
      warmMs,
      pairsPerSecond: modulePairs / (warmMs / 1000),
      pairsPerCpuSecond: cpu0 !== undefined && cpu1 !== undefined && cpu1 > cpu0
        ? modulePairs / ((cpu1 - cpu0) / 1e6)
        : undefined,
      peakRssBytes: peak,
      workers: pool.size,
      outcomes,
    };
  } finally {
    clearInterval(sampler);
    await pool.close();
  }
}

/** CPU time of the process in µs (user + system), workers included. */
function cpuMicros(): number | undefined {
  try {
    const u = process.cpuUsage();
    return u.user + u.system;
  } catch {
    return undefined;
  }
}
