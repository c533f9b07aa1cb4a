import assert from "node:assert/strict";
import { codeSpan, escapeMarkdown, renderMarkdown } from "../../src/report/markdown.ts";
import { explainWinners } from "../../src/report/_common.ts";
import { disputeOneUnsafeAccept, makeReport } from "./_make_report.ts";

/** GFM table rows split into cells, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());
}

Deno.test("renderMarkdown() is ready to paste into a discussion", async (t) => {
  const report = makeReport();
  const md = renderMarkdown(report);
  const lines = md.split("\n");

  await t.step("summary table: one row per policy in rank order, consistent columns", () => {
    const header = lines.findIndex((l) => l.startsWith("| Rank (load) | Policy |"));
    assert.ok(header >= 0);
    const width = cells(lines[header]!).length;
    const rows = lines.slice(header + 2, header + 2 + report.policies.length);
    const ranked = [...report.policies].sort((a, b) => a.rank - b.rank);
    rows.forEach((row, i) => {
      const c = cells(row);
      assert.equal(c.length, width, row);
      assert.equal(c[0], String(ranked[i]!.rank));
      assert.ok(c[1]!.startsWith(`\`${ranked[i]!.id}\``));
      assert.equal(c[3], String(ranked[i]!.unsafeAccepts));
      assert.equal(c[5], String(ranked[i]!.scores!.strict.rank));
      assert.equal(c[7], String(ranked[i]!.scores!.strict.withoutDefective.unsafeAccepts));
    });
  });

  await t.step("the first line after the title names the winner under each judgement", () => {
    const best = (j: "load" | "strict") => report.policies.find((p) => p.scores![j].rank === 1)!.id;
    assert.equal(lines[0], "## Which platform-tag scheme tells Pyodide wheels apart correctly?");
    assert.equal(
      lines[2],
      `**Best under load: \`${best("load")}\`; under strict: \`${best("strict")}\` (${
        best("load") === best("strict") ? "same" : "different"
      }).**`,
    );
  });

  await t.step("then why each winner wins, in the words every report uses", () => {
    assert.deepEqual(
      lines.slice(4, 6),
      explainWinners(report, (id) => codeSpan(id)).map((s) => `- ${s}`),
    );
    assert.match(lines[4]!, /^- Under load, `[^`]+` wins: /);
    assert.match(lines[5]!, /^- Under strict, /);
  });

  await t.step(
    "a disputed unsafe accept is marked in the table and among the counter-examples",
    () => {
      const disputed = makeReport();
      const pair = disputeOneUnsafeAccept(disputed);
      const out = renderMarkdown(disputed).split("\n");
      const policy = disputed.policies.find((p) => p.id === pair.policy)!;
      const row = out.find((l) => l.startsWith(`| ${policy.rank} | \`${policy.id}\``))!;
      assert.equal(cells(row)[3], `${policy.unsafeAccepts} (1 disputed)`);
      const example = out.find((l) => l.includes(`\`${pair.wheel}\``) && l.startsWith("| ❌"));
      assert.match(
        example ?? "",
        /^\| ❌ unsafe accept \(disputed: the real runtime loads it \(ok\); the link check says /,
      );
      assert.ok(!md.includes("disputed"), "the plain fixture disputes nothing");
    },
  );

  await t.step("the pairs that move the rankings are listed under the table, capped", () => {
    const latent = report.outcomes.find((o) => o.outcome === "latent")!;
    const at = lines.findIndex((l) => l.startsWith("The rankings differ."));
    assert.ok(at > 0);
    assert.ok(lines[at + 2]!.startsWith(`- \`${latent.wheel}\` on \`${latent.runtime}\``));
    const capped = renderMarkdown(report, { decidingPairs: 0 }).split("\n");
    const start = capped.findIndex((l) => l.startsWith("The rankings differ."));
    assert.equal(capped[start + 2], "- … and 1 more (all are in the JSON report)");
  });

  await t.step("one balanced <details> per policy with its counter-examples", () => {
    assert.equal((md.match(/<details>/g) ?? []).length, report.policies.length);
    assert.equal((md.match(/<\/details>/g) ?? []).length, report.policies.length);
    const unsafe = report.policies.find((p) => !p.correct)!;
    const start = md.indexOf(
      `<b>${unsafe.rank}. ${unsafe.id.replace(/([_*-])/g, (c) => c === "-" ? c : `\\${c}`)}</b>`,
    );
    assert.ok(start > 0);
    const block = md.slice(start, md.indexOf("</details>", start));
    assert.ok(block.includes("❌ unsafe accept"));
    const first = unsafe.counterExamples.find((c) => c.kind === "unsafe-accept")!;
    assert.ok(block.includes(`\`${first.wheel}\``));
    for (const row of block.split("\n").filter((l) => l.startsWith("| ❌"))) {
      assert.equal(cells(row).length, 7, row);
    }
  });

  await t.step("evidence cannot break out: no raw HTML from data, no cell breaks", () => {
    assert.ok(!md.includes("</script>"));
    assert.ok(md.includes("&lt;/script&gt;"));
    assert.ok(!md.includes("\u0001"));
  });

  await t.step("classes, agreement, runtimes and how to reproduce", () => {
    for (
      const s of [
        "### Ideal ABI-equivalence classes",
        "### Oracle agreement",
        "### Runtimes",
        "### How to reproduce",
        "```sh",
      ]
    ) {
      assert.ok(md.includes(s), s);
    }
    const a = report.agreement!;
    assert.ok(md.includes(`**${a.agreeing} of ${a.pairs} agree**`));
    assert.equal(
      lines.filter((l) => /^\d+\. `/.test(l)).length,
      report.equivalenceClasses.length,
    );
  });

  await t.step("summary detail leaves the per-policy blocks out", () => {
    const short = renderMarkdown(report, { detail: "summary" });
    assert.ok(!short.includes("<details>"));
    assert.ok(short.length < md.length);
  });
});

Deno.test("escapeMarkdown() and codeSpan() neutralise markup", () => {
  assert.equal(escapeMarkdown("a|b*c_<x>&"), "a\\|b\\*c\\_&lt;x&gt;&amp;");
  assert.equal(codeSpan("a`b"), "``a`b``");
  assert.equal(codeSpan("x|y", true), "`x\\|y`");
  assert.equal(codeSpan("`x"), "`` `x ``");
});
