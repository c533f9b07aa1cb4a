/**
 * The link engine against the REAL runtimes and the shared corpus: the facts the issue states,
 * and every corpus archive against the runtime it was built for.
 */
import assert from "node:assert/strict";
import { checkLink, DEFAULT_ALLOW_LIST, type LinkOutcome } from "../../src/link/mod.ts";
import { formatFuncType } from "../../src/wasm/mod.ts";
import { corpusInput, corpusInputWithLibraries, runtime, wheelCatalogue } from "./_fixtures.ts";

function allEvidence(o: LinkOutcome) {
  return [...o.evidence, ...o.modules.flatMap((m) => m.evidence)];
}

/**
 * Corpus archives that do not link even against the runtime they were built for
 * (`known_defective.json`): defects of the wheels or their tags, not failures of any tag scheme,
 * so they are scored apart. Each row states the outcome and the symbols the evidence must name.
 */
const KNOWN_DEFECTIVE: {
  path: string;
  outcome: LinkOutcome["outcome"];
  symbols: string[];
  why: string;
}[] = JSON.parse(await Deno.readTextFile(new URL("./known_defective.json", import.meta.url))).rows;

Deno.test("issue facts against the real runtimes", async (t) => {
  await t.step("orjson (0.27.7 build): links on 0.27.7, link-error on 0.28.3", async () => {
    const input = await corpusInput(
      "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
    );
    assert.equal((await checkLink(input, await runtime("0.27.7"))).outcome, "links");
    const r028 = await runtime("0.28.3");
    const o = await checkLink(input, r028);
    assert.equal(o.outcome, "link-error");
    const v8 = allEvidence(o).find((e) => e.kind === "v8-link-error")!;
    assert.equal(`${v8.module}.${v8.symbol}`, "env._PyLong_AsByteArray");
    assert.match(
      v8.message,
      /"env" "_PyLong_AsByteArray": imported function does not match the expected type/,
    );
    assert.equal(formatFuncType(v8.sideType as never), "(i32, i32, i32, i32, i32) -> i32");
    const main = r028.functions.find((f) => f.name === "_PyLong_AsByteArray")!;
    assert.equal(main.type.params.length, 6);
    assert.equal(formatFuncType(v8.mainType as never), formatFuncType(main.type));
    // The enrichment maps V8's import index back to the module's own import list.
    const imp = input.wheel.sideModules[0].wasm.imports[v8.importIndex!];
    assert.equal(imp.name, "_PyLong_AsByteArray");
  });

  await t.step(
    "MarkupSafe (0.23.4 build): links on 0.23.4; on 0.27.7 cp311 on 3.12, latent",
    async () => {
      const input = await corpusInput(
        "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl",
      );
      assert.equal((await checkLink(input, await runtime("0.23.4"))).outcome, "links");
      const o = await checkLink(input, await runtime("0.27.7"));
      // The Python version decides; the link check alone finds a function missing that no load
      // step calls (the loader's lazy stub would fail only when it is called).
      assert.equal(o.outcome, "python-mismatch");
      assert.equal(o.linkOutcome, "latent");
      const missing = allEvidence(o).filter((e) => e.kind === "latent-function").map((e) =>
        e.symbol
      );
      assert.ok(missing.includes("_PyUnicode_Ready"), `unresolved: ${missing.join(", ")}`);
      // The Python mismatch is reported beside the link result.
      assert.ok(o.evidence.some((e) => e.kind === "python-version"));
    },
  );
});

Deno.test("every corpus archive against the runtime it was built for", async (t) => {
  const catalogue = await wheelCatalogue();
  const entries = catalogue.files.filter((e) => e.binary && e.builtForRuntime !== null);
  assert.ok(entries.length > 150, `binary archives with a runtime: ${entries.length}`);
  const defective = new Map(KNOWN_DEFECTIVE.map((d) => [d.path, d]));
  const failures: string[] = [];
  const counts: Record<string, number> = {};
  for (const entry of entries) {
    const input = await corpusInputWithLibraries(entry);
    const o = await checkLink(input, await runtime(entry.builtForRuntime!));
    counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    const evidence = allEvidence(o);
    const known = defective.get(entry.path);
    if (known) {
      const named = new Set(evidence.map((e) => e.symbol));
      if (o.outcome !== known.outcome || !known.symbols.every((s) => named.has(s))) {
        failures.push(
          `${entry.path}: known defective as ${known.outcome} ${known.symbols}, got ${o.outcome}`,
        );
      }
      continue;
    }
    if (o.outcome !== "links" && o.outcome !== "soft") {
      const why = evidence.filter((e) => e.kind !== "abi-feature").map((e) =>
        `${e.kind} ${e.symbol ?? ""}`
      );
      failures.push(
        `${entry.path} @ ${entry.builtForRuntime}: ${o.outcome} (${why.slice(0, 4).join("; ")})`,
      );
    }
    for (const e of evidence.filter((x) => x.kind === "allowed")) {
      const entry = DEFAULT_ALLOW_LIST.entries.find((a) => a.reason === e.reason);
      if (!entry?.reason || !entry.source) {
        failures.push(`${e.symbol}: allowed without a reason/source`);
      }
    }
  }
  await t.step("links or soft, except the known table (latent or defective)", () => {
    assert.deepEqual(failures, []);
  });
  await t.step("the known defective table lists only corpus archives", () => {
    const paths = new Set(entries.map((e) => e.path));
    for (const d of KNOWN_DEFECTIVE) assert.ok(paths.has(d.path), d.path);
  });
  await t.step("the allow-list is used (CLAPACK's MAIN__ is soft)", () => {
    assert.ok((counts.soft ?? 0) >= 1, JSON.stringify(counts));
  });
});
