/**
 * `--out` outside what the task may write is refused before any work, so a long run never
 * fails at its last step and loses its result.
 */
import assert from "node:assert/strict";
import { runConform } from "./_run_conform.ts";
import { MIRROR } from "../corpus/_mirror.ts";

Deno.test("conform --out outside reports/ and .cache/ is a usage error before the run", async () => {
  const outside = `/tmp/conform-out-${crypto.randomUUID()}.json`;
  const run = await runConform([
    `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`,
    "--runtime",
    "0.27.7",
    "--oracle",
    "none",
    "--format",
    "json",
    "--out",
    outside,
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /may write only under \.cache\/ and reports\//);
  assert.match(run.stderr, new RegExp(outside.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
  // Refused up front: no stage ran.
  assert.doesNotMatch(run.stderr, /link: /);
  await assert.rejects(Deno.stat(outside));
});

Deno.test("conform --runtime with a version the catalogue lacks exits 5 before the run", async () => {
  for (const version of ["9.9.9", "0.28"]) {
    const run = await runConform([
      `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`,
      "--runtime",
      `0.27.7,${version}`,
      "--oracle",
      "none",
    ]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`runtime ${version.replace(".", "\\.")} is not in the runtime catalogue`),
    );
    assert.match(run.stderr, /known: 0\.21\.3, /);
    assert.doesNotMatch(run.stderr, /link: /);
  }
});
