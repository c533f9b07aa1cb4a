/**
 * `deno task conform link`, run as a subprocess with the task's own permissions.
 */
import assert from "node:assert/strict";
import { runConform } from "../cli/_run_conform.ts";
import { MIRROR, TEST_CACHE } from "./_fixtures.ts";

const ORJSON = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";
const MARKUPSAFE = "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl";
// Runtimes come from the test cache the runtime tests fill (npm is asked only when absent).
const env = { CONFORM_CACHE: TEST_CACHE };

Deno.test("conform link", async (t) => {
  await t.step("one wheel, one runtime, text", async () => {
    const r = await runConform(["link", `${MIRROR}/${ORJSON}`, "--runtime", "0.28.3"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      // Root cause first: the Python version; the link outcome underneath, with the symbol V8
      // refused and both types.
      /orjson-3\.10\.1-.*\.whl {2}0\.28\.3 {2}Python: wheel tags cp312-cp312 do not accept this runtime's Python 3\.13\.\d+ \(cp313\)\n {2}then link-error: env\._PyLong_AsByteArray: \(i32, i32, i32, i32, i32\) -> i32 vs runtime \(i32, i32, i32, i32, i32, i32\) -> i32/,
    );
  });

  await t.step("--verbose lists each side module and its evidence", async () => {
    const r = await runConform(
      ["link", `${MIRROR}/${MARKUPSAFE}`, "--runtime", "0.27.7", "--verbose"],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}markupsafe\/_speedups\.cpython-311-wasm32-emscripten\.so: python-mismatch$/m,
    );
    assert.match(r.stdout, /^ {4}latent-function env\._PyUnicode_Ready \(i32\) -> i32$/m);
  });

  await t.step("--json, two wheels × two runtimes, with the matrix in text", async () => {
    const args = [
      "link",
      `${MIRROR}/${ORJSON}`,
      `${MIRROR}/${MARKUPSAFE}`,
      "--runtime",
      "0.23.4,0.27.7",
    ];
    const json = await runConform([...args, "--json"], env);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    const cell = (wheel: string, runtime: string) =>
      parsed.outcomes.find((o: { wheel: string; runtime: string }) =>
        o.wheel === wheel.split("/").pop() && o.runtime === runtime
      )?.outcome;
    assert.equal(parsed.outcomes.length, 4);
    assert.equal(cell(ORJSON, "0.27.7"), "links");
    assert.equal(cell(MARKUPSAFE, "0.23.4"), "links");
    assert.equal(cell(MARKUPSAFE, "0.27.7"), "python-mismatch");
    const text = await runConform(args, env);
    // The matrix row: archive name, then one cell per runtime.
    const row = text.stdout.split("\n").findLast((l) => l.startsWith("MarkupSafe-2.1.2"));
    assert.match(row ?? "", /^MarkupSafe-2\.1\.2\S* +ok +py$/);
  });

  await t.step("an unreadable input is reported with exit code 4", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const bad = `${dir}/bad-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl`;
      await Deno.writeTextFile(bad, "not a zip");
      const r = await runConform(["link", bad, "--runtime", "0.27.7"], env);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /cannot read .*bad-1\.0/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
