/**
 * JUnit XML as a Markdown test summary (src/report/junit_summary.ts, scripts/junit_summary.ts):
 * what the nightly writes to the job summary.
 */
import assert from "node:assert/strict";
import { renderJunit } from "../../src/report/junit.ts";
import { JunitReadError, readJunit, renderJunitSummary } from "../../src/report/junit_summary.ts";
import { makeReport } from "./_make_report.ts";

Deno.test("readJunit() counts what renderJunit() wrote", () => {
  const report = makeReport();
  const r = readJunit(renderJunit(report));
  assert.equal(r.suites.length, report.policies.length);
  for (const p of report.policies) {
    const s = r.suites.find((x) => x.name === `policy ${p.id}`)!;
    assert.equal(s.failures, p.unsafeAccepts, p.id);
    assert.equal(s.errors, 0);
    const skipped = p.predictions.filter((x) =>
      x.verdict === "defective" || x.verdict === "input-error"
    );
    assert.equal(s.skipped, skipped.length, p.id);
    assert.ok(s.tests >= p.predictions.length);
  }
  assert.equal(r.failures.length, report.policies.reduce((n, p) => n + p.unsafeAccepts, 0));
  assert.match(r.failures[0]!.message, /^unsafe accept: installs on /);
});

Deno.test("readJunit() reads other producers' JUnit too", () => {
  const xml = `<?xml version="1.0"?>
<!-- a comment with <testcase name="not me"/> inside -->
<testsuite name="outer &amp; co">
  <testsuite name="inner">
    <testcase name="a"/>
    <testcase name="b"><error message="boom &#10;line 2">trace</error></testcase>
    <testcase name="c"><skipped/></testcase>
  </testsuite>
  <testcase name="d"><failure message='it &lt;failed&gt;'><![CDATA[<failure message="x"/>]]></failure></testcase>
</testsuite>`;
  const r = readJunit(xml);
  assert.deepEqual(r.suites, [
    { name: "outer & co", tests: 1, failures: 1, errors: 0, skipped: 0 },
    { name: "inner", tests: 3, failures: 0, errors: 1, skipped: 1 },
  ]);
  assert.deepEqual(r.failures.map((f) => [f.suite, f.name, f.kind, f.message]), [
    ["inner", "b", "error", "boom \nline 2"],
    ["outer & co", "d", "failure", "it <failed>"],
  ]);
  assert.throws(() => readJunit("<html><body/></html>"), JunitReadError);
});

Deno.test("renderJunitSummary(): totals, a row per suite, the first failures, all escaped", () => {
  const report = makeReport();
  const md = renderJunitSummary(renderJunit(report), { failures: 2, title: "Nightly | conform" });
  const lines = md.split("\n");
  const failed = report.policies.reduce((n, p) => n + p.unsafeAccepts, 0);
  assert.match(
    lines[0]!,
    new RegExp(
      `^### Nightly \\\\\\| conform: ❌ \\d+ passed, ${failed} failed, \\d+ skipped \\(\\d+ tests\\)$`,
    ),
  );
  const rows = lines.filter((l) => /^\| (✅|❌) `policy /.test(l));
  assert.equal(rows.length, report.policies.length);
  assert.ok(md.includes(`<summary>Failures (first 2 of ${failed})</summary>`));
  assert.equal(lines.filter((l) => l.startsWith("- `policy ")).length, 2);
  // The fixture's evidence carries a control character and markup: neither survives.
  // deno-lint-ignore no-control-regex
  assert.equal(/[\u0000-\u0008\u000b-\u001f]/.test(md), false);
  assert.ok(!md.includes("</script>"));
  const clean = renderJunitSummary(
    '<testsuites><testsuite name="s"><testcase name="a"/><testcase name="b"/></testsuite></testsuites>',
  );
  assert.match(clean, /^### Test results: ✅ 2 passed, 0 failed, 0 skipped \(2 tests\)$/m);
  assert.ok(!clean.includes("<details>"));
  const empty = renderJunit(makeReport({ policies: 0 }));
  assert.match(renderJunitSummary(empty), /: ✅ 0 passed, 0 failed, 0 skipped \(0 tests\)/);
});

Deno.test("scripts/junit_summary.ts prints the summary; exit 4 on what is not JUnit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "junit-summary-" });
  try {
    const xml = `${dir}/r.xml`;
    await Deno.writeTextFile(xml, renderJunit(makeReport({ wheels: 3 })));
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          new URL("../../scripts/junit_summary.ts", import.meta.url).pathname,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const ok = await run([xml]);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    assert.match(new TextDecoder().decode(ok.stdout), /^### Test results: /);
    await Deno.writeTextFile(`${dir}/bad.xml`, "<html/>");
    assert.equal((await run([`${dir}/bad.xml`])).code, 4);
    assert.equal((await run([`${dir}/missing.xml`])).code, 4);
    assert.equal((await run([])).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
