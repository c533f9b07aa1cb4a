/**
 * Archives read on demand (`openArchiveFile`) give the readers exactly what the whole bytes give:
 * the same facts, module bytes, hashes and errors, with the same offsets. Also: what the link
 * input keeps of a module (no DWARF), a file that shrinks while it is read, and the catalogue
 * resolver's on-demand form.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ArchiveChangedError,
  HashMismatchError,
  openArchiveFile,
  openCatalogueFile,
  readFileBytes,
  writeFileAtomically,
} from "../../src/corpus/mod.ts";
import type { CatalogueEntry } from "../../src/corpus/types.ts";
import { readLinkInput } from "../../src/link/read_link_input.ts";
import { buildModule, OP } from "../../src/wasm/build_module.ts";
import {
  readWheelSync,
  readZipDirectory,
  sha256HexSync,
  ZipFormatError,
} from "../../src/wheel/mod.ts";
import { makeZip } from "../wheel/_make_zip.ts";

const VOID = { params: [], results: [] };
const WHEEL = "debug-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl";
const CORPUS = new URL("../../../shared/corpus/", import.meta.url).pathname;

/** A side module whose DWARF is most of its bytes. */
function debugModule(seed: number): Uint8Array {
  return buildModule({
    dylink: { memorySize: 0 },
    functions: [{ type: VOID, body: [OP.nop] }],
    exports: [{ name: `PyInit_m${seed}`, kind: "func", index: 0 }],
    customSections: [{ name: ".debug_info", payload: new Uint8Array(200_000).fill(seed) }],
  });
}

async function debugWheel(spec: Parameters<typeof makeZip>[1] = {}): Promise<Uint8Array> {
  const { bytes } = await makeZip([
    { name: "debug/a.cpython-312-wasm32-emscripten.so", data: debugModule(1), method: 0 },
    { name: "debug/b.cpython-312-wasm32-emscripten.so", data: debugModule(2) },
    {
      name: "debug-1.0.dist-info/WHEEL",
      data: "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-pyodide_2024_0_wasm32\n",
    },
    { name: "debug-1.0.dist-info/METADATA", data: "Metadata-Version: 2.1\nName: debug\n" },
  ], spec);
  return bytes;
}

async function withFile<T>(bytes: Uint8Array, name: string, fn: (path: string) => Promise<T>) {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, name);
    await Deno.writeFile(path, bytes);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every reader over one archive, whole and on demand. */
async function readBoth(path: string) {
  const whole = await Deno.readFile(path);
  const archive = await openArchiveFile(path, { readWholeBelow: 0 });
  try {
    assert.ok(!(archive.bytes instanceof Uint8Array), "read on demand");
    return {
      whole,
      archive,
      facts: [readWheelSync(whole, { file: path }), readWheelSync(archive.bytes, { file: path })],
      link: [
        await readLinkInput(whole, { file: path }),
        await readLinkInput(archive.bytes, { file: path }),
      ],
      sha: [sha256HexSync(whole), sha256HexSync(archive.bytes)],
    };
  } finally {
    archive.close();
  }
}

Deno.test("readFileBytes gives the file's bytes, empty files included", async () => {
  const bytes = await debugWheel();
  await withFile(bytes, "x.whl", async (path) => {
    assert.deepEqual(await readFileBytes(path), bytes);
  });
  await withFile(new Uint8Array(), "empty.whl", async (path) => {
    assert.equal((await readFileBytes(path)).length, 0);
  });
});

Deno.test("writeFileAtomically copies an archive read on demand byte for byte, range by range", async () => {
  // Over two write chunks (16 MiB), not a multiple of one: what the oracle stage stages.
  const bytes = new Uint8Array(33 * 1024 * 1024 + 12_345);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff;
  bytes[bytes.length - 1] = 0x5a;
  await withFile(bytes, "big.whl", async (path) => {
    const archive = await openArchiveFile(path, { readWholeBelow: 0 });
    const out = join(path, "..", "staged", "big.whl");
    try {
      assert.ok(!(archive.bytes instanceof Uint8Array), "read on demand");
      await writeFileAtomically(out, archive.bytes);
    } finally {
      archive.close();
    }
    const written = await Deno.readFile(out);
    assert.equal(written.length, bytes.length);
    assert.deepEqual(
      written.subarray(16 * 1024 * 1024 - 8, 16 * 1024 * 1024 + 8),
      bytes.subarray(16 * 1024 * 1024 - 8, 16 * 1024 * 1024 + 8),
    );
    assert.equal(sha256HexSync(written), sha256HexSync(bytes));
    // Nothing else is left beside it (the temporary file was renamed).
    const names = [];
    for await (const e of Deno.readDir(join(path, "..", "staged"))) names.push(e.name);
    assert.deepEqual(names, ["big.whl"]);
  });
});

Deno.test("writeFileAtomically with expectSha256 never renames other bytes into place", async () => {
  const bytes = await debugWheel();
  await withFile(bytes, WHEEL, async (path) => {
    const staged = join(path, "..", "staged", WHEEL);
    const archive = await openArchiveFile(path, { readWholeBelow: 0 });
    try {
      // The file changes after it was opened (and hashed): the copy must not be staged.
      const changed = bytes.slice();
      changed[changed.length - 1] ^= 0xff;
      await Deno.writeFile(path, changed);
      await assert.rejects(
        () => writeFileAtomically(staged, archive.bytes, { expectSha256: sha256HexSync(bytes) }),
        /sha256/,
      );
    } finally {
      archive.close();
    }
    const left = [];
    for await (const e of Deno.readDir(join(path, "..", "staged"))) left.push(e.name);
    assert.deepEqual(left, [], "neither the file nor its temporary copy");
    // The right bytes are staged, whole or read on demand.
    await writeFileAtomically(staged, bytes, { expectSha256: sha256HexSync(bytes) });
    assert.deepEqual(await Deno.readFile(staged), bytes);
  });
});

Deno.test("a generated wheel read on demand gives the facts and modules the whole bytes give", async () => {
  // Plain, and ZIP64 with comments up to the longest (its locator then lies just before the
  // window in which the end record is searched).
  for (
    const spec of [{}, { zip64: true, comment: "c".repeat(3000) }, {
      zip64: true,
      comment: "c".repeat(0xffff),
    }]
  ) {
    await withFile(await debugWheel(spec), WHEEL, async (path) => {
      const { facts, link, sha } = await readBoth(path);
      assert.deepEqual(facts[1], facts[0]);
      assert.equal(sha[1], sha[0]);
      assert.equal(facts[0].sha256, sha[0]);
      assert.deepEqual(link[1].wheel, link[0].wheel);
      assert.deepEqual(
        link[1].modules.map((m) => [m.member, [...m.bytes]]),
        link[0].modules.map((m) => [m.member, [...m.bytes]]),
      );
      assert.equal(link[0].modules.length, 2);
    });
  }
});

Deno.test("the link input keeps a module without its DWARF; the facts still list it", async () => {
  await withFile(await debugWheel(), WHEEL, async (path) => {
    const { link } = await readBoth(path);
    const [whole] = link;
    assert.equal(whole.modules.length, 2);
    for (const m of whole.modules) {
      assert.ok(m.bytes.length < 1000, `${m.member}: ${m.bytes.length} bytes kept`);
      const compiled = new WebAssembly.Module(m.bytes.slice());
      assert.equal(WebAssembly.Module.customSections(compiled, ".debug_info").length, 0);
      assert.equal(WebAssembly.Module.customSections(compiled, "dylink.0").length, 1);
      const side = whole.wheel.sideModules.find((s) => s.member === m.member)!;
      assert.ok(side.wasm.customSections.includes(".debug_info"));
      assert.ok(side.wasm.size > 200_000, "facts describe the whole member");
    }
  });
});

Deno.test("real corpus wheels read on demand give the same facts and modules", async () => {
  const files = [
    "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
    "pyodide-0.27.7/libheif-1.12.0.zip",
  ];
  for (const file of files) {
    const { facts, link } = await readBoth(join(CORPUS, file));
    assert.deepEqual(facts[1], facts[0], file);
    assert.ok(link[0].modules.length > 0, file);
    assert.deepEqual(
      link[1].modules.map((m) => sha256HexSync(m.bytes)),
      link[0].modules.map((m) => sha256HexSync(m.bytes)),
      file,
    );
  }
});

Deno.test("malformed archives read on demand fail with the same error and offset", async () => {
  const good = await debugWheel();
  const cases: [string, Uint8Array][] = [
    ["truncated", good.subarray(0, good.length - 30)],
    ["cut in the middle", good.subarray(0, good.length >> 1)],
    ["not a zip", new Uint8Array(5000).fill(7)],
    ["short", new Uint8Array([0x50, 0x4b, 3, 4])],
  ];
  for (const [label, bytes] of cases) {
    await withFile(bytes, WHEEL, async (path) => {
      const failure = (read: () => unknown) => {
        try {
          read();
        } catch (e) {
          return e;
        }
        return undefined;
      };
      const whole = failure(() => readWheelSync(bytes, { file: path }));
      const archive = await openArchiveFile(path, { readWholeBelow: 0 });
      try {
        const onDemand = failure(() => readWheelSync(archive.bytes, { file: path }));
        assert.ok(whole instanceof ZipFormatError, `${label}: ${whole}`);
        assert.ok(onDemand instanceof ZipFormatError, `${label}: ${onDemand}`);
        assert.equal(onDemand.message, whole.message, label);
        assert.equal(onDemand.offset, whole.offset, label);
      } finally {
        archive.close();
      }
    });
  }
});

Deno.test("a file that shrinks while it is read on demand is an ArchiveChangedError", async () => {
  const bytes = await debugWheel();
  await withFile(bytes, WHEEL, async (path) => {
    const archive = await openArchiveFile(path, { readWholeBelow: 0 });
    try {
      const directory = readZipDirectory(archive.bytes, { file: path });
      await Deno.truncate(path, 100);
      const last = directory.entries.at(-1)!;
      assert.throws(
        () => archive.bytes.subarray(last.localOffset, last.localOffset + 30),
        (e: unknown) => e instanceof ArchiveChangedError && e.path === path && e.offset >= 100,
      );
      // Hashing reads through one reused buffer (readInto): the same error, not a short hash.
      assert.throws(
        () => sha256HexSync(archive.bytes),
        (e: unknown) => e instanceof ArchiveChangedError && e.offset >= 100,
      );
    } finally {
      archive.close();
    }
    assert.throws(() => archive.bytes.subarray(0, 4), ArchiveChangedError, "closed");
  });
});

Deno.test("openCatalogueFile verifies the hash, on demand or whole, like resolveCatalogueFile", async () => {
  const bytes = await debugWheel();
  const dir = await Deno.makeTempDir();
  try {
    const mirror = join(dir, "mirror");
    await Deno.mkdir(join(mirror, "d"), { recursive: true });
    await Deno.writeFile(join(mirror, "d", WHEEL), bytes);
    const entry = {
      path: `d/${WHEEL}`,
      sha256: sha256HexSync(bytes),
      size: bytes.length,
      url: "https://example.invalid/x.whl",
    } as CatalogueEntry;
    const options = { mirror, cacheDir: join(dir, "cache"), allowNetwork: false };
    for (const readWholeBelow of [0, Infinity]) {
      const opened = await openCatalogueFile(entry, { ...options, readWholeBelow });
      try {
        assert.equal(opened.origin, "mirror");
        assert.equal(opened.bytes instanceof Uint8Array, readWholeBelow === Infinity);
        assert.equal(sha256HexSync(opened.bytes), entry.sha256);
      } finally {
        opened.close();
      }
      await assert.rejects(
        openCatalogueFile({ ...entry, sha256: "0".repeat(64) }, { ...options, readWholeBelow }),
        HashMismatchError,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
