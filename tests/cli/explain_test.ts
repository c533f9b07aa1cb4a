/**
 * `explain` runs its link checks in the pool, under the time limit: a wheel whose start function
 * never returns ends as `trap`, and the command ends.
 */
import assert from "node:assert/strict";
import JSZip from "jszip";
import { OP } from "../../src/wasm/build_module.ts";
import { HOSTILE } from "../link/_fixtures.ts";
import { runConform } from "./_run_conform.ts";

Deno.test("explain: an endless start function is a trap within the time limit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "explain-hostile-" });
  try {
    const zip = new JSZip();
    zip.file(
      "spin/_core.cpython-312-wasm32-emscripten.so",
      HOSTILE.startFunction([OP.loop, OP.blockVoid, OP.br, 0, OP.end]),
    );
    zip.file("spin/__init__.py", "from . import _core\n");
    zip.file(
      "spin-1.0.dist-info/WHEEL",
      "Wheel-Version: 1.0\nTag: cp312-cp312-pyodide_2024_0_wasm32\n",
    );
    zip.file("spin-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: spin\nVersion: 1.0\n");
    zip.file("spin-1.0.dist-info/RECORD", "");
    const wheel = `${dir}/spin-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl`;
    await Deno.writeFile(wheel, await zip.generateAsync({ type: "uint8array" }));
    const started = performance.now();
    const run = await runConform([
      "explain",
      "--policy",
      "pep783",
      wheel,
      "--runtime",
      "0.27.7",
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const explained = JSON.parse(run.stdout);
    assert.equal(explained.outcome, "trap", run.stdout);
    assert.match(explained.evidence, /time|exceeded|limit/i, explained.evidence);
    // Two pairs at most (the runtime asked for and the wheel's own), each cut at the limit.
    assert.ok(performance.now() - started < 120_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
