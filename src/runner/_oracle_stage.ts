/**
 * The conform run's oracle stage: which pairs run in the real runtime (decisive pairs first,
 * then the mode's own selection), within a time budget, and what agreement they show.
 *
 * @module
 */
import { join } from "node:path";
import type { LinkEvidence, OutcomeClass } from "../link/types.ts";
import { computeAgreement, runOracleWithin, selectOracleSample } from "../oracle/mod.ts";
import { DEFAULT_MEMORY_MB, ORACLE_HARNESS_VERSION } from "../oracle/run_oracle.ts";
import type { LoadPath, OracleResult } from "../oracle/types.ts";
import type { ReportAgreement } from "../report/types.ts";
import { obtainRuntime } from "../runtime/mod.ts";
import type { RuntimeEntry, RuntimeFacts } from "../runtime/types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";
import type { OpenedArchive } from "../corpus/archive_file.ts";

/** One link-checked pair the oracle may run, with what it needs to run it. */
export interface OraclePairSource {
  /** Catalogue path or file path of the wheel. */
  wheel: string;
  wheelSha256: string;
  runtime: RuntimeFacts;
  outcome: OutcomeClass;
  evidence: LinkEvidence[];
  /** The catalogue's built-for runtime (`null`: not catalogued). */
  builtFor: string | null;
  /** The catalogue's Python and Emscripten versions of the wheel, when it has them. */
  pythonVersion?: string;
  emscriptenVersion?: string;
  /** Opens the archive again, verified to be what the link check judged. */
  open: () => Promise<OpenedArchive>;
  /** Libraries the link check used, loaded first by the oracle. */
  libraries: { file: string; sha256: string; open: () => Promise<OpenedArchive> }[];
}

/** Emscripten or Python version as numbers, for distances. */
function versionParts(v: string | null | undefined): number[] {
  return (v ?? "").split(/[^0-9]+/).filter(Boolean).map(Number);
}

/** Distance between two dotted versions, most significant part first (lexicographic). */
function versionDistance(a: number[], b: number[]): number[] {
  return Array.from(
    { length: Math.max(a.length, b.length) },
    (_, i) => Math.abs((a[i] ?? 0) - (b[i] ?? 0)),
  );
}

function compareDistances(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * For each wheel without a built-for runtime, its pair with the nearest runtime: the same
 * Python minor version when the catalogue knows the wheel's, then the nearest Emscripten
 * version, then the earliest runtime in catalogue order. Facts decide, never names.
 */
function nearestRuntimePairs(orphans: number[], sources: OraclePairSource[]): number[] {
  const byWheel = new Map<string, number[]>();
  for (const i of orphans) {
    byWheel.set(sources[i].wheel, [...(byWheel.get(sources[i].wheel) ?? []), i]);
  }
  const out: number[] = [];
  for (const list of byWheel.values()) {
    const first = sources[list[0]];
    const python = versionParts(first.pythonVersion).slice(0, 2);
    const emscripten = versionParts(first.emscriptenVersion);
    const samePython = list.filter((i) =>
      python.length < 2 ||
      versionParts(sources[i].runtime.python).slice(0, 2).join(".") === python.join(".")
    );
    let best: number | undefined;
    let bestDistance: number[] = [];
    for (const i of samePython) {
      const d = versionDistance(versionParts(sources[i].runtime.emscripten), emscripten);
      if (best === undefined || compareDistances(d, bestDistance) < 0) {
        best = i;
        bestDistance = d;
      }
    }
    if (best !== undefined) out.push(best);
  }
  return out;
}

/**
 * The pairs an oracle mode selects (indices into `sources`, among `candidates`), with a
 * description for the report. `decisive` selects none beyond the decisive pairs. `leading`:
 * how many of the first indices are not a sample (every wheel on its own runtime).
 *
 * @example
 * ```ts ignore
 * selectModePairs("sample", sources, candidates, { seed: 783, size: 24 }).description;
 * ```
 */
export function selectModePairs(
  mode: "decisive" | "sample" | "built-for" | "all",
  sources: OraclePairSource[],
  candidates: number[],
  sample: { seed: number; size: number },
): { indices: number[]; description: string; leading?: number } {
  if (mode === "decisive") return { indices: [], description: "no further sample" };
  if (mode === "all") {
    return { indices: candidates, description: `all ${candidates.length} wheel × runtime pairs` };
  }
  const asSample = (list: number[]) =>
    list.map((index) => ({
      index,
      wheel: sources[index].wheel,
      runtime: sources[index].runtime.version,
      outcome: sources[index].outcome as string,
    }));
  if (mode === "built-for") {
    // Every wheel on the runtime it was built for (the baseline a tag must keep), plus the
    // seeded cross-runtime sample where the schemes differ. A wheel whose built-for runtime is
    // not in the catalogue runs on the nearest one instead.
    const own = candidates.filter((i) => sources[i].builtFor === sources[i].runtime.version);
    const nearest = nearestRuntimePairs(
      candidates.filter((i) => sources[i].builtFor === null),
      sources,
    );
    const chosen = new Set([...own, ...nearest]);
    const cross = selectOracleSample(asSample(candidates.filter((i) => !chosen.has(i))), sample);
    return {
      indices: [...own, ...nearest, ...cross.sample.map((c) => c.index)],
      leading: own.length + nearest.length,
      description: `every wheel on the runtime it was built for (${own.length} pairs), ` +
        `${nearest.length} wheels without a built-for runtime in the catalogue on the nearest ` +
        `runtime (same Python minor version, nearest Emscripten, earliest), plus a ` +
        cross.description,
    };
  }
  const { sample: chosen, description } = selectOracleSample(asSample(candidates), sample);
  return { indices: chosen.map((c) => c.index), description };
}

/**
 * Write an archive under a stable name the real runtime accepts (its loader parses it).
 * Libraries are written the same way, so the oracle loads the very files the link check did.
 * A large archive is copied range by range, never held whole.
 */
async function materialize(
  cacheDir: string,
  file: string,
  sha256: string,
  open: () => Promise<OpenedArchive>,
): Promise<string> {
  const name = file.split(/[\\/]/).pop()!;
  const dir = join(cacheDir, "oracle-inputs", sha256.slice(0, 16));
  const path = join(dir, name);
  try {
    await Deno.stat(path);
  } catch {
    const archive = await open();
    try {
      // Hashed as written: a file swapped after it was opened is never staged.
      await writeFileAtomically(path, archive.bytes, { expectSha256: sha256 });
    } finally {
      archive.close();
    }
  }
  return path;
}

/** How the real runtime runs each pair; defaults are the oracle's own. */
export interface OracleRunOptions {
  /** Load paths to run (default: all that apply). */
  paths?: LoadPath[];
  /** `false`: no smoke calls. */
  smoke?: boolean;
  /** V8 heap cap per child, MiB. */
  memoryMb?: number;
  /** Children at once. */
  concurrency?: number;
  /** Neither read nor write the oracle cache. */
  noCache?: boolean;
}

/** What {@linkcode runOracleStage} needs besides the pairs. */
export interface OracleStageOptions {
  cacheDir: string;
  catalogue: RuntimeEntry[];
  timeoutMs: number;
  run?: OracleRunOptions;
  /** `Date.now()` after which only cached results are used. */
  deadline?: number;
  /** Runtime directories known already, by version or label; others are obtained here. */
  runtimeDirs?: Map<string, string>;
  onProgress?(done: number, total: number, message: string): void;
}

/**
 * Run `order` (indices into `sources`, most important first) in the real runtime within the
 * deadline. Results by index; pairs whose runtime could not be obtained or that the budget left
 * out are in `notRun`.
 *
 * @example
 * ```ts ignore
 * const { results, notRun } = await runOracleStage(sources, [3, 1, 4], { cacheDir, catalogue,
 *   timeoutMs: 90_000, deadline: Date.now() + 120_000 });
 * ```
 */
export async function runOracleStage(
  sources: OraclePairSource[],
  order: number[],
  options: OracleStageOptions,
): Promise<{ results: Map<number, OracleResult>; notRun: Set<number> }> {
  const dirs = new Map<string, string | null>();
  const jobs = [];
  const jobIndex: number[] = [];
  const notRun = new Set<number>();
  for (const i of order) {
    const src = sources[i];
    const version = src.runtime.version;
    if (!dirs.has(version) && options.runtimeDirs?.has(version)) {
      dirs.set(version, options.runtimeDirs.get(version)!);
    }
    if (!dirs.has(version)) {
      try {
        const files = await obtainRuntime(version, {
          cacheDir: options.cacheDir,
          catalogue: options.catalogue,
        });
        dirs.set(version, files.dir);
      } catch {
        // An unobtainable runtime was reported already; its pairs are not run.
        dirs.set(version, null);
      }
    }
    const dir = dirs.get(version);
    if (!dir) {
      notRun.add(i);
      continue;
    }
    const deps = [];
    let wheelPath: string;
    try {
      for (const lib of src.libraries) {
        deps.push(await materialize(options.cacheDir, lib.file, lib.sha256, lib.open));
      }
      wheelPath = await materialize(options.cacheDir, src.wheel, src.wheelSha256, src.open);
    } catch {
      // An archive that cannot be read again (gone, or changed since it was checked) is not
      // run: the real runtime must load what the link check judged.
      notRun.add(i);
      continue;
    }
    jobs.push({
      wheelPath,
      runtimeDir: dir,
      deps,
      ...(options.run?.smoke === false ? { smoke: null } : {}),
      ...(options.run?.paths ? { paths: options.run.paths } : {}),
    });
    jobIndex.push(i);
  }
  const results = new Map<number, OracleResult>();
  if (!jobs.length) return { results, notRun };
  const run = await runOracleWithin(jobs, {
    timeoutMs: options.timeoutMs,
    memoryMb: options.run?.memoryMb ?? DEFAULT_MEMORY_MB,
    cacheDir: options.cacheDir,
    harnessVersion: ORACLE_HARNESS_VERSION,
    concurrency: options.run?.concurrency ?? 2,
    ...(options.run?.noCache ? { noCache: true } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    onProgress: (done, total, r) => options.onProgress?.(done, total, `${r.wheel} @ ${r.runtime}`),
  });
  for (const [k, r] of run.results.entries()) {
    if (r) results.set(jobIndex[k], r);
    else notRun.add(jobIndex[k]);
  }
  return { results, notRun };
}

/**
 * The agreement between the link check and the real runtime on the pairs that ran.
 *
 * @example
 * ```ts ignore
 * const agreement = summarizeAgreement(sources, results, "24 pairs, seeded");
 * ```
 */
export function summarizeAgreement(
  sources: OraclePairSource[],
  results: Map<number, OracleResult>,
  description: string,
): ReportAgreement {
  const ran = [...results.entries()];
  const summary = computeAgreement(ran.map(([i, oracle]) => ({
    link: {
      outcome: sources[i].outcome,
      evidence: sources[i].evidence,
      wheel: sources[i].wheel,
      runtime: sources[i].runtime.version,
    },
    oracle,
  })));
  return {
    sample: description,
    pairs: summary.pairs,
    agreeing: summary.agreeing,
    byClass: Object.fromEntries(
      Object.entries(summary.byClass).map((
        [k, v],
      ) => [k, { pairs: v.pairs, agreeing: v.agreeing }]),
    ),
    disagreements: summary.disagreements.map((d) => ({
      wheel: d.wheel,
      runtime: d.runtime,
      kind: d.kind,
      linkOutcome: d.linkOutcome,
      linkMessage: d.linkMessage,
      oracleStatus: d.oracleStatus,
      oracleMessage: d.oracleMessage,
      invisibleToLinkCheck: d.invisibleToLinkCheck,
      explanation: d.explanation,
    })),
    inconclusive: summary.inconclusive.map((c) => ({ ...c, status: String(c.status) })),
  };
}
