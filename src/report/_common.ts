/**
 * Helpers shared by the renderers: ordering, labels and counts derived from a report.
 * Everything here is pure and never throws on odd data (missing predictions, unknown runtimes).
 *
 * @module
 */
import { OUTCOME_CLASSES } from "../link/types.ts";
import type { OutcomeClass } from "../link/types.ts";
import type {
  ConformReport,
  PairVerdict,
  ReportCounterExample,
  ReportOutcome,
  ReportPolicy,
  ReportPrediction,
} from "./types.ts";

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
