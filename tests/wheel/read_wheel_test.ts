import assert from "node:assert/strict";
import { WasmFormatError } from "../../src/wasm/mod.ts";
import {
  InvalidWheelFilename,
  readCpythonSuffix,
  readWheel,
  readWheelSync,
  sha256Hex,
  ZipFormatError,
} from "../../src/wheel/mod.ts";
import type { WheelFacts } from "../../src/wheel/mod.ts";
import { catchRejection } from "./_assert.ts";
import { makeZip, type MemberSpec } from "./_make_zip.ts";
import { makeTruncatedWasm, makeWasm } from "./_make_wasm.ts";

const ELF = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x01, 0x01, 0x01, 0x00, 0, 0, 0, 0]);
const encoder = new TextEncoder();

async function recordHash(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  const b64 = btoa(String.fromCharCode(...digest));
  return "sha256=" + b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function subtleHex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A RECORD listing `members` with their real hashes, plus itself without a hash. */
async function recordFor(members: MemberSpec[], self: string): Promise<string> {
  const rows = [];
  for (const m of members) {
    const bytes = typeof m.data === "string" ? encoder.encode(m.data) : m.data;
    rows.push(`${m.name},${await recordHash(bytes)},${bytes.length}`);
  }
  rows.push(`${self},,`);
  return rows.join("\n") + "\n";
}

function wheelText(tags: string[]): string {
  return [
    "Wheel-Version: 1.0",
    "Generator: test 1.0",
    "Root-Is-Purelib: false",
    "Build: 7",
    ...tags.map((t) => `Tag: ${t}`),
  ]
    .join("\n") + "\n";
}

async function readArchive(file: string, members: MemberSpec[]): Promise<WheelFacts> {
  const { bytes } = await makeZip(members);
  return await readWheel(bytes, { file: `some/dir/${file}` });
}

function codes(facts: WheelFacts): string[] {
  return facts.findings.map((f) => f.member === undefined ? f.code : `${f.code} ${f.member}`)
    .sort();
}

Deno.test("readWheel() reads a generated wheel completely", async () => {
  const file = "Demo_Pkg-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl";
  const core = makeWasm({ exports: ["PyInit__core"] });
  const lib = makeWasm({ exports: ["foo"] });
  const hidden = makeWasm();
  const plain = makeWasm({ dylink: false });
  const payload: MemberSpec[] = [
    { name: "demo/", data: "", method: 0 },
    { name: "demo/__init__.py", data: "from ._core import *\n" },
    { name: "demo/_core.cpython-312-wasm32-emscripten.so", data: core },
    { name: "demo.libs/libfoo.so.1.2", data: lib, method: 0 },
    // wasm side module under another name, deflated: found through the prefix peek
    { name: "demo/plugin.bin", data: hidden },
    // wasm without dylink under another name: a finding, not a side module
    { name: "demo/blob.dat", data: plain, method: 0 },
    { name: "demo/native.so", data: ELF },
  ];
  const metadata = [
    "Metadata-Version: 2.1",
    "Name: Demo-Pkg",
    "Version: 1.0",
    "Summary: a",
    "  continued summary",
    "Requires-Python: >=3.12",
    "Requires-Dist: numpy>=1.0",
    "Requires-Dist: attrs; extra == 'x'",
    "",
    "Requires-Dist: not-a-header (body)",
  ].join("\n");
  const dist: MemberSpec[] = [
    {
      name: "Demo_Pkg-1.0.dist-info/WHEEL",
      data: wheelText(["cp312-cp312-pyodide_2024_0_wasm32"]),
    },
    { name: "Demo_Pkg-1.0.dist-info/METADATA", data: metadata },
    { name: "Demo_Pkg-1.0.dist-info/top_level.txt", data: "demo\n" },
  ];
  const record = await recordFor(
    [...payload.filter((m) => !m.name.endsWith("/")), ...dist],
    "Demo_Pkg-1.0.dist-info/RECORD",
  );
  const members = [...payload, ...dist, { name: "Demo_Pkg-1.0.dist-info/RECORD", data: record }];
  const { bytes } = await makeZip(members);
  const facts = await readWheel(bytes, { file: `dir/${file}` });

  assert.equal(facts.file, file);
  assert.equal(facts.size, bytes.length);
  assert.equal(facts.sha256, await subtleHex(bytes));
  assert.equal(facts.kind, "wheel");
  assert.equal(facts.filename?.name, "demo-pkg");
  assert.deepEqual(facts.wheel, {
    version: "1.0",
    generator: "test 1.0",
    rootIsPurelib: false,
    build: "7",
    tags: ["cp312-cp312-pyodide_2024_0_wasm32"],
  });
  assert.deepEqual(facts.metadata, {
    name: "Demo-Pkg",
    version: "1.0",
    requiresPython: ">=3.12",
    requiresDist: ["numpy>=1.0", "attrs; extra == 'x'"],
  });
  assert.equal(facts.recordCount, members.length - 1);
  assert.deepEqual(facts.topLevel, ["demo"]);
  assert.equal(facts.memberCount, members.length - 1);
  assert.deepEqual(
    facts.sideModules.map((m) => [m.member, m.size, m.cpythonSuffix, m.abi.pythonVersion]),
    [
      ["demo/_core.cpython-312-wasm32-emscripten.so", core.length, "312", "3.12"],
      ["demo.libs/libfoo.so.1.2", lib.length, undefined, undefined],
      ["demo/plugin.bin", hidden.length, undefined, undefined],
    ],
  );
  assert.equal(facts.sideModules[0]!.sha256, await subtleHex(core));
  assert.deepEqual(facts.sideModules[0]!.wasm.exports.map((e) => e.name), ["PyInit__core"]);
  assert.deepEqual(codes(facts), [
    "so-not-wasm demo/native.so",
    "wasm-without-so-name demo/blob.dat",
    "wasm-without-so-name demo/plugin.bin",
  ]);
  assert.equal(
    facts.findings.find((f) => f.code === "so-not-wasm")!.message,
    '"demo/native.so" is named like a shared library but is an ELF file',
  );
});

Deno.test("readWheel() reports oddities as findings", async (t) => {
  const so = makeWasm({ exports: ["PyInit__x"] });
  const wheelFiles = (dist: string, tags: string[]): MemberSpec[] => [
    { name: `${dist}.dist-info/WHEEL`, data: wheelText(tags) },
    { name: `${dist}.dist-info/METADATA`, data: "Name: x\nVersion: 1.0\n" },
  ];

  await t.step("pure-tag-with-so", async () => {
    const facts = await readArchive("x-1.0-py3-none-any.whl", [
      { name: "x/_x.so", data: so },
      ...wheelFiles("x-1.0", ["py3-none-any"]),
    ]);
    assert.deepEqual(codes(facts), ["pure-tag-with-so"]);
    assert.equal(
      facts.findings[0]!.message,
      'Wheel is tagged py3-none-any (platform "any") but holds 1 side module',
    );
  });

  await t.step("so-python-mismatch, and abi3 rules", async () => {
    const mismatch = await readArchive("x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", [
      { name: "x/_x.cpython-311-wasm32-emscripten.so", data: so },
      ...wheelFiles("x-1.0", ["cp312-cp312-pyodide_2024_0_wasm32"]),
    ]);
    assert.deepEqual(codes(mismatch), ["so-python-mismatch x/_x.cpython-311-wasm32-emscripten.so"]);
    assert.equal(
      mismatch.findings[0]!.message,
      '"x/_x.cpython-311-wasm32-emscripten.so" is built for CPython 3.11, the wheel is tagged cp312-cp312-pyodide_2024_0_wasm32',
    );
    const abi3 = await readArchive("x-1.0-cp37-abi3-pyodide_2024_0_wasm32.whl", [
      { name: "x/_x.abi3.so", data: so },
      { name: "x/_y.cpython-312-wasm32-emscripten.so", data: so },
      ...wheelFiles("x-1.0", ["cp37-abi3-pyodide_2024_0_wasm32"]),
    ]);
    assert.deepEqual(codes(abi3), ["so-python-mismatch x/_y.cpython-312-wasm32-emscripten.so"]);
  });

  await t.step("filename-wheel-tag-mismatch", async () => {
    const facts = await readArchive("x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", [
      { name: "x/_x.cpython-312-wasm32-emscripten.so", data: so },
      ...wheelFiles("x-1.0", ["cp312-cp312-pyodide_2025_0_wasm32"]),
    ]);
    assert.deepEqual(codes(facts), ["filename-wheel-tag-mismatch"]);
    assert.equal(
      facts.findings[0]!.message,
      "Filename tags cp312-cp312-pyodide_2024_0_wasm32 differ from WHEEL tags cp312-cp312-pyodide_2025_0_wasm32",
    );
  });

  await t.step("record-mismatch and record-missing", async () => {
    const facts = await readArchive("x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", [
      { name: "x/a.so", data: so },
      { name: "x/b.so", data: so },
      ...wheelFiles("x-1.0", ["cp312-cp312-pyodide_2024_0_wasm32"]),
      {
        name: "x-1.0.dist-info/RECORD",
        data: `x/a.so,${await recordHash(
          "something else",
        )},${so.length}\n"x-1.0.dist-info/RECORD",,\n`,
      },
    ]);
    assert.equal(facts.recordCount, 2);
    assert.deepEqual(codes(facts), ["record-mismatch x/a.so", "record-missing x/b.so"]);
  });

  await t.step("no-dist-info: WHEEL and METADATA still read from the root", async () => {
    const facts = await readArchive("x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", [
      { name: "libx.so", data: so },
      { name: "WHEEL", data: wheelText(["cp312-cp312-pyodide_2024_0_wasm32"]) },
      { name: "METADATA", data: "Name: x\nVersion: 1.0\n" },
    ]);
    assert.deepEqual(codes(facts), ["no-dist-info"]);
    assert.deepEqual(facts.wheel?.tags, ["cp312-cp312-pyodide_2024_0_wasm32"]);
    assert.equal(facts.metadata?.name, "x");
    assert.deepEqual(facts.topLevel, ["libx"]);
  });

  await t.step("multiple-dist-info: the project's own is read", async () => {
    const facts = await readArchive("x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", [
      ...wheelFiles("other-2.0", ["py3-none-any"]),
      ...wheelFiles("x-1.0", ["cp312-cp312-pyodide_2024_0_wasm32"]),
    ]);
    assert.deepEqual(codes(facts), ["multiple-dist-info"]);
    assert.deepEqual(facts.wheel?.tags, ["cp312-cp312-pyodide_2024_0_wasm32"]);
  });

  await t.step("unsupported-method on a member nobody loads by name", async () => {
    const facts = await readArchive("x-1.0-py3-none-any.whl", [
      { name: "x/data.txt", data: "some data here", method: 0, writeMethod: 14 },
      ...wheelFiles("x-1.0", ["py3-none-any"]),
    ]);
    assert.deepEqual(codes(facts), ["unsupported-method x/data.txt"]);
  });
});

Deno.test("readWheel() classifies .zip packages by content", async (t) => {
  const lib = makeWasm({ exports: ["foo"] });
  const ext = makeWasm({ exports: ["PyInit__hashlib"] });
  const cases: [string, MemberSpec[], WheelFacts["kind"], string[]][] = [
    [
      "libfoo-1.0.zip",
      [{ name: "libfoo.so", data: lib }, { name: "libfoo.so.1", data: lib }],
      "shared-library",
      [],
    ],
    [
      "ssl-1.0.0.zip",
      [{ name: "ssl.py", data: "import _ssl\n" }, { name: "_ssl.so", data: lib }],
      "cpython-module",
      [
        "_ssl",
        "ssl",
      ],
    ],
    ["hashlib-1.0.0.zip", [{ name: "_hashlib.so", data: ext }], "cpython-module", ["_hashlib"]],
    ["mod-1.0.zip", [{ name: "lib/python3.11/site-packages/_m.so", data: lib }], "cpython-module", [
      "_m",
    ]],
    ["notes.zip", [{ name: "README.txt", data: "nothing to see" }], "unknown-zip", []],
  ];
  for (const [file, members, kind, topLevel] of cases) {
    await t.step(file, async () => {
      const facts = await readArchive(file, members);
      assert.equal(facts.kind, kind);
      assert.equal(facts.filename, undefined);
      assert.deepEqual(facts.topLevel, topLevel);
      assert.deepEqual(facts.findings, []);
    });
  }
});

Deno.test("readWheel() rejects malformed input with typed errors", async (t) => {
  await t.step(
    "a .so with the wasm magic but malformed: WasmFormatError naming the member",
    async () => {
      const { bytes } = await makeZip([{ name: "x/_bad.so", data: makeTruncatedWasm() }]);
      const error = await catchRejection(
        readWheel(bytes, { file: "bad-1.0.zip" }),
        WasmFormatError,
      );
      assert.ok(error instanceof SyntaxError);
      assert.equal(error.member, "x/_bad.so");
      assert.equal(error.file, "bad-1.0.zip");
      assert.equal(error.offset, 9);
      assert.match(error.message, / \(at offset 0x9 in "x\/_bad\.so" of "bad-1\.0\.zip"\)$/);
    },
  );

  await t.step("an encrypted member: ZipFormatError", async () => {
    const layout = await makeZip([{ name: "x/a.so", data: makeWasm(), flags: 1 }]);
    const error = await catchRejection(
      readWheel(layout.bytes, { file: "enc.zip" }),
      ZipFormatError,
    );
    assert.equal(
      error.message,
      "Member is encrypted (at offset 0x" + layout.centralOffsets[0]!.toString(16) +
        ' in "x/a.so" of "enc.zip")',
    );
  });

  await t.step("a .so with an unsupported method: ZipFormatError when read", async () => {
    const layout = await makeZip([{
      name: "x/a.so",
      data: makeWasm(),
      method: 0,
      writeMethod: 93,
    }]);
    const error = await catchRejection(
      readWheel(layout.bytes, { file: "zstd.zip" }),
      ZipFormatError,
    );
    assert.equal(error.reason, "Unsupported compression method 93 (zstd)");
    assert.equal(error.offset, layout.localOffsets[0]);
  });

  await t.step("a .whl with an invalid filename: InvalidWheelFilename", async () => {
    const { bytes } = await makeZip([{ name: "a.txt", data: "a" }]);
    const error = await catchRejection(
      readWheel(bytes, { file: "dir/not-a-wheel.whl" }),
      InvalidWheelFilename,
    );
    assert.equal(
      error.message,
      'Invalid wheel filename (wrong number of parts): "not-a-wheel.whl"',
    );
  });
});

Deno.test("readCpythonSuffix() and sha256Hex()", async () => {
  assert.equal(readCpythonSuffix("a/_b.cpython-312-wasm32-emscripten.so"), "312");
  assert.equal(readCpythonSuffix("_b.cpython-313t-wasm32-emscripten.so"), "313");
  assert.equal(readCpythonSuffix("a/_b.cpython-310.so"), "310");
  assert.equal(readCpythonSuffix("highspy/_core.so"), undefined);
  const data = encoder.encode("abc");
  assert.equal(await sha256Hex(data), await subtleHex(data));
});

Deno.test("readWheelSync() hands each side module's inflated bytes to onSideModule", async () => {
  const core = makeWasm({ exports: ["PyInit__core"] });
  const lib = makeWasm({ exports: ["foo"] });
  const { bytes } = await makeZip([
    { name: "demo/_core.cpython-312-wasm32-emscripten.so", data: core },
    { name: "demo/readme.txt", data: "not a module" },
    { name: "demo.libs/libfoo.so", data: lib, method: 0 },
  ]);
  const seen: { member: string; bytes: Uint8Array }[] = [];
  const facts = readWheelSync(bytes, {
    file: "demo-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
    onSideModule: (member, data) => seen.push({ member, bytes: data }),
  });
  assert.deepEqual(seen.map((s) => s.member), facts.sideModules.map((s) => s.member));
  assert.deepEqual(seen.map((s) => s.member), [
    "demo/_core.cpython-312-wasm32-emscripten.so",
    "demo.libs/libfoo.so",
  ]);
  assert.deepEqual(seen[0].bytes, core);
  assert.deepEqual(seen[1].bytes, lib);
  for (const [i, side] of facts.sideModules.entries()) {
    assert.equal(side.sha256, await subtleHex(seen[i].bytes));
  }
});

Deno.test("readWheel() takes a caller's verified sha256 only for bytes whole in memory", async () => {
  const { bytes } = await makeZip([
    { name: "demo/_core.cpython-312-wasm32-emscripten.so", data: makeWasm({ exports: ["f"] }) },
  ]);
  const file = "demo-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl";
  const real = await subtleHex(bytes);
  // A stand-in the reader cannot tell from a real hash: taken as is, not computed again.
  const given = "ab".repeat(32);
  assert.equal((await readWheel(bytes, { file })).sha256, real);
  assert.equal((await readWheel(bytes, { file, sha256: given })).sha256, given);
  // Not a sha256 in hex: ignored, the bytes are hashed.
  assert.equal((await readWheel(bytes, { file, sha256: "AB".repeat(32) })).sha256, real);
  assert.equal((await readWheel(bytes, { file, sha256: "abc" })).sha256, real);
  // Read on demand: the ranges read may not be the bytes the caller hashed, so always hashed.
  const ranges = {
    length: bytes.length,
    subarray: (start: number, end: number) => bytes.slice(start, end),
  };
  assert.equal((await readWheel(ranges, { file, sha256: given })).sha256, real);
});
