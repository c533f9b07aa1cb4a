/**
 * Malformed modules the test writes byte by byte: each must give a WasmFormatError (a
 * SyntaxError) with this exact message, offset and section.
 */
import assert from "node:assert/strict";
import { readWasmModule, WasmFormatError } from "../../src/wasm/mod.ts";

/** Unsigned LEB128. */
function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const name = (s: string) => [...u32(utf8(s).length), ...utf8(s)];
/** A section: id, size, payload. */
const sec = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
const custom = (n: string, payload: number[]) => sec(0, [...name(n), ...payload]);
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const mod = (...sections: number[][]) => new Uint8Array([...HEADER, ...sections.flat()]);

// Offsets below are counted by hand: the header is 8 bytes, so the first section id is at 8,
// its size at 9 and its payload at 10 (sizes here are all one byte).
const TYPE_V_V = sec(1, [1, 0x60, 0, 0]); // bytes 8..13: one type () -> ()
const FUNC_1 = sec(3, [1, 0]); // bytes 14..17: one function of type 0

interface Case {
  why: string;
  bytes: Uint8Array;
  message: string;
  offset: number;
  section?: string;
}

const CASES: Case[] = [
  {
    why: "an ELF file is not wasm",
    bytes: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 0, 0, 0]),
    message: "Not a wasm module: bad magic number 7f 45 4c 46, expected 00 61 73 6d",
    offset: 0,
  },
  {
    why: "version 2 does not exist",
    bytes: new Uint8Array([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0]),
    message: "Unsupported wasm version: found 2, expected 1",
    offset: 4,
  },
  {
    why: "the header stops after 5 bytes",
    bytes: new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1]),
    message: "Cannot read module header: found 5 bytes, expected 8",
    offset: 0,
  },
  {
    why: "section id 14 is unknown",
    bytes: mod([14, 0]),
    message: "Cannot read section header: unknown section id 14",
    offset: 8,
  },
  {
    why: "the type section claims 16 bytes, 1 follows",
    bytes: mod([1, 16, 0]),
    message: 'Cannot read section "type": size 16 runs past the end of the module (1 byte left)',
    offset: 9,
    section: "type",
  },
  {
    why: "the section size LEB is cut by the end of the file",
    bytes: mod([1, 0x80]),
    message: 'Cannot read section "type" size: truncated LEB128 integer',
    offset: 9,
    section: "type",
  },
  {
    why: "the type count LEB is cut by the end of its section",
    bytes: mod([1, 1, 0x80], TYPE_V_V),
    message: "Cannot read type count: truncated LEB128 integer",
    offset: 10,
    section: "type",
  },
  {
    why: "a 6-byte LEB128 (continuation bit on the 5th byte)",
    bytes: mod(sec(1, [0x80, 0x80, 0x80, 0x80, 0x80, 0x00])),
    message: "Cannot read type count: LEB128 integer longer than 5 bytes",
    offset: 10,
    section: "type",
  },
  {
    why: "a 5-byte LEB128 whose value needs 33 bits",
    bytes: mod(sec(1, [0xff, 0xff, 0xff, 0xff, 0x1f])),
    message: "Cannot read type count: LEB128 value does not fit in 32 bits",
    offset: 10,
    section: "type",
  },
  {
    why: "100 imports cannot fit in the 1 byte left",
    bytes: mod(sec(2, [100, 0])),
    message:
      'Cannot read import count: 100 entries need at least 400 bytes but 1 byte is left in section "import"',
    offset: 10,
    section: "import",
  },
  {
    why: "more imports than MAX_IMPORTS, rejected before allocating",
    bytes: mod(sec(2, u32(100_001))),
    message: "Cannot read import count: 100001 exceeds the limit of 100000",
    offset: 10,
    section: "import",
  },
  {
    why: "an empty type section that claims 2 bytes",
    bytes: mod(sec(1, [0, 0])),
    message: 'Cannot read section "type": 1 byte left over after its contents',
    offset: 11,
    section: "type",
  },
  {
    why: "two type sections",
    bytes: mod(sec(1, [0]), sec(1, [0])),
    message: 'Cannot read section "type": duplicate section, the first is at offset 0x8',
    offset: 11,
    section: "type",
  },
  {
    why: "the type section after the function section",
    bytes: mod(sec(3, [0]), sec(1, [0])),
    message: 'Cannot read section "type": out of order, it must come before section "function"',
    offset: 11,
    section: "type",
  },
  {
    why: "the tag section (13) belongs before the global section (6)",
    bytes: mod(sec(6, [0]), sec(13, [0])),
    message: 'Cannot read section "tag": out of order, it must come before section "global"',
    offset: 11,
    section: "tag",
  },
  {
    why: "dylink.0 MEM_INFO claims 10 bytes, 4 follow (subsection size at 20)",
    bytes: mod(custom("dylink.0", [1, 10, 0, 0, 0, 0])),
    message:
      'Cannot read subsection 1 (MEM_INFO): size 10 runs past the end of section "dylink.0" (4 bytes left)',
    offset: 20,
    section: "dylink.0",
  },
  {
    why: "dylink.0 MEM_INFO claims 5 bytes and uses 4",
    bytes: mod(custom("dylink.0", [1, 5, 0, 0, 0, 0, 0])),
    message:
      'Cannot read subsection 1 (MEM_INFO) of section "dylink.0": 1 byte left over after its contents',
    offset: 25,
    section: "dylink.0",
  },
  {
    why: "dylink.0 MEM_INFO claims 2 bytes but needs 4",
    bytes: mod(custom("dylink.0", [1, 2, 0, 0, 0, 0])),
    message:
      'Cannot read table size: unexpected end of subsection 1 (MEM_INFO) of section "dylink.0"',
    offset: 23,
    section: "dylink.0",
  },
  {
    why: "dylink.0 NEEDED count 2^32 - 1",
    bytes: mod(custom("dylink.0", [2, 5, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    message: "Cannot read needed library count: 4294967295 exceeds the limit of 10000",
    offset: 21,
    section: "dylink.0",
  },
  {
    why: "dylink.0 NEEDED name runs past its subsection",
    bytes: mod(custom("dylink.0", [2, 3, 1, 5, 0x61])),
    message:
      'Cannot read needed library name: length 5 runs past the end of subsection 2 (NEEDED) of section "dylink.0" (1 byte left)',
    offset: 22,
    section: "dylink.0",
  },
  {
    why: "two dylink.0 sections (the second at 25)",
    bytes: mod(custom("dylink.0", [1, 4, 0, 0, 0, 0]), custom("dylink.0", [1, 4, 0, 0, 0, 0])),
    message: 'Cannot read section "dylink.0": duplicate section, the first is at offset 0x8',
    offset: 25,
    section: "dylink.0",
  },
  {
    why: "target_features prefix 'A' is not +, - or =",
    bytes: mod(custom("target_features", [1, 0x41, ...name("x")])),
    message: "Cannot read target feature prefix: unknown prefix 0x41",
    offset: 27,
    section: "target_features",
  },
  {
    why: "a custom section name longer than its section",
    bytes: mod([0, 2, 5, 0x61]),
    message:
      'Cannot read custom section name: length 5 runs past the end of section "custom" (1 byte left)',
    offset: 10,
    section: "custom",
  },
  {
    why: "a name longer than MAX_NAME_BYTES",
    bytes: mod(sec(0, u32(100_001))),
    message: "Cannot read custom section name: length 100001 exceeds the limit of 100000",
    offset: 10,
    section: "custom",
  },
  {
    why: "an import module name that is not UTF-8",
    bytes: mod(sec(2, [1, 1, 0xff, 0, 0, 0])),
    message: "Cannot read import module name: invalid UTF-8",
    offset: 11,
    section: "import",
  },
  {
    why: "import kind 5 does not exist",
    bytes: mod(sec(2, [1, 0, 0, 5, 0])),
    message: "Cannot read import kind: unknown kind 0x05",
    offset: 13,
    section: "import",
  },
  {
    why: "a function import of a type that does not exist",
    bytes: mod(sec(2, [1, 0, 0, 0, 3])),
    message: "Cannot read import type index: type 3 does not exist (0 types)",
    offset: 14,
    section: "import",
  },
  {
    why: "type form 0x61 is not a function type",
    bytes: mod(sec(1, [1, 0x61, 0, 0])),
    message: "Cannot read type form: unknown form 0x61",
    offset: 11,
    section: "type",
  },
  {
    why: "GC rec groups are not supported",
    bytes: mod(sec(1, [1, 0x4e, 0, 0])),
    message: "Cannot read type form: unsupported GC form 0x4e (rec)",
    offset: 11,
    section: "type",
  },
  {
    why: "0x40 is not a value type",
    bytes: mod(sec(1, [1, 0x60, 1, 0x40, 0])),
    message: "Cannot read parameter type: unknown value type 0x40",
    offset: 13,
    section: "type",
  },
  {
    why: "heap type 0x40 is not an abstract heap type",
    bytes: mod(sec(1, [1, 0x60, 1, 0x63, 0x40, 0])),
    message: "Cannot read parameter type: unknown heap type 0x40",
    offset: 14,
    section: "type",
  },
  {
    why: "memory limits flags 0x08 (custom page sizes) are not read",
    bytes: mod(sec(5, [1, 0x08, 0])),
    message: "Cannot read memory limits flags: unknown flags 0x08",
    offset: 11,
    section: "memory",
  },
  {
    why: "memory minimum above its maximum",
    bytes: mod(sec(5, [1, 0x01, 2, 1])),
    message: "Cannot read memory limits: minimum 2 is larger than maximum 1",
    offset: 12,
    section: "memory",
  },
  {
    why: "a global initialised with `call`",
    bytes: mod(sec(6, [1, 0x7f, 0, 0x10, 0, 0x0b])),
    message: "Cannot read global initialiser: unsupported instruction 0x10",
    offset: 13,
    section: "global",
  },
  {
    why: "a global mutability byte of 2",
    bytes: mod(sec(6, [1, 0x7f, 2, 0x41, 0, 0x0b])),
    message: "Cannot read global mutability: invalid value 0x02",
    offset: 12,
    section: "global",
  },
  {
    why: "an export of function 5 in a module without functions",
    bytes: mod(sec(7, [1, 0, 0, 5])),
    message: "Cannot read export index: function 5 does not exist (0 functions)",
    offset: 13,
    section: "export",
  },
  {
    why: "two exports named a (the second name at 25)",
    bytes: mod(
      TYPE_V_V,
      FUNC_1,
      sec(7, [2, ...name("a"), 0, 0, ...name("a"), 0, 0]),
      sec(10, [1, 2, 0, 0x0b]),
    ),
    message: 'Cannot read export name: duplicate export "a"',
    offset: 25,
    section: "export",
  },
  {
    why: "a function without a body (body count at 20)",
    bytes: mod(TYPE_V_V, FUNC_1, sec(10, [0])),
    message: "Cannot read function body count: 0 bodies for 1 declared function",
    offset: 20,
    section: "code",
  },
  {
    why: "a function and no code section at all",
    bytes: mod(TYPE_V_V, FUNC_1),
    message: 'Cannot read section "function": 1 function declared but there is no code section',
    offset: 16,
    section: "function",
  },
  {
    why: "a function body claims 5 bytes, 1 follows",
    bytes: mod(TYPE_V_V, FUNC_1, sec(10, [1, 5, 0])),
    message: 'Cannot read function body: size 5 runs past the end of section "code" (1 byte left)',
    offset: 21,
    section: "code",
  },
  {
    why: "the data count section says 2, the data section has 1 segment",
    bytes: mod(sec(12, [2]), sec(11, [1, 1, 0])),
    message: "Cannot read data segment count: 1 segment but the data count section says 2",
    offset: 13,
    section: "data",
  },
];

Deno.test("readWasmModule() rejects malformed modules with exact errors", async (t) => {
  for (const c of CASES) {
    await t.step(c.why, () => {
      let caught: unknown;
      try {
        readWasmModule(c.bytes);
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof WasmFormatError, `not a WasmFormatError: ${caught}`);
      assert.ok(caught instanceof SyntaxError);
      assert.equal(caught.reason, c.message);
      assert.equal(caught.message, `${c.message} (at offset 0x${c.offset.toString(16)})`);
      assert.equal(caught.offset, c.offset);
      assert.equal(caught.section, c.section);
    });
  }
});

Deno.test("WasmFormatError names the file and the archive member", () => {
  const bytes = mod(sec(1, [0x80]));
  const read = (options: { file?: string; member?: string }) => {
    try {
      readWasmModule(bytes, options);
    } catch (e) {
      return e as WasmFormatError;
    }
    throw new Error("no error");
  };
  const both = read({ file: "x.whl", member: "pkg/_core.so" });
  assert.equal(
    both.message,
    'Cannot read type count: truncated LEB128 integer (at offset 0xa in "pkg/_core.so" of "x.whl")',
  );
  assert.equal(both.file, "x.whl");
  assert.equal(both.member, "pkg/_core.so");
  assert.equal(both.name, "WasmFormatError");
  assert.equal(
    read({ file: "_core.so" }).message,
    'Cannot read type count: truncated LEB128 integer (at offset 0xa in "_core.so")',
  );
});

Deno.test("readWasmModule() fails cleanly on every truncation of a module", () => {
  // A module using most sections; a prefix ending between sections may itself be well-formed.
  const sections = [
    custom("dylink.0", [1, 4, 0, 0, 0, 0, 2, 4, 1, ...name("lb")]),
    TYPE_V_V,
    sec(2, [1, ...name("env"), ...name("memory"), 2, 0, 1]),
    FUNC_1,
    sec(6, [1, 0x7f, 0, 0x41, 0x2a, 0x0b]),
    sec(7, [1, ...name("f"), 0, 0]),
    sec(10, [1, 2, 0, 0x0b]),
    sec(11, [1, 0, 0x41, 0, 0x0b, 1, 7]),
  ];
  const whole = mod(...sections);
  const boundaries = new Set<number>([8]);
  let end = 8;
  for (const s of sections) boundaries.add(end += s.length);
  const facts = readWasmModule(whole);
  assert.equal(facts.globals[0].value, 42);
  assert.deepEqual(facts.dylink?.needed, ["lb"]);
  for (let n = 0; n < whole.length; n++) {
    let caught: unknown;
    try {
      readWasmModule(whole.subarray(0, n));
    } catch (e) {
      caught = e;
    }
    if (!boundaries.has(n) || caught !== undefined) {
      assert.ok(caught instanceof WasmFormatError, `prefix of ${n} bytes: ${caught}`);
      assert.ok(caught.offset >= 0 && caught.offset <= n, `prefix ${n}: offset ${caught.offset}`);
    }
  }
});
