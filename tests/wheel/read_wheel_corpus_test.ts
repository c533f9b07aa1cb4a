import assert from "node:assert/strict";
import JSZip from "jszip";
import { formatFuncType } from "../../src/wasm/mod.ts";
import { readWheel } from "../../src/wheel/mod.ts";
import type { WheelFacts } from "../../src/wheel/mod.ts";
import { corpusUrl, type ManifestEntry, readCorpusFile, readManifest } from "./_corpus.ts";

interface LockPackage {
  file_name: string;
  package_type?: string;
  install_dir?: string;
}

/** Lock packages of one distribution folder, by file name. */
async function readLock(distribution: string): Promise<Map<string, LockPackage>> {
  for (const name of ["pyodide-lock.json", "repodata.json"]) {
    try {
      const lock = JSON.parse(
        await Deno.readTextFile(new URL(`${distribution}/${name}`, corpusUrl())),
      );
      return new Map(
        Object.values(lock.packages as Record<string, LockPackage>).map((p) => [p.file_name, p]),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return new Map();
}

/**
 * The kind a `.zip` really is. The manifest copies the lock: `package_type` when the lock has one;
 * the 0.21/0.22 locks only say `shared_library: true` (for `ssl`/`lzma` too), and there the
 * install directory tells Python modules (`lib`, `stdlib`) from libraries (`dynlib`).
 */
function expectedKind(entry: ManifestEntry, lock: Map<string, LockPackage>): string {
  const pkg = lock.get(entry.file.split("/").pop()!);
  if (entry.kind === "wheel" || pkg === undefined || pkg.package_type !== undefined) {
    return entry.kind;
  }
  return pkg.install_dir === "dynlib" ? "shared-library" : "cpython-module";
}

const facts = new Map<string, WheelFacts>();

async function factsOf(file: string): Promise<WheelFacts> {
  let f = facts.get(file);
  if (f === undefined) {
    f = await readWheel(await readCorpusFile(file), { file });
    facts.set(file, f);
  }
  return f;
}

Deno.test("readWheel() reads every corpus archive as the manifest describes it", async (t) => {
  const manifest = (await readManifest()).filter((e) => e.kind !== "lockfile");
  assert.equal(manifest.length, 244);
  const locks = new Map<string, Map<string, LockPackage>>();
  for (const entry of manifest) {
    await t.step(entry.file, async () => {
      if (!locks.has(entry.distribution)) {
        locks.set(entry.distribution, await readLock(entry.distribution));
      }
      const f = await factsOf(entry.file);
      assert.equal(f.sha256, entry.sha256);
      assert.equal(f.size, entry.size);
      assert.equal(f.kind, expectedKind(entry, locks.get(entry.distribution)!));
      assert.deepEqual(f.sideModules.map((m) => m.member).sort(), [...entry.so_files ?? []].sort());
      assert.equal(f.sideModules.length > 0, entry.binary);
      // Every RECORD hash of a side module matches: these are published, unmodified builds.
      assert.deepEqual(f.findings.filter((x) => x.code === "record-mismatch"), []);
      for (const side of f.sideModules) {
        assert.equal(side.size, side.wasm.size);
        const suffix = side.member.match(/\.cpython-(\d+)-/)?.[1];
        assert.equal(side.cpythonSuffix, suffix);
      }
    });
  }
});

Deno.test("readWheel() lists the same members as jszip for every corpus archive", async (t) => {
  const manifest = (await readManifest()).filter((e) => e.kind !== "lockfile");
  for (const entry of manifest) {
    await t.step(entry.file, async () => {
      const bytes = await readCorpusFile(entry.file);
      const zip = await JSZip.loadAsync(bytes);
      const files = Object.values(zip.files).filter((f) => !f.dir);
      const f = await factsOf(entry.file);
      assert.equal(f.memberCount, files.length);
      // Side modules are members jszip lists as files too (their bytes are checked by CRC-32 when
      // read, and against RECORD above).
      const names = new Set(files.map((x) => x.name));
      for (const side of f.sideModules) assert.ok(names.has(side.member), side.member);
      // WHEEL tags agree with jszip's reading of the same file.
      const wheelFile = files.find((x) => /^[^/]+\.dist-info\/WHEEL$/.test(x.name));
      if (wheelFile !== undefined) {
        const text = await wheelFile.async("string");
        const tags = [...text.matchAll(/^Tag: *(.+?)\s*$/gm)].map((m) => m[1]);
        assert.deepEqual(f.wheel?.tags, tags);
      }
    });
  }
});

Deno.test("readWheel() facts stated in the issue and the corpus README", async (t) => {
  await t.step(
    "0.27.7 orjson imports env._PyLong_AsByteArray: (i32, i32, i32, i32, i32) -> i32",
    async () => {
      const f = await factsOf("pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl");
      const imports = f.sideModules.flatMap((m) => m.wasm.imports);
      const imp = imports.find((i) => i.module === "env" && i.name === "_PyLong_AsByteArray");
      assert.ok(imp?.func);
      assert.equal(formatFuncType(imp.func), "(i32, i32, i32, i32, i32) -> i32");
    },
  );

  await t.step("0.23.4 MarkupSafe imports env._PyUnicode_Ready", async () => {
    const manifest = await readManifest();
    const file = manifest.find((e) => /^pyodide-0\.23\.4\/MarkupSafe-.*\.whl$/i.test(e.file))!.file;
    const f = await factsOf(file);
    const imports = f.sideModules.flatMap((m) => m.wasm.imports);
    assert.ok(imports.some((i) => i.module === "env" && i.name === "_PyUnicode_Ready"));
  });

  await t.step("lightgbm and cfunits are tagged pure but hold .so files", async () => {
    for (
      const file of [
        "pyodide-0.22.1/lightgbm-3.3.3-py3-none-any.whl",
        "pyodide-314.0.4-climet/cfunits-3.3.7-py3-none-any.whl",
      ]
    ) {
      assert.deepEqual((await factsOf(file)).findings.map((x) => x.code), ["pure-tag-with-so"]);
    }
  });

  await t.step(
    "libngspice has no .dist-info; WHEEL and METADATA are read from the root",
    async () => {
      const f = await factsOf("standalone/libngspice-44.2-cp312-cp312-pyodide_2024_0_wasm32.whl");
      assert.ok(f.findings.some((x) => x.code === "no-dist-info"));
      assert.deepEqual(f.wheel?.tags, ["cp312-cp312-pyodide_2024_0_wasm32"]);
      assert.equal(f.metadata?.name, "libngspice");
      assert.deepEqual(f.topLevel, ["libngspice"]);
    },
  );

  await t.step("the standalone wheels' WHEEL tags match their filenames", async () => {
    const manifest = await readManifest();
    for (const entry of manifest.filter((e) => e.file.startsWith("standalone/"))) {
      const f = await factsOf(entry.file);
      assert.ok(!f.findings.some((x) => x.code === "filename-wheel-tag-mismatch"), entry.file);
    }
  });

  await t.step("highspy's extension has no cpython suffix", async () => {
    const f = await factsOf("standalone/highspy-1.9.0-cp312-cp312-pyodide_2024_0_wasm32.whl");
    const core = f.sideModules.find((m) => m.member === "highspy/_core.so");
    assert.ok(core);
    assert.equal(core.cpythonSuffix, undefined);
  });
});
