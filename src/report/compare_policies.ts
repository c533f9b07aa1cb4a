/**
 * Where two scored policies predict differently (`conform policy compare A B`): each pair one
 * installs and the other refuses, with the pair's outcome and which of the two was right.
 *
 * @module
 */
import type { ConformReport, PairVerdict, ReportPolicy } from "./types.ts";

/** One pair on which two policies differ. */
export interface PolicyDifference {
  wheel: string;
  runtime: string;
  /** The link outcome class of the pair (or `?` when the report has none). */
  outcome: string;
  /** The outcome's one-line evidence. */
  summary: string;
  a: { install: boolean; verdict: PairVerdict; wheelTag: string };
  b: { install: boolean; verdict: PairVerdict; wheelTag: string };
}

/** The differences and how many pairs each policy gets right among them. */
export interface PolicyComparison {
  a: string;
  b: string;
  /** Pairs both policies predicted. */
  pairs: number;
  differences: PolicyDifference[];
  /** Among the differences: pairs where only A's verdict is right, only B's, or neither. */
  rightA: number;
  rightB: number;
}

const RIGHT = new Set<PairVerdict>(["correct-accept", "correct-reject"]);

/**
 * Compare two policies of one report, pair by pair (the `load` judgement's verdicts).
 *
 * @example
 * ```ts ignore
 * const c = comparePolicies(report, "pep783", "pyodide-plain");
 * console.log(`${c.differences.length} of ${c.pairs} pairs differ`);
 * ```
 */
export function comparePolicies(
  report: ConformReport,
  a: ReportPolicy,
  b: ReportPolicy,
): PolicyComparison {
  const key = (p: { wheel: string; runtime: string }) => `${p.wheel}\u0000${p.runtime}`;
  const outcomes = new Map(report.outcomes.map((o) => [key(o), o]));
  const bByPair = new Map(b.predictions.map((p) => [key(p), p]));
  const differences: PolicyDifference[] = [];
  let pairs = 0;
  for (const pa of a.predictions) {
    const pb = bByPair.get(key(pa));
    if (!pb) continue;
    pairs++;
    if (pa.install === pb.install) continue;
    const o = outcomes.get(key(pa));
    differences.push({
      wheel: pa.wheel,
      runtime: pa.runtime,
      outcome: o?.outcome ?? "?",
      summary: o?.summary ?? "",
      a: { install: pa.install, verdict: pa.verdict, wheelTag: pa.wheelTag },
      b: { install: pb.install, verdict: pb.verdict, wheelTag: pb.wheelTag },
    });
  }
  differences.sort((x, y) =>
    x.wheel < y.wheel ? -1 : x.wheel > y.wheel ? 1 : x.runtime < y.runtime ? -1 : 1
  );
  return {
    a: a.id,
    b: b.id,
    pairs,
    differences,
    rightA: differences.filter((d) => RIGHT.has(d.a.verdict) && !RIGHT.has(d.b.verdict)).length,
    rightB: differences.filter((d) => RIGHT.has(d.b.verdict) && !RIGHT.has(d.a.verdict)).length,
  };
}

/**
 * The comparison as lines: a summary, then each pair with both decisions and the outcome.
 *
 * @example
 * ```ts ignore
 * console.log(renderPolicyComparison(comparePolicies(report, a, b)));
 * ```
 */
export function renderPolicyComparison(c: PolicyComparison): string {
  const word = (install: boolean) => (install ? "installs" : "refuses");
  const mark = (v: PairVerdict) => (RIGHT.has(v) ? "right" : v.replace("-", " "));
  const lines = [
    `${c.a} and ${c.b} differ on ${c.differences.length} of ${c.pairs} pairs: ${c.a} alone is ` +
    `right on ${c.rightA}, ${c.b} alone on ${c.rightB}.`,
  ];
  for (const d of c.differences) {
    lines.push(`${d.wheel} on ${d.runtime}: ${d.summary || d.outcome}`);
    lines.push(`  ${c.a} ${word(d.a.install)} (${d.a.wheelTag || "no tag"}): ${mark(d.a.verdict)}`);
    lines.push(`  ${c.b} ${word(d.b.install)} (${d.b.wheelTag || "no tag"}): ${mark(d.b.verdict)}`);
  }
  return `${lines.join("\n")}\n`;
}
