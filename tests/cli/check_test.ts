/**
 * `conform check` answers a package maintainer: one line per runtime, root cause first, exit 1
 * when a checked runtime breaks the wheel.
 */
import assert from "node:assert/strict";
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";
import { runConform as runTask } from "./_run_conform.ts";

// One cache for the steps, as a user's would be: runtimes are obtained once.
await Deno.mkdir(`${REPO_ROOT}/.cache/tmp`, { recursive: true });
const CACHE = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "check-" });
const runConform = (args: string[]) => runTask(args, { CONFORM_CACHE: CACHE });

const ORJSON = `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;

Deno.test("check: the 0.27.7 orjson wheel on a series, its own series and what its tag claims", async (t) => {
  await t.step("--runtime 0.28: exit 1, Python 3.12 vs 3.13 named first", async () => {
    const run = await runConform(["check", ORJSON, "--runtime", "0.28"]);
    assert.equal(run.code, 1, run.stderr);
    const line = run.stdout.split("\n").find((l) => l.trim().startsWith("0.28.3"));
    assert.ok(line, run.stdout);
    assert.match(line, /\bno\b/);
    // The Python version comes before any symbol.
    const why = line.slice(line.indexOf(":") + 1);
    assert.match(why, /^\s*wheel tags cp312-cp312 do not accept this runtime's Python 3\.13/);
    assert.ok(why.indexOf("3.13") < why.indexOf("_PyLong_AsByteArray"), line);
  });
  await t.step("--runtime 0.27: exit 0, newest of the series", async () => {
    const run = await runConform(["check", ORJSON, "--runtime", "0.27"]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^\s+0\.27\.7\s+yes/m);
  });
  await t.step(
    "no --runtime: the runtimes its tag claims, and what it is consistent with",
    async () => {
      const run = await runConform(["check", ORJSON, "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const [w] = JSON.parse(run.stdout);
      assert.deepEqual(w.runtimes.map((r: { runtime: string }) => r.runtime), ["0.26.4", "0.27.7"]);
      assert.ok(w.runtimes.every((r: { works: boolean }) => r.works));
      assert.deepEqual(
        [...new Set(w.consistentWith.map((c: { platformTag: string }) => c.platformTag))],
        ["pyodide_2024_0_wasm32"],
      );
    },
  );
  await t.step("--runtime-dir: a local build is checked under its label", async () => {
    const local = `${REPO_ROOT}/reports/test-artifacts/check-local-${crypto.randomUUID()}`;
    await Deno.mkdir(local, { recursive: true });
    try {
      for (const f of ["package.json", "pyodide.asm.wasm", "pyodide.asm.js", "pyodide-lock.json"]) {
        await Deno.copyFile(`${CACHE}/runtimes/0.27.7/${f}`, `${local}/${f}`);
      }
      const run = await runConform(["check", ORJSON, "--runtime-dir", `${local}=my-build`]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /^\s+my-build\s+yes/m);
    } finally {
      await Deno.remove(local, { recursive: true });
    }
  });
  await t.step("an unknown series exits 5 before any work", async () => {
    const run = await runConform(["check", ORJSON, "--runtime", "0.99"]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /neither a catalogue version nor a series/);
  });
  await Deno.remove(CACHE, { recursive: true });
});
