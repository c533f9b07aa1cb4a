import assert from "node:assert/strict";
import { buildHtmlData, renderHtml, VERDICT_CODES } from "../../src/report/html.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { ChromiumPage, findChromium } from "./_chromium.ts";
import { makeReport } from "./_make_report.ts";

const ARTIFACTS = new URL("../../reports/test-artifacts/", import.meta.url);

function dataBlock(html: string): unknown {
  const m = /<script type="application\/json" id="conform-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "data block present");
  return JSON.parse(m[1]!);
}

Deno.test("renderHtml() is one self-contained file with the data embedded once", async (t) => {
  const report = makeReport();
  const html = renderHtml(report);

  await t.step("nothing is fetched: no src, no link, no url(), a CSP that forbids fetches", () => {
    assert.ok(!/\ssrc\s*=/.test(html));
    assert.ok(!/<link\b/i.test(html));
    assert.ok(!/url\(/i.test(html));
    assert.ok(!/@import/i.test(html));
    assert.ok(!/https?:\/\//.test(html), "no absolute URL at all");
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });

  await t.step("data that contains </script> cannot end the block early", () => {
    assert.ok(report.outcomes.some((o) => o.evidence.some((e) => e.message.includes("</script>"))));
    assert.equal(html.match(/<\/script>/g)?.length, 2, "only the two real closing tags");
    assert.deepEqual(dataBlock(html), JSON.parse(JSON.stringify(buildHtmlData(report))));
  });

  await t.step("every cell's verdict code matches its prediction", () => {
    const data = buildHtmlData(report);
    const W = report.wheels.length;
    const R = report.runtimes.length;
    assert.equal(data.policies.length, report.policies.length);
    for (const p of data.policies) {
      assert.equal(p.v.length, W * R);
      const policy = report.policies.find((x) => x.id === p.id)!;
      for (const x of policy.predictions) {
        const k = report.wheels.findIndex((w) => w.file === x.wheel) * R +
          report.runtimes.findIndex((r) => r.version === x.runtime);
        assert.equal(p.v[k], VERDICT_CODES[x.verdict]);
        assert.equal(data.strings[p.wt[k]!], x.wheelTag);
      }
      const unavailable = report.runtimes.findIndex((r) => r.unavailable);
      for (let w = 0; w < W; w++) assert.equal(p.v[w * R + unavailable], "x");
    }
  });

  await t.step("the headline names the winner under each judgement; both rankings shown", () => {
    const best = (j: "load" | "strict") => report.policies.find((p) => p.scores![j].rank === 1)!.id;
    assert.ok(
      html.includes(
        `</h1>\n<p class="headline"><b>Best under load: <code>${
          best("load")
        }</code>; under strict: <code>${best("strict")}</code> (different)</b></p>`,
      ),
    );
    assert.ok(html.includes(`<th colspan="4">Load</th><th colspan="4">Strict</th>`));
    const latent = report.outcomes.find((o) => o.outcome === "latent")!;
    assert.ok(html.includes(`<ul class="deciding">\n<li><code>${latent.wheel}</code>`));
    const data = buildHtmlData(report);
    const strictOf = data.policies.map((p) => p.strictRank).sort((a, b) => a! - b!);
    assert.deepEqual(strictOf, report.policies.map((_, i) => i + 1));
  });

  await t.step("the summary ranks every policy and lists classes and agreement", () => {
    for (const p of report.policies) assert.ok(html.includes(`<code>${p.id}</code>`));
    assert.equal(
      (html.match(/<li><code>/g) ?? []).length >= report.equivalenceClasses.length,
      true,
    );
    assert.ok(html.includes(`${report.agreement!.agreeing} of ${report.agreement!.pairs} agree`));
  });
});

const chromium = findChromium();

/** Center of a cell, scrolled into view, in viewport coordinates. */
function cellCenter(page: ChromiumPage, policy: number, wheel: number, runtime: number) {
  return page.evaluate<{ x: number; y: number }>(`(() => {
    const td = document.querySelector('table.hm[data-p="${policy}"] tbody tr[data-w="${wheel}"]').cells[${
    runtime + 1
  }];
    td.scrollIntoView({ block: "center", inline: "center" });
    const r = td.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  })()`);
}

Deno.test({
  name: chromium
    ? "renderHtml() in headless Chromium: no console error, one full heat map per policy, evidence on selection"
    : "renderHtml() in headless Chromium (SKIPPED: no Chromium found; run scripts/ensure_chromium.sh or set CONFORM_CHROMIUM)",
  ignore: chromium === undefined,
  async fn(t) {
    // The size the issue names: ~200 wheels × 11 runtimes × 11 policies.
    const report: ConformReport = makeReport({ wheels: 200 });
    const W = report.wheels.length;
    const R = report.runtimes.length;
    const data = buildHtmlData(report);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const file = new URL("html-report.html", ARTIFACTS);
    await Deno.writeTextFile(file, renderHtml(report));

    const page = await ChromiumPage.launch(chromium as string);
    try {
      await page.open(file.href);
      await page.until("document.body.dataset.ready === '1'");

      await t.step("loads with no console error, no exception, no request but the file", () => {
        assert.deepEqual(page.log.consoleErrors, []);
        assert.deepEqual(page.log.exceptions, []);
        assert.deepEqual(page.log.logErrors, []);
        assert.deepEqual(page.log.requests, [file.href]);
      });

      await t.step(
        "one heat map per policy, wheels × runtimes cells each, counts per verdict",
        async () => {
          const maps = await page.evaluate<
            { cells: number; rows: number; cols: number; unsafe: number; needless: number }[]
          >(
            `[...document.querySelectorAll("table.hm")].map((t) => ({
            cells: t.querySelectorAll("td.cell").length,
            rows: t.tBodies[0].rows.length,
            cols: t.tHead.rows[0].cells.length - 1,
            unsafe: t.querySelectorAll("td.vu").length,
            needless: t.querySelectorAll("td.vn").length,
          }))`,
          );
          assert.equal(maps.length, report.policies.length);
          maps.forEach((m, i) => {
            const p = data.policies[i]!;
            assert.deepEqual(m, {
              cells: W * R,
              rows: W,
              cols: R,
              unsafe: p.unsafeAccepts,
              needless: p.needlessRejects,
            });
          });
          const renderMs = await page.evaluate<string>("document.body.dataset.renderMs");
          console.log(`    heat maps: ${maps.length} × ${W * R} cells built in ${renderMs} ms`);
        },
      );

      // An unsafe accept of the worst-ranked policy, picked from the data, not from the page.
      const pi = data.policies.length - 1;
      const k = data.policies[pi]!.v.indexOf("u");
      assert.ok(k >= 0);
      const w = Math.floor(k / R);
      const r = k % R;
      const wheel = report.wheels[w]!;
      const runtime = report.runtimes[r]!;
      const outcome = report.outcomes.find((o) =>
        o.wheel === wheel.file && o.runtime === runtime.version
      )!;

      await t.step(
        "clicking a cell shows tags, outcome, evidence and oracle in the panel",
        async () => {
          const { x, y } = await cellCenter(page, pi, w, r);
          await page.click(x, y);
          const panel = await page.evaluate<string>(
            "document.getElementById('panel-body').innerText",
          );
          assert.ok(panel.includes(wheel.file), panel);
          assert.ok(panel.includes(`pyodide ${runtime.version}`));
          assert.ok(panel.includes("unsafe accept"));
          assert.ok(panel.includes(outcome.outcome));
          assert.ok(panel.includes(outcome.evidence[0]!.message.slice(0, 40)));
          const prediction = report.policies.find((p) => p.id === data.policies[pi]!.id)!
            .predictions.find((p) => p.wheel === wheel.file && p.runtime === runtime.version)!;
          assert.ok(panel.includes(prediction.wheelTag));
          assert.ok(
            panel.includes(outcome.oracle ? outcome.oracle.status : "Not in the oracle sample"),
          );
          assert.equal(
            await page.evaluate("document.querySelectorAll('td.cell[aria-selected=true]').length"),
            1,
          );
          await Deno.writeFile(new URL("html-report.png", ARTIFACTS), await page.screenshot());
        },
      );

      await t.step("keyboard: ArrowDown selects the same runtime for the next wheel", async () => {
        await page.press("ArrowDown", 40);
        const next = report.wheels[w + 1]!;
        const pair = await page.evaluate<string>(
          "document.getElementById('panel-body').dataset.pair",
        );
        assert.equal(pair, `${next.file} @ ${runtime.version}`);
        const focused = await page.evaluate<string>(
          "document.activeElement.closest('tr').dataset.w",
        );
        assert.equal(Number(focused), w + 1);
      });

      await t.step("the filter hides wheels without counter-examples", async () => {
        await page.evaluate("document.getElementById('only-bad').click()");
        const visible = await page.evaluate<number>(
          `[...document.querySelectorAll('table.hm[data-p="${pi}"] tbody tr')].filter((tr) => tr.getClientRects().length > 0).length`,
        );
        const v = data.policies[pi]!.v;
        let expected = 0;
        for (let i = 0; i < W; i++) if (/[un]/.test(v.slice(i * R, i * R + R))) expected++;
        assert.equal(visible, expected);
        await page.evaluate("document.getElementById('only-bad').click(); window.scrollTo(0, 0)");
        await Deno.writeFile(
          new URL("html-report-summary.png", ARTIFACTS),
          await page.screenshot(),
        );
      });

      await t.step("still no console error after interacting", () => {
        assert.deepEqual(page.log.consoleErrors, []);
        assert.deepEqual(page.log.exceptions, []);
        assert.deepEqual(page.log.requests, [file.href]);
      });

      await t.step(
        "degenerate reports (no wheel, no policy, nothing measured) load cleanly",
        async () => {
          const cases = [
            makeReport({ wheels: 0 }),
            makeReport({ policies: 0, oracleEvery: 0 }),
            makeReport({ wheels: 3, unavailable: report.runtimes.map((x) => x.version) }),
          ];
          for (const [i, r] of cases.entries()) {
            const f = new URL(`html-degenerate-${i}.html`, ARTIFACTS);
            await Deno.writeTextFile(f, renderHtml(r));
            await page.open(f.href);
            await page.until("document.body.dataset.ready === '1'");
            const cells = await page.evaluate<number>(
              "document.querySelectorAll('td.cell').length",
            );
            assert.equal(cells, r.wheels.length * r.runtimes.length * r.policies.length);
          }
          assert.deepEqual(page.log.consoleErrors, []);
          assert.deepEqual(page.log.exceptions, []);
        },
      );
    } finally {
      await page.close();
    }
  },
});
