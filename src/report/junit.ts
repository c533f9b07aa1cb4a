/**
 * JUnit XML for CI dashboards: one `<testsuite>` per policy, one `<testcase>` per wheel × runtime
 * prediction. Unsafe accepts (under `load`) are failures; needless rejects pass but say so in
 * `<system-out>`, as does a verdict that differs under `strict`; pairs with a defective or
 * unreadable wheel are skipped with the reason. The root's name says who wins under each
 * judgement; each suite's properties give its rank and counts under both.
 *
 * The structure follows the JUnit schema Jenkins' xUnit plugin validates against
 * (jenkinsci/xunit-plugin: src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd),
 * which GitLab and GitHub test-report actions also read.
 *
 * @module
 */
import {
  indexOutcomes,
  judgedScore,
  judgementHeadline,
  pairKey,
  sortPolicies,
  summarizeJudgements,
  VERDICT_LABELS,
} from "./_common.ts";
import type { ConformReport, ReportOutcome, ReportPolicy, ReportPrediction } from "./types.ts";

// Characters XML 1.0 does not allow at all (the Char production), lone surrogates included.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escape character data; characters XML cannot carry become U+FFFD.
 *
 * @example
 * ```ts
 * escapeXmlText("a < b & c\u0001"); // "a &lt; b &amp; c\ufffd"
 * ```
 */
export function escapeXmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, "\ufffd").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/**
 * Escape an attribute value (for double quotes); line breaks and tabs survive as references.
 *
 * @example
 * ```ts
 * escapeXmlAttr('say "hi"\n'); // "say &quot;hi&quot;&#10;"
 * ```
 */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`).join("");
}

/** Seconds with millisecond precision, in the `SUREFIRE_TIME` form the schema requires. */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : "0";
}

function evidenceText(o: ReportOutcome | undefined): string {
  if (!o) return "no link outcome recorded";
  const lines = [`outcome: ${o.outcome}`, `summary: ${o.summary}`];
  for (const e of o.evidence) {
    const where = [e.member, e.module && e.symbol ? `${e.module}.${e.symbol}` : e.symbol]
      .filter(Boolean).join(" ");
    const types = e.sideType || e.mainType
      ? ` (side ${fmtType(e.sideType)} vs main ${fmtType(e.mainType)})`
      : "";
    lines.push(`- ${e.kind}${where ? ` ${where}` : ""}: ${e.message}${types}`);
  }
  if (o.oracle) {
    lines.push(
      `oracle: ${
        o.oracle.works === null ? "inconclusive" : o.oracle.works ? "works" : "breaks"
      } (${o.oracle.status}) ${o.oracle.message}` +
        (o.oracle.agrees ? "" : ` [disagrees: ${o.oracle.disagreement ?? "other"}]`),
    );
  }
  return lines.join("\n");
}

function fmtType(t: unknown): string {
  if (t === undefined) return "?";
  if (typeof t === "string") return t;
  const f = t as { params?: string[]; results?: string[] };
  return `(${(f.params ?? []).join(" ")}) -> (${(f.results ?? []).join(" ")})`;
}

interface Case {
  xml: string;
  failure: boolean;
  skipped: boolean;
}

function testcase(
  policy: ReportPolicy,
  p: ReportPrediction,
  outcome: ReportOutcome | undefined,
  wheelError: string | undefined,
): Case {
  const head = `    <testcase${
    attrs({
      classname: `conform.${policy.id}`,
      name: `${p.wheel} on pyodide ${p.runtime}`,
      time: "0",
    })
  }`;
  const tags = `wheel tag ${p.wheelTag}; runtime tags ${p.runtimeTags.join(" ")}; rule ${p.rule}`;
  const strict = p.strictVerdict !== undefined && p.strictVerdict !== p.verdict
    ? `under strict (every symbol must resolve): ${VERDICT_LABELS[p.strictVerdict]}`
    : undefined;
  switch (p.verdict) {
    case "unsafe-accept":
      return {
        failure: true,
        skipped: false,
        xml: `${head}>\n      <failure${
          attrs({
            message: `unsafe accept: installs on ${p.runtime} but the link check says ${
              outcome?.outcome ?? "unknown"
            }: ${outcome?.summary ?? ""}`,
            type: "unsafe-accept",
          })
        }>${escapeXmlText(`${tags}\n${evidenceText(outcome)}`)}</failure>\n    </testcase>`,
      };
    case "needless-reject":
      return {
        failure: false,
        skipped: false,
        xml: `${head}>\n      <system-out>${
          escapeXmlText(
            `needless reject: refuses a wheel that ${outcome?.outcome ?? "links"} on ${p.runtime}${
              strict ? `\n${strict}` : ""
            }\n${tags}\n${evidenceText(outcome)}`,
          )
        }</system-out>\n    </testcase>`,
      };
    case "defective":
      return {
        failure: false,
        skipped: true,
        xml: `${head}>\n      <skipped${
          attrs({
            message: "defective wheel: fails even on the runtime it was built for; scored apart",
            type: "defective",
          })
        }/>\n    </testcase>`,
      };
    case "input-error":
      return {
        failure: false,
        skipped: true,
        xml: `${head}>\n      <skipped${
          attrs({
            message: `input error: ${wheelError ?? "the wheel could not be read"}`,
            type: "input-error",
          })
        }/>\n    </testcase>`,
      };
    default:
      return {
        failure: false,
        skipped: false,
        xml: strict
          ? `${head}>\n      <system-out>${
            escapeXmlText(`${strict}\n${tags}\n${evidenceText(outcome)}`)
          }</system-out>\n    </testcase>`
          : `${head}/>`,
      };
  }
}

/**
 * Render the report as JUnit XML.
 *
 * @param report the report
 * @returns a UTF-8 XML document with a `<testsuites>` root
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("reports/conform.junit.xml", renderJunit(report));
 * ```
 */
export function renderJunit(report: ConformReport): string {
  const outcomes = indexOutcomes(report);
  const wheelErrors = new Map(
    report.wheels.filter((w) => w.inputError !== undefined).map((w) => [w.file, w.inputError]),
  );
  const available = report.runtimes.filter((r) => r.unavailable === undefined).map((r) =>
    r.version
  );
  const timestamp = report.generatedAt.slice(0, 19);
  const headline = judgementHeadline(summarizeJudgements(report));
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const policy of sortPolicies(report)) {
    const predictions = [...policy.predictions];
    // An unreadable wheel may have no predictions at all: still list it, as skipped.
    const predicted = new Set(predictions.map((p) => p.wheel));
    for (const [file] of wheelErrors) {
      if (predicted.has(file)) continue;
      for (const runtime of available) {
        predictions.push({
          wheel: file,
          runtime,
          wheelTag: "",
          runtimeTags: [],
          install: false,
          verdict: "input-error",
          rule: "not evaluated",
        });
      }
    }
    const cases = predictions.map((p) =>
      testcase(policy, p, outcomes.get(pairKey(p.wheel, p.runtime)), wheelErrors.get(p.wheel))
    );
    const f = cases.filter((c) => c.failure).length;
    const s = cases.filter((c) => c.skipped).length;
    total += cases.length;
    failures += f;
    const strict = judgedScore(policy, "strict");
    const load = judgedScore(policy, "load")!;
    const props = [
      ["best", headline],
      ["title", policy.title],
      ["file", policy.file],
      ["verdict", policy.correct ? "CORRECT" : "UNSAFE"],
      ["rank", String(policy.rank)],
      ["unsafeAccepts", String(policy.unsafeAccepts)],
      ["needlessRejects", String(policy.needlessRejects)],
      ["unsafeAcceptsWithDefective", String(load.withDefective.unsafeAccepts)],
      ["needlessRejectsWithDefective", String(load.withDefective.needlessRejects)],
      ...(strict
        ? [
          ["strict.verdict", strict.correct ? "CORRECT" : "UNSAFE"],
          ["strict.rank", String(strict.rank)],
          ["strict.unsafeAccepts", String(strict.withoutDefective.unsafeAccepts)],
          ["strict.needlessRejects", String(strict.withoutDefective.needlessRejects)],
          ["strict.unsafeAcceptsWithDefective", String(strict.withDefective.unsafeAccepts)],
          ["strict.needlessRejectsWithDefective", String(strict.withDefective.needlessRejects)],
        ]
        : []),
      ["tagCount", String(policy.tagCount)],
      ...policy.source.map((src) => ["source", src.url ? `${src.title} <${src.url}>` : src.title]),
    ].map(([name, value]) => `      <property${attrs({ name: name ?? "", value: value ?? "" })}/>`);
    suites.push(
      `  <testsuite${
        attrs({
          name: `policy ${policy.id}`,
          tests: cases.length,
          failures: f,
          errors: 0,
          skipped: s,
          time: "0",
          timestamp,
          package: "conform",
        })
      }>\n    <properties>\n${props.join("\n")}\n    </properties>\n${
        cases.map((c) => c.xml).join("\n")
      }${cases.length ? "\n" : ""}  </testsuite>`,
    );
  }
  const root = attrs({
    name: `pyodide-abi-conform ${report.harnessVersion}: ${headline}`,
    tests: total,
    failures,
    errors: 0,
    time: seconds(report.durationMs),
  });
  // The junit-10 schema has no `skipped` on <testsuites>: skipped counts live on each suite.
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>\n${suites.join("\n")}${
    suites.length ? "\n" : ""
  }</testsuites>\n`;
}
