/**
 * The one pipeline every command composes (read → libraries → link in the pool → oracle →
 * score), with what the commands share around it: runtime specs (`0.28` = its newest), stage
 * progress on a terminal, and what a run's errors mean as an exit code.
 *
 * @module
 */
import type { ConformOptions, ConformProgress } from "../runner/run_conform.ts";
import { type LinkPoolOptions, runConformInPool } from "../runner/link_pool_executor.ts";
import type { ConformReport } from "../report/types.ts";
import { createProgress, type Progress } from "../report/progress.ts";
import type { RuntimeEntry } from "../runtime/types.ts";
import { compareVersions } from "../policy/version.ts";
import { UnknownRuntimeError, UsageError } from "./_args.ts";
import { checkShard, InvalidShardError, type ShardSpec } from "../runner/shard.ts";

/**
 * Runtimes a spec names: `all`, an exact catalogue version, or a series (`0.28`, `314`) meaning
 * its newest release (pre-releases only when the series has nothing else). Undefined: unknown.
 *
 * @example
 * ```ts ignore
 * resolveRuntimeSpec("0.28", catalogue); // ["0.28.3"]
 * ```
 */
export function resolveRuntimeSpec(spec: string, catalogue: RuntimeEntry[]): string[] | undefined {
  if (spec === "all") return catalogue.map((e) => e.version);
  if (catalogue.some((e) => e.version === spec)) return [spec];
  const series = catalogue.map((e) => e.version).filter((v) => v.startsWith(`${spec}.`));
  if (series.length === 0) return undefined;
  const releases = series.filter((v) => !/[a-z]/i.test(v));
  const pool = releases.length ? releases : series;
  return [pool.sort(compareVersions)[pool.length - 1]];
}

/**
 * `--runtime` values (repeatable, comma-separated) as catalogue versions, in order, once each.
 * Words the command handles itself (`built-for`) are passed through in `words`.
 *
 * @throws {UnknownRuntimeError} when a value names no catalogue version or series
 * @example
 * ```ts ignore
 * const { versions } = resolveRuntimeSpecs(["0.27,0.28.3"], catalogue);
 * ```
 */
export function resolveRuntimeSpecs(
  values: string[] | undefined,
  catalogue: RuntimeEntry[],
  words: string[] = [],
): { versions: string[]; words: string[] } {
  const specs = (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  const versions = new Set<string>();
  const unknown: string[] = [];
  const used: string[] = [];
  for (const spec of specs) {
    if (words.includes(spec)) {
      used.push(spec);
      continue;
    }
    const found = resolveRuntimeSpec(spec, catalogue);
    if (found) { for (const v of found) versions.add(v); }
    else unknown.push(spec);
  }
  if (unknown.length) throw new UnknownRuntimeError(unknown, catalogue.map((e) => e.version));
  return { versions: [...versions], words: used };
}

/**
 * An integer option of at least `min` (default 1), or undefined when absent.
 *
 * @example
 * ```ts
 * import { integerOption } from "./_pipeline.ts";
 * console.assert(integerOption("jobs", "2") === 2);
 * console.assert(integerOption("oracle-seed", "0", 0) === 0);
 * ```
 */
export function integerOption(
  name: string,
  raw: string | undefined,
  min = 1,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      min === 1 ? `--${name} must be a positive integer` : `--${name} must be an integer ≥ ${min}`,
    );
  }
  return n;
}

/**
 * A duration option in seconds (decimals allowed) as milliseconds, or undefined when absent.
 *
 * @example
 * ```ts
 * import { secondsOption } from "./_pipeline.ts";
 * console.assert(secondsOption("timeout", "1.5") === 1500);
 * ```
 */
export function secondsOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be seconds > 0`);
  return Math.round(n * 1000);
}

/**
 * Run the pipeline with a progress bar per stage on stderr (nothing when `quiet`).
 *
 * @example
 * ```ts ignore
 * const report = await runPipeline({ paths, catalogue, policies: [], oracle: "none",
 *   cacheDir: ".cache", allowNetwork: true }, { workers: 2 });
 * ```
 */
export async function runPipeline(
  options: Omit<ConformOptions, "executeLinks" | "onProgress">,
  pool: Partial<LinkPoolOptions> = {},
  quiet = false,
): Promise<ConformReport> {
  let bar: Progress | undefined;
  let stage = "";
  const onProgress = (p: ConformProgress) => {
    if (quiet) return;
    if (p.stage !== stage) {
      void bar?.done();
      stage = p.stage;
      bar = createProgress({ total: p.total, label: p.stage });
    }
    const delta = p.done - (bar?.count ?? 0);
    if (delta > 0) bar?.tick(delta);
  };
  try {
    return await runConformInPool({ ...options, onProgress }, pool);
  } finally {
    await bar?.done();
  }
}

/**
 * The problems of a run that are not verdicts, one line each for stderr: unreadable inputs and
 * runtimes that could not be used.
 *
 * @example
 * ```ts ignore
 * for (const line of describeRunProblems(report)) console.error(`conform link: ${line}`);
 * ```
 */
export function describeRunProblems(
  report: ConformReport,
): { unreadable: string[]; runtimes: string[] } {
  const runtimes = report.errors.filter((e) => e.input.startsWith("runtime "))
    .map((e) => `${e.input}: ${e.message}`);
  for (const r of report.runtimes) {
    const line = `runtime ${r.version}: ${r.unavailable}`;
    if (r.unavailable && !runtimes.includes(line)) runtimes.push(line);
  }
  return {
    unreadable: report.wheels.filter((w) => w.inputError).map((w) =>
      `cannot read ${w.file}: ${w.inputError}`
    ),
    runtimes,
  };
}

/**
 * `--shard K/N` as a shard of a run: `K` and `N` whole numbers, `1 ≤ K ≤ N`.
 *
 * @throws {UsageError} naming what is wrong with the value
 * @example
 * ```ts
 * import { parseShardSpec } from "./_pipeline.ts";
 * const shard = parseShardSpec("2/4");
 * console.assert(shard.index === 2 && shard.count === 4);
 * ```
 */
export function parseShardSpec(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard takes K/N (e.g. 2/4: the second of four), not "${value}"`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  try {
    checkShard(shard);
  } catch (error) {
    if (error instanceof InvalidShardError) {
      throw new UsageError(`--shard ${value}: ${error.message}`);
    }
    throw error;
  }
  return shard;
}
