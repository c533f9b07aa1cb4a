/**
 * Fixtures built with the fuzzer's own generators, one per mutation family and per near-limit
 * input the fuzzer reaches: each must end in facts or in the typed error that names the lie. They
 * pin the readers' behaviour on these inputs and check that the generators still produce what
 * they claim (a generator that silently broke would quietly shrink the fuzzer's reach).
 */
import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { readWasmModule, WasmFormatError } from "../../src/wasm/mod.ts";
import {
  inflateMember,
  readWheelSync,
  readZipDirectory,
  ZipFormatError,
} from "../../src/wheel/mod.ts";
import { concat, uleb, utf8, wasmName } from "../../scripts/_fuzz/bytes.ts";
import { generateWasmSeeds, splitSections } from "../../scripts/_fuzz/wasm.ts";
import {
  generateLargeZipSeeds,
  generateZipSeeds,
  modelZip,
  writeZip,
  type ZipModel,
} from "../../scripts/_fuzz/zip.ts";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function wheelModel(): { name: string; model: ZipModel } {
  const seed = generateZipSeeds()[0]!;
  const model = modelZip(seed.bytes);
  assert.ok(model !== undefined, "the generated wheel must be readable");
  return { name: seed.name, model };
}

function rejects<E extends Error>(
  fn: () => unknown,
  cls: new (...args: never[]) => E,
  reason: RegExp,
): E {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    assert.match((e as unknown as { reason: string }).reason, reason);
    return e;
  }
  assert.fail(`expected ${cls.name} matching ${reason}`);
}

Deno.test("generated seeds are valid", async (t) => {
  await t.step("every generated module is read to facts and V8 compiles it", () => {
    for (const s of generateWasmSeeds()) {
      readWasmModule(s.bytes, { file: s.name });
      assert.ok(WebAssembly.validate(s.bytes as Uint8Array<ArrayBuffer>), s.name);
    }
  });
  await t.step("every generated archive is read to facts, side modules included", () => {
    for (const s of generateZipSeeds()) {
      const facts = readWheelSync(s.bytes, { file: s.name });
      if (s.name.startsWith("pkg-")) assert.equal(facts.sideModules.length, 2, s.name);
    }
  });
});

Deno.test("wasm mutation families end in the typed error that names the lie", async (t) => {
  const side = generateWasmSeeds().find((s) => s.name === "js-eh-side.so")!.bytes;
  const secs = splitSections(side);
  const dylink = secs.find((s) => s.name === "dylink.0")!;

  await t.step("a dylink.0 subsection longer than its section", () => {
    // Subsection 2 (NEEDED) claiming 200 bytes inside a section that holds fewer.
    const body = [2, ...uleb(200), 1, ...wasmName("libc.so")];
    const bytes = concat(HEADER, [0, ...uleb(9 + body.length), ...wasmName("dylink.0"), ...body]);
    const e = rejects(
      () => readWasmModule(bytes, { file: "x.so" }),
      WasmFormatError,
      /^Cannot read subsection 2 \(NEEDED\): size 200 runs past the end of section "dylink\.0"/,
    );
    assert.equal(e.offset, 20); // id 8, size 9, name length 10, "dylink.0" 11-18, type 19, size 20
    assert.equal(e.section, "dylink.0");
  });

  await t.step("the real dylink.0 with its first subsection size raised by one", () => {
    const sizeAt = dylink.bodyStart! + 1;
    const bytes = side.slice();
    bytes[sizeAt]! += 1;
    rejects(
      () => readWasmModule(bytes, { file: "x.so" }),
      WasmFormatError,
      /^Cannot read (subsection|memory size|.*of section "dylink\.0")/,
    );
  });

  await t.step("a section size as a 6-byte LEB128", () => {
    const type = secs.find((s) => s.id === 1)!;
    const size = type.end - type.payloadStart;
    const bytes = concat(
      side.subarray(0, type.sizeStart),
      uleb(size, 6),
      side.subarray(type.payloadStart),
    );
    const e = rejects(
      () => readWasmModule(bytes, { file: "x.so" }),
      WasmFormatError,
      /LEB128 integer longer than 5 bytes/,
    );
    assert.equal(e.offset, type.sizeStart);
  });

  await t.step("an import count that lies by one, framing kept", () => {
    const imp = secs.find((s) => s.id === 2)!;
    const count = side[imp.payloadStart]!;
    const payload = concat([count + 1], side.subarray(imp.payloadStart + 1, imp.end));
    const bytes = concat(
      side.subarray(0, imp.start),
      [2, ...uleb(payload.length)],
      payload,
      side.subarray(imp.end),
    );
    assert.throws(() => readWasmModule(bytes, { file: "x.so" }), WasmFormatError);
  });

  await t.step("memory limits: a 32-bit minimum of 2^32 - 1 is read, 2^32 refused", () => {
    const memory = (min: bigint) =>
      concat(HEADER, [5, ...uleb(2 + uleb(min).length), 1, 0, ...uleb(min)]);
    assert.equal(readWasmModule(memory(2n ** 32n - 1n)).memories[0]!.min, 2 ** 32 - 1);
    rejects(() => readWasmModule(memory(2n ** 32n)), WasmFormatError, /does not fit in 32 bits/);
  });

  await t.step(
    "the largest type section allowed (1,000,000 types) is read; one more is refused",
    () => {
      const types = (n: number) => {
        const t = [...uleb(n)];
        for (let i = 0; i < n; i++) t.push(0x60, 0, 0);
        return concat(HEADER, [1, ...uleb(t.length)], t);
      };
      assert.equal(readWasmModule(types(1_000_000)).types.length, 1_000_000);
      rejects(
        () => readWasmModule(types(1_000_001)),
        WasmFormatError,
        /exceeds the limit of 1000000/,
      );
    },
  );
});

Deno.test("zip mutation families end in the typed error that names the lie", async (t) => {
  await t.step("a member path with a parent segment", () => {
    const { name, model } = wheelModel();
    model.members[0]!.name = utf8("../evil.so");
    const bytes = writeZip(model);
    const e = rejects(
      () => readWheelSync(bytes, { file: name }),
      ZipFormatError,
      /^Member path escapes the archive \(parent directory segment\): "\.\.\/evil\.so"$/,
    );
    assert.equal(e.member, "../evil.so");
    assert.equal(e.file, name);
  });

  await t.step("an end record comment length past the end of the file", () => {
    const { name, model } = wheelModel();
    model.lies.commentLength = 5;
    rejects(
      () => readZipDirectory(writeZip(model), { file: name }),
      ZipFormatError,
      /end of central directory record not found/,
    );
  });

  await t.step("an entry count one over the truth", () => {
    const { name, model } = wheelModel();
    model.lies.count = model.members.length + 1;
    assert.throws(() => readZipDirectory(writeZip(model), { file: name }), ZipFormatError);
  });

  await t.step("a ZIP64 locator pointing past the archive", () => {
    const { name, model } = wheelModel();
    model.zip64 = true;
    assert.equal(readWheelSync(writeZip(model), { file: name }).sideModules.length, 2);
    model.lies.locatorOffset = 2n ** 63n;
    rejects(
      () => readZipDirectory(writeZip(model), { file: name }),
      ZipFormatError,
      /^ZIP64 end of central directory locator points outside the archive/,
    );
  });

  await t.step("a ZIP64 extra field one field short", () => {
    const { name, model } = wheelModel();
    model.zip64 = true;
    for (const m of model.members) m.zip64Extra = "short";
    rejects(
      () => readZipDirectory(writeZip(model), { file: name }),
      ZipFormatError,
      /^ZIP64 extra field is too short$/,
    );
  });

  await t.step("zip bombs: 8 MiB of zeros, by ratio and by a lying size", () => {
    const zeros = new Uint8Array(deflateRawSync(new Uint8Array(8 * 1024 * 1024), { level: 9 }));
    const bomb = (declared: number): Uint8Array =>
      writeZip({
        members: [{
          name: utf8("a.so"),
          method: 8,
          flags: 0,
          crc: 0,
          data: zeros,
          uncompressedSize: declared,
        }],
        comment: new Uint8Array(0),
        zip64: false,
        lies: {},
        prefix: new Uint8Array(0),
        suffix: new Uint8Array(0),
      });
    const inflate = (bytes: Uint8Array) => {
      const dir = readZipDirectory(bytes, { file: "b.zip" });
      return inflateMember(bytes, dir.entries[0]!, { file: "b.zip" });
    };
    rejects(() => inflate(bomb(8 * 1024 * 1024)), ZipFormatError, /compression ratio over 1000:1/);
    rejects(
      () => inflate(bomb(4096)),
      ZipFormatError,
      /^Member inflates past its declared size of 4096 bytes$/,
    );
  });

  await t.step("66,000 empty members (ZIP64) are read; 100,001 are refused before any is", () => {
    const [many, tooMany] = generateLargeZipSeeds();
    assert.equal(readWheelSync(many!.bytes, { file: many!.name }).memberCount, 66_000);
    rejects(
      () => readZipDirectory(tooMany!.bytes, { file: tooMany!.name }),
      ZipFormatError,
      /^Archive declares 100001 entries, over the limit of 100000$/,
    );
  });
});
