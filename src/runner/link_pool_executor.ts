/**
 * The runner's link executor backed by the worker pool: side-module code runs only inside
 * permission-less workers with a time limit, and a timed-out pair becomes `trap` while the
 * rest of the batch goes on.
 *
 * @module
 */
import { LinkPool } from "../link/pool.ts";
import type { CheckLinkInput } from "../link/mod.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { type ConformOptions, type LinkExecutor, runConform } from "./run_conform.ts";
import type { ConformReport } from "../report/types.ts";

/** An executor plus a way to release its workers. */
export interface LinkPoolExecutor {
  execute: LinkExecutor;
  close(): Promise<void>;
}

/**
 * Create the pool-backed executor. Jobs of the same archive go to the pool together, so each
 * worker reuses its stub session per runtime and its compiled modules per archive; `onDone`
 * gets each pair's final outcome once, as soon as it is known.
 *
 * @example
 * ```ts ignore
 * const executor = createLinkPoolExecutor({ workers: 2 });
 * await executor.execute(jobs, (i, outcome) => console.log(i, outcome.outcome));
 * await executor.close();
 * ```
 */
export function createLinkPoolExecutor(
  options: { workers: number; timeLimitMs?: number },
): LinkPoolExecutor {
  let pool: LinkPool | undefined;
  const execute: LinkExecutor = async (jobs, onDone) => {
    pool ??= new LinkPool({ workers: options.workers, timeLimitMs: options.timeLimitMs });
    const byInput = new Map<CheckLinkInput, { runtimes: RuntimeFacts[]; indices: number[] }>();
    for (const [i, job] of jobs.entries()) {
      const group = byInput.get(job.input) ?? { runtimes: [], indices: [] };
      group.runtimes.push(job.runtime);
      group.indices.push(i);
      byInput.set(job.input, group);
    }
    const p = pool;
    // Every archive is queued at once: the pool's second phase (real mode, grouped by runtime)
    // then starts once, after the whole first phase. Each pair is reported as soon as it is
    // final, so a killed run keeps it (the runner caches it) even when other pairs of its
    // archive wait for real mode.
    await Promise.all(
      [...byInput].map(([input, group]) =>
        p.checkAll(input, group.runtimes, {
          onOutcome: (k, outcome) => onDone(group.indices[k], outcome),
        })
      ),
    );
  };
  return {
    execute,
    close: async () => {
      await pool?.close();
      pool = undefined;
    },
  };
}

/**
 * {@linkcode runConform} with its link checks in a pool of `workers` permission-less workers
 * under the pool's time limit, closed when the run ends: how every command runs the pipeline.
 *
 * @example
 * ```ts ignore
 * const report = await runConformInPool({ paths: ["w.whl"], catalogue, policies: [],
 *   oracle: "none", cacheDir: ".cache", allowNetwork: false }, 2);
 * ```
 */
export async function runConformInPool(
  options: Omit<ConformOptions, "executeLinks">,
  workers: number,
): Promise<ConformReport> {
  const executor = createLinkPoolExecutor({ workers });
  try {
    return await runConform({ ...options, executeLinks: executor.execute });
  } finally {
    await executor.close();
  }
}
