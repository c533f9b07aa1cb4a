/**
 * `--out` outside what the task may write is refused before any work, so a long run never
 * fails at its last step and loses its result.
 */
import assert from "node:assert/strict";
import { runConform } from "./_run_conform.ts";
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";

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
  // A series (0.28) means its newest release; one the catalogue lacks (0.99) is refused too.
  for (const version of ["9.9.9", "0.99"]) {
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
      new RegExp(`runtime ${version.replaceAll(".", "\\.")} is neither a catalogue version`),
    );
    assert.match(run.stderr, /known: 0\.21\.3, /);
    assert.doesNotMatch(run.stderr, /link: /);
  }
});

Deno.test("conform --out never overwrites an input, the cache, a directory or another --out", async (t) => {
  // An input the task may write (under reports/): a copy of a real wheel.
  const dir = `${REPO_ROOT}/reports/test-artifacts/out-guard-${crypto.randomUUID()}`;
  await Deno.mkdir(dir, { recursive: true });
  const wheel = `${dir}/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;
  await Deno.copyFile(
    `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`,
    wheel,
  );
  const original = await Deno.readFile(wheel);
  const base = [wheel, "--runtime", "0.27.7", "--oracle", "none"];
  const refused = async (args: string[], message: RegExp) => {
    const run = await runConform([...base, ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /link: | {4}at /);
  };
  try {
    await t.step("over an input: exit 2, the input byte-identical", async () => {
      await refused(["--format", "json", "--out", wheel], /would overwrite the input/);
      await refused([
        "--format",
        "json",
        "--out",
        `${dir}/../${dir.split("/").pop()}/${wheel.split("/").pop()}`,
      ], /would overwrite the input/);
      assert.deepEqual(await Deno.readFile(wheel), original);
    });
    await t.step("inside the cache directory: exit 2", async () => {
      await refused(
        ["--format", "json", "--out", `${REPO_ROOT}/.cache/runtimes/0.27.7/pyodide.asm.wasm`],
        /inside the cache directory/,
      );
    });
    await t.step("the same file twice, or a directory: exit 2", async () => {
      const out = `${dir}/r.json`;
      await refused(
        ["--format", "json", "--out", out, "--format", "html", "--out", out],
        /given twice/,
      );
      await refused(["--format", "json", "--out", dir], /is a directory/);
      await assert.rejects(Deno.stat(out));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
