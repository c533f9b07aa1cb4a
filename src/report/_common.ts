/**
 * Helpers shared by the renderers: ordering, labels and counts derived from a report.
 * Everything here is pure and never throws on odd data (missing predictions, unknown runtimes).
 *
 * @module
 */
import { JUDGEMENTS, OUTCOME_CLASSES } from "../link/types.ts";
import type { Judgement, OutcomeClass } from "../link/types.ts";
import type {
  ConformReport,
  PairVerdict,
  ReportCounterExample,
  ReportDecisive,
  ReportJudgedScore,
  ReportOutcome,
  ReportPolicy,
  ReportPrediction,
  ReportWheel,
} from "./types.ts";

/**
 * Text for a terminal: control characters replaced (a tab by a space, the rest by U+FFFD), so
 * that report data, file and project names cannot move the cursor or recolour.
 *
 * @example
 * ```ts
 * import { cleanForTerminal } from "./_common.ts";
 * console.assert(cleanForTerminal("a\u001b[2Jb") === "a\ufffd[2Jb");
 * ```
 */
export function cleanForTerminal(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\t" ? " " : "\ufffd"));
}

/** Every pair verdict, in the order reports list them. */
export const PAIR_VERDICTS: readonly PairVerdict[] = [
  "correct-accept",
  "correct-reject",
  "unsafe-accept",
  "needless-reject",
  "defective",
  "inconclusive",
  "input-error",
];

/** Human label of each verdict. */
export const VERDICT_LABELS: Record<PairVerdict, string> = {
  "correct-accept": "correct accept",
  "correct-reject": "correct reject",
  "unsafe-accept": "unsafe accept",
  "needless-reject": "needless reject",
  "defective": "defective wheel",
  "inconclusive": "inconclusive (needed library not supplied)",
  "input-error": "input error",
};

/** Policies by rank (then id, so equal ranks still print in a stable order). */
export function sortPolicies(report: ConformReport): ReportPolicy[] {
  return [...report.policies].sort((a, b) => a.rank - b.rank || cmp(a.id, b.id));
}

/** Plain code-unit comparison: stable across locales, unlike localeCompare. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Severity of an outcome class: its position in OUTCOME_CLASSES (best first); unknown is worst. */
export function outcomeSeverity(outcome: OutcomeClass | string): number {
  const i = (OUTCOME_CLASSES as readonly string[]).indexOf(outcome);
  return i < 0 ? OUTCOME_CLASSES.length : i;
}

/**
 * The counter-examples that matter most first: unsafe accepts before needless rejects, then
 * the worse outcome, then wheel and runtime so the order is stable.
 */
export function worstCounterExamples(
  policy: ReportPolicy,
  limit = Infinity,
): ReportCounterExample[] {
  const sorted = [...policy.counterExamples].sort((a, b) =>
    (a.kind === b.kind ? 0 : a.kind === "unsafe-accept" ? -1 : 1) ||
    outcomeSeverity(b.outcome) - outcomeSeverity(a.outcome) ||
    cmp(a.wheel, b.wheel) || cmp(a.runtime, b.runtime)
  );
  return sorted.slice(0, limit);
}

/** Counts of every verdict among a policy's predictions. */
export function countVerdicts(
  predictions: readonly ReportPrediction[],
): Record<PairVerdict, number> {
  const counts = Object.fromEntries(PAIR_VERDICTS.map((v) => [v, 0])) as Record<
    PairVerdict,
    number
  >;
  for (const p of predictions) counts[p.verdict] = (counts[p.verdict] ?? 0) + 1;
  return counts;
}

/** Key of a wheel × runtime pair. The NUL separator cannot occur in file names or versions. */
export function pairKey(wheel: string, runtime: string): string {
  return `${wheel}\u0000${runtime}`;
}

/** Index outcomes by pair. */
export function indexOutcomes(report: ConformReport): Map<string, ReportOutcome> {
  const map = new Map<string, ReportOutcome>();
  for (const o of report.outcomes) map.set(pairKey(o.wheel, o.runtime), o);
  return map;
}

/** `12.5%`, or `n/a` when there is nothing to divide by. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return "n/a";
  const p = (100 * part) / whole;
  return `${p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** `1.2 s`, `3 min 4 s`: for durations in reports. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "n/a";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - 60 * m);
  if (m < 60) return `${m} min ${rest} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Verdict word of a policy. */
export function policyVerdict(policy: ReportPolicy): "CORRECT" | "UNSAFE" {
  return policy.correct ? "CORRECT" : "UNSAFE";
}

/** Runtimes that were obtained (have outcomes). */
export function availableRuntimes(report: ConformReport): string[] {
  return report.runtimes.filter((r) => r.unavailable === undefined).map((r) => r.version);
}

/** The Python tag `cpXY` or `py3` part of a wheel's tags, for display. */
export function shortTags(tags: readonly string[]): string {
  return tags.join(", ");
}

/**
 * A policy under one judgement. A report written before there were two judgements has only
 * the `load` figures (its top-level ones) and no `strict` ones: `undefined` then.
 *
 * @example
 * ```ts ignore
 * judgedScore(policy, "strict")?.rank; // 3
 * ```
 */
export function judgedScore(p: ReportPolicy, j: Judgement): ReportJudgedScore | undefined {
  if (p.scores) return p.scores[j];
  if (j !== "load") return undefined;
  const counts = {
    unsafeAccepts: p.unsafeAccepts,
    needlessRejects: p.needlessRejects,
    correctAccepts: p.correctAccepts,
    correctRejects: p.correctRejects,
    inconclusive: p.inconclusive ?? 0,
  };
  return { withoutDefective: counts, withDefective: counts, rank: p.rank, correct: p.correct };
}

/** The verdict of a prediction under a judgement. */
export function verdictUnder(p: ReportPrediction, j: Judgement): PairVerdict {
  return j === "strict" ? p.strictVerdict ?? p.verdict : p.verdict;
}

/** A pair whose verdict differs between the judgements for one of the top policies. */
export interface DecidingPair {
  wheel: string;
  runtime: string;
  outcome?: OutcomeClass;
  /** The top policies' verdicts on the pair, under each judgement. */
  verdicts: { policy: string; load: PairVerdict; strict: PairVerdict }[];
}

/** Who wins under each judgement, and the pairs that make the rankings differ. */
export interface JudgementSummary {
  /** Policies ranked first under each judgement (several on a tie; none without policies). */
  winners: Record<Judgement, string[]>;
  /** False for a report written before the `strict` judgement existed. */
  strictScored: boolean;
  /** The same policies win under both judgements. */
  same: boolean;
  /** Some policy ranks differently under the two judgements. */
  rankingsDiffer: boolean;
  /**
   * When the rankings differ: the pairs whose verdict differs between the judgements for a
   * winner under either judgement. Pairs on which those winners disagree come first.
   */
  deciding: DecidingPair[];
}

/**
 * Who wins under each judgement and, where the rankings differ, which pairs decide it.
 *
 * @example
 * ```ts ignore
 * const s = summarizeJudgements(report);
 * s.winners.load; // ["pyodide-python-patch"]
 * s.same; // true
 * ```
 */
export function summarizeJudgements(report: ConformReport): JudgementSummary {
  const policies = sortPolicies(report);
  const strictScored = policies.length > 0 && policies.every((p) => p.scores !== undefined);
  const winners = Object.fromEntries(JUDGEMENTS.map((j) => {
    const ranks = policies.map((p) => judgedScore(p, j)?.rank);
    if (ranks.some((r) => r === undefined)) return [j, []];
    const best = Math.min(...(ranks as number[]));
    return [j, policies.filter((_, i) => ranks[i] === best).map((p) => p.id).sort(cmp)];
  })) as Record<Judgement, string[]>;
  const same = strictScored && winners.load.join("\u0000") === winners.strict.join("\u0000");
  const rankingsDiffer = strictScored &&
    policies.some((p) => judgedScore(p, "load")!.rank !== judgedScore(p, "strict")!.rank);
  const deciding: DecidingPair[] = [];
  if (rankingsDiffer) {
    const top = new Set([...winners.load, ...winners.strict]);
    const outcomes = indexOutcomes(report);
    const byPair = new Map<string, DecidingPair>();
    for (const p of policies) {
      if (!top.has(p.id)) continue;
      for (const x of p.predictions) {
        if (x.strictVerdict === undefined || x.strictVerdict === x.verdict) continue;
        const key = pairKey(x.wheel, x.runtime);
        let d = byPair.get(key);
        if (!d) {
          d = { wheel: x.wheel, runtime: x.runtime, verdicts: [] };
          const o = outcomes.get(key)?.outcome;
          if (o) d.outcome = o;
          byPair.set(key, d);
        }
        d.verdicts.push({ policy: p.id, load: x.verdict, strict: x.strictVerdict });
      }
    }
    // A pair that only one winner installs (or the winners judge apart) is what tells them
    // apart; pairs every top policy treats alike move both rankings the same way.
    const splits = (d: DecidingPair) =>
      d.verdicts.length < top.size ||
      new Set(d.verdicts.map((v) => `${v.load}/${v.strict}`)).size > 1;
    deciding.push(
      ...[...byPair.values()].sort((a, b) =>
        Number(splits(b)) - Number(splits(a)) || cmp(a.wheel, b.wheel) ||
        cmp(a.runtime, b.runtime)
      ),
    );
  }
  return { winners, strictScored, same, rankingsDiffer, deciding };
}

/**
 * The one-line answer every report starts with: the winner under each judgement and whether it
 * is the same scheme. `code` formats a policy id (e.g. as a Markdown code span).
 *
 * @example
 * ```ts ignore
 * judgementHeadline(summarizeJudgements(report));
 * // "Best under load: pyodide-python-patch; under strict: pyodide-python-patch (same)"
 * ```
 */
export function judgementHeadline(
  s: JudgementSummary,
  code: (id: string) => string = (id) => id,
): string {
  if (s.winners.load.length === 0) return "No policy was scored.";
  const names = (ids: string[]) => ids.map(code).join(", ") + (ids.length > 1 ? " (tied)" : "");
  const strict = s.strictScored
    ? `${names(s.winners.strict)} (${s.same ? "same" : "different"})`
    : "not scored (the report predates the strict judgement)";
  return `Best under load: ${names(s.winners.load)}; under strict: ${strict}`;
}

/** `correct accept → unsafe accept`: how a pair's verdict moves from `load` to `strict`. */
export function verdictMove(v: { load: PairVerdict; strict: PairVerdict }): string {
  return `${VERDICT_LABELS[v.load]} under load, ${VERDICT_LABELS[v.strict]} under strict`;
}

/**
 * The evidence ladder in plain sentences: how many decisive pairs the real runtime confirmed
 * within the budget, how many it overturned, and which of those changed the ranking.
 *
 * @example
 * ```ts ignore
 * describeDecisive(report.agreement!.decisive!)[0];
 * // "Decisive pairs: 143; 40 run in the real runtime (budget 120 s; 103 left for a later run), 38 confirmed."
 * ```
 */
export function describeDecisive(d: ReportDecisive): string[] {
  const budget = d.budgetSeconds === null ? "no budget" : `budget ${d.budgetSeconds} s`;
  const left = d.notRun > 0 ? `; ${d.notRun} left for a later run` : "";
  const lines = [
    `Decisive pairs: ${d.pairs}; ${d.run} run in the real runtime (${budget}${left}), ${d.confirmed} confirmed.`,
  ];
  if (d.overturned.length === 0) {
    lines.push("The real runtime overturned none of them: the ranking stands on the link check.");
  } else {
    lines.push(
      `${d.overturned.length} overturned the link check's verdict; ${d.changedRanking} of them ` +
        `change the ranking on their own.`,
    );
    for (const o of d.overturned.slice(0, 10)) {
      lines.push(
        `  ${o.wheel} on ${o.runtime}: link ${o.linkOutcome}, real runtime ${o.oracleStatus}` +
          (o.changesRanking ? " (changes the ranking)" : ""),
      );
    }
    if (d.overturned.length > 10) lines.push(`  … and ${d.overturned.length - 10} more`);
  }
  for (const m of d.moved) {
    const v = (x: { rank: number; correct: boolean }) =>
      `#${x.rank} ${x.correct ? "CORRECT" : "UNSAFE"}`;
    lines.push(`  ${m.policy} under ${m.judgement}: ${v(m.from)} on link evidence → ${v(m.to)}`);
  }
  return lines;
}

/**
 * Why the winner under one judgement wins, in one sentence: it has no unsafe accept (and how
 * many schemes share that), then the first ranking key on which it beats the next scheme
 * (needless rejects, then tags; for schemes that are all unsafe: unsafe accepts first).
 * `undefined` when the judgement was not scored. `code` formats a policy id.
 *
 * @example
 * ```ts ignore
 * explainWinner(report, "load");
 * // "Under load, pyodide-python-patch wins: it is one of 9 schemes with no unsafe accept, and
 * //  has the fewest needless rejects (108, against 129 for pyodide-year-patch-ordered)."
 * ```
 */
export function explainWinner(
  report: ConformReport,
  judgement: Judgement,
  code: (id: string) => string = (id) => id,
): string | undefined {
  type Entry = { p: ReportPolicy; s: ReportJudgedScore };
  const scored = sortPolicies(report)
    .map((p) => ({ p, s: judgedScore(p, judgement) }))
    .filter((x): x is Entry => x.s !== undefined)
    .sort((a, b) => a.s.rank - b.s.rank || cmp(a.p.id, b.p.id));
  if (scored.length === 0) return undefined;
  const best = scored[0].s.rank;
  const winners = scored.filter((x) => x.s.rank === best);
  const next = scored.find((x) => x.s.rank > best);
  const correct = scored.filter((x) => x.s.correct).length;
  const w = winners[0];
  const under = `Under ${judgement}`;
  // The ranking keys in the order the scorer compares them (see rankPolicies in src/policy).
  const keys: [string, (x: Entry) => number][] = [
    ["unsafe accepts", (x) => x.s.withoutDefective.unsafeAccepts],
    ["needless rejects", (x) => x.s.withoutDefective.needlessRejects],
    ["tags", (x) => x.p.tagCount],
  ];
  if (w.s.correct) keys.shift();
  if (winners.length > 1) {
    const names = winners.map((x) => code(x.p.id));
    const list = `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
    const values = keys.map(([k, f]) => `${f(w)} ${k}`);
    return `${under}, ${list} tie: ${winners.length === 2 ? "both" : "all"} have ` +
      `${w.s.correct ? "no unsafe accept, " : ""}${values.join(", ")}.`;
  }
  // The first key on which the winner beats the next scheme, after the keys they tie on.
  const versus = (x: Entry) => {
    const same: string[] = [];
    for (const [k, f] of keys) {
      if (f(w) === f(x)) {
        same.push(`${f(w)} ${k}`);
        continue;
      }
      return same.length
        ? `ties ${code(x.p.id)} on ${same.join(" and ")}, and has the fewest ${k} (${f(w)}, ` +
          `against ${f(x)})`
        : `has the fewest ${k} (${f(w)}, against ${f(x)} for ${code(x.p.id)})`;
    }
    return `ranks before ${code(x.p.id)} by name alone`;
  };
  const id = code(w.p.id);
  if (w.s.correct) {
    if (correct === 1) {
      return `${under}, ${id} wins: it is the only scheme with no unsafe accept` +
        (next
          ? ` (the next, ${
            code(next.p.id)
          }, has ${next.s.withoutDefective.unsafeAccepts} unsafe accept${
            next.s.withoutDefective.unsafeAccepts === 1 ? "" : "s"
          }).`
          : ".");
    }
    return `${under}, ${id} wins: it is one of ${correct} schemes with no unsafe accept, and ${
      next ? versus(next) : "has no competitor"
    }.`;
  }
  return `${under}, no scheme is correct (each installs some wheel where it does not work); ` +
    `${id} ranks first: it ${next ? versus(next) : "is the only scheme scored"}.`;
}

/**
 * Why the winners win, one sentence per judgement that was scored (see `explainWinner`).
 *
 * @example
 * ```ts ignore
 * explainWinners(report).length; // 2: load and strict
 * ```
 */
export function explainWinners(
  report: ConformReport,
  code: (id: string) => string = (id) => id,
): string[] {
  return JUDGEMENTS.map((j) => explainWinner(report, j, code)).filter((s): s is string =>
    s !== undefined
  );
}

/** Archive kinds of Pyodide's lock-file packages (`.zip`): libraries, not installable wheels. */
const LOCK_PACKAGE_KINDS = new Set(["shared-library", "cpython-module", "unknown-zip"]);

/**
 * True for a `.zip` package from a distribution's lock file: Pyodide loads it by name, no
 * installer compares its tag, so no policy judges it (the runner scores wheels only).
 *
 * @example
 * ```ts
 * isLockPackage({ file: "pyodide-0.27.7/openssl-1.1.1n.zip", kind: "shared-library" }); // true
 * isLockPackage({ file: "numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl", kind: "wheel" }); // false
 * ```
 */
export function isLockPackage(wheel: Pick<ReportWheel, "file" | "kind">): boolean {
  return LOCK_PACKAGE_KINDS.has(wheel.kind) || /\.zip$/i.test(wheel.file);
}

/**
 * Why a pair's verdict is disputed, or `undefined`: the policy is blamed for an unsafe accept
 * although the real runtime loaded the pair, or for a needless reject although the real runtime
 * failed on it. Under `strict`, a `latent` pair the real runtime loads is such a case: it counts
 * as unsafe only because some function resolves nowhere.
 *
 * @example
 * ```ts ignore
 * disputeOf(prediction, outcome, "load");
 * // "the real runtime loads it (ok); the link check says unresolved"
 * ```
 */
export function disputeOf(
  prediction: ReportPrediction,
  outcome: ReportOutcome | undefined,
  judgement: Judgement,
): string | undefined {
  const oracle = outcome?.oracle;
  if (!outcome || !oracle || oracle.works === null) return undefined;
  const verdict = verdictUnder(prediction, judgement);
  if (verdict === "unsafe-accept" && oracle.works) {
    return judgement === "strict" && outcome.outcome === "latent"
      ? `the real runtime loads it (${oracle.status}); unsafe only under strict, as some ` +
        `function resolves nowhere (latent)`
      : `the real runtime loads it (${oracle.status}); the link check says ${outcome.outcome}`;
  }
  if (verdict === "needless-reject" && !oracle.works) {
    return `the real runtime fails on it (${oracle.status}); the link check says ${outcome.outcome}`;
  }
  return undefined;
}

/**
 * How many of a policy's unsafe accepts and needless rejects under a judgement are disputed
 * (see `disputeOf`). Pairs of defective or unreadable wheels are not counted, as in the ranking.
 *
 * @example
 * ```ts ignore
 * countDisputes(policy, indexOutcomes(report), "load"); // { unsafeAccepts: 2, needlessRejects: 0 }
 * ```
 */
export function countDisputes(
  policy: ReportPolicy,
  outcomes: Map<string, ReportOutcome>,
  judgement: Judgement,
): { unsafeAccepts: number; needlessRejects: number } {
  const counts = { unsafeAccepts: 0, needlessRejects: 0 };
  for (const p of policy.predictions) {
    if (!disputeOf(p, outcomes.get(pairKey(p.wheel, p.runtime)), judgement)) continue;
    if (verdictUnder(p, judgement) === "unsafe-accept") counts.unsafeAccepts++;
    else counts.needlessRejects++;
  }
  return counts;
}
