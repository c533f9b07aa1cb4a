/**
 * The runner's link executor backed by the worker pool: side-module code runs only inside
 * permission-less workers with a time limit, and a timed-out pair becomes `trap` while the
 * rest of the batch goes on.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_PAIR_TIME_LIMIT_MS, FirstPhaseWindow, LinkPool } from "../link/pool.ts";
import type { CheckLinkInput } from "../link/mod.ts";
import type { ByteStore } from "../link/stub.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";
import {
  type ConformOptions,
  type LinkExecutor,
  runConform,
  unreadableOutcome,
} from "./run_conform.ts";
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
 * gets each pair's final outcome once, as soon as it is known. At most `2 × workers` archives
 * are in their first phase at a time, and each one's modules are read (`load`) only when it
 * enters: a run holds the side modules of those archives, not of every input.
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
  const execute: LinkExecutor = async (jobs, onDone, run = {}) => {
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
    // The window counts archives in their first phase, not until their final outcomes: the
    // pool's second phase (real mode, grouped by runtime) starts once no first-phase work is
    // left, so it sees the real-mode pairs of many archives at once. Each pair is reported as
    // soon as it is final, so a killed run keeps it (the runner caches it).
    const window = new FirstPhaseWindow(p.size * 2);
    const running: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    for (const [input, group] of byInput) {
      await window.enter();
      if (failure) break;
      let full: CheckLinkInput;
      try {
        full = run.load ? await run.load(input) : input;
      } catch (error) {
        group.indices.forEach((index, k) =>
          onDone(index, unreadableOutcome(input, group.runtimes[k], error))
        );
        window.leave();
        continue;
      }
      running.push(
        window.checkAll(p, full, group.runtimes, {
          onOutcome: (k, outcome) => onDone(group.indices[k], outcome),
        }).then(() => {}, (error) => {
          failure ??= { error };
        }),
      );
    }
    await Promise.all(running);
    if (failure) throw failure.error;
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
