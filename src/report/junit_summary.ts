/**
 * JUnit XML as a Markdown test summary, for a CI job summary: totals, one row per suite, and the
 * first failures with their messages. It reads the XML (any producer's: `<testsuites>` or a bare
 * `<testsuite>`, nested suites, `<failure>`, `<error>`, `<skipped>`), not the JSON report, so the
 * summary shows exactly the results a JUnit dashboard would.
 *
 * @module
 */
import { codeSpan, escapeMarkdown } from "./markdown.ts";

/** A failed or errored test case. */
export interface JunitFailure {
  suite: string;
  name: string;
  kind: "failure" | "error";
  message: string;
}

/** One `<testsuite>`, counted from its test cases. */
export interface JunitSuiteCount {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** What a JUnit document holds. */
export interface JunitResults {
  suites: JunitSuiteCount[];
  failures: JunitFailure[];
}

/** The XML could not be read as JUnit. */
export class JunitReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JunitReadError";
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Resolve the five predefined entities and character references. */
function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|\w+);/g, (all, ref: string) => {
    if (ref[0] !== "#") return ENTITIES[ref] ?? all;
    const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    out[m[1]] = decodeXml(m[2] ?? m[3] ?? "");
  }
  return out;
}

// Comments, CDATA, processing instructions and doctype are skipped; tags are what counts.
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;

/**
 * Read the suites, their counts and the failures of a JUnit document. Counts come from the test
 * cases themselves (a suite's own `tests`/`failures` attributes are not trusted).
 *
 * @param xml the JUnit XML text
 * @returns suites in document order, failures in document order
 * @throws {JunitReadError} when the document has no `<testsuites>`, `<testsuite>` or `<testcase>`
 * @example
 * ```ts
 * const r = readJunit('<testsuite name="s"><testcase name="a"/><testcase name="b"><failure message="no"/></testcase></testsuite>');
 * r.suites[0].failures; // 1
 * ```
 */
export function readJunit(xml: string): JunitResults {
  const suites: JunitSuiteCount[] = [];
  const failures: JunitFailure[] = [];
  const open: JunitSuiteCount[] = [];
  let testcase:
    | { name: string; suite: JunitSuiteCount; outcome?: JunitFailure["kind"] | "skipped" }
    | undefined;
  let sawAny = false;
  for (const m of xml.matchAll(TOKEN)) {
    const [, closing, tag, attrText, selfClosing] = m;
    if (!tag) continue;
    const name = tag.toLowerCase();
    if (name === "testsuites") {
      sawAny = true;
      continue;
    }
    if (name === "testsuite") {
      sawAny = true;
      if (closing) open.pop();
      else {
        const suite = {
          name: attributes(attrText ?? "").name ?? `suite ${suites.length + 1}`,
          tests: 0,
          failures: 0,
          errors: 0,
          skipped: 0,
        };
        suites.push(suite);
        if (!selfClosing) open.push(suite);
      }
      continue;
    }
    if (name === "testcase") {
      sawAny = true;
      if (closing) {
        testcase = undefined;
        continue;
      }
      let suite = open[open.length - 1];
      if (!suite) {
        // A test case outside any suite still counts, in a suite of its own.
        suite = { name: "(no suite)", tests: 0, failures: 0, errors: 0, skipped: 0 };
        suites.push(suite);
        open.push(suite);
      }
      suite.tests++;
      const a = attributes(attrText ?? "");
      testcase = { name: a.name ?? "(unnamed)", suite };
      if (selfClosing) testcase = undefined;
      continue;
    }
    if (closing || !testcase || testcase.outcome) continue;
    if (name === "failure" || name === "error") {
      testcase.outcome = name;
      testcase.suite[name === "failure" ? "failures" : "errors"]++;
      failures.push({
        suite: testcase.suite.name,
        name: testcase.name,
        kind: name,
        message: attributes(attrText ?? "").message ?? "",
      });
    } else if (name === "skipped") {
      testcase.outcome = "skipped";
      testcase.suite.skipped++;
    }
  }
  if (!sawAny) {
    throw new JunitReadError("no <testsuites>, <testsuite> or <testcase> element: not JUnit XML");
  }
  return { suites, failures };
}

/** Options of renderJunitSummary. */
export interface JunitSummaryOptions {
  /** Failures listed (default 30; the XML has all of them). */
  failures?: number;
  /** Heading of the summary (default "Test results"). */
  title?: string;
}

/**
 * Render JUnit XML as a Markdown test summary: totals, a table of suites, the first failures.
 *
 * @param xml the JUnit XML text
 * @param options how many failures, which title
 * @returns Markdown ending with a newline
 * @throws {JunitReadError} when the text is not JUnit XML
 * @example
 * ```ts ignore
 * await Deno.writeTextFile(Deno.env.get("GITHUB_STEP_SUMMARY")!, renderJunitSummary(xml), { append: true });
 * ```
 */
export function renderJunitSummary(xml: string, options: JunitSummaryOptions = {}): string {
  const { suites, failures } = readJunit(xml);
  const limit = options.failures ?? 30;
  const sum = (k: "tests" | "failures" | "errors" | "skipped") =>
    suites.reduce((n, s) => n + s[k], 0);
  const tests = sum("tests");
  const failed = sum("failures") + sum("errors");
  const skipped = sum("skipped");
  const out = [
    `### ${escapeMarkdown(options.title ?? "Test results")}: ${failed === 0 ? "✅" : "❌"} ${
      tests - failed - skipped
    } passed, ${failed} failed, ${skipped} skipped (${tests} tests)`,
    "",
    "| Suite | Tests | Passed | Failed | Skipped |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const s of suites) {
    const bad = s.failures + s.errors;
    out.push(
      `| ${bad ? "❌" : "✅"} ${codeSpan(s.name, true)} | ${s.tests} | ${
        s.tests - bad - s.skipped
      } | ${bad} | ${s.skipped} |`,
    );
  }
  out.push("");
  if (failures.length > 0) {
    const shown = failures.slice(0, limit);
    out.push(
      `<details><summary>Failures${
        failures.length > shown.length ? ` (first ${shown.length} of ${failures.length})` : ""
      }</summary>`,
    );
    out.push("");
    for (const f of shown) {
      out.push(
        `- ${codeSpan(f.suite)} › ${codeSpan(f.name)}${f.kind === "error" ? " (error)" : ""}: ${
          escapeMarkdown(f.message)
        }`,
      );
    }
    out.push("", "</details>", "");
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
