/**
 * Typed errors of the runtime stage: a runtime that cannot be obtained, a tarball whose bytes do
 * not match the pinned integrity, malformed inputs (tarball, lock file, catalogue, glue).
 *
 * @module
 */

/**
 * A runtime could not be obtained: not catalogued, no `npm`, `npm pack` failed, or a local
 * distribution directory lacks a required file. The message says how to supply it.
 *
 * @example Fields
 * ```ts
 * import { RuntimeUnavailableError } from "./errors.ts";
 * const error = new RuntimeUnavailableError("0.27.7", "npm pack failed: offline");
 * console.assert(error.version === "0.27.7" && error.message.includes("--runtime-dir"));
 * ```
 */
export class RuntimeUnavailableError extends Error {
  readonly version: string;
  /** Why it could not be obtained. */
  readonly reason: string;
  /** Human-readable ways to make the runtime available. */
  readonly ways: string[];

  constructor(version: string, reason: string, ways?: string[]) {
    const how = ways ?? [
      `pass a local Pyodide distribution directory (pyodide.asm.wasm, pyodide.asm.js or .mjs, ` +
      `pyodide-lock.json or repodata.json) with --runtime-dir DIR`,
      `allow network access so that "npm pack pyodide@${version}" can fetch it through npm's ` +
      `configured registry`,
    ];
    super(`Runtime "${version}" is unavailable: ${reason}. Supply it by: ${how.join("; or ")}`);
    this.name = "RuntimeUnavailableError";
    this.version = version;
    this.reason = reason;
    this.ways = how;
  }
}

/**
 * The package tarball does not match the integrity pinned in the runtime catalogue. Nothing of it
 * is cached.
 *
 * @example Fields
 * ```ts
 * import { IntegrityMismatchError } from "./errors.ts";
 * const error = new IntegrityMismatchError("0.27.7", "sha512-aa", "sha512-bb", "/tmp/p.tgz");
 * console.assert(error.expected === "sha512-aa" && error.actual === "sha512-bb");
 * ```
 */
export class IntegrityMismatchError extends Error {
  readonly version: string;
  /** The pinned value from the catalogue. */
  readonly expected: string;
  /** The value computed from the tarball's bytes. */
  readonly actual: string;
  /** Path of the tarball that was checked. */
  readonly location: string;

  constructor(version: string, expected: string, actual: string, location: string) {
    super(
      `Integrity mismatch for pyodide@${version} ("${location}"): pinned ${expected}, ` +
        `got ${actual}; nothing was cached`,
    );
    this.name = "IntegrityMismatchError";
    this.version = version;
    this.expected = expected;
    this.actual = actual;
    this.location = location;
  }
}

/**
 * Malformed input to a runtime reader: a tar archive, a lock file, the catalogue or a glue file.
 * Carries the file, the member (tar entry or JSON key path) and the absolute byte offset where
 * the problem was found (-1 when not byte-addressable).
 *
 * @example Fields
 * ```ts
 * import { RuntimeFormatError } from "./errors.ts";
 * const error = new RuntimeFormatError("bad header checksum", "p.tgz", "package/x", 512);
 * console.assert(error.offset === 512 && error instanceof SyntaxError);
 * ```
 */
export class RuntimeFormatError extends SyntaxError {
  readonly file: string;
  readonly member: string;
  readonly offset: number;

  constructor(message: string, file: string, member = "", offset = -1) {
    const where = [member ? `member "${member}"` : "", offset >= 0 ? `offset ${offset}` : ""]
      .filter((s) => s.length > 0).join(", ");
    super(`${message} in "${file}"${where ? ` (${where})` : ""}`);
    this.name = "RuntimeFormatError";
    this.file = file;
    this.member = member;
    this.offset = offset;
  }
}

/** One problem found while validating the runtime catalogue: key path and what is wrong. */
export interface RuntimeCatalogueProblem {
  path: string;
  message: string;
}

/**
 * The runtime catalogue (`corpus/runtimes.json`) does not validate. Every problem is collected.
 *
 * @example Reading the problems
 * ```ts
 * import { RuntimeCatalogueError } from "./errors.ts";
 * const error = new RuntimeCatalogueError("runtimes.json", [{ path: "runtimes", message: "must be an array" }]);
 * console.assert(error.problems.length === 1 && error.offset === -1);
 * ```
 */
export class RuntimeCatalogueError extends SyntaxError {
  readonly file: string;
  /** First problem's key path. */
  readonly member: string;
  /** JSON has no useful byte offset for a semantic problem: -1. */
  readonly offset: number;
  readonly problems: RuntimeCatalogueProblem[];

  constructor(file: string, problems: RuntimeCatalogueProblem[]) {
    const shown = problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join("; ");
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    super(`Invalid runtime catalogue "${file}": ${shown}${more}`);
    this.name = "RuntimeCatalogueError";
    this.file = file;
    this.member = problems[0]?.path ?? "";
    this.offset = -1;
    this.problems = problems;
  }
}

/**
 * A runtime directory whose main module, glue and lock do not belong to one build: each side
 * says what it is.
 *
 * @example
 * ```ts
 * import { RuntimeMismatchError } from "./errors.ts";
 * const e = new RuntimeMismatchError("dist/", ["the lock says Python 3.13.2; the main module does not contain that version"]);
 * console.assert(e.problems.length === 1);
 * ```
 */
export class RuntimeMismatchError extends Error {
  readonly dir: string;
  readonly problems: string[];
  constructor(dir: string, problems: string[]) {
    super(`${dir}: main module, glue and lock come from different builds: ${problems.join("; ")}`);
    this.name = "RuntimeMismatchError";
    this.dir = dir;
    this.problems = problems;
  }
}
