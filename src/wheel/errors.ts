/**
 * Typed errors of the wheel reader. Both extend `SyntaxError`, so a caller can catch every
 * "this input is malformed" error with one `instanceof SyntaxError` check.
 *
 * @module
 */

/** Where a zip error was found: absolute byte offset in the archive, and the archive/member names. */
export interface ZipErrorLocation {
  /** 0-based absolute byte offset in the archive of the start of the bad item. */
  offset: number;
  /** File name of the archive, as given by the caller. */
  file?: string;
  /** Path of the zip member the error is about, when there is one. */
  member?: string;
}

/**
 * Formats the fixed locator suffix, worded as the wasm reader's:
 * `(at offset 0x1a3 in "x.whl")`, or `(at offset 0x1a3 in "a/b.so" of "x.whl")` for a member.
 */
function formatLocation({ offset, file, member }: ZipErrorLocation): string {
  let where = `at offset 0x${offset.toString(16)}`;
  if (member !== undefined) where += ` in ${JSON.stringify(member)}`;
  if (file !== undefined) {
    where += `${member !== undefined ? " of" : " in"} ${JSON.stringify(file)}`;
  }
  return `(${where})`;
}

/**
 * A zip archive (wheel or Pyodide `.zip` package) is malformed, unsafe or unsupported.
 *
 * The message is the reason followed by a locator, e.g.
 * `Duplicate member name: "a.so" (at offset 0x1a3 in "a.so" of "x.whl")`.
 *
 * @example Catch and inspect
 * ```ts
 * import assert from "node:assert/strict";
 * import { ZipFormatError } from "./errors.ts";
 * const error = new ZipFormatError("Member is encrypted", { offset: 0x1a3, file: "x.whl", member: "a.so" });
 * assert.ok(error.message === 'Member is encrypted (at offset 0x1a3 in "a.so" of "x.whl")');
 * assert.ok(error instanceof SyntaxError && error.offset === 0x1a3);
 * ```
 */
export class ZipFormatError extends SyntaxError {
  /** 0-based absolute byte offset in the archive of the start of the bad item. */
  readonly offset: number;
  /** File name of the archive, when known. */
  readonly file?: string;
  /** Member path, when the error is about one member. */
  readonly member?: string;
  /** The message without the locator suffix. */
  readonly reason: string;

  /**
   * @param reason What is wrong, sentence case, no final period.
   * @param location Where it is wrong.
   */
  constructor(reason: string, location: ZipErrorLocation) {
    super(`${reason} ${formatLocation(location)}`);
    this.name = "ZipFormatError";
    this.reason = reason;
    this.offset = location.offset;
    if (location.file !== undefined) this.file = location.file;
    if (location.member !== undefined) this.member = location.member;
  }
}

/**
 * A wheel filename does not follow the wheel specification (PEP 427 / `packaging`).
 *
 * The message reads `Invalid wheel filename (<reason>): "<filename>"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InvalidWheelFilename } from "./errors.ts";
 * const error = new InvalidWheelFilename("x.zip", 'extension must be ".whl"');
 * assert.ok(error.message === 'Invalid wheel filename (extension must be ".whl"): "x.zip"');
 * ```
 */
export class InvalidWheelFilename extends SyntaxError {
  /** The filename as given. */
  readonly filename: string;
  /** Why it is invalid, e.g. `wrong number of parts`. */
  readonly reason: string;

  /**
   * @param filename The rejected filename.
   * @param reason Why it is rejected.
   */
  constructor(filename: string, reason: string) {
    super(`Invalid wheel filename (${reason}): ${JSON.stringify(filename)}`);
    this.name = "InvalidWheelFilename";
    this.filename = filename;
    this.reason = reason;
  }
}
