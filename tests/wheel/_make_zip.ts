/**
 * Test helper: a tiny zip writer (APPNOTE 6.3.10), independent of the reader under test, that can
 * also write the lies and corruptions the malformed-input tests need. Deflate uses the web
 * platform's `CompressionStream("deflate-raw")`.
 */

/** One member to write. */
export interface MemberSpec {
  name: string;
  data: Uint8Array | string;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** Method number written to the headers instead of the real one (data stays as `method`). */
  writeMethod?: number;
  /** Extra general purpose flags OR-ed in (e.g. 1 = encrypted). */
  flags?: number;
  /** Name bytes to write instead of the UTF-8 of `name` (e.g. CP437 or invalid UTF-8). */
  rawName?: Uint8Array;
  /** Set general purpose flag bit 11 (UTF-8 names); default: when the name is not ASCII. */
  utf8?: boolean;
  /** Uncompressed size written to the headers instead of the real one. */
  declaredSize?: number;
  /** CRC-32 written to the headers instead of the real one. */
  crc32?: number;
  /** Name written to the local header instead of the central one. */
  localName?: string;
  /** Compressed bytes to write instead of deflating `data` (sizes and CRC still from `data`). */
  rawCompressed?: Uint8Array;
  /** Unix file mode for the external attributes (e.g. `0o120777` for a symlink entry). */
  unixMode?: number;
}

/** Archive-level options. */
export interface ZipSpec {
  /** Entry count written to the end record instead of the real one. */
  declaredCount?: number;
  /** Central directory offset written to the end record instead of the real one. */
  declaredCentralOffset?: number;
  /** Write ZIP64 end records (and ZIP64 extra fields with saturated 32-bit fields). */
  zip64?: boolean;
  /** Archive comment. */
  comment?: string;
}

/** Where things landed, so tests can assert exact offsets. */
export interface ZipLayout {
  bytes: Uint8Array;
  localOffsets: number[];
  /** Absolute offset of each member's (compressed) data. */
  dataOffsets: number[];
  centralOffsets: number[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Offset of the classic end of central directory record. */
  endRecordOffset: number;
  /** Offset of the ZIP64 end record, when written. */
  zip64EndRecordOffset?: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC), bit by bit through a table: slow, simple, independent of `node:zlib`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Raw deflate through `CompressionStream`. */
export async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

class Writer {
  #chunks: number[] = [];
  get length(): number {
    return this.#chunks.length;
  }
  u16(v: number): void {
    this.#chunks.push(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16((v >>> 16) & 0xffff);
  }
  u64(v: number): void {
    this.u32(v % 0x1_0000_0000);
    this.u32(Math.floor(v / 0x1_0000_0000));
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.#chunks.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

const encoder = new TextEncoder();

/**
 * Writes a zip archive from member specs.
 *
 * @returns The bytes and the offsets of every record.
 */
export async function makeZip(members: MemberSpec[], spec: ZipSpec = {}): Promise<ZipLayout> {
  const w = new Writer();
  const prepared = [];
  for (const m of members) {
    const data = typeof m.data === "string" ? encoder.encode(m.data) : m.data;
    const method = m.method ?? 8;
    const stored = m.rawCompressed ?? (method === 8 ? await deflateRaw(data) : data);
    const name = m.rawName ?? encoder.encode(m.name);
    // deno-lint-ignore no-control-regex
    const utf8 = m.utf8 ?? /[^\x00-\x7f]/.test(m.name);
    const flags = (m.flags ?? 0) | (utf8 ? 0x0800 : 0);
    prepared.push({
      m,
      name,
      localName: m.localName === undefined ? name : encoder.encode(m.localName),
      flags,
      method: m.writeMethod ?? method,
      stored,
      crc: m.crc32 ?? crc32(data),
      size: m.declaredSize ?? data.length,
    });
  }
  const zip64 = spec.zip64 ?? false;
  const localOffsets: number[] = [];
  const dataOffsets: number[] = [];
  for (const p of prepared) {
    localOffsets.push(w.length);
    w.u32(0x04034b50);
    w.u16(zip64 ? 45 : 20);
    w.u16(p.flags);
    w.u16(p.method);
    w.u16(0); // time
    w.u16(0x21); // date: 1980-01-01
    w.u32(p.crc);
    w.u32(zip64 ? 0xffffffff : p.stored.length);
    w.u32(zip64 ? 0xffffffff : p.size);
    w.u16(p.localName.length);
    w.u16(zip64 ? 20 : 0);
    w.bytes(p.localName);
    if (zip64) {
      w.u16(0x0001);
      w.u16(16);
      w.u64(p.size);
      w.u64(p.stored.length);
    }
    dataOffsets.push(w.length);
    w.bytes(p.stored);
  }
  const centralDirectoryOffset = w.length;
  const centralOffsets: number[] = [];
  prepared.forEach((p, i) => {
    centralOffsets.push(w.length);
    w.u32(0x02014b50);
    w.u16(0x031e); // made by: Unix, 3.0
    w.u16(zip64 ? 45 : 20);
    w.u16(p.flags);
    w.u16(p.method);
    w.u16(0);
    w.u16(0x21);
    w.u32(p.crc);
    w.u32(zip64 ? 0xffffffff : p.stored.length);
    w.u32(zip64 ? 0xffffffff : p.size);
    w.u16(p.name.length);
    w.u16(zip64 ? 28 : 0);
    w.u16(0); // comment
    w.u16(0); // disk
    w.u16(0); // internal attributes
    w.u32(((members[i]!.unixMode ?? 0) << 16) >>> 0); // external attributes (Unix st_mode)
    w.u32(zip64 ? 0xffffffff : localOffsets[i]!);
    w.bytes(p.name);
    if (zip64) {
      w.u16(0x0001);
      w.u16(24);
      w.u64(p.size);
      w.u64(p.stored.length);
      w.u64(localOffsets[i]!);
    }
  });
  const centralDirectorySize = w.length - centralDirectoryOffset;
  const count = spec.declaredCount ?? members.length;
  const cdOffset = spec.declaredCentralOffset ?? centralDirectoryOffset;
  let zip64EndRecordOffset: number | undefined;
  if (zip64) {
    zip64EndRecordOffset = w.length;
    w.u32(0x06064b50);
    w.u64(44);
    w.u16(45);
    w.u16(45);
    w.u32(0);
    w.u32(0);
    w.u64(count);
    w.u64(count);
    w.u64(centralDirectorySize);
    w.u64(cdOffset);
    w.u32(0x07064b50); // locator
    w.u32(0);
    w.u64(zip64EndRecordOffset);
    w.u32(1);
  }
  const endRecordOffset = w.length;
  const comment = encoder.encode(spec.comment ?? "");
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(zip64 ? 0xffff : count);
  w.u16(zip64 ? 0xffff : count);
  w.u32(zip64 ? 0xffffffff : centralDirectorySize);
  w.u32(zip64 ? 0xffffffff : cdOffset);
  w.u16(comment.length);
  w.bytes(comment);
  const layout: ZipLayout = {
    bytes: w.done(),
    localOffsets,
    dataOffsets,
    centralOffsets,
    centralDirectoryOffset,
    centralDirectorySize,
    endRecordOffset,
  };
  if (zip64EndRecordOffset !== undefined) layout.zip64EndRecordOffset = zip64EndRecordOffset;
  return layout;
}
