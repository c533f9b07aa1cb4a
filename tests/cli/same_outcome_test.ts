/**
 * The same pair gets the same outcome from `conform`, `link` and `check`: each command composes
 * the same stages (inputs, libraries, link engine, pool), so their verdicts cannot drift.
 */
import assert from "node:assert/strict";
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";
import { runConform as runTask } from "./_run_conform.ts";

await Deno.mkdir(`${REPO_ROOT}/.cache/tmp`, { recursive: true });
const CACHE = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "same-" });
const runConform = (args: string[]) => runTask(args, { CONFORM_CACHE: CACHE });

// A pair that links, one with a type mismatch, one whose NEEDED library comes from its folder,
// and a latent one: the classes where the paths have drifted before.
const PAIRS: [string, string][] = [
  ["pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "0.27.7"],
  ["pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "0.28.3"],
  ["pyodide-0.29.3/pillow_heif-1.1.1-cp313-cp313-pyodide_2025_0_wasm32.whl", "0.29.5"],
  ["pyodide-0.27.7/zstandard-0.22.0-cp312-cp312-pyodide_2024_0_wasm32.whl", "0.27.7"],
];

Deno.test("conform, link and check give the same outcome for the same pair", async () => {
  try {
    for (const [file, runtime] of PAIRS) {
      const path = `${MIRROR}/${file}`;
      const conform = await runConform([
        path,
        "--runtime",
        runtime,
        "--oracle",
        "none",
        "--quiet",
        "--format",
        "json",
      ]);
      assert.equal(conform.code, 0, conform.stderr);
      const fromConform = JSON.parse(conform.stdout).outcomes
        .find((o: { runtime: string }) => o.runtime === runtime).outcome;
      const link = await runConform(["link", path, "--runtime", runtime, "--json"]);
      assert.equal(link.code, 0, link.stderr);
      const fromLink = JSON.parse(link.stdout).outcomes[0].outcome;
      const check = await runConform(["check", path, "--runtime", runtime, "--json"]);
      assert.ok(check.code === 0 || check.code === 1, check.stderr);
      const fromCheck = JSON.parse(check.stdout)[0].runtimes[0].outcome;
      assert.deepEqual(
        [fromLink, fromCheck],
        [fromConform, fromConform],
        `${file} @ ${runtime}: conform ${fromConform}, link ${fromLink}, check ${fromCheck}`,
      );
    }
  } finally {
    await Deno.remove(CACHE, { recursive: true });
  }
});
