/**
 * Joining the reports of a sharded run (`conform --shard K/N`, one per shard) into the report of
 * the whole run. The rows each shard observed (wheels, outcomes, the real runtime's results per
 * pair) are taken as they are: they do not depend on the split, since every shard chose
 * libraries from every input. Everything that depends on the whole run is computed again over
 * the union, through the very functions the runner scores with (`score_run.ts`): defective
 * wheels, every policy's predictions, counts, counter-examples and ranks under both judgements,
 * and the equivalence classes. With `--oracle none` the result equals the unsharded run's report
 * but for the fields that describe a run rather than its inputs:
 *
 * - `generatedAt`: the latest of the shards';
 * - `durationMs`: the sum of the shards' (the work done, not the wall-clock time of the matrix);
 * - `errors`: the union, in shard order (each shard reads every input, so read and runtime
 *   errors are the same in every shard and listed once; cache errors are each shard's own).
 *
 * With the oracle on, the pairs each shard ran in the real runtime were chosen by that shard:
 * its decisive pairs from its own scores and its sample from its own pairs, so a sharded run
 * cannot choose them as one run would (every wheel on its own runtime, `--oracle built-for`'s
 * baseline, is the same either way). The merge keeps every per-pair result, and its scores let
 * each conclusive result decide its pair as the runner does. Of the agreement it sums what is
 * additive (`pairs`, `agreeing`, `byClass`, and the decisive `pairs`, `run`, `confirmed`,
 * `notRun`, since each pair belongs to one shard), concatenates the disagreements, inconclusive
 * and overturned pairs (in input order), names each shard's selection in `sample`, and computes
 * again over the union what a ranking decides: each overturned pair's `changesRanking`,
 * `changedRanking` and `moved`.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import type { Policy } from "../policy/types.ts";
import type {
  ConformReport,
  ReportAgreement,
  ReportDecisive,
  ReportOutcome,
  ReportWheel,
} from "../report/types.ts";
import {
  changesRanking,
  findMovedPolicies,
  NO_ORACLE_EVIDENCE,
  observeRun,
  type OracleEvidence,
  oracleEvidenceOf,
  reportScores,
  type RunScores,
  scoreRun,
} from "./score_run.ts";
import { shardOfKey } from "./shard.ts";

/** Why shard reports cannot be merged. */
export type ShardMergeProblem =
  /** A report has no `shard` (it was not written by `conform --shard K/N`). */
  | "not-a-shard"
  /** A report lacks what scoring needs (profiles, policy definitions): an older harness. */
  | "incomplete"
  | "harness-version"
  /** The reports split the run into different numbers of shards. */
  | "shard-count"
  /** The reports were run over different inputs (files or contents). */
  | "inputs"
  /** Different runtimes, or the same runtimes with different facts. */
  | "runtimes"
  | "policies"
  | "oracle-options"
  /** Two reports give one wheel or pair different results. */
  | "conflict"
  /** Some shard of `1..N` is in no report. */
  | "missing-shards"
  /** A report holds a row its shard does not own, or an input is in no report. */
  | "misplaced";

/** Shard reports that cannot be joined, and why: the merge never guesses. */
export class ShardMergeError extends Error {
  readonly problem: ShardMergeProblem;
  /** The report files concerned. */
  readonly files: string[];
  /** One line per detail (differing values, conflicting rows). */
  readonly details: string[];
  /** For `missing-shards`: the 1-based indices no report covers. */
  readonly missing: number[];
  constructor(
    problem: ShardMergeProblem,
    message: string,
    fields: { files?: string[]; details?: string[]; missing?: number[] } = {},
  ) {
    super(message);
    this.name = "ShardMergeError";
    this.problem = problem;
    this.files = fields.files ?? [];
    this.details = fields.details ?? [];
    this.missing = fields.missing ?? [];
  }
}

/** One shard report and the file it was read from (named in errors). */
export interface ShardReportFile {
  file: string;
  report: ConformReport;
}

/** Most details listed in one error. */
const MAX_DETAILS = 20;

/**
 * Join shard reports into the report of the whole run (see the module documentation for what
 * is taken, what is computed again, and what only describes the shards). A shard given twice is
 * taken once when both copies agree.
 *
 * @param shards at least one report of each shard `1..N` of one run
 * @returns the merged report, with no `shard`
 * @throws {ShardMergeError} when the reports are not the shards of one run, disagree, or miss a
 *   shard
 * @example
 * ```ts ignore
 * const merged = mergeShardReports([
 *   { file: "shard-1.json", report: await readReportFile("shard-1.json") },
 *   { file: "shard-2.json", report: await readReportFile("shard-2.json") },
 * ]);
 * ```
 */
export function mergeShardReports(shards: ShardReportFile[]): ConformReport {
  if (shards.length === 0) throw new ShardMergeError("missing-shards", "no report to merge");
  for (const s of shards) checkComplete(s);
  const sorted = [...shards].sort((a, b) => a.report.shard!.index - b.report.shard!.index);
  const first = sorted[0];
  checkSameRun(first, sorted);
  const count = first.report.shard!.count;
  const present = new Set(sorted.map((s) => s.report.shard!.index));
  const missing = [...Array(count).keys()].map((i) => i + 1).filter((i) => !present.has(i));
  if (missing.length) {
    throw new ShardMergeError(
      "missing-shards",
      `shard${missing.length === 1 ? "" : "s"} ${
        missing.map((i) => `${i}/${count}`).join(", ")
      } of the run ${missing.length === 1 ? "is" : "are"} in no report: merge every shard`,
      { files: sorted.map((s) => s.file), missing },
    );
  }

  const inputs = first.report.shard!.inputs;
  const position = new Map<string, number>();
  for (const [i, input] of inputs.entries()) {
    if (!position.has(input.file)) position.set(input.file, i);
  }
  const runtimeOrder = new Map(first.report.runtimes.map((r, i) => [r.version, i]));
  const wheels = mergeRows(
    sorted,
    (r) => r.wheels,
    (w) => w.file,
    (w) => `wheel ${w.file}`,
  );
  const outcomes = mergeRows(
    sorted,
    (r) => r.outcomes,
    (o) => `${o.wheel}\u0000${o.runtime}`,
    (o) => `pair ${o.wheel} @ ${o.runtime}`,
  );
  checkPlacement(sorted, position, wheels);
  for (const { row: o, files } of outcomes.values()) {
    if (!runtimeOrder.has(o.runtime) || !wheels.has(o.wheel)) {
      throw new ShardMergeError(
        "misplaced",
        `the pair ${o.wheel} @ ${o.runtime} is not a pair of the run's inputs and runtimes`,
        { files },
      );
    }
  }
  // The unsharded run's order: inputs in input order, each on the runtimes in runtime order.
  const mergedWheels = [...wheels.values()].map((w) => w.row).sort((a, b) =>
    position.get(a.file)! - position.get(b.file)!
  );
  const mergedOutcomes = [...outcomes.values()].map((o) => o.row).sort((a, b) =>
    position.get(a.wheel)! - position.get(b.wheel)! ||
    runtimeOrder.get(a.runtime)! - runtimeOrder.get(b.runtime)!
  );

  // Each shard's `defective` flags are its own; the merged ones come from the merged scores.
  const rows = {
    runtimes: first.report.runtimes,
    wheels: mergedWheels.map(({ defective: _, ...w }) => w as ReportWheel),
    outcomes: mergedOutcomes,
  };
  const definitions = first.report.policyDefinitions!;
  const observed = observeRun(rows);
  const evidence = oracleEvidenceOf(rows);
  const scored = scoreRun(definitions, observed, evidence);
  for (const w of rows.wheels) if (w.sha256 && scored.defective.has(w.sha256)) w.defective = true;
  const { policies, equivalenceClasses } = reportScores(definitions, scored);
  const agreement = mergeAgreements(sorted, {
    position,
    runtimeOrder,
    rescore: (e) => scoreRun(definitions, observed, e),
    final: scored,
    rows,
  });

  const errors: ConformReport["errors"] = [];
  const seenErrors = new Set<string>();
  for (const { report } of sorted) {
    for (const e of report.errors) {
      const key = `${e.input}\u0000${e.message}`;
      if (seenErrors.has(key)) continue;
      seenErrors.add(key);
      errors.push(e);
    }
  }
  return {
    version: 1,
    harnessVersion: first.report.harnessVersion,
    generatedAt: new Date(Math.max(...sorted.map((s) => Date.parse(s.report.generatedAt))))
      .toISOString(),
    runtimes: rows.runtimes,
    wheels: rows.wheels,
    outcomes: rows.outcomes,
    policies,
    policyDefinitions: definitions,
    equivalenceClasses,
    ...(agreement ? { agreement } : {}),
    errors,
    durationMs: sorted.reduce((sum, s) => sum + s.report.durationMs, 0),
  };
}

/** Refuse a report that is no shard, or lacks what scoring needs. */
function checkComplete({ file, report }: ShardReportFile): void {
  if (!report.shard) {
    throw new ShardMergeError(
      "not-a-shard",
      `${file} is not a shard report: it was not written by conform --shard K/N`,
      { files: [file] },
    );
  }
  const lacking = [
    ...(report.policyDefinitions ? [] : ["the policy definitions"]),
    ...report.runtimes.filter((r) => !r.profile).map((r) => `the profile of runtime ${r.version}`),
    ...report.wheels.filter((w) => !w.inputError && !w.profile).map((w) =>
      `the profile of ${w.file}`
    ),
  ];
  if (lacking.length) {
    throw new ShardMergeError(
      "incomplete",
      `${file} lacks what scoring needs (${lacking[0]}${
        lacking.length > 1 ? ` and ${lacking.length - 1} more` : ""
      }): run that shard again with this harness`,
      { files: [file], details: lacking.slice(0, MAX_DETAILS) },
    );
  }
}

/** Policies as they score: where one was read from (`file`) does not change what it says. */
function stripPolicyFiles(policies: Policy[]): Omit<Policy, "file">[] {
  return policies.map(({ file: _, ...p }) => p);
}

/** Refuse reports that are not shards of one run: version, split, inputs, runtimes, policies. */
function checkSameRun(first: ShardReportFile, all: ShardReportFile[]): void {
  const a = first.report;
  const checks: {
    problem: ShardMergeProblem;
    what: string;
    value: (r: ConformReport) => unknown;
    show?: (r: ConformReport) => string;
  }[] = [
    {
      problem: "harness-version",
      what: "harness versions",
      value: (r) => r.harnessVersion,
      show: (r) => r.harnessVersion,
    },
    {
      problem: "shard-count",
      what: "shard counts",
      value: (r) => r.shard!.count,
      show: (r) => `${r.shard!.index}/${r.shard!.count}`,
    },
    {
      problem: "inputs",
      what: "inputs",
      value: (r) => r.shard!.inputs,
      show: (r) => `${r.shard!.inputs.length} inputs`,
    },
    {
      problem: "runtimes",
      what: "runtimes",
      value: (r) => r.runtimes,
      show: (r) => r.runtimes.map((x) => x.version).join(", "),
    },
    {
      problem: "policies",
      what: "policies",
      value: (r) => stripPolicyFiles(r.policyDefinitions!),
      show: (r) => r.policyDefinitions!.map((p) => p.id).join(", "),
    },
    {
      problem: "oracle-options",
      what: "oracle options",
      value: (r) => r.shard!.oracle,
      show: (r) => JSON.stringify(r.shard!.oracle),
    },
  ];
  for (const check of checks) {
    const expected = check.value(a);
    const other = all.find((s) => !isDeepStrictEqual(check.value(s.report), expected));
    if (!other) continue;
    const details = [
      `${first.file}: ${check.show?.(a) ?? ""}`,
      `${other.file}: ${check.show?.(other.report) ?? ""}`,
      ...describeDifference(check.value(a), check.value(other.report)),
    ];
    throw new ShardMergeError(
      check.problem,
      `${first.file} and ${other.file} have different ${check.what}: they are not shards of one run`,
      { files: [first.file, other.file], details },
    );
  }
}

/** Where two JSON values first differ, as a path and both values (for the error's details). */
function describeDifference(a: unknown, b: unknown, path = ""): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (
    a !== null && b !== null && typeof a === "object" && typeof b === "object" &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = describeDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}/${k}`,
      );
      if (d.length) return d;
    }
  }
  const show = (v: unknown) => (JSON.stringify(v) ?? "absent").slice(0, 200);
  return [`first difference at ${path || "/"}: ${show(a)} vs ${show(b)}`];
}

/**
 * Rows of every report by key, each once. A row given by two reports (a shard given twice) must
 * be the same in both: a different one is a conflict, never a choice.
 */
function mergeRows<T>(
  shards: ShardReportFile[],
  rowsOf: (r: ConformReport) => T[],
  keyOf: (row: T) => string,
  describe: (row: T) => string,
): Map<string, { row: T; files: string[] }> {
  const out = new Map<string, { row: T; files: string[] }>();
  for (const { file, report } of shards) {
    for (const row of rowsOf(report)) {
      const key = keyOf(row);
      const seen = out.get(key);
      if (!seen) {
        out.set(key, { row, files: [file] });
        continue;
      }
      if (!isDeepStrictEqual(seen.row, row)) {
        throw new ShardMergeError(
          "conflict",
          `${seen.files[0]} and ${file} disagree on the ${describe(row)}`,
          {
            files: [seen.files[0], file],
            details: describeDifference(seen.row, row),
          },
        );
      }
      seen.files.push(file);
    }
  }
  return out;
}

/**
 * Refuse rows a shard does not own (a report of another split, or edited) and inputs that no
 * report covers: a merged report must hold every input exactly as the run did.
 */
function checkPlacement(
  shards: ShardReportFile[],
  position: Map<string, number>,
  wheels: Map<string, { row: ReportWheel; files: string[] }>,
): void {
  const inputs = shards[0].report.shard!.inputs;
  const keyOf = new Map(inputs.map((i) => [i.file, i.shardKey]));
  for (const { file, report } of shards) {
    const { index, count } = report.shard!;
    for (const w of report.wheels) {
      const key = keyOf.get(w.file);
      if (key === undefined || !position.has(w.file)) {
        throw new ShardMergeError(
          "misplaced",
          `${file} reports ${w.file}, which is not an input of the run`,
          { files: [file] },
        );
      }
      const owner = shardOfKey(key, count);
      if (owner !== index) {
        throw new ShardMergeError(
          "misplaced",
          `${file} (shard ${index}/${count}) reports ${w.file}, which belongs to shard ${owner}/${count}`,
          { files: [file] },
        );
      }
    }
  }
  const uncovered = inputs.filter((i) => !wheels.has(i.file)).map((i) => i.file);
  if (uncovered.length) {
    throw new ShardMergeError(
      "misplaced",
      `${uncovered.length} input(s) of the run are in no report, e.g. ${uncovered[0]}`,
      { files: shards.map((s) => s.file), details: uncovered.slice(0, MAX_DETAILS) },
    );
  }
}

/** What the agreement merge needs to order pairs and score again over the union. */
interface AgreementContext {
  position: Map<string, number>;
  runtimeOrder: Map<string, number>;
  rescore: (evidence: OracleEvidence) => RunScores;
  /** The merged scores (every conclusive result deciding its pair). */
  final: RunScores;
  rows: Pick<ConformReport, "wheels" | "outcomes">;
}

/**
 * The shards' agreement as one: additive figures summed, pair lists joined in input order, and
 * what the ranking decides computed again over the union (see the module documentation).
 */
function mergeAgreements(
  shards: ShardReportFile[],
  ctx: AgreementContext,
): ReportAgreement | undefined {
  const parts = shards.filter((s) => s.report.agreement);
  if (!parts.length) return undefined;
  const byPair = (a: { wheel: string; runtime: string }, b: { wheel: string; runtime: string }) =>
    (ctx.position.get(a.wheel) ?? 0) - (ctx.position.get(b.wheel) ?? 0) ||
    (ctx.runtimeOrder.get(a.runtime) ?? Number.MAX_SAFE_INTEGER) -
      (ctx.runtimeOrder.get(b.runtime) ?? Number.MAX_SAFE_INTEGER) ||
    (a.runtime < b.runtime ? -1 : a.runtime > b.runtime ? 1 : 0);
  const byClass: ReportAgreement["byClass"] = {};
  const merged: ReportAgreement = {
    sample: parts.map((s) =>
      `shard ${s.report.shard!.index}/${s.report.shard!.count}: ${s.report.agreement!.sample}`
    ).join("; "),
    pairs: 0,
    agreeing: 0,
    byClass,
    disagreements: [],
    inconclusive: [],
  };
  const decisive = parts.filter((s) => s.report.agreement!.decisive);
  for (const { report } of parts) {
    const a = report.agreement!;
    merged.pairs += a.pairs;
    merged.agreeing += a.agreeing;
    for (const [k, v] of Object.entries(a.byClass)) {
      const c = byClass[k] ??= { pairs: 0, agreeing: 0 };
      c.pairs += v.pairs;
      c.agreeing += v.agreeing;
    }
    merged.disagreements!.push(...(a.disagreements ?? []));
    merged.inconclusive!.push(...(a.inconclusive ?? []));
  }
  merged.disagreements!.sort(byPair);
  merged.inconclusive!.sort(byPair);
  if (decisive.length) merged.decisive = mergeDecisive(decisive, ctx, byPair);
  return merged;
}

function mergeDecisive(
  parts: ShardReportFile[],
  ctx: AgreementContext,
  byPair: (a: { wheel: string; runtime: string }, b: { wheel: string; runtime: string }) => number,
): ReportDecisive {
  const onLink = ctx.rescore(NO_ORACLE_EVIDENCE);
  const overturned = parts.flatMap((s) => s.report.agreement!.decisive!.overturned)
    .sort(byPair)
    .map((o) => {
      const works = findOracleWorks(o, ctx);
      return works === undefined ? o : {
        ...o,
        changesRanking: changesRanking(onLink, ctx.rescore(isolatePairEvidence(o, works, ctx))),
      };
    });
  const sum = (k: "pairs" | "run" | "confirmed" | "notRun") =>
    parts.reduce((n, s) => n + s.report.agreement!.decisive![k], 0);
  return {
    pairs: sum("pairs"),
    run: sum("run"),
    confirmed: sum("confirmed"),
    notRun: sum("notRun"),
    // The same in every shard: the oracle options were checked to be equal.
    budgetSeconds: parts[0].report.agreement!.decisive!.budgetSeconds,
    overturned,
    changedRanking: overturned.filter((o) => o.changesRanking).length,
    moved: findMovedPolicies(onLink, ctx.final),
  };
}

/** The real runtime's conclusive result on an overturned pair, as the merged rows hold it. */
function findOracleWorks(
  o: { wheel: string; runtime: string },
  ctx: AgreementContext,
): boolean | undefined {
  const row = ctx.rows.outcomes.find((x) => x.wheel === o.wheel && x.runtime === o.runtime);
  if (typeof row?.oracle?.works === "boolean") return row.oracle.works;
  const wheel = ctx.rows.wheels.find((w) => w.file === o.wheel);
  if (wheel?.builtFor === o.runtime && typeof wheel.builtForOracle?.works === "boolean") {
    return wheel.builtForOracle.works;
  }
  return undefined;
}

/**
 * One pair's result alone, as the runner scores it: it decides its row (when the run reports
 * that pair) and, on the wheel's own runtime, whether the wheel is defective.
 */
function isolatePairEvidence(
  o: { wheel: string; runtime: string },
  works: boolean,
  ctx: AgreementContext,
): OracleEvidence {
  const evidence: OracleEvidence = { pairs: new Map(), own: new Map() };
  const i = ctx.rows.outcomes.findIndex((x: ReportOutcome) =>
    x.wheel === o.wheel && x.runtime === o.runtime
  );
  if (i >= 0) evidence.pairs.set(i, works);
  const wheel = ctx.rows.wheels.find((w) => w.file === o.wheel);
  if (wheel?.builtFor === o.runtime) evidence.own.set(o.wheel, works);
  return evidence;
}
