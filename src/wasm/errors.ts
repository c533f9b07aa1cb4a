/**
 * Typed errors of the wasm reader.
 *
 * @module
 */

/** Where a malformed item sits: absolute byte offset, section, file and archive member. */
export interface WasmErrorLocation {
  /** Absolute byte offset of the start of the bad item (0-based, from the start of the module). */
  offset: number;
  /** Section being read, e.g. `"import"` or `"dylink.0"`; absent for the module header. */
  section?: string;
  /** The file that was read (a `.so`, or the archive holding it). */
  file?: string;
  /** Path of the module inside `file` when `file` is an archive. */
  member?: string;
}

/**
 * Malformed wasm bytes. The message reads
 * `Cannot read import count: unexpected end of section "import" (at offset 0x1a3 in "pkg/_core.so" of "x.whl")`:
 * sentence case, detail after a colon, no final period, then a fixed locator suffix.
 *
 * @example
 * ```ts
 * import { readWasmModule, WasmFormatError } from "./mod.ts";
 * try {
 *   readWasmModule(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), { file: "a.so" });
 * } catch (e) {
 *   if (e instanceof WasmFormatError) console.log(e.offset, e.reason);
 * }
 * ```
 */
export class WasmFormatError extends SyntaxError {
  /** Absolute byte offset of the start of the bad item. */
  readonly offset: number;
  readonly section?: string;
  readonly file?: string;
  readonly member?: string;
  /** The message without its locator suffix. */
  readonly reason: string;

  constructor(reason: string, location: WasmErrorLocation) {
    super(reason + formatLocator(location));
    this.name = "WasmFormatError";
    this.reason = reason;
    this.offset = location.offset;
    this.section = location.section;
    this.file = location.file;
    this.member = location.member;
  }
}

/** ` (at offset 0x1a3 in "pkg/_core.so" of "x.whl")`, with the parts that are known. */
function formatLocator({ offset, file, member }: WasmErrorLocation): string {
  let where = `at offset 0x${offset.toString(16)}`;
  if (member !== undefined) where += ` in ${JSON.stringify(member)}`;
  if (file !== undefined) {
    where += `${member !== undefined ? " of" : " in"} ${JSON.stringify(file)}`;
  }
  return ` (${where})`;
}

/**
 * A function type written as text (`(i32, i32) -> i32`) that {@linkcode parseFuncType} cannot read.
 *
 * @example
 * ```ts
 * import { FuncTypeSyntaxError, parseFuncType } from "./mod.ts";
 * try {
 *   parseFuncType("(i32 -> i32");
 * } catch (e) {
 *   if (e instanceof FuncTypeSyntaxError) console.log(e.index);
 * }
 * ```
 */
export class FuncTypeSyntaxError extends SyntaxError {
  /** The text that was parsed. */
  readonly input: string;
  /** Character index in `input` where reading failed. */
  readonly index: number;

  constructor(reason: string, input: string, index: number) {
    super(`${reason} (at character ${index} of ${JSON.stringify(input)})`);
    this.name = "FuncTypeSyntaxError";
    this.input = input;
    this.index = index;
  }
}
