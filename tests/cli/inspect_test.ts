import assert from "node:assert/strict";
import { MIRROR, readCatalogue } from "../corpus/_mirror.ts";
import { runConform } from "./_run_conform.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "../../src/cli/_exit_codes.ts";

const ORJSON = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";
const MARKUPSAFE = "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl";

interface JsonImport {
  module: string;
  name: string;
  kind: string;
  func?: unknown;
}
interface JsonInput {
  file: string;
  facts?: {
    sideModules: {
      member: string;
      wasm: { types: unknown[]; imports: JsonImport[] };
      abi: { i64Interface: string; bigint: boolean; evidence: Record<string, string> };
    }[];
  };
  error?: { class: string; message: string; file?: string; member?: string; offset?: number };
}

function parseInspectJson(stdout: string): JsonInput[] {
  const document = JSON.parse(stdout);
  assert.equal(document.version, 1);
  return document.inputs;
}

Deno.test("conform inspect --json", async (t) => {
  await t.step(
    "orjson (0.27.7) imports env._PyLong_AsByteArray as (i32, i32, i32, i32, i32) -> i32",
    async () => {
      const run = await runConform(["inspect", "--json", `${MIRROR}/${ORJSON}`]);
      assert.equal(run.code, EXIT_OK, run.stderr);
      const [input] = parseInspectJson(run.stdout);
      const imports = input.facts!.sideModules.flatMap((so) => so.wasm.imports);
      const found = imports.find((i) => i.module === "env" && i.name === "_PyLong_AsByteArray");
      assert.ok(found, "import present");
      assert.equal(found.func, "(i32, i32, i32, i32, i32) -> i32");
      // Every function type is rendered as text, not as a {params, results} object.
      for (const i of imports.filter((i) => i.kind === "func")) {
        assert.equal(typeof i.func, "string");
      }
      for (const so of input.facts!.sideModules) {
        for (const type of so.wasm.types) assert.match(String(type), /^\(.*\) -> /);
      }
    },
  );

  await t.step("MarkupSafe (0.23.4) imports _PyUnicode_Ready", async () => {
    const run = await runConform(["inspect", "--json", `${MIRROR}/${MARKUPSAFE}`]);
    assert.equal(run.code, EXIT_OK, run.stderr);
    const [input] = parseInspectJson(run.stdout);
    const names = input.facts!.sideModules.flatMap((so) => so.wasm.imports)
      .filter((i) => i.module === "env").map((i) => i.name);
    assert.ok(names.includes("_PyUnicode_Ready"));
  });

  await t.step(
    "the i64 interface and its evidence: bigint (orjson), none (MarkupSafe)",
    async () => {
      const run = await runConform([
        "inspect",
        "--json",
        `${MIRROR}/${ORJSON}`,
        `${MIRROR}/${MARKUPSAFE}`,
      ]);
      assert.equal(run.code, EXIT_OK, run.stderr);
      const [orjson, markupsafe] = parseInspectJson(run.stdout).map((i) =>
        i.facts!.sideModules[0].abi
      );
      assert.equal(orjson.i64Interface, "bigint");
      assert.equal(orjson.bigint, true);
      assert.match(orjson.evidence.i64Interface, /^import env\.\S+ \(.*i64/);
      assert.equal(markupsafe.i64Interface, "none");
      assert.equal(markupsafe.bigint, false);
      assert.equal(
        markupsafe.evidence.i64Interface,
        "no i64 in env function imports or function exports",
      );
    },
  );

  await t.step("catalogue paths are resolved through the mirror", async () => {
    const catalogue = await readCatalogue();
    const archives = catalogue.files.filter((e) => e.kind !== "lockfile");
    const run = await runConform(["inspect", "--json", "--offline", "corpus/"]);
    assert.equal(run.code, EXIT_OK, run.stderr.slice(-2000));
    const inputs = parseInspectJson(run.stdout);
    assert.deepEqual(inputs.map((i) => i.file), archives.map((e) => e.path));
    assert.deepEqual(inputs.filter((i) => i.error).map((i) => i.file), []);
  });
});

Deno.test("conform inspect goes on past a broken file and exits 4", async (t) => {
  const dir = await Deno.makeTempDir();
  const good = MARKUPSAFE.split("/")[1];
  await Deno.copyFile(`${MIRROR}/${MARKUPSAFE}`, `${dir}/${good}`);
  // A wheel cut in half has no end-of-central-directory record.
  const orjson = await Deno.readFile(`${MIRROR}/${ORJSON}`);
  await Deno.writeFile(
    `${dir}/broken-1.0-py3-none-any.whl`,
    orjson.subarray(0, orjson.length >> 1),
  );

  await t.step("text output", async () => {
    const run = await runConform(["inspect", dir]);
    assert.equal(run.code, EXIT_UNREADABLE_INPUT);
    assert.ok(run.stdout.includes(`${dir}/${good}`), run.stdout);
    assert.match(run.stdout, /markupsafe\/_speedups\.cpython-311-wasm32-emscripten\.so/);
    // The i64 interface is always printed, "none" included.
    assert.match(run.stdout, /abi: exceptions none, setjmp none, i64 none, /);
    assert.match(
      run.stderr,
      new RegExp(`error: ${dir}/broken-1\\.0-py3-none-any\\.whl: \\w+Error: `),
    );
    assert.match(run.stdout, /2 inputs, 1 read, 1 failed/);
  });

  await t.step("JSON output keeps the error with its class and offset", async () => {
    const run = await runConform(["inspect", "--json", dir]);
    assert.equal(run.code, EXIT_UNREADABLE_INPUT);
    const inputs = parseInspectJson(run.stdout);
    assert.deepEqual(inputs.map((i) => i.file.slice(dir.length + 1)), [
      "MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl",
      "broken-1.0-py3-none-any.whl",
    ]);
    assert.ok(inputs[0].facts && !inputs[0].error);
    const error = inputs[1].error!;
    assert.ok(error, "error recorded");
    assert.match(error.class, /Error$/);
    assert.equal(typeof error.offset, "number");
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform command line", async (t) => {
  await t.step("--help lists the commands", async () => {
    const run = await runConform(["--help"]);
    assert.equal(run.code, EXIT_OK);
    for (const name of ["inspect", "link", "policy", "explain", "oracle", "diff", "runtimes"]) {
      assert.match(run.stdout, new RegExp(`^  ${name} `, "m"));
    }
  });

  await t.step("inspect --help", async () => {
    const run = await runConform(["inspect", "--help"]);
    assert.equal(run.code, EXIT_OK);
    assert.match(run.stdout, /^Usage: deno task conform inspect PATH/);
  });

  await t.step("usage errors exit 2", async () => {
    for (const args of [["inspect"], ["inspect", "--no-such-option", "x.whl"]]) {
      const run = await runConform(args);
      assert.equal(run.code, EXIT_USAGE, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /Try: deno task conform inspect --help/);
    }
  });

  await t.step("a command whose module is missing says so and exits 2", async () => {
    for (const name of ["link", "policy", "explain", "oracle", "diff", "runtimes"]) {
      const exists = await Deno.stat(new URL(`../../src/cli/${name}_command.ts`, import.meta.url))
        .then(() => true, () => false);
      if (exists) continue;
      const run = await runConform([name]);
      assert.equal(run.code, EXIT_USAGE);
      assert.match(run.stderr, new RegExp(`"${name}" command is not available yet`));
    }
  });
});
