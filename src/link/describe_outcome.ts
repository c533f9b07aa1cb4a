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
    case "python-version":
      // The message names both versions: it reads as the root cause on its own.
      return e.message.split("\n")[0];
    default:
      return `${e.kind}${name ? ` ${name}` : ""}: ${e.message.split("\n")[0]}`;
  }
}

/**
 * Evidence kinds in the order a root cause is told: the Python version, then symbols (types,
 * unresolved names, what V8 refused), then libraries and latent names, then what the loader
 * must do or what trapped. Kinds in no group (allowed, weak, abi-feature, stub-call) are told
 * only when nothing else is.
 */
const CAUSE_ORDER: readonly (readonly LinkEvidence["kind"][])[] = [
  ["python-version"],
  [
    "type-mismatch",
    "v8-link-error",
    "unresolved-function",
    "unresolved-got",
    "tag-mismatch",
    "memory-mismatch",
    "global-mismatch",
    "table-mismatch",
    "unknown-module",
  ],
  ["needed-missing", "needed-failed", "latent-function", "latent-got"],
  ["loader-capability", "trap", "timeout", "invalid"],
];

function causeRank(e: LinkEvidence): number {
  const i = CAUSE_ORDER.findIndex((group) => group.includes(e.kind));
  return i < 0 ? CAUSE_ORDER.length : i;
}

/**
 * The first evidence that the runtime's Python is not the wheel's (its tags, else a module's
 * `cpython-3XY` suffix), whatever the outcome's class.
 *
 * @example
 * ```ts
 * import { findPythonEvidence } from "./describe_outcome.ts";
 * console.assert(findPythonEvidence({ evidence: [], modules: [] }) === undefined);
 * ```
 */
export function findPythonEvidence(
  outcome: Pick<LinkOutcome, "evidence" | "modules">,
): LinkEvidence | undefined {
  return [...outcome.evidence, ...outcome.modules.flatMap((m) => m.evidence)]
    .find((e) => e.kind === "python-version");
}

/**
 * Why an outcome is what it is, in one line, root cause first: the evidence list that
 * {@linkcode describeOutcome} prints after the class ("" for a clean `links`).
 *
 * @example
 * ```ts
 * import { describeCause } from "./describe_outcome.ts";
 * console.assert(describeCause({ outcome: "links", evidence: [], modules: [] }) === "");
 * ```
 */
export function describeCause(
  outcome: Pick<LinkOutcome, "outcome" | "evidence" | "modules">,
  maxItems = 3,
): string {
  const all = [...outcome.evidence, ...outcome.modules.flatMap((m) => m.evidence)];
  // A type mismatch V8 also refused is told once, by the V8 line that carries both types.
  // The Python version is told once (the tags say it; each module's suffix says it again).
  const firstPython = findPythonEvidence(outcome);
  const telling = all.filter((e) =>
    causeRank(e) < CAUSE_ORDER.length &&
    (e.kind !== "python-version" || e === firstPython) &&
    !(e.kind === "type-mismatch" &&
      all.some((x) => x.kind === "v8-link-error" && x.symbol === e.symbol && x.sideType))
  );
  if (outcome.outcome === "links" && telling.length === 0) return "";
  const listed = telling.length ? telling : all;
  const ordered = listed.slice().sort((a, b) => causeRank(a) - causeRank(b));
  const shown = ordered.slice(0, maxItems).map((e) =>
    e.kind === "v8-link-error" && e.sideType
      ? `${e.module ?? "env"}.${e.symbol}: ${typeText(e.sideType)} vs runtime ${
        typeText(e.mainType)
      }`
      : describeEvidence(e)
  );
  // A capped list ends with an entry that counts what was left out: count it, not the entry.
  const more = listed.reduce((n, e) => n + (e.omitted !== undefined ? e.omitted : 1), 0) -
    shown.length;
  return `${shown.join("; ")}${more > 0 ? ` (+${more} more)` : ""}`;
}

/**
 * The outcome with its evidence in one line, root cause first: the one summary every command
 * and report prints. A V8 refusal shows the typed pre-check line (both wasm types) instead of
 * V8's own message when there is one; a capped list counts what it left out.
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
  const cause = describeCause(outcome, maxItems);
  return cause ? `${outcome.outcome}: ${cause}` : outcome.outcome;
}

/**
 * The legend of the matrix codes: one line per outcome class, `code  class: meaning`, for the
 * given classes (default: all), best first.
 *
 * @example
 * ```ts
 * import { describeOutcomeCodes } from "./describe_outcome.ts";
 * const [line] = describeOutcomeCodes(["unresolved"]);
 * console.assert(line.startsWith("unres   unresolved: a symbol resolves nowhere"));
 * ```
 */
export function describeOutcomeCodes(classes: Iterable<OutcomeClass> = OUTCOME_CLASSES): string[] {
  const wanted = new Set(classes);
  const width = Math.max(...OUTCOME_CLASSES.map((c) => OUTCOME_CLASS_INFO[c].code.length));
  return OUTCOME_CLASSES.filter((c) => wanted.has(c)).map((c) =>
    `${OUTCOME_CLASS_INFO[c].code.padEnd(width + 2)}${c}: ${OUTCOME_CLASS_INFO[c].meaning}`
  );
}

/** Code of a matrix cell that was not checked (the pair has no outcome). */
export const UNCHECKED_CODE = "?";

/**
 * The archive × runtime matrix as text: archives down, runtimes across, one outcome code per
 * cell, then the count per class and the legend of the codes that appear.
 *
 * @param rows each archive's name and its outcome per runtime (`undefined`: not checked)
 * @param runtimes the column headings
 * @returns the lines of the matrix
 * @example
 * ```ts
 * import { renderOutcomeMatrix } from "./describe_outcome.ts";
 * const lines = renderOutcomeMatrix([{ name: "a.whl", outcomes: ["links", "link-error"] }], [
 *   "0.27.7",
 *   "0.28.3",
 * ]);
 * console.assert(lines[1].trim() === "a.whl      ok    ERR".trim());
 * ```
 */
export function renderOutcomeMatrix(
  rows: readonly {
    name: string;
    outcomes: readonly (OutcomeClass | undefined)[];
    /** Per runtime: the Python version disagrees although the class is another one. */
    python?: readonly boolean[];
  }[],
  runtimes: readonly string[],
): string[] {
  // Full names: they are what tells the rows apart.
  const width = Math.max(0, ...rows.map((r) => r.name.length));
  const col = Math.max(7, ...runtimes.map((r) => r.length + 1));
  const lines = [`${"".padEnd(width)} ${runtimes.map((r) => r.padStart(col)).join("")}`];
  const counts = new Map<OutcomeClass, number>();
  let unchecked = false;
  let pythonFirst = false;
  for (const row of rows) {
    const cells = runtimes.map((_, i) => {
      const o = row.outcomes[i];
      if (o === undefined) unchecked = true;
      else counts.set(o, (counts.get(o) ?? 0) + 1);
      // A Python mismatch is told first, with the link outcome after it.
      const py = o !== undefined && o !== "python-mismatch" && row.python?.[i] === true;
      if (py) pythonFirst = true;
      const code = o === undefined ? UNCHECKED_CODE : OUTCOME_CODES[o];
      return (py ? `py/${code}` : code).padStart(col);
    });
    lines.push(`${row.name.padEnd(width)} ${cells.join("")}`);
  }
  lines.push("");
  lines.push(
    OUTCOME_CLASSES.filter((c) => counts.has(c)).map((c) => `${c} ${counts.get(c)}`).join(", "),
  );
  // The codes are terse on purpose (the matrix must stay narrow): say what each one means.
  lines.push("", "Codes:");
  for (const l of describeOutcomeCodes(counts.keys())) lines.push(`  ${l}`);
  if (pythonFirst) {
    lines.push(
      `  ${"py/X".padEnd(8)}the Python version disagrees and the pair also fails to link as X`,
    );
  }
  if (unchecked) lines.push(`  ${UNCHECKED_CODE.padEnd(8)}not checked (no outcome for the pair)`);
  return lines;
}
