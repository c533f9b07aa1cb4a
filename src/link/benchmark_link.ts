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
import { FirstPhaseWindow, LinkPool, type LinkPoolOptions } from "./pool.ts";
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
  /** Pairs the warm pass checked again against a real main (the pool's second phase). */
  realPairs: number;
  /** Second-phase jobs of the warm pass: one real main compiled and instantiated each. */
  realJobs: number;
  outcomes: Partial<Record<OutcomeClass, number>>;
}

/**
 * Run the matrix twice over a fresh pool and measure. `inputs` is an array, or a factory of an
 * async iterable that reads archives as it goes (memory stays bounded; each pass reads again).
 * Warm means stubs, sessions and the workers exist; compiled modules are cached up to
 * `MAX_COMPILED_BYTES`. With `warmPasses` > 1 the fastest warm pass counts.
 *
 * @example
 * ```ts ignore
 * import { benchmarkLink } from "./benchmark_link.ts";
 * const b = await benchmarkLink(inputs, runtimes, { workers: 2 });
 * console.log(`${b.pairsPerSecond.toFixed(0)} pairs/s, peak ${b.peakRssBytes >> 20} MiB`);
 * ```
 */
export async function benchmarkLink(
  inputs: CheckLinkInput[] | (() => AsyncIterable<CheckLinkInput>),
  runtimes: RuntimeFacts[],
  options: LinkPoolOptions & { inFlight?: number; warmPasses?: number } = {},
): Promise<LinkBenchmark> {
  let peak = Deno.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 20);
  const pool = new LinkPool(options);
  const outcomes: Partial<Record<OutcomeClass, number>> = {};
  // A factory streams the archives (bounded memory); an array is checked as it is.
  const source = typeof inputs === "function" ? inputs : async function* () {
    yield* inputs;
  };
  const inFlight = options.inFlight ?? pool.size * 2;
  // The runner's schedule (see FirstPhaseWindow): real-mode pairs wait for the second phase.
  const pass = async (count: boolean) => {
    let archives = 0;
    let modules = 0;
    const window = new FirstPhaseWindow(inFlight);
    const running: Promise<void>[] = [];
    for await (const input of source()) {
      archives++;
      modules += input.modules.length;
      await window.enter();
      running.push(
        window.checkAll(pool, input, runtimes).then((os) => {
          if (count) {
            for (const o of os) outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
          }
        }),
      );
    }
    await Promise.all(running);
    return { archives, modules };
  };
  try {
    let t = performance.now();
    const { archives, modules } = await pass(true);
    const coldMs = performance.now() - t;
    // Best of the warm passes: a shared machine's noise only ever slows a pass down.
    let warmMs = Infinity;
    let cpuMs: number | undefined;
    let realPairs = 0;
    let realJobs = 0;
    for (let k = 0; k < Math.max(1, options.warmPasses ?? 1); k++) {
      const cpu0 = cpuMicros();
      const [pairs0, jobs0] = [pool.realPairs, pool.realJobs];
      t = performance.now();
      await pass(false);
      const ms = performance.now() - t;
      const cpu1 = cpuMicros();
      realPairs = pool.realPairs - pairs0;
      realJobs = pool.realJobs - jobs0;
      if (ms < warmMs) {
        warmMs = ms;
        cpuMs = cpu0 !== undefined && cpu1 !== undefined && cpu1 > cpu0
          ? (cpu1 - cpu0) / 1000
          : undefined;
      }
    }
    peak = Math.max(peak, Deno.memoryUsage().rss);
    const modulePairs = modules * runtimes.length;
    return {
      archives,
      runtimes: runtimes.length,
      archivePairs: archives * runtimes.length,
      modulePairs,
      coldMs,
      warmMs,
      pairsPerSecond: modulePairs / (warmMs / 1000),
      pairsPerCpuSecond: cpuMs !== undefined ? modulePairs / (cpuMs / 1000) : undefined,
      peakRssBytes: peak,
      workers: pool.size,
      realPairs,
      realJobs,
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
