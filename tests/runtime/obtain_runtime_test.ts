import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  computeIntegrity,
  IntegrityMismatchError,
  obtainRuntime,
  obtainRuntimeFacts,
  readRuntimeDir,
  RUNTIME_MARKER,
  type RuntimeEntry,
  RuntimeFormatError,
  RuntimeMismatchError,
  RuntimeUnavailableError,
} from "../../src/runtime/mod.ts";
import { catalogue, obtainForTest, REPO, TEST_CACHE } from "./_runtimes.ts";
import { gzip, makeTar, writeFakeNpm } from "./_tar_fixture.ts";

/** The smallest catalogued tarball: used where a real `npm pack` is needed. */
const SMALL = "0.24.1";
const SCRATCH = fileURLToPath(new URL(".cache/", REPO));

async function scratchDir(prefix: string): Promise<string> {
  await Deno.mkdir(SCRATCH, { recursive: true });
  return await Deno.makeTempDir({ dir: SCRATCH, prefix: `test-${prefix}-` });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

function listDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

Deno.test("obtainRuntime through npm", async (t) => {
  const cacheDir = await scratchDir("obtain");
  const entry = catalogue.find((e) => e.version === SMALL)!;
  const target = join(cacheDir, "runtimes", SMALL);
  try {
    await t.step("two concurrent cold calls both succeed on one directory", async () => {
      const [a, b] = await Promise.all([
        obtainRuntime(SMALL, { cacheDir, catalogue }),
        obtainRuntime(SMALL, { cacheDir, catalogue }),
      ]);
      assert.equal(a.dir, target);
      assert.deepEqual(b, a);
      assert.equal(a.entry, entry);
      for (const p of [a.wasmPath, a.gluePath, a.lockPath]) assert.ok(Deno.statSync(p).isFile, p);
      // The whole package is there, not only the three files (the oracle needs the stdlib).
      assert.ok(Deno.statSync(join(target, "python_stdlib.zip")).isFile);
      assert.ok(Deno.statSync(join(target, "package.json")).isFile);
      const marker = JSON.parse(Deno.readTextFileSync(join(target, RUNTIME_MARKER)));
      assert.equal(marker.integrity, entry.integrity);
      assert.deepEqual(listDir(join(cacheDir, "runtimes")), [SMALL], "no temporary leftovers");
    });

    await t.step("a warm call reuses the cache without npm", async () => {
      const messages: string[] = [];
      const files = await obtainRuntime(SMALL, {
        cacheDir,
        catalogue,
        npmCommand: "/nonexistent/npm-must-not-run",
        onProgress: (m) => messages.push(m),
      });
      assert.equal(files.dir, target);
      assert.ok(messages.some((m) => m.includes("cached")));
    });

    await t.step(
      "a flipped byte in a cached file is found and the copy obtained again",
      async () => {
        const wasm = join(target, "pyodide.asm.wasm");
        const good = Deno.readFileSync(wasm);
        const bad = good.slice();
        bad[bad.length >> 1] ^= 0xff;
        Deno.writeFileSync(wasm, bad);
        const messages: string[] = [];
        await obtainRuntime(SMALL, { cacheDir, catalogue, onProgress: (m) => messages.push(m) });
        assert.ok(
          messages.some((m) => m.includes("changed since extraction")),
          messages.join("\n"),
        );
        assert.deepEqual(Deno.readFileSync(wasm), good);
        // A file replaced wholesale (a report written over it) is found the same way.
        Deno.writeTextFileSync(wasm, "{}\n");
        const again: string[] = [];
        await obtainRuntime(SMALL, { cacheDir, catalogue, onProgress: (m) => again.push(m) });
        assert.ok(again.some((m) => m.includes("changed since extraction")));
        assert.deepEqual(Deno.readFileSync(wasm), good);
      },
    );

    await t.step("a marker with another integrity makes it obtain again", async () => {
      const markerPath = join(target, RUNTIME_MARKER);
      const marker = JSON.parse(Deno.readTextFileSync(markerPath));
      Deno.writeTextFileSync(markerPath, JSON.stringify({ ...marker, integrity: "sha512-old" }));
      Deno.writeTextFileSync(join(target, "stale-file"), "from the old copy");
      const messages: string[] = [];
      await obtainRuntime(SMALL, { cacheDir, catalogue, onProgress: (m) => messages.push(m) });
      assert.ok(messages.some((m) => m.startsWith("npm pack")));
      assert.equal(JSON.parse(Deno.readTextFileSync(markerPath)).integrity, entry.integrity);
      assert.ok(!listDir(target).includes("stale-file"));
      assert.deepEqual(listDir(join(cacheDir, "runtimes")), [SMALL]);
    });

    await t.step(
      "a tampered pinned integrity is an error naming both; nothing cached",
      async () => {
        const freshCache = join(cacheDir, "tampered");
        const tampered = "sha512-" + "B".repeat(86) + "==";
        const copy: RuntimeEntry[] = catalogue.map((e) =>
          e.version === SMALL ? { ...e, integrity: tampered } : e
        );
        const error = await rejection(
          obtainRuntime(SMALL, { cacheDir: freshCache, catalogue: copy }),
        );
        assert.ok(error instanceof IntegrityMismatchError);
        assert.equal(error.expected, tampered);
        assert.equal(
          error.actual,
          entry.integrity,
          "the real tarball hashes to the catalogue's pin",
        );
        assert.ok(error.message.includes(tampered) && error.message.includes(entry.integrity));
        assert.deepEqual(listDir(join(freshCache, "runtimes")), []);
      },
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("obtainRuntime failures", async (t) => {
  const cacheDir = await scratchDir("fail");
  try {
    await t.step("a version outside the catalogue says how to supply it", async () => {
      const error = await rejection(obtainRuntime("0.20.0", { cacheDir, catalogue }));
      assert.ok(error instanceof RuntimeUnavailableError);
      assert.equal(error.version, "0.20.0");
      assert.match(error.message, /--runtime-dir/);
    });

    await t.step("no npm: RuntimeUnavailableError naming the version and both ways", async () => {
      const error = await rejection(
        obtainRuntime(SMALL, { cacheDir, catalogue, npmCommand: "/nonexistent/npm" }),
      );
      assert.ok(error instanceof RuntimeUnavailableError);
      assert.equal(error.version, SMALL);
      assert.match(error.message, /--runtime-dir/);
      assert.match(error.message, /network/);
      assert.deepEqual(listDir(join(cacheDir, "runtimes")), []);
    });

    await t.step(
      "a tarball entry escaping the root is refused before anything is written",
      async () => {
        const tgz = await gzip(makeTar([
          { name: "package/pyodide.asm.wasm", data: "\0asm" },
          { name: "package/../../escaped.txt", data: "pwned" },
        ]));
        const tgzPath = join(cacheDir, "evil.tgz");
        await Deno.writeFile(tgzPath, tgz);
        const npm = await writeFakeNpm(cacheDir, tgzPath);
        const entry: RuntimeEntry = {
          ...catalogue[0],
          version: "9.9.9",
          integrity: await computeIntegrity(tgz),
        };
        const error = await rejection(
          obtainRuntime("9.9.9", { cacheDir, catalogue: [entry], npmCommand: npm }),
        );
        assert.ok(error instanceof RuntimeFormatError);
        assert.equal(error.member, "package/../../escaped.txt");
        assert.deepEqual(listDir(join(cacheDir, "runtimes")), []);
        assert.ok(!listDir(cacheDir).includes("escaped.txt"));
        assert.ok(!listDir(SCRATCH).includes("escaped.txt"));
      },
    );

    await t.step(
      "a package without a runtime is unavailable; links are never created",
      async () => {
        const tgz = await gzip(makeTar([
          { name: "package/README.md", data: "no wasm here" },
          { name: "package/link", type: "2", linkname: "/etc/passwd" },
        ]));
        const tgzPath = join(cacheDir, "empty.tgz");
        await Deno.writeFile(tgzPath, tgz);
        const npm = await writeFakeNpm(cacheDir, tgzPath);
        const entry: RuntimeEntry = {
          ...catalogue[0],
          version: "9.9.8",
          integrity: await computeIntegrity(tgz),
        };
        const error = await rejection(
          obtainRuntime("9.9.8", { cacheDir, catalogue: [entry], npmCommand: npm }),
        );
        assert.ok(error instanceof RuntimeUnavailableError);
        assert.match(error.reason, /pyodide\.asm\.wasm/);
        assert.deepEqual(listDir(join(cacheDir, "runtimes")), []);
      },
    );

    await t.step("a fake npm package with all three files is extracted whole", async () => {
      const tgz = await gzip(makeTar([
        { name: "package/pyodide.asm.wasm", data: "\0asm\x01\0\0\0" },
        { name: "package/pyodide.asm.js", data: "var wasmImports={};" },
        { name: "package/repodata.json", data: '{"info":{}}' },
        { name: "package/sub/dir/file.txt", data: "nested" },
        { name: "package/link", type: "2", linkname: "/etc/passwd" },
      ]));
      const tgzPath = join(cacheDir, "ok.tgz");
      await Deno.writeFile(tgzPath, tgz);
      const npm = await writeFakeNpm(cacheDir, tgzPath);
      const entry: RuntimeEntry = {
        ...catalogue[0],
        version: "9.9.7",
        integrity: await computeIntegrity(tgz),
      };
      delete entry.glueFile;
      delete entry.lockFile;
      const files = await obtainRuntime("9.9.7", { cacheDir, catalogue: [entry], npmCommand: npm });
      assert.equal(Deno.readTextFileSync(join(files.dir, "sub/dir/file.txt")), "nested");
      assert.ok(
        files.gluePath.endsWith("pyodide.asm.js") && files.lockPath.endsWith("repodata.json"),
      );
      assert.ok(!listDir(files.dir).includes("link"));
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("readRuntimeDir: a local distribution directory", async (t) => {
  const dir = await scratchDir("local");
  const npmCopy = await obtainForTest("0.28.3");
  const names = ["pyodide.asm.wasm", "pyodide.asm.js", "pyodide-lock.json"];
  try {
    for (const n of names) await Deno.copyFile(join(npmCopy.dir, n), join(dir, n));

    await t.step(
      "without package.json the version is the lock's (0.28.3 says 0.28.0.dev0)",
      async () => {
        const files = await readRuntimeDir(dir, { catalogue });
        assert.equal(files.version, "0.28.0.dev0");
        assert.equal(files.entry, undefined, "not catalogued");
        assert.equal(files.dir, dir);
      },
    );

    await t.step("package.json wins and attaches the catalogue entry", async () => {
      await Deno.copyFile(join(npmCopy.dir, "package.json"), join(dir, "package.json"));
      const files = await readRuntimeDir(dir, { catalogue });
      assert.equal(files.version, "0.28.3");
      assert.equal(files.entry?.version, "0.28.3");
    });

    await t.step("its facts equal those of the npm copy", async () => {
      const cacheDir = join(dir, "cache");
      const local = await obtainRuntimeFacts("0.28.3", { cacheDir, catalogue, runtimeDir: dir });
      const viaNpm = await obtainRuntimeFacts("0.28.3", { cacheDir: TEST_CACHE, catalogue });
      assert.equal(local.mainSha256, viaNpm.mainSha256);
      assert.deepEqual(local, viaNpm);
      const mismatch = await rejection(
        obtainRuntimeFacts("0.29.5", { cacheDir, catalogue, runtimeDir: dir }),
      );
      assert.ok(mismatch instanceof RuntimeUnavailableError);
    });

    await t.step("a directory missing the main module names what is missing", async () => {
      await Deno.remove(join(dir, "pyodide.asm.wasm"));
      const error = await rejection(readRuntimeDir(dir));
      assert.ok(error instanceof RuntimeUnavailableError);
      assert.match(error.reason, /pyodide\.asm\.wasm/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a runtime directory mixing two builds is refused, each side named", async (t) => {
  const dir = await scratchDir("mixed");
  const a = await obtainForTest("0.27.7");
  const b = await obtainForTest("0.28.3");
  try {
    await Deno.copyFile(join(a.dir, "package.json"), join(dir, "package.json"));
    await Deno.copyFile(join(a.dir, "pyodide.asm.wasm"), join(dir, "pyodide.asm.wasm"));
    await Deno.copyFile(join(a.dir, "pyodide.asm.js"), join(dir, "pyodide.asm.js"));
    await t.step(
      "0.27.7's main module and glue with 0.28.3's lock: Python 3.13.2 is not in it",
      async () => {
        await Deno.copyFile(join(b.dir, "pyodide-lock.json"), join(dir, "pyodide-lock.json"));
        const error = await rejection(
          obtainRuntimeFacts("0.27.7", { cacheDir: dir, catalogue, runtimeDir: dir }),
        );
        assert.ok(error instanceof RuntimeMismatchError, String(error));
        assert.match(error.message, /lock says Python 3\.13\.2, but the main module/);
      },
    );
    await t.step("0.21.3's glue with 0.27.7's main module: functions the glue lacks", async () => {
      await Deno.copyFile(join(a.dir, "pyodide-lock.json"), join(dir, "pyodide-lock.json"));
      const old = await obtainForTest("0.21.3");
      await Deno.copyFile(join(old.dir, "pyodide.asm.js"), join(dir, "pyodide.asm.js"));
      const error = await rejection(
        obtainRuntimeFacts("0.27.7", { cacheDir: dir, catalogue, runtimeDir: dir }),
      );
      assert.ok(error instanceof RuntimeMismatchError, String(error));
      assert.match(error.message, /the glue does not provide \d+ function/);
    });
    await t.step("the real 0.27.7 files together pass", async () => {
      await Deno.copyFile(join(a.dir, "pyodide.asm.js"), join(dir, "pyodide.asm.js"));
      const facts = await obtainRuntimeFacts("0.27.7", {
        cacheDir: dir,
        catalogue,
        runtimeDir: dir,
      });
      assert.equal(facts.python, "3.12.7");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
