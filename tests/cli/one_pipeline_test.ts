/**
 * One pipeline for every command: no command reads inputs, picks libraries, links or runs the
 * real runtime on its own path, and a local runtime directory (`--runtime-dir`) is accepted by
 * every command that judges wheels. Lock dependencies that are Python packages reach the oracle.
 */
import assert from "node:assert/strict";
import { createLibraryRun, librariesFor } from "../../src/corpus/mod.ts";
import { readLinkInput } from "../../src/link/mod.ts";
import { entryOf, MIRROR, readCatalogue, REPO_ROOT } from "../corpus/_mirror.ts";
import { obtainForTest } from "../runtime/_runtimes.ts";
import { runConform } from "./_run_conform.ts";

const CLI = `${REPO_ROOT}/src/cli`;
/** What only the pipeline may call: reading inputs, choosing libraries, linking, the oracle. */
const PIPELINE_INTERNALS =
  /\b(collectInputs|createLibraryRun|librariesFor|LinkPool|executeOnPool|runOracle|runOracleWithin|runConformInPool|runConform)\b/;

Deno.test("every judging command composes the one pipeline", async () => {
  const judging = ["conform", "link", "oracle", "check", "explain", "relabel"];
  for (const name of judging) {
    const text = await Deno.readTextFile(`${CLI}/${name}_command.ts`);
    assert.match(text, /\brunPipeline\(/, `${name} runs the pipeline`);
    const imports = text.split("\n").filter((l) => /^import|^\s+\w+,?$|^} from/.test(l)).join("\n");
    assert.doesNotMatch(imports, PIPELINE_INTERNALS, `${name} imports a pipeline stage itself`);
    // About 150 lines of code each; the help text does not count.
    const code = text.replace(/const (?:USAGE|\w+_HELP) =\s*`(?:\\`|[^`])*`;\n/g, "");
    const lines = code.split("\n").length;
    assert.ok(lines <= 170, `${name}_command.ts has ${lines} lines of code`);
  }
});

Deno.test("--runtime-dir: explain and relabel judge a local build under its label", async (t) => {
  const runtime = await obtainForTest("0.27.7");
  const local = `${REPO_ROOT}/reports/test-artifacts/pipeline-local-${crypto.randomUUID()}`;
  const out = `${local}-out`;
  const orjson = `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;
  await Deno.mkdir(local, { recursive: true });
  try {
    for (const f of ["package.json", "pyodide.asm.wasm", "pyodide.asm.js", "pyodide-lock.json"]) {
      await Deno.copyFile(`${runtime.dir}/${f}`, `${local}/${f}`);
    }
    await t.step("explain", async () => {
      const run = await runConform([
        "explain",
        "--policy",
        "pep783",
        orjson,
        "--runtime-dir",
        `${local}=my-build`,
        "--json",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const explained = JSON.parse(run.stdout);
      assert.equal(explained.runtime, "my-build");
      assert.equal(explained.outcome, "links", run.stdout);
    });
    await t.step("relabel verifies on the local build too", async () => {
      const run = await runConform([
        "relabel",
        orjson,
        "--policy",
        "emscripten-version",
        "--out",
        out,
        "--runtime-dir",
        `${local}=my-build`,
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /verified on [^\n]*\bmy-build\b/);
    });
    await t.step("a directory that is no runtime: exit 5 naming it", async () => {
      const run = await runConform([
        "relabel",
        orjson,
        "--policy",
        "emscripten-version",
        "--out",
        out,
        "--runtime-dir",
        `${out}-missing`,
      ]);
      assert.equal(run.code, 5, run.stderr);
      assert.match(run.stderr, /-missing/);
    });
  } finally {
    await Deno.remove(local, { recursive: true });
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("librariesFor: the lock's Python packages come with the archive, for the oracle", async () => {
  const catalogue = await readCatalogue();
  const path = "pyodide-0.21.3/cryptography-37.0.3-cp310-cp310-emscripten_3_1_14_wasm32.whl";
  const entry = entryOf(catalogue, path);
  const bytes = await Deno.readFile(`${MIRROR}/${path}`);
  const input = {
    file: path,
    source: "catalogue" as const,
    entry,
    read: () => Promise.resolve(bytes),
  };
  const archive = { input, link: await readLinkInput(bytes, { file: path }) };
  const run = await createLibraryRun([archive], { catalogue: catalogue.files, mirror: MIRROR });
  const choice = await librariesFor(archive, run);
  const packages = choice.packages.map((p) => p.file);
  assert.ok(packages.some((p) => p.startsWith("pyodide-0.21.3/cffi-")), packages.join(", "));
  assert.ok(packages.some((p) => p.startsWith("pyodide-0.21.3/six-")), packages.join(", "));
  // Shared libraries are libraries, not packages.
  assert.ok(!packages.some((p) => p.endsWith(".zip")), packages.join(", "));
  assert.ok(choice.libraries.some((l) => l.input.file.startsWith("pyodide-0.21.3/openssl-")));
});
