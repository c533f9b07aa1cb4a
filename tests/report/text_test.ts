import assert from "node:assert/strict";
import { renderText } from "../../src/report/text.ts";
import { explainWinners } from "../../src/report/_common.ts";
import { makeReport } from "./_make_report.ts";

// deno-lint-ignore no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

Deno.test("renderText() ranks the policies and shows their worst counter-examples", async (t) => {
  const report = makeReport();
  const text = renderText(report, { width: 120 });
  const lines = text.split("\n");

  await t.step("one table row per policy, in rank order, with verdict and counts", () => {
    const rows = lines.filter((l) => /^\s+\d+\s{2}\S/.test(l));
    assert.equal(rows.length, report.policies.length);
    const byRank = [...report.policies].sort((a, b) => a.rank - b.rank);
    rows.forEach((row, i) => {
      const p = byRank[i]!;
      const cells = row.trim().split(/\s+/);
      const strict = p.scores!.strict;
      assert.deepEqual(cells, [
        String(p.rank),
        p.id,
        p.correct ? "CORRECT" : "UNSAFE",
        String(p.unsafeAccepts),
        String(p.needlessRejects),
        String(p.tagCount),
        String(strict.rank),
        strict.correct ? "CORRECT" : "UNSAFE",
        String(strict.withoutDefective.unsafeAccepts),
        String(strict.withoutDefective.needlessRejects),
      ]);
    });
  });

  await t.step("the first lines name the winner under each judgement", () => {
    const best = (j: "load" | "strict") =>
      report.policies.filter((p) => p.scores![j].rank === 1).map((p) => p.id);
    const [load, strict] = [best("load"), best("strict")];
    assert.equal(load.length, 1);
    assert.equal(
      lines[1],
      `Best under load: ${load[0]}; under strict: ${strict[0]} (${
        load[0] === strict[0] ? "same" : "different"
      })`,
    );
  });

  await t.step("under the headline, why each winner wins, wrapped to the width", () => {
    const why = explainWinners(report);
    const block = lines.slice(2, lines.indexOf("", 2)).map((l) => l.trim()).join(" ");
    assert.equal(block, why.join(" "));
    assert.ok(lines[2]!.startsWith("  Under load, "));
  });

  await t.step("where the rankings differ, the latent pairs that move them are named", () => {
    const at = lines.findIndex((l) => l.startsWith("Pairs that move the rankings"));
    assert.ok(at > 0, "the fixture's latent pair makes the rankings differ");
    const latent = report.outcomes.find((o) => o.outcome === "latent")!;
    assert.equal(lines[at + 1], `  (latent) ${latent.wheel} on ${latent.runtime}`);
    assert.match(lines[at + 2]!, /under load, .* under strict$/);
  });

  await t.step("narrow: the strict ranking gets its own table", () => {
    const narrow = renderText(report, { width: 60 }).split("\n");
    assert.ok(narrow.includes("Policies, ranked under strict"));
  });

  await t.step("unsafe policies list unsafe accepts first, with tags and evidence", () => {
    const unsafe = report.policies.find((p) => !p.correct)!;
    const at = lines.findIndex((l) => l.trim().startsWith(`${unsafe.id} (UNSAFE`));
    assert.ok(at > 0);
    assert.match(lines[at + 1]!, /^\s+! unsafe accept \(\S+\): \S+\.whl on \S+$/);
    assert.match(lines[at + 2]!, /tags \S+ vs \S+: /);
  });

  await t.step(
    "classes, agreement, unavailable runtimes, defective wheels and input errors",
    () => {
      for (const c of report.equivalenceClasses) assert.ok(text.includes(c.runtimes.join(", ")));
      const a = report.agreement!;
      assert.ok(text.includes(`${a.agreeing}/${a.pairs} pairs agree`));
      assert.ok(text.includes("315.0.0-alpha.2: npm pack"));
      assert.ok(text.includes(report.wheels.find((w) => w.defective)!.file));
      assert.ok(text.includes(report.wheels.find((w) => w.inputError)!.file));
    },
  );

  await t.step("no line is wider than asked, and report data cannot inject escapes", () => {
    for (const width of [60, 80, 120]) {
      for (const l of renderText(report, { width }).split("\n")) {
        assert.ok([...l].length <= width, `${[...l].length} > ${width}: ${l}`);
      }
    }
    assert.ok(!text.includes("\u0001"));
    assert.equal(text.match(ANSI), null);
  });

  await t.step("colour only when asked, and only as decoration", () => {
    const coloured = renderText(report, { color: true, width: 120 });
    assert.ok((coloured.match(ANSI) ?? []).length > report.policies.length);
    assert.equal(coloured.replace(ANSI, ""), text);
  });

  await t.step("a report without oracle or policies still renders", () => {
    const bare = makeReport({ policies: 0, oracleEvery: 0, wheels: 2 });
    const out = renderText(bare);
    assert.match(out, /no policy was scored/);
    assert.match(out, /Oracle: not run/);
  });
});
