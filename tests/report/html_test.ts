import assert from "node:assert/strict";
import {
  buildHtmlData,
  escapeHtml,
  LOCK_PACKAGE_CODE,
  renderHtml,
  VERDICT_CODES,
} from "../../src/report/html.ts";
import { buildRuntimeMatrix } from "../../src/report/_runtime_matrix.ts";
import { explainWinners } from "../../src/report/_common.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { ChromiumPage, findChromium } from "./_chromium.ts";
import { disputeOneUnsafeAccept, makeReport } from "./_make_report.ts";

const ARTIFACTS = new URL("../../reports/test-artifacts/", import.meta.url);

function dataBlock(html: string): unknown {
  const m = /<script type="application\/json" id="conform-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "data block present");
  return JSON.parse(m[1]!);
}

/**
 * Add a lock-file `.zip` package (link outcomes on every measured runtime, no prediction: the
 * runner scores wheels only) under a folder, as a real corpus run has them.
 */
function withLockPackage(report: ConformReport): { report: ConformReport; file: string } {
  const file = "pyodide-0.27.7/openssl-1.1.1n.zip";
  report.wheels.push({
    file,
    sha256: "f".repeat(64),
    kind: "shared-library",
    builtFor: "0.27.7",
    tags: [],
    inferred: [],
  });
  for (const r of report.runtimes) {
    if (r.unavailable) continue;
    const breaks = r.version === "0.21.3";
    report.outcomes.push({
      wheel: file,
      runtime: r.version,
      outcome: breaks ? "link-error" : "links",
      summary: breaks ? "env.f: type mismatch" : "links",
      evidence: [],
    });
  }
  return { report, file };
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

  await t.step("control characters never reach the page as such", () => {
    assert.equal(escapeHtml("a\u0001b\u009bc\td"), "a\ufffdb\ufffdc\td");
    const named = makeReport({ wheels: 4 });
    named.wheels[0]!.file = "evil\u001b[2J-1.0-py3-none-any.whl";
    named.errors.push({ input: named.wheels[0]!.file, message: "bad \u0007 bell" });
    const page = renderHtml(named);
    const outsideData = page.replace(/<script type="application\/json"[\s\S]*?<\/script>/, "");
    // deno-lint-ignore no-control-regex
    assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(outsideData), false);
    assert.ok(outsideData.includes("evil\ufffd[2J-1.0-py3-none-any.whl"));
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

  await t.step("the headline names the winner under each judgement, then says why", () => {
    const best = (j: "load" | "strict") => report.policies.find((p) => p.scores![j].rank === 1)!.id;
    assert.ok(
      html.includes(
        `</h1>\n<p class="headline"><b>Best under load: <code>${
          best("load")
        }</code>; under strict: <code>${best("strict")}</code> (different)</b></p>`,
      ),
    );
    // The same sentences as the Markdown report, from the same function.
    const why = explainWinners(report, (id) => `<code>${id}</code>`);
    assert.equal(why.length, 2);
    assert.ok(html.includes(`<ul class="why">${why.map((s) => `<li>${s}</li>`).join("")}</ul>`));
    assert.match(why[0]!, new RegExp(`^Under load, <code>${best("load")}</code> wins: `));
    assert.ok(html.includes(`<th colspan="4">Load</th><th colspan="4">Strict</th>`));
    const latent = report.outcomes.find((o) => o.outcome === "latent")!;
    assert.ok(html.includes(`<ul class="deciding">\n<li><code>${latent.wheel}</code>`));
    const data = buildHtmlData(report);
    const strictOf = data.policies.map((p) => p.strictRank).sort((a, b) => a! - b!);
    assert.deepEqual(strictOf, report.policies.map((_, i) => i + 1));
  });

  await t.step("bars: one row per policy, each bar as long as its count", () => {
    const rows = [...html.matchAll(/<tr data-policy="([^"]+)">([\s\S]*?)<\/tr>/g)];
    const ranked = [...report.policies].sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : 1));
    assert.deepEqual(rows.map((m) => m[1]), ranked.map((p) => p.id));
    const max = Math.max(
      ...report.policies.flatMap((p) => [
        p.scores!.load.withoutDefective.unsafeAccepts,
        p.scores!.strict.withoutDefective.unsafeAccepts,
      ]),
    );
    assert.ok(max > 0);
    for (const [, id, row] of rows) {
      const p = report.policies.find((x) => x.id === id)!;
      const bars = [
        ...row!.matchAll(
          /<rect x="44" y="\d+" width="([\d.]+)"[^>]*data-j="(\w+)" data-n="(\d+)"/g,
        ),
      ];
      assert.equal(bars.length, 4, "unsafe and needless, each under load and strict");
      const [uaLoad, uaStrict] = bars;
      assert.equal(Number(uaLoad![3]), p.scores!.load.withoutDefective.unsafeAccepts);
      assert.equal(Number(uaStrict![3]), p.scores!.strict.withoutDefective.unsafeAccepts);
      assert.ok(Math.abs(Number(uaStrict![1]) - (150 * Number(uaStrict![3])) / max) < 0.1);
    }
  });

  await t.step("the summary ranks every policy and lists classes and agreement", () => {
    for (const p of report.policies) assert.ok(html.includes(`<code>${p.id}</code>`));
    assert.equal(
      (html.match(/<li><code>/g) ?? []).length >= report.equivalenceClasses.length,
      true,
    );
    assert.ok(html.includes(`${report.agreement!.agreeing} of ${report.agreement!.pairs} agree`));
  });

  await t.step("the runtime × runtime matrix is static HTML over every runtime", () => {
    const m = buildRuntimeMatrix(report);
    const cells = [
      ...html.matchAll(
        /<td class="rmc [^"]*" data-a="(\d+)" data-b="(\d+)"[^>]*><span class="share">([^<]*)</g,
      ),
    ];
    assert.equal(cells.length, report.runtimes.length ** 2);
    for (const [, a, b, text] of cells) {
      const c = m.cells[Number(a)]![Number(b)]!;
      assert.equal(
        text,
        c.total ? `${Math.round((1000 * c.works) / c.total) / 10}%`.replace(".0%", "%") : "–",
      );
    }
    assert.ok(m.cells.some((row, a) => row[a]!.total > 0 && row[a]!.works === row[a]!.total));
  });
});

Deno.test("renderHtml(): lock-file packages, disputed pairs and the scheme groups", async (t) => {
  const { report, file } = withLockPackage(makeReport());
  const disputed = disputeOneUnsafeAccept(report);
  const html = renderHtml(report);
  const data = buildHtmlData(report);
  const R = report.runtimes.length;
  const lockRow = report.wheels.findIndex((w) => w.file === file);

  await t.step("a lock package is not judged, and the legend says so", () => {
    assert.deepEqual(data.lockPackages, [lockRow]);
    for (const p of data.policies) {
      for (let r = 0; r < R; r++) {
        const expected = report.runtimes[r]!.unavailable ? "x" : LOCK_PACKAGE_CODE;
        assert.equal(p.v[lockRow * R + r], expected, `${p.id} @ ${report.runtimes[r]!.version}`);
      }
    }
    assert.match(html, /package from a lock file \(\.zip\): no installer judges it/);
    assert.match(html, /<span class="sw vx"[^>]*>—<\/span>not measured \(runtime unavailable\)/);
    // The outcome codes those rows print have their legend.
    assert.match(html, /<li><code>ERR<\/code> link-error: V8 refuses instantiation/);
    assert.match(html, /<li><code>ok<\/code> links: /);
  });

  await t.step("a disputed unsafe accept is marked on its policy's row and its cell", () => {
    const p = data.policies.find((x) => x.id === disputed.policy)!;
    const w = report.wheels.findIndex((x) => x.file === disputed.wheel);
    const r = report.runtimes.findIndex((x) => x.version === disputed.runtime);
    assert.match(p.disputes.load[String(w * R + r)]!, /^the real runtime loads it \(ok\)/);
    const rank = report.policies.find((x) => x.id === disputed.policy)!;
    const row = html.split("\n").find((l) =>
      l.startsWith(`<tr><td class="pol"><a href="#policy-`) && l.includes(`<code>${rank.id}</code>`)
    )!;
    assert.match(
      row,
      new RegExp(
        `<td class="n">${rank.unsafeAccepts} <span class="disputed"[^>]*>\\(\\d+ disputed\\)</span></td>`,
      ),
    );
    // Without that oracle result nothing is disputed (the fixture's one disagreement is a pair
    // every policy accepts: not an error, so not a dispute).
    const summary = (html: string) => html.slice(0, html.indexOf('<h2 id="maps-title">'));
    assert.ok(!summary(renderHtml(makeReport())).includes("disputed)</span>"), "no mark");
  });

  await t.step("each policy carries its tag groups and its errors per matrix cell", () => {
    const year = data.policies.find((p) => p.id === "pyodide-year-patch")!;
    const names = year.groups.map((g) => g.map((i) => report.runtimes[i]!.version));
    assert.deepEqual(names.find((g) => g.includes("0.26.4")), ["0.26.4", "0.27.7"]);
    for (const p of data.policies) {
      const policy = report.policies.find((x) => x.id === p.id)!;
      const unsafe = p.matrixErrors.load.reduce((n, e) => n + e[2], 0);
      const needless = p.matrixErrors.load.reduce((n, e) => n + e[3], 0);
      assert.equal(unsafe, policy.unsafeAccepts, p.id);
      assert.equal(needless, policy.needlessRejects, p.id);
    }
  });
});

const chromium = findChromium();

/** Center of a cell of the heat map, scrolled into view, in viewport coordinates. */
function cellCenter(page: ChromiumPage, wheel: number, runtime: number) {
  return page.evaluate<{ x: number; y: number }>(`(() => {
    const td = document.querySelector('table.hm tbody tr[data-w="${wheel}"]').cells[${runtime + 1}];
    td.scrollIntoView({ block: "center", inline: "center" });
    const r = td.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  })()`);
}

/** Choose a policy (and judgement) the way a reader does: through the heat map's selectors. */
function choose(page: ChromiumPage, policy: number, judgement = "load") {
  return page.evaluate(`(() => {
    const p = document.getElementById("policy-select");
    p.value = "${policy}"; p.dispatchEvent(new Event("change"));
    const j = document.getElementById("judgement-select");
    j.value = "${judgement}"; j.dispatchEvent(new Event("change"));
  })()`);
}

Deno.test({
  name: chromium
    ? "renderHtml() in headless Chromium: no console error, one heat map with a policy selector, evidence on selection"
    : "renderHtml() in headless Chromium (SKIPPED: no Chromium found; run scripts/ensure_chromium.sh or set CONFORM_CHROMIUM)",
  ignore: chromium === undefined,
  async fn(t) {
    // The size the issue names: ~250 wheels × 11 runtimes × 11 policies, with a lock package
    // and a disputed pair.
    const { report, file: lockFile } = withLockPackage(makeReport({ wheels: 250 }));
    const disputed = disputeOneUnsafeAccept(report);
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

      await t.step("one heat map; the selector paints every policy's verdicts", async () => {
        assert.equal(
          await page.evaluate<number>("document.querySelectorAll('table.hm').length"),
          1,
        );
        for (const [pi, p] of data.policies.entries()) {
          for (const j of ["load", "strict"] as const) {
            await choose(page, pi, j);
            const m = await page.evaluate<
              {
                p: string;
                j: string;
                cells: number;
                rows: number;
                cols: number;
                unsafe: number;
                needless: number;
              }
            >(`(() => { const t = document.querySelector("table.hm"); return {
              p: t.dataset.p, j: t.dataset.j,
              cells: t.querySelectorAll("td.cell").length,
              rows: t.querySelectorAll("tbody tr[data-w]").length,
              cols: t.tHead.rows[0].cells.length - 1,
              unsafe: t.querySelectorAll("td.vu").length,
              needless: t.querySelectorAll("td.vn").length,
            }; })()`);
            const codes = j === "load" ? p.v : p.sv;
            assert.deepEqual(m, {
              p: String(pi),
              j,
              cells: W * R,
              rows: W,
              cols: R,
              unsafe: [...codes].filter((c) => c === "u").length,
              needless: [...codes].filter((c) => c === "n").length,
            }, `${p.id} under ${j}`);
          }
          assert.equal([...p.v].filter((c) => c === "u").length, p.unsafeAccepts);
        }
        await choose(page, 0, "load");
        const renderMs = await page.evaluate<string>("document.body.dataset.renderMs");
        console.log(`    heat map: ${W * R} cells built in ${renderMs} ms`);
      });

      await t.step("column headers stay in view while the map scrolls", async () => {
        const pos = await page.evaluate<
          { wrap: number; head: number; corner: number; before: number; scrolled: number }
        >(`(() => {
          const wrap = document.getElementById("maps");
          wrap.scrollIntoView();
          const th = wrap.querySelector("thead th:nth-child(3)");
          const before = th.getBoundingClientRect().top;
          wrap.scrollTop = 2000;
          return { wrap: wrap.getBoundingClientRect().top, head: th.getBoundingClientRect().top,
            corner: wrap.querySelector("thead th.corner").getBoundingClientRect().top, before, scrolled: wrap.scrollTop };
        })()`);
        assert.ok(pos.scrolled > 1000, "the map scrolls inside its box");
        // Within the box's border and the table's border spacing of where it was.
        assert.ok(Math.abs(pos.head - pos.wrap) <= 2, `header at ${pos.head}, box at ${pos.wrap}`);
        assert.ok(Math.abs(pos.head - pos.before) <= 2, `header moved ${pos.before} → ${pos.head}`);
        assert.equal(pos.corner, pos.head);
        await Deno.writeFile(new URL("html-report-sticky.png", ARTIFACTS), await page.screenshot());
        await page.evaluate("document.getElementById('maps').scrollTop = 0");
      });

      await t.step(
        "wheel names are whole: no row header cuts its name, the full path is the tooltip",
        async () => {
          const names = await page.evaluate<{ cut: number; titles: string[]; groups: string[] }>(
            `(() => {
          const ths = [...document.querySelectorAll("table.hm tbody tr[data-w] th")];
          return {
            cut: ths.filter((th) => th.scrollWidth > th.clientWidth + 1).length,
            titles: ths.map((th) => th.title),
            groups: [...document.querySelectorAll("table.hm tr.grp th")].map((th) => th.textContent),
          };
        })()`,
          );
          assert.equal(names.cut, 0);
          assert.deepEqual(names.titles, report.wheels.map((w) => w.file));
          assert.deepEqual(names.groups, ["pyodide-0.27.7/"], "the lock package's folder");
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
          await choose(page, pi);
          const { x, y } = await cellCenter(page, w, r);
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
          `[...document.querySelectorAll('table.hm tbody tr[data-w]')].filter((tr) => tr.getClientRects().length > 0).length`,
        );
        const v = data.policies[pi]!.v;
        let expected = 0;
        for (let i = 0; i < W; i++) if (/[un]/.test(v.slice(i * R, i * R + R))) expected++;
        assert.equal(visible, expected);
        const groupShown = await page.evaluate<boolean>(
          "document.querySelector('table.hm tr.grp').getClientRects().length > 0",
        );
        assert.equal(groupShown, false, "a folder with no wheel left shows no heading");
        await page.evaluate("document.getElementById('only-bad').click(); window.scrollTo(0, 0)");
        await Deno.writeFile(
          new URL("html-report-summary.png", ARTIFACTS),
          await page.screenshot(),
        );
      });

      await t.step(
        "a lock package's cells show link outcome codes, and the panel says why",
        async () => {
          const lw = report.wheels.findIndex((x) => x.file === lockFile);
          const texts = await page.evaluate<string[]>(
            `[...document.querySelector('table.hm tbody tr[data-w="${lw}"]').cells].slice(1).map((td) => td.textContent)`,
          );
          assert.deepEqual(
            texts,
            report.runtimes.map((x) => x.unavailable ? "—" : x.version === "0.21.3" ? "ERR" : "ok"),
          );
          const { x, y } = await cellCenter(page, lw, 5);
          await page.click(x, y);
          const panel = await page.evaluate<string>(
            "document.getElementById('panel-body').innerText",
          );
          assert.match(panel, /not judged: lock-file package/);
          assert.doesNotMatch(panel, /runtime unavailable/);
        },
      );

      await t.step("a disputed pair says so on its cell and in the panel", async () => {
        const dp = data.policies.findIndex((p) => p.id === disputed.policy);
        const dw = report.wheels.findIndex((x) => x.file === disputed.wheel);
        const dr = report.runtimes.findIndex((x) => x.version === disputed.runtime);
        await choose(page, dp);
        const cls = await page.evaluate<string>(
          `document.querySelector('table.hm tbody tr[data-w="${dw}"]').cells[${dr + 1}].className`,
        );
        assert.match(cls, /\bvu\b.*\bdisp\b/);
        const { x, y } = await cellCenter(page, dw, dr);
        await page.click(x, y);
        const panel = await page.evaluate<string>(
          "document.getElementById('panel-body').innerText",
        );
        assert.match(panel, /unsafe accept \(disputed\)/);
        assert.match(panel, /Disputed: the real runtime loads it \(ok\)/);
        assert.match(panel, /works \(ok\)/);
      });

      await t.step("the runtime matrix outlines the chosen scheme's groups", async () => {
        const year = data.policies.findIndex((p) => p.id === "pyodide-year-patch");
        const plain = data.policies.findIndex((p) => p.id === "pyodide-plain");
        const outlined = async (policy: number) => {
          await page.evaluate(`(() => {
            const s = document.getElementById("matrix-policy");
            s.value = "${policy}"; s.dispatchEvent(new Event("change"));
          })()`);
          const cells = await page.evaluate<{ g: number; edged: number }>(`({
            g: document.querySelectorAll("td.rmc.g").length,
            edged: [...document.querySelectorAll("td.rmc")].filter((td) => td.style.boxShadow !== "" && !td.classList.contains("g")).length,
          })`);
          assert.equal(cells.edged, 0, "outlines only on cells of a group");
          return cells.g;
        };
        const inGroups = (policy: number) =>
          data.policies[policy]!.groups.reduce((n, g) => n + g.length * g.length, 0);
        assert.equal(await outlined(year), inGroups(year));
        assert.equal(await outlined(plain), inGroups(plain));
        assert.ok(inGroups(plain) > inGroups(year), "one tag for all: one big block");
        assert.equal(
          await page.evaluate<string>("document.getElementById('policy-select').value"),
          String(plain),
          "the heat map follows the matrix's scheme",
        );
        await page.evaluate("document.getElementById('runtime-matrix').scrollIntoView()");
        await Deno.writeFile(new URL("html-report-matrix.png", ARTIFACTS), await page.screenshot());
      });

      await t.step("a link to #policy-N chooses that policy", async () => {
        await page.evaluate("location.hash = '#policy-2'");
        await page.until("document.querySelector('table.hm').dataset.p === '2'");
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
            assert.equal(cells, r.wheels.length * r.runtimes.length);
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
