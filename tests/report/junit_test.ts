import assert from "node:assert/strict";
import { renderJunit } from "../../src/report/junit.ts";
import { makeReport } from "./_make_report.ts";
import { checkJunit } from "./_junit_schema.ts";
import { parseXml, XmlSyntaxError } from "./_xml.ts";
import type { XmlElement } from "./_xml.ts";

function suites(root: XmlElement): XmlElement[] {
  return root.children.filter((c) => c.name === "testsuite");
}

Deno.test("parseXml() accepts well-formed XML and rejects what is not", async (t) => {
  await t.step("decodes references, CDATA and nesting", () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1 &amp; &#60;&#x3e;&quot;&apos;"><b/>t&lt;<![CDATA[<raw>]]></a>\n`,
    );
    assert.equal(root.name, "a");
    assert.equal(root.attrs.x, `1 & <>"'`);
    assert.equal(root.children[0]?.name, "b");
    assert.equal(root.text, "t<<raw>");
  });
  const bad: [string, string][] = [
    ["<a><b></a></b>", "mismatched nesting"],
    ["<a x=1/>", "unquoted attribute"],
    ['<a x="1" x="2"/>', "duplicate attribute"],
    ['<a x="<"/>', "'<' in an attribute"],
    ["<a>&nbsp;</a>", "unknown entity"],
    ["<a>a & b</a>", "bare ampersand"],
    ["<a>]]></a>", "']]>' in text"],
    ["<a>\u0001</a>", "control character"],
    ["<a/><b/>", "two roots"],
    ["<a>", "unclosed"],
    ["<a>&#0;</a>", "reference to NUL"],
    ["<a>\ud800</a>", "lone surrogate"],
  ];
  for (const [xml, why] of bad) {
    await t.step(`rejects ${why}`, () => {
      assert.throws(() => parseXml(xml), XmlSyntaxError);
    });
  }
});

Deno.test("renderJunit() follows the JUnit schema and counts agree", async (t) => {
  const report = makeReport();
  const xml = renderJunit(report);
  const root = parseXml(xml);

  await t.step("structure passes the junit-10.xsd rules", () => {
    assert.deepEqual(checkJunit(root), []);
  });

  await t.step("the root names the winner under each judgement; suites give both", () => {
    const best = (j: "load" | "strict") => report.policies.find((p) => p.scores![j].rank === 1)!.id;
    assert.equal(
      root.attrs.name,
      `pyodide-abi-conform 0.1.0: Best under load: ${best("load")}; under strict: ${
        best("strict")
      } (different)`,
    );
    for (const policy of report.policies) {
      const suite = suites(root).find((s) => s.attrs.name === `policy ${policy.id}`)!;
      const props = Object.fromEntries(
        suite.children.find((c) => c.name === "properties")!.children.map((
          c,
        ) => [c.attrs.name, c.attrs.value]),
      );
      assert.equal(props["strict.rank"], String(policy.scores!.strict.rank));
      assert.equal(
        props["unsafeAcceptsWithDefective"],
        String(policy.scores!.load.withDefective.unsafeAccepts),
      );
    }
    const latent = report.outcomes.find((o) => o.outcome === "latent")!;
    const tc = suites(root)[0]!.children.find((c) =>
      c.attrs.name === `${latent.wheel} on pyodide ${latent.runtime}`
    );
    assert.match(
      tc?.children.find((c) => c.name === "system-out")?.text ?? "",
      /under strict \(every symbol must resolve\): (unsafe accept|correct reject)/,
    );
  });

  await t.step("one suite per policy, one case per prediction", () => {
    assert.equal(suites(root).length, report.policies.length);
    for (const policy of report.policies) {
      const suite = suites(root).find((s) => s.attrs.name === `policy ${policy.id}`);
      assert.ok(suite, policy.id);
      const cases = suite.children.filter((c) => c.name === "testcase");
      assert.equal(cases.length, policy.predictions.length);
      const failures = cases.filter((c) => c.children.some((x) => x.name === "failure"));
      assert.equal(failures.length, policy.unsafeAccepts);
      assert.equal(Number(suite.attrs.failures), policy.unsafeAccepts);
      const skipped = policy.predictions.filter((p) =>
        p.verdict === "defective" || p.verdict === "input-error"
      ).length;
      assert.equal(Number(suite.attrs.skipped), skipped);
      assert.ok(skipped > 0, "the fixture has defective and unreadable wheels");
    }
    const total = report.policies.reduce((n, p) => n + p.predictions.length, 0);
    assert.equal(Number(root.attrs.tests), total);
  });

  await t.step(
    "unsafe accepts fail with the evidence, needless rejects say so, skips say why",
    () => {
      const policy = report.policies.find((p) => p.unsafeAccepts > 0 && p.counterExamples.length);
      assert.ok(policy);
      const suite = suites(root).find((s) => s.attrs.name === `policy ${policy.id}`) as XmlElement;
      const unsafe = policy.predictions.find((p) => p.verdict === "unsafe-accept");
      assert.ok(unsafe);
      const tc = suite.children.find((c) =>
        c.attrs.name === `${unsafe.wheel} on pyodide ${unsafe.runtime}`
      );
      const failure = tc?.children.find((c) => c.name === "failure");
      assert.equal(failure?.attrs.type, "unsafe-accept");
      const outcome = report.outcomes.find((o) =>
        o.wheel === unsafe.wheel && o.runtime === unsafe.runtime
      );
      assert.ok(outcome);
      assert.ok(failure?.attrs.message?.includes(outcome.outcome));
      for (const e of outcome.evidence) {
        // Round trip: what the parser decodes is the evidence, except characters XML cannot hold.
        assert.ok(
          failure?.text.includes(
            // deno-lint-ignore no-control-regex
            e.message.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\ufffd"),
          ),
        );
      }

      const nr = report.policies.flatMap((p) => p.predictions.map((x) => ({ p, x })))
        .find(({ x }) => x.verdict === "needless-reject");
      assert.ok(nr);
      const nrSuite = suites(root).find((s) => s.attrs.name === `policy ${nr.p.id}`) as XmlElement;
      const nrCase = nrSuite.children.find((c) =>
        c.attrs.name === `${nr.x.wheel} on pyodide ${nr.x.runtime}`
      );
      assert.ok(nrCase?.children.every((c) => c.name !== "failure"));
      assert.match(
        nrCase?.children.find((c) => c.name === "system-out")?.text ?? "",
        /^needless reject/,
      );

      const broken = report.wheels.find((w) => w.inputError);
      assert.ok(broken);
      const skip = suite.children.find((c) => c.attrs.name?.startsWith(broken.file))?.children[0];
      assert.equal(skip?.name, "skipped");
      assert.ok(skip?.attrs.message?.includes(broken.inputError as string));
    },
  );

  await t.step("escapes markup and replaces characters XML cannot carry", () => {
    // The fixture's link-error evidence holds <&"'> ]]> </script> and U+0001.
    assert.ok(xml.includes("&lt;&amp;\"'&gt; ]]&gt; &lt;/script&gt; \ufffd"));
    assert.ok(xml.includes("&lt;&amp;&quot;&apos;&gt; ]]&gt; &lt;/script&gt; \ufffd"));
    assert.ok(!xml.includes("\u0001"));
  });

  await t.step("the checker catches a broken document", () => {
    const tampered = parseXml(
      xml.replace(/failures="(\d+)"/, (_, n) => `failures="${Number(n) + 1}"`)
        .replace("<testcase ", '<testcase bogus="1" '),
    );
    const problems = checkJunit(tampered).map((p) => p.message);
    assert.ok(problems.some((m) => m.includes("bogus")), problems.join("\n"));
    assert.ok(problems.some((m) => m.includes("failures=")), problems.join("\n"));
  });

  await t.step("an unreadable wheel without predictions is still listed as skipped", () => {
    const r = makeReport({ wheels: 6, policies: 2 });
    const bad = r.wheels.find((w) => w.inputError)?.file;
    for (const p of r.policies) p.predictions = p.predictions.filter((x) => x.wheel !== bad);
    const doc = parseXml(renderJunit(r));
    assert.deepEqual(checkJunit(doc), []);
    const measured = r.runtimes.filter((x) => !x.unavailable).length;
    for (const s of suites(doc)) {
      const listed = s.children.filter((c) => c.attrs.name?.startsWith(`${bad} on`));
      assert.equal(listed.length, measured);
      assert.ok(listed.every((c) => c.children[0]?.name === "skipped"));
    }
  });
});
