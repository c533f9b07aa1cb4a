/**
 * Terminal summary: the ranked policies, their worst counter-examples, the ideal equivalence
 * classes, oracle agreement and what could not be read.
 *
 * @module
 */
import {
  cleanForTerminal,
  describeDecisive,
  explainWinners,
  formatDuration,
  judgedScore,
  judgementHeadline,
  percent,
  policyVerdict,
  sortPolicies,
  summarizeJudgements,
  VERDICT_LABELS,
  verdictMove,
  worstCounterExamples,
} from "./_common.ts";
import type { ConformReport, ReportPolicy } from "./types.ts";

/** Options of renderText. */
export interface TextOptions {
  /** ANSI colours (default false: the caller decides, e.g. from isTerminal and NO_COLOR). */
  color?: boolean;
  /** Maximum line width in columns; longer lines end with `…` (default: none, full lines). */
  width?: number;
  /** Counter-examples shown per policy (default 3). */
  counterExamples?: number;
  /** Wheels listed per equivalence-class boundary (default 3). */
  separators?: number;
  /** Pairs listed that decide between the two rankings when they differ (default 5). */
  decidingPairs?: number;
}

const ESC = "\u001b[";
const STYLE = { bold: "1", red: "31", green: "32", yellow: "33", dim: "2" } as const;

function fit(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, Math.max(1, width - 1)).join("")}…`;
}

/**
 * `prefix + wheel + suffix` in `width` columns, cutting the wheel name (first its directories,
 * then its middle) so that what follows it, the runtime and the verdict, is never cut off.
 */
function fitAroundWheel(prefix: string, wheel: string, suffix: string, width: number): string {
  const room = width - [...prefix].length - [...suffix].length;
  const whole = [...wheel];
  if (whole.length <= room) return `${prefix}${wheel}${suffix}`;
  const base = [...(wheel.split("/").pop() ?? wheel)];
  if (base.length <= room) return `${prefix}${base.join("")}${suffix}`;
  if (room < 12) return fit(`${prefix}${base.join("")}${suffix}`, width);
  const head = Math.ceil((room - 1) / 2);
  const tail = room - 1 - head;
  return `${prefix}${base.slice(0, head).join("")}…${
    base.slice(base.length - tail).join("")
  }${suffix}`;
}

/** Word-wrap to the width, continuation lines indented; a word longer than a line is cut. */
function wrap(s: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of s.split(" ")) {
    const next = current ? `${current} ${word}` : `${indent}${word}`;
    if ([...next].length > width && current) {
      lines.push(current);
      current = fit(`${indent}  ${word}`, width);
    } else current = fit(next, width);
  }
  if (current) lines.push(current);
  return lines;
}

function pad(s: string, n: number, right = false): string {
  const len = [...s].length;
  if (len >= n) return s;
  return right ? " ".repeat(n - len) + s : s + " ".repeat(n - len);
}

/**
 * Render the report for a terminal.
 *
 * @param report the report
 * @param options colour, width and how much detail
 * @returns the text, ending with a newline
 * @example
 * ```ts ignore
 * console.log(renderText(report, { color: Deno.stdout.isTerminal(), width: 120 }));
 * ```
 */
export function renderText(report: ConformReport, options: TextOptions = {}): string {
  const width = Math.max(40, options.width ?? Number.POSITIVE_INFINITY);
  const nCounter = options.counterExamples ?? 3;
  const nSep = options.separators ?? 3;
  const nDeciding = options.decidingPairs ?? 5;
  const paint = (s: string, ...styles: (keyof typeof STYLE)[]) =>
    options.color && styles.length
      ? `${ESC}${styles.map((x) => STYLE[x]).join(";")}m${s}${ESC}0m`
      : s;
  const out: string[] = [];
  const line = (s = "") => out.push(fit(cleanForTerminal(s), width));
  const heading = (s: string) => out.push(paint(fit(s, width), "bold"));

  const unavailable = report.runtimes.filter((r) => r.unavailable !== undefined);
  const inputErrors = report.wheels.filter((w) => w.inputError !== undefined);
  const defective = report.wheels.filter((w) => w.defective);
  line(
    `pyodide-abi-conform ${report.harnessVersion} · ${report.generatedAt} · ${report.wheels.length} wheels × ${report.runtimes.length} runtimes` +
      (unavailable.length ? ` (${unavailable.length} unavailable)` : "") +
      ` · ${report.policies.length} policies · ${formatDuration(report.durationMs)}`,
  );
  const judgements = summarizeJudgements(report);
  line(judgementHeadline(judgements));
  // The reason in full: a sentence cut at the terminal width would lose its point.
  for (const why of explainWinners(report)) out.push(...wrap(cleanForTerminal(why), width, "  "));
  line();

  const policies = sortPolicies(report);
  const longest = Math.max(6, ...policies.map((p) => [...cleanForTerminal(p.id)].length));
  const strictScored = judgements.strictScored;
  // Both judgements side by side when the width allows, else the strict ranking below.
  const together = strictScored && width - 74 >= Math.min(longest, 12);
  const idWidth = Math.min(longest, Math.max(6, width - (together ? 74 : 48)));
  // Columns of one judgement: rank, verdict, unsafe accepts, needless rejects.
  const judged = (rank: number, correct: boolean, unsafe: number, needless: number) => [
    pad(String(rank), 4, true),
    correct ? paint(pad("CORRECT", 7), "green") : paint(pad("UNSAFE", 7), "red", "bold"),
    unsafe > 0 ? paint(pad(String(unsafe), 6, true), "red") : pad(String(unsafe), 6, true),
    needless > 0 ? paint(pad(String(needless), 8, true), "yellow") : pad(String(needless), 8, true),
  ];
  const strictCells = (p: ReportPolicy) => {
    const st = judgedScore(p, "strict")!;
    return judged(
      st.rank,
      st.correct,
      st.withoutDefective.unsafeAccepts,
      st.withoutDefective.needlessRejects,
    );
  };
  const head = `${pad("rank", 4, true)}  ${pad("policy", idWidth)}  ${pad("verdict", 7)}  ${
    pad("unsafe", 6, true)
  }  ${pad("needless", 8, true)}  ${pad("tags", 4, true)}`;
  heading(
    together
      ? "Policies, ranked under load and under strict (CORRECT = no unsafe accept)"
      : "Policies, ranked under load (CORRECT = no unsafe accept)",
  );
  out.push(
    together
      ? `${head}  ${pad("s.rk", 4, true)}  ${pad("strict", 7)}  ${pad("unsafe", 6, true)}  ${
        pad("needless", 8, true)
      }`
      : head,
  );
  for (const p of policies) {
    const [rank, ...load] = judged(p.rank, p.correct, p.unsafeAccepts, p.needlessRejects);
    const cells = [
      rank,
      pad(fit(cleanForTerminal(p.id), idWidth), idWidth),
      ...load,
      pad(String(p.tagCount), 4, true),
      ...(together ? strictCells(p) : []),
    ];
    out.push(cells.join("  "));
  }
  if (strictScored && !together) {
    line();
    heading("Policies, ranked under strict");
    out.push(head);
    const byStrict = [...policies].sort((a, b) =>
      judgedScore(a, "strict")!.rank - judgedScore(b, "strict")!.rank
    );
    for (const p of byStrict) {
      const [rank, ...rest] = strictCells(p);
      out.push(
        [
          rank,
          pad(fit(cleanForTerminal(p.id), idWidth), idWidth),
          ...rest,
          pad(String(p.tagCount), 4, true),
        ]
          .join("  "),
      );
    }
  }
  if (policies.length === 0) line("  (no policy was scored)");
  line();

  if (judgements.rankingsDiffer) {
    heading("Pairs that move the rankings (verdict differs between load and strict)");
    for (const d of judgements.deciding.slice(0, nDeciding)) {
      out.push(
        fitAroundWheel(
          "  ",
          cleanForTerminal(`${d.outcome ? `(${d.outcome}) ` : ""}${d.wheel}`),
          cleanForTerminal(` on ${d.runtime}`),
          width,
        ),
      );
      for (const v of d.verdicts) line(`    ${v.policy}: ${verdictMove(v)}`);
    }
    const more = judgements.deciding.length - Math.min(nDeciding, judgements.deciding.length);
    if (more > 0) line(`  … and ${more} more`);
    if (judgements.deciding.length === 0) line("  (no pair of the winners changes verdict)");
    line();
  }

  if (nCounter > 0 && policies.some((p) => p.counterExamples.length > 0)) {
    heading("Worst counter-examples");
    for (const p of policies) {
      if (p.counterExamples.length === 0) continue;
      line(
        `  ${p.id} (${
          policyVerdict(p)
        }: ${p.unsafeAccepts} unsafe accepts, ${p.needlessRejects} needless rejects)`,
      );
      for (const c of worstCounterExamples(p, nCounter)) {
        const marker = c.kind === "unsafe-accept"
          ? paint("!", "red", "bold")
          : paint("×", "yellow");
        // The runtime ends the line: what a reader scans for, never cut off.
        const text = fitAroundWheel(
          cleanForTerminal(`${VERDICT_LABELS[c.kind]} (${c.outcome}): `),
          cleanForTerminal(c.wheel),
          cleanForTerminal(` on ${c.runtime}`),
          width - 6,
        );
        out.push(`    ${marker} ${text}`);
        line(`      tags ${c.wheelTag} vs ${c.runtimeTag}: ${c.evidence || "(no evidence)"}`);
      }
      const more = p.counterExamples.length - Math.min(nCounter, p.counterExamples.length);
      if (more > 0) line(`      … and ${more} more`);
    }
    line();
  }

  heading("Ideal ABI-equivalence classes (derived from the observations)");
  if (report.equivalenceClasses.length === 0) line("  (none: no runtime was measured)");
  report.equivalenceClasses.forEach((c, i) => {
    line(`  ${i + 1}. ${c.runtimes.join(", ")}`);
    if (c.separatedFromNextBy.length > 0) {
      const shown = c.separatedFromNextBy.slice(0, nSep).join(", ");
      const more = c.separatedFromNextBy.length - Math.min(nSep, c.separatedFromNextBy.length);
      line(`     differs from class ${i + 2} on ${shown}${more > 0 ? ` (+${more} more)` : ""}`);
    }
  });
  line();

  if (report.agreement) {
    const a = report.agreement;
    heading("Oracle agreement (stub link check vs the real runtime)");
    line(
      `  ${a.agreeing}/${a.pairs} pairs agree (${
        percent(a.agreeing, a.pairs)
      }); sample: ${a.sample}`,
    );
    for (const [cls, c] of Object.entries(a.byClass).sort(([x], [y]) => (x < y ? -1 : 1))) {
      line(`    ${pad(cls, 16)} ${c.agreeing}/${c.pairs} (${percent(c.agreeing, c.pairs)})`);
    }
    if (a.decisive) { for (const l of describeDecisive(a.decisive)) line(`  ${l}`); }
    const disagreements = a.disagreements ?? [];
    for (const d of disagreements.slice(0, nCounter)) {
      line(
        `    ≠ ${d.wheel} on ${d.runtime}: stub says ${d.linkOutcome}, real runtime ${d.oracleStatus} (${d.kind})`,
      );
    }
    if (disagreements.length > nCounter) line(`    … and ${disagreements.length - nCounter} more`);
    const inconclusive = a.inconclusive?.length ?? 0;
    if (inconclusive > 0) {
      line(`    ${inconclusive} pair(s) inconclusive in the real runtime, not counted`);
    }
  } else {
    line("Oracle: not run (the stub's verdicts are unchecked against a real runtime)");
  }
  line();

  if (unavailable.length > 0) {
    heading("Runtimes not measured");
    for (const r of unavailable) line(`  ${r.version}: ${r.unavailable}`);
    line();
  }
  if (defective.length > 0) {
    heading("Defective wheels (fail at load on their own runtime; left out of the ranking)");
    for (const w of defective) line(`  ${w.file} (built for ${w.builtFor ?? "unknown"})`);
    line();
  }
  const otherErrors = report.errors.filter((e) =>
    !inputErrors.some((w) => w.file === e.input) &&
    !unavailable.some((r) => e.input.endsWith(r.version))
  );
  if (inputErrors.length > 0 || otherErrors.length > 0) {
    heading("Input errors");
    for (const w of inputErrors) line(`  ${w.file}: ${w.inputError}`);
    for (const e of otherErrors) line(`  ${e.input}: ${e.message}`);
    line();
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
