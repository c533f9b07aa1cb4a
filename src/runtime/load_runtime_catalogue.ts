/**
 * Validate and load the runtime catalogue (`corpus/runtimes.json`). Pure: takes text or parsed JSON.
 *
 * @module
 */
import { RuntimeCatalogueError, type RuntimeCatalogueProblem } from "./errors.ts";
import type { RuntimeEntry } from "./types.ts";

/** Upper bound on catalogue entries. */
export const MAX_RUNTIME_ENTRIES = 10_000;
/** Upper bound on the catalogue text size (characters). */
export const MAX_RUNTIME_CATALOGUE_CHARS = 8 * 1024 * 1024;

/** npm package versions, also used as a cache directory name: no path separators possible. */
export const RUNTIME_VERSION_PATTERN = /^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.]+)?$/;
/** npm `dist.integrity` of a tarball as pinned here: sha512, base64 of 64 bytes. */
export const INTEGRITY_PATTERN = /^sha512-[A-Za-z0-9+/]{86}==$/;
const PYTHON = /^[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.]*$/;
const EMSCRIPTEN = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const ABI = /^[0-9]{4}_[0-9]+$/;
const PLATFORM_TAG = /^[a-z][a-z0-9_]*_wasm32$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const KNOWN_KEYS = new Set([
  "version",
  "integrity",
  "python",
  "emscripten",
  "abiVersion",
  "platformTag",
  "releaseDate",
  "releaseDateSource",
  "lockFile",
  "glueFile",
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A real calendar date, not only the shape. */
function isCalendarDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/**
 * Parse and validate the runtime catalogue. All problems are collected into one
 * {@link RuntimeCatalogueError}. An unknown release date is written as `""` with the reason in
 * `releaseDateSource`.
 *
 * @example A one-entry catalogue
 * ```ts
 * import { loadRuntimeCatalogue } from "./load_runtime_catalogue.ts";
 * const entries = loadRuntimeCatalogue({
 *   runtimes: [{
 *     version: "0.27.7",
 *     integrity: "sha512-" + "A".repeat(86) + "==",
 *     python: "3.12.7",
 *     emscripten: "3.1.58",
 *     abiVersion: "2024_0",
 *     platformTag: "pyodide_2024_0_wasm32",
 *     releaseDate: "2025-06-04",
 *     releaseDateSource: "Pyodide changelog",
 *   }],
 * });
 * console.assert(entries[0].version === "0.27.7");
 * ```
 */
export function loadRuntimeCatalogue(
  input: unknown,
  options: { file?: string } = {},
): RuntimeEntry[] {
  const file = options.file ?? "<runtime catalogue>";
  const problems: RuntimeCatalogueProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });

  let json = input;
  if (typeof input === "string") {
    if (input.length > MAX_RUNTIME_CATALOGUE_CHARS) {
      throw new RuntimeCatalogueError(file, [{
        path: "",
        message: `text is ${input.length} characters, more than ${MAX_RUNTIME_CATALOGUE_CHARS}`,
      }]);
    }
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new RuntimeCatalogueError(file, [{ path: "", message: `not JSON: ${String(e)}` }]);
    }
  }
  if (!isObject(json)) {
    throw new RuntimeCatalogueError(file, [{ path: "", message: "must be an object" }]);
  }
  const list = json.runtimes;
  if (!Array.isArray(list)) {
    throw new RuntimeCatalogueError(file, [{ path: "runtimes", message: "must be an array" }]);
  }
  if (list.length > MAX_RUNTIME_ENTRIES) {
    throw new RuntimeCatalogueError(file, [{
      path: "runtimes",
      message: `has ${list.length} entries, more than ${MAX_RUNTIME_ENTRIES}`,
    }]);
  }

  const entries: RuntimeEntry[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const at = `runtimes[${i}]`;
    if (!isObject(raw)) {
      fail(at, "must be an object");
      return;
    }
    for (const key of Object.keys(raw)) {
      if (!KNOWN_KEYS.has(key)) fail(`${at}.${key}`, "is not a known field");
    }
    const str = (
      key: string,
      pattern: RegExp | undefined,
      optional = false,
    ): string | undefined => {
      const value = raw[key];
      if (value === undefined && optional) return undefined;
      if (typeof value !== "string") {
        fail(`${at}.${key}`, "must be a string");
        return undefined;
      }
      if (pattern && !pattern.test(value)) fail(`${at}.${key}`, `"${value}" must match ${pattern}`);
      return value;
    };
    const version = str("version", RUNTIME_VERSION_PATTERN);
    const integrity = str("integrity", INTEGRITY_PATTERN);
    const python = str("python", PYTHON);
    const emscripten = str("emscripten", EMSCRIPTEN);
    const abiVersion = str("abiVersion", ABI, true);
    const platformTag = str("platformTag", PLATFORM_TAG);
    const releaseDate = str("releaseDate", undefined);
    const releaseDateSource = str("releaseDateSource", /\S/);
    const lockFile = str("lockFile", /^(pyodide-lock|repodata)\.json$/, true);
    const glueFile = str("glueFile", /^pyodide\.asm\.m?js$/, true);
    if (releaseDate !== undefined && releaseDate !== "" && !isCalendarDate(releaseDate)) {
      fail(`${at}.releaseDate`, `"${releaseDate}" must be a YYYY-MM-DD date or "" when unknown`);
    }
    if (version !== undefined) {
      if (seen.has(version)) fail(`${at}.version`, `"${version}" is listed twice`);
      seen.add(version);
    }
    if (
      version === undefined || integrity === undefined || python === undefined ||
      emscripten === undefined || platformTag === undefined || releaseDate === undefined ||
      releaseDateSource === undefined
    ) return;
    const entry: RuntimeEntry = {
      version,
      integrity,
      python,
      emscripten,
      platformTag,
      releaseDate,
      releaseDateSource,
    };
    if (abiVersion !== undefined) entry.abiVersion = abiVersion;
    if (lockFile !== undefined) entry.lockFile = lockFile;
    if (glueFile !== undefined) entry.glueFile = glueFile;
    entries.push(entry);
  });
  if (problems.length > 0) throw new RuntimeCatalogueError(file, problems);
  return entries;
}
