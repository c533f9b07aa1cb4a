/**
 * The pairs whose verdict decides the ranking: what the real runtime should confirm first.
 *
 * @module
 */
import { JUDGEMENTS } from "../link/outcome_classes.ts";
import type { JudgedPolicyScore } from "./types.ts";
import { rankPolicies } from "./score.ts";

/** One pair worth confirming in the real runtime, with why. */
export interface DecisivePair {
  wheel: string;
  runtime: string;
  /**
   * Fewest unsafe accepts of a policy this pair is an unsafe accept of (1: disproving it alone
   * makes that policy correct); for a pair that only separates the top-ranked schemes, 1 too.
   * Lower is more decisive.
   */
  leverage: number;
  /** Policies (`id/judgement`) that count this pair as an unsafe accept. */
  unsafeFor: string[];
  /** Top-ranked policies that disagree on installing it (empty when it separates none). */
  separates: string[];
}

/** Options of {@linkcode findDecisivePairs}. */
export interface DecisiveOptions {
  /** Policies at or above this rank, under each judgement, count as top-ranked (default 3). */
  topRank?: number;
}

/**
 * The decisive pairs of a set of scores, most decisive first: every unsafe accept of every
 * policy (under each judgement; defective wheels' pairs are not scored, so not listed), and
 * every pair on which the top-ranked policies disagree about installing. A pair the real runtime
 * contradicts there moves the ranking; elsewhere it only moves counts.
 *
 * Order: by leverage (see {@linkcode DecisivePair.leverage}), then pairs that both separate the
 * top and are unsafe accepts, then by how many policies count them, then by wheel and runtime.
 * Never throws.
 *
 * @example
 * ```ts ignore
 * const scores = policies.map((p) => scorePolicyJudgements(p, observations));
 * findDecisivePairs(scores).slice(0, 20); // confirm these first
 * ```
 */
export function findDecisivePairs(
  scores: JudgedPolicyScore[],
  options: DecisiveOptions = {},
): DecisivePair[] {
  const topRank = options.topRank ?? 3;
  const byPair = new Map<string, DecisivePair>();
  const entry = (wheel: string, runtime: string): DecisivePair => {
    const k = `${wheel}\u0000${runtime}`;
    let e = byPair.get(k);
    if (!e) {
      byPair.set(k, e = { wheel, runtime, leverage: Infinity, unsafeFor: [], separates: [] });
    }
    return e;
  };
  for (const judgement of JUDGEMENTS) {
    const scored = scores.map((s) => s[judgement]).filter((s) => s !== undefined);
    for (const s of scored) {
      for (const p of s.predictions) {
        if (p.verdict !== "unsafe-accept") continue;
        const e = entry(p.wheel, p.runtime);
        e.unsafeFor.push(`${s.policyId}/${judgement}`);
        e.leverage = Math.min(e.leverage, s.unsafeAccepts);
      }
    }
    const top = rankPolicies(scored).filter((r) => r.rank <= topRank);
    if (top.length < 2) continue;
    // Each top policy's install decision on the pairs it scores (defective and inconclusive
    // pairs change no ranking count).
    const installs = new Map<string, Map<string, boolean>>();
    for (const s of top) {
      for (const p of s.predictions) {
        if (p.verdict === "defective" || p.verdict === "inconclusive") continue;
        const k = `${p.wheel}\u0000${p.runtime}`;
        let row = installs.get(k);
        if (!row) installs.set(k, row = new Map());
        row.set(s.policyId, p.install);
      }
    }
    for (const [k, row] of installs) {
      const values = new Set(row.values());
      if (values.size < 2) continue;
      const [wheel, runtime] = k.split("\u0000");
      const e = entry(wheel, runtime);
      e.leverage = Math.min(e.leverage, 1);
      for (const id of row.keys()) {
        const tagged = `${id}/${judgement}`;
        if (!e.separates.includes(tagged)) e.separates.push(tagged);
      }
    }
  }
  return [...byPair.values()].sort((a, b) =>
    a.leverage - b.leverage ||
    Number(b.separates.length > 0 && b.unsafeFor.length > 0) -
      Number(a.separates.length > 0 && a.unsafeFor.length > 0) ||
    b.unsafeFor.length - a.unsafeFor.length ||
    (a.wheel < b.wheel ? -1 : a.wheel > b.wheel ? 1 : 0) ||
    (a.runtime < b.runtime ? -1 : a.runtime > b.runtime ? 1 : 0)
  );
}
