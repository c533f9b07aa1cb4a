/**
 * Self-contained HTML report: one file, no network (a Content-Security-Policy forbids any fetch),
 * inline CSS and JS, the data embedded once as JSON. The summary (ranking, ideal classes, oracle
 * agreement, runtimes, input errors) is static HTML; the heat maps are built by the inline script
 * from a compact per-cell encoding, so a 200 × 11 × 11 report stays a few hundred kilobytes.
 *
 * @module
 */
import { HTML_SCRIPT, HTML_STYLE } from "./_html_client.ts";
import {
  describeDecisive,
  formatDuration,
  judgedScore,
  judgementHeadline,
  percent,
  sortPolicies,
  summarizeJudgements,
  verdictMove,
} from "./_common.ts";
import { canonicalReport } from "./json.ts";
import type { ConformReport, PairVerdict } from "./types.ts";

/** One-letter code of each verdict in the embedded data; `x` means no prediction. */
export const VERDICT_CODES: Record<PairVerdict, string> = {
  "correct-accept": "a",
  "correct-reject": "r",
  "unsafe-accept": "u",
  "needless-reject": "n",
  "defective": "d",
  "inconclusive": "i",
  "input-error": "e",
};

/**
 * Escape text for HTML element content and double-quoted attributes.
 *
 * @example
 * ```ts
 * escapeHtml(`<a href="x">`); // "&lt;a href=&quot;x&quot;&gt;"
 * ```
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as `\u003c`, so no string
 * in the data can close the element (`</script>`) or open a comment; U+2028/9 likewise.
 *
 * @example
 * ```ts
 * embedJson({ m: "</script>" }); // '{"m":"\\u003c/script>"}'
 * ```
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

/** The compact data the page's script reads (exported for tests). */
export interface HtmlData {
  runtimes: ConformReport["runtimes"];
  wheels: ConformReport["wheels"];
  /** Deduplicated tags and rule strings. */
  strings: string[];
  /** Per cell (wheel × runtimes + runtime): index into `outcomes`, or -1. */
  outcomeIndex: number[];
  outcomes: Omit<ConformReport["outcomes"][number], "wheel" | "runtime">[];
  policies: {
    id: string;
    title: string;
    rank: number;
    correct: boolean;
    unsafeAccepts: number;
    needlessRejects: number;
    tagCount: number;
    /** Rank and verdict under `strict` (absent in reports from before the two judgements). */
    strictRank?: number;
    strictCorrect?: boolean;
    /** Verdict code per cell (`load`). */
    v: string;
    /** Verdict code per cell under `strict`. */
    sv: string;
    /** Install per cell: `1`, `0`, or `-` without prediction. */
    ins: string;
    /** Per cell: string index of the wheel tag, the joined runtime tags and the rule (-1: none). */
    wt: number[];
    rt: number[];
    ru: number[];
  }[];
}

/**
 * The data block of the page: every cell of every heat map, in wheel-major order.
 *
 * @example
 * ```ts ignore
 * const data = buildHtmlData(report);
 * data.policies[0].v.length === report.wheels.length * report.runtimes.length; // true
 * ```
 */
export function buildHtmlData(input: ConformReport): HtmlData {
  // Canonical key order, so the page does not depend on how the report object was built.
  const report = canonicalReport(input);
  const W = report.wheels.length;
  const R = report.runtimes.length;
  const wIdx = new Map(report.wheels.map((w, i) => [w.file, i]));
  const rIdx = new Map(report.runtimes.map((r, i) => [r.version, i]));
  const cell = (wheel: string, runtime: string) => {
    const w = wIdx.get(wheel);
    const r = rIdx.get(runtime);
    return w === undefined || r === undefined ? -1 : w * R + r;
  };
  const strings: string[] = [];
  const stringIdx = new Map<string, number>();
  const intern = (s: string) => {
    let i = stringIdx.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIdx.set(s, i);
    }
    return i;
  };
  const outcomeIndex = new Array<number>(W * R).fill(-1);
  const outcomes: HtmlData["outcomes"] = [];
  for (const o of report.outcomes) {
    const k = cell(o.wheel, o.runtime);
    if (k < 0) continue;
    outcomeIndex[k] = outcomes.length;
    outcomes.push({
      outcome: o.outcome,
      summary: o.summary,
      evidence: o.evidence,
      ...(o.oracle ? { oracle: o.oracle } : {}),
    });
  }
  const unreadable = report.wheels.map((w) => w.inputError !== undefined);
  const available = report.runtimes.map((r) => r.unavailable === undefined);
  const policies = sortPolicies(report).map((p) => {
    const strict = judgedScore(p, "strict");
    const v = new Array<string>(W * R).fill("x");
    const ins = new Array<string>(W * R).fill("-");
    const wt = new Array<number>(W * R).fill(-1);
    const rt = new Array<number>(W * R).fill(-1);
    const ru = new Array<number>(W * R).fill(-1);
    // Unreadable wheels are input errors on every measured runtime, predicted or not.
    for (let w = 0; w < W; w++) {
      if (!unreadable[w]) continue;
      for (let r = 0; r < R; r++) if (available[r]) v[w * R + r] = "e";
    }
    const sv = [...v];
    for (const pr of p.predictions) {
      const k = cell(pr.wheel, pr.runtime);
      if (k < 0) continue;
      v[k] = VERDICT_CODES[pr.verdict] ?? "x";
      sv[k] = VERDICT_CODES[pr.strictVerdict ?? pr.verdict] ?? "x";
      ins[k] = pr.install ? "1" : "0";
      wt[k] = intern(pr.wheelTag);
      rt[k] = intern(pr.runtimeTags.join(" "));
      ru[k] = intern(pr.rule);
    }
    return {
      id: p.id,
      title: p.title,
      rank: p.rank,
      correct: p.correct,
      unsafeAccepts: p.unsafeAccepts,
      needlessRejects: p.needlessRejects,
      tagCount: p.tagCount,
      ...(strict ? { strictRank: strict.rank, strictCorrect: strict.correct } : {}),
      v: v.join(""),
      sv: sv.join(""),
      ins: ins.join(""),
      wt,
      rt,
      ru,
    };
  });
  return {
    runtimes: report.runtimes,
    wheels: report.wheels,
    strings,
    outcomeIndex,
    outcomes,
    policies,
  };
}

const LEGEND: [string, string, string][] = [
  ["va", "✓", "correct accept: installs, and it links"],
  ["vr", "–", "correct reject: refuses, and it would break"],
  ["vu", "!", "unsafe accept: installs, but it breaks"],
  ["vn", "✗", "needless reject: refuses, although it links"],
  ["vd", "D", "defective wheel: fails on its own runtime (scored apart)"],
  ["vi", "?", "inconclusive: a needed library was not supplied (scored apart)"],
  ["ve", "E", "input error: the wheel could not be read"],
  ["vx", "—", "not measured (runtime unavailable)"],
];

function summaryHtml(report: ConformReport): string {
  const h = escapeHtml;
  const out: string[] = [];
  const policies = sortPolicies(report);
  const unavailable = report.runtimes.filter((r) => r.unavailable !== undefined);
  const judgements = summarizeJudgements(report);
  out.push(`<h1>Which platform-tag scheme tells Pyodide wheels apart correctly?</h1>`);
  out.push(
    `<p class="headline"><b>${
      judgementHeadline(judgements, (id) => `<code>${h(id)}</code>`)
    }</b></p>`,
  );
  out.push(
    `<p class="meta">pyodide-abi-conform ${h(report.harnessVersion)} · run ${
      h(report.generatedAt)
    } · ${report.wheels.length} wheels × ${report.runtimes.length} runtimes${
      unavailable.length ? ` (${unavailable.length} not measured)` : ""
    } · ${report.policies.length} policies · ${h(formatDuration(report.durationMs))}</p>`,
  );
  out.push(`<h2 id="ranking">Policies, ranked under load and under strict</h2>`);
  out.push(
    `<p>A scheme is <b>correct</b> when it never installs a wheel where it does not work (no unsafe accept). A pair works under <b>load</b> when it loads in the real loader (links, soft, latent) and under <b>strict</b> when every symbol also resolves (links, soft). Correct schemes rank by needless rejects, then by the number of tags. Defective wheels (failing at load on their own runtime) are left out of the ranking; the last columns count them in.</p>`,
  );
  const badge = (ok: boolean) =>
    `<span class="badge ${ok ? "ok" : "bad"}">${ok ? "CORRECT" : "UNSAFE"}</span>`;
  out.push(
    `<table class="summary"><thead><tr><th rowspan="2">Policy</th><th colspan="4">Load</th><th colspan="4">Strict</th><th rowspan="2">Tags</th><th colspan="2">With defective wheels (load / strict)</th></tr>` +
      `<tr><th>Rank</th><th>Verdict</th><th>Unsafe accepts</th><th>Needless rejects</th><th>Rank</th><th>Verdict</th><th>Unsafe accepts</th><th>Needless rejects</th><th>Unsafe accepts</th><th>Needless rejects</th></tr></thead><tbody>`,
  );
  policies.forEach((p, i) => {
    const load = judgedScore(p, "load")!;
    const st = judgedScore(p, "strict");
    const strictCells = st
      ? `<td class="n">${st.rank}</td><td>${
        badge(st.correct)
      }</td><td class="n">${st.withoutDefective.unsafeAccepts}</td><td class="n">${st.withoutDefective.needlessRejects}</td>`
      : `<td colspan="4" class="meta">not scored</td>`;
    const withDefective = (pick: "unsafeAccepts" | "needlessRejects") =>
      `${load.withDefective[pick]}${st ? ` / ${st.withDefective[pick]}` : ""}`;
    out.push(
      `<tr><td class="pol"><a href="#policy-${i}"><code>${
        h(p.id)
      }</code></a><br><span class="meta">${h(p.title)}</span></td><td class="n">${p.rank}</td><td>${
        badge(p.correct)
      }</td><td class="n">${p.unsafeAccepts}</td><td class="n">${p.needlessRejects}</td>${strictCells}<td class="n">${p.tagCount}</td><td class="n">${
        withDefective("unsafeAccepts")
      }</td><td class="n">${withDefective("needlessRejects")}</td></tr>`,
    );
  });
  out.push(`</tbody></table>`);
  if (judgements.rankingsDiffer) {
    const shown = judgements.deciding.slice(0, 20);
    out.push(
      `<p>The rankings differ. Pairs whose verdict differs between the judgements for the winners, those that tell the winners apart first:</p><ul class="deciding">`,
    );
    for (const d of shown) {
      out.push(
        `<li><code>${h(d.wheel)}</code> on <code>${h(d.runtime)}</code>${
          d.outcome ? ` (${h(d.outcome)})` : ""
        }: ${
          d.verdicts.map((v) => `<code>${h(v.policy)}</code> ${h(verdictMove(v))}`).join("; ")
        }</li>`,
      );
    }
    const more = judgements.deciding.length - shown.length;
    if (more > 0) out.push(`<li>… and ${more} more (all are in the JSON report)</li>`);
    if (judgements.deciding.length === 0) {
      out.push(`<li>No pair of the winners changes verdict.</li>`);
    }
    out.push(`</ul>`);
  }

  out.push(`<h2 id="classes">Ideal ABI-equivalence classes</h2>`);
  out.push(
    `<p>Runtimes grouped so that every non-defective wheel behaves the same within a group: what a perfect scheme would have to tell apart.</p><ol>`,
  );
  report.equivalenceClasses.forEach((c, i) => {
    const sep = c.separatedFromNextBy;
    out.push(
      `<li>${c.runtimes.map((r) => `<code>${h(r)}</code>`).join(", ")}${
        sep.length
          ? `<details class="sep"><summary>differs from class ${i + 2} on ${sep.length} wheel${
            sep.length === 1 ? "" : "s"
          }</summary>${sep.map((w) => `<code>${h(w)}</code>`).join("<br>")}</details>`
          : ""
      }</li>`,
    );
  });
  out.push(`</ol>`);
  if (report.equivalenceClasses.length === 0) {
    out.push(`<p class="meta">No runtime was measured.</p>`);
  }

  out.push(`<h2 id="oracle">Oracle agreement</h2>`);
  const a = report.agreement;
  if (a) {
    out.push(
      `<p>The real runtime loaded a sample of pairs (${
        h(a.sample)
      }): <b>${a.agreeing} of ${a.pairs} agree</b> with the stub link check (${
        percent(a.agreeing, a.pairs)
      }).</p>`,
    );
    out.push(
      `<table class="summary"><thead><tr><th>Stub outcome</th><th>Pairs</th><th>Agreeing</th></tr></thead><tbody>`,
    );
    for (const [cls, c] of Object.entries(a.byClass).sort(([x], [y]) => (x < y ? -1 : 1))) {
      out.push(
        `<tr><td>${h(cls)}</td><td class="n">${c.pairs}</td><td class="n">${c.agreeing} (${
          percent(c.agreeing, c.pairs)
        })</td></tr>`,
      );
    }
    out.push(`</tbody></table>`);
    if (a.decisive) {
      const [head, ...rest] = describeDecisive(a.decisive);
      out.push(`<p><b>Evidence ladder.</b> ${h(head)}</p>`);
      if (rest.length) out.push(`<ul>${rest.map((l) => `<li>${h(l.trim())}</li>`).join("")}</ul>`);
    }
    const disagree = report.outcomes.filter((o) => o.oracle && !o.oracle.agrees);
    if (disagree.length) {
      out.push(`<ul>`);
      for (const o of disagree.slice(0, 50)) {
        out.push(
          `<li><code>${h(o.wheel)}</code> on <code>${h(o.runtime)}</code>: stub ${
            h(o.outcome)
          }, real runtime ${h(o.oracle?.status ?? "")} (${h(o.oracle?.disagreement ?? "other")}): ${
            h(o.oracle?.message ?? "")
          }</li>`,
        );
      }
      if (disagree.length > 50) out.push(`<li>… and ${disagree.length - 50} more</li>`);
      out.push(`</ul>`);
    }
  } else {
    out.push(`<p class="meta">The oracle was not run: the stub's verdicts are unchecked.</p>`);
  }

  out.push(`<h2 id="runtimes">Runtimes</h2>`);
  out.push(
    `<table class="summary rt"><thead><tr><th>Runtime</th><th>Python</th><th>Emscripten</th><th>ABI</th><th>Platform tag</th><th>Release date</th><th>Status</th></tr></thead><tbody>`,
  );
  for (const r of report.runtimes) {
    out.push(
      `<tr><td><code>${h(r.version)}</code></td><td>${h(r.python)}</td><td>${
        h(r.emscripten)
      }</td><td>${h(r.abiVersion ?? "")}</td><td><code>${h(r.platformTag)}</code></td><td>${
        h(r.releaseDate ?? "")
      }</td><td>${r.unavailable ? `not measured: ${h(r.unavailable)}` : "measured"}</td></tr>`,
    );
  }
  out.push(`</tbody></table>`);

  const defective = report.wheels.filter((w) => w.defective);
  if (defective.length) {
    out.push(
      `<h2 id="defective">Defective wheels</h2><p>They fail at load even on the runtime they were built for: the ranking leaves them out, and the summary table counts them in its last columns.</p><ul>`,
    );
    for (const w of defective) {
      out.push(`<li><code>${h(w.file)}</code> (built for ${h(w.builtFor ?? "unknown")})</li>`);
    }
    out.push(`</ul>`);
  }
  if (report.errors.length) {
    out.push(`<h2 id="errors">Input errors</h2><ul>`);
    for (const e of report.errors) out.push(`<li><code>${h(e.input)}</code>: ${h(e.message)}</li>`);
    out.push(`</ul>`);
  }
  return out.join("\n");
}

/**
 * Render the report as one self-contained HTML page.
 *
 * @param report the report
 * @returns the HTML document
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("reports/conform.html", renderHtml(report));
 * ```
 */
export function renderHtml(report: ConformReport): string {
  const data = buildHtmlData(report);
  const legend = LEGEND.map(([cls, mark, label]) =>
    `<li><span class="sw ${cls}" aria-hidden="true">${mark}</span>${escapeHtml(label)}</li>`
  ).join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>pyodide-abi-conform ${escapeHtml(report.harnessVersion)}: ${
    escapeHtml(report.generatedAt)
  }</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<div class="layout">
<main>
${summaryHtml(report)}
<h2 id="maps-title">Heat maps: wheel × runtime, per policy</h2>
<ul class="legend" aria-label="Legend">${legend}</ul>
<div class="controls">
<label><input type="checkbox" id="only-bad"> only wheels with an unsafe accept or needless reject</label>
<label>filter wheels <input type="search" id="wheel-filter" placeholder="name contains…"></label>
</div>
<p class="meta">Select a cell (click, or Tab into a map then arrow keys, Enter) to see both tags, the outcome, the evidence and the oracle result. † marks runtimes that were not measured.</p>
<noscript><p>The heat maps need JavaScript; the summary above and the JSON report have the same facts.</p></noscript>
<div id="maps"></div>
</main>
<aside id="panel" aria-label="Selected pair"><div id="panel-body" aria-live="polite"><h2>Selected pair</h2><p class="hint">Select a cell of a heat map.</p></div></aside>
</div>
<script type="application/json" id="conform-data">${embedJson(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
