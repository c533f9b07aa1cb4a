/**
 * `deno task discover` (issue 19) as a user runs it: the task's own permissions, an index served
 * by this test on 127.0.0.1, the catalogue written under reports/, exit codes and messages
 * without stack traces. Never touches the real network.
 */
import assert from "node:assert/strict";
import { loadCatalogue } from "../../src/corpus/load_catalogue.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "../../src/cli/_exit_codes.ts";
import { REPO_ROOT } from "../corpus/_mirror.ts";
import { type FixtureIndex, makeFixtureWheel, serveIndex } from "../corpus/_index_server.ts";
import { type ConformRun, runConform, runDenoTask } from "./_run_conform.ts";

/** `deno task discover …` from the repository root, with exactly the task's permissions. */
function runDiscover(args: string[], cacheDir: string): Promise<ConformRun> {
  return runDenoTask("discover", args, { NO_COLOR: "1", CONFORM_CACHE: cacheDir }, 120_000);
}

const STACK = /^\s+at /m;

async function fixture(): Promise<FixtureIndex> {
  const wheel = async (filename: string) => ({
    filename,
    bytes: await makeFixtureWheel(filename),
    uploadTime: "2026-05-01T00:00:00Z",
  });
  return {
    projects: {
      frob: [
        await wheel("frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl"),
        await wheel("frob-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl"),
        await wheel("frob-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        await wheel("frob-1.0-py3-none-any.whl"),
        { filename: "frob-1.0.tar.gz", bytes: new TextEncoder().encode("sdist") },
      ],
      tiny: [await wheel("tiny-0.1-cp311-cp311-emscripten_3_1_46_wasm32.whl")],
    },
  };
}

Deno.test("deno task discover", async (t) => {
  const index = await fixture();
  const server = await serveIndex(index);
  await Deno.mkdir(`${REPO_ROOT}/.cache/tmp`, { recursive: true });
  const cacheDir = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "discover-" });
  const outDir = `reports/test-artifacts/discover-${crypto.randomUUID()}`;
  const out = `${outDir}/wheels.json`;
  try {
    await t.step(
      "writes a catalogue of the Emscripten/Pyodide wheels; summary on stderr",
      async () => {
        const run = await runDiscover(["--index", server.url, "--out", out], cacheDir);
        assert.equal(run.code, EXIT_OK, run.stderr);
        assert.equal(run.stdout, "");
        const catalogue = loadCatalogue(await Deno.readTextFile(`${REPO_ROOT}/${out}`));
        assert.deepEqual(catalogue.files.map((f) => f.path), [
          "index/frob/frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
          "index/frob/frob-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl",
          "index/tiny/tiny-0.1-cp311-cp311-emscripten_3_1_46_wasm32.whl",
        ]);
        assert.match(run.stderr, /3 Emscripten\/Pyodide wheel\(s\): 3 new/);
        assert.match(run.stderr, /skipped 1 other-platform, 1 pure, 1 sdist/);
        assert.match(run.stderr, /^ {2}index\/tiny\/tiny-0\.1/m);
        assert.doesNotMatch(run.stderr, STACK);
      },
    );

    await t.step("conform reads it as a catalogue, offline, from the cache", async () => {
      const run = await runConform(["inspect", out, "--offline"], { CONFORM_CACHE: cacheDir });
      // Nothing was downloaded (the JSON index gave every hash and size): the files are not
      // cached, and --offline says which file is missing and how to supply it.
      assert.equal(run.code, EXIT_UNREADABLE_INPUT, run.stderr);
      assert.match(run.stdout + run.stderr, /index\/frob\/frob-1\.0-cp312/);
    });

    await t.step(
      "--download caches every wheel: conform inspect then needs no network",
      async () => {
        const run = await runDiscover(
          ["--index", server.url, "--download", "--existing", out, "--out", out],
          cacheDir,
        );
        assert.equal(run.code, EXIT_OK, run.stderr);
        assert.match(run.stderr, /0 new, 3 kept/);
        assert.match(run.stderr, /3 downloaded/);
        const inspect = await runConform(["inspect", out, "--offline"], {
          CONFORM_CACHE: cacheDir,
        });
        assert.equal(inspect.code, EXIT_OK, inspect.stderr);
        assert.match(inspect.stdout, /tiny-0\.1-cp311-cp311-emscripten_3_1_46_wasm32\.whl/);
      },
    );

    await t.step("--since FILE: only files the catalogue does not list, on stdout", async () => {
      const added = "tiny-0.2-cp314-cp314-pyemscripten_2026_0_wasm32.whl";
      index.projects.tiny.push({ filename: added, bytes: await makeFixtureWheel(added) });
      const run = await runDiscover(["--index", server.url, "--since", out], cacheDir);
      assert.equal(run.code, EXIT_OK, run.stderr);
      const catalogue = loadCatalogue(run.stdout);
      assert.deepEqual(catalogue.files.map((f) => f.path), [`index/tiny/${added}`]);
      assert.equal(catalogue.files[0].builtForRuntime, "314.0.7");
      assert.match(run.stderr, /1 new, 3 not new/);
    });

    await t.step("--since DATE: by upload time", async () => {
      const run = await runDiscover(
        ["--index", server.url, "--project", "frob", "--since", "2026-05-02"],
        cacheDir,
      );
      assert.equal(run.code, EXIT_OK, run.stderr);
      assert.deepEqual(loadCatalogue(run.stdout).files, []);
    });

    await t.step("a malformed project page: exit 4, the URL and position, no stack", async () => {
      index.override = { "/simple/tiny/": ["text/html", "<p>\n<a data-yanked>tiny.whl</a>"] };
      const run = await runDiscover(["--index", server.url], cacheDir);
      assert.equal(run.code, EXIT_UNREADABLE_INPUT, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `tiny: IndexPageError: anchor has no href \\(at line 2 column 1 of HTML page "${server.url}tiny/"\\)`,
        ),
      );
      assert.doesNotMatch(run.stderr, STACK);
      // The rest was still written.
      assert.equal(loadCatalogue(run.stdout).files.length, 2);
    });

    await t.step("a malformed project list: exit 4, nothing written, no stack", async () => {
      index.override = { "/simple/": ["application/vnd.pypi.simple.v1+json", '{"meta": 1}'] };
      const run = await runDiscover(["--index", server.url], cacheDir);
      assert.equal(run.code, EXIT_UNREADABLE_INPUT, run.stderr);
      assert.match(run.stderr, /IndexPageError: must be an object \(at meta of JSON page/);
      assert.equal(run.stdout, "");
      assert.doesNotMatch(run.stderr, STACK);
      index.override = {};
    });

    await t.step("usage errors: exit 2 with the reason", async () => {
      const cases: [string[], RegExp][] = [
        [[], /needs --index URL/],
        [["--index", "http://index.example/simple/"], /must be https/],
        [["--index", server.url, "--since", "2026-01-01", "--existing", out], /not both/],
        [["--index", server.url, "--since", "no-such-file.json"], /neither a date/],
        [["--index", server.url, "--since", out, "--out", out], /would overwrite the input/],
        [["--index", server.url, "--out", "/tmp/wheels.json"], /may write only under/],
        [["--index", server.url, "--jobs", "0"], /from 1 to 64/],
        [["--index", server.url, "--cache-dir", "/tmp/elsewhere"], /may write only under/],
      ];
      for (const [args, message] of cases) {
        const run = await runDiscover(args, cacheDir);
        assert.equal(run.code, EXIT_USAGE, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.match(run.stderr, /Try: deno task discover --help/);
      }
    });

    await t.step("under the conform task (no network to the index): names the task", async () => {
      const run = await runConform(["discover", "--index", server.url]);
      assert.equal(run.code, EXIT_USAGE, run.stderr);
      assert.match(run.stderr, /network access to 127\.0\.0\.1:\d+ is not granted/);
      assert.match(run.stderr, /deno task discover --index/);
      assert.doesNotMatch(run.stderr, STACK);
    });
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
    await Deno.remove(`${REPO_ROOT}/${outDir}`, { recursive: true }).catch(() => {});
  }
});
