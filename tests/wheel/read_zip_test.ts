import assert from "node:assert/strict";
import {
  createInflateBudget,
  inflateMember,
  MAX_MEMBER_BYTES,
  readMemberPrefix,
  readZipDirectory,
  ZipFormatError,
} from "../../src/wheel/mod.ts";
import type { ZipEntry } from "../../src/wheel/mod.ts";
import { catchError } from "./_assert.ts";
import { crc32, deflateRaw, makeZip, type MemberSpec, type ZipSpec } from "./_make_zip.ts";

const FILE = "t.zip";
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const hex8 = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** Asserts class, exact message (reason + locator), offset, file and member of a zip error. */
function assertZipError(
  fn: () => unknown,
  reason: string,
  offset: number,
  member?: string,
): ZipFormatError {
  const error = catchError(fn, ZipFormatError);
  assert.ok(error instanceof SyntaxError);
  assert.equal(error.reason, reason);
  assert.equal(error.offset, offset);
  assert.equal(error.file, FILE);
  assert.equal(error.member, member);
  const where = member === undefined ? `in "${FILE}"` : `in ${JSON.stringify(member)} of "${FILE}"`;
  assert.equal(error.message, `${reason} (at offset 0x${offset.toString(16)} ${where})`);
  return error;
}

function entryOf(bytes: Uint8Array, name: string): ZipEntry {
  const entry = readZipDirectory(bytes, { file: FILE }).entries.find((e) => e.name === name);
  assert.ok(entry, `no entry ${name}`);
  return entry;
}

/** Deterministic incompressible bytes. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function zip(members: MemberSpec[], spec?: ZipSpec) {
  return await makeZip(members, spec);
}

Deno.test("readZipDirectory() and inflateMember() read what the writer wrote", async (t) => {
  await t.step("stored and deflated members, absolute offsets", async () => {
    const layout = await zip([
      { name: "a/", data: "", method: 0 },
      { name: "a/stored.txt", data: "stored text", method: 0 },
      { name: "a/deflated.txt", data: "deflated ".repeat(100) },
      { name: "empty.txt", data: "" },
    ]);
    const directory = readZipDirectory(layout.bytes, { file: FILE });
    assert.equal(directory.centralDirectoryOffset, layout.centralDirectoryOffset);
    assert.equal(directory.centralDirectorySize, layout.centralDirectorySize);
    assert.equal(directory.endRecordOffset, layout.endRecordOffset);
    assert.equal(directory.zip64, false);
    assert.deepEqual(
      directory.entries.map((
        e,
      ) => [e.name, e.isDirectory, e.centralOffset, e.localOffset, e.method]),
      [
        ["a/", true, layout.centralOffsets[0], layout.localOffsets[0], 0],
        ["a/stored.txt", false, layout.centralOffsets[1], layout.localOffsets[1], 0],
        ["a/deflated.txt", false, layout.centralOffsets[2], layout.localOffsets[2], 8],
        ["empty.txt", false, layout.centralOffsets[3], layout.localOffsets[3], 8],
      ],
    );
    const [, stored, deflated, empty] = directory.entries;
    assert.equal(text(inflateMember(layout.bytes, stored!, { file: FILE })), "stored text");
    assert.equal(
      text(inflateMember(layout.bytes, deflated!, { file: FILE })),
      "deflated ".repeat(100),
    );
    assert.equal(inflateMember(layout.bytes, empty!, { file: FILE }).length, 0);
    assert.equal(deflated!.crc32, crc32(new TextEncoder().encode("deflated ".repeat(100))));
  });

  await t.step("ZIP64 end records and extra fields", async () => {
    const layout = await zip([{ name: "x.so", data: noise(5000) }, { name: "y", data: "y" }], {
      zip64: true,
    });
    const directory = readZipDirectory(layout.bytes, { file: FILE });
    assert.equal(directory.zip64, true);
    assert.equal(directory.endRecordOffset, layout.zip64EndRecordOffset);
    assert.deepEqual(directory.entries.map((e) => [e.localOffset, e.uncompressedSize]), [
      [layout.localOffsets[0], 5000],
      [layout.localOffsets[1], 1],
    ]);
    assert.deepEqual(
      inflateMember(layout.bytes, directory.entries[0]!, { file: FILE }),
      noise(5000),
    );
  });

  await t.step("names: UTF-8 when flagged, else code page 437", async () => {
    const layout = await zip([
      { name: "é.txt", data: "1" },
      { name: "cp437", rawName: Uint8Array.from([0x80, 0x82, 0xe1, 0x2e, 0x74]), data: "2" },
    ]);
    assert.deepEqual(readZipDirectory(layout.bytes, { file: FILE }).entries.map((e) => e.name), [
      "é.txt",
      "Çéß.t",
    ]);
  });

  await t.step("readMemberPrefix() reads the first bytes only", async () => {
    const big = noise(300_000, 7);
    const layout = await zip([{ name: "big.bin", data: big }, {
      name: "s.bin",
      data: big,
      method: 0,
    }]);
    const directory = readZipDirectory(layout.bytes, { file: FILE });
    for (const entry of directory.entries) {
      assert.deepEqual(
        readMemberPrefix(layout.bytes, entry, 4, { file: FILE }),
        big.subarray(0, 4),
      );
    }
  });

  await t.step("readMemberPrefix() falls back when the first windows yield nothing", async () => {
    // 2,000 empty non-final stored blocks (5 bytes each) push the first output byte past both
    // windows (256 and 4,096 bytes); the rest is an ordinary deflate stream.
    const data = new TextEncoder().encode("\0asm and then some text");
    const padding = new Uint8Array(2000 * 5);
    for (let i = 0; i < 2000; i++) padding.set([0x00, 0x00, 0x00, 0xff, 0xff], i * 5);
    const tail = await deflateRaw(data);
    const compressed = new Uint8Array(padding.length + tail.length);
    compressed.set(padding);
    compressed.set(tail, padding.length);
    const layout = await zip([{ name: "padded.bin", data, rawCompressed: compressed }]);
    const entry = entryOf(layout.bytes, "padded.bin");
    assert.deepEqual(readMemberPrefix(layout.bytes, entry, 4, { file: FILE }), data.subarray(0, 4));
    assert.deepEqual(inflateMember(layout.bytes, entry, { file: FILE }), data);
  });

  await t.step("a budget is shared and decremented", async () => {
    const layout = await zip([{ name: "a", data: "x".repeat(30) }, {
      name: "b",
      data: "y".repeat(30),
    }]);
    const [a, b] = readZipDirectory(layout.bytes, { file: FILE }).entries;
    const budget = createInflateBudget(50);
    inflateMember(layout.bytes, a!, { file: FILE, budget });
    assert.equal(budget.remainingBytes, 20);
    assertZipError(
      () => inflateMember(layout.bytes, b!, { file: FILE, budget }),
      "Member of 30 bytes exceeds the archive's remaining inflation budget of 20 bytes",
      layout.centralOffsets[1]!,
      "b",
    );
  });
});

Deno.test("readZipDirectory() rejects malformed archives", async (t) => {
  const two = await zip([{ name: "a.txt", data: "aaaa" }, { name: "b.txt", data: "bbbb" }]);

  await t.step("shorter than an end record", () => {
    assertZipError(
      () => readZipDirectory(two.bytes.subarray(0, 10), { file: FILE }),
      "Archive is truncated: 10 bytes, shorter than an end of central directory record",
      0,
    );
  });

  await t.step("truncated: the end record is cut off", () => {
    assertZipError(
      () => readZipDirectory(two.bytes.subarray(0, two.endRecordOffset - 5), { file: FILE }),
      "Archive is truncated: end of central directory record not found",
      0,
    );
  });

  await t.step("truncated: search window of a large archive", async () => {
    const large = await zip([{ name: "n", data: noise(100_000), method: 0 }]);
    const cut = large.bytes.subarray(0, 90_000);
    assertZipError(
      () => readZipDirectory(cut, { file: FILE }),
      "Archive is truncated: end of central directory record not found",
      90_000 - 22 - 0xffff,
    );
  });

  await t.step("no end record at all", () => {
    const bytes = new TextEncoder().encode("This is a text file, not a zip archive at all.");
    assertZipError(
      () => readZipDirectory(bytes, { file: FILE }),
      "Not a zip archive: end of central directory record not found",
      0,
    );
  });

  await t.step("central directory past its end record", async () => {
    const bad = await zip([{ name: "a.txt", data: "a" }], { declaredCentralOffset: 0x40 });
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      `Central directory runs past its end record: ${bad.centralDirectorySize} bytes at 0x40, end record at 0x${
        bad.endRecordOffset.toString(16)
      }`,
      bad.endRecordOffset,
    );
  });

  await t.step("entry count: more than the directory can hold", async () => {
    const bad = await zip([{ name: "a.txt", data: "a" }, { name: "b.txt", data: "b" }], {
      declaredCount: 3,
    });
    assert.ok(3 * 46 > bad.centralDirectorySize);
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      `Central directory of ${bad.centralDirectorySize} bytes cannot hold the 3 entries declared`,
      bad.endRecordOffset,
    );
  });

  await t.step("entry count: more than the directory holds", async () => {
    const long = "l".repeat(100);
    const bad = await zip([{ name: `${long}1`, data: "a" }, { name: `${long}2`, data: "b" }], {
      declaredCount: 3,
    });
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      "Central directory ends after 2 of the 3 entries declared",
      bad.endRecordOffset,
    );
  });

  await t.step("entry count: fewer than the directory holds", async () => {
    const bad = await zip([{ name: "a.txt", data: "a" }, { name: "b.txt", data: "b" }], {
      declaredCount: 1,
    });
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      `Central directory holds ${
        bad.endRecordOffset - bad.centralOffsets[1]!
      } bytes after the 1 entry declared`,
      bad.centralOffsets[1]!,
    );
  });

  await t.step("entry count over the limit", () => {
    assertZipError(
      () => readZipDirectory(two.bytes, { file: FILE, maxEntries: 1 }),
      "Archive declares 2 entries, over the limit of 1",
      two.endRecordOffset,
    );
  });

  await t.step("bad central directory signature", () => {
    const bytes = two.bytes.slice();
    bytes[two.centralOffsets[1]!] = 0x51;
    assertZipError(
      () => readZipDirectory(bytes, { file: FILE }),
      "Bad central directory entry signature 0x02014b51, expected 0x02014b50 (entry 1 of 2)",
      two.centralOffsets[1]!,
    );
  });

  await t.step("duplicate member names", async () => {
    const bad = await zip([{ name: "a.so", data: "1" }, { name: "a.so", data: "2" }]);
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      'Duplicate member name: "a.so"',
      bad.centralOffsets[1]!,
      "a.so",
    );
  });

  const escapes: [string, string][] = [
    ["../evil.so", "parent directory segment"],
    ["pkg/../../evil.so", "parent directory segment"],
    ["pkg\\..\\..\\evil.so", "parent directory segment"],
    ["/etc/evil.so", "absolute path"],
    ["\\evil.so", "absolute path"],
    ["C:\\evil.so", "drive letter"],
    ["c:/evil.so", "drive letter"],
  ];
  for (const [name, why] of escapes) {
    await t.step(`path escaping the archive: ${name}`, async () => {
      const bad = await zip([{ name: "ok.txt", data: "ok" }, { name, data: "x" }]);
      assertZipError(
        () => readZipDirectory(bad.bytes, { file: FILE }),
        `Member path escapes the archive (${why}): ${JSON.stringify(name)}`,
        bad.centralOffsets[1]!,
        name,
      );
    });
  }

  await t.step("encrypted member", async () => {
    const bad = await zip([{ name: "secret.so", data: "x", flags: 0x0001 }]);
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      "Member is encrypted",
      bad.centralOffsets[0]!,
      "secret.so",
    );
  });

  await t.step("name flagged UTF-8 that is not", async () => {
    const bad = await zip([{
      name: "x",
      rawName: Uint8Array.from([0x41, 0xff]),
      utf8: true,
      data: "x",
    }]);
    assertZipError(
      () => readZipDirectory(bad.bytes, { file: FILE }),
      "Member name is not valid UTF-8 although flagged as UTF-8",
      bad.centralOffsets[0]!,
    );
  });
});

Deno.test("inflateMember() rejects bad members", async (t) => {
  await t.step("unsupported compression method", async () => {
    const bad = await zip([{ name: "a.so", data: "x", method: 0, writeMethod: 12 }]);
    const entry = entryOf(bad.bytes, "a.so");
    assertZipError(
      () => inflateMember(bad.bytes, entry, { file: FILE }),
      "Unsupported compression method 12 (bzip2)",
      bad.localOffsets[0]!,
      "a.so",
    );
  });

  await t.step("CRC-32 mismatch", async () => {
    const data = new TextEncoder().encode("payload");
    const real = crc32(data);
    const bad = await zip([{ name: "a.so", data, crc32: real ^ 1 }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "a.so"), { file: FILE }),
      `CRC-32 mismatch: computed ${hex8(real)}, declared ${hex8((real ^ 1) >>> 0)}`,
      bad.dataOffsets[0]!,
      "a.so",
    );
  });

  await t.step("zip bomb: ratio over 1000:1", async () => {
    const zeros = new Uint8Array(2 * 1024 * 1024);
    const compressed = await deflateRaw(zeros);
    assert.ok(compressed.length * 1000 < zeros.length, "precondition: zeros compress over 1000:1");
    const bad = await zip([{ name: "bomb.so", data: zeros }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "bomb.so"), { file: FILE }),
      `Member declares a compression ratio over 1000:1 (2097152 bytes from ${compressed.length})`,
      bad.centralOffsets[0]!,
      "bomb.so",
    );
  });

  await t.step("zip bomb: declared size over the per-member limit", async () => {
    const declared = MAX_MEMBER_BYTES + 1;
    const bad = await zip([{ name: "huge.so", data: "small", method: 0, declaredSize: declared }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "huge.so"), { file: FILE }),
      `Member declares ${declared} bytes uncompressed, over the limit of ${MAX_MEMBER_BYTES}`,
      bad.centralOffsets[0]!,
      "huge.so",
    );
  });

  await t.step("zip bomb: inflates past its declared size", async () => {
    const bad = await zip([{ name: "liar.so", data: "abc".repeat(100_000), declaredSize: 1000 }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "liar.so"), { file: FILE }),
      "Member inflates past its declared size of 1000 bytes",
      bad.dataOffsets[0]!,
      "liar.so",
    );
  });

  await t.step("inflates to less than declared", async () => {
    const bad = await zip([{ name: "short.so", data: "x".repeat(100), declaredSize: 5000 }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "short.so"), { file: FILE }),
      "Member inflates to 100 bytes, not the 5000 declared",
      bad.dataOffsets[0]!,
      "short.so",
    );
  });

  await t.step("stored member whose sizes disagree", async () => {
    const bad = await zip([{ name: "s.so", data: "xyz", method: 0, declaredSize: 4 }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "s.so"), { file: FILE }),
      "Stored member declares 3 bytes stored but 4 uncompressed",
      bad.centralOffsets[0]!,
      "s.so",
    );
  });

  await t.step("bad local header signature", async () => {
    const good = await zip([{ name: "a.txt", data: "a" }, { name: "b.so", data: "b" }]);
    const bytes = good.bytes.slice();
    bytes[good.localOffsets[1]! + 3] = 0x05;
    const entry = entryOf(bytes, "b.so");
    assertZipError(
      () => inflateMember(bytes, entry, { file: FILE }),
      "Bad local header signature 0x05034b50, expected 0x04034b50",
      good.localOffsets[1]!,
      "b.so",
    );
    assertZipError(
      () => readMemberPrefix(bytes, entry, 4, { file: FILE }),
      "Bad local header signature 0x05034b50, expected 0x04034b50",
      good.localOffsets[1]!,
      "b.so",
    );
  });

  await t.step("local header name differs from the central directory", async () => {
    const bad = await zip([{ name: "a.so", localName: "b.so", data: "x" }]);
    assertZipError(
      () => inflateMember(bad.bytes, entryOf(bad.bytes, "a.so"), { file: FILE }),
      'Local header names "b.so", the central directory "a.so"',
      bad.localOffsets[0]!,
      "a.so",
    );
  });

  await t.step("corrupt deflate data", async () => {
    const good = await zip([{ name: "c.so", data: "c".repeat(1000) }]);
    const bytes = good.bytes.slice();
    bytes[good.dataOffsets[0]!] = 0xff; // block type 3 is reserved
    const error = catchError(
      () => inflateMember(bytes, entryOf(bytes, "c.so"), { file: FILE }),
      ZipFormatError,
    );
    assert.match(error.reason, /^Cannot inflate member: /);
    assert.equal(error.offset, good.dataOffsets[0]);
    assert.equal(error.member, "c.so");
  });
});
