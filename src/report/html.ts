/**
 * Self-contained HTML report: one file, no network (a Content-Security-Policy forbids any fetch),
 * inline CSS and JS, the data embedded once as JSON. The summary (headline and why, bars of
 * unsafe accepts and needless rejects, ranking, runtime × runtime matrix, ideal classes, oracle
 * agreement, runtimes, input errors) is static HTML; the heat map (one, with a policy selector)
 * is built by the inline script from a compact per-cell encoding, so a 250 × 11 × 12 report
 * stays a few hundred kilobytes.
 *
 * @module
 */
import { HTML_SCRIPT, HTML_STYLE } from "./_html_client.ts";
import {
  countDisputes,
  describeDecisive,
  disputeOf,
  explainWinners,
  formatDuration,
  indexOutcomes,
  isLockPackage,
  judgedScore,
  judgementHeadline,
  pairKey,
  percent,
  sortPolicies,
  summarizeJudgements,
  verdictMove,
} from "./_common.ts";
import {
  buildRuntimeMatrix,
  groupRuntimesOfPolicy,
  type RuntimeMatrix,
} from "./_runtime_matrix.ts";
import { canonicalReport } from "./json.ts";
import { JUDGEMENTS, OUTCOME_CLASS_INFO, OUTCOME_CLASSES } from "../link/outcome_classes.ts";
import type { Judgement } from "../link/types.ts";
import type { ConformReport, PairVerdict, ReportPolicy } from "./types.ts";

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
 * Code of a cell of a lock-file `.zip` package: no installer judges it, so no policy has a
 * verdict; the cell shows the package's link outcome instead.
 */
export const LOCK_PACKAGE_CODE = "z";

// C0 (but tab and newline), DEL and C1: invisible in a page, so they become U+FFFD, as in the
// Markdown and text reports.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Escape text for HTML element content and double-quoted attributes; control characters (from
 * archive names, evidence) become U+FFFD.
 *
 * @example
 * ```ts
 * escapeHtml(`<a href="x">`); // "&lt;a href=&quot;x&quot;&gt;"
 * escapeHtml("a\u0001b"); // "a\ufffdb"
 * ```
 */
export function escapeHtml(s: string): string {
  return s.replace(CONTROL, "\ufffd").replace(
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

/** Per judgement: a cell's count of a scheme's errors in the runtime matrix. */
export interface HtmlMatrixErrors {
  /** `[row, column, unsafe accepts, needless rejects]`, only cells with an error. */
  load: [number, number, number, number][];
  strict: [number, number, number, number][];
}

/** The compact data the page's script reads (exported for tests). */
export interface HtmlData {
  runtimes: ConformReport["runtimes"];
  wheels: ConformReport["wheels"];
  /** Indexes of wheels that are lock-file `.zip` packages (no verdict; link outcome shown). */
  lockPackages: number[];
  /** Short code of each outcome class (`ok`, `unres`, …), as the text link matrix prints them. */
  outcomeCodes: Record<string, string>;
  /** Deduplicated tags and rule strings. */
  strings: string[];
  /** Per cell (wheel × runtimes + runtime): index into `outcomes`, or -1. */
  outcomeIndex: number[];
  outcomes: Omit<ConformReport["outcomes"][number], "wheel" | "runtime">[];
  /** Shares of wheels built for a runtime that work on another, under each judgement. */
  matrix: Record<Judgement, RuntimeMatrix["cells"]>;
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
    strictUnsafeAccepts?: number;
    strictNeedlessRejects?: number;
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
    /** Disputed cells under each judgement: cell index → why (see `disputeOf`). */
    disputes: Record<Judgement, Record<string, string>>;
    /** Runtime indexes of the groups of runtimes that share a platform tag. */
    groups: number[][];
    /** This scheme's errors per cell of the runtime matrix. */
    matrixErrors: HtmlMatrixErrors;
  }[];
}

/**
 * The data block of the page: every cell of the heat map under every policy, in wheel-major
 * order, and the runtime matrix.
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
  const byPair = indexOutcomes(report);
  const unreadable = report.wheels.map((w) => w.inputError !== undefined);
  const lock = report.wheels.map((w) => w.inputError === undefined && isLockPackage(w));
  const available = report.runtimes.map((r) => r.unavailable === undefined);
  const runtimes = report.runtimes.map((r) => r.version);
  const wheelRow = new Map(report.wheels.map((w) => [w.file, w]));
  const policies = sortPolicies(report).map((p) => {
    const strict = judgedScore(p, "strict");
    const v = new Array<string>(W * R).fill("x");
    const ins = new Array<string>(W * R).fill("-");
    const wt = new Array<number>(W * R).fill(-1);
    const rt = new Array<number>(W * R).fill(-1);
    const ru = new Array<number>(W * R).fill(-1);
    for (let w = 0; w < W; w++) {
      for (let r = 0; r < R; r++) {
        if (!available[r]) continue;
        // Unreadable wheels are input errors on every measured runtime, predicted or not; lock
        // packages are never judged, whatever the policy.
        if (unreadable[w]) v[w * R + r] = "e";
        else if (lock[w] && outcomeIndex[w * R + r] >= 0) v[w * R + r] = LOCK_PACKAGE_CODE;
      }
    }
    const sv = [...v];
    const disputes: Record<Judgement, Record<string, string>> = { load: {}, strict: {} };
    const errors: Record<Judgement, Map<number, [number, number]>> = {
      load: new Map(),
      strict: new Map(),
    };
    for (const pr of p.predictions) {
      const k = cell(pr.wheel, pr.runtime);
      if (k < 0) continue;
      v[k] = VERDICT_CODES[pr.verdict] ?? "x";
      sv[k] = VERDICT_CODES[pr.strictVerdict ?? pr.verdict] ?? "x";
      ins[k] = pr.install ? "1" : "0";
      wt[k] = intern(pr.wheelTag);
      rt[k] = intern(pr.runtimeTags.join(" "));
      ru[k] = intern(pr.rule);
      const outcome = byPair.get(pairKey(pr.wheel, pr.runtime));
      const builtFor = rIdx.get(wheelRow.get(pr.wheel)?.builtFor ?? "");
      for (const j of JUDGEMENTS) {
        const why = disputeOf(pr, outcome, j);
        if (why) disputes[j][k] = why;
        const verdict = j === "strict" ? pr.strictVerdict ?? pr.verdict : pr.verdict;
        if (builtFor === undefined) continue;
        if (verdict !== "unsafe-accept" && verdict !== "needless-reject") continue;
        const key = builtFor * R + (k % R);
        const e = errors[j].get(key) ?? [0, 0];
        e[verdict === "unsafe-accept" ? 0 : 1]++;
        errors[j].set(key, e);
      }
    }
    const cellsOf = (j: Judgement): HtmlMatrixErrors[Judgement] =>
      [...errors[j]].sort(([a], [b]) => a - b).map(([key, [u, n]]) => [
        Math.floor(key / R),
        key % R,
        u,
        n,
      ]);
    const matrixErrors: HtmlMatrixErrors = { load: cellsOf("load"), strict: cellsOf("strict") };
    return {
      id: p.id,
      title: p.title,
      rank: p.rank,
      correct: p.correct,
      unsafeAccepts: p.unsafeAccepts,
      needlessRejects: p.needlessRejects,
      tagCount: p.tagCount,
      ...(strict
        ? {
          strictRank: strict.rank,
          strictCorrect: strict.correct,
          strictUnsafeAccepts: strict.withoutDefective.unsafeAccepts,
          strictNeedlessRejects: strict.withoutDefective.needlessRejects,
        }
        : {}),
      v: v.join(""),
      sv: sv.join(""),
      ins: ins.join(""),
      wt,
      rt,
      ru,
      disputes,
      groups: groupRuntimesOfPolicy(p, runtimes).map((g) => g.map((r) => rIdx.get(r)!)),
      matrixErrors,
    };
  });
  return {
    runtimes: report.runtimes,
    wheels: report.wheels,
    lockPackages: lock.flatMap((l, i) => (l ? [i] : [])),
    outcomeCodes: Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, OUTCOME_CLASS_INFO[c].code])),
    strings,
    outcomeIndex,
    outcomes,
    matrix: {
      load: buildRuntimeMatrix(report, "load").cells,
      strict: buildRuntimeMatrix(report, "strict").cells,
    },
    policies,
  };
}

const LEGEND: [string, string, string][] = [
  ["va", "✓", "correct accept: installs, and it works"],
  ["vr", "–", "correct reject: refuses, and it would break"],
  ["vu", "!", "unsafe accept: installs, but it breaks"],
  ["vn", "✗", "needless reject: refuses, although it works"],
  ["vu disp", "!?", "disputed: the real runtime contradicts the link check on this pair"],
  ["vd", "D", "defective wheel: fails on its own runtime (scored apart)"],
  ["vi", "?", "inconclusive: a needed library was not supplied (scored apart)"],
  ["ve", "E", "input error: the wheel could not be read"],
  [
    "vz",
    "ok",
    "package from a lock file (.zip): no installer judges it, so no policy has a verdict; the cell shows its link outcome (codes below)",
  ],
  ["vx", "—", "not measured (runtime unavailable)"],
];

function badge(ok: boolean): string {
  return `<span class="badge ${ok ? "ok" : "bad"}">${ok ? "CORRECT" : "UNSAFE"}</span>`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Headline, why the winners win, and what was run. */
function headlineHtml(report: ConformReport): string {
  const h = escapeHtml;
  const code = (id: string) => `<code>${h(id)}</code>`;
  const unavailable = report.runtimes.filter((r) => r.unavailable !== undefined);
  return [
    `<h1>Which platform-tag scheme tells Pyodide wheels apart correctly?</h1>`,
    `<p class="headline"><b>${judgementHeadline(summarizeJudgements(report), code)}</b></p>`,
    `<ul class="why">${explainWinners(report, code).map((s) => `<li>${s}</li>`).join("")}</ul>`,
    `<p class="meta">pyodide-abi-conform ${h(report.harnessVersion)} · run ${
      h(report.generatedAt)
    } · ${report.wheels.length} wheels × ${report.runtimes.length} runtimes${
      unavailable.length ? ` (${unavailable.length} not measured)` : ""
    } · ${report.policies.length} policies · ${h(formatDuration(report.durationMs))}</p>`,
    `<nav class="toc"><a href="#glance">At a glance</a> · <a href="#ranking">Ranking</a> · ` +
    `<a href="#runtime-matrix">Runtime × runtime</a> · <a href="#maps-title">Heat map</a> · ` +
    `<a href="#classes">Ideal classes</a> · <a href="#oracle">Oracle</a> · ` +
    `<a href="#runtimes">Runtimes</a></nav>`,
  ].join("\n");
}

/** Bar width for a count, on a scale where `max` fills `full` units. */
function barWidth(n: number, max: number, full: number): number {
  return max > 0 ? Math.round((n / max) * full * 10) / 10 : 0;
}

/**
 * One inline SVG with a bar per judgement (load on top, strict below). The number sits after the
 * bar; a disputed share is drawn hatched at the bar's end.
 */
function barsSvg(
  kind: "ua" | "nr",
  values: { j: Judgement; n: number; disputed: number }[],
  max: number,
): string {
  const full = 150;
  const rowH = 14;
  const parts: string[] = [];
  const label: string[] = [];
  values.forEach(({ j, n, disputed }, i) => {
    const y = i * (rowH + 3);
    const w = barWidth(n, max, full);
    const d = barWidth(disputed, max, full);
    const cls = `b-${kind}${j === "strict" ? " b-strict" : ""}`;
    parts.push(
      `<text x="0" y="${y + 11}" class="b-j">${j}</text>`,
      `<rect x="44" y="${y}" width="${w}" height="${rowH}" class="${cls}" data-j="${j}" data-n="${n}"/>`,
    );
    if (d > 0) {
      parts.push(
        `<rect x="${44 + w - d}" y="${y}" width="${d}" height="${rowH}" class="b-disp"/>`,
      );
    }
    const text = `${n}${disputed ? ` (${disputed} disputed)` : ""}`;
    parts.push(`<text x="${44 + w + 4}" y="${y + 11}" class="b-n">${text}</text>`);
    label.push(`${text} under ${j}`);
  });
  const height = values.length * (rowH + 3);
  return `<svg class="bars" width="320" height="${height}" viewBox="0 0 320 ${height}" role="img" aria-label="${
    escapeHtml(label.join(", "))
  }">${parts.join("")}</svg>`;
}

/** The scheme bars: unsafe accepts and needless rejects per policy, under both judgements. */
function glanceHtml(
  report: ConformReport,
  policies: ReportPolicy[],
  disputed: Map<string, Record<Judgement, { unsafeAccepts: number; needlessRejects: number }>>,
): string {
  const h = escapeHtml;
  const judgements = (p: ReportPolicy) => JUDGEMENTS.filter((j) => judgedScore(p, j) !== undefined);
  let maxUa = 0;
  let maxNr = 0;
  for (const p of policies) {
    for (const j of judgements(p)) {
      const c = judgedScore(p, j)!.withoutDefective;
      maxUa = Math.max(maxUa, c.unsafeAccepts);
      maxNr = Math.max(maxNr, c.needlessRejects);
    }
  }
  const out = [
    `<h2 id="glance">At a glance: what each scheme gets wrong</h2>`,
    `<p>Per scheme, in rank order: <b>unsafe accepts</b> (it installs a wheel where the wheel does not work: the error that matters) and <b>needless rejects</b> (it refuses a wheel that works: fragmentation), under load (upper bar) and strict (lower bar). A dark end is the disputed part: pairs where the real runtime contradicts the link check.</p>`,
    `<table class="summary glance"><thead><tr><th>Scheme</th><th>Load / strict</th><th>Unsafe accepts</th><th>Needless rejects</th><th>Tags</th></tr></thead><tbody>`,
  ];
  policies.forEach((p, i) => {
    const js = judgements(p);
    const d = disputed.get(p.id)!;
    const values = (pick: "unsafeAccepts" | "needlessRejects") =>
      js.map((j) => ({
        j,
        n: judgedScore(p, j)!.withoutDefective[pick],
        disputed: d[j][pick],
      }));
    out.push(
      `<tr data-policy="${h(p.id)}"><td class="pol"><a href="#policy-${i}"><code>${
        h(p.id)
      }</code></a></td><td>${js.map((j) => badge(judgedScore(p, j)!.correct)).join(" ")}</td><td>${
        barsSvg("ua", values("unsafeAccepts"), maxUa)
      }</td><td>${
        barsSvg("nr", values("needlessRejects"), maxNr)
      }</td><td class="n">${p.tagCount}</td></tr>`,
    );
  });
  out.push(`</tbody></table>`);
  if (report.policies.length === 0) out.push(`<p class="meta">No policy was scored.</p>`);
  return out.join("\n");
}

/** A count with its disputed part, e.g. `14 (2 disputed)`. */
function withDisputed(n: number, disputed: number): string {
  return disputed > 0
    ? `${n} <span class="disputed" title="the real runtime contradicts the link check on ${
      plural(disputed, "pair")
    }">(${disputed} disputed)</span>`
    : String(n);
}

function rankingHtml(
  report: ConformReport,
  policies: ReportPolicy[],
  disputed: Map<string, Record<Judgement, { unsafeAccepts: number; needlessRejects: number }>>,
): string {
  const h = escapeHtml;
  const judgements = summarizeJudgements(report);
  const out: string[] = [];
  out.push(`<h2 id="ranking">Policies, ranked under load and under strict</h2>`);
  out.push(
    `<p>A scheme is <b>correct</b> when it never installs a wheel where it does not work (no unsafe accept). A pair works under <b>load</b> when it loads in the real loader (links, soft, latent) and under <b>strict</b> when every symbol also resolves (links, soft). Correct schemes rank by needless rejects, then by the number of tags. Defective wheels (failing at load on their own runtime) are left out of the ranking; the last columns count them in. A <span class="disputed">disputed</span> pair is one where the real runtime contradicts the link check: an unsafe accept the real runtime loads, or a needless reject it fails on.</p>`,
  );
  out.push(
    `<table class="summary"><thead><tr><th rowspan="2">Policy</th><th colspan="4">Load</th><th colspan="4">Strict</th><th rowspan="2">Tags</th><th colspan="2">With defective wheels (load / strict)</th></tr>` +
      `<tr><th>Rank</th><th>Verdict</th><th>Unsafe accepts</th><th>Needless rejects</th><th>Rank</th><th>Verdict</th><th>Unsafe accepts</th><th>Needless rejects</th><th>Unsafe accepts</th><th>Needless rejects</th></tr></thead><tbody>`,
  );
  policies.forEach((p, i) => {
    const load = judgedScore(p, "load")!;
    const st = judgedScore(p, "strict");
    const d = disputed.get(p.id)!;
    const strictCells = st
      ? `<td class="n">${st.rank}</td><td>${badge(st.correct)}</td><td class="n">${
        withDisputed(st.withoutDefective.unsafeAccepts, d.strict.unsafeAccepts)
      }</td><td class="n">${
        withDisputed(st.withoutDefective.needlessRejects, d.strict.needlessRejects)
      }</td>`
      : `<td colspan="4" class="meta">not scored</td>`;
    const withDefective = (pick: "unsafeAccepts" | "needlessRejects") =>
      `${load.withDefective[pick]}${st ? ` / ${st.withDefective[pick]}` : ""}`;
    out.push(
      `<tr><td class="pol"><a href="#policy-${i}"><code>${
        h(p.id)
      }</code></a><br><span class="meta">${h(p.title)}</span></td><td class="n">${p.rank}</td><td>${
        badge(p.correct)
      }</td><td class="n">${
        withDisputed(p.unsafeAccepts, d.load.unsafeAccepts)
      }</td><td class="n">${
        withDisputed(p.needlessRejects, d.load.needlessRejects)
      }</td>${strictCells}<td class="n">${p.tagCount}</td><td class="n">${
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
  return out.join("\n");
}

/** Colour bucket (0–10) of a share, for the matrix cells. */
function shareBucket(works: number, total: number): number {
  return total > 0 ? Math.round((10 * works) / total) : -1;
}

/** The runtime × runtime matrix under `load`; the script swaps in `strict` and the outlines. */
function runtimeMatrixHtml(report: ConformReport, policies: ReportPolicy[]): string {
  const h = escapeHtml;
  const m = buildRuntimeMatrix(report, "load");
  const out = [
    `<h2 id="runtime-matrix">Which runtimes run each other's wheels</h2>`,
    `<p>Rows: the runtime a wheel was built for (with how many wheels); columns: the runtime it was checked on; each cell: the share of those wheels that work there (the real runtime's result where it ran, else the link check; defective wheels, platform-independent wheels and lock-file packages left out). Outlined blocks: runtimes that share a platform tag under the selected scheme, so a wheel built for one installs on the others (its Python tag and any build tag still apply). In a cell, <b>!</b> counts the scheme's unsafe accepts and <b>✗</b> its needless rejects: an outlined cell below 100% is where a shared tag hides a break, a cell outside every outline that still works is fragmentation.</p>`,
    `<div class="controls"><label>scheme <select id="matrix-policy" class="policy-select">${
      policyOptions(policies)
    }</select></label><label>judgement <select id="matrix-judgement" class="judgement-select">${
      JUDGEMENTS.map((j) => `<option value="${j}">${j}</option>`).join("")
    }</select></label></div>`,
    `<div class="rm-wrap"><table class="rm" id="runtime-matrix-table"><thead><tr><th class="corner" scope="col">built for \\ runs on</th>`,
  ];
  for (const r of m.runtimes) out.push(`<th scope="col">${h(r)}</th>`);
  out.push(`</tr></thead><tbody>`);
  m.cells.forEach((row, a) => {
    out.push(
      `<tr><th scope="row">${h(m.runtimes[a])} <span class="meta">(${m.wheels[a]})</span></th>`,
    );
    row.forEach((c, b) => {
      const bucket = shareBucket(c.works, c.total);
      out.push(
        `<td class="rmc ${
          bucket < 0 ? "s-none" : `s${bucket}`
        }" data-a="${a}" data-b="${b}" title="${
          h(`${c.works} of ${c.total} wheels built for ${m.runtimes[a]} work on ${m.runtimes[b]}`)
        }"><span class="share">${
          c.total > 0 ? percent(c.works, c.total) : "–"
        }</span><span class="errs"></span></td>`,
      );
    });
    out.push(`</tr>`);
  });
  out.push(`</tbody></table></div>`);
  out.push(
    `<p class="meta" id="matrix-groups">Runtimes sharing a tag: shown when a scheme is selected (needs JavaScript).</p>`,
  );
  return out.join("\n");
}

/** `<option>`s of the policy selectors, in rank order. */
function policyOptions(policies: ReportPolicy[]): string {
  return policies.map((p, i) =>
    `<option value="${i}">${p.rank}. ${escapeHtml(p.id)} (${
      p.correct ? "CORRECT" : "UNSAFE"
    }, ${p.unsafeAccepts} unsafe, ${p.needlessRejects} needless)</option>`
  ).join("");
}

function classesHtml(report: ConformReport): string {
  const h = escapeHtml;
  const out = [
    `<h2 id="classes">Ideal ABI-equivalence classes</h2>`,
    `<p>Runtimes grouped so that every non-defective wheel behaves the same within a group: what a perfect scheme would have to tell apart.</p><ol>`,
  ];
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
  return out.join("\n");
}

function oracleHtml(report: ConformReport): string {
  const h = escapeHtml;
  const out = [`<h2 id="oracle">Oracle agreement</h2>`];
  const a = report.agreement;
  if (!a) {
    out.push(`<p class="meta">The oracle was not run: the stub's verdicts are unchecked.</p>`);
    return out.join("\n");
  }
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
  return out.join("\n");
}

function runtimesHtml(report: ConformReport): string {
  const h = escapeHtml;
  const out = [
    `<h2 id="runtimes">Runtimes</h2>`,
    `<table class="summary rt"><thead><tr><th>Runtime</th><th>Python</th><th>Emscripten</th><th>ABI</th><th>Platform tag</th><th>Release date</th><th>Status</th></tr></thead><tbody>`,
  ];
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

/** The heat map's controls, legends and host; the script fills the host. */
function heatMapHtml(policies: ReportPolicy[]): string {
  const legend = LEGEND.map(([cls, mark, label]) =>
    `<li><span class="sw ${cls}" aria-hidden="true">${mark}</span>${escapeHtml(label)}</li>`
  ).join("");
  const codes = OUTCOME_CLASSES.map((c) =>
    `<li><code>${escapeHtml(OUTCOME_CLASS_INFO[c].code)}</code> ${escapeHtml(c)}: ${
      escapeHtml(OUTCOME_CLASS_INFO[c].meaning)
    }</li>`
  ).join("");
  return `<h2 id="maps-title">Heat map: wheel × runtime under one policy</h2>
<div class="controls">
<label>policy <select id="policy-select" class="policy-select">${
    policyOptions(policies)
  }</select></label>
<label>judgement <select id="judgement-select" class="judgement-select">${
    JUDGEMENTS.map((j) => `<option value="${j}">${j}</option>`).join("")
  }</select></label>
<label><input type="checkbox" id="only-bad"> only wheels with an unsafe accept or needless reject</label>
<label>filter wheels <input type="search" id="wheel-filter" placeholder="name contains…"></label>
</div>
<p class="meta" id="policy-line"></p>
<ul class="legend" aria-label="Legend">${legend}</ul>
<details class="codes"><summary>Link outcome codes (in lock-package rows, and in <code>conform link</code>'s matrix)</summary><ul>${codes}</ul></details>
<p class="meta">Select a cell (click, or Tab into the map then arrow keys, Enter) to see both tags, the outcome, the evidence and the oracle result. Column headers stay in view while the map scrolls; wheels are grouped by the folder they come from (the full name is in each row's tooltip and in the panel). † marks runtimes that were not measured.</p>
<noscript><p>The heat map needs JavaScript; the summary above and the JSON report have the same facts.</p></noscript>
<div id="maps" class="hm-wrap"></div>`;
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
  const policies = sortPolicies(report);
  const outcomes = indexOutcomes(report);
  const disputed = new Map(policies.map((p) => [
    p.id,
    {
      load: countDisputes(p, outcomes, "load"),
      strict: countDisputes(p, outcomes, "strict"),
    },
  ]));
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
${headlineHtml(report)}
${glanceHtml(report, policies, disputed)}
${rankingHtml(report, policies, disputed)}
${runtimeMatrixHtml(report, policies)}
${heatMapHtml(policies)}
${classesHtml(report)}
${oracleHtml(report)}
${runtimesHtml(report)}
</main>
<aside id="panel" aria-label="Selected pair"><div id="panel-body" aria-live="polite"><h2>Selected pair</h2><p class="hint">Select a cell of the heat map.</p></div></aside>
</div>
<script type="application/json" id="conform-data">${embedJson(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
