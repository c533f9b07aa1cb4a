/**
 * Inputs that are not what they seem: a `wheels.json` in a directory the user did not name as a
 * catalogue, a catalogue that does not validate, a device. Each is reported with its documented
 * exit code and no stack trace; nothing is fetched.
 */
import assert from "node:assert/strict";
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";
import { runConform } from "./_run_conform.ts";
import JSZip from "jszip";
import { buildModule } from "../../src/wasm/build_module.ts";

/** A minimal side module: a `dylink.0` section and nothing to link. */
const SIDE = buildModule({ dylink: { memorySize: 0 }, imports: [] });

const ORJSON = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";

Deno.test("hostile inputs: catalogues only where named, devices refused, no stack traces", async (t) => {
  const dir = `${REPO_ROOT}/reports/test-artifacts/hostile-inputs-${crypto.randomUUID()}`;
  await Deno.mkdir(dir, { recursive: true });
  try {
    await Deno.copyFile(`${MIRROR}/${ORJSON}`, `${dir}/${ORJSON.split("/")[1]}`);
    // Valid enough to be fetched from if it were taken as a catalogue.
    const catalogue = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/corpus/wheels.json`));
    catalogue.files = catalogue.files.slice(0, 1).map((f: Record<string, unknown>) => ({
      ...f,
      path: "elsewhere/evil-1.0-py3-none-any.whl",
      url: "https://127.0.0.1:9/evil-1.0-py3-none-any.whl",
    }));
    await Deno.writeTextFile(`${dir}/wheels.json`, JSON.stringify(catalogue));

    await t.step(
      "a directory holding wheels.json is searched, not read as a catalogue",
      async () => {
        const run = await runConform(["inspect", "--json", dir]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /orjson-3\.10\.1/);
        assert.doesNotMatch(run.stdout + run.stderr, /evil-1\.0/);
      },
    );

    await t.step("a named catalogue that does not validate: exit 4, no stack trace", async () => {
      await Deno.writeTextFile(`${dir}/wheels.json`, JSON.stringify({ files: "nope" }));
      const run = await runConform(["inspect", `${dir}/wheels.json`]);
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr, /Invalid catalogue/);
      assert.doesNotMatch(run.stderr, /^\s+at /m);
    });

    await t.step("a device as an input: exit 4, named, at once", async () => {
      const started = performance.now();
      const run = await runConform(["inspect", "/dev/zero"]);
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr + run.stdout, /\/dev\/zero is a device/);
      assert.doesNotMatch(run.stderr, /^\s+at /m);
      assert.ok(performance.now() - started < 60_000);
    });
    await t.step("names with control characters reach the terminal escaped", async () => {
      const zip = new JSZip();
      zip.file("evil\u001b[2J\u001b]0;pwned\u0007/_x.cpython-312-wasm32-emscripten.so", SIDE);
      zip.file(
        "evil-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nTag: cp312-cp312-pyodide_2024_0_wasm32\n",
      );
      zip.file("evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n");
      const wheel = `${dir}/evil-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl`;
      await Deno.writeFile(wheel, await zip.generateAsync({ type: "uint8array" }));
      const run = await runConform(["link", "--verbose", wheel, "--runtime", "0.27.7"]);
      assert.ok(!run.stdout.includes("\u001b") && !run.stdout.includes("\u0007"), run.stdout);
      assert.match(run.stdout, /\\u001b\[2J/);
    });

    await t.step("render of a wheel says what it is, without echoing its bytes", async () => {
      const run = await runConform([
        "render",
        `${dir}/${ORJSON.split("/")[1]}`,
        "--format",
        "text",
      ]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /zip archive/);
      assert.ok(!run.stderr.includes("PK\u0003\u0004"), run.stderr);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
