/**
 * The built-for runtime inferred from a wheel's own facts agrees with the catalogue, which
 * decided it from each distribution's lock file; a wheel whose Python no runtime has gets none.
 */
import assert from "node:assert/strict";
import { countMissingImports, inferBuiltFor } from "../../src/policy/infer_built_for.ts";
import { loadRuntimeCatalogue } from "../../src/runtime/mod.ts";
import { corpusInput, REPO, runtime, wheelCatalogue } from "../link/_fixtures.ts";

const runtimes = loadRuntimeCatalogue(
  await Deno.readTextFile(new URL("corpus/runtimes.json", REPO)),
);

Deno.test("inferBuiltFor() agrees with the lock-based catalogue on every corpus wheel", async () => {
  const catalogue = await wheelCatalogue();
  const loaders = new Map<string, "js" | "wasm">();
  const mains = new Map<string, string[]>();
  for (const e of runtimes) {
    const facts = await runtime(e.version);
    loaders.set(e.version, facts.loader.exceptions);
    mains.set(e.version, facts.functions.map((f) => f.name));
  }
  const wheels = catalogue.files.filter((e) =>
    e.binary && e.kind === "wheel" && e.builtForRuntime !== null && e.builtFor.basis === "lock"
  );
  assert.ok(wheels.length > 100, `${wheels.length} wheels`);
  const wrong: string[] = [];
  for (const entry of wheels) {
    const { wheel } = await corpusInput(entry.path);
    // As the runner infers it: loaders' exceptions and main modules' exports known.
    const found = inferBuiltFor(
      wheel,
      runtimes,
      (v) => loaders.get(v),
      (v) => countMissingImports(wheel, mains.get(v) ?? []),
    );
    const named = wheel.filename?.tags.some((t) => t.platform !== "any" || t.abi !== "none");
    if (!named) {
      // A pure-tagged wheel with side modules names nothing to infer from: no runtime.
      if (found) wrong.push(`${entry.path}: inferred ${found.runtime} from nothing`);
      continue;
    }
    const accepted = new Set([entry.builtForRuntime!, ...entry.builtFor.equivalentRuntimes]);
    if (!found || !accepted.has(found.runtime)) {
      wrong.push(
        `${entry.path}: inferred ${found?.runtime} (${found?.reason}), lock says ${[...accepted]}`,
      );
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("inferBuiltFor() says why, and finds nothing for a Python no runtime has", async () => {
  const { wheel } = await corpusInput(
    "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
  );
  const found = inferBuiltFor(wheel, runtimes)!;
  assert.equal(found.runtime, "0.26.4");
  assert.deepEqual(found.equivalent, ["0.27.7"]);
  assert.match(
    found.reason,
    /^inferred: module suffix cpython-312; platform pyodide_2024_0_wasm32 matches$/,
  );
  const py39 = {
    ...wheel,
    sideModules: wheel.sideModules.map((s) => ({ ...s, cpythonSuffix: "39" })),
  };
  assert.equal(inferBuiltFor(py39, runtimes), undefined);
});

Deno.test("inferBuiltFor(): among equals by tags, the main module that lacks least wins", async () => {
  // An abi3 wheel tagged with an Emscripten version exactly between runtimes' (3.1.52 between
  // 3.1.46 and 3.1.58): its tags tie; it calls CPython 3.12 API, which only the later ones have.
  const { wheel } = await corpusInput(
    "pyodide-0.26.0.dev0/nh3-0.2.15-cp37-abi3-emscripten_3_1_52_wasm32.whl",
  );
  const byTags = inferBuiltFor(wheel, runtimes)!;
  const tied = [byTags.runtime, ...byTags.equivalent].sort();
  assert.deepEqual(tied, ["0.25.1", "0.26.4", "0.27.7"]);
  const missing = new Map<string, number>();
  for (const v of tied) {
    missing.set(v, countMissingImports(wheel, (await runtime(v)).functions.map((f) => f.name)));
  }
  assert.ok(missing.get("0.25.1")! > missing.get("0.26.4")!, JSON.stringify([...missing]));
  const byFacts = inferBuiltFor(wheel, runtimes, undefined, (v) => missing.get(v))!;
  assert.equal(byFacts.runtime, "0.26.4");
  assert.match(byFacts.reason, /function imports/);
});
