/**
 * Typed errors of the corpus stage: a catalogue that does not validate, a file whose bytes do not
 * hash to the catalogue's sha256, and a file that no source could supply.
 *
 * @module
 */

/** Where a catalogue file's bytes came from. */
export type FileOrigin = "mirror" | "cache" | "network" | "path";

/** One problem found while validating a catalogue: the JSON key path and what is wrong there. */
export interface CatalogueProblem {
  /** Key path such as `files[3].sha256`. */
  path: string;
  message: string;
}

/**
 * The catalogue JSON is malformed. Every problem is collected, so one run shows them all.
 *
 * @example Reading the problems
 * ```ts
 * import { CatalogueFormatError } from "./errors.ts";
 * const error = new CatalogueFormatError("wheels.json", [{ path: "files", message: "must be an array" }]);
 * console.assert(error.problems.length === 1);
 * ```
 */
export class CatalogueFormatError extends SyntaxError {
  /** Name of the catalogue file (or `<catalogue>` when read from a string). */
  readonly file: string;
  readonly problems: CatalogueProblem[];

  constructor(file: string, problems: CatalogueProblem[]) {
    const shown = problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join("; ");
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    super(`Invalid catalogue "${file}": ${shown}${more}`);
    this.name = "CatalogueFormatError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * A file's bytes do not hash to the sha256 the catalogue pins. Nothing unverified is cached.
 *
 * @example Fields
 * ```ts
 * import { HashMismatchError } from "./errors.ts";
 * const error = new HashMismatchError("a.whl", "aa", "bb", "mirror", "/m/a.whl");
 * console.assert(error.expected === "aa" && error.actual === "bb");
 * ```
 */
export class HashMismatchError extends Error {
  /** Catalogue path of the file. */
  readonly file: string;
  readonly expected: string;
  readonly actual: string;
  /** Which source produced the bad bytes. */
  readonly origin: FileOrigin;
  /** File path or URL that was read. */
  readonly location: string;

  constructor(
    file: string,
    expected: string,
    actual: string,
    origin: FileOrigin,
    location: string,
  ) {
    super(
      `sha256 mismatch for "${file}" from ${origin} "${location}": expected ${expected}, got ${actual}`,
    );
    this.name = "HashMismatchError";
    this.file = file;
    this.expected = expected;
    this.actual = actual;
    this.origin = origin;
    this.location = location;
  }
}

/** One source that was tried for a file and why it did not supply it. */
export interface ResolveAttempt {
  origin: "mirror" | "cache" | "network";
  location: string;
  reason: string;
}

/**
 * No source could supply a catalogue file. The message names the file, what was tried, and the
 * ways to supply it (`--mirror`, `CONFORM_MIRROR`, the cache path, the network).
 *
 * @example Fields
 * ```ts
 * import { FileUnavailableError } from "./errors.ts";
 * const error = new FileUnavailableError("a.whl", [], ["pass --mirror DIR"]);
 * console.assert(error.ways.length === 1);
 * ```
 */
export class FileUnavailableError extends Error {
  readonly file: string;
  readonly attempts: ResolveAttempt[];
  /** Human-readable ways to make the file available. */
  readonly ways: string[];

  constructor(file: string, attempts: ResolveAttempt[], ways: string[]) {
    const tried = attempts.length === 0
      ? "no source was available"
      : attempts.map((a) => `${a.origin} "${a.location}": ${a.reason}`).join("; ");
    super(
      `Cannot obtain "${file}" (${tried}). Supply it by: ${ways.join("; or ")}`,
    );
    this.name = "FileUnavailableError";
    this.file = file;
    this.attempts = attempts;
    this.ways = ways;
  }
}

/** Where a candidate library was looked for (see `libraries_for.ts`). */
export type LibraryOrigin = "lock" | "distribution" | "run" | "beside";

/**
 * A candidate library archive could not be read. Not fatal: the NEEDED names it would have
 * provided stay unresolved, and the link check reports them as `needed-missing`.
 *
 * @example Fields
 * ```ts
 * import { LibraryUnreadableError } from "./errors.ts";
 * const error = new LibraryUnreadableError("d/libfoo-1.0.zip", "beside", "truncated zip");
 * console.assert(error.origin === "beside" && error.file === "d/libfoo-1.0.zip");
 * ```
 */
export class LibraryUnreadableError extends Error {
  /** Catalogue path or file path of the library archive. */
  readonly file: string;
  readonly origin: LibraryOrigin;
  /** Why it could not be read. */
  readonly reason: string;

  constructor(file: string, origin: LibraryOrigin, reason: string, options?: ErrorOptions) {
    super(`Cannot read library archive "${file}" (${origin}): ${reason}`, options);
    this.name = "LibraryUnreadableError";
    this.file = file;
    this.origin = origin;
    this.reason = reason;
  }
}
