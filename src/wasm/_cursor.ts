/**
 * A read position over a window of the module's bytes. Windows are `subarray()` views, never
 * copies; `base` keeps every offset absolute. Every error goes through {@linkcode Cursor.fail},
 * so no error can lack its offset, section, file or member.
 *
 * @module
 */
import { WasmFormatError } from "./errors.ts";
import { MAX_NAME_BYTES } from "./_limits.ts";

/** Names the input in errors. */
export interface ReadContext {
  file?: string;
  member?: string;
}

// `ignoreBOM` keeps a leading U+FEFF in a name instead of silently dropping it.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `1 byte`, `3 bytes`; `many` when adding `s` is wrong. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `0x4e`. */
export function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

export class Cursor {
  /** The window; `bytes[0]` is at absolute offset `base`. */
  readonly bytes: Uint8Array;
  readonly base: number;
  /** Position inside the window. */
  pos = 0;
  /** What the window is, for messages: `the module`, `section "import"`. */
  readonly scope: string;
  /** Section name reported in errors (the module cursor sets it while reading a section header). */
  section: string | undefined;
  readonly ctx: ReadContext;

  constructor(
    bytes: Uint8Array,
    base: number,
    scope: string,
    section: string | undefined,
    ctx: ReadContext,
  ) {
    this.bytes = bytes;
    this.base = base;
    this.scope = scope;
    this.section = section;
    this.ctx = ctx;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws a {@linkcode WasmFormatError} located at `offset` (default: the next byte). */
  fail(reason: string, offset: number = this.base + this.pos): never {
    throw new WasmFormatError(reason, {
      offset,
      section: this.section,
      file: this.ctx.file,
      member: this.ctx.member,
    });
  }

  #endOfData(what: string, offset: number): never {
    this.fail(`Cannot read ${what}: unexpected end of ${this.scope}`, offset);
  }

  /** No byte at all is the end of the window; a started LEB128 that stops is truncated. */
  #truncated(what: string, start: number, i: number): never {
    if (i === 0) this.#endOfData(what, this.base + start);
    this.fail(`Cannot read ${what}: truncated LEB128 integer`, this.base + start);
  }

  readU8(what: string): number {
    if (this.pos >= this.bytes.length) this.#endOfData(what, this.offset);
    return this.bytes[this.pos++];
  }

  /** Reads `n` bytes as a view (no copy). */
  readBytes(n: number, what: string): Uint8Array {
    if (n > this.remaining) this.#endOfData(what, this.offset);
    const view = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /** Skips a `u32` length and that many bytes, checking that they are there. */
  skipSized(what: string): void {
    const start = this.offset;
    const n = this.readVarU32(what);
    if (n > this.remaining) this.#pastEnd(what, n, start);
    this.pos += n;
  }

  #pastEnd(what: string, n: number, offset: number): never {
    this.fail(
      `Cannot read ${what}: size ${n} runs past the end of ${this.scope} (${
        plural(this.remaining, "byte")
      } left)`,
      offset,
    );
  }

  readVarU32(what: string): number {
    // Fast path: most LEB128 values in a module fit one byte.
    const pos = this.pos;
    if (pos < this.bytes.length) {
      const b = this.bytes[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.#readVarU32Big(what);
  }

  #readVarU32Big(what: string): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let result = 0;
    for (let i = 0;; i++) {
      if (pos >= bytes.length) this.#truncated(what, start, i);
      const b = bytes[pos++];
      if (i === 4) {
        if (b & 0x80) {
          this.fail(`Cannot read ${what}: LEB128 integer longer than 5 bytes`, this.base + start);
        }
        if (b & 0x70) {
          this.fail(`Cannot read ${what}: LEB128 value does not fit in 32 bits`, this.base + start);
        }
        result = (result | (b << 28)) >>> 0;
        break;
      }
      result |= (b & 0x7f) << (7 * i);
      if (!(b & 0x80)) break;
    }
    this.pos = pos;
    return result >>> 0;
  }

  readVarS32(what: string): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let result = 0;
    for (let i = 0;; i++) {
      if (pos >= bytes.length) this.#truncated(what, start, i);
      const b = bytes[pos++];
      if (i === 4) {
        if (b & 0x80) {
          this.fail(`Cannot read ${what}: LEB128 integer longer than 5 bytes`, this.base + start);
        }
        // Bits 4..6 of the last byte must repeat the sign bit (bit 3).
        const high = b & 0x70;
        if (high !== ((b & 0x08) ? 0x70 : 0)) {
          this.fail(`Cannot read ${what}: LEB128 value does not fit in 32 bits`, this.base + start);
        }
        result |= b << 28;
        break;
      }
      result |= (b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        if (b & 0x40) result |= -1 << (7 * (i + 1));
        break;
      }
    }
    this.pos = pos;
    return result | 0;
  }

  /** A signed 33-bit LEB128 (heap types: negative = abstract type code, else a type index). */
  readVarS33(what: string): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let result = 0;
    let scale = 1;
    for (let i = 0;; i++) {
      if (pos >= bytes.length) this.#truncated(what, start, i);
      const b = bytes[pos++];
      if (i === 4) {
        if (b & 0x80) {
          this.fail(`Cannot read ${what}: LEB128 integer longer than 5 bytes`, this.base + start);
        }
        // Bits 5..6 of the last byte must repeat the sign bit (bit 4).
        if ((b & 0x60) !== ((b & 0x10) ? 0x60 : 0)) {
          this.fail(`Cannot read ${what}: LEB128 value does not fit in 33 bits`, this.base + start);
        }
      }
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (i === 4 || !(b & 0x80)) {
        if (b & 0x40) result -= scale;
        break;
      }
    }
    this.pos = pos;
    return result;
  }

  readVarS64(what: string): bigint {
    return this.#readVar64(what, true);
  }

  readVarU64(what: string): bigint {
    return this.#readVar64(what, false);
  }

  #readVar64(what: string, signed: boolean): bigint {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let result = 0n;
    for (let i = 0;; i++) {
      if (pos >= bytes.length) this.#truncated(what, start, i);
      const b = bytes[pos++];
      if (i === 9) {
        if (b & 0x80) {
          this.fail(`Cannot read ${what}: LEB128 integer longer than 10 bytes`, this.base + start);
        }
        // Only bit 0 carries value bit 63; the rest must be zero (unsigned) or repeat it (signed).
        const high = b & 0x7e;
        if (high !== (signed && (b & 1) ? 0x7e : 0)) {
          this.fail(`Cannot read ${what}: LEB128 value does not fit in 64 bits`, this.base + start);
        }
        result |= BigInt(b & 1) << 63n;
        break;
      }
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) {
        if (signed && (b & 0x40)) result -= 1n << BigInt(7 * (i + 1));
        break;
      }
    }
    this.pos = pos;
    return signed ? BigInt.asIntN(64, result) : result;
  }

  /** A u64 LEB128 that must also fit a JS number exactly (memory64 limits). */
  readVarU64Number(what: string): number {
    const start = this.offset;
    const v = this.readVarU64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`Cannot read ${what}: value ${v} is larger than 2^53 - 1`, start);
    }
    return Number(v);
  }

  readF32(what: string): number {
    const b = this.readBytes(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }

  readF64(what: string): number {
    const b = this.readBytes(8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** Reads a `vec(byte)` name as UTF-8; malformed UTF-8 is an error. */
  readName(what: string): string {
    const start = this.offset;
    const len = this.readVarU32(what);
    if (len > MAX_NAME_BYTES) {
      this.fail(`Cannot read ${what}: length ${len} exceeds the limit of ${MAX_NAME_BYTES}`, start);
    }
    if (len > this.remaining) {
      this.fail(
        `Cannot read ${what}: length ${len} runs past the end of ${this.scope} (${
          plural(this.remaining, "byte")
        } left)`,
        start,
      );
    }
    const bytes = this.bytes;
    const begin = this.pos;
    const end = begin + len;
    // Fast path: names are nearly always short ASCII; TextDecoder costs more per call.
    if (len <= 128) {
      let ascii = true;
      for (let p = begin; p < end; p++) {
        if (bytes[p] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.pos = end;
        return String.fromCharCode.apply(null, bytes.subarray(begin, end) as unknown as number[]);
      }
    }
    let s: string;
    try {
      s = UTF8.decode(bytes.subarray(begin, end));
    } catch {
      this.fail(`Cannot read ${what}: invalid UTF-8`, start);
    }
    this.pos = end;
    return s;
  }

  /**
   * Reads a count of items that each take at least `minItemBytes`, checked against `limit` and
   * against the bytes left before the caller allocates anything for them.
   */
  readCount(what: string, limit: number, minItemBytes: number): number {
    const start = this.offset;
    const n = this.readVarU32(what);
    if (n > limit) this.fail(`Cannot read ${what}: ${n} exceeds the limit of ${limit}`, start);
    if (n * minItemBytes > this.remaining) {
      this.fail(
        `Cannot read ${what}: ${n} entries need at least ${plural(n * minItemBytes, "byte")} but ${
          plural(this.remaining, "byte")
        } ${this.remaining === 1 ? "is" : "are"} left in ${this.scope}`,
        start,
      );
    }
    return n;
  }

  /**
   * Takes the next `size` bytes as a new window (no copy). `what` names the item whose size field
   * started at `sizeOffset`, for the error when the size runs past this window.
   */
  window(
    size: number,
    what: string,
    sizeOffset: number,
    scope: string,
    section: string | undefined,
  ): Cursor {
    if (size > this.remaining) this.#pastEnd(what, size, sizeOffset);
    const start = this.pos;
    this.pos = start + size;
    return new Cursor(
      this.bytes.subarray(start, start + size),
      this.base + start,
      scope,
      section,
      this.ctx,
    );
  }

  /** Fails unless the window was read exactly to its end. */
  expectEnd(): void {
    const left = this.remaining;
    if (left !== 0) {
      this.fail(`Cannot read ${this.scope}: ${plural(left, "byte")} left over after its contents`);
    }
  }
}
