import {
  describeEvidence,
  describeOutcome,
  findPythonEvidence,
  type LinkEvidence,
  type LinkOutcome,
  renderOutcomeMatrix,
} from "../link/mod.ts";

/** A linked pair: the archive's file, the runtime's name and the whole outcome. */
export interface LinkedPair {
  wheel: string;
  runtime: string;
  outcome: LinkOutcome;
}

/**
 * Link-checked pairs as terminal text: one line per pair (root cause first), each side module
 * and piece of evidence with `verbose`, then, for several archives and runtimes, the matrix with
 * its counts and a legend of its codes.
 *
 * @example
 * ```ts ignore
 * const text = renderLinkPairs([{ wheel: "a.whl", runtime: "0.27.7", outcome }], ["0.27.7"], false);
 * ```
 */
/** The outcome without its Python evidence: what the link check found besides. */
function withoutPython(outcome: LinkOutcome): LinkOutcome {
  const keep = (e: LinkEvidence) => e.kind !== "python-version";
  return {
    ...outcome,
    evidence: outcome.evidence.filter(keep),
    modules: outcome.modules.map((m) => ({ ...m, evidence: m.evidence.filter(keep) })),
  };
}

/**
 * Link-checked pairs as terminal text (`conform link`).
 *
 * @module
 */
export function renderLinkPairs(pairs: LinkedPair[], runtimes: string[], verbose: boolean): string {
  const lines: string[] = [];
  const name = (file: string) => file.split("/").pop()!;
  for (const p of pairs) {
    const python = findPythonEvidence(p.outcome);
    if (python && p.outcome.outcome !== "python-mismatch") {
      // The Python version first, the link outcome underneath.
      lines.push(`${name(p.wheel)}  ${p.runtime}  Python: ${describeEvidence(python)}`);
      lines.push(`  then ${describeOutcome(withoutPython(p.outcome))}`);
    } else lines.push(`${name(p.wheel)}  ${p.runtime}  ${describeOutcome(p.outcome)}`);
    if (!verbose) continue;
    for (const m of p.outcome.modules) {
      lines.push(`  ${m.member}: ${m.outcome}`);
      for (const e of m.evidence) lines.push(`    ${describeEvidence(e)}`);
    }
    for (const e of p.outcome.evidence) lines.push(`  ${describeEvidence(e)}`);
  }
  const archives = [...new Set(pairs.map((p) => p.wheel))];
  if (archives.length > 1 && runtimes.length > 1) {
    // The matrix: archives down, runtimes across, then counts and the legend of its codes.
    const cell = new Map(pairs.map((p) => [`${p.wheel}\u0000${p.runtime}`, p.outcome]));
    const rows = archives.map((a) => {
      const outcomes = runtimes.map((r) => cell.get(`${a}\u0000${r}`));
      return {
        name: name(a),
        outcomes: outcomes.map((o) => o?.outcome),
        python: outcomes.map((o) => o !== undefined && findPythonEvidence(o) !== undefined),
      };
    });
    lines.push("", ...renderOutcomeMatrix(rows, runtimes));
  }
  return lines.join("\n") + "\n";
}
