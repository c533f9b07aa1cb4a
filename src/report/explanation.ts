/**
 * One policy's prediction for one wheel on one runtime, as `conform explain` prints it.
 *
 * @module
 */

/** What `explain` found for one pair (also its JSON output). */
export interface Explanation {
  policy: string;
  wheel: string;
  runtime: string;
  builtFor: string | null;
  builtForInferred: string | null;
  builtForOutcome: string | null;
  wheelTags: string[];
  policyWheelTag: string | null;
  runtimeTags: string[];
  rule: string | null;
  install: boolean | null;
  reason: string | null;
  outcome: string | null;
  evidence: string | null;
  verdict: string | null;
  inferred: string[];
}

const VERDICT_TEXT: Record<string, string> = {
  "correct-accept": "right: it installs, and the wheel works there",
  "correct-reject": "right: it refuses, and the wheel would break there",
  "unsafe-accept": "WRONG (unsafe accept): it installs a wheel that breaks there",
  "needless-reject": "wrong (needless reject): it refuses a wheel that works there",
  defective: "not scored: the wheel fails even on the runtime it was built for",
};

/**
 * The explanation as aligned lines for a terminal: policy, wheel (with its own runtime), runtime,
 * both tags, the rule, the link outcome and the verdict in words.
 *
 * @example
 * ```ts ignore
 * console.log(renderExplanation(explanation, { title: "PEP 783" }));
 * ```
 */
export function renderExplanation(
  e: Explanation,
  context: { title: string; unavailable?: string },
): string {
  const lines = [
    `policy   ${e.policy}: ${context.title}`,
    `wheel    ${e.wheel}${
      e.builtFor
        ? ` (built for ${e.builtFor}${e.builtForInferred ? `, ${e.builtForInferred}` : ""}${
          e.builtForOutcome ? `; ${e.builtForOutcome} there` : ""
        })`
        : ""
    }`,
    `runtime  ${e.runtime}${context.unavailable ? ` — unavailable: ${context.unavailable}` : ""}`,
    `tags     wheel ${e.policyWheelTag || "(none)"}; runtime accepts ${
      e.runtimeTags.join(", ") || "(none)"
    }`,
    `rule     ${e.rule ?? "?"} → ${e.install === null ? "?" : e.install ? "install" : "refuse"}${
      e.reason ? ` (${e.reason})` : ""
    }`,
    `link     ${e.outcome ?? "not checked"}${
      e.evidence && e.evidence !== e.outcome ? ` — ${e.evidence}` : ""
    }`,
    `verdict  ${VERDICT_TEXT[e.verdict ?? ""] ?? e.verdict ?? "?"}`,
  ];
  if (e.inferred.length) lines.push(`inferred ${e.inferred.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
