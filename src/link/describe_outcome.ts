/**
 * Outcomes as short text for terminals: one line per outcome, one per piece of evidence.
 *
 * @module
 */
import { formatFuncType } from "../wasm/func_type.ts";
import type { FuncType } from "../wasm/types.ts";
import type { LinkEvidence, LinkOutcome } from "./types.ts";
import { OUTCOME_CLASS_INFO, OUTCOME_CLASSES, type OutcomeClass } from "./outcome_classes.ts";

/** Short matrix cell per outcome class (from {@linkcode OUTCOME_CLASS_INFO}). */
export const OUTCOME_CODES: Readonly<Record<OutcomeClass, string>> = Object.fromEntries(
  OUTCOME_CLASSES.map((c) => [c, OUTCOME_CLASS_INFO[c].code]),
) as Record<OutcomeClass, string>;

function typeText(t: FuncType | string | undefined): string {
  if (t === undefined) return "?";
  return typeof t === "string" ? t : formatFuncType(t);
}

/**
 * One piece of evidence as one line.
 *
 * @example
 * ```ts
 * import { describeEvidence } from "./describe_outcome.ts";
 * const line = describeEvidence({
 *   kind: "type-mismatch", module: "env", symbol: "f", message: "",
 *   sideType: { params: ["i32"], results: [] }, mainType: { params: [], results: [] },
 * });
 * console.assert(line === "type-mismatch env.f: (i32) -> () vs runtime () -> ()");
 * ```
 */
export function describeEvidence(e: LinkEvidence): string {
  const name = e.symbol ? `${e.module ? `${e.module}.` : ""}${e.symbol}` : "";
  switch (e.kind) {
    case "type-mismatch":
    case "tag-mismatch":
    case "global-mismatch":
    case "memory-mismatch":
      return `${e.kind} ${name}: ${typeText(e.sideType)} vs runtime ${typeText(e.mainType)}`;
    case "v8-link-error":
      return `v8 ${e.message}`;
    case "unresolved-function":
    case "unresolved-got":
    case "latent-function":
    case "latent-got":
    case "weak":
      return `${e.kind} ${name}${e.sideType ? ` ${typeText(e.sideType)}` : ""}`;
    case "allowed":
      return `allowed ${name}: ${e.reason ?? ""}`;
    default:
      return `${e.kind}${name ? ` ${name}` : ""}: ${e.message.split("\n")[0]}`;
  }
}

/**
 * The outcome with its most telling evidence, in one line.
 *
 * @example
 * ```ts
 * import { describeOutcome } from "./describe_outcome.ts";
 * console.assert(describeOutcome({ outcome: "links", evidence: [], modules: [] }) === "links");
 * ```
 */
export function describeOutcome(
  outcome: Pick<LinkOutcome, "outcome" | "evidence" | "modules">,
  maxItems = 3,
): string {
  const all = [...outcome.evidence, ...outcome.modules.flatMap((m) => m.evidence)];
  const telling = all.filter((e) =>
    !["abi-feature", "weak", "stub-call", "type-mismatch"].includes(e.kind) ||
    (e.kind === "type-mismatch" && !all.some((x) => x.kind === "v8-link-error"))
  );
  if (outcome.outcome === "links" && telling.length === 0) return "links";
  // Decisive evidence first; the Python tag last (it is reported beside the link result).
  const rank = (e: LinkEvidence) => e.kind === "python-version" ? 2 : e.kind === "allowed" ? 1 : 0;
  const ordered = (telling.length ? telling : all).slice().sort((a, b) => rank(a) - rank(b));
  // For a V8 refusal, the typed pre-check line says more than V8's own message.
  const shown = ordered.map((e) =>
    e.kind === "v8-link-error" && e.sideType
      ? `${e.module ?? "env"}.${e.symbol}: ${typeText(e.sideType)} vs runtime ${
        typeText(e.mainType)
      }`
      : describeEvidence(e)
  );
  const head = shown.slice(0, maxItems).join("; ");
  const more = shown.length > maxItems ? ` (+${shown.length - maxItems} more)` : "";
  return `${outcome.outcome}${head ? `: ${head}` : ""}${more}`;
}
