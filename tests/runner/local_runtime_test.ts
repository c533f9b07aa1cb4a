/**
 * A local Pyodide distribution is scored like a catalogue runtime, under its own label: a copy of
 * an npm runtime gets the same outcomes as the original; a directory mixing two builds is refused
 * and reported, and the run goes on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { obtainRuntime } from "../../src/runtime/mod.ts";
import { runConform } from "../../src/runner/run_conform.ts";
import { freshCache, MIRROR, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const WHEELS = [
  "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide-0.26.0.dev0/orjson-3.9.13-cp312-cp312-emscripten_3_1_52_wasm32.whl",
];

Deno.test("--runtime-dir: a local copy is scored under its label; a mixed build is refused", async () => {
  const cacheDir = await freshCache();
  const catalogue = await runtimeCatalogue();
  try {
    const npm = await obtainRuntime("0.27.7", { cacheDir, catalogue });
    const other = await obtainRuntime("0.28.3", { cacheDir, catalogue });
    const copy = join(cacheDir, "local-copy");
    const mixed = join(cacheDir, "local-mixed");
    for (const dir of [copy, mixed]) {
      await Deno.mkdir(dir);
      for (const f of ["package.json", "pyodide.asm.wasm", "pyodide.asm.js", "pyodide-lock.json"]) {
        await Deno.copyFile(join(npm.dir, f), join(dir, f));
      }
    }
    await Deno.copyFile(join(other.dir, "pyodide-lock.json"), join(mixed, "pyodide-lock.json"));
    const available = await Promise.all(
      WHEELS.map((w) => Deno.stat(join(MIRROR, w)).then(() => w, () => undefined)),
    );
    const wheels = available.filter((w): w is string => w !== undefined);
    assert.equal(wheels.length, WHEELS.length);
    const report = await runConform({
      paths: wheels.map((w) => join(MIRROR, w)),
      catalogue,
      runtimes: ["0.27.7"],
      localRuntimes: [{ dir: copy, label: "mine" }, { dir: mixed, label: "mixed" }],
      policies: await shippedPolicies(),
      oracle: "none",
      cacheDir,
      allowNetwork: false,
    });
    assert.deepEqual(report.runtimes.map((r) => r.version), ["0.27.7", "mine", "mixed"]);
    assert.equal(report.runtimes[1].python, "3.12.7");
    assert.match(report.runtimes[2].unavailable ?? "", /different builds.*Python 3\.13/);
    for (const w of report.wheels) {
      const of = (rt: string) =>
        report.outcomes.find((o) => o.wheel === w.file && o.runtime === rt);
      assert.equal(of("mine")?.outcome, of("0.27.7")?.outcome, w.file);
      assert.equal(of("mixed"), undefined);
    }
    // The label is a runtime of the ranking like any other.
    const policy = report.policies[0];
    assert.ok(policy.predictions.some((p) => p.runtime === "mine"));
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
