import assert from "node:assert/strict";
import { join } from "node:path";
import { works } from "../../src/policy/mod.ts";
import { validateReport } from "../../src/report/mod.ts";
import { renderHtml } from "../../src/report/html.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { createLinkPoolExecutor } from "../../src/runner/link_pool_executor.ts";
import { runConform } from "../../src/runner/run_conform.ts";
import { ChromiumPage, findChromium } from "../report/_chromium.ts";
import { freshCache, MIRROR, REPO, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const ARTIFACTS = new URL("../../reports/test-artifacts/", import.meta.url);

/** The whole catalogue against every runtime, oracle off: the run `conform corpus/` does. */
async function runWholeCorpus(): Promise<{ report: ConformReport; cacheDir: string }> {
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  try {
    const report = await runConform({
      paths: [join(REPO, "corpus")],
      catalogue: await runtimeCatalogue(),
      policies: await shippedPolicies(),
      oracle: "none",
      cacheDir,
      mirror: MIRROR,
      allowNetwork: false,
      executeLinks: executor.execute,
    });
    return { report, cacheDir };
  } finally {
    await executor.close();
  }
}

function outcomeOf(report: ConformReport, wheelEnd: string, runtime: string) {
  const o = report.outcomes.find((x) => x.wheel.endsWith(wheelEnd) && x.runtime === runtime);
  assert.ok(o, `no outcome for ${wheelEnd} @ ${runtime}`);
  return o;
}

Deno.test("runConform() over the whole catalogue and every runtime", async (t) => {
  const { report, cacheDir } = await runWholeCorpus();
  const catalogue = await runtimeCatalogue();

  await t.step("every archive is read, every runtime obtained, every pair checked", () => {
    assert.deepEqual(report.errors, []);
    assert.ok(report.wheels.length > 200);
    assert.equal(report.runtimes.length, catalogue.length);
    assert.ok(report.runtimes.every((r) => !r.unavailable));
    const pairs = report.wheels.filter((w) => !w.inputError).length * report.runtimes.length;
    assert.equal(report.outcomes.length, pairs);
  });

  await t.step("the JSON report follows its published schema", () => {
    const result = validateReport(JSON.parse(JSON.stringify(report)));
    assert.ok(result.valid, JSON.stringify(!result.valid && result.errors.slice(0, 3)));
  });

  await t.step("facts from the issue: orjson and MarkupSafe across runtimes", () => {
    const orjson = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";
    assert.equal(outcomeOf(report, orjson, "0.27.7").outcome, "links");
    const on028 = outcomeOf(report, orjson, "0.28.3");
    assert.equal(on028.outcome, "link-error");
    const mismatch = on028.evidence.find((e) => e.symbol === "_PyLong_AsByteArray");
    assert.ok(mismatch, on028.summary);
    const markup = "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl";
    assert.equal(outcomeOf(report, markup, "0.23.4").outcome, "links");
    const on027 = outcomeOf(report, markup, "0.27.7");
    assert.ok(on027.evidence.some((e) => e.symbol === "_PyUnicode_Ready"), on027.summary);
  });

  await t.step("every shipped policy is scored and ranked, correct ones first", () => {
    assert.equal(report.policies.length, 12);
    let seenIncorrect = false;
    for (const p of report.policies) {
      if (!p.correct) seenIncorrect = true;
      else assert.ok(!seenIncorrect, `${p.id} is correct but ranked after an incorrect one`);
      assert.equal(p.correct, p.unsafeAccepts === 0);
      assert.equal(
        p.unsafeAccepts,
        p.predictions.filter((x) => x.verdict === "unsafe-accept").length,
      );
    }
  });

  await t.step("each counter-example agrees with its observed outcome", () => {
    for (const p of report.policies) {
      for (const c of p.counterExamples) {
        const o = outcomeOf(report, c.wheel, c.runtime);
        assert.equal(c.outcome, o.outcome);
        assert.equal(works(o.outcome), c.kind === "needless-reject", `${p.id}: ${c.wheel}`);
      }
    }
  });

  await t.step("a Python-only or plain tag installs the 0.21.3 → 0.22.1 time_t break", () => {
    // Same cp310 on both; Emscripten 3.1.16 made time_t 64-bit (DESIGN.md, abi-history §2.2).
    const plain = report.policies.find((p) => p.id === "pyodide-plain")!;
    const timeT = plain.counterExamples.filter((c) =>
      c.kind === "unsafe-accept" && c.wheel.startsWith("pyodide-0.21.3/") && c.runtime === "0.22.1"
    );
    assert.ok(timeT.length > 0);
    assert.ok(
      timeT.some((c) =>
        outcomeOf(report, c.wheel, c.runtime).evidence.some((e) => e.symbol === "time")
      ),
    );
  });

  await t.step("the schemes that key on the Emscripten/ABI version have no unsafe accept", () => {
    for (const id of ["pep783", "emscripten-version", "pyodide-year-patch"]) {
      const p = report.policies.find((x) => x.id === id)!;
      assert.equal(p.unsafeAccepts, 0, `${id}: ${JSON.stringify(p.counterExamples[0])}`);
    }
  });

  await t.step("wheels broken on their own runtime are defective and blame no policy", () => {
    const defective = report.wheels.filter((w) => w.defective);
    // libngspice's env.time (i32) -> i32 is refused by V8 on its own runtime: a load failure.
    assert.ok(defective.some((w) => w.file.includes("libngspice")));
    // zstandard only lacks thread-pool functions nothing calls at load: it loads, so it is
    // latent and not defective (the real runtime imports it and passes its smoke call).
    const zstd = report.wheels.find((w) => w.file.includes("zstandard-0.22.0"))!;
    assert.equal(zstd.defective, undefined);
    assert.equal(outcomeOf(report, zstd.file, zstd.builtFor!).outcome, "latent");
    for (const w of defective) {
      const own = outcomeOf(report, w.file, w.builtFor!);
      assert.ok(!works(own.outcome), `${w.file} works on ${w.builtFor}`);
      for (const p of report.policies) {
        assert.ok(!p.counterExamples.some((c) => c.wheel === w.file), `${p.id} blames ${w.file}`);
      }
    }
  });

  await t.step("ABI-equivalence classes follow the known history", () => {
    const classOf = (v: string) =>
      report.equivalenceClasses.findIndex((c) => c.runtimes.includes(v));
    assert.equal(classOf("0.28.3"), classOf("0.29.5"), "0.28 and 0.29 share one ABI");
    assert.equal(classOf("0.26.4"), classOf("0.27.7"), "0.26 and 0.27 share pyodide_2024_0");
    assert.notEqual(classOf("0.21.3"), classOf("0.22.1"), "time_t changed between them");
    assert.notEqual(classOf("0.27.7"), classOf("0.28.3"), "JS EH vs wasm EH");
  });

  await t.step("PEP 783 tags a 2024_0 wheel pyemscripten_2024_0 and installs it on 0.27.7", () => {
    const scored = report.policies.find((p) => p.id === "pep783")!;
    const one = scored.predictions.find((p) =>
      p.wheel.includes("orjson-3.10.1") && p.runtime === "0.27.7"
    )!;
    assert.equal(one.install, true);
    assert.equal(one.wheelTag, "pyemscripten_2024_0_wasm32");
    assert.ok(one.runtimeTags.includes("pyodide_2024_0_wasm32"), "pyodide_ alias accepted");
  });

  await t.step("outcomes were persisted one file per pair", async () => {
    let files = 0;
    for await (const dir of Deno.readDir(join(cacheDir, "outcomes"))) {
      for await (const _ of Deno.readDir(join(cacheDir, "outcomes", dir.name))) files++;
    }
    assert.equal(files, report.outcomes.length);
  });

  await t.step({
    name: findChromium()
      ? "the HTML report of this real run loads in Chromium and shows evidence on selection"
      : "the HTML report of this real run in Chromium (SKIPPED: no Chromium found)",
    ignore: findChromium() === undefined,
    fn: async () => {
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      const file = new URL("real-run-report.html", ARTIFACTS);
      await Deno.writeTextFile(file, renderHtml(report));
      const page = await ChromiumPage.launch(findChromium()!);
      try {
        await page.open(file.href);
        await page.until("document.body.dataset.ready === '1'");
        assert.deepEqual(page.log.consoleErrors, []);
        assert.deepEqual(page.log.exceptions, []);
        // One heat map, showing the first-ranked policy until another is chosen.
        const cells = await page.evaluate<number[]>(
          `[...document.querySelectorAll("table.hm")].map((t) => t.querySelectorAll("td.cell").length)`,
        );
        assert.deepEqual(cells, [report.wheels.length * report.runtimes.length]);
        // Select the orjson × 0.28.3 cell of the first policy.
        const w = report.wheels.findIndex((x) =>
          x.file.endsWith("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl")
        );
        const r = report.runtimes.findIndex((x) => x.version === "0.28.3");
        const { x, y } = await page.evaluate<{ x: number; y: number }>(`(() => {
          const td = document.querySelector('table.hm[data-p="0"] tbody tr[data-w="${w}"]').cells[${
          r + 1
        }];
          td.scrollIntoView({ block: "center", inline: "center" });
          const b = td.getBoundingClientRect();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        })()`);
        await page.click(x, y);
        const panel = await page.evaluate<string>(
          "document.getElementById('panel-body').innerText",
        );
        assert.ok(panel.includes("orjson-3.10.1"), panel);
        assert.ok(panel.includes("link-error"), panel);
        assert.ok(panel.includes("_PyLong_AsByteArray"), panel);
        await Deno.writeFile(new URL("real-run-report.png", ARTIFACTS), await page.screenshot());
      } finally {
        await page.close();
      }
    },
  });

  await Deno.remove(cacheDir, { recursive: true });
});
