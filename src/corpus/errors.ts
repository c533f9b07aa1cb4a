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

/** Which of the two simple-API formats a page was read as. */
export type IndexPageFormat = "json" | "html";

/** Where in a page a problem is: a JSON key path and/or a character position. */
export interface IndexPagePosition {
  /** JSON key path such as `files[3].url`, when the problem is in one value. */
  path?: string;
  /** 0-based character offset in the page text, when known (JSON syntax, an HTML tag). */
  offset?: number;
}

/**
 * A package-index page (PEP 691 JSON or PEP 503 HTML) is malformed: not JSON, an unsupported
 * API version, a missing or mistyped field, an anchor without `href`, or larger than the bound.
 * The message ends with a locator, e.g. `(at files[2].url of "https://…/simple/frob/")`.
 *
 * @example Fields
 * ```ts
 * import { IndexPageError } from "./errors.ts";
 * const error = new IndexPageError("https://i.example/simple/a/", "json", "must be a string", {
 *   path: "files[0].url",
 * });
 * console.assert(error.path === "files[0].url" && error instanceof SyntaxError);
 * ```
 */
export class IndexPageError extends SyntaxError {
  /** URL of the page. */
  readonly url: string;
  readonly format: IndexPageFormat;
  /** What is wrong, without the locator. */
  readonly reason: string;
  /** JSON key path of the bad value, when there is one. */
  readonly path?: string;
  /** 0-based character offset in the page, when known. */
  readonly offset?: number;
  /** 1-based line and column of `offset`, when known. */
  readonly line?: number;
  readonly column?: number;

  constructor(
    url: string,
    format: IndexPageFormat,
    reason: string,
    position: IndexPagePosition & { line?: number; column?: number } = {},
  ) {
    const where = [
      position.path,
      position.line !== undefined ? `line ${position.line} column ${position.column}` : undefined,
    ].filter((w) => w !== undefined).join(", ");
    super(`${reason} (${where ? `at ${where} of` : "in"} ${format.toUpperCase()} page "${url}")`);
    this.name = "IndexPageError";
    this.url = url;
    this.format = format;
    this.reason = reason;
    if (position.path !== undefined) this.path = position.path;
    if (position.offset !== undefined) this.offset = position.offset;
    if (position.line !== undefined) this.line = position.line;
    if (position.column !== undefined) this.column = position.column;
  }
}

/**
 * A page or file of a package index could not be fetched: a network failure, an HTTP error, a
 * body larger than the bound, or network access this process was not granted.
 *
 * @example Fields
 * ```ts
 * import { IndexFetchError } from "./errors.ts";
 * const error = new IndexFetchError("https://i.example/simple/a/", "HTTP 404 Not Found", 404);
 * console.assert(error.status === 404);
 * ```
 */
export class IndexFetchError extends Error {
  readonly url: string;
  /** Why, in a few words. */
  readonly reason: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;

  constructor(url: string, reason: string, status?: number, options?: ErrorOptions) {
    super(`Cannot fetch "${url}": ${reason}`, options);
    this.name = "IndexFetchError";
    this.url = url;
    this.reason = reason;
    if (status !== undefined) this.status = status;
  }
}
