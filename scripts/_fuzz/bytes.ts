/**
 * Fuzzing primitives: a seeded PRNG (mulberry32), per-case seeds, and byte helpers (LEB128 with
 * optional padding, splicing) that never throw on odd input.
 *
 * @module
 */

/**
 * mulberry32: a small, fast 32-bit PRNG; good enough to spread mutations, and reproducible.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./bytes.ts";
 * const next = mulberry32(1);
 * console.assert(next() === mulberry32(1)());
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's final mix: spreads nearby (seed, case) pairs over the whole 32-bit range. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The PRNG seed of one case: every case is reproducible from (run seed, case id) alone, whatever
 * ran before it and on whichever worker.
 *
 * @example
 * ```ts
 * import { caseSeed } from "./bytes.ts";
 * console.assert(caseSeed(1, 2) === caseSeed(1, 2) && caseSeed(1, 2) !== caseSeed(1, 3));
 * ```
 */
export function caseSeed(seed: number, caseId: number): number {
  return fmix32(fmix32(seed >>> 0) ^ Math.imul(caseId + 1, 0x9e3779b1));
}

/** A seeded random source with the helpers mutators need. */
export class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Integer in `[0, n)`; 0 when `n <= 0`. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }

  /** Integer in `[lo, hi]`. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[item, weight], …]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Concatenates byte arrays (or plain number lists). */
export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `bytes` with `[start, end)` replaced by `insert` (a new array). */
export function splice(
  bytes: Uint8Array,
  start: number,
  end: number,
  insert: ArrayLike<number>,
): Uint8Array {
  return concat(bytes.subarray(0, start), insert, bytes.subarray(end));
}

/**
 * Unsigned LEB128 of `value` (number or bigint, up to 2^64 - 1), padded with redundant `0x80`
 * continuation bytes to at least `minBytes` bytes (a padded encoding is valid up to the type's
 * maximum length and over-long past it).
 */
export function uleb(value: number | bigint, minBytes = 1): number[] {
  let v = typeof value === "bigint" ? value : BigInt(Math.max(0, Math.floor(value)));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n || out.length + 1 < minBytes) b |= 0x80;
    out.push(b);
  } while (v !== 0n || out.length < minBytes);
  return out;
}

/** Signed LEB128 of a number or bigint (minimal length). */
export function sleb(value: number | bigint): number[] {
  let v = typeof value === "bigint" ? value : BigInt(Math.trunc(value));
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** A LEB128 read leniently (at most 10 bytes): its value and the position after it. */
export interface LebRead {
  value: number;
  next: number;
}

/** Reads an unsigned LEB128 at `pos`, or `undefined` when it is cut off or longer than 10 bytes. */
export function readUleb(bytes: Uint8Array, pos: number): LebRead | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= bytes.length) return undefined;
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return undefined;
}

const LATIN1 = new TextDecoder("latin1");
const UTF8_ENCODER = new TextEncoder();

/** Bytes as a string, one char per byte (never throws). */
export function latin1(bytes: Uint8Array): string {
  return LATIN1.decode(bytes);
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return UTF8_ENCODER.encode(text);
}

/** A wasm name: LEB128 length, then the bytes. */
export function wasmName(text: string | Uint8Array): number[] {
  const b = typeof text === "string" ? utf8(text) : text;
  return [...uleb(b.length), ...b];
}

/** Values that tend to sit on boundaries of length and count checks. */
export const INTERESTING_U32: readonly number[] = [
  0,
  1,
  2,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x3fff,
  0x4000,
  0xffff,
  0x10000,
  1_000,
  1_001,
  10_001,
  100_001,
  1_000_001,
  10_000_001,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
];

/** Bytes that mean something in wasm or zip headers. */
export const INTERESTING_BYTES: readonly number[] = [
  0x00,
  0x01,
  0x02,
  0x04,
  0x0b,
  0x40,
  0x41,
  0x50,
  0x4b,
  0x60,
  0x63,
  0x64,
  0x6f,
  0x70,
  0x7b,
  0x7f,
  0x80,
  0xfd,
  0xfe,
  0xff,
];
