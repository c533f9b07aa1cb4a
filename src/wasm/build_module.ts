/**
 * A small WebAssembly module EMITTER: the inverse of the reader, used to generate the stub main
 * module and the hand-made side modules the tests need. It writes binary format 1 (MVP plus
 * bulk memory, reference types, exception tags, threads and memory64 limits) and the `dylink.0`
 * custom section of the tool-conventions `DynamicLinking.md`.
 *
 * Function bodies are raw instruction bytes: the emitter does not validate them (V8 does, at
 * compile time), it only frames them with their local declarations and the final `end`.
 *
 * @example A module exporting `add: (i32, i32) -> i32`
 * ```ts
 * import { buildModule, OP } from "./build_module.ts";
 * const bytes = buildModule({
 *   functions: [{
 *     type: { params: ["i32", "i32"], results: ["i32"] },
 *     body: [OP.localGet, 0, OP.localGet, 1, OP.i32Add],
 *   }],
 *   exports: [{ name: "add", kind: "func", index: 0 }],
 * });
 * const { instance } = await WebAssembly.instantiate(bytes);
 * console.assert((instance.exports.add as (a: number, b: number) => number)(2, 3) === 5);
 * ```
 *
 * @module
 */
import type { ExternKind, FuncType, GlobalType, Limits, TableType, ValType } from "./types.ts";

/** Largest count the emitter accepts for any list (types, functions, exports, …). */
export const MAX_EMIT_ITEMS = 1_000_000;

/** Opcodes the harness's generated bodies use (single-byte instructions and prefixes). */
export const OP = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  refNull: 0xd0,
  refFunc: 0xd2,
  /** Empty block type. */
  blockVoid: 0x40,
} as const;

const VALTYPE_CODES: Record<string, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
  anyref: 0x6e,
  eqref: 0x6d,
  i31ref: 0x6c,
  structref: 0x6b,
  arrayref: 0x6a,
  exnref: 0x69,
  nullref: 0x71,
  nullexternref: 0x72,
  nullfuncref: 0x73,
};

const KIND_CODES: Record<ExternKind, number> = { func: 0, table: 1, memory: 2, global: 3, tag: 4 };

/** Section ids, in the order the binary format requires (tag sits between memory and global). */
const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

const UTF8 = new TextEncoder();

/**
 * A growable byte buffer with the binary format's primitive encoders.
 *
 * @example
 * ```ts
 * import { ByteWriter } from "./build_module.ts";
 * const bytes = new ByteWriter().byte(1).u32(300).name("a").toBytes();
 * console.assert(bytes.join() === [1, 0xac, 0x02, 1, 0x61].join());
 * ```
 */
export class ByteWriter {
  #buf: Uint8Array<ArrayBuffer>;
  #len = 0;

  constructor(initialCapacity = 1024) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.#len;
  }

  #ensure(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  byte(b: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = b & 0xff;
    return this;
  }

  bytes(data: ArrayLike<number>): this {
    this.#ensure(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer (number up to 2^53 or bigint). */
  u32(value: number | bigint): this {
    return this.bytes(encodeULEB128(value));
  }

  /** Signed LEB128. */
  s(value: number | bigint): this {
    return this.bytes(encodeSLEB128(value));
  }

  /** A name: byte length then UTF-8 bytes. */
  name(text: string): this {
    const utf8 = UTF8.encode(text);
    this.u32(utf8.length);
    return this.bytes(utf8);
  }

  /** A length-prefixed vector of bytes. */
  vec(data: Uint8Array): this {
    this.u32(data.length);
    return this.bytes(data);
  }

  /** Copy of the bytes written so far. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.#buf.slice(0, this.#len);
  }
}

/**
 * Unsigned LEB128 encoding.
 *
 * @example
 * ```ts
 * import { encodeULEB128 } from "./build_module.ts";
 * console.assert(encodeULEB128(624485).join() === [0xe5, 0x8e, 0x26].join());
 * ```
 */
export function encodeULEB128(value: number | bigint): number[] {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
    // Fast path: plain integer arithmetic for the common (small) case.
    const out: number[] = [];
    let n = value;
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return out;
  }
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`Cannot encode ${value} as unsigned LEB128: value is negative`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

/**
 * Signed LEB128 encoding.
 *
 * @example
 * ```ts
 * import { encodeSLEB128 } from "./build_module.ts";
 * console.assert(encodeSLEB128(-123456).join() === [0xc0, 0xbb, 0x78].join());
 * ```
 */
export function encodeSLEB128(value: number | bigint): number[] {
  if (
    typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
  ) {
    const out: number[] = [];
    let n = value | 0;
    for (;;) {
      const byte = n & 0x7f;
      n >>= 7;
      const signBit = (byte & 0x40) !== 0;
      if ((n === 0 && !signBit) || (n === -1 && signBit)) {
        out.push(byte);
        return out;
      }
      out.push(byte | 0x80);
    }
  }
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (byte & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Binary code of a value type (`i32` → 0x7f).  *
 * @example
 * ```ts
 * import { encodeValType } from "./build_module.ts";
 * console.assert(encodeValType("i32") === 0x7f && encodeValType("externref") === 0x6f);
 * ```
 */
export function encodeValType(type: ValType): number {
  const code = VALTYPE_CODES[type];
  if (code === undefined) throw new TypeError(`Cannot encode value type "${type}": unknown type`);
  return code;
}

/** Key identifying a function type, used to deduplicate the type section.  *
 * @example
 * ```ts
 * import { funcTypeKey } from "./build_module.ts";
 * console.assert(funcTypeKey({ params: ["i32"], results: [] }) === "i32>");
 * ```
 */
export function funcTypeKey(type: FuncType): string {
  return `${type.params.join(",")}>${type.results.join(",")}`;
}

/** A constant initialiser for a global (or a `global.get` of an imported global). */
export type ConstInit =
  | { i32: number }
  | { i64: bigint | number }
  | { f32: number }
  | { f64: number }
  | { globalGet: number }
  | { refNull: ValType }
  | { refFunc: number };

/** One import of the module being built. */
export type ImportSpec =
  | { module: string; name: string; kind: "func"; type: FuncType }
  | { module: string; name: string; kind: "table"; table: TableType }
  | { module: string; name: string; kind: "memory"; memory: Limits }
  | { module: string; name: string; kind: "global"; global: GlobalType }
  | { module: string; name: string; kind: "tag"; tag: FuncType };

/** A defined function: its type, extra locals, and raw instruction bytes (without the final `end`). */
export interface FunctionSpec {
  type: FuncType;
  locals?: ValType[];
  body: ArrayLike<number>;
}

export interface GlobalSpec {
  type: GlobalType;
  init: ConstInit;
}

export interface ExportSpec {
  name: string;
  kind: ExternKind;
  /** Index in the kind's index space (imports first). */
  index: number;
}

/** An active data segment for memory 0, at a constant offset or `global.get` of a global. */
export interface DataSpec {
  offset: ConstInit;
  bytes: Uint8Array;
  /** Passive segment (no offset is used). */
  passive?: boolean;
}

/** An active element segment holding function indices. */
export interface ElementSpec {
  /** The table it fills (default 0). */
  table?: number;
  offset: ConstInit;
  functions: number[];
}

export interface CustomSectionSpec {
  name: string;
  payload: Uint8Array;
}

/** `dylink.0` contents to write (fields mirror the reader's `DylinkInfo`). */
export interface DylinkSpec {
  memorySize?: number;
  /** log2 of the memory alignment. */
  memoryAlign?: number;
  tableSize?: number;
  tableAlign?: number;
  needed?: string[];
  exportInfo?: { name: string; flags: number }[];
  importInfo?: { module: string; name: string; flags: number }[];
  runtimePath?: string[];
  /** Write the legacy pre-2.0.30 `dylink` section instead of `dylink.0`. */
  legacy?: boolean;
}

/** Everything a module may contain. Every list is optional. */
export interface ModuleSpec {
  /** Extra types to declare first (functions/imports/tags add theirs automatically). */
  types?: FuncType[];
  imports?: ImportSpec[];
  functions?: FunctionSpec[];
  tables?: TableType[];
  memories?: Limits[];
  /** Tags: the payload type of each (attribute 0). */
  tags?: FuncType[];
  globals?: GlobalSpec[];
  exports?: ExportSpec[];
  start?: number;
  elements?: ElementSpec[];
  data?: DataSpec[];
  /** Emit a data count section (bulk memory) with the number of data segments. */
  dataCount?: boolean;
  /** `dylink.0` written as the FIRST section, where Emscripten's loader looks for it. */
  dylink?: DylinkSpec;
  /** Other custom sections, written after all known sections. */
  customSections?: CustomSectionSpec[];
}

function checkCount(what: string, n: number): void {
  if (n > MAX_EMIT_ITEMS) {
    throw new RangeError(`Cannot emit ${n} ${what}: more than MAX_EMIT_ITEMS (${MAX_EMIT_ITEMS})`);
  }
}

function writeLimits(w: ByteWriter, limits: Limits): void {
  let flags = 0;
  if (limits.max !== undefined) flags |= 1;
  if (limits.shared) flags |= 2;
  if (limits.is64) flags |= 4;
  w.byte(flags).u32(limits.min);
  if (limits.max !== undefined) w.u32(limits.max);
}

function writeConstInit(w: ByteWriter, init: ConstInit): void {
  if ("i32" in init) w.byte(OP.i32Const).s(init.i32 | 0);
  else if ("i64" in init) w.byte(OP.i64Const).s(BigInt.asIntN(64, BigInt(init.i64)));
  else if ("f32" in init) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, init.f32, true);
    w.byte(OP.f32Const).bytes(b);
  } else if ("f64" in init) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, init.f64, true);
    w.byte(OP.f64Const).bytes(b);
  } else if ("globalGet" in init) w.byte(OP.globalGet).u32(init.globalGet);
  else if ("refNull" in init) w.byte(OP.refNull).byte(encodeValType(init.refNull));
  else w.byte(OP.refFunc).u32(init.refFunc);
  w.byte(OP.end);
}

/** The zero constant of a value type, as a `ConstInit`.  *
 * @example
 * ```ts
 * import { zeroInit } from "./build_module.ts";
 * console.assert(JSON.stringify(zeroInit("f64")) === '{"f64":0}');
 * ```
 */
export function zeroInit(type: ValType): ConstInit {
  switch (type) {
    case "i32":
      return { i32: 0 };
    case "i64":
      return { i64: 0n };
    case "f32":
      return { f32: 0 };
    case "f64":
      return { f64: 0 };
    default:
      return { refNull: type };
  }
}

/** Instruction bytes pushing the zero value of a type (for "return 0" bodies).  *
 * @example
 * ```ts
 * import { OP, zeroValueCode } from "./build_module.ts";
 * console.assert(zeroValueCode("i32").join() === [OP.i32Const, 0].join());
 * ```
 */
export function zeroValueCode(type: ValType): number[] {
  switch (type) {
    case "i32":
      return [OP.i32Const, 0];
    case "i64":
      return [OP.i64Const, 0];
    case "f32":
      return [OP.f32Const, 0, 0, 0, 0];
    case "f64":
      return [OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];
    case "v128":
      // v128.const with 16 zero bytes
      return [0xfd, 0x0c, ...new Array(16).fill(0)];
    default:
      return [OP.refNull, encodeValType(type)];
  }
}

function section(out: ByteWriter, id: number, payload: ByteWriter): void {
  out.byte(id).u32(payload.length).bytes(payload.toBytes());
}

/**
 * Encode the payload of a `dylink.0` custom section (or of the legacy `dylink` section).
 *
 * @example
 * ```ts
 * import { encodeDylinkPayload } from "./build_module.ts";
 * const payload = encodeDylinkPayload({ memorySize: 16, memoryAlign: 2, needed: ["libfoo.so"] });
 * console.assert(payload[0] === 1); // WASM_DYLINK_MEM_INFO comes first
 * ```
 */
export function encodeDylinkPayload(spec: DylinkSpec): Uint8Array {
  const w = new ByteWriter(64);
  const memInfo = () =>
    new ByteWriter(16).u32(spec.memorySize ?? 0).u32(spec.memoryAlign ?? 0)
      .u32(spec.tableSize ?? 0).u32(spec.tableAlign ?? 0);
  if (spec.legacy) {
    w.bytes(memInfo().toBytes());
    const needed = spec.needed ?? [];
    w.u32(needed.length);
    for (const n of needed) w.name(n);
    return w.toBytes();
  }
  const sub = (type: number, body: ByteWriter) =>
    w.byte(type).u32(body.length).bytes(body.toBytes());
  sub(1, memInfo());
  if (spec.needed?.length) {
    const b = new ByteWriter().u32(spec.needed.length);
    for (const n of spec.needed) b.name(n);
    sub(2, b);
  }
  if (spec.exportInfo?.length) {
    const b = new ByteWriter().u32(spec.exportInfo.length);
    for (const e of spec.exportInfo) b.name(e.name).u32(e.flags);
    sub(3, b);
  }
  if (spec.importInfo?.length) {
    const b = new ByteWriter().u32(spec.importInfo.length);
    for (const i of spec.importInfo) b.name(i.module).name(i.name).u32(i.flags);
    sub(4, b);
  }
  if (spec.runtimePath?.length) {
    const b = new ByteWriter().u32(spec.runtimePath.length);
    for (const p of spec.runtimePath) b.name(p);
    sub(5, b);
  }
  return w.toBytes();
}

/**
 * Emit a complete module from a spec. Types are deduplicated; function indices in exports,
 * `start`, elements and `call` instructions count imported functions first.
 *
 * @example A side module importing `env.memory` with a `dylink.0` section
 * ```ts
 * import { buildModule } from "./build_module.ts";
 * const bytes = buildModule({
 *   dylink: { memorySize: 0 },
 *   imports: [{ module: "env", name: "memory", kind: "memory", memory: { min: 0, shared: false, is64: false } }],
 * });
 * console.assert(WebAssembly.validate(bytes));
 * ```
 */
export function buildModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const imports = spec.imports ?? [];
  const functions = spec.functions ?? [];
  const exports = spec.exports ?? [];
  const globals = spec.globals ?? [];
  checkCount("imports", imports.length);
  checkCount("functions", functions.length);
  checkCount("exports", exports.length);
  checkCount("globals", globals.length);

  const typeIndex = new Map<string, number>();
  const types: FuncType[] = [];
  const typeOf = (t: FuncType): number => {
    const key = funcTypeKey(t);
    let idx = typeIndex.get(key);
    if (idx === undefined) {
      idx = types.length;
      types.push(t);
      typeIndex.set(key, idx);
    }
    return idx;
  };
  for (const t of spec.types ?? []) typeOf(t);
  for (const imp of imports) {
    if (imp.kind === "func") typeOf(imp.type);
    if (imp.kind === "tag") typeOf(imp.tag);
  }
  const funcTypeIdx = functions.map((f) => typeOf(f.type));
  const tagTypeIdx = (spec.tags ?? []).map((t) => typeOf(t));
  checkCount("types", types.length);

  const out = new ByteWriter(4096 + functions.length * 16);
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

  if (spec.dylink) {
    const p = new ByteWriter().name(spec.dylink.legacy ? "dylink" : "dylink.0")
      .bytes(encodeDylinkPayload(spec.dylink));
    section(out, SECTION.custom, p);
  }
  if (types.length) {
    const p = new ByteWriter(types.length * 8).u32(types.length);
    for (const t of types) {
      p.byte(0x60).u32(t.params.length);
      for (const v of t.params) p.byte(encodeValType(v));
      p.u32(t.results.length);
      for (const v of t.results) p.byte(encodeValType(v));
    }
    section(out, SECTION.type, p);
  }
  if (imports.length) {
    const p = new ByteWriter(imports.length * 24).u32(imports.length);
    for (const imp of imports) {
      p.name(imp.module).name(imp.name).byte(KIND_CODES[imp.kind]);
      switch (imp.kind) {
        case "func":
          p.u32(typeOf(imp.type));
          break;
        case "table":
          p.byte(encodeValType(imp.table.element));
          writeLimits(p, imp.table.limits);
          break;
        case "memory":
          writeLimits(p, imp.memory);
          break;
        case "global":
          p.byte(encodeValType(imp.global.type)).byte(imp.global.mutable ? 1 : 0);
          break;
        case "tag":
          p.byte(0).u32(typeOf(imp.tag));
          break;
      }
    }
    section(out, SECTION.import, p);
  }
  if (functions.length) {
    const p = new ByteWriter(functions.length * 3).u32(functions.length);
    for (const t of funcTypeIdx) p.u32(t);
    section(out, SECTION.function, p);
  }
  if (spec.tables?.length) {
    const p = new ByteWriter().u32(spec.tables.length);
    for (const t of spec.tables) {
      p.byte(encodeValType(t.element));
      writeLimits(p, t.limits);
    }
    section(out, SECTION.table, p);
  }
  if (spec.memories?.length) {
    const p = new ByteWriter().u32(spec.memories.length);
    for (const m of spec.memories) writeLimits(p, m);
    section(out, SECTION.memory, p);
  }
  if (tagTypeIdx.length) {
    const p = new ByteWriter().u32(tagTypeIdx.length);
    for (const t of tagTypeIdx) p.byte(0).u32(t);
    section(out, SECTION.tag, p);
  }
  if (globals.length) {
    const p = new ByteWriter(globals.length * 8).u32(globals.length);
    for (const g of globals) {
      p.byte(encodeValType(g.type.type)).byte(g.type.mutable ? 1 : 0);
      writeConstInit(p, g.init);
    }
    section(out, SECTION.global, p);
  }
  if (exports.length) {
    const p = new ByteWriter(exports.length * 24).u32(exports.length);
    for (const e of exports) p.name(e.name).byte(KIND_CODES[e.kind]).u32(e.index);
    section(out, SECTION.export, p);
  }
  if (spec.start !== undefined) section(out, SECTION.start, new ByteWriter(8).u32(spec.start));
  if (spec.elements?.length) {
    const p = new ByteWriter().u32(spec.elements.length);
    for (const e of spec.elements) {
      if (!e.table) {
        p.u32(0); // flags 0: active, table 0, funcref, vector of function indices
        writeConstInit(p, e.offset);
      } else {
        p.u32(2).u32(e.table); // flags 2: active, explicit table, element kind, function indices
        writeConstInit(p, e.offset);
        p.byte(0); // element kind funcref
      }
      p.u32(e.functions.length);
      for (const f of e.functions) p.u32(f);
    }
    section(out, SECTION.element, p);
  }
  const data = spec.data ?? [];
  if (spec.dataCount) section(out, SECTION.dataCount, new ByteWriter(8).u32(data.length));
  if (functions.length) {
    const p = new ByteWriter(functions.length * 12).u32(functions.length);
    for (const f of functions) {
      const b = new ByteWriter(f.body.length + 8);
      // Consecutive identical locals are grouped, as the format's (count, type) pairs intend.
      const groups: [number, ValType][] = [];
      for (const l of f.locals ?? []) {
        const last = groups[groups.length - 1];
        if (last && last[1] === l) last[0]++;
        else groups.push([1, l]);
      }
      b.u32(groups.length);
      for (const [n, t] of groups) b.u32(n).byte(encodeValType(t));
      b.bytes(f.body).byte(OP.end);
      p.u32(b.length).bytes(b.toBytes());
    }
    section(out, SECTION.code, p);
  }
  if (data.length) {
    const p = new ByteWriter().u32(data.length);
    for (const d of data) {
      if (d.passive) p.u32(1);
      else {
        p.u32(0);
        writeConstInit(p, d.offset);
      }
      p.vec(d.bytes);
    }
    section(out, SECTION.data, p);
  }
  for (const c of spec.customSections ?? []) {
    section(out, SECTION.custom, new ByteWriter().name(c.name).bytes(c.payload));
  }
  return out.toBytes();
}
