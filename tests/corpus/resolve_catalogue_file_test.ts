import assert from "node:assert/strict";
import {
  cachePathOf,
  type CatalogueEntry,
  FileUnavailableError,
  HashMismatchError,
  resolveCatalogueFile,
} from "../../src/corpus/mod.ts";
import { entryOf, MIRROR, readCatalogue, sha256Of } from "./_mirror.ts";

const catalogue = await readCatalogue();
const ORJSON = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

/** A fetch that serves the mirror's copy of every catalogue URL and counts its calls. */
function mirrorFetch(entries: CatalogueEntry[], transform = (b: Uint8Array) => b) {
  const byUrl = new Map(entries.map((e) => [e.url, e]));
  const calls: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    const entry = byUrl.get(url);
    if (!entry) return new Response("missing", { status: 404, statusText: "Not Found" });
    const bytes = transform(await Deno.readFile(`${MIRROR}/${entry.path}`));
    return new Response(bytes.slice().buffer);
  }) as typeof fetch;
  return { fetchImpl, calls };
}

async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) names.push(item.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

Deno.test("resolveCatalogueFile()", async (t) => {
  const entry = entryOf(catalogue, ORJSON);
  const expected = await Deno.readFile(`${MIRROR}/${ORJSON}`);

  await t.step("reads from the mirror and verifies the hash", async () => {
    const cacheDir = await Deno.makeTempDir();
    const file = await resolveCatalogueFile(entry, {
      mirror: MIRROR,
      cacheDir,
      allowNetwork: false,
    });
    assert.equal(file.origin, "mirror");
    assert.equal(file.location, `${MIRROR}/${ORJSON}`);
    assert.equal(sha256Of(file.bytes), entry.sha256);
    assert.deepEqual(await listFiles(`${cacheDir}/files`), [], "mirror reads are not cached");
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step("a tampered mirror file is a HashMismatchError naming both hashes", async () => {
    const mirror = await Deno.makeTempDir();
    const cacheDir = await Deno.makeTempDir();
    const tampered = expected.slice();
    tampered[tampered.length >> 1] ^= 0x01;
    await Deno.mkdir(`${mirror}/pyodide-0.27.7`);
    await Deno.writeFile(`${mirror}/${ORJSON}`, tampered);
    const { fetchImpl, calls } = mirrorFetch(catalogue.files);
    const error = await catchError(
      resolveCatalogueFile(entry, { mirror, cacheDir, allowNetwork: true, fetchImpl }),
    );
    assert.ok(error instanceof HashMismatchError);
    assert.equal(error.file, ORJSON);
    assert.equal(error.expected, entry.sha256);
    assert.equal(error.actual, sha256Of(tampered));
    assert.notEqual(error.actual, error.expected);
    assert.equal(error.origin, "mirror");
    assert.ok(error.message.includes(entry.sha256) && error.message.includes(error.actual));
    assert.deepEqual(calls, [], "a tampered mirror is an error, not a reason to download");
    assert.deepEqual(await listFiles(`${cacheDir}/files`), [], "nothing unverified is cached");
    await Deno.remove(mirror, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step(
    "a missing file without network names the file and the ways to supply it",
    async () => {
      const mirror = await Deno.makeTempDir();
      const cacheDir = await Deno.makeTempDir();
      const error = await catchError(
        resolveCatalogueFile(entry, { mirror, cacheDir, allowNetwork: false }),
      );
      assert.ok(error instanceof FileUnavailableError);
      assert.equal(error.file, ORJSON);
      assert.deepEqual(error.attempts.map((a) => a.origin), ["mirror", "cache"]);
      for (
        const needle of ["--mirror", "CONFORM_MIRROR", cachePathOf(entry, cacheDir), "network"]
      ) {
        assert.ok(error.message.includes(needle), `message names ${needle}: ${error.message}`);
      }
      assert.ok(error.message.includes(ORJSON));
      await Deno.remove(mirror, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    },
  );

  await t.step("downloads, verifies, caches atomically, then hits the cache", async () => {
    const cacheDir = await Deno.makeTempDir();
    const { fetchImpl, calls } = mirrorFetch(catalogue.files);
    const first = await resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl });
    assert.equal(first.origin, "network");
    assert.equal(first.location, entry.url);
    assert.deepEqual(await listFiles(`${cacheDir}/files`), [entry.sha256], "no temp files left");
    const second = await resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl });
    assert.equal(second.origin, "cache");
    assert.equal(sha256Of(second.bytes), entry.sha256);
    assert.equal(calls.length, 1);
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step("a corrupt cache entry is detected and rebuilt", async () => {
    const cacheDir = await Deno.makeTempDir();
    const corrupt = expected.slice();
    corrupt[0] ^= 0xff;
    await Deno.mkdir(`${cacheDir}/files`);
    await Deno.writeFile(cachePathOf(entry, cacheDir), corrupt);

    // Offline, the corrupt entry is removed and reported, never returned.
    const error = await catchError(resolveCatalogueFile(entry, { cacheDir, allowNetwork: false }));
    assert.ok(error instanceof FileUnavailableError);
    assert.match(
      error.attempts[0].reason,
      new RegExp(`corrupt entry \\(sha256 ${sha256Of(corrupt)}\\)`),
    );
    assert.deepEqual(await listFiles(`${cacheDir}/files`), []);

    // With a source (here the mirror's bytes served at the entry's URL) it is rebuilt.
    await Deno.writeFile(cachePathOf(entry, cacheDir), corrupt);
    const { fetchImpl } = mirrorFetch(catalogue.files);
    const rebuilt = await resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl });
    assert.equal(rebuilt.origin, "network");
    assert.equal(sha256Of(await Deno.readFile(cachePathOf(entry, cacheDir))), entry.sha256);
    const again = await resolveCatalogueFile(entry, { cacheDir, allowNetwork: false });
    assert.equal(again.origin, "cache");
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step("a download with the wrong bytes is rejected and not cached", async () => {
    const cacheDir = await Deno.makeTempDir();
    const { fetchImpl } = mirrorFetch(catalogue.files, (b) => {
      const c = b.slice();
      c[c.length - 1] ^= 0x10;
      return c;
    });
    const error = await catchError(
      resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl }),
    );
    assert.ok(error instanceof HashMismatchError);
    assert.equal(error.origin, "network");
    assert.equal(error.location, entry.url);
    assert.deepEqual(await listFiles(`${cacheDir}/files`), []);
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step("a download larger than the catalogue size is cut off", async () => {
    const cacheDir = await Deno.makeTempDir();
    const { fetchImpl } = mirrorFetch(catalogue.files, (b) => {
      const c = new Uint8Array(b.length + 1);
      c.set(b);
      return c;
    });
    const error = await catchError(
      resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl }),
    );
    assert.ok(error instanceof FileUnavailableError);
    assert.match(error.attempts[1].reason, /larger than the catalogue size/);
    assert.deepEqual(await listFiles(`${cacheDir}/files`), []);
    await Deno.remove(cacheDir, { recursive: true });
  });

  await t.step("an HTTP error is reported as an attempt", async () => {
    const cacheDir = await Deno.makeTempDir();
    const { fetchImpl } = mirrorFetch([]);
    const error = await catchError(
      resolveCatalogueFile(entry, { cacheDir, allowNetwork: true, fetchImpl }),
    );
    assert.ok(error instanceof FileUnavailableError);
    assert.deepEqual(error.attempts[1], {
      origin: "network",
      location: entry.url,
      reason: "HTTP 404 Not Found",
    });
    await Deno.remove(cacheDir, { recursive: true });
  });
});
