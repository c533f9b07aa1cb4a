import assert from "node:assert/strict";
import { CatalogueFormatError, loadCatalogue } from "../../src/corpus/mod.ts";
import { makeCatalogue } from "../../scripts/make_catalogue.ts";
import { CATALOGUE_PATH, MIRROR, readCatalogue, REPO_ROOT, sha256Of } from "./_mirror.ts";

interface ManifestEntry {
  file: string;
  sha256: string;
  size: number;
  kind: string;
  distribution: string;
  source: { repo: string; commit: string; path: string };
  so_files?: string[] | null;
  lock_info?: { platform?: string; abi_version?: string; python?: string };
}

const manifestText = await Deno.readTextFile(`${MIRROR}/manifest.json`);
const manifest = JSON.parse(manifestText) as ManifestEntry[];

Deno.test("corpus/wheels.json lists every manifest file with its hash, size and source", async (t) => {
  const catalogue = await readCatalogue();

  await t.step("one entry per manifest file, nothing else", () => {
    assert.deepEqual(
      catalogue.files.map((e) => e.path).sort(),
      manifest.map((m) => m.file).sort(),
    );
  });

  await t.step("sha256, size, kind, distribution, so files and source agree", () => {
    const byPath = new Map(catalogue.files.map((e) => [e.path, e]));
    for (const m of manifest) {
      const e = byPath.get(m.file)!;
      assert.equal(e.sha256, m.sha256, m.file);
      assert.equal(e.size, m.size, m.file);
      assert.equal(e.kind, m.kind, m.file);
      assert.equal(e.distribution, m.distribution, m.file);
      assert.deepEqual(e.soFiles, m.so_files ?? [], m.file);
      assert.deepEqual(e.source, m.source, m.file);
    }
  });

  await t.step("every URL is the raw file of the source repo at its commit", () => {
    for (const e of catalogue.files) {
      const url = new URL(e.url);
      assert.equal(url.protocol, "https:");
      const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
      const source = e.source;
      assert.ok(source, `${e.path}: the shipped catalogue names every file's repository`);
      assert.deepEqual(parts.slice(0, 3), [...source.repo.split("/"), source.commit], e.path);
      assert.equal(parts.slice(3).join("/"), source.path, e.path);
    }
  });

  await t.step("every mirror file hashes to its catalogue sha256 and size", async () => {
    for (const e of catalogue.files) {
      const bytes = await Deno.readFile(`${MIRROR}/${e.path}`);
      assert.equal(bytes.length, e.size, e.path);
      assert.equal(sha256Of(bytes), e.sha256, e.path);
    }
  });

  await t.step("records the manifest it was generated from", () => {
    assert.equal(catalogue.manifestSha256, sha256Of(new TextEncoder().encode(manifestText)));
  });
});

Deno.test("corpus/wheels.json is what scripts/make_catalogue.ts generates today", async () => {
  const runtimesText = await Deno.readTextFile(`${REPO_ROOT}/corpus/runtimes.json`);
  const generated = makeCatalogue(manifestText, runtimesText);
  const committed = JSON.parse(await Deno.readTextFile(CATALOGUE_PATH));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(generated)));
});

Deno.test("built-for runtimes share the platform facts of the distribution's own lock", async (t) => {
  const catalogue = await readCatalogue();
  const runtimesJson = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/corpus/runtimes.json`));
  const runtimes: { version: string; python: string; emscripten: string; abiVersion?: string }[] =
    Array.isArray(runtimesJson) ? runtimesJson : runtimesJson.runtimes;
  const norm = (v: string) => v.replace(/^emscripten_/, "").replaceAll("_", ".");
  const minor = (v: string) => v.split(".").slice(0, 2).join(".");

  for (const d of catalogue.distributions.filter((d) => d.lockPath !== null)) {
    await t.step(d.distribution, async () => {
      // Read the lock from the mirror itself rather than trusting the manifest's copy of it.
      const lock = JSON.parse(await Deno.readTextFile(`${MIRROR}/${d.lockPath}`));
      const info = lock.info as { platform: string; abi_version?: string; python: string };
      const same = runtimes.filter((r) =>
        norm(r.emscripten) === norm(info.platform) &&
        (r.abiVersion ?? null) === (info.abi_version ?? null) &&
        minor(r.python) === minor(info.python)
      ).map((r) => r.version);
      assert.deepEqual(d.builtFor.equivalentRuntimes.sort(), same.sort());
      if (same.length === 0) assert.equal(d.builtFor.runtime, null);
      else assert.ok(same.includes(d.builtFor.runtime!), `${d.builtFor.runtime} in ${same}`);
      for (const e of catalogue.files.filter((e) => e.distribution === d.distribution)) {
        assert.equal(e.builtForRuntime, d.builtFor.runtime, e.path);
        assert.equal(e.emscriptenVersion, norm(info.platform), e.path);
      }
    });
  }

  await t.step("the cases the issue names", () => {
    const of = (name: string) => catalogue.distributions.find((d) => d.distribution === name)!;
    assert.equal(of("pyodide-0.28.0").builtFor.runtime, "0.28.3");
    assert.equal(of("pyodide-0.28.0").builtFor.customBuild, false);
    assert.equal(of("pyodide-314.0.4-climet").builtFor.runtime, "314.0.7");
    assert.equal(of("pyodide-314.0.4-climet").builtFor.customBuild, true);
    // 0.21.3 and 0.22.1 are both CPython 3.10 but different Emscripten: never the same runtime.
    assert.notEqual(of("pyodide-0.21.3").builtFor.runtime, of("pyodide-0.22.1").builtFor.runtime);
  });

  await t.step("lock-less wheels are matched by their filename tag and say so", () => {
    const standalone = catalogue.files.filter((e) => e.distribution === "standalone");
    assert.ok(standalone.length > 0);
    for (const e of standalone) {
      assert.equal(e.builtFor.basis, "filename-tag", e.path);
      assert.equal(e.builtFor.customBuild, true, e.path);
      const abi = e.platformTag!.match(/_(\d{4}_\d+)_wasm32$/)![1];
      for (const v of e.builtFor.equivalentRuntimes) {
        assert.equal(runtimes.find((r) => r.version === v)!.abiVersion, abi, e.path);
      }
    }
  });
});

Deno.test("loadCatalogue() reports every problem with its key path", async (t) => {
  const good = JSON.parse(await Deno.readTextFile(CATALOGUE_PATH));

  const cases: {
    name: string;
    mutate: (c: { version: unknown; files: Record<string, unknown>[] }) => void;
    paths: string[];
  }[] = [
    {
      name: "bad sha256 and a path escaping the mirror, both reported",
      mutate: (c) => {
        c.files[0].sha256 = "xyz";
        c.files[1].path = "../outside.whl";
      },
      paths: ["files[0].sha256", "files[1].path"],
    },
    {
      name: "duplicate path",
      mutate: (c) => {
        c.files[2].path = c.files[1].path;
      },
      paths: ["files[2].path"],
    },
    {
      name: "unknown kind and a non-https URL",
      mutate: (c) => {
        c.files[0].kind = "tarball";
        c.files[0].url = "file:///etc/passwd";
      },
      paths: ["files[0].kind", "files[0].url"],
    },
    {
      name: "builtForRuntime disagrees with builtFor.runtime",
      mutate: (c) => {
        c.files[0].builtForRuntime = "9.9.9";
      },
      paths: ["files[0].builtForRuntime"],
    },
    {
      name: "wrong version",
      mutate: (c) => {
        c.version = 2;
      },
      paths: ["version"],
    },
  ];
  for (const { name, mutate, paths } of cases) {
    await t.step(name, () => {
      const copy = structuredClone(good);
      mutate(copy);
      let caught: unknown;
      try {
        loadCatalogue(JSON.stringify(copy), { file: "w.json" });
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof CatalogueFormatError, `threw ${caught}`);
      assert.equal(caught.file, "w.json");
      assert.deepEqual(caught.problems.map((p) => p.path), paths);
      assert.match(caught.message, /^Invalid catalogue "w\.json": /);
    });
  }

  await t.step("text that is not JSON", () => {
    assert.throws(() => loadCatalogue("{", { file: "w.json" }), CatalogueFormatError);
  });

  await t.step("the committed catalogue loads", () => {
    assert.equal(loadCatalogue(good).files.length, manifest.length);
  });
});
