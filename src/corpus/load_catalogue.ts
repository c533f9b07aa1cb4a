/**
 * Validate and load the wheel catalogue (`corpus/wheels.json`). Pure: takes text or parsed JSON.
 *
 * @module
 */
import { CatalogueFormatError, type CatalogueProblem } from "./errors.ts";
import type {
  BuiltFor,
  Catalogue,
  CatalogueDistribution,
  CatalogueEntry,
  CatalogueKind,
} from "./types.ts";

/** Upper bound on catalogue entries, checked before anything is built from them. */
export const MAX_CATALOGUE_FILES = 100_000;
/** Upper bound on the catalogue text size (characters). */
export const MAX_CATALOGUE_CHARS = 64 * 1024 * 1024;

const KINDS: readonly CatalogueKind[] = ["wheel", "shared-library", "cpython-module", "lockfile"];
const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

type Json = Record<string, unknown>;

class Checker {
  problems: CatalogueProblem[] = [];

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(value: unknown, path: string): Json | undefined {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Json;
    this.fail(path, "must be an object");
    return undefined;
  }

  string(o: Json, key: string, path: string, pattern?: RegExp): string {
    const value = o[key];
    if (typeof value !== "string" || value.length === 0) {
      this.fail(`${path}.${key}`, "must be a non-empty string");
      return "";
    }
    if (pattern && !pattern.test(value)) this.fail(`${path}.${key}`, `must match ${pattern}`);
    return value;
  }

  nullableString(o: Json, key: string, path: string): string | null {
    const value = o[key];
    if (value === null || value === undefined) return null;
    if (typeof value !== "string") {
      this.fail(`${path}.${key}`, "must be a string or null");
      return null;
    }
    return value;
  }

  boolean(o: Json, key: string, path: string): boolean {
    const value = o[key];
    if (typeof value !== "boolean") this.fail(`${path}.${key}`, "must be a boolean");
    return value === true;
  }

  size(o: Json, key: string, path: string): number {
    const value = o[key];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      this.fail(`${path}.${key}`, "must be a non-negative integer");
      return 0;
    }
    return value;
  }

  strings(o: Json, key: string, path: string, nullable: boolean): string[] | null {
    const value = o[key];
    if (value === null && nullable) return null;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      this.fail(`${path}.${key}`, `must be an array of strings${nullable ? " or null" : ""}`);
      return nullable ? null : [];
    }
    return value as string[];
  }

  builtFor(value: unknown, path: string): BuiltFor {
    const o = this.object(value, path) ?? {};
    const basis = o.basis;
    if (basis !== "lock" && basis !== "filename-tag") {
      this.fail(`${path}.basis`, `must be "lock" or "filename-tag"`);
    }
    return {
      runtime: this.nullableString(o, "runtime", path),
      equivalentRuntimes: this.strings(o, "equivalentRuntimes", path, false) ?? [],
      basis: basis === "filename-tag" ? "filename-tag" : "lock",
      customBuild: this.boolean(o, "customBuild", path),
      note: this.string(o, "note", path),
    };
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Is this a URL a catalogue may download from: `https:`, or `http:` on a loopback host (a local
 * index or test server)? Every download is verified against its sha256 either way; the rule
 * keeps a catalogue from sending requests in the clear across a network.
 *
 * @example
 * ```ts
 * import { isCatalogueUrl } from "./load_catalogue.ts";
 * console.assert(isCatalogueUrl("https://files.example/a.whl"));
 * console.assert(isCatalogueUrl("http://127.0.0.1:8000/a.whl"));
 * console.assert(!isCatalogueUrl("http://files.example/a.whl"));
 * ```
 */
export function isCatalogueUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === "https:" ||
    (parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname));
}

/** A catalogue path must stay inside the mirror: relative, `/`-separated, no `..` or empty parts. */
function isSafeRelativePath(path: string): boolean {
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

function readEntry(c: Checker, value: unknown, path: string): CatalogueEntry | undefined {
  const o = c.object(value, path);
  if (!o) return undefined;
  const file = c.string(o, "path", path);
  if (file && !isSafeRelativePath(file)) {
    c.fail(`${path}.path`, "must be a relative path inside the mirror");
  }
  const kind = o.kind as CatalogueKind;
  if (!KINDS.includes(kind)) c.fail(`${path}.kind`, `must be one of ${KINDS.join(", ")}`);
  // A file found on a package index has no repository: its source is null (see discover).
  let source: CatalogueEntry["source"] = null;
  if (o.source !== null) {
    const sourceObject = c.object(o.source, `${path}.source`) ?? {};
    source = {
      repo: c.string(sourceObject, "repo", `${path}.source`, REPO),
      commit: c.string(sourceObject, "commit", `${path}.source`, COMMIT),
      path: c.string(sourceObject, "path", `${path}.source`),
    };
  }
  const url = c.string(o, "url", path);
  if (url && !isCatalogueUrl(url)) {
    c.fail(`${path}.url`, "must be an https URL (or http on a loopback host)");
  }
  const builtFor = c.builtFor(o.builtFor, `${path}.builtFor`);
  const builtForRuntime = c.nullableString(o, "builtForRuntime", path);
  if (builtForRuntime !== builtFor.runtime) {
    c.fail(`${path}.builtForRuntime`, "must equal builtFor.runtime");
  }
  return {
    path: file,
    sha256: c.string(o, "sha256", path, SHA256),
    size: c.size(o, "size", path),
    kind,
    distribution: c.string(o, "distribution", path),
    pyodideVersion: c.nullableString(o, "pyodideVersion", path),
    pythonVersion: c.nullableString(o, "pythonVersion", path),
    platformTag: c.nullableString(o, "platformTag", path),
    emscriptenVersion: c.nullableString(o, "emscriptenVersion", path),
    abiVersion: c.nullableString(o, "abiVersion", path),
    packageName: c.nullableString(o, "packageName", path),
    packageVersion: c.nullableString(o, "packageVersion", path),
    packageType: c.nullableString(o, "packageType", path),
    depends: c.strings(o, "depends", path, true),
    soFiles: c.strings(o, "soFiles", path, false) ?? [],
    binary: c.boolean(o, "binary", path),
    lockSha256Verified: c.boolean(o, "lockSha256Verified", path),
    officialNpmLockMatch: c.strings(o, "officialNpmLockMatch", path, false) ?? [],
    source,
    url,
    builtForRuntime,
    builtFor,
  };
}

function readDistribution(
  c: Checker,
  value: unknown,
  path: string,
): CatalogueDistribution | undefined {
  const o = c.object(value, path);
  if (!o) return undefined;
  return {
    distribution: c.string(o, "distribution", path),
    pyodideVersion: c.nullableString(o, "pyodideVersion", path),
    pyodideVersionSource: c.nullableString(o, "pyodideVersionSource", path),
    pythonVersion: c.nullableString(o, "pythonVersion", path),
    platform: c.nullableString(o, "platform", path),
    emscriptenVersion: c.nullableString(o, "emscriptenVersion", path),
    abiVersion: c.nullableString(o, "abiVersion", path),
    lockPath: c.nullableString(o, "lockPath", path),
    builtFor: c.builtFor(o.builtFor, `${path}.builtFor`),
  };
}

/**
 * Validate catalogue JSON (text or an already parsed value) and return it typed. Every problem is
 * collected before throwing, so one run names them all.
 *
 * @param json The text of `wheels.json`, or its parsed value.
 * @param options `file` names the catalogue in error messages.
 * @returns The validated catalogue.
 * @throws {CatalogueFormatError} When the JSON does not parse or does not validate.
 *
 * @example Loading a one-entry catalogue
 * ```ts
 * import { loadCatalogue } from "./load_catalogue.ts";
 * const builtFor = { runtime: null, equivalentRuntimes: [], basis: "lock", customBuild: true, note: "x" };
 * const catalogue = loadCatalogue({
 *   version: 1, manifestSha256: "0".repeat(64), distributions: [],
 *   files: [{
 *     path: "d/a-1-py3-none-any.whl", sha256: "a".repeat(64), size: 1, kind: "wheel",
 *     distribution: "d", pyodideVersion: null, pythonVersion: null, platformTag: "any",
 *     emscriptenVersion: null, abiVersion: null, packageName: "a", packageVersion: "1",
 *     packageType: null, depends: null, soFiles: [], binary: false, lockSha256Verified: false,
 *     officialNpmLockMatch: [], source: { repo: "o/r", commit: "b".repeat(40), path: "a.whl" },
 *     url: "https://example.invalid/a.whl", builtForRuntime: null, builtFor,
 *   }],
 * });
 * console.assert(catalogue.files.length === 1);
 * ```
 */
export function loadCatalogue(json: string | unknown, options: { file?: string } = {}): Catalogue {
  const file = options.file ?? "<catalogue>";
  let value: unknown = json;
  if (typeof json === "string") {
    if (json.length > MAX_CATALOGUE_CHARS) {
      throw new CatalogueFormatError(file, [{
        path: "$",
        message: `is larger than MAX_CATALOGUE_CHARS (${MAX_CATALOGUE_CHARS})`,
      }]);
    }
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new CatalogueFormatError(file, [{ path: "$", message: (error as Error).message }]);
    }
  }
  const c = new Checker();
  const root = c.object(value, "$");
  if (!root) throw new CatalogueFormatError(file, c.problems);
  if (root.version !== 1) c.fail("version", "must be 1");
  const manifestSha256 = c.string(root, "manifestSha256", "$", SHA256);
  const files: CatalogueEntry[] = [];
  const distributions: CatalogueDistribution[] = [];
  if (!Array.isArray(root.files)) {
    c.fail("files", "must be an array");
  } else if (root.files.length > MAX_CATALOGUE_FILES) {
    c.fail("files", `has more than MAX_CATALOGUE_FILES (${MAX_CATALOGUE_FILES}) entries`);
  } else {
    const seen = new Set<string>();
    root.files.forEach((item, i) => {
      const entry = readEntry(c, item, `files[${i}]`);
      if (!entry) return;
      if (seen.has(entry.path)) c.fail(`files[${i}].path`, `duplicates "${entry.path}"`);
      seen.add(entry.path);
      files.push(entry);
    });
  }
  if (!Array.isArray(root.distributions)) {
    c.fail("distributions", "must be an array");
  } else {
    root.distributions.forEach((item, i) => {
      const d = readDistribution(c, item, `distributions[${i}]`);
      if (d) distributions.push(d);
    });
  }
  if (c.problems.length > 0) throw new CatalogueFormatError(file, c.problems);
  return { version: 1, manifestSha256, distributions, files };
}
