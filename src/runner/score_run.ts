/**
 * Scoring a run from its report rows: the observations policies are judged on, the scores under
 * both judgements, the ranking, the defective wheels and the ABI-equivalence classes. The runner
 * (`runConform`) and the merge of shard reports (`mergeShardReports`) both score through these
 * functions, from the same rows (`runtimes`, `wheels`, `outcomes` of the report), so a merged
 * report is scored exactly as one run over the same inputs is: the two cannot drift.
 *
 * @module
 */
import type { Judgement, OutcomeClass } from "../link/types.ts";
import {
  deriveEquivalenceClasses,
  observedWorks,
  rankJudgements,
  scorePolicyJudgements,
} from "../policy/mod.ts";
import type {
  JudgedPolicyScore,
  Observation,
  PlatformProfile,
  Policy,
  RankedPolicy,
  VerdictCounts,
  WheelSubject,
} from "../policy/types.ts";
import type {
  ConformReport,
  ReportDecisive,
  ReportOutcome,
  ReportPolicy,
  ReportWheel,
} from "../report/types.ts";

/** The rows of a report that scoring reads. */
export type RunRows = Pick<ConformReport, "runtimes" | "wheels" | "outcomes">;

/** A report row scoring needs something of that the row lacks. */
export class UnscorableRowError extends Error {
  /** `runtime` or `wheel`. */
  readonly row: "runtime" | "wheel";
  /** The runtime version or wheel file. */
  readonly subject: string;
  /** What is missing, e.g. `profile`. */
  readonly missing: string;
  constructor(row: "runtime" | "wheel", subject: string, missing: string) {
    super(
      `the ${row} ${subject} has no ${missing}: the report was written before reports carried ` +
        "what scoring needs (run it again with this harness)",
    );
    this.name = "UnscorableRowError";
    this.row = row;
    this.subject = subject;
    this.missing = missing;
  }
}

/** What policies are judged on, as rebuilt from a run's rows, link evidence only. */
export interface RunObservations {
  /** One per wheel × runtime pair of the run (`.zip` packages are not installed by tags). */
  observations: Observation[];
  /** For each observation, the index of its row in `outcomes`. */
  outcomeIndex: number[];
  /** The own-runtime outcome of each readable archive that has one (packages too), by file. */
  ownOutcomes: Map<string, { sha256: string; outcome: OutcomeClass }>;
}

/**
 * Conclusive results of the real runtime: they decide their pairs (the evidence ladder). `pairs`
 * by row index in `outcomes`; `own` by archive file, for its pair with its own runtime.
 */
export interface OracleEvidence {
  pairs: Map<number, boolean>;
  own: Map<string, boolean>;
}

/** No result of the real runtime: link evidence decides every pair. */
export const NO_ORACLE_EVIDENCE: OracleEvidence = { pairs: new Map(), own: new Map() };

/**
 * The observations of a run from its rows: each readable wheel as the scorer sees it (its
 * profile, tags, build tag, side modules, required flag bits, own runtime and outcome there) on
 * each runtime it was checked against (that runtime's profile), in outcome-row order.
 *
 * @throws {UnscorableRowError} when a row lacks a profile (a report from before sharded runs)
 * @example
 * ```ts ignore
 * const observed = observeRun(report);
 * observed.observations.length; // wheel rows × available runtimes, packages left out
 * ```
 */
export function observeRun(rows: RunRows): RunObservations {
  const profiles = new Map<string, PlatformProfile>();
  for (const r of rows.runtimes) if (r.profile) profiles.set(r.version, r.profile);
  const subjects = new Map<string, WheelSubject>();
  const ownOutcomes: RunObservations["ownOutcomes"] = new Map();
  for (const w of rows.wheels) {
    if (w.inputError !== undefined || subjects.has(w.file)) continue;
    if (!w.profile) throw new UnscorableRowError("wheel", w.file, "profile");
    subjects.set(w.file, subjectOf(w, w.profile));
    if (w.builtForOutcome) {
      ownOutcomes.set(w.file, { sha256: w.sha256, outcome: w.builtForOutcome as OutcomeClass });
    }
  }
  const kinds = new Map(rows.wheels.map((w) => [w.file, w.kind]));
  const observations: Observation[] = [];
  const outcomeIndex: number[] = [];
  for (const [i, o] of rows.outcomes.entries()) {
    // Installers judge wheels only: `.zip` packages come from the lock file.
    if (kinds.get(o.wheel) !== "wheel") continue;
    const wheel = subjects.get(o.wheel);
    if (!wheel) continue;
    const profile = profiles.get(o.runtime);
    if (!profile) throw new UnscorableRowError("runtime", o.runtime, "profile");
    observations.push(observationOf(o, wheel, profile));
    outcomeIndex.push(i);
  }
  return { observations, outcomeIndex, ownOutcomes };
}

function subjectOf(w: ReportWheel, profile: PlatformProfile): WheelSubject {
  return {
    file: w.file,
    sha256: w.sha256,
    profile,
    tags: w.tags,
    ...(w.buildTag !== undefined ? { buildTag: w.buildTag } : {}),
    ...(w.binary !== undefined ? { binary: w.binary } : {}),
    ...(w.requiredBits !== undefined ? { requiredBits: w.requiredBits } : {}),
    ...(w.builtFor !== undefined ? { builtFor: w.builtFor } : {}),
    ...(w.builtForOutcome ? { builtForOutcome: w.builtForOutcome as OutcomeClass } : {}),
  };
}

function observationOf(
  o: ReportOutcome,
  wheel: WheelSubject,
  profile: PlatformProfile,
): Observation {
  return {
    wheel,
    runtime: { version: o.runtime, profile },
    outcome: o.outcome,
    evidence: o.summary,
    ...(wheel.builtFor !== undefined ? { builtForRuntime: wheel.builtFor } : {}),
  };
}

/**
 * The conclusive real-runtime results a report holds: each outcome row's `oracle` and each
 * wheel row's `builtForOracle` whose `works` is not `null`.
 *
 * @example
 * ```ts ignore
 * const scores = scoreRun(policies, observeRun(report), oracleEvidenceOf(report));
 * ```
 */
export function oracleEvidenceOf(rows: RunRows): OracleEvidence {
  const pairs = new Map<number, boolean>();
  for (const [i, o] of rows.outcomes.entries()) {
    if (typeof o.oracle?.works === "boolean") pairs.set(i, o.oracle.works);
  }
  const own = new Map<string, boolean>();
  for (const w of rows.wheels) {
    if (typeof w.builtForOracle?.works === "boolean") own.set(w.file, w.builtForOracle.works);
  }
  return { pairs, own };
}

/** Scores of a run under both judgements, from some evidence. */
export interface RunScores {
  /** The observations as scored, oracle results applied. */
  obs: Observation[];
  /** sha256 of every archive that fails at load on its own runtime. */
  defective: Set<string>;
  isDefective: (w: WheelSubject) => boolean;
  /** Each policy under both judgements, by id. */
  judged: Map<string, JudgedPolicyScore>;
  ranked: Record<Judgement, RankedPolicy[]>;
}

/**
 * Score every policy over a run's observations: defective archives (those that fail at load on
 * their own runtime, where a conclusive real-runtime result decides), then both judgements from
 * one set of predictions per policy, ranked under each. Never throws for bad data.
 *
 * @param policies the policies, as loaded
 * @param observed the run's observations ({@linkcode observeRun})
 * @param oracle conclusive real-runtime results that decide their pairs (default: none)
 * @example
 * ```ts ignore
 * const scores = scoreRun(policies, observeRun(report));
 * scores.ranked.load[0].policyId; // the best scheme under the `load` judgement
 * ```
 */
export function scoreRun(
  policies: Policy[],
  observed: RunObservations,
  oracle: OracleEvidence = NO_ORACLE_EVIDENCE,
): RunScores {
  const defective = new Set<string>();
  for (const [file, own] of observed.ownOutcomes) {
    const oracleWorks = oracle.own.get(file);
    if (observedWorks({ outcome: own.outcome, oracleWorks }) === false) defective.add(own.sha256);
  }
  // One subject object per wheel, with its own-runtime result where the real runtime gave one.
  const withOwn = new Map<WheelSubject, WheelSubject>();
  const subjectWith = (w: WheelSubject): WheelSubject => {
    let s = withOwn.get(w);
    if (!s) {
      const works = oracle.own.get(w.file);
      withOwn.set(w, s = works === undefined ? w : { ...w, builtForOracleWorks: works });
    }
    return s;
  };
  const obs = observed.observations.map((o, k) => {
    const works = oracle.pairs.get(observed.outcomeIndex[k]);
    return {
      ...o,
      wheel: subjectWith(o.wheel),
      ...(works === undefined ? {} : { oracleWorks: works }),
    };
  });
  const isDefective = (w: WheelSubject) => defective.has(w.sha256);
  const judged = new Map(
    policies.map((policy) => [policy.id, scorePolicyJudgements(policy, obs, { isDefective })]),
  );
  return { obs, defective, isDefective, judged, ranked: rankJudgements([...judged.values()]) };
}

/**
 * The report's policies (in `load` rank order) and equivalence classes from a run's scores.
 *
 * @example
 * ```ts ignore
 * const { policies, equivalenceClasses } = reportScores(definitions, scoreRun(definitions, observed));
 * ```
 */
export function reportScores(
  policies: Policy[],
  scores: RunScores,
): Pick<ConformReport, "policies" | "equivalenceClasses"> {
  const byId = new Map(policies.map((p) => [p.id, p]));
  return {
    policies: scores.ranked.load.map((s) =>
      reportPolicy(byId.get(s.policyId)!, scores.judged.get(s.policyId)!, scores.ranked)
    ),
    equivalenceClasses: deriveEquivalenceClasses(scores.obs, { isDefective: scores.isDefective })
      .map((c) => ({ runtimes: c.runtimes, separatedFromNextBy: c.separatedFromNextBy })),
  };
}

function countsOf(c: VerdictCounts): VerdictCounts {
  return {
    unsafeAccepts: c.unsafeAccepts,
    needlessRejects: c.needlessRejects,
    correctAccepts: c.correctAccepts,
    correctRejects: c.correctRejects,
    inconclusive: c.inconclusive,
  };
}

/**
 * One policy of the report: top-level figures are the `load` judgement without defective
 * wheels (as before there were two judgements), `scores` has both, and each pair is listed once
 * with its `load` verdict and, where it differs, its `strict` one.
 */
function reportPolicy(
  policy: Policy,
  both: JudgedPolicyScore,
  ranked: Record<Judgement, RankedPolicy[]>,
): ReportPolicy {
  const s = both.load;
  const judgedScore = (j: Judgement) => {
    const r = ranked[j].find((x) => x.policyId === policy.id)!;
    return {
      withoutDefective: countsOf(both[j]),
      withDefective: countsOf(both[j].withDefective),
      rank: r.rank,
      correct: r.correct,
    };
  };
  return {
    id: policy.id,
    title: policy.title,
    file: policy.file,
    source: policy.source.map((src) => ({
      title: src.title,
      ...(src.url ?? src.ref ? { url: src.url ?? src.ref } : {}),
    })),
    correct: s.correct,
    rank: judgedScore("load").rank,
    unsafeAccepts: s.unsafeAccepts,
    needlessRejects: s.needlessRejects,
    correctAccepts: s.correctAccepts,
    correctRejects: s.correctRejects,
    inconclusive: s.inconclusive,
    tagCount: s.tagCount,
    scores: { load: judgedScore("load"), strict: judgedScore("strict") },
    counterExamples: s.counterExamples.map((c) => ({
      wheel: c.wheel,
      runtime: c.runtime,
      wheelTag: c.wheelTag,
      runtimeTag: c.runtimeTag,
      outcome: c.outcome,
      kind: c.kind,
      evidence: c.evidence,
    })),
    // Both scores list the same pairs in the same order (one set of predictions).
    predictions: s.predictions.map((p, i) => {
      const strict = both.strict.predictions[i];
      return {
        wheel: p.wheel,
        runtime: p.runtime,
        wheelTag: p.wheelTag,
        runtimeTags: p.runtimeTags,
        install: p.install,
        verdict: p.verdict,
        ...(strict.verdict !== p.verdict ? { strictVerdict: strict.verdict } : {}),
        ...(p.withDefective && strict.withDefective
          ? { withDefective: { load: p.withDefective, strict: strict.withDefective } }
          : {}),
        evidence: p.evidence,
        rule: p.rule,
        reason: p.reason,
      };
    }),
  };
}

/**
 * Each policy's rank and verdict under each judgement, keyed `policy \0 judgement`, to compare
 * two rankings.
 *
 * @example
 * ```ts ignore
 * rankingOf(scores).get(`pep783\u0000load`); // { rank: 1, correct: true }
 * ```
 */
export function rankingOf(s: RunScores): Map<string, { rank: number; correct: boolean }> {
  const out = new Map<string, { rank: number; correct: boolean }>();
  for (const [j, list] of Object.entries(s.ranked)) {
    for (const r of list) out.set(`${r.policyId}\u0000${j}`, { rank: r.rank, correct: r.correct });
  }
  return out;
}

/**
 * Policies whose rank or verdict differs between two scorings of a run (link evidence alone,
 * then with the real runtime's results).
 *
 * @example
 * ```ts ignore
 * const moved = findMovedPolicies(scoreRun(policies, observed), scoreRun(policies, observed, oracle));
 * ```
 */
export function findMovedPolicies(a: RunScores, b: RunScores): ReportDecisive["moved"] {
  const before = rankingOf(a);
  const moved: ReportDecisive["moved"] = [];
  for (const [k, to] of rankingOf(b)) {
    const from = before.get(k);
    if (!from || (from.rank === to.rank && from.correct === to.correct)) continue;
    const [policy, judgement] = k.split("\u0000");
    moved.push({ policy, judgement: judgement as Judgement, from, to });
  }
  return moved;
}

/**
 * Does one scoring rank or judge some policy differently from another?
 *
 * @example
 * ```ts ignore
 * changesRanking(onLink, scoreRun(policies, observed, onePairOnly)); // true: that pair matters
 * ```
 */
export function changesRanking(before: RunScores, after: RunScores): boolean {
  const b = rankingOf(before);
  return [...rankingOf(after)].some(([k, v]) => {
    const was = b.get(k);
    return !was || was.rank !== v.rank || was.correct !== v.correct;
  });
}
