/**
 * Markdown report, ready to paste into a pull request or the PEP discussion: GitHub-flavoured
 * tables, one collapsible `<details>` block per policy, and how to reproduce the run.
 *
 * @module
 */
import {
  countDisputes,
  countVerdicts,
  describeDecisive,
  disputeOf,
  explainWinners,
  formatDuration,
  indexOutcomes,
  judgedScore,
  judgementHeadline,
  pairKey,
  percent,
  policyVerdict,
  sortPolicies,
  summarizeJudgements,
  VERDICT_LABELS,
  verdictMove,
  worstCounterExamples,
} from "./_common.ts";
import type { ConformReport, ReportCounts, ReportOutcome, ReportPolicy } from "./types.ts";

/** Options of renderMarkdown. */
export interface MarkdownOptions {
  /** Counter-examples listed per policy (default 20; the JSON report has all of them). */
  counterExamples?: number;
  /** `summary` leaves out the per-policy details (e.g. for a CI job summary). Default `full`. */
  detail?: "full" | "summary";
  /** Command shown under "How to reproduce" (default: the plain conform task on corpus/). */
  command?: string;
  /** Pairs listed that decide between the two rankings when they differ (default 10). */
  decidingPairs?: number;
}

/** Command that reproduces a run, shown when the caller does not give its own. */
export const DEFAULT_REPRODUCE_COMMAND = "npx -y deno@2.9.6 task conform corpus/ --format markdown";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * Escape text for Markdown prose or a table cell: no markup, no raw HTML, no cell break.
 *
 * @example
 * ```ts
 * escapeMarkdown("a|b <i>"); // "a\\|b &lt;i&gt;"
 * ```
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(CONTROL, "\ufffd")
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]#|~])/g, "\\$1");
}

/**
 * Inline code span that survives any content; `inTable` also protects the cell separator.
 *
 * @example
 * ```ts
 * codeSpan("a`b"); // "``a`b``"
 * ```
 */
export function codeSpan(s: string, inTable = false): string {
  let body = s.replace(CONTROL, "\ufffd").replace(/\r?\n/g, " ");
  if (inTable) body = body.replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const padded = body.startsWith("`") || body.endsWith("`") ? ` ${body} ` : body;
  return `${fence}${padded}${fence}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function link(title: string, url?: string): string {
  if (!url || !/^https?:\/\//.test(url)) return escapeMarkdown(title);
  return `[${escapeMarkdown(title)}](${
    url.replace(
      /[()\s<>]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
    )
  })`;
}

function countsText(c: ReportCounts): string {
  return `${c.unsafeAccepts} unsafe accepts, ${c.needlessRejects} needless rejects, ${c.correctAccepts} correct accepts, ${c.correctRejects} correct rejects` +
    (c.inconclusive ? `, ${c.inconclusive} inconclusive` : "");
}

function policyDetails(
  p: ReportPolicy,
  limit: number,
  outcomes: Map<string, ReportOutcome>,
): string[] {
  const out: string[] = [];
  const predictions = new Map(p.predictions.map((x) => [pairKey(x.wheel, x.runtime), x]));
  const counts = countVerdicts(p.predictions);
  out.push("<details>");
  out.push(
    `<summary><b>${p.rank}. ${escapeMarkdown(p.id)}</b>: ${
      policyVerdict(p)
    }, ${p.unsafeAccepts} unsafe accepts, ${p.needlessRejects} needless rejects, ${p.tagCount} tags</summary>`,
  );
  out.push("");
  out.push(`**${escapeMarkdown(p.title)}** (${codeSpan(p.file)})`);
  out.push("");
  if (p.source.length > 0) {
    out.push(`Source: ${p.source.map((s) => link(s.title, s.url)).join("; ")}`);
    out.push("");
  }
  out.push(
    `Pairs: ${p.correctAccepts} correct accepts, ${p.correctRejects} correct rejects, ${p.unsafeAccepts} unsafe accepts, ${p.needlessRejects} needless rejects` +
      (counts.defective ? `, ${counts.defective} with a defective wheel` : "") +
      (counts["input-error"] ? `, ${counts["input-error"]} with an unreadable wheel` : "") +
      ".",
  );
  out.push("");
  const load = judgedScore(p, "load");
  const strict = judgedScore(p, "strict");
  if (p.scores && load && strict) {
    out.push(
      `Under strict (rank ${strict.rank}, ${strict.correct ? "CORRECT" : "UNSAFE"}): ${
        countsText(strict.withoutDefective)
      }.`,
    );
    out.push("");
    if (counts.defective) {
      out.push(
        `With the defective wheels scored like any other: under load ${
          countsText(load.withDefective)
        }; under strict ${countsText(strict.withDefective)}.`,
      );
      out.push("");
    }
  }
  const shown = worstCounterExamples(p, limit);
  if (shown.length > 0) {
    out.push("| | Wheel | Runtime | Wheel tag | Runtime tag | Outcome | Evidence |");
    out.push("|---|---|---|---|---|---|---|");
    for (const c of shown) {
      const prediction = predictions.get(pairKey(c.wheel, c.runtime));
      const why = prediction &&
        disputeOf(prediction, outcomes.get(pairKey(c.wheel, c.runtime)), "load");
      out.push(
        `| ${c.kind === "unsafe-accept" ? "❌ unsafe accept" : "⚠️ needless reject"}${
          why ? ` (disputed: ${escapeMarkdown(why)})` : ""
        } | ${codeSpan(c.wheel, true)} | ${codeSpan(c.runtime, true)} | ${
          codeSpan(c.wheelTag, true)
        } | ${codeSpan(c.runtimeTag, true)} | ${escapeMarkdown(c.outcome)} | ${
          escapeMarkdown(c.evidence)
        } |`,
      );
    }
    const more = p.counterExamples.length - shown.length;
    if (more > 0) out.push("", `… and ${more} more counter-examples (all are in the JSON report).`);
  } else {
    out.push("No counter-example: every prediction matched what links.");
  }
  out.push("");
  out.push("</details>");
  out.push("");
  return out;
}

/**
 * Render the report as GitHub-flavoured Markdown.
 *
 * @param report the report
 * @param options how much detail
 * @returns Markdown text, ending with a newline
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("reports/conform.md", renderMarkdown(report));
 * ```
 */
export function renderMarkdown(report: ConformReport, options: MarkdownOptions = {}): string {
  const limit = options.counterExamples ?? 20;
  const nDeciding = options.decidingPairs ?? 10;
  const out: string[] = [];
  const unavailable = report.runtimes.filter((r) => r.unavailable !== undefined);
  const inputErrors = report.wheels.filter((w) => w.inputError !== undefined);
  const defective = report.wheels.filter((w) => w.defective);
  const policies = sortPolicies(report);
  const correct = policies.filter((p) => p.correct);
  const judgements = summarizeJudgements(report);
  const strictCorrect = policies.filter((p) => judgedScore(p, "strict")?.correct);

  out.push("## Which platform-tag scheme tells Pyodide wheels apart correctly?");
  out.push("");
  out.push(`**${judgementHeadline(judgements, (id) => codeSpan(id))}.**`);
  out.push("");
  for (const why of explainWinners(report, (id) => codeSpan(id))) out.push(`- ${why}`);
  out.push("");
  out.push(
    `_pyodide-abi-conform ${escapeMarkdown(report.harnessVersion)}, run ${
      escapeMarkdown(report.generatedAt)
    }: ${report.wheels.length} wheels × ${report.runtimes.length} runtimes` +
      (unavailable.length ? ` (${unavailable.length} not measured)` : "") +
      `, ${report.policies.length} policies, ${formatDuration(report.durationMs)}._`,
  );
  out.push("");
  out.push(
    (correct.length > 0
      ? `**${correct.length} of ${policies.length} schemes distinguish the corpus correctly under load** (no unsafe accept).`
      : `**No scheme distinguishes the corpus correctly under load**: every one installs some wheel where it does not load.`) +
      (judgements.strictScored
        ? ` Under strict (every symbol resolves): ${strictCorrect.length} of ${policies.length}.`
        : ""),
  );
  out.push("");
  const verdictCell = (ok: boolean | undefined) =>
    ok === undefined ? "" : ok ? "✅ CORRECT" : "❌ UNSAFE";
  out.push(
    "| Rank (load) | Policy | Verdict (load) | Unsafe accepts | Needless rejects | Rank (strict) | Verdict (strict) | Unsafe accepts (strict) | Needless rejects (strict) | Tags |",
  );
  out.push("|---:|---|---|---:|---:|---:|---|---:|---:|---:|");
  const outcomes = indexOutcomes(report);
  // A count followed by its disputed part: pairs where the real runtime contradicts the link check.
  const counted = (n: number | undefined, disputed: number) =>
    n === undefined ? "" : disputed > 0 ? `${n} (${disputed} disputed)` : String(n);
  for (const p of policies) {
    const st = judgedScore(p, "strict");
    const dl = countDisputes(p, outcomes, "load");
    const ds = countDisputes(p, outcomes, "strict");
    out.push(
      `| ${p.rank} | ${codeSpan(p.id, true)}<br>${escapeMarkdown(p.title)} | ${
        verdictCell(p.correct)
      } | ${counted(p.unsafeAccepts, dl.unsafeAccepts)} | ${
        counted(p.needlessRejects, dl.needlessRejects)
      } | ${st?.rank ?? ""} | ${verdictCell(st?.correct)} | ${
        counted(st?.withoutDefective.unsafeAccepts, ds.unsafeAccepts)
      } | ${counted(st?.withoutDefective.needlessRejects, ds.needlessRejects)} | ${p.tagCount} |`,
    );
  }
  out.push("");
  if (judgements.rankingsDiffer) {
    const shown = judgements.deciding.slice(0, nDeciding);
    out.push(
      `The rankings differ. Pairs whose verdict differs between the judgements for ${
        [...new Set([...judgements.winners.load, ...judgements.winners.strict])].map((id) =>
          codeSpan(id)
        ).join(" and ")
      } (they load but some symbol resolves nowhere), those that tell the winners apart first:`,
    );
    out.push("");
    for (const d of shown) {
      out.push(
        `- ${codeSpan(d.wheel)} on ${codeSpan(d.runtime)}${
          d.outcome ? ` (${escapeMarkdown(d.outcome)})` : ""
        }: ${
          d.verdicts.map((v) => `${codeSpan(v.policy)} ${escapeMarkdown(verdictMove(v))}`).join(
            "; ",
          )
        }`,
      );
    }
    const more = judgements.deciding.length - shown.length;
    if (more > 0) out.push(`- … and ${more} more (all are in the JSON report)`);
    if (judgements.deciding.length === 0) out.push("- (no pair of the winners changes verdict)");
    out.push("");
  }
  out.push(
    "A scheme is **correct** when it never installs a wheel on a runtime where it does not work (no unsafe accept). " +
      "A pair works under **load** when it loads in the real loader (`links`, `soft`, `latent`) and under **strict** when every symbol also resolves (`links`, `soft`). " +
      "Correct schemes rank by needless rejects (refusing what works: fragmentation), then by the number of distinct tags." +
      (defective.length || inputErrors.length
        ? ` ${
          plural(defective.length, "defective wheel")
        } (failing at load even on the runtime they were built for) and ${
          plural(inputErrors.length, "unreadable wheel")
        } are left out of the ranking, so no scheme is blamed for them; each policy's counts with the defective wheels are in its details.`
        : ""),
  );
  out.push("");

  if (options.detail !== "summary") {
    out.push("### Policies");
    out.push("");
    for (const p of policies) out.push(...policyDetails(p, limit, outcomes));
  }

  out.push("### Ideal ABI-equivalence classes");
  out.push("");
  out.push(
    "Runtimes grouped so that every non-defective wheel behaves the same within a group: what a perfect scheme needs to tell apart.",
  );
  out.push("");
  report.equivalenceClasses.forEach((c, i) => {
    const sep = c.separatedFromNextBy;
    const shown = sep.slice(0, 5).map((w) => codeSpan(w)).join(", ");
    out.push(
      `${i + 1}. ${c.runtimes.map((r) => codeSpan(r)).join(", ")}` +
        (sep.length
          ? ` (differs from class ${i + 2} on ${shown}${
            sep.length > 5 ? ` and ${sep.length - 5} more` : ""
          })`
          : ""),
    );
  });
  if (report.equivalenceClasses.length === 0) out.push("_No runtime was measured._");
  out.push("");

  out.push("### Oracle agreement");
  out.push("");
  const a = report.agreement;
  if (a) {
    out.push(
      `The real runtime loaded and imported a sample of pairs (${
        escapeMarkdown(a.sample)
      }): **${a.agreeing} of ${a.pairs} agree** with the stub link check (${
        percent(a.agreeing, a.pairs)
      }). The stub's verdicts are only as good as this figure.`,
    );
    out.push("");
    out.push("| Stub outcome | Pairs | Agreeing |");
    out.push("|---|---:|---:|");
    for (const [cls, c] of Object.entries(a.byClass).sort(([x], [y]) => (x < y ? -1 : 1))) {
      out.push(
        `| ${escapeMarkdown(cls)} | ${c.pairs} | ${c.agreeing} (${percent(c.agreeing, c.pairs)}) |`,
      );
    }
    out.push("");
    if (a.decisive) {
      const [head, ...rest] = describeDecisive(a.decisive);
      out.push(`**Evidence ladder.** ${escapeMarkdown(head)}`);
      out.push("");
      for (const l of rest) out.push(`- ${escapeMarkdown(l.trim())}`);
      out.push("");
    }
    const disagree = a.disagreements ?? [];
    if (disagree.length > 0) {
      out.push("Disagreements, each with both sides' messages and its explanation:");
      out.push("");
      for (const d of disagree.slice(0, limit)) {
        out.push(
          `- ${codeSpan(d.wheel)} on ${codeSpan(d.runtime)}: stub ${
            escapeMarkdown(d.linkOutcome)
          } (${escapeMarkdown(d.linkMessage)}), real runtime ${escapeMarkdown(d.oracleStatus)} (${
            escapeMarkdown(d.oracleMessage)
          }). ` +
            `**${escapeMarkdown(d.kind)}${
              d.invisibleToLinkCheck ? ", invisible to any link check" : ""
            }**: ${escapeMarkdown(d.explanation)}`,
        );
      }
      if (disagree.length > limit) out.push(`- … and ${disagree.length - limit} more`);
      out.push("");
    }
    const inconclusive = a.inconclusive ?? [];
    if (inconclusive.length > 0) {
      out.push(`Inconclusive in the real runtime (not counted above): ${inconclusive.length}`);
      out.push("");
      for (const c of inconclusive.slice(0, limit)) {
        out.push(
          `- ${codeSpan(c.wheel)} on ${codeSpan(c.runtime)}: ${escapeMarkdown(c.status)}, ${
            escapeMarkdown(c.reason)
          }`,
        );
      }
      if (inconclusive.length > limit) out.push(`- … and ${inconclusive.length - limit} more`);
      out.push("");
    }
  } else {
    out.push("_The oracle was not run: the stub's verdicts are unchecked against a real runtime._");
    out.push("");
  }

  out.push("### Runtimes");
  out.push("");
  out.push(
    "| Runtime | Python | Emscripten | ABI version | Platform tag | Release date | Status |",
  );
  out.push("|---|---|---|---|---|---|---|");
  for (const r of report.runtimes) {
    out.push(
      `| ${codeSpan(r.version, true)} | ${escapeMarkdown(r.python)} | ${
        escapeMarkdown(r.emscripten)
      } | ${escapeMarkdown(r.abiVersion ?? "")} | ${codeSpan(r.platformTag, true)} | ${
        escapeMarkdown(r.releaseDate ?? "")
      } | ${r.unavailable ? `not measured: ${escapeMarkdown(r.unavailable)}` : "measured"} |`,
    );
  }
  out.push("");

  if (defective.length > 0) {
    out.push("### Defective wheels");
    out.push("");
    out.push(
      "These fail at load even on the runtime they were built for: the ranking leaves them out, and each policy's details give its counts with them.",
    );
    out.push("");
    for (const w of defective) {
      out.push(`- ${codeSpan(w.file)} (built for ${codeSpan(w.builtFor ?? "unknown")})`);
    }
    out.push("");
  }
  if (report.errors.length > 0) {
    out.push("### Input errors");
    out.push("");
    for (const e of report.errors) out.push(`- ${codeSpan(e.input)}: ${escapeMarkdown(e.message)}`);
    out.push("");
  }

  out.push("### How to reproduce");
  out.push("");
  out.push("```sh");
  out.push(options.command ?? DEFAULT_REPRODUCE_COMMAND);
  out.push("```");
  out.push("");
  out.push(
    `With pyodide-abi-conform ${
      escapeMarkdown(report.harnessVersion)
    }; every runtime is the npm \`pyodide\` package at the version shown, checked against its pinned integrity, and every wheel is checked against the sha256 in \`corpus/\`. ` +
      `Pair verdicts: ${Object.values(VERDICT_LABELS).join(", ")}.`,
  );
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
