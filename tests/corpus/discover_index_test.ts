/**
 * `discover --index` (issue 19): reading the simple API (PEP 691 JSON, PEP 503 HTML), selecting
 * the Emscripten/Pyodide wheels, and writing catalogue entries `loadCatalogue` accepts, against
 * an index this test serves on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  collectInputs,
  discoverIndex,
  type DiscoverIndexOptions,
  HashMismatchError,
  IndexFetchError,
  IndexPageError,
  loadCatalogue,
  MAX_INDEX_FILES,
  readProjectList,
  readProjectPage,
  selectIndexFile,
} from "../../src/corpus/mod.ts";
import { loadRuntimeCatalogue } from "../../src/runtime/mod.ts";
import { type FixtureIndex, makeFixtureWheel, serveIndex, sha256Of } from "./_index_server.ts";

const REPO_ROOT = new URL("../../", import.meta.url);
const RUNTIMES = loadRuntimeCatalogue(
  await Deno.readTextFile(new URL("corpus/runtimes.json", REPO_ROOT)),
  { file: "corpus/runtimes.json" },
);

const JSON_SOURCE = {
  url: "https://i.example/simple/frob/",
  contentType: "application/vnd.pypi.simple.v1+json",
};
const HTML_SOURCE = { url: "https://i.example/simple/frob/", contentType: "text/html" };

Deno.test("read_simple_index: PEP 691 JSON pages", async (t) => {
  await t.step("project list: names, page URLs from the normalized name", () => {
    const list = readProjectList(
      JSON.stringify({ meta: { "api-version": "1.3" }, projects: [{ name: "Frob.Nicate" }] }),
      { url: "https://i.example/simple/", contentType: "application/vnd.pypi.simple.v1+json" },
    );
    assert.equal(list.format, "json");
    assert.equal(list.apiVersion, "1.3");
    assert.deepEqual(list.projects, [{
      name: "Frob.Nicate",
      url: "https://i.example/simple/frob-nicate/",
    }]);
  });

  await t.step("project page: relative URL, sha256, size, upload time, yanked", () => {
    const page = readProjectPage(
      JSON.stringify({
        meta: { "api-version": "1.1" },
        name: "frob",
        files: [{
          filename: "frob-1.0.tar.gz",
          url: "../../files/frob-1.0.tar.gz#frag",
          hashes: { sha256: "AB".repeat(32), md5: "x" },
          size: 12,
          "upload-time": "2026-04-01T10:00:00.123456Z",
          yanked: "broken build",
        }, { filename: "frob-1.1.tar.gz", url: "https://f.example/frob-1.1.tar.gz", hashes: {} }],
      }),
      JSON_SOURCE,
    );
    assert.deepEqual(page.files[0], {
      filename: "frob-1.0.tar.gz",
      url: "https://i.example/files/frob-1.0.tar.gz",
      sha256: "ab".repeat(32),
      size: 12,
      uploadTime: "2026-04-01T10:00:00.123Z",
      yanked: true,
      yankedReason: "broken build",
    });
    assert.deepEqual(page.files[1], {
      filename: "frob-1.1.tar.gz",
      url: "https://f.example/frob-1.1.tar.gz",
      yanked: false,
    });
  });

  await t.step("malformed pages: IndexPageError with URL and position", () => {
    const cases: [string, RegExp, Partial<IndexPageError>][] = [
      ['{"meta": {"api-version": "1.0"},\n "files": [}', /not JSON/, { line: 2, column: 12 }],
      ["", /not JSON: unexpected end/, { offset: 0 }],
      ['{"files": []}', /is missing/, { path: "meta" }],
      ['{"meta": {"api-version": "2.0"}, "files": []}', /not supported/, {
        path: "meta.api-version",
      }],
      ['{"meta": {"api-version": "1.0"}}', /is missing/, { path: "files" }],
      ['{"meta": {"api-version": "1.0"}, "files": [{"url": "a"}]}', /is missing/, {
        path: "files[0].filename",
      }],
      [
        '{"meta": {"api-version": "1.0"}, "files": [{"filename": "a", "url": "http://[x"}]}',
        /URL/,
        {
          path: "files[0].url",
        },
      ],
      [
        '{"meta": {"api-version": "1.0"}, "files": [{"filename": "a", "url": "a", "hashes": {"sha256": "zz"}}]}',
        /64 hex/,
        { path: "files[0].hashes.sha256" },
      ],
      [
        '{"meta": {"api-version": "1.0"}, "files": [{"filename": "a", "url": "a", "size": -1}]}',
        /non-negative/,
        { path: "files[0].size" },
      ],
      [
        '{"meta": {"api-version": "1.0"}, "files": [{"filename": "a", "url": "a", "upload-time": "yesterday"}]}',
        /ISO 8601/,
        { path: "files[0].upload-time" },
      ],
      ["[1, 2]", /must be an object/, { path: "$" }],
    ];
    for (const [text, message, fields] of cases) {
      assert.throws(() => readProjectPage(text, JSON_SOURCE), (error: unknown) => {
        assert.ok(error instanceof IndexPageError, String(error));
        assert.match(error.message, message);
        assert.equal(error.url, JSON_SOURCE.url);
        assert.ok(error.message.includes(JSON_SOURCE.url), error.message);
        for (const [key, value] of Object.entries(fields)) {
          assert.equal(error[key as keyof IndexPageError], value, `${key} of ${text}`);
        }
        return true;
      });
    }
  });

  await t.step("hostile text: never echoed raw, deep nesting is a typed error", () => {
    assert.throws(
      () => readProjectPage('{"meta": \u001b[2J}', JSON_SOURCE),
      (e: unknown) => e instanceof IndexPageError && !e.message.includes("\u001b"),
    );
    assert.throws(() => readProjectPage("[".repeat(200_000), JSON_SOURCE), IndexPageError);
    assert.throws(
      () => readProjectPage(`${'{"a":'.repeat(100_000)}1${"}".repeat(99_999)}`, JSON_SOURCE),
      IndexPageError,
    );
  });
});

Deno.test("read_simple_index: PEP 503 HTML pages", async (t) => {
  await t.step("project page: relative hrefs, fragment hash, data-yanked, entities", () => {
    const sha = "cd".repeat(32);
    const page = readProjectPage(
      `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
<!-- <a href="commented-out.whl">x</a> -->
<a href="../../files/frob-1.0-py3-none-any.whl#sha256=${sha}" data-requires-python="&gt;=3.8">frob-1.0-py3-none-any.whl</a><br>
<A HREF='/files/frob-1.1.tar.gz#md5=00' data-yanked="">frob-1.1.tar.gz</A>
<a data-yanked="bad &amp; broken" href=https://f.example/x/frob-1.2.tar.gz><span>frob-1.2.tar.gz</span></a>
<a href="https://f.example/x/frob-1.3.tar.gz"></a>
</body></html>`,
      HTML_SOURCE,
    );
    assert.equal(page.format, "html");
    assert.equal(page.apiVersion, "1.1");
    assert.deepEqual(page.files, [
      {
        filename: "frob-1.0-py3-none-any.whl",
        url: "https://i.example/files/frob-1.0-py3-none-any.whl",
        sha256: sha,
        yanked: false,
        requiresPython: ">=3.8",
      },
      { filename: "frob-1.1.tar.gz", url: "https://i.example/files/frob-1.1.tar.gz", yanked: true },
      {
        filename: "frob-1.2.tar.gz",
        url: "https://f.example/x/frob-1.2.tar.gz",
        yanked: true,
        yankedReason: "bad & broken",
      },
      // No anchor text: the file name is the URL's last segment.
      { filename: "frob-1.3.tar.gz", url: "https://f.example/x/frob-1.3.tar.gz", yanked: false },
    ]);
  });

  await t.step("<base href> and the project list", () => {
    const list = readProjectList(
      '<base href="https://mirror.example/pypi/simple/"><a href="frob/">Frob</a><a href="/other/">other</a>',
      { url: "https://i.example/simple/", contentType: "text/html" },
    );
    assert.deepEqual(list.projects, [
      { name: "Frob", url: "https://mirror.example/pypi/simple/frob/" },
      { name: "other", url: "https://mirror.example/other/" },
    ]);
  });

  await t.step("malformed pages: IndexPageError with line and column", () => {
    const cases: [string, RegExp, number][] = [
      ["<html>\n  <a name=x>frob-1.0.tar.gz</a>", /no href/, 2],
      ["\n\n<a href='frob.tar.gz", /not closed/, 3],
      ['<a href="http://[x">a</a>', /not a valid URL/, 1],
      ['<meta name="pypi:repository-version" content="2.0">', /not supported/, 1],
      [`<a href="a.whl#sha256=abc">a.whl</a>`, /64 hex/, 1],
    ];
    for (const [text, message, line] of cases) {
      assert.throws(() => readProjectPage(text, HTML_SOURCE), (error: unknown) => {
        assert.ok(error instanceof IndexPageError, String(error));
        assert.match(error.message, message);
        assert.equal(error.format, "html");
        assert.equal(error.url, HTML_SOURCE.url);
        assert.equal(error.line, line, text);
        return true;
      });
    }
  });

  await t.step("huge pages are bounded: too many anchors", () => {
    const text = '<a href="a.tar.gz">a</a>'.repeat(MAX_INDEX_FILES + 1);
    assert.throws(() => readProjectPage(text, HTML_SOURCE), /more than 200000 anchors/);
  });
});

Deno.test("selectIndexFile keeps Emscripten, Pyodide and pyemscripten wheels only", () => {
  const pick = (filename: string, extra: Record<string, unknown> = {}) =>
    selectIndexFile(
      { filename, url: `https://i.example/files/${filename}`, yanked: false, ...extra },
      "Frob",
    );
  for (
    const name of [
      "frob-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl",
      "frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
      "frob-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl",
      "frob-1.0-cp310-abi3-pyemscripten_2026_0_wasm32.whl",
    ]
  ) {
    const choice = pick(name);
    assert.ok(choice.selected, name);
    assert.equal(choice.path, `index/frob/${name}`);
  }
  const reasons: [string, string, Record<string, unknown>?][] = [
    ["frob-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "other-platform"],
    ["frob-1.0-py3-none-any.whl", "pure"],
    ["frob-1.0.tar.gz", "sdist"],
    ["frob-1.0.egg", "not-a-wheel"],
    ["frob-1.0-cp312-cp312-pyodide_wasm32.whl", "other-platform"],
    ["frob-1.0.whl", "invalid-filename"],
    ["other-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", "other-project"],
    ["frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", "yanked", { yanked: true }],
    ["frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", "insecure-url", {
      url: "http://i.example/frob.whl",
    }],
  ];
  for (const [name, reason, extra] of reasons) {
    const choice = pick(name, extra);
    assert.ok(!choice.selected && choice.reason === reason, `${name}: ${JSON.stringify(choice)}`);
  }
});

/** The fixture: one project with every kind of file, one with a name to normalize. */
async function fixture(): Promise<FixtureIndex> {
  const wheel = async (filename: string, extra: Record<string, unknown> = {}) => ({
    filename,
    bytes: await makeFixtureWheel(filename),
    ...extra,
  });
  return {
    projects: {
      frob: [
        await wheel("frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", {
          uploadTime: "2026-01-10T08:00:00Z",
        }),
        await wheel("frob-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl", {
          uploadTime: "2026-05-01T08:00:00.5Z",
        }),
        // The index states neither hash nor size: both come from the download.
        await wheel("frob-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl", {
          noHash: true,
          noSize: true,
          uploadTime: "2025-06-01T00:00:00Z",
        }),
        // No runtime of the catalogue has Emscripten 3.1.52.
        await wheel("frob-1.0-cp312-cp312-emscripten_3_1_52_wasm32.whl", {
          uploadTime: "2025-06-01T00:00:00Z",
        }),
        await wheel("frob-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        await wheel("frob-1.0-py3-none-any.whl"),
        { filename: "frob-1.0.tar.gz", bytes: new TextEncoder().encode("sdist") },
        await wheel("frob-0.9-cp312-cp312-pyodide_2024_0_wasm32.whl", { yanked: "broken" }),
      ],
      "Other_Pkg": [await wheel("other_pkg-2.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl")],
      plain: [await wheel("plain-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")],
    },
  };
}

const EMSCRIPTEN_PATHS = [
  "index/frob/frob-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl",
  "index/frob/frob-1.0-cp312-cp312-emscripten_3_1_52_wasm32.whl",
  "index/frob/frob-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "index/frob/frob-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl",
  "index/other-pkg/other_pkg-2.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
];

async function withIndex(
  index: FixtureIndex,
  fn: (server: Awaited<ReturnType<typeof serveIndex>>, cacheDir: string) => Promise<void>,
): Promise<void> {
  const server = await serveIndex(index);
  const cacheDir = await Deno.makeTempDir({ prefix: "discover-cache-" });
  try {
    await fn(server, cacheDir);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

function options(url: string, cacheDir: string): DiscoverIndexOptions {
  return { index: url, runtimes: RUNTIMES, cacheDir, concurrency: 2 };
}

Deno.test("discoverIndex over a JSON index: selection, hashes, built-for, round trip", async () => {
  const index = await fixture();
  await withIndex(index, async (server, cacheDir) => {
    const result = await discoverIndex(options(server.url, cacheDir));
    assert.deepEqual(result.problems, []);
    assert.equal(result.listFormat, "json");
    assert.equal(result.projectsRead, 3);
    assert.deepEqual(result.catalogue.files.map((f) => f.path), EMSCRIPTEN_PATHS);
    assert.deepEqual(result.newPaths, EMSCRIPTEN_PATHS);
    assert.deepEqual(result.skipped, {
      "other-platform": 2,
      pure: 1,
      sdist: 1,
      yanked: 1,
    });

    // Every sha256 and size is the file's; only the hash-less file was downloaded.
    const bytesOf = (path: string) =>
      Object.values(index.projects).flat().find((f) => path.endsWith(`/${f.filename}`))!.bytes;
    for (const entry of result.catalogue.files) {
      assert.equal(entry.sha256, sha256Of(bytesOf(entry.path)), entry.path);
      assert.equal(entry.size, bytesOf(entry.path).length, entry.path);
      assert.equal(entry.source, null);
      assert.equal(entry.kind, "wheel");
      assert.match(entry.url, /^http:\/\/127\.0\.0\.1:\d+\/files\//);
    }
    const downloads = server.requests.filter((p) => p.startsWith("/files/"));
    assert.deepEqual(downloads, ["/files/frob-1.0-cp311-cp311-emscripten_3_1_46_wasm32.whl"]);
    assert.equal(result.downloaded, 1);

    const byPath = new Map(result.catalogue.files.map((f) => [f.path, f]));
    const hashless = byPath.get(EMSCRIPTEN_PATHS[0])!;
    // Downloaded: verified into the cache, and its .so members listed.
    assert.deepEqual(
      await Deno.readFile(join(cacheDir, "files", hashless.sha256)),
      bytesOf(hashless.path),
    );
    assert.deepEqual(hashless.soFiles, ["frob/_speedups.cpython-311-wasm32-emscripten.so"]);
    assert.equal(hashless.binary, true);

    // Built-for runtimes from the tags against corpus/runtimes.json.
    const built = (i: number) => byPath.get(EMSCRIPTEN_PATHS[i])!.builtFor;
    assert.equal(built(0).runtime, "0.25.1");
    assert.equal(built(1).runtime, null);
    assert.match(built(1).note, /no catalogue runtime has these platform facts/);
    assert.equal(built(2).runtime, "0.27.7");
    assert.deepEqual(built(2).equivalentRuntimes, ["0.26.4", "0.27.7"]);
    assert.match(built(2).note, /chose 0\.27\.7 \(newest of the equivalent runtimes\)/);
    assert.equal(built(3).runtime, "0.29.5");
    assert.deepEqual(built(3).equivalentRuntimes, ["0.28.3", "0.29.5"]);
    assert.match(built(3).note, /its own platform tag is pyemscripten_2025_0_wasm32/);
    assert.equal(built(4).runtime, "314.0.7");
    for (const entry of result.catalogue.files) {
      assert.equal(entry.builtForRuntime, entry.builtFor.runtime);
      assert.equal(entry.builtFor.basis, "filename-tag");
    }
    const pyodide = byPath.get(EMSCRIPTEN_PATHS[2])!;
    assert.equal(pyodide.abiVersion, "2024_0");
    assert.equal(pyodide.pythonVersion, "3.12");
    assert.equal(pyodide.platformTag, "pyodide_2024_0_wasm32");
    assert.equal(pyodide.distribution, "index/frob");
    assert.equal(pyodide.packageName, "frob");
    assert.equal(pyodide.packageVersion, "1.0");

    // The output is a catalogue: it round-trips through loadCatalogue unchanged.
    const text = `${JSON.stringify(result.catalogue, null, 2)}\n`;
    assert.deepEqual(loadCatalogue(text, { file: "wheels.json" }), result.catalogue);
  });
});

Deno.test("discoverIndex: conform reads the discovered catalogue from the cache, offline", async () => {
  await withIndex(await fixture(), async (server, cacheDir) => {
    const result = await discoverIndex({
      ...options(server.url, cacheDir),
      projects: ["Other_Pkg"],
      download: true,
    });
    assert.deepEqual(result.catalogue.files.map((f) => f.path), [EMSCRIPTEN_PATHS[4]]);
    const dir = await Deno.makeTempDir({ prefix: "discover-out-" });
    try {
      await Deno.writeTextFile(join(dir, "wheels.json"), JSON.stringify(result.catalogue));
      const inputs = await collectInputs([join(dir, "wheels.json")], {
        cacheDir,
        allowNetwork: false,
      });
      assert.deepEqual(inputs.map((i) => [i.file, i.source]), [[EMSCRIPTEN_PATHS[4], "catalogue"]]);
      const bytes = await inputs[0].read();
      assert.equal(sha256Of(bytes), result.catalogue.files[0].sha256);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("discoverIndex over an HTML-only index: the PEP 503 fallback", async () => {
  const index = { ...await fixture(), htmlOnly: true };
  await withIndex(index, async (server, cacheDir) => {
    const result = await discoverIndex(options(server.url, cacheDir));
    assert.deepEqual(result.problems, []);
    assert.equal(result.listFormat, "html");
    assert.deepEqual(result.catalogue.files.map((f) => f.path), EMSCRIPTEN_PATHS);
    assert.equal(result.skipped.yanked, 1);
    // HTML states no size: every selected file is downloaded, and checked against its fragment.
    assert.equal(result.downloaded, EMSCRIPTEN_PATHS.length);
    for (const entry of result.catalogue.files) {
      const file = Object.values(index.projects).flat().find((f) =>
        entry.path.endsWith(f.filename)
      )!;
      assert.equal(entry.sha256, sha256Of(file.bytes));
      assert.equal(entry.size, file.bytes.length);
      assert.equal(entry.soFiles.length, 1);
    }
    assert.deepEqual(loadCatalogue(JSON.stringify(result.catalogue)), result.catalogue);
  });
});

Deno.test("discoverIndex --since: new files by upload time or by a previous catalogue", async (t) => {
  const index = await fixture();
  await withIndex(index, async (server, cacheDir) => {
    await t.step(
      "since a date: uploaded at or after it, and files with no upload time",
      async () => {
        const result = await discoverIndex({
          ...options(server.url, cacheDir),
          since: { time: "2026-01-10T08:00:00.000Z" },
        });
        assert.deepEqual(result.catalogue.files.map((f) => f.path), [
          EMSCRIPTEN_PATHS[2],
          EMSCRIPTEN_PATHS[3],
          EMSCRIPTEN_PATHS[4], // no upload-time: counted as new
        ]);
        assert.equal(result.known, 2);
      },
    );

    const first = await discoverIndex(options(server.url, cacheDir));
    const downloadsBefore = server.requests.filter((p) => p.startsWith("/files/")).length;
    const added = "frob-1.1-cp313-cp313-pyemscripten_2025_0_wasm32.whl";
    index.projects.frob.push({ filename: added, bytes: await makeFixtureWheel(added) });

    await t.step(
      "since a catalogue: only files it does not list, none downloaded again",
      async () => {
        const result = await discoverIndex({
          ...options(server.url, cacheDir),
          since: { catalogue: first.catalogue },
        });
        assert.deepEqual(result.catalogue.files.map((f) => f.path), [`index/frob/${added}`]);
        assert.deepEqual(result.newPaths, [`index/frob/${added}`]);
        assert.equal(result.known, EMSCRIPTEN_PATHS.length);
        assert.equal(
          server.requests.filter((p) => p.startsWith("/files/")).length,
          downloadsBefore,
        );
      },
    );

    await t.step("existing: the updated catalogue keeps, adds and drops", async () => {
      index.projects.frob = index.projects.frob.filter((f) =>
        !f.filename.includes("emscripten_3_1_52")
      );
      const result = await discoverIndex({
        ...options(server.url, cacheDir),
        existing: first.catalogue,
      });
      assert.deepEqual(result.newPaths, [`index/frob/${added}`]);
      assert.deepEqual(result.dropped, [EMSCRIPTEN_PATHS[1]]);
      assert.deepEqual(
        result.catalogue.files.map((f) => f.path),
        [...EMSCRIPTEN_PATHS.filter((p) => p !== EMSCRIPTEN_PATHS[1]), `index/frob/${added}`]
          .sort(),
      );
      // The carried-over hash-less entry keeps what its download showed: no second download.
      const carried = result.catalogue.files.find((f) => f.path === EMSCRIPTEN_PATHS[0])!;
      assert.deepEqual(carried, first.catalogue.files.find((f) => f.path === EMSCRIPTEN_PATHS[0]));
      assert.equal(server.requests.filter((p) => p.startsWith("/files/")).length, downloadsBefore);
      assert.deepEqual(loadCatalogue(JSON.stringify(result.catalogue)), result.catalogue);
    });

    await t.step("existing with --project: projects not walked keep their entries", async () => {
      const result = await discoverIndex({
        ...options(server.url, cacheDir),
        projects: ["frob"],
        existing: first.catalogue,
      });
      assert.ok(result.catalogue.files.some((f) => f.path === EMSCRIPTEN_PATHS[4]));
      assert.equal(result.projectsRead, 1);
    });
  });
});

Deno.test("discoverIndex: problems are typed, located and do not stop the walk", async (t) => {
  const index = await fixture();
  await withIndex(index, async (server, cacheDir) => {
    await t.step("a malformed project page: IndexPageError for it, the others read", async () => {
      const truncated = '{"meta": {"api-version": "1.0"}, "files": [';
      index.override = { "/simple/frob/": ["application/vnd.pypi.simple.v1+json", truncated] };
      const result = await discoverIndex(options(server.url, cacheDir));
      assert.equal(result.problems.length, 1);
      const [problem] = result.problems;
      assert.equal(problem.project, "frob");
      assert.ok(problem.error instanceof IndexPageError);
      assert.equal(problem.error.url, `${server.url}frob/`);
      // Cut off after the `[`: the error is at the end of the text.
      assert.equal(problem.error.offset, truncated.length);
      assert.match(problem.error.message, /unexpected end of JSON/);
      assert.deepEqual(result.catalogue.files.map((f) => f.path), [EMSCRIPTEN_PATHS[4]]);
    });

    await t.step("a malformed project list: thrown, with the list's URL", async () => {
      index.override = { "/simple/": ["text/html", "<a href='frob/'>frob</a><a>x</a>"] };
      await assert.rejects(discoverIndex(options(server.url, cacheDir)), (e: unknown) => {
        assert.ok(e instanceof IndexPageError);
        assert.equal(e.url, server.url);
        assert.match(e.message, /anchor has no href/);
        return true;
      });
    });

    await t.step("a page larger than the bound: IndexFetchError", async () => {
      index.override = { "/simple/": ["text/html", "<p>".repeat(4096)] };
      await assert.rejects(
        discoverIndex({ ...options(server.url, cacheDir), maxPageBytes: 1024 }),
        (e: unknown) => e instanceof IndexFetchError && /limit of 1024/.test(e.message),
      );
    });

    await t.step("a server that stops answering: IndexFetchError at the time limit", async () => {
      index.override = {};
      index.stall = { "/simple/frob/": 1500 };
      const result = await discoverIndex({
        ...options(server.url, cacheDir),
        timeoutMs: 200,
      });
      index.stall = {};
      assert.equal(result.problems.length, 1);
      const error = result.problems[0].error;
      assert.ok(error instanceof IndexFetchError, String(error));
      assert.match(error.message, /no complete answer within the time limit/);
      assert.equal(result.catalogue.files.length, 1);
    });

    await t.step("a missing project: IndexFetchError with the HTTP status", async () => {
      index.override = {};
      const result = await discoverIndex({
        ...options(server.url, cacheDir),
        projects: ["nope", "frob"],
      });
      assert.equal(result.problems.length, 1);
      const error = result.problems[0].error;
      assert.ok(error instanceof IndexFetchError && error.status === 404);
      assert.equal(result.catalogue.files.length, 4);
    });

    await t.step(
      "a download that does not hash to the stated sha256: HashMismatchError",
      async () => {
        const file = index.projects.frob[0];
        file.noSize = true;
        file.statedSha256 = "0".repeat(64);
        const result = await discoverIndex({
          ...options(server.url, cacheDir),
          projects: ["frob"],
        });
        assert.equal(result.problems.length, 1);
        const error = result.problems[0].error;
        assert.ok(error instanceof HashMismatchError);
        assert.equal(error.expected, "0".repeat(64));
        assert.equal(error.actual, sha256Of(file.bytes));
        assert.ok(!result.catalogue.files.some((f) => f.path.endsWith(file.filename)));
      },
    );
  });
});
