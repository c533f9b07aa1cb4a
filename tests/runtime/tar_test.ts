import assert from "node:assert/strict";
import { readTar, safeEntryPath } from "../../src/runtime/_tar.ts";
import { RuntimeFormatError } from "../../src/runtime/errors.ts";
import { makeTar, paxData } from "./_tar_fixture.ts";

const dec = new TextDecoder();

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

Deno.test("readTar", async (t) => {
  await t.step("files, directories, pax paths, GNU long names, links", () => {
    const long = "package/" + "d/".repeat(70) + "deep.txt";
    const tar = makeTar([
      { name: "package/", type: "5" },
      { name: "package/a.txt", data: "hello" },
      { name: "PaxHeader", type: "x", data: paxData({ path: "package/pax-name.txt" }) },
      { name: "ignored", data: "x".repeat(600) },
      { name: "././@LongLink", type: "L", data: long + "\0" },
      { name: "truncated", data: "deep" },
      { name: "package/link", type: "2", linkname: "../../etc/passwd" },
    ]);
    const entries = readTar(tar, { file: "t.tar" });
    assert.deepEqual(entries.map((e) => [e.path, e.type]), [
      ["package", "dir"],
      ["package/a.txt", "file"],
      ["package/pax-name.txt", "file"],
      [long, "file"],
      ["package/link", "symlink"],
    ]);
    assert.equal(dec.decode(entries[1].data), "hello");
    assert.equal(entries[2].data.length, 600);
    assert.equal(dec.decode(entries[3].data), "deep");
    assert.equal(entries[4].data.length, 0);
    assert.equal(entries[1].offset, 512);
  });

  await t.step("a corrupted header checksum names the entry and offset", () => {
    const tar = makeTar([{ name: "package/a", data: "1" }, { name: "package/b", data: "2" }]);
    tar[1024 + 10] ^= 0x01; // second header (offset 1024), inside its name
    const error = catchError(() => readTar(tar, { file: "bad.tar" }));
    assert.ok(error instanceof RuntimeFormatError && error instanceof SyntaxError);
    assert.equal(error.offset, 1024);
    assert.equal(error.file, "bad.tar");
    assert.match(error.message, /checksum/);
  });

  await t.step("an entry running past the end is refused", () => {
    const tar = makeTar([{ name: "package/a", data: "x".repeat(2000) }]).subarray(0, 1024);
    const error = catchError(() => readTar(tar));
    assert.ok(error instanceof RuntimeFormatError);
    assert.equal(error.offset, 0);
  });
});

Deno.test("safeEntryPath refuses traversal", async (t) => {
  await t.step("strips the package/ component", () => {
    assert.equal(safeEntryPath("package/a/b.js", 1, "f", 0), "a/b.js");
    assert.equal(safeEntryPath("./package/a", 1, "f", 0), "a");
    assert.equal(safeEntryPath("package/", 1, "f", 0), "");
  });
  await t.step("refuses what could escape the extraction root", () => {
    for (
      const bad of [
        "package/../../evil",
        "/etc/passwd",
        "package/a/../../../x",
        "C:/x",
        "a\\..\\b",
        "a\0b",
      ]
    ) {
      const error = catchError(() => safeEntryPath(bad, 1, "f.tgz", 7));
      assert.ok(error instanceof RuntimeFormatError, bad);
      assert.equal(error.member, bad);
      assert.equal(error.offset, 7);
    }
  });
});
