import assert from "node:assert/strict";
import { basename } from "node:path";
import { loadRuntimeCatalogue, RuntimeCatalogueError } from "../../src/runtime/mod.ts";
import { readLockInfo } from "../../src/runtime/read_lock.ts";
import {
  atMost,
  catalogue,
  compareVersions,
  obtainForTest,
  REQUIRED_VERSIONS,
} from "./_runtimes.ts";

Deno.test("runtime catalogue", async (t) => {
  await t.step("lists every required runtime once", () => {
    const versions = catalogue.map((e) => e.version);
    for (const v of REQUIRED_VERSIONS) assert.ok(versions.includes(v), `missing ${v}`);
    assert.equal(new Set(versions).size, versions.length);
  });

  for (const entry of catalogue) {
    await t.step(`${entry.version} agrees with its own lock file`, async () => {
      const files = await obtainForTest(entry.version);
      const lock = JSON.parse(await Deno.readTextFile(files.lockPath));
      const info = readLockInfo(lock, { file: files.lockPath });
      assert.equal(entry.python, info.python);
      assert.equal(entry.emscripten, info.emscripten);
      assert.equal(entry.abiVersion, info.abiVersion);
      assert.equal(entry.platformTag, info.platformTag);
      assert.equal(entry.lockFile, basename(files.lockPath));
      assert.equal(entry.glueFile, basename(files.gluePath));
      // The tag is the most frequent non-any tag of the lock's own wheels.
      const counts = info.platformTagCounts;
      assert.ok(counts.length > 0 && counts[0].tag === entry.platformTag);
      assert.ok(counts.every((c) => c.count <= counts[0].count));
    });
  }

  await t.step("platform tags follow the scheme of each era (DESIGN)", () => {
    for (const e of catalogue) {
      const em = e.emscripten.replaceAll(".", "_");
      if (atMost(e.version, "0.25.1")) {
        assert.equal(e.abiVersion, undefined, e.version);
        assert.equal(e.platformTag, `emscripten_${em}_wasm32`, e.version);
      } else if (atMost(e.version, "0.28.3")) {
        assert.equal(e.platformTag, `pyodide_${e.abiVersion}_wasm32`, e.version);
      } else {
        assert.equal(e.platformTag, `pyemscripten_${e.abiVersion}_wasm32`, e.version);
      }
    }
    const byVersion = new Map(catalogue.map((e) => [e.version, e]));
    // 0.21 and 0.22 share CPython 3.10 but not Emscripten; 0.28 and 0.29 share one ABI.
    assert.equal(
      byVersion.get("0.21.3")!.python.slice(0, 4),
      byVersion.get("0.22.1")!.python.slice(0, 4),
    );
    assert.notEqual(byVersion.get("0.21.3")!.emscripten, byVersion.get("0.22.1")!.emscripten);
    assert.equal(byVersion.get("0.28.3")!.abiVersion, byVersion.get("0.29.5")!.abiVersion);
  });

  await t.step("release dates are cited or declared unknown, and ordered", () => {
    const dated = catalogue.filter((e) => e.releaseDate !== "");
    for (const e of catalogue) {
      assert.ok(e.releaseDateSource.trim().length > 0, e.version);
      if (e.releaseDate === "") assert.match(e.releaseDateSource, /^unknown/, e.version);
      else assert.match(e.releaseDateSource, /changelog/, e.version);
    }
    assert.ok(dated.length >= 8, "most dates are known");
    const sorted = [...dated].sort((a, b) => compareVersions(a.version, b.version));
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(
        sorted[i - 1].releaseDate < sorted[i].releaseDate,
        `${sorted[i - 1].version} released before ${sorted[i].version}`,
      );
    }
  });

  await t.step("loading collects every problem", () => {
    const good = catalogue[0];
    const bad = {
      runtimes: [
        { ...good, integrity: "sha512-short" },
        { ...good, releaseDate: "2023-02-30", extra: 1 },
        { ...good, python: 3 },
      ],
    };
    let error: unknown;
    try {
      loadRuntimeCatalogue(bad);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RuntimeCatalogueError);
    assert.ok(error instanceof SyntaxError);
    const paths = error.problems.map((p) => p.path);
    assert.ok(paths.includes("runtimes[0].integrity"));
    assert.ok(paths.includes("runtimes[1].releaseDate"));
    assert.ok(paths.includes("runtimes[1].extra"));
    assert.ok(paths.includes("runtimes[1].version"), "duplicate version");
    assert.ok(paths.includes("runtimes[2].python"));
    assert.throws(() => loadRuntimeCatalogue("{"), RuntimeCatalogueError);
    assert.throws(() => loadRuntimeCatalogue({ runtimes: {} }), RuntimeCatalogueError);
    assert.deepEqual(loadRuntimeCatalogue(JSON.stringify({ runtimes: [good] })), [good]);
  });
});
