/**
 * A small, strict zip reader for wheels and Pyodide `.zip` packages: it lists the central
 * directory (APPNOTE 6.3.10 §4.3, ZIP64 included) and inflates single members on demand.
 *
 * Everything an attacker controls is checked before it is trusted: the entry count against the
 * central directory size, member names (encoding, duplicates, paths escaping the archive),
 * encryption, local headers, declared sizes and compression ratios (before inflating), the real
 * inflated size (while inflating) and the CRC-32 (after).
 *
 * @module
 */
import { constants as zlibConstants, crc32, inflateRawSync } from "node:zlib";
import { ZipFormatError } from "./errors.ts";
import type { ArchiveBytes, ZipEntry } from "./types.ts";

/** Most central-directory entries read from one archive. */
export const MAX_ZIP_ENTRIES = 100_000;
/** Largest declared uncompressed size of one member that will be inflated. */
export const MAX_MEMBER_BYTES = 256 * 1024 * 1024;
/** Most bytes inflated from one archive in total (see {@link InflateBudget}). */
export const MAX_ARCHIVE_INFLATED_BYTES = 1024 * 1024 * 1024;
/** Highest uncompressed:compressed ratio accepted for members of {@link RATIO_CHECK_MIN_BYTES} or more. */
export const MAX_COMPRESSION_RATIO = 1000;
/** Members smaller than this are exempt from the ratio check (tiny files compress absurdly well). */
export const RATIO_CHECK_MIN_BYTES = 1024 * 1024;

/**
 * Compressed bytes {@link readMemberPrefix} inflates first: a dynamic Huffman block header takes
 * at most a few hundred bytes (on the shared corpus 256 bytes always sufficed), and this bounds the
 * output of a peek to about 256 KiB (deflate's ratio is at most 1032:1). Measured on the corpus'
 * 4,344 deflated non-`.so` members: 68 ms with a 256-byte window, 160 ms with 1 KiB.
 */
export const PREFIX_WINDOW_BYTES = 256;

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE = 30;
const DIGITAL_SIGNATURE_SIGNATURE = 0x05054b50;
/** The EOCD comment is at most 0xffff bytes, so the record starts within this distance of the end. */
const EOCD_SEARCH = EOCD_SIZE + 0xffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const METHOD_NAMES: Record<number, string> = {
  1: "shrink",
  6: "implode",
  9: "deflate64",
  12: "bzip2",
  14: "lzma",
  93: "zstd",
  95: "xz",
  98: "ppmd",
  99: "aes",
};

// Code page 437, bytes 0x80-0xff: the zip default when general purpose flag bit 11 is clear.
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The central directory of an archive. */
export interface ZipDirectory {
  /** Entries in central-directory order. */
  entries: ZipEntry[];
  /** Absolute offset of the first central-directory record. */
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Absolute offset of the end of central directory record. */
  endRecordOffset: number;
  /** True when the archive uses ZIP64 end records. */
  zip64: boolean;
}

/** Options of {@link readZipDirectory}. */
export interface ReadZipOptions {
  /** Archive file name, used in error messages. */
  file?: string;
  /** Overrides {@link MAX_ZIP_ENTRIES}. */
  maxEntries?: number;
}

/** Remaining bytes one archive may still inflate; shared by the calls that read that archive. */
export interface InflateBudget {
  remainingBytes: number;
}

/** Options of {@link inflateMember} and {@link readMemberPrefix}. */
export interface InflateOptions {
  /** Archive file name, used in error messages. */
  file?: string;
  /** Overrides {@link MAX_MEMBER_BYTES}. */
  maxMemberBytes?: number;
  /** Archive-wide budget, decremented by every inflation; see {@link createInflateBudget}. */
  budget?: InflateBudget;
}

/**
 * Creates a fresh archive-wide inflation budget.
 *
 * @param bytes Budget in bytes; defaults to {@link MAX_ARCHIVE_INFLATED_BYTES}.
 * @returns The budget object to pass to every {@link inflateMember} call for one archive.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createInflateBudget } from "./read_zip.ts";
 * assert.ok(createInflateBudget(10).remainingBytes === 10);
 * ```
 */
export function createInflateBudget(bytes: number = MAX_ARCHIVE_INFLATED_BYTES): InflateBudget {
  return { remainingBytes: bytes };
}

function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>>
    0;
}

/** Reads a little-endian u64 as a number, or -1 when it does not fit a safe integer. */
function u64(bytes: Uint8Array, at: number): number {
  const value = u32(bytes, at) + u32(bytes, at + 4) * 0x1_0000_0000;
  return Number.isSafeInteger(value) ? value : -1;
}

/**
 * A window of an archive addressed by absolute offsets: the readers keep the offsets their
 * errors report, whether the archive is whole in memory or read range by range.
 */
class ShiftedBytes {
  constructor(readonly bytes: Uint8Array, readonly base: number) {}
  at(offset: number): number {
    return this.bytes[offset - this.base];
  }
  u16(offset: number): number {
    return u16(this.bytes, offset - this.base);
  }
  u32(offset: number): number {
    return u32(this.bytes, offset - this.base);
  }
  u64(offset: number): number {
    return u64(this.bytes, offset - this.base);
  }
  subarray(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start - this.base, end - this.base);
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function hex(value: number, width = 0): string {
  return `0x${value.toString(16).padStart(width, "0")}`;
}

function decodeName(raw: Uint8Array, utf8: boolean): string | undefined {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode(...raw);
  if (utf8) {
    try {
      return UTF8.decode(raw);
    } catch {
      return undefined;
    }
  }
  let out = "";
  for (const byte of raw) out += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  return out;
}

/**
 * Why a member path would escape the directory it is extracted to, or `undefined` when it is safe.
 * Backslashes count as separators, as Windows tools treat them.
 */
function pathEscapeReason(name: string): string | undefined {
  if (name.startsWith("/") || name.startsWith("\\")) return "absolute path";
  if (/^[A-Za-z]:/.test(name)) return "drive letter";
  if (name.split(/[\\/]/).includes("..")) return "parent directory segment";
  return undefined;
}

interface EndRecord {
  endRecordOffset: number;
  /** Where the central directory must end at the latest (the first end record). */
  limit: number;
  count: number;
  size: number;
  offset: number;
  zip64: boolean;
}

function findEndRecord(archive: ArchiveBytes, file: string | undefined): EndRecord {
  const fail = (reason: string, offset: number): never => {
    throw new ZipFormatError(reason, file === undefined ? { offset } : { offset, file });
  };
  const length = archive.length;
  if (length < EOCD_SIZE) {
    fail(
      `Archive is truncated: ${length} bytes, shorter than an end of central directory record`,
      0,
    );
  }
  const stop = Math.max(0, length - EOCD_SEARCH);
  // The end record, its comment and a ZIP64 locator lie in the archive's tail: only it is read,
  // addressed by absolute offsets through a view that starts at `tailAt`.
  const tailAt = Math.max(0, stop - ZIP64_LOCATOR_SIZE);
  const bytes = new ShiftedBytes(archive.subarray(tailAt, length), tailAt);
  let at = -1;
  for (let i = length - EOCD_SIZE; i >= stop; i--) {
    // The comment length must fit what follows, which skips signatures inside a comment.
    if (
      bytes.at(i) === 0x50 && bytes.u32(i) === EOCD_SIGNATURE &&
      i + EOCD_SIZE + bytes.u16(i + 20) <= length
    ) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    const looksLikeZip = length >= 4 && u32(archive.subarray(0, 4), 0) === LOCAL_SIGNATURE;
    fail(
      looksLikeZip
        ? "Archive is truncated: end of central directory record not found"
        : "Not a zip archive: end of central directory record not found",
      stop,
    );
  }
  const disk = bytes.u16(at + 4);
  const centralDisk = bytes.u16(at + 6);
  const diskCount = bytes.u16(at + 8);
  let count = bytes.u16(at + 10);
  let size = bytes.u32(at + 12);
  let offset = bytes.u32(at + 16);
  let zip64 = false;
  let limit = at;
  let recordOffset = at;
  const locator = at - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && bytes.u32(locator) === ZIP64_LOCATOR_SIGNATURE) {
    const recordAt = bytes.u64(locator + 8);
    if (recordAt < 0 || recordAt + ZIP64_EOCD_SIZE > locator) {
      fail(
        `ZIP64 end of central directory locator points outside the archive: ${
          hex(bytes.u32(locator + 8))
        }`,
        locator,
      );
    }
    // The ZIP64 record may lie before the tail.
    const record = new ShiftedBytes(
      archive.subarray(recordAt, recordAt + ZIP64_EOCD_SIZE),
      recordAt,
    );
    if (record.u32(recordAt) !== ZIP64_EOCD_SIGNATURE) {
      fail(
        `Bad ZIP64 end of central directory signature ${hex(record.u32(recordAt), 8)}, expected ${
          hex(ZIP64_EOCD_SIGNATURE, 8)
        }`,
        recordAt,
      );
    }
    if (
      record.u32(recordAt + 16) !== 0 || record.u32(recordAt + 20) !== 0 ||
      bytes.u32(locator + 16) > 1
    ) {
      fail("Multi-disk archives are not supported", recordAt);
    }
    const count64 = record.u64(recordAt + 32);
    if (count64 !== record.u64(recordAt + 24)) {
      fail("Multi-disk archives are not supported", recordAt);
    }
    count = count64;
    size = record.u64(recordAt + 40);
    offset = record.u64(recordAt + 48);
    if (count < 0 || size < 0 || offset < 0) {
      fail("ZIP64 end of central directory record holds a value over 2^53", recordAt);
    }
    zip64 = true;
    limit = recordAt;
    recordOffset = recordAt;
  } else if (disk !== 0 || centralDisk !== 0 || diskCount !== count) {
    fail("Multi-disk archives are not supported", at);
  }
  return { endRecordOffset: recordOffset, limit, count, size, offset, zip64 };
}

/**
 * Reads the central directory of a zip archive.
 *
 * @param archive The whole archive (or one read on demand).
 * @param options File name for messages, entry limit.
 * @returns The entries with absolute offsets, plus where the directory lies.
 * @throws {ZipFormatError} Truncated or non-zip input, a central directory past its end record, an
 *   entry count that the directory cannot hold or does not match, bad record signatures, names that
 *   are not valid UTF-8 when flagged so, empty or duplicate names, paths escaping the archive,
 *   encrypted members, local headers placed after the central directory.
 * @example List the members of a generated archive
 * ```ts
 * import assert from "node:assert/strict";
 * import { readZipDirectory } from "./read_zip.ts";
 * // An empty archive is a bare 22-byte end record.
 * const empty = new Uint8Array(22);
 * empty.set([0x50, 0x4b, 0x05, 0x06]);
 * assert.ok(readZipDirectory(empty, { file: "empty.zip" }).entries.length === 0);
 * ```
 */
export function readZipDirectory(
  archive: ArchiveBytes,
  options: ReadZipOptions = {},
): ZipDirectory {
  const file = options.file;
  const maxEntries = options.maxEntries ?? MAX_ZIP_ENTRIES;
  const end = findEndRecord(archive, file);
  const fail = (reason: string, offset: number, member?: string): never => {
    const location: { offset: number; file?: string; member?: string } = { offset };
    if (file !== undefined) location.file = file;
    if (member !== undefined) location.member = member;
    throw new ZipFormatError(reason, location);
  };
  if (end.offset + end.size > end.limit) {
    fail(
      `Central directory runs past its end record: ${end.size} bytes at ${
        hex(end.offset)
      }, end record at ${hex(end.limit)}`,
      end.endRecordOffset,
    );
  }
  if (end.count > maxEntries) {
    fail(
      `Archive declares ${plural(end.count, "entry", "entries")}, over the limit of ${maxEntries}`,
      end.endRecordOffset,
    );
  }
  if (end.count * CENTRAL_SIZE > end.size) {
    fail(
      `Central directory of ${end.size} bytes cannot hold the ${
        plural(end.count, "entry", "entries")
      } declared`,
      end.endRecordOffset,
    );
  }
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  const stop = end.offset + end.size;
  // Only the central directory is read here.
  const bytes = new ShiftedBytes(archive.subarray(end.offset, stop), end.offset);
  let at = end.offset;
  for (let index = 0; index < end.count; index++) {
    if (at + CENTRAL_SIZE > stop) {
      fail(
        `Central directory ends after ${index} of the ${
          plural(end.count, "entry", "entries")
        } declared`,
        at,
      );
    }
    const signature = bytes.u32(at);
    if (signature !== CENTRAL_SIGNATURE) {
      fail(
        `Bad central directory entry signature ${hex(signature, 8)}, expected ${
          hex(CENTRAL_SIGNATURE, 8)
        } (entry ${index} of ${end.count})`,
        at,
      );
    }
    const flags = bytes.u16(at + 8);
    const method = bytes.u16(at + 10);
    const crc = bytes.u32(at + 16);
    let compressedSize = bytes.u32(at + 20);
    let uncompressedSize = bytes.u32(at + 24);
    const nameLength = bytes.u16(at + 28);
    const extraLength = bytes.u16(at + 30);
    const commentLength = bytes.u16(at + 32);
    const startDisk = bytes.u16(at + 34);
    let localOffset = bytes.u32(at + 42);
    const recordEnd = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (recordEnd > stop) {
      fail(`Central directory entry ${index} runs past the end of the central directory`, at);
    }
    const rawName = bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    const name = decodeName(rawName, (flags & FLAG_UTF8) !== 0);
    if (name === undefined) fail("Member name is not valid UTF-8 although flagged as UTF-8", at);
    const member = name!;
    if (member === "") fail("Member name is empty", at);
    if (member.includes("\0")) fail("Member name contains a NUL character", at, member);
    if (
      compressedSize === 0xffffffff || uncompressedSize === 0xffffffff ||
      localOffset === 0xffffffff ||
      startDisk === 0xffff
    ) {
      // ZIP64 extended information: only the fields saturated above are present, in this order.
      let extra = at + CENTRAL_SIZE + nameLength;
      const extraEnd = extra + extraLength;
      let found = false;
      while (extra + 4 <= extraEnd) {
        const id = bytes.u16(extra);
        const size = bytes.u16(extra + 2);
        if (extra + 4 + size > extraEnd) break;
        if (id === 0x0001) {
          let field = extra + 4;
          const take = (): number => {
            if (field + 8 > extra + 4 + size) fail("ZIP64 extra field is too short", extra, member);
            const value = bytes.u64(field);
            if (value < 0) fail("ZIP64 extra field holds a value over 2^53", field, member);
            field += 8;
            return value;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localOffset === 0xffffffff) localOffset = take();
          found = true;
          break;
        }
        extra += 4 + size;
      }
      if (!found) fail("ZIP64 extra field is missing for saturated sizes or offset", at, member);
    }
    if (startDisk !== 0 && startDisk !== 0xffff) {
      fail("Multi-disk archives are not supported", at, member);
    }
    const escape = pathEscapeReason(member);
    if (escape !== undefined) {
      fail(`Member path escapes the archive (${escape}): ${JSON.stringify(member)}`, at, member);
    }
    if (names.has(member)) fail(`Duplicate member name: ${JSON.stringify(member)}`, at, member);
    names.add(member);
    if ((flags & FLAG_ENCRYPTED) !== 0) fail("Member is encrypted", at, member);
    if (localOffset + LOCAL_SIZE > end.offset) {
      fail(
        `Local header offset ${hex(localOffset)} lies past the start of the central directory`,
        at,
        member,
      );
    }
    entries.push({
      name: member,
      centralOffset: at,
      localOffset,
      method,
      compressedSize,
      uncompressedSize,
      crc32: crc,
      flags,
      isDirectory: member.endsWith("/"),
      // Unix hosts (version made by, high byte 3) keep st_mode in the top half of the external
      // attributes; S_IFLNK marks a symlink whose content is the target path, not the file.
      isSymlink: bytes.at(at + 5) === 3 && ((bytes.u32(at + 38) >>> 16) & 0o170000) === 0o120000,
    });
    at = recordEnd;
  }
  // Anything left but an optional digital signature record means the entry count was a lie.
  if (at < stop && !(at + 6 <= stop && bytes.u32(at) === DIGITAL_SIGNATURE_SIGNATURE)) {
    fail(
      `Central directory holds ${stop - at} bytes after the ${
        plural(end.count, "entry", "entries")
      } declared`,
      at,
    );
  }
  return {
    entries,
    centralDirectoryOffset: end.offset,
    centralDirectorySize: end.size,
    endRecordOffset: end.endRecordOffset,
    zip64: end.zip64,
  };
}

function locationOf(entry: ZipEntry, offset: number, file: string | undefined) {
  const location: { offset: number; file?: string; member: string } = {
    offset,
    member: entry.name,
  };
  if (file !== undefined) location.file = file;
  return location;
}

/**
 * Validates the local header of an entry and returns the absolute range of its compressed data.
 *
 * @param archive The whole archive (or one read on demand).
 * @param entry A central-directory entry of that archive.
 * @param options File name for messages.
 * @returns `[start, end)` of the member's compressed data.
 * @throws {ZipFormatError} Bad local signature, a name differing from the central directory, data
 *   running past the end of the archive.
 * @example
 * ```ts ignore
 * const [start, end] = locateMemberData(bytes, entry, { file: "x.whl" });
 * ```
 */
export function locateMemberData(
  archive: ArchiveBytes,
  entry: ZipEntry,
  options: { file?: string } = {},
): [number, number] {
  const at = entry.localOffset;
  const fail = (reason: string, offset: number): never => {
    throw new ZipFormatError(reason, locationOf(entry, offset, options.file));
  };
  if (at + LOCAL_SIZE > archive.length) fail("Local header runs past the end of the archive", at);
  const bytes = new ShiftedBytes(archive.subarray(at, at + LOCAL_SIZE), at);
  const signature = bytes.u32(at);
  if (signature !== LOCAL_SIGNATURE) {
    fail(
      `Bad local header signature ${hex(signature, 8)}, expected ${hex(LOCAL_SIGNATURE, 8)}`,
      at,
    );
  }
  const nameLength = bytes.u16(at + 26);
  const extraLength = bytes.u16(at + 28);
  const flags = bytes.u16(at + 6);
  const start = at + LOCAL_SIZE + nameLength + extraLength;
  if (start > archive.length) {
    fail("Local header name and extra field run past the end of the archive", at);
  }
  const name = decodeName(
    archive.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLength),
    (flags & FLAG_UTF8) !== 0,
  );
  if (name !== entry.name) {
    fail(
      `Local header names ${
        name === undefined ? "(undecodable)" : JSON.stringify(name)
      }, the central directory ${JSON.stringify(entry.name)}`,
      at,
    );
  }
  const end = start + entry.compressedSize;
  if (end > archive.length) {
    fail(
      `Member data runs past the end of the archive: ${entry.compressedSize} bytes declared`,
      start,
    );
  }
  return [start, end];
}

function checkMethod(entry: ZipEntry, file: string | undefined): void {
  if (entry.method === METHOD_STORED || entry.method === METHOD_DEFLATED) return;
  const known = METHOD_NAMES[entry.method];
  throw new ZipFormatError(
    `Unsupported compression method ${entry.method}${known === undefined ? "" : ` (${known})`}`,
    locationOf(entry, entry.localOffset, file),
  );
}

/**
 * Checks the declared sizes of a member against the limits before any byte is inflated.
 *
 * @throws {ZipFormatError} Over the per-member limit, the ratio limit or the archive budget.
 */
function checkDeclaredSize(entry: ZipEntry, options: InflateOptions): void {
  const maxBytes = options.maxMemberBytes ?? MAX_MEMBER_BYTES;
  const fail = (reason: string): never => {
    throw new ZipFormatError(reason, locationOf(entry, entry.centralOffset, options.file));
  };
  if (entry.uncompressedSize > maxBytes) {
    fail(
      `Member declares ${entry.uncompressedSize} bytes uncompressed, over the limit of ${maxBytes}`,
    );
  }
  if (
    entry.method !== METHOD_STORED && entry.uncompressedSize >= RATIO_CHECK_MIN_BYTES &&
    entry.uncompressedSize > MAX_COMPRESSION_RATIO * Math.max(1, entry.compressedSize)
  ) {
    fail(
      `Member declares a compression ratio over ${MAX_COMPRESSION_RATIO}:1 (${entry.uncompressedSize} bytes from ${entry.compressedSize})`,
    );
  }
  if (options.budget !== undefined && entry.uncompressedSize > options.budget.remainingBytes) {
    fail(
      `Member of ${entry.uncompressedSize} bytes exceeds the archive's remaining inflation budget of ${options.budget.remainingBytes} bytes`,
    );
  }
}

function asPlainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Inflates (or copies out) one member, after checking the declared sizes against the limits; stops
 * as soon as the output passes the declared size, then verifies size and CRC-32.
 *
 * Uses `node:zlib`'s synchronous raw inflate: on the shared corpus it is the fastest of the
 * inflaters measured by `benchmarkInflaters` (see `bench_inflate.ts`).
 *
 * @param bytes The whole archive (or one read on demand).
 * @param entry A central-directory entry of that archive (from {@link readZipDirectory}).
 * @param options File name for messages, per-member limit, archive budget.
 * @returns The member's bytes (a view; stored members share the archive's buffer).
 * @throws {ZipFormatError} Unsupported method, bomb limits, corrupt deflate data, size or CRC-32
 *   mismatch, plus the local-header errors of {@link locateMemberData}.
 * @example
 * ```ts ignore
 * const directory = readZipDirectory(bytes, { file: "x.whl" });
 * const wheel = directory.entries.find((e) => e.name.endsWith(".dist-info/WHEEL"))!;
 * const text = new TextDecoder().decode(inflateMember(bytes, wheel, { file: "x.whl" }));
 * ```
 */
export function inflateMember(
  bytes: ArchiveBytes,
  entry: ZipEntry,
  options: InflateOptions = {},
): Uint8Array {
  const file = options.file;
  checkMethod(entry, file);
  checkDeclaredSize(entry, options);
  const [start, end] = locateMemberData(bytes, entry, options);
  const fail = (reason: string, offset: number): never => {
    throw new ZipFormatError(reason, locationOf(entry, offset, file));
  };
  let out: Uint8Array;
  if (entry.method === METHOD_STORED) {
    if (entry.compressedSize !== entry.uncompressedSize) {
      fail(
        `Stored member declares ${entry.compressedSize} bytes stored but ${entry.uncompressedSize} uncompressed`,
        entry.centralOffset,
      );
    }
    out = bytes.subarray(start, end);
  } else {
    try {
      // maxOutputLength makes zlib stop as soon as the output passes the declared size; one output
      // chunk one byte larger than declared lets zlib finish in a single call (faster, measured).
      out = asPlainBytes(inflateRawSync(bytes.subarray(start, end), {
        chunkSize: Math.max(64, entry.uncompressedSize + 1),
        maxOutputLength: Math.max(1, entry.uncompressedSize),
      }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        return fail(
          `Member inflates past its declared size of ${entry.uncompressedSize} bytes`,
          start,
        );
      }
      return fail(`Cannot inflate member: ${(error as Error).message}`, start);
    }
    if (out.length !== entry.uncompressedSize) {
      fail(
        `Member inflates to ${out.length} bytes, not the ${entry.uncompressedSize} declared`,
        start,
      );
    }
  }
  if (options.budget !== undefined) options.budget.remainingBytes -= out.length;
  const actual = crc32(out) >>> 0;
  if (actual !== entry.crc32) {
    fail(`CRC-32 mismatch: computed ${hex(actual, 8)}, declared ${hex(entry.crc32, 8)}`, start);
  }
  return out;
}

/**
 * Reads at most the first `length` bytes of a member cheaply, e.g. to test for a magic number.
 * Stored members are sliced; deflated members are inflated from the first
 * {@link PREFIX_WINDOW_BYTES} of compressed input only (then 16 times that), so a large member
 * costs about as much as a small one. Should neither window yield `length` bytes (a contrived
 * stream), the whole member is inflated under the usual limits. No CRC check is possible on a
 * prefix.
 *
 * @param bytes The whole archive (or one read on demand).
 * @param entry A central-directory entry of that archive.
 * @param length How many leading bytes are wanted.
 * @param options File name for messages, limits for the fallback.
 * @returns Up to `length` bytes (fewer only when the member is shorter).
 * @throws {ZipFormatError} Unsupported method, corrupt deflate data, local-header errors.
 * @example
 * ```ts ignore
 * const magic = readMemberPrefix(bytes, entry, 4, { file: "x.whl" });
 * ```
 */
export function readMemberPrefix(
  bytes: ArchiveBytes,
  entry: ZipEntry,
  length: number,
  options: InflateOptions = {},
): Uint8Array {
  checkMethod(entry, options.file);
  const [start, end] = locateMemberData(bytes, entry, options);
  if (entry.method === METHOD_STORED) return bytes.subarray(start, Math.min(end, start + length));
  // Widen the window once (16x) before giving up and inflating the member in full.
  for (const window of [PREFIX_WINDOW_BYTES, PREFIX_WINDOW_BYTES * 16]) {
    const take = Math.min(end - start, window);
    let out: Uint8Array;
    try {
      // Z_SYNC_FLUSH returns what the window decodes to instead of failing on the cut-off stream.
      out = inflateRawSync(bytes.subarray(start, start + take), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        chunkSize: 1024,
      });
    } catch (error) {
      throw new ZipFormatError(
        `Cannot inflate member: ${(error as Error).message}`,
        locationOf(entry, start, options.file),
      );
    }
    if (out.length >= length || take === end - start) return asPlainBytes(out.subarray(0, length));
  }
  return inflateMember(bytes, entry, options).subarray(0, length);
}
