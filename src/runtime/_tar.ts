/**
 * A small tar reader (ustar, pax `x` headers, GNU long names) over bytes already gunzipped, and
 * the path check used before anything is written. Pure.
 *
 * @module
 */
import { RuntimeFormatError } from "./errors.ts";

/** Upper bound on the number of tar entries. */
export const MAX_TAR_ENTRIES = 200_000;
/** Upper bound on one path's length (characters). */
export const MAX_TAR_PATH_CHARS = 4096;

const BLOCK = 512;

export interface TarEntry {
  /** Path as stored (after pax/GNU long-name overrides). */
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  /** File contents (a view into the archive bytes) for `file` entries. */
  data: Uint8Array;
  /** Absolute offset of this entry's header in the archive. */
  offset: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return decoder.decode(bytes.subarray(start, end));
}

/** Numeric header field: octal text, or base-256 when the high bit of the first byte is set. */
function headerNumber(
  bytes: Uint8Array,
  start: number,
  length: number,
  file: string,
  at: number,
): number {
  if (bytes[start] & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + bytes[i];
    if (!Number.isSafeInteger(value)) {
      throw new RuntimeFormatError("Tar size field overflows", file, "", at);
    }
    return value;
  }
  const text = cString(bytes, start, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new RuntimeFormatError(
      `Tar numeric field "${text}" is not octal`,
      file,
      "",
      at + (start % BLOCK),
    );
  }
  return parseInt(text, 8);
}

function isZeroBlock(bytes: Uint8Array, start: number): boolean {
  for (let i = start; i < start + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** pax extended header records: `"<len> key=value\n"`. */
function paxRecords(data: Uint8Array, file: string, at: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    let j = i;
    while (j < data.length && data[j] !== 0x20) j++;
    const len = parseInt(decoder.decode(data.subarray(i, j)), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) {
      throw new RuntimeFormatError("Malformed pax record", file, "", at);
    }
    const record = decoder.decode(data.subarray(j + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * List the entries of an uncompressed tar archive. Verifies every header checksum; throws
 * {@link RuntimeFormatError} with the entry and byte offset on anything malformed.
 *
 * @example An empty archive
 * ```ts
 * import { readTar } from "./_tar.ts";
 * console.assert(readTar(new Uint8Array(1024)).length === 0);
 * ```
 */
export function readTar(bytes: Uint8Array, options: { file?: string } = {}): TarEntry[] {
  const file = options.file ?? "<tar>";
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  while (offset + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, offset)) break;
    const stored = headerNumber(bytes, offset + 148, 8, file, offset);
    let sum = 0;
    for (let i = offset; i < offset + BLOCK; i++) {
      sum += i >= offset + 148 && i < offset + 156 ? 0x20 : bytes[i];
    }
    const name0 = cString(bytes, offset, 100);
    if (sum !== stored) {
      throw new RuntimeFormatError(
        `Tar header checksum ${stored} does not match computed ${sum}`,
        file,
        name0,
        offset,
      );
    }
    const typeflag = String.fromCharCode(bytes[offset + 156] || 0x30);
    const size = headerNumber(bytes, offset + 124, 12, file, offset);
    const magic = cString(bytes, offset + 257, 6);
    const prefix = magic.startsWith("ustar") ? cString(bytes, offset + 345, 155) : "";
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) {
      throw new RuntimeFormatError(
        `Tar entry of ${size} bytes runs past the end of the archive`,
        file,
        name0,
        offset,
      );
    }
    const data = bytes.subarray(dataStart, dataEnd);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "x") {
      pax = paxRecords(data, file, offset);
      offset = next;
      continue;
    }
    if (typeflag === "g") {
      offset = next; // global pax header: nothing we use
      continue;
    }
    if (typeflag === "L") {
      longName = cString(data, 0, data.length);
      offset = next;
      continue;
    }
    let path = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${name0}` : name0);
    if (path.length > MAX_TAR_PATH_CHARS) {
      throw new RuntimeFormatError(
        `Tar path longer than ${MAX_TAR_PATH_CHARS}`,
        file,
        path.slice(0, 80),
        offset,
      );
    }
    pax = new Map();
    longName = undefined;
    const type: TarEntry["type"] = typeflag === "0" || typeflag === "7"
      ? "file"
      : typeflag === "5"
      ? "dir"
      : typeflag === "2"
      ? "symlink"
      : typeflag === "1"
      ? "hardlink"
      : "other";
    if (type === "dir" && path.endsWith("/")) path = path.slice(0, -1);
    entries.push({ path, type, data: type === "file" ? data : new Uint8Array(0), offset });
    if (entries.length > MAX_TAR_ENTRIES) {
      throw new RuntimeFormatError(
        `Tar has more than ${MAX_TAR_ENTRIES} entries`,
        file,
        path,
        offset,
      );
    }
    offset = next;
  }
  return entries;
}

/**
 * The path an entry may be written to, relative to the extraction root, after dropping the first
 * `strip` components (npm tarballs hold everything under `package/`). Refuses absolute paths,
 * drive letters, backslashes, NUL, `.`/`..` components. Returns `""` for the stripped root itself.
 *
 * @example
 * ```ts
 * import { safeEntryPath } from "./_tar.ts";
 * console.assert(safeEntryPath("package/lib/a.js", 1, "p.tgz", 0) === "lib/a.js");
 * ```
 */
export function safeEntryPath(path: string, strip: number, file: string, offset: number): string {
  const refuse = (why: string): never => {
    throw new RuntimeFormatError(`Refusing tar entry path (${why})`, file, path, offset);
  };
  if (path.includes("\0")) refuse("NUL character");
  if (path.includes("\\")) refuse("backslash");
  if (path.startsWith("/")) refuse("absolute path");
  if (/^[A-Za-z]:/.test(path)) refuse("drive letter");
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) refuse("parent directory component");
  return parts.slice(strip).join("/");
}
