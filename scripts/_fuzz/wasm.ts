/**
 * Wasm inputs for the fuzzer: generated seed modules (from scratch, covering every section and
 * custom section the reader knows) and structure-aware mutations (section duplication, reordering,
 * lying sizes and counts, over-long LEB128, huge limits, `dylink.0` subsection lies, odd constant
 * expressions) on top of plain byte mutations.
 *
 * @module
 */
import { buildModule, type ModuleSpec } from "../../src/wasm/build_module.ts";
import type { FuncType, Limits } from "../../src/wasm/types.ts";
import {
  concat,
  INTERESTING_BYTES,
  INTERESTING_U32,
  latin1,
  readUleb,
  type Rng,
  sleb,
  splice,
  uleb,
  utf8,
  wasmName,
} from "./bytes.ts";

/** One section of a module as found by the lenient splitter. */
export interface Section {
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the size LEB128. */
  sizeStart: number;
  payloadStart: number;
  end: number;
  /** Custom sections: the name and where its contents start. */
  name?: string;
  bodyStart?: number;
}

/** Position of each section id in the order the format requires (as the reader ranks them). */
const SECTION_RANK: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];
/** Sections whose payload starts with a count. */
const COUNTED = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13]);
const FACT_SECTIONS = ["dylink.0", "dylink", "target_features", "producers"];
const MAX_SPLIT_SECTIONS = 10_000;

/**
 * Splits a module into sections as far as the framing holds; stops quietly at the first section
 * that does not fit (mutated inputs are expected to be broken).
 */
export function splitSections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let p = 8;
  while (p < bytes.length && out.length < MAX_SPLIT_SECTIONS) {
    const id = bytes[p]!;
    const size = readUleb(bytes, p + 1);
    if (size === undefined) break;
    const end = size.next + size.value;
    if (end > bytes.length) break;
    const s: Section = { id, start: p, sizeStart: p + 1, payloadStart: size.next, end };
    if (id === 0) {
      const n = readUleb(bytes, size.next);
      if (n !== undefined && n.next + n.value <= end) {
        s.name = latin1(bytes.subarray(n.next, n.next + n.value));
        s.bodyStart = n.next + n.value;
      }
    }
    out.push(s);
    p = end;
  }
  return out;
}

function section(id: number, payload: ArrayLike<number>, sizePad = 1): Uint8Array {
  return concat([id], uleb(payload.length, sizePad), payload);
}

/** Replaces the section with this id, or inserts one where the order says it belongs. */
function putSection(
  bytes: Uint8Array,
  secs: Section[],
  id: number,
  payload: Uint8Array,
): Uint8Array {
  const sec = section(id, payload);
  const existing = secs.find((s) => s.id === id);
  if (existing !== undefined) return splice(bytes, existing.start, existing.end, sec);
  let at = 8;
  for (const s of secs) {
    if (s.id !== 0 && s.id < SECTION_RANK.length && SECTION_RANK[s.id]! > SECTION_RANK[id]!) break;
    at = s.end;
  }
  return splice(bytes, Math.min(at, bytes.length), Math.min(at, bytes.length), sec);
}

// ---------------------------------------------------------------------------------------------
// Generated seeds

const I32: FuncType = { params: ["i32"], results: [] };
const VOID: FuncType = { params: [], results: [] };
const RET_I32: FuncType = { params: [], results: ["i32"] };
const MEM: Limits = { min: 1, shared: false, is64: false };

function customPayload(name: string, body: ArrayLike<number>): Uint8Array {
  return concat(wasmName(name), body);
}

function targetFeatures(list: string[]): number[] {
  const out = [...uleb(list.length)];
  for (const f of list) out.push(f.charCodeAt(0), ...wasmName(f.slice(1)));
  return out;
}

function producers(fields: Record<string, [string, string][]>): number[] {
  const keys = Object.keys(fields);
  const out = [...uleb(keys.length)];
  for (const k of keys) {
    out.push(...wasmName(k), ...uleb(fields[k]!.length));
    for (const [n, v] of fields[k]!) out.push(...wasmName(n), ...wasmName(v));
  }
  return out;
}

/** Side modules and main-like modules built from scratch: every section kind, both EH flavours. */
export function generateWasmSeeds(): { name: string; bytes: Uint8Array }[] {
  const specs: [string, ModuleSpec][] = [
    ["empty.wasm", {}],
    ["js-eh-side.so", {
      dylink: {
        memorySize: 16,
        memoryAlign: 2,
        tableSize: 2,
        tableAlign: 0,
        needed: ["libc++.so", "libfoo.so"],
        exportInfo: [{ name: "tls_var", flags: 1 }],
        importInfo: [{ module: "env", name: "weak_sym", flags: 1 }],
        runtimePath: ["$ORIGIN/../lib"],
      },
      imports: [
        { module: "env", name: "memory", kind: "memory", memory: MEM },
        {
          module: "env",
          name: "__indirect_function_table",
          kind: "table",
          table: { element: "funcref", limits: { min: 2, shared: false, is64: false } },
        },
        {
          module: "env",
          name: "__stack_pointer",
          kind: "global",
          global: { type: "i32", mutable: true },
        },
        {
          module: "env",
          name: "__memory_base",
          kind: "global",
          global: { type: "i32", mutable: false },
        },
        { module: "GOT.mem", name: "x", kind: "global", global: { type: "i32", mutable: true } },
        {
          module: "env",
          name: "invoke_vi",
          kind: "func",
          type: { params: ["i32", "i32"], results: [] },
        },
        { module: "env", name: "__cxa_find_matching_catch_2", kind: "func", type: RET_I32 },
        {
          module: "env",
          name: "__cxa_begin_catch",
          kind: "func",
          type: { params: ["i32"], results: ["i32"] },
        },
        { module: "env", name: "__resumeException", kind: "func", type: I32 },
        {
          module: "env",
          name: "saveSetjmp",
          kind: "func",
          type: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
        },
        {
          module: "env",
          name: "testSetjmp",
          kind: "func",
          type: { params: ["i32", "i32", "i32"], results: ["i32"] },
        },
        {
          module: "env",
          name: "emscripten_longjmp",
          kind: "func",
          type: { params: ["i32", "i32"], results: [] },
        },
        {
          module: "env",
          name: "_PyLong_FromI64",
          kind: "func",
          type: { params: ["i64"], results: ["i32"] },
        },
      ],
      functions: [
        { type: VOID, body: [] },
        { type: RET_I32, body: [0x41, 0] },
      ],
      exports: [
        { name: "__wasm_apply_data_relocs", kind: "func", index: 8 },
        { name: "PyInit__core", kind: "func", index: 9 },
      ],
      data: [{ offset: { globalGet: 1 }, bytes: utf8("hello") }],
      elements: [{ offset: { globalGet: 1 }, functions: [8, 9] }],
      customSections: [
        {
          name: "target_features",
          payload: Uint8Array.from(targetFeatures(["+mutable-globals", "+sign-ext"])),
        },
      ],
    }],
    ["wasm-eh-side.so", {
      dylink: { memorySize: 4, memoryAlign: 2, needed: ["libpython3.13.so"] },
      imports: [
        {
          module: "env",
          name: "memory",
          kind: "memory",
          memory: { min: 1, max: 2, shared: true, is64: false },
        },
        { module: "env", name: "__cpp_exception", kind: "tag", tag: I32 },
        { module: "env", name: "__c_longjmp", kind: "tag", tag: I32 },
        {
          module: "env",
          name: "__wasm_setjmp",
          kind: "func",
          type: { params: ["i32", "i32", "i32"], results: [] },
        },
        {
          module: "env",
          name: "__wasm_setjmp_test",
          kind: "func",
          type: { params: ["i32", "i32"], results: ["i32"] },
        },
        {
          module: "env",
          name: "__cxa_throw",
          kind: "func",
          type: { params: ["i32", "i32", "i32"], results: [] },
        },
      ],
      tags: [I32],
      functions: [{ type: VOID, body: [] }],
      exports: [
        { name: "PyInit_fast", kind: "func", index: 3 },
        { name: "my_tag", kind: "tag", index: 2 },
      ],
    }],
    ["memory64.wasm", {
      memories: [{ min: 1, max: 65536, shared: false, is64: true }],
      globals: [
        { type: { type: "i64", mutable: true }, init: { i64: -1n } },
        { type: { type: "f32", mutable: false }, init: { f32: 1.5 } },
        { type: { type: "f64", mutable: false }, init: { f64: -0 } },
        { type: { type: "externref", mutable: false }, init: { refNull: "externref" } },
      ],
      exports: [
        { name: "memory", kind: "memory", index: 0 },
        { name: "g", kind: "global", index: 0 },
      ],
    }],
    ["legacy-dylink.so", {
      dylink: { legacy: true, memorySize: 8, memoryAlign: 3, needed: ["libz.so"] },
      functions: [{ type: RET_I32, body: [0x41, 7] }],
      exports: [{ name: "PyInit_old", kind: "func", index: 0 }],
    }],
    ["start-and-data.wasm", {
      memories: [MEM],
      tables: [{ element: "funcref", limits: { min: 1, max: 10, shared: false, is64: false } }],
      functions: [{ type: VOID, body: [] }, { type: RET_I32, body: [0x41, 1] }],
      globals: [{ type: { type: "funcref", mutable: false }, init: { refFunc: 0 } }],
      start: 0,
      data: [{ offset: { i32: 0 }, bytes: utf8("abc") }, {
        offset: { i32: 0 },
        bytes: utf8("passive"),
        passive: true,
      }],
      dataCount: true,
      elements: [{ offset: { i32: 0 }, functions: [1] }],
      exports: [{ name: "table", kind: "table", index: 0 }],
    }],
  ];
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const [name, spec] of specs) {
    try {
      out.push({ name, bytes: buildModule(spec) });
    } catch {
      // A spec the emitter refuses only loses one seed.
    }
  }
  // Custom sections the emitter does not write, appended raw.
  const base = out.find((s) => s.name === "wasm-eh-side.so");
  if (base !== undefined) {
    const features = targetFeatures([
      "+atomics",
      "+bulk-memory",
      "+exception-handling",
      "+simd128",
      "+tail-call",
      "-memory64",
      "=mutable-globals",
    ]);
    const prod = producers({
      language: [["C11", ""]],
      "processed-by": [["clang", "19.0.0"], ["Emscripten", "4.0.9"]],
      "__proto__": [["x", "y"]],
    });
    out.push({
      name: "features.so",
      bytes: concat(
        base.bytes,
        section(0, customPayload("target_features", features)),
        section(0, customPayload("producers", prod)),
        section(0, customPayload("name", [1, 2, 3])),
      ),
    });
  }
  // Hand-encoded: a table with an initialiser, extended-const and v128 globals, a data count of 0.
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  out.push({
    name: "exotic.wasm",
    bytes: concat(
      header,
      section(1, [1, 0x60, 0, 0]),
      section(4, [1, 0x40, 0x00, 0x63, 0x70, 0x00, 0x01, 0xd0, 0x70, 0x0b]),
      section(6, [
        3,
        0x7f,
        0x00,
        0x41,
        2,
        0x41,
        3,
        0x6c,
        0x41,
        1,
        0x6a,
        0x0b,
        0x7b,
        0x00,
        0xfd,
        0x0c,
        ...new Array(16).fill(7),
        0x0b,
        0x7e,
        0x00,
        0x42,
        ...sleb(-(2n ** 40n)),
        0x42,
        3,
        0x7e,
        0x0b,
      ]),
      section(12, [0]),
    ),
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** A mutation: returns new bytes and appends a label describing what it did. */
type WasmOp = (
  bytes: Uint8Array,
  rng: Rng,
  others: readonly Uint8Array[],
  log: string[],
) => Uint8Array;

/** Flips 1 to 8 random bits. */
export function flipBits(bytes: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  if (bytes.length === 0) return bytes;
  const out = bytes.slice();
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) {
    const at = rng.int(out.length);
    out[at]! ^= 1 << rng.int(8);
  }
  log.push(`flip ${n} bits`);
  return out;
}

/** Overwrites 1 to 4 bytes with values that mean something in headers. */
export function overwriteBytes(bytes: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  if (bytes.length === 0) return bytes;
  const out = bytes.slice();
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    out[rng.int(out.length)] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  }
  log.push(`overwrite ${n} bytes`);
  return out;
}

/** Cuts the input short (anywhere, or near a given boundary). */
export function truncate(bytes: Uint8Array, rng: Rng, log: string[], near?: number): Uint8Array {
  const at = near === undefined
    ? rng.int(bytes.length)
    : Math.max(0, Math.min(bytes.length - 1, near + rng.range(-3, 3)));
  log.push(`truncate at ${at}`);
  return bytes.subarray(0, at);
}

/** Inserts 1 to 16 random bytes, or deletes up to 32. */
export function insertOrDelete(bytes: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  const at = rng.int(bytes.length + 1);
  if (rng.chance(0.5)) {
    const n = rng.range(1, 16);
    log.push(`insert ${n} bytes at ${at}`);
    return splice(bytes, at, at, rng.bytes(n));
  }
  const n = rng.range(1, 32);
  log.push(`delete ${n} bytes at ${at}`);
  return splice(bytes, at, Math.min(bytes.length, at + n), []);
}

function pickSection(
  secs: Section[],
  rng: Rng,
  filter?: (s: Section) => boolean,
): Section | undefined {
  const pool = filter === undefined ? secs : secs.filter(filter);
  return pool.length === 0 ? undefined : rng.pick(pool);
}

const duplicateSection: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const s = pickSection(secs, rng);
  if (s === undefined) return flipBits(bytes, rng, log);
  const copy = bytes.slice(s.start, s.end);
  const at = rng.chance(0.5) ? s.end : rng.pick(secs).start;
  log.push(`duplicate section ${s.id}${s.name ? ` "${s.name}"` : ""}`);
  return splice(bytes, at, at, copy);
};

const reorderSections: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  if (secs.length < 2) return flipBits(bytes, rng, log);
  const i = rng.int(secs.length - 1);
  const j = rng.range(i + 1, secs.length - 1);
  const a = secs[i]!;
  const b = secs[j]!;
  log.push(`swap sections ${a.id} and ${b.id}`);
  return concat(
    bytes.subarray(0, a.start),
    bytes.subarray(b.start, b.end),
    bytes.subarray(a.end, b.start),
    bytes.subarray(a.start, a.end),
    bytes.subarray(b.end),
  );
};

const dropSection: WasmOp = (bytes, rng, _o, log) => {
  const s = pickSection(splitSections(bytes), rng);
  if (s === undefined) return truncate(bytes, rng, log);
  log.push(`drop section ${s.id}`);
  return splice(bytes, s.start, s.end, []);
};

function lieAbout(value: number, rng: Rng, room: number): number {
  return rng.pick([
    value + 1,
    Math.max(0, value - 1),
    value + rng.range(2, 64),
    0,
    room,
    room + 1,
    rng.pick(INTERESTING_U32),
  ]);
}

const sectionSizeLie: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const s = pickSection(secs, rng);
  if (s === undefined) return flipBits(bytes, rng, log);
  const size = s.end - s.payloadStart;
  const lie = Math.min(0xffffffff, lieAbout(size, rng, bytes.length - s.payloadStart));
  log.push(`section ${s.id} size ${size} -> ${lie}`);
  return splice(bytes, s.sizeStart, s.payloadStart, uleb(lie, rng.chance(0.2) ? 5 : 1));
};

const countLie: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const s = pickSection(
    secs,
    rng,
    (x) => COUNTED.has(x.id) || (x.bodyStart !== undefined && FACT_SECTIONS.includes(x.name!)),
  );
  if (s === undefined) return sectionSizeLie(bytes, rng, _o, log);
  const at = s.id === 0 ? s.bodyStart! : s.payloadStart;
  const count = readUleb(bytes, at);
  if (count === undefined || count.next > s.end) return sectionSizeLie(bytes, rng, _o, log);
  const lie = Math.min(0xffffffff, lieAbout(count.value, rng, s.end - count.next));
  log.push(`section ${s.id}${s.name ? ` "${s.name}"` : ""} count ${count.value} -> ${lie}`);
  const payload = concat(
    bytes.subarray(s.payloadStart, at),
    uleb(lie, rng.chance(0.2) ? 5 : 1),
    bytes.subarray(count.next, s.end),
  );
  // Mostly keep the framing right, so the count itself is what the reader trips on.
  return splice(bytes, s.start, s.end, section(s.id, payload, rng.chance(0.1) ? 5 : 1));
};

const overlongLeb: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const s = pickSection(secs, rng);
  if (s === undefined) return flipBits(bytes, rng, log);
  const width = rng.pick([5, 6, 7, 10, 11]);
  if (rng.chance(0.5) || !COUNTED.has(s.id)) {
    const size = s.end - s.payloadStart;
    log.push(`section ${s.id} size as ${width}-byte LEB128`);
    return splice(bytes, s.sizeStart, s.payloadStart, uleb(size, width));
  }
  const count = readUleb(bytes, s.payloadStart);
  if (count === undefined) return flipBits(bytes, rng, log);
  let payload: Uint8Array;
  if (rng.chance(0.3)) {
    // A LEB128 that never ends before the section does.
    payload = new Uint8Array(rng.range(1, 12)).fill(0x80);
    log.push(`section ${s.id} count unterminated`);
  } else {
    payload = concat(uleb(count.value, width), bytes.subarray(count.next, s.end));
    log.push(`section ${s.id} count as ${width}-byte LEB128`);
  }
  return splice(bytes, s.start, s.end, section(s.id, payload));
};

const BIG_LIMITS: readonly bigint[] = [
  0n,
  1n,
  65536n,
  65537n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 48n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
];

function randomLimits(rng: Rng): number[] {
  const flags = rng.chance(0.85) ? rng.int(8) : rng.pick([8, 0x10, 0x7f, 0x80, 0xff]);
  const is64 = (flags & 4) !== 0;
  const value = (): number[] => {
    const v = rng.pick(BIG_LIMITS);
    // Out-of-range values for 32-bit limits are lies the reader must refuse, so keep some.
    return uleb(
      !is64 && v > 0xffffffffn && rng.chance(0.7) ? 0xffffffffn : v,
      rng.chance(0.1) ? 10 : 1,
    );
  };
  const out = [flags, ...value()];
  if (flags & 1) out.push(...value());
  return out;
}

function randomRefType(rng: Rng): number[] {
  return rng.pick([
    [0x70],
    [0x6f],
    [0x69],
    [0x7f],
    [0x63, 0x70],
    [0x64, ...sleb(rng.int(5))],
    [
      0x63,
      ...sleb(-(2 ** 32)),
    ],
    [0x63, 0x40],
    [rng.int(256)],
  ]);
}

const hugeLimits: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const kind = rng.pick(["memory", "table", "import"] as const);
  const n = rng.range(1, 2);
  if (kind === "memory") {
    const payload: number[] = [n];
    for (let i = 0; i < n; i++) payload.push(...randomLimits(rng));
    log.push("memory section with odd limits");
    return putSection(bytes, secs, 5, Uint8Array.from(payload));
  }
  if (kind === "table") {
    const payload: number[] = [n];
    for (let i = 0; i < n; i++) {
      if (rng.chance(0.2)) {
        payload.push(0x40, rng.chance(0.9) ? 0 : 1, ...randomRefType(rng), ...randomLimits(rng));
        payload.push(...randomConstExpr(rng));
      } else {
        payload.push(...randomRefType(rng), ...randomLimits(rng));
      }
    }
    log.push("table section with odd limits");
    return putSection(bytes, secs, 4, Uint8Array.from(payload));
  }
  // An extra import of a memory or table with odd limits.
  const s = secs.find((x) => x.id === 2);
  const entry = [
    ...wasmName("env"),
    ...wasmName(rng.pick(["memory", "__indirect_function_table", "x"])),
    ...(rng.chance(0.5)
      ? [2, ...randomLimits(rng)]
      : [1, ...randomRefType(rng), ...randomLimits(rng)]),
  ];
  log.push("import with odd limits");
  if (s === undefined) return putSection(bytes, secs, 2, Uint8Array.from([1, ...entry]));
  const count = readUleb(bytes, s.payloadStart);
  if (count === undefined) return flipBits(bytes, rng, log);
  const payload = concat(uleb(count.value + 1), bytes.subarray(count.next, s.end), entry);
  return splice(bytes, s.start, s.end, section(2, payload));
};

/** A constant expression from a grammar of valid and invalid instructions. */
function randomConstExpr(rng: Rng): number[] {
  if (rng.chance(0.05)) {
    // Deeper than the reader's operand-stack limit.
    const out: number[] = [];
    const n = rng.pick([999, 1000, 1001, 5000]);
    for (let i = 0; i < n; i++) out.push(0x41, 0);
    out.push(0x0b);
    return out;
  }
  const out: number[] = [];
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const op = rng.int(14);
    if (op === 0) out.push(0x41, ...sleb(rng.pick([0, -1, 2 ** 31 - 1, -(2 ** 31)])));
    else if (op === 1) out.push(0x42, ...sleb(rng.pick([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)])));
    else if (op === 2) out.push(0x43, ...rng.bytes(4));
    else if (op === 3) out.push(0x44, ...rng.bytes(8));
    else if (op === 4) out.push(0x23, ...uleb(rng.pick([0, 1, 1000, 0xffffffff])));
    else if (op === 5) out.push(0xd0, ...randomRefType(rng).slice(-1));
    else if (op === 6) out.push(0xd2, ...uleb(rng.int(4)));
    else if (op === 7) out.push(rng.pick([0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e]));
    else if (op === 8) out.push(0xfd, ...uleb(rng.pick([12, 13, 0xffff])), ...rng.bytes(16));
    else if (op === 9) out.push(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    else if (op === 10) out.push(0x42, ...new Array(10).fill(0xff), 0x01);
    else out.push(rng.int(256));
  }
  if (rng.chance(0.9)) out.push(0x0b);
  return out;
}

const oddGlobals: WasmOp = (bytes, rng, _o, log) => {
  const n = rng.range(1, 3);
  const payload: number[] = [...uleb(n)];
  for (let i = 0; i < n; i++) {
    payload.push(...randomRefType(rng).slice(0, 1), rng.pick([0, 1, 1, 2, 0x80]));
    if (rng.chance(0.5)) payload[payload.length - 2] = rng.pick([0x7f, 0x7e, 0x7d, 0x7c, 0x7b]);
    payload.push(...randomConstExpr(rng));
  }
  log.push("global section with odd constant expressions");
  return putSection(bytes, splitSections(bytes), 6, Uint8Array.from(payload));
};

function randomDylinkSubsection(rng: Rng): number[] {
  const type = rng.chance(0.9) ? rng.range(1, 5) : rng.int(256);
  let body: number[];
  const names = (n: number, per: () => number[]) => {
    const out = [...uleb(n)];
    for (let i = 0; i < n; i++) out.push(...per());
    return out;
  };
  const name = () => wasmName(rng.pick(["libc.so", "", "a", "\u00e9", "x".repeat(300)]));
  switch (type) {
    case 1:
      body = [...uleb(rng.pick(INTERESTING_U32)), ...uleb(rng.int(32)), ...uleb(rng.int(5000)), 0];
      break;
    case 2:
      body = names(rng.int(4), name);
      break;
    case 3:
      body = names(rng.int(4), () => [...name(), ...uleb(rng.pick([0, 1, 2, 3, 0xffffffff]))]);
      break;
    case 4:
      body = names(rng.int(4), () => [...name(), ...name(), ...uleb(rng.pick([0, 1, 2, 3]))]);
      break;
    case 5:
      body = names(rng.int(3), name);
      break;
    default:
      body = [...rng.bytes(rng.int(8))];
  }
  return [type, ...uleb(body.length), ...body];
}

interface Subsection {
  start: number;
  sizeStart: number;
  bodyStart: number;
  end: number;
}

function splitSubsections(bytes: Uint8Array, from: number, to: number): Subsection[] {
  const out: Subsection[] = [];
  let p = from;
  while (p < to && out.length < 1000) {
    const size = readUleb(bytes, p + 1);
    if (size === undefined || size.next + size.value > to) break;
    out.push({ start: p, sizeStart: p + 1, bodyStart: size.next, end: size.next + size.value });
    p = size.next + size.value;
  }
  return out;
}

const dylinkLie: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const s = secs.find((x) => x.name === "dylink.0" && x.bodyStart !== undefined);
  if (s === undefined) {
    // No dylink.0: add one first, where Emscripten puts it.
    const subs: number[] = [];
    const n = rng.range(1, 4);
    for (let i = 0; i < n; i++) subs.push(...randomDylinkSubsection(rng));
    log.push("insert dylink.0");
    return splice(bytes, 8, 8, section(0, customPayload("dylink.0", subs)));
  }
  const from = s.bodyStart!;
  const subs = splitSubsections(bytes, from, s.end);
  let body: Uint8Array = bytes.slice(from, s.end);
  const what = rng.int(6);
  const sub = subs.length > 0 ? rng.pick(subs) : undefined;
  if (what === 0 && sub !== undefined) {
    const size = sub.end - sub.bodyStart;
    const lie = Math.min(0xffffffff, lieAbout(size, rng, s.end - sub.bodyStart));
    log.push(`dylink.0 subsection size ${size} -> ${lie}`);
    body = splice(
      body,
      sub.sizeStart - from,
      sub.bodyStart - from,
      uleb(lie, rng.chance(0.2) ? 5 : 1),
    );
  } else if (what === 1 && sub !== undefined && sub.end > sub.bodyStart) {
    const count = readUleb(bytes, sub.bodyStart);
    if (count !== undefined && count.next <= sub.end) {
      const lie = Math.min(0xffffffff, lieAbout(count.value, rng, sub.end - count.next));
      log.push(`dylink.0 subsection ${bytes[sub.start]} first value ${count.value} -> ${lie}`);
      const inner = concat(uleb(lie), bytes.subarray(count.next, sub.end));
      body = splice(
        body,
        sub.start - from,
        sub.end - from,
        [bytes[sub.start]!, ...uleb(inner.length), ...inner],
      );
    }
  } else if (what === 2 && sub !== undefined) {
    log.push("dylink.0 duplicate subsection");
    body = splice(body, sub.end - from, sub.end - from, bytes.subarray(sub.start, sub.end));
  } else if (what === 3) {
    log.push("dylink.0 extra subsection");
    const at = sub === undefined ? 0 : sub.end - from;
    body = splice(body, at, at, randomDylinkSubsection(rng));
  } else if (what === 4 && body.length > 0) {
    log.push("dylink.0 cut short");
    body = body.subarray(0, rng.int(body.length));
  } else {
    body = flipBits(body, rng, log);
  }
  const payload = concat(bytes.subarray(s.payloadStart, from), body);
  if (rng.chance(0.15)) {
    // Keep the old section size: the section now lies about its own length.
    log.push("dylink.0 keeps its old size");
    return splice(bytes, s.payloadStart, s.end, payload);
  }
  return splice(bytes, s.start, s.end, section(0, payload));
};

const insertCustom: WasmOp = (bytes, rng, _o, log) => {
  const secs = splitSections(bytes);
  const name = rng.pick([...FACT_SECTIONS, "name", "", "producers", "target_features"]);
  let body: number[];
  if (name === "target_features") {
    body = targetFeatures(
      Array.from({ length: rng.int(4) }, () => rng.pick(["+", "-", "=", "?"]) + "simd128"),
    );
  } else if (name === "producers") {
    body = producers({ [rng.pick(["language", "__proto__", "constructor", ""])]: [["a", "b"]] });
  } else if (name === "dylink") {
    body = [...uleb(rng.int(100)), 0, 0, 0, ...uleb(rng.int(3)), ...wasmName("libx.so")];
  } else {
    body = [...rng.bytes(rng.int(24))];
  }
  if (rng.chance(0.3)) body = [...flipBits(Uint8Array.from(body), rng, log)];
  const rawName = rng.chance(0.05) ? [2, 0xc3, 0x28] : wasmName(name); // invalid UTF-8 name
  const at = secs.length > 0 && rng.chance(0.7) ? rng.pick(secs).start : Math.min(8, bytes.length);
  log.push(`insert custom section "${name}"`);
  return splice(bytes, at, at, section(0, concat(rawName, body)));
};

const spliceOther: WasmOp = (bytes, rng, others, log) => {
  if (others.length === 0) return flipBits(bytes, rng, log);
  const other = rng.pick(others);
  const from = rng.int(other.length);
  const piece = other.subarray(from, from + rng.range(1, 256));
  const at = rng.int(bytes.length + 1);
  log.push(`splice ${piece.length} bytes from another module`);
  return rng.chance(0.5)
    ? splice(bytes, at, at, piece)
    : splice(bytes, at, Math.min(bytes.length, at + piece.length), piece);
};

const truncateAtSection: WasmOp = (bytes, rng, _o, log) => {
  const s = pickSection(splitSections(bytes), rng);
  return truncate(
    bytes,
    rng,
    log,
    s === undefined ? undefined : rng.pick([s.start, s.payloadStart, s.end - 1]),
  );
};

/** Counts around the reader's limits (100,000 imports/exports, 1,000,000 types, …). */
const SCALE_COUNTS: readonly number[] = [1_000, 50_000, 99_999, 100_000, 100_001];

/** Replaces the module with one holding very many items of one kind (near the limits). */
const manyItems: WasmOp = (_bytes, rng, _o, log) => {
  const n = rng.pick(SCALE_COUNTS);
  const kind = rng.int(4);
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const body: number[] = [...uleb(n)];
  if (kind === 0) {
    // The full 1,000,000 types allowed take ~0.5 s to read: keep them rare.
    const types = rng.chance(0.1) ? 1_000_000 : rng.pick([n, 1_000_001]);
    const t = [...uleb(types)];
    for (let i = 0; i < types; i++) t.push(0x60, 0, 0);
    log.push(`${types} types`);
    return concat(header, section(1, t));
  }
  if (kind === 1) {
    for (let i = 0; i < n; i++) body.push(...wasmName("env"), ...wasmName(`f${i}`), 0, 0);
    log.push(`${n} imports`);
    return concat(header, section(1, [1, 0x60, 0, 0]), section(2, body));
  }
  if (kind === 2) {
    for (let i = 0; i < n; i++) body.push(...wasmName(`e${i}`), 0, 0);
    log.push(`${n} exports`);
    return concat(
      header,
      section(1, [1, 0x60, 0, 0]),
      section(3, [1, 0]),
      section(7, body),
      section(10, [1, 2, 0, 0x0b]),
    );
  }
  const sub = [...uleb(n)];
  for (let i = 0; i < n; i++) sub.push(...wasmName(`lib${i}.so`));
  log.push(`dylink.0 with ${n} needed libraries`);
  return concat(header, section(0, customPayload("dylink.0", [2, ...uleb(sub.length), ...sub])));
};

const WASM_OPS: readonly (readonly [WasmOp, number])[] = [
  [manyItems, 0.3],
  [(b, r, _o, l) => flipBits(b, r, l), 10],
  [(b, r, _o, l) => overwriteBytes(b, r, l), 8],
  [(b, r, _o, l) => truncate(b, r, l), 3],
  [truncateAtSection, 3],
  [(b, r, _o, l) => insertOrDelete(b, r, l), 4],
  [duplicateSection, 5],
  [reorderSections, 4],
  [dropSection, 3],
  [sectionSizeLie, 8],
  [countLie, 10],
  [overlongLeb, 6],
  [hugeLimits, 6],
  [oddGlobals, 4],
  [dylinkLie, 10],
  [insertCustom, 5],
  [spliceOther, 3],
];

/**
 * Applies 1 to 4 random mutations (structure-aware and byte-level) to a module.
 *
 * @param others other seed modules, for splicing
 * @param log receives one label per mutation applied
 */
export function mutateWasm(
  bytes: Uint8Array,
  rng: Rng,
  others: readonly Uint8Array[],
  log: string[],
): Uint8Array {
  let out = bytes;
  const n = rng.weighted([[1, 5], [2, 3], [3, 1], [4, 1]] as const);
  for (let i = 0; i < n; i++) out = rng.weighted(WASM_OPS)(out, rng, others, log);
  return out;
}
