import assert from "node:assert/strict";
import { runConform } from "../cli/_run_conform.ts";
import { MIRROR } from "../corpus/_mirror.ts";
import { obtainForTest } from "../runtime/_runtimes.ts";

Deno.test("conform oracle: usage errors exit 2", async (t) => {
  await t.step("no PATH", async () => {
    const run = await runConform(["oracle"]);
    assert.equal(run.code, 2, run.stderr);
  });
  await t.step("unknown load path", async () => {
    const run = await runConform(["oracle", "x.whl", "--paths", "teleport"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr + run.stdout, /teleport/);
  });
});

Deno.test({
  name: "conform oracle runs a real pair with the task's own permissions",
  sanitizeResources: false,
}, async () => {
  const runtime = await obtainForTest("0.27.7");
  const wheel = `${MIRROR}/pyodide-0.27.7/markupsafe-2.0.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;
  const run = await runConform([
    "oracle",
    wheel,
    "--runtime-dir",
    runtime.dir,
    "--paths",
    "load-package",
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const out = JSON.parse(run.stdout);
  assert.equal(out.results.length, 1);
  const r = out.results[0];
  assert.equal(r.runtime, "0.27.7");
  assert.equal(r.status, "ok", JSON.stringify(r.paths));
  assert.equal(r.works, true);
  // The smoke call comes from corpus/smoke_checks.json.
  assert.equal(r.smokeCheck.value, "str(markupsafe.escape('<a>'))");
  assert.equal(r.smoke.status, "pass");
});
