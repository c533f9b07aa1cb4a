/**
 * Zip inputs for the fuzzer: a model of an archive (members with their raw compressed bytes) that
 * is serialized with deliberate lies (sizes, counts, offsets, names, ZIP64 records, comments),
 * generated seed wheels, and zip bombs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { locateMemberData, readZipDirectory } from "../../src/wheel/read_zip.ts";
import { concat, INTERESTING_U32, type Rng, utf8 } from "./bytes.ts";
import {
  flipBits,
  generateWasmSeeds,
  insertOrDelete,
  mutateWasm,
  overwriteBytes,
  truncate,
} from "./wasm.ts";

/** One member of a modelled archive; `*Field` values override what is written. */
export interface ZipMember {
  name: Uint8Array;
  /** Name written to the local header when it differs from the central one. */
  localName?: Uint8Array;
  method: number;
  flags: number;
  crc: number;
  /** Stored (compressed) bytes. */
  data: Uint8Array;
  uncompressedSize: number;
  compressedSizeField?: number;
  localOffsetField?: number;
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
  comment?: Uint8Array;
  diskStart?: number;
  /** ZIP64 extra field variants when the archive is ZIP64. */
  zip64Extra?: "full" | "short" | "missing" | "huge";
}

/** End-record lies; every field overrides the true value. */
export interface EndLies {
  count?: number;
  diskCount?: number;
  size?: number;
  offset?: number;
  commentLength?: number;
  disk?: number;
  centralDisk?: number;
  /** ZIP64 locator offset, record signature, counts, size, offset, disks. */
  locatorOffset?: bigint;
  recordSignature?: number;
  count64?: bigint;
  diskCount64?: bigint;
  size64?: bigint;
  offset64?: bigint;
  disk64?: number;
  totalDisks?: number;
}

/** A whole archive to write. */
export interface ZipModel {
  members: ZipMember[];
  comment: Uint8Array;
  zip64: boolean;
  lies: EndLies;
  /** Bytes before the first local header and after the end record. */
  prefix: Uint8Array;
  suffix: Uint8Array;
}

class Out {
  chunks: Uint8Array[] = [];
  length = 0;
  #b(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  bytes(b: Uint8Array): void {
    if (b.length > 0) this.#b(b);
  }
  u16(v: number): void {
    this.#b(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.#b(b);
  }
  u64(v: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    this.#b(b);
  }
  done(): Uint8Array {
    // No spread: a large archive has millions of chunks.
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function u16At(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function zip64ExtraOf(m: ZipMember, local: boolean, offset: number): Uint8Array {
  const kind = m.zip64Extra ?? "full";
  if (kind === "missing") return new Uint8Array(0);
  const o = new Out();
  const huge = kind === "huge" ? 2n ** 63n : undefined;
  const fields = local
    ? [huge ?? m.uncompressedSize, m.compressedSizeField ?? m.data.length]
    : [huge ?? m.uncompressedSize, m.compressedSizeField ?? m.data.length, huge ?? offset];
  const size = kind === "short" ? 8 : fields.length * 8;
  o.u16(0x0001);
  o.u16(size);
  for (const f of kind === "short" ? fields.slice(0, 1) : fields) o.u64(f);
  return o.done();
}

/** Writes a modelled archive, lies included. */
export function writeZip(model: ZipModel): Uint8Array {
  const o = new Out();
  o.bytes(model.prefix);
  const offsets: number[] = [];
  const z64 = model.zip64;
  for (const m of model.members) {
    offsets.push(o.length);
    const name = m.localName ?? m.name;
    const extra = m.localExtra ?? (z64 ? zip64ExtraOf(m, true, 0) : new Uint8Array(0));
    o.u32(0x04034b50);
    o.u16(z64 ? 45 : 20);
    o.u16(m.flags);
    o.u16(m.method);
    o.u16(0);
    o.u16(0x21);
    o.u32(m.crc);
    o.u32(z64 ? 0xffffffff : m.compressedSizeField ?? m.data.length);
    o.u32(z64 ? 0xffffffff : m.uncompressedSize);
    o.u16(name.length);
    o.u16(extra.length);
    o.bytes(name);
    o.bytes(extra);
    o.bytes(m.data);
  }
  const cdOffset = o.length;
  model.members.forEach((m, i) => {
    const localOffset = m.localOffsetField ?? offsets[i]!;
    const extra = m.centralExtra ?? (z64 ? zip64ExtraOf(m, false, localOffset) : new Uint8Array(0));
    const comment = m.comment ?? new Uint8Array(0);
    o.u32(0x02014b50);
    o.u16(0x031e);
    o.u16(z64 ? 45 : 20);
    o.u16(m.flags);
    o.u16(m.method);
    o.u16(0);
    o.u16(0x21);
    o.u32(m.crc);
    o.u32(z64 ? 0xffffffff : m.compressedSizeField ?? m.data.length);
    o.u32(z64 ? 0xffffffff : m.uncompressedSize);
    o.u16(m.name.length);
    o.u16(extra.length);
    o.u16(comment.length);
    o.u16(m.diskStart ?? 0);
    o.u16(0);
    o.u32(0);
    o.u32(z64 ? 0xffffffff : localOffset);
    o.bytes(m.name);
    o.bytes(extra);
    o.bytes(comment);
  });
  const cdSize = o.length - cdOffset;
  const lies = model.lies;
  const n = model.members.length;
  if (z64) {
    const recordAt = o.length;
    o.u32(lies.recordSignature ?? 0x06064b50);
    o.u64(44);
    o.u16(45);
    o.u16(45);
    o.u32(lies.disk64 ?? 0);
    o.u32(0);
    o.u64(lies.diskCount64 ?? lies.count64 ?? BigInt(n));
    o.u64(lies.count64 ?? BigInt(n));
    o.u64(lies.size64 ?? BigInt(cdSize));
    o.u64(lies.offset64 ?? BigInt(cdOffset));
    o.u32(0x07064b50);
    o.u32(0);
    o.u64(lies.locatorOffset ?? BigInt(recordAt));
    o.u32(lies.totalDisks ?? 1);
  }
  o.u32(0x06054b50);
  o.u16(lies.disk ?? 0);
  o.u16(lies.centralDisk ?? 0);
  o.u16(lies.diskCount ?? lies.count ?? (z64 ? 0xffff : Math.min(n, 0xffff)));
  o.u16(lies.count ?? (z64 ? 0xffff : Math.min(n, 0xffff)));
  o.u32(lies.size ?? (z64 ? 0xffffffff : cdSize));
  o.u32(lies.offset ?? (z64 ? 0xffffffff : cdOffset));
  o.u16(lies.commentLength ?? model.comment.length);
  o.bytes(model.comment);
  o.bytes(model.suffix);
  return o.done();
}

/** Reads a valid archive into a model (for seeds); `undefined` when the reader refuses it. */
export function modelZip(bytes: Uint8Array): ZipModel | undefined {
  try {
    const dir = readZipDirectory(bytes);
    const members: ZipMember[] = [];
    for (const e of dir.entries) {
      const [start, end] = locateMemberData(bytes, e);
      const nameLength = u16At(bytes, e.centralOffset + 28);
      members.push({
        name: bytes.slice(e.centralOffset + 46, e.centralOffset + 46 + nameLength),
        method: e.method,
        flags: e.flags & ~0x0008,
        crc: e.crc32,
        data: bytes.subarray(start, end),
        uncompressedSize: e.uncompressedSize,
      });
    }
    return {
      members,
      comment: new Uint8Array(0),
      zip64: false,
      lies: {},
      prefix: new Uint8Array(0),
      suffix: new Uint8Array(0),
    };
  } catch {
    return undefined;
  }
}

function storedMember(name: string, data: Uint8Array, deflate: boolean): ZipMember {
  const stored = deflate ? new Uint8Array(deflateRawSync(data)) : data;
  return {
    name: utf8(name),
    method: deflate ? 8 : 0,
    flags: 0,
    crc: crc32(data) >>> 0,
    data: stored,
    uncompressedSize: data.length,
  };
}

function emptyModel(members: ZipMember[]): ZipModel {
  return {
    members,
    comment: new Uint8Array(0),
    zip64: false,
    lies: {},
    prefix: new Uint8Array(0),
    suffix: new Uint8Array(0),
  };
}

function recordLine(name: string, data: Uint8Array): string {
  const hash = createHash("sha256").update(data).digest("base64url");
  return `${name},sha256=${hash},${data.length}\n`;
}

/** Generated wheels and `.zip` packages (valid), named as they would be on disk. */
export function generateZipSeeds(): { name: string; bytes: Uint8Array }[] {
  const wasm = generateWasmSeeds();
  const side = wasm.find((s) => s.name === "js-eh-side.so")?.bytes ?? wasm[0]!.bytes;
  const eh = wasm.find((s) => s.name === "wasm-eh-side.so")?.bytes ?? side;
  const so = "pkg/_core.cpython-312-wasm32-emscripten.so";
  const wheelText =
    "Wheel-Version: 1.0\nGenerator: fuzz\nRoot-Is-Purelib: false\nTag: cp312-cp312-pyodide_2024_0_wasm32\n";
  const metadata = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nRequires-Dist: six\n";
  const files: [string, Uint8Array][] = [
    [so, side],
    ["pkg/_eh.cpython-312-wasm32-emscripten.so", eh],
    ["pkg/__init__.py", utf8("from ._core import *\n")],
    ["pkg-1.0.dist-info/WHEEL", utf8(wheelText)],
    ["pkg-1.0.dist-info/METADATA", utf8(metadata)],
    ["pkg-1.0.dist-info/top_level.txt", utf8("pkg\n")],
  ];
  let record = "";
  for (const [n, d] of files) record += recordLine(n, d);
  record += "pkg-1.0.dist-info/RECORD,,\n";
  files.push(["pkg-1.0.dist-info/RECORD", utf8(record)]);
  const wheel = emptyModel(files.map(([n, d], i) => storedMember(n, d, i % 2 === 0)));
  const zip64 = { ...emptyModel(wheel.members), zip64: true };
  const lib = emptyModel([
    storedMember("lib/", new Uint8Array(0), false),
    storedMember("lib/libfoo.so", side, true),
    storedMember("lib/libbar.so.1.2", eh, false),
  ]);
  const withComment = { ...emptyModel(lib.members), comment: utf8("PK\u0005\u0006 comment") };
  return [
    { name: "pkg-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", bytes: writeZip(wheel) },
    { name: "pkg-1.0-cp312-cp312-pyemscripten_2026_0_wasm32.whl", bytes: writeZip(zip64) },
    { name: "libfoo-1.0.zip", bytes: writeZip(lib) },
    { name: "libcomment-1.0.zip", bytes: writeZip(withComment) },
    { name: "empty-0.1-py3-none-any.whl", bytes: writeZip(emptyModel([])) },
  ];
}

/**
 * Archives with very many members (over 65,535, so ZIP64 end records; and over the 100,000-entry
 * limit), written once per worker and only damaged byte-wise: rewriting them per case is slow.
 */
export function generateLargeZipSeeds(): { name: string; bytes: Uint8Array }[] {
  return [
    { name: "many-1.0-py3-none-any.whl", bytes: writeManyEmptyMembers(66_000) },
    { name: "toomany-1.0.zip", bytes: writeManyEmptyMembers(100_001) },
  ];
}

/** A ZIP64 archive of `n` empty stored members `d/<i>`, written straight into one buffer. */
function writeManyEmptyMembers(n: number): Uint8Array {
  const names = Array.from({ length: n }, (_, i) => utf8(`d/${i}`));
  let nameBytes = 0;
  for (const name of names) nameBytes += name.length;
  const cdOffset = 30 * n + nameBytes;
  const cdSize = 46 * n + nameBytes;
  const out = new Uint8Array(cdOffset + cdSize + 56 + 20 + 22);
  const v = new DataView(out.buffer);
  let at = 0;
  const offsets: number[] = [];
  for (const name of names) {
    offsets.push(at);
    v.setUint32(at, 0x04034b50, true);
    v.setUint16(at + 4, 20, true);
    v.setUint16(at + 26, name.length, true);
    out.set(name, at + 30);
    at += 30 + name.length;
  }
  names.forEach((name, i) => {
    v.setUint32(at, 0x02014b50, true);
    v.setUint16(at + 4, 0x031e, true);
    v.setUint16(at + 6, 20, true);
    v.setUint16(at + 28, name.length, true);
    v.setUint32(at + 42, offsets[i]!, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  });
  const recordAt = at;
  v.setUint32(at, 0x06064b50, true);
  v.setBigUint64(at + 4, 44n, true);
  v.setUint16(at + 12, 45, true);
  v.setUint16(at + 14, 45, true);
  v.setBigUint64(at + 24, BigInt(n), true);
  v.setBigUint64(at + 32, BigInt(n), true);
  v.setBigUint64(at + 40, BigInt(cdSize), true);
  v.setBigUint64(at + 48, BigInt(cdOffset), true);
  at += 56;
  v.setUint32(at, 0x07064b50, true);
  v.setBigUint64(at + 8, BigInt(recordAt), true);
  v.setUint32(at + 16, 1, true);
  at += 20;
  v.setUint32(at, 0x06054b50, true);
  v.setUint16(at + 8, 0xffff, true);
  v.setUint16(at + 10, 0xffff, true);
  v.setUint32(at + 12, 0xffffffff, true);
  v.setUint32(at + 16, 0xffffffff, true);
  return out;
}

/** Precomputed zip bomb payloads (built once per worker). */
export interface Bombs {
  /** 8 MiB of zeros, deflated (about 1030:1). */
  zeros8m: Uint8Array;
  /** 900 KiB of zeros, deflated: below the ratio check's threshold. */
  zeros900k: Uint8Array;
}

/** Builds the bomb payloads. */
export function makeBombs(): Bombs {
  return {
    zeros8m: new Uint8Array(deflateRawSync(new Uint8Array(8 * 1024 * 1024), { level: 9 })),
    zeros900k: new Uint8Array(deflateRawSync(new Uint8Array(900 * 1024), { level: 9 })),
  };
}

const EVIL_NAMES: readonly string[] = [
  "../evil.so",
  "../../etc/passwd",
  "/abs/path.so",
  "\\windows\\abs.so",
  "C:evil.so",
  "c:/evil.so",
  "a/../../b.so",
  "a\\..\\..\\b.so",
  "pkg/./x/../y.so",
  "pkg//double.so",
  "..",
  "./",
  "",
  "a\u0000b.so",
  "pkg/\u202eos.so",
  "pkg/\ud800.so",
  "x".repeat(65535),
  "pkg/" + "d/".repeat(3000) + "x.so",
];

function cloneModel(m: ZipModel): ZipModel {
  return {
    members: m.members.map((x) => ({ ...x })),
    comment: m.comment,
    zip64: m.zip64,
    lies: { ...m.lies },
    prefix: m.prefix,
    suffix: m.suffix,
  };
}

/** Larger members (bombs) are not rewritten: it would only make cases slow to build. */
const MAX_MUTATED_MEMBER_BYTES = 1024 * 1024;

function inflateOrNull(m: ZipMember): Uint8Array | undefined {
  try {
    if (m.method === 0) return m.data;
    if (m.method === 8) {
      return new Uint8Array(inflateRawSync(m.data, { maxOutputLength: MAX_MUTATED_MEMBER_BYTES }));
    }
  } catch {
    // A member that does not inflate has no content to mutate.
  }
  return undefined;
}

/** Replaces a member's content (stored or re-deflated), with true size and CRC. */
function setContent(m: ZipMember, data: Uint8Array, rng: Rng): void {
  const deflate = rng.chance(0.3);
  m.data = deflate ? new Uint8Array(deflateRawSync(data, { level: 1 })) : data;
  m.method = deflate ? 8 : 0;
  m.uncompressedSize = data.length;
  m.crc = crc32(data) >>> 0;
  delete m.compressedSizeField;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function mutateText(data: Uint8Array, rng: Rng, log: string[]): Uint8Array {
  const text = new TextDecoder().decode(data);
  const pieces = [
    "\nTag: py3-none-any",
    "\nTag: cp312-cp312-pyodide_2024_0_wasm32",
    "\nTag: ",
    "\n Continuation",
    "\nName: \u00e9",
    "\nWheel-Version: 99",
    '\n"a,b",sha256=,1',
    '\n"unterminated,',
    "\npkg/_core.cpython-312-wasm32-emscripten.so,sha256=AAAA,1",
    "\npkg/_core.cpython-312-wasm32-emscripten.so,md5=x,",
    "\n\n\n",
    "\r\n",
    ",".repeat(1000),
    ":".repeat(1000),
    "x".repeat(100_000),
    "\uFEFF",
    "\u0000",
  ];
  const at = rng.int(text.length + 1);
  log.push("mutate text member");
  return utf8(text.slice(0, at) + rng.pick(pieces) + text.slice(at));
}

type ZipModelOp = (m: ZipModel, rng: Rng, ctx: ZipContext, log: string[]) => void;

/** What model mutations may draw on. */
export interface ZipContext {
  wasm: readonly Uint8Array[];
  bombs: Bombs;
}

function pickMember(m: ZipModel, rng: Rng): ZipMember | undefined {
  return m.members.length === 0 ? undefined : rng.pick(m.members);
}

const renameEvil: ZipModelOp = (m, rng, _c, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  const name = rng.pick(EVIL_NAMES);
  x.name = rng.chance(0.1) ? Uint8Array.of(0x70, 0xc3, 0x28, 0x2e, 0x73, 0x6f) : utf8(name);
  if (rng.chance(0.5)) x.flags ^= 0x0800;
  if (rng.chance(0.8)) delete x.localName;
  log.push(`rename member to ${JSON.stringify(name.slice(0, 40))}`);
};

const duplicateMember: ZipModelOp = (m, rng, _c, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  m.members.splice(rng.int(m.members.length + 1), 0, { ...x });
  log.push("duplicate member");
};

const dropOrShuffle: ZipModelOp = (m, rng, _c, log) => {
  if (m.members.length === 0) return;
  if (rng.chance(0.5)) {
    m.members.splice(rng.int(m.members.length), 1);
    log.push("drop member");
  } else {
    for (let i = m.members.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [m.members[i], m.members[j]] = [m.members[j]!, m.members[i]!];
    }
    log.push("shuffle members");
  }
};

const sizeLie: ZipModelOp = (m, rng, _c, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  if (rng.chance(0.6)) {
    const lie = rng.pick([
      0,
      1,
      x.uncompressedSize + 1,
      Math.max(0, x.uncompressedSize - 1),
      16 * 1024 * 1024 + 1,
      256 * 1024 * 1024,
      256 * 1024 * 1024 + 1,
      x.data.length * 1000,
      x.data.length * 1001,
      0xfffffffe,
      rng.pick(INTERESTING_U32),
    ]);
    log.push(`uncompressed size ${x.uncompressedSize} -> ${lie}`);
    x.uncompressedSize = lie;
  } else {
    const lie = rng.pick([
      0,
      1,
      x.data.length + 1,
      Math.max(0, x.data.length - 1),
      0xfffffffe,
      0xffffffff,
    ]);
    log.push(`compressed size ${x.data.length} -> ${lie}`);
    x.compressedSizeField = lie;
  }
};

const headerLie: ZipModelOp = (m, rng, _c, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  switch (rng.int(6)) {
    case 0:
      x.crc = (x.crc ^ (1 << rng.int(32))) >>> 0;
      log.push("crc lie");
      break;
    case 1:
      x.method = rng.pick([0, 8, 1, 6, 9, 12, 14, 93, 95, 98, 99, 0xffff]);
      log.push(`method -> ${x.method}`);
      break;
    case 2:
      x.flags ^= rng.pick([0x0001, 0x0008, 0x0800, 0x0040, 0x2000]);
      log.push(`flags -> ${x.flags}`);
      break;
    case 3:
      x.localName = utf8(
        rng.pick(["other.so", "", "PKG/_core.so", new TextDecoder().decode(x.name) + "x"]),
      );
      log.push("local name differs");
      break;
    case 4:
      x.localOffsetField = rng.pick([0, 1, 0xffffffff, 0x7fffffff, rng.int(4096), 30]);
      log.push(`local offset -> ${x.localOffsetField}`);
      break;
    default:
      x.diskStart = rng.pick([1, 0xffff, 2]);
      log.push(`disk start -> ${x.diskStart}`);
  }
};

const extraLie: ZipModelOp = (m, rng, _c, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  const junk = (): Uint8Array => {
    const n = rng.int(40);
    const out = rng.bytes(n);
    if (n >= 4) {
      out[0] = rng.pick([0x01, 0x0a, 0x75, 0xff]);
      out[1] = 0;
      out[2] = rng.pick([0, 8, 16, 24, 28, 0xff]);
      out[3] = rng.pick([0, 0xff]);
    }
    return out;
  };
  if (rng.chance(0.5)) x.centralExtra = junk();
  else x.localExtra = junk();
  if (rng.chance(0.3)) x.comment = rng.bytes(rng.int(64));
  x.zip64Extra = rng.pick(["full", "short", "missing", "huge"] as const);
  log.push("extra field lie");
};

const mutateContent: ZipModelOp = (m, rng, ctx, log) => {
  const x = pickMember(m, rng);
  if (x === undefined) return;
  const data = inflateOrNull(x);
  if (data === undefined) return;
  const isWasm = data.length >= 4 && WASM_MAGIC.every((b, i) => data[i] === b);
  let next: Uint8Array;
  if (isWasm) next = mutateWasm(data, rng, ctx.wasm, log);
  else if (rng.chance(0.7)) next = mutateText(data, rng, log);
  else next = flipBits(data, rng, log);
  setContent(x, next, rng);
};

const SO_NAMES: readonly string[] = [
  "pkg/_x.cpython-312-wasm32-emscripten.so",
  "pkg/_x.cpython-310-wasm32-emscripten.so",
  "pkg/_x.abi3.so",
  "lib/libz.so.1",
  "pkg/mod.wasm",
  "pkg/data.bin",
  "pkg/noext",
];

const addMember: ZipModelOp = (m, rng, ctx, log) => {
  if (ctx.wasm.length === 0) return;
  let data = rng.pick(ctx.wasm);
  if (rng.chance(0.7)) data = mutateWasm(data, rng, ctx.wasm, log);
  const x = storedMember(rng.pick(SO_NAMES), data, false);
  setContent(x, data, rng);
  m.members.splice(rng.int(m.members.length + 1), 0, x);
  log.push("add wasm member");
};

const bomb: ZipModelOp = (m, rng, ctx, log) => {
  const kind = rng.int(5);
  const name = utf8(
    rng.pick([
      "pkg/_bomb.cpython-312-wasm32-emscripten.so",
      "pkg/bomb.dat",
      "pkg-1.0.dist-info/WHEEL",
    ]),
  );
  const big = ctx.bombs.zeros8m;
  const base: ZipMember = {
    name,
    method: 8,
    flags: 0,
    crc: 0,
    data: big,
    uncompressedSize: 8 * 1024 * 1024,
  };
  if (kind === 0) {
    log.push("bomb: true sizes, ratio over 1000");
  } else if (kind === 1) {
    base.uncompressedSize = rng.pick([4096, 65536, 1024 * 1024]);
    log.push(`bomb: declares ${base.uncompressedSize} bytes`);
  } else if (kind === 2) {
    base.uncompressedSize = rng.pick([0xfffffff0, 0x7fffffff, 1024 * 1024 * 1024]);
    log.push(`bomb: declares ${base.uncompressedSize} bytes`);
  } else if (kind === 3) {
    base.data = ctx.bombs.zeros900k;
    base.uncompressedSize = 900 * 1024;
    base.crc = crc32(new Uint8Array(900 * 1024)) >>> 0;
    log.push("bomb: 900 KiB of zeros, below the ratio threshold");
  } else {
    // Many entries sharing one local header: overlapping members (names must then differ).
    const n = rng.range(2, 200);
    const at = rng.int(m.members.length + 1);
    for (let i = 0; i < n; i++) {
      m.members.splice(at, 0, { ...base, name: utf8(`pkg/b${i}.so`), localOffsetField: 0 });
    }
    log.push(`bomb: ${n} overlapping entries`);
    return;
  }
  m.members.splice(rng.int(m.members.length + 1), 0, base);
};

const endLie: ZipModelOp = (m, rng, _c, log) => {
  const n = m.members.length;
  const l = m.lies;
  switch (rng.int(8)) {
    case 0:
      l.count = rng.pick([0, n + 1, Math.max(0, n - 1), 0xffff, 1]);
      log.push(`end record count -> ${l.count}`);
      break;
    case 1:
      l.diskCount = rng.pick([0, n + 1, 0xffff]);
      log.push(`end record disk count -> ${l.diskCount}`);
      break;
    case 2:
      l.size = rng.pick([0, 1, 45, 46, 0xffffffff, 0x7fffffff, rng.int(100_000)]);
      log.push(`central directory size -> ${l.size}`);
      break;
    case 3:
      l.offset = rng.pick([0, 1, 0xffffffff, 0x7fffffff, rng.int(100_000)]);
      log.push(`central directory offset -> ${l.offset}`);
      break;
    case 4:
      l.commentLength = rng.pick([
        1,
        2,
        0xffff,
        m.comment.length + 1,
        Math.max(0, m.comment.length - 1),
      ]);
      log.push(`comment length -> ${l.commentLength}`);
      break;
    case 5: {
      // A comment holding a fake end record.
      const fake = new Out();
      fake.u32(0x06054b50);
      for (let i = 0; i < 4; i++) fake.u16(rng.pick([0, 1, 0xffff]));
      fake.u32(rng.pick([0, 0xffffffff]));
      fake.u32(rng.pick([0, 0xffffffff]));
      fake.u16(rng.pick([0, 5, 0xffff]));
      m.comment = concat(rng.bytes(rng.int(8)), fake.done(), rng.bytes(rng.int(8)));
      log.push("comment holds a fake end record");
      break;
    }
    case 6:
      l.disk = rng.pick([1, 0xffff]);
      l.centralDisk = rng.pick([0, 1]);
      log.push("end record disk numbers");
      break;
    default:
      if (rng.chance(0.5)) m.prefix = rng.bytes(rng.range(1, 64));
      else m.suffix = rng.bytes(rng.range(1, 64));
      log.push("junk before or after the archive");
  }
};

const zip64Lie: ZipModelOp = (m, rng, _c, log) => {
  m.zip64 = true;
  const l = m.lies;
  const n = BigInt(m.members.length);
  switch (rng.int(8)) {
    case 0:
      l.locatorOffset = rng.pick([
        0n,
        2n ** 63n,
        2n ** 64n - 1n,
        2n ** 53n,
        BigInt(rng.int(100_000)),
      ]);
      log.push(`zip64 locator offset -> ${l.locatorOffset}`);
      break;
    case 1:
      l.recordSignature = rng.pick([0, 0x06054b50, 0x02014b50]);
      log.push("zip64 record signature");
      break;
    case 2:
      l.count64 = rng.pick([0n, n + 1n, 2n ** 53n, 2n ** 63n, 100_001n]);
      log.push(`zip64 count -> ${l.count64}`);
      break;
    case 3:
      l.diskCount64 = rng.pick([0n, n + 1n]);
      log.push("zip64 disk count mismatch");
      break;
    case 4:
      l.size64 = rng.pick([0n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 46n]);
      log.push(`zip64 size -> ${l.size64}`);
      break;
    case 5:
      l.offset64 = rng.pick([0n, 2n ** 53n, 2n ** 63n, 1n, 2n ** 32n]);
      log.push(`zip64 offset -> ${l.offset64}`);
      break;
    case 6:
      l.disk64 = rng.pick([1, 0xffffffff]);
      l.totalDisks = rng.pick([0, 1, 2, 0xffffffff]);
      log.push("zip64 disks");
      break;
    default:
      for (const x of m.members) {
        x.zip64Extra = rng.pick(["full", "short", "missing", "huge"] as const);
      }
      log.push("zip64 extra fields");
  }
};

const ZIP_MODEL_OPS: readonly (readonly [ZipModelOp, number])[] = [
  [renameEvil, 6],
  [duplicateMember, 4],
  [dropOrShuffle, 3],
  [sizeLie, 8],
  [headerLie, 8],
  [extraLie, 4],
  [mutateContent, 14],
  [addMember, 4],
  [bomb, 3],
  [endLie, 8],
  [zip64Lie, 6],
];

type ZipByteOp = (b: Uint8Array, rng: Rng, log: string[]) => Uint8Array;

/** Byte-level damage, biased towards the central directory and end records at the tail. */
const ZIP_BYTE_OPS: readonly (readonly [ZipByteOp, number])[] = [
  [flipBits, 4],
  [overwriteBytes, 4],
  [(b, rng, log) => truncate(b, rng, log, b.length - rng.range(1, 120)), 3],
  [(b, rng, log) => truncate(b, rng, log), 1],
  [insertOrDelete, 2],
  [(b, rng, log) => {
    // Damage within the last 200 bytes (end record, tail of the central directory).
    if (b.length === 0) return b;
    const out = b.slice();
    const at = Math.max(0, out.length - 1 - rng.int(200));
    out[at] = rng.pick([0, 0xff, 0x50, 0x4b, 0x05, 0x06, 0x01, 0x02]);
    log.push(`tail byte ${at}`);
    return out;
  }, 4],
];

/**
 * Mutates an archive: model-level lies (0-3) on a copy of the seed model, then, on the written
 * bytes, byte-level damage (0-2). At least one mutation always happens.
 */
export function mutateZip(
  seed: { bytes: Uint8Array; model?: ZipModel },
  rng: Rng,
  ctx: ZipContext,
  log: string[],
): Uint8Array {
  let bytes = seed.bytes;
  let changed = false;
  if (seed.model !== undefined && rng.chance(0.8)) {
    const model = cloneModel(seed.model);
    const n = rng.weighted([[1, 5], [2, 3], [3, 1]] as const);
    for (let i = 0; i < n; i++) rng.weighted(ZIP_MODEL_OPS)(model, rng, ctx, log);
    bytes = writeZip(model);
    changed = true;
  }
  const k = changed ? rng.weighted([[0, 6], [1, 3], [2, 1]] as const) : rng.range(1, 3);
  for (let i = 0; i < k; i++) bytes = rng.weighted(ZIP_BYTE_OPS)(bytes, rng, log);
  return bytes;
}
