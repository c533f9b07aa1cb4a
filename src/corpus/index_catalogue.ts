/**
 * From package-index files to catalogue entries: which files are Emscripten/Pyodide wheels, what
 * the runtime catalogue says they were built for, and which are new since a date or a previous
 * catalogue. Pure: no file system, no network.
 *
 * Naming: a wheel of project `<p>` (its normalized name, PEP 503) becomes the catalogue path
 * `index/<p>/<filename>` in the distribution `index/<p>`, so a mirror laid out like the catalogue
 * keeps one folder per project, and only wheels of the same project are offered as each other's
 * shared libraries (`libraries_for.ts`). Its `source` is null: an index file has no repository.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { inferBuiltFor, readPlatformTag } from "../policy/infer_built_for.ts";
import { compareVersions } from "../policy/version.ts";
import type { RuntimeEntry } from "../runtime/types.ts";
import { canonicalizeName, parseWheelFilename } from "../wheel/parse_wheel_filename.ts";
import type { WheelFacts, WheelFilename } from "../wheel/types.ts";
import { isCatalogueUrl } from "./load_catalogue.ts";
import type { IndexFile } from "./read_simple_index.ts";
import type { BuiltFor, Catalogue, CatalogueDistribution, CatalogueEntry } from "./types.ts";

/** First path segment of every catalogue entry found on an index. */
export const INDEX_ROOT = "index";

/** Why an index file is not catalogued. */
export type IndexSkipReason =
  /** A source distribution (`.tar.gz`, `.zip`, …). */
  | "sdist"
  /** Neither a wheel nor an sdist (`.egg`, `.exe`, …). */
  | "not-a-wheel"
  /** The file name does not parse as a wheel name. */
  | "invalid-filename"
  /** Every tag's platform is `any`: nothing to link. */
  | "pure"
  /** A platform other than the three Emscripten/Pyodide schemes (`manylinux…`, `macosx…`). */
  | "other-platform"
  /** The wheel names another project than the page it is listed on. */
  | "other-project"
  /** The project or file name would not make a safe catalogue path. */
  | "unsafe-name"
  /** Its URL is plain `http:` off the local host (a catalogue downloads over https only). */
  | "insecure-url"
  /** Yanked (PEP 592): installers skip it. */
  | "yanked";

/** An Emscripten/Pyodide wheel of the index, with its catalogue path. */
export interface SelectedIndexFile {
  selected: true;
  file: IndexFile;
  /** Normalized project name. */
  project: string;
  filename: WheelFilename;
  /** `index/<project>/<filename>`. */
  path: string;
  /** The platform part of the file name as written (`pyodide_2024_0_wasm32`). */
  platformTag: string;
}

/** A file that is not catalogued, and why. */
export interface SkippedIndexFile {
  selected: false;
  file: IndexFile;
  reason: IndexSkipReason;
  /** One phrase for the summary (`manylinux_2_17_x86_64`, the parse error, …). */
  detail: string;
}

const SDIST = /\.(?:tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar|zip)$/i;
/** A canonical project name (PEP 503 normalized, PEP 508 valid): safe as one path segment. */
const CANONICAL_PROJECT = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Wheel file names are ASCII in practice; anything else is refused as a path segment. */
const SAFE_FILENAME = /^[A-Za-z0-9_][A-Za-z0-9._+!-]*$/;

/**
 * The catalogue path of an index file: `index/<normalized project>/<filename>`.
 *
 * @example
 * ```ts
 * import { indexPathOf } from "./index_catalogue.ts";
 * console.assert(indexPathOf("Frob_Nicate", "frob_nicate-1.0-py3-none-any.whl") ===
 *   "index/frob-nicate/frob_nicate-1.0-py3-none-any.whl");
 * ```
 */
export function indexPathOf(project: string, filename: string): string {
  return `${INDEX_ROOT}/${canonicalizeName(project)}/${filename}`;
}

/**
 * Decide whether an index file is an Emscripten/Pyodide wheel to catalogue: a wheel whose name
 * parses, of this project, with a platform tag `emscripten_<x>_<y>_<z>_wasm32`,
 * `pyodide_<year>_<patch>_wasm32` or `pyemscripten_<year>_<patch>_wasm32`, not yanked, at an
 * https (or loopback) URL. Everything else is skipped with a reason.
 *
 * @param file A file of a project page.
 * @param project The project the page is for (any spelling; it is normalized).
 * @returns The selection with its catalogue path, or the reason it is skipped.
 *
 * @example
 * ```ts
 * import { selectIndexFile } from "./index_catalogue.ts";
 * const wasm = selectIndexFile({
 *   filename: "a-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", url: "https://i.example/a.whl",
 *   yanked: false,
 * }, "a");
 * const linux = selectIndexFile({
 *   filename: "a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", url: "https://i.example/b.whl",
 *   yanked: false,
 * }, "a");
 * console.assert(wasm.selected && !linux.selected && linux.reason === "other-platform");
 * ```
 */
export function selectIndexFile(
  file: IndexFile,
  project: string,
): SelectedIndexFile | SkippedIndexFile {
  const skip = (reason: IndexSkipReason, detail: string): SkippedIndexFile => ({
    selected: false,
    file,
    reason,
    detail,
  });
  const name = file.filename;
  if (!name.toLowerCase().endsWith(".whl")) {
    return SDIST.test(name) ? skip("sdist", name) : skip("not-a-wheel", name);
  }
  let filename: WheelFilename;
  try {
    filename = parseWheelFilename(name);
  } catch (error) {
    return skip("invalid-filename", (error as Error).message);
  }
  const platforms = [...new Set(filename.tags.map((t) => t.platform))];
  if (!platforms.some((p) => readPlatformTag(p) !== undefined)) {
    return platforms.every((p) => p === "any")
      ? skip("pure", platforms.join("."))
      : skip("other-platform", platforms.join("."));
  }
  const canonical = canonicalizeName(project);
  if (!CANONICAL_PROJECT.test(canonical)) return skip("unsafe-name", `project "${project}"`);
  if (!SAFE_FILENAME.test(name)) return skip("unsafe-name", `file "${name}"`);
  if (filename.name !== canonical) {
    return skip("other-project", `names project ${filename.name}, listed under ${canonical}`);
  }
  if (!isCatalogueUrl(file.url)) return skip("insecure-url", file.url);
  if (file.yanked) return skip("yanked", file.yankedReason ?? "no reason given");
  return {
    selected: true,
    file,
    project: canonical,
    filename,
    path: indexPathOf(canonical, name),
    platformTag: name.slice(0, -4).split("-").pop()!,
  };
}

/** The Python a wheel's tags state: an exact minor (`cp312-cp312`) or a floor (`cp310-abi3`). */
function pythonOfTags(filename: WheelFilename): { minor?: string; atLeast?: string } {
  for (const tag of filename.tags) {
    const m = /^cp(\d)(\d+)$/.exec(tag.interpreter);
    if (!m) continue;
    if (tag.abi === tag.interpreter) return { minor: `${m[1]}.${m[2]}` };
    if (tag.abi === "abi3") return { atLeast: `${m[1]}.${m[2]}` };
  }
  return {};
}

/** Facts of a wheel known from its name alone, as the built-for inference reads them. */
function factsOfName(filename: WheelFilename): WheelFacts {
  return {
    file: filename.filename,
    sha256: "",
    size: 0,
    kind: "wheel",
    filename,
    topLevel: [],
    memberCount: 0,
    sideModules: [],
    findings: [],
  };
}

/**
 * The catalogue runtime an index wheel was built for, from its file name against the runtime
 * catalogue: {@linkcode inferBuiltFor} over the name's tags, kept only when a runtime has the very
 * platform facts the tag states (its platform tag, ABI version or Emscripten version, and a
 * Python its tags accept). Null otherwise: then `conform` infers one from the wheel's own facts
 * (its modules' exceptions and imports) when it reads the wheel. When several runtimes match,
 * the one whose own platform tag the wheel carries wins, then the newest; the note says which
 * rule chose.
 *
 * @param filename The parsed wheel file name.
 * @param runtimes The runtime catalogue (`corpus/runtimes.json`).
 * @returns `BuiltFor` with basis `filename-tag` and `customBuild` (an index wheel is a project's
 *   own build).
 *
 * @example
 * ```ts
 * import { inferIndexBuiltFor } from "./index_catalogue.ts";
 * import { parseWheelFilename } from "../wheel/parse_wheel_filename.ts";
 * const rt = (version: string, python: string, platformTag: string, abiVersion?: string) => ({
 *   version, python, emscripten: "4.0.9", platformTag, abiVersion, integrity: "",
 *   releaseDate: "", releaseDateSource: "",
 * });
 * const builtFor = inferIndexBuiltFor(
 *   parseWheelFilename("a-1.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl"),
 *   [rt("0.28.3", "3.13.2", "pyodide_2025_0_wasm32", "2025_0"),
 *    rt("0.29.5", "3.13.2", "pyemscripten_2025_0_wasm32", "2025_0")],
 * );
 * console.assert(builtFor.runtime === "0.29.5" && builtFor.equivalentRuntimes.length === 2);
 * ```
 */
export function inferIndexBuiltFor(
  filename: WheelFilename,
  runtimes: readonly RuntimeEntry[],
): BuiltFor {
  const platforms = [...new Set(filename.tags.map((t) => t.platform))];
  const stated = platforms.map(readPlatformTag).find((p) => p !== undefined);
  const python = pythonOfTags(filename);
  const statement = `filename tag states emscripten ${stated?.emscripten ?? "unknown"}, abi ${
    stated?.abiVersion ?? "none"
  }, Python ${python.minor ?? (python.atLeast ? `>=${python.atLeast}` : "unknown")}`;
  const none = (why: string): BuiltFor => ({
    runtime: null,
    equivalentRuntimes: [],
    basis: "filename-tag",
    customBuild: true,
    note: `${statement}; ${why}`,
  });
  const inferred = inferBuiltFor(factsOfName(filename), runtimes);
  if (!inferred) return none("no catalogue runtime accepts its Python");
  const candidates = [inferred.runtime, ...inferred.equivalent]
    .map((v) => runtimes.find((r) => r.version === v)!);
  const exact = candidates.filter((r) =>
    platforms.includes(r.platformTag) ||
    (stated?.abiVersion !== undefined && r.abiVersion === stated.abiVersion) ||
    (stated?.emscripten !== undefined && r.emscripten === stated.emscripten)
  );
  if (exact.length === 0) {
    return none(
      `no catalogue runtime has these platform facts (nearest: ${
        candidates.map((r) => r.version).join(", ")
      }); ` +
        "conform infers one from the wheel's own facts",
    );
  }
  const sameTag = exact.filter((r) => platforms.includes(r.platformTag));
  const pool = sameTag.length > 0 ? sameTag : exact;
  const chosen = [...pool].sort((a, b) => compareVersions(b.version, a.version))[0];
  const why: string[] = [];
  if (sameTag.length > 0 && sameTag.length < exact.length) {
    why.push(`its own platform tag is ${chosen.platformTag}`);
  }
  if (pool.length > 1) why.push("newest of the equivalent runtimes");
  const names = runtimes.filter((r) => exact.includes(r)).map((r) => r.version);
  return {
    runtime: chosen.version,
    equivalentRuntimes: names,
    basis: "filename-tag",
    customBuild: true,
    note: `${statement}; equal on the platform facts: ${names.join(", ")}` +
      (exact.length > 1 ? `; chose ${chosen.version} (${why.join(", ")})` : ""),
  };
}

/** What is known of a selected file's bytes: from the index, a previous catalogue or a download. */
export interface IndexFileContent {
  sha256: string;
  size: number;
  /** `.so` members, when the bytes were read; absent when the file was not downloaded. */
  soFiles?: string[];
}

/**
 * The catalogue entry of a selected index wheel.
 *
 * `soFiles` lists the `.so` members when the bytes were at hand (downloaded), else it is empty
 * and `binary` is taken from the platform tag (an Emscripten platform tag is given to wheels with
 * compiled modules).
 *
 * @param selected From {@linkcode selectIndexFile}.
 * @param content sha256 and size (and `.so` members when read).
 * @param runtimes The runtime catalogue, for `builtFor`.
 * @returns An entry `loadCatalogue` accepts.
 *
 * @example
 * ```ts ignore
 * const entry = makeIndexEntry(selected, { sha256, size }, runtimes);
 * ```
 */
export function makeIndexEntry(
  selected: SelectedIndexFile,
  content: IndexFileContent,
  runtimes: readonly RuntimeEntry[],
): CatalogueEntry {
  const { filename } = selected;
  const builtFor = inferIndexBuiltFor(filename, runtimes);
  const stated = [...new Set(filename.tags.map((t) => t.platform))].map(readPlatformTag)
    .find((p) => p !== undefined);
  return {
    path: selected.path,
    sha256: content.sha256,
    size: content.size,
    kind: "wheel",
    distribution: `${INDEX_ROOT}/${selected.project}`,
    pyodideVersion: null,
    pythonVersion: pythonOfTags(filename).minor ?? null,
    platformTag: selected.platformTag,
    // As for the catalogue's lock-less wheels: the Emscripten version is a lock fact.
    emscriptenVersion: null,
    abiVersion: stated?.abiVersion ?? null,
    packageName: filename.name,
    packageVersion: filename.version,
    packageType: null,
    depends: null,
    soFiles: content.soFiles ?? [],
    binary: content.soFiles ? content.soFiles.length > 0 : true,
    lockSha256Verified: false,
    officialNpmLockMatch: [],
    source: null,
    url: selected.file.url,
    builtForRuntime: builtFor.runtime,
    builtFor,
  };
}

/**
 * A catalogue of entries, sorted by path. `manifestSha256` is the sha256 of the sorted
 * `<path> <sha256>` lines: it changes exactly when the set of files changes.
 *
 * @example
 * ```ts
 * import { makeIndexCatalogue } from "./index_catalogue.ts";
 * const catalogue = makeIndexCatalogue([]);
 * console.assert(catalogue.version === 1 && catalogue.files.length === 0);
 * ```
 */
export function makeIndexCatalogue(
  entries: readonly CatalogueEntry[],
  distributions: readonly CatalogueDistribution[] = [],
): Catalogue {
  const files = [...entries].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const lines = files.map((f) => `${f.path} ${f.sha256}\n`).join("");
  return {
    version: 1,
    manifestSha256: createHash("sha256").update(lines).digest("hex"),
    distributions: [...distributions],
    files,
  };
}

/**
 * The entry of `known` (entries by path) for the same file: the same catalogue path and, when the
 * index states a sha256, the same sha256 (a file replaced under its old name is new).
 *
 * @example
 * ```ts ignore
 * const previous = findKnownEntry(selected, new Map(existing.files.map((e) => [e.path, e])));
 * ```
 */
export function findKnownEntry(
  selected: SelectedIndexFile,
  known: ReadonlyMap<string, CatalogueEntry>,
): CatalogueEntry | undefined {
  const entry = known.get(selected.path);
  if (!entry) return undefined;
  if (selected.file.sha256 !== undefined && selected.file.sha256 !== entry.sha256) return undefined;
  return entry;
}

/**
 * Is a file uploaded at or after `since` (an ISO time)? A file the index gives no upload time
 * counts as new: nothing shows it is old, and listing a file twice costs less than missing one.
 *
 * @example
 * ```ts
 * import { isUploadedSince } from "./index_catalogue.ts";
 * const file = { filename: "a.whl", url: "https://i.example/a.whl", yanked: false };
 * console.assert(isUploadedSince({ ...file, uploadTime: "2026-05-02T00:00:00.000Z" }, "2026-05-01T00:00:00.000Z"));
 * console.assert(isUploadedSince(file, "2026-05-01T00:00:00.000Z"));
 * ```
 */
export function isUploadedSince(file: IndexFile, since: string): boolean {
  if (file.uploadTime === undefined) return true;
  return Date.parse(file.uploadTime) >= Date.parse(since);
}

/** The project segment of an `index/<project>/<file>` path; undefined for any other path. */
export function indexProjectOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts.length === 3 && parts[0] === INDEX_ROOT ? parts[1] : undefined;
}
