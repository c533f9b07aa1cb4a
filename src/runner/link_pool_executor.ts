/**
 * The runner's link executor backed by the worker pool: side-module code runs only inside
 * permission-less workers with a time limit, and a timed-out pair becomes `trap` while the
 * rest of the batch goes on.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_PAIR_TIME_LIMIT_MS, LinkPool } from "../link/pool.ts";
import type { CheckLinkInput } from "../link/mod.ts";
import type { ByteStore } from "../link/stub.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";
import { type ConformOptions, type LinkExecutor, runConform } from "./run_conform.ts";
import type { ConformReport } from "../report/types.ts";

/** An executor plus a way to release its workers. */
export interface LinkPoolExecutor {
  execute: LinkExecutor;
  close(): Promise<void>;
}

/** How the pool runs: worker count, time limit per pair, and where generated stubs are kept. */
export interface LinkPoolOptions {
  workers: number;
  /** Time limit per archive × runtime pair, ms (default: the pool's). */
  timeLimitMs?: number;
  /** Generated stub main modules are kept in `<cacheDir>/stubs/` across runs. */
  cacheDir?: string;
}

/** Worker count when the user names none: one per core, at most 2 (memory grows with each). */
export function defaultWorkerCount(): number {
  return Math.min(navigator.hardwareConcurrency || 1, 2);
}

/** A stub byte store in the cache directory: `<cacheDir>/stubs/<key>.wasm`. */
function storeStubsIn(cacheDir: string): ByteStore {
  const dir = join(cacheDir, "stubs");
  return {
    async get(key) {
      try {
        return await Deno.readFile(join(dir, `${key}.wasm`));
      } catch {
        return undefined;
      }
    },
    async set(key, bytes) {
      try {
        await writeFileAtomically(join(dir, `${key}.wasm`), bytes);
      } catch {
        // A cache that cannot be written only costs time.
      }
    },
  };
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
export function createLinkPoolExecutor(options: LinkPoolOptions): LinkPoolExecutor {
  let pool: LinkPool | undefined;
  const execute: LinkExecutor = async (jobs, onDone) => {
    pool ??= new LinkPool({
      workers: options.workers,
      timeLimitMs: options.timeLimitMs,
      ...(options.cacheDir ? { stubStore: storeStubsIn(options.cacheDir) } : {}),
    });
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
 * {@linkcode runConform} with its link checks in a pool of permission-less workers under the
 * pool's time limit, closed when the run ends: how every command runs the pipeline.
 *
 * @example
 * ```ts ignore
 * const report = await runConformInPool({ paths: ["w.whl"], catalogue, policies: [],
 *   oracle: "none", cacheDir: ".cache", allowNetwork: false }, { workers: 2 });
 * ```
 */
export async function runConformInPool(
  options: Omit<ConformOptions, "executeLinks">,
  pool: Partial<LinkPoolOptions> = {},
): Promise<ConformReport> {
  const timeLimitMs = pool.timeLimitMs ?? DEFAULT_PAIR_TIME_LIMIT_MS;
  const executor = createLinkPoolExecutor({
    workers: pool.workers ?? defaultWorkerCount(),
    timeLimitMs,
    cacheDir: pool.cacheDir ?? options.cacheDir,
  });
  try {
    return await runConform({
      ...options,
      executeLinks: executor.execute,
      linkTimeLimitMs: timeLimitMs,
    });
  } finally {
    await executor.close();
  }
}
