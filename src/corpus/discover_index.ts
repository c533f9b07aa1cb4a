/**
 * Walk a package index's simple API and catalogue its Emscripten/Pyodide wheels: fetch the
 * project list (or the named projects' pages), read each page (JSON preferred, HTML as the
 * fallback), keep the wheels {@linkcode selectIndexFile} selects, and make one catalogue entry
 * each. A sha256 or size the index does not state is taken from the downloaded file, and every
 * downloaded file is verified and stored in the cache (`<cache>/files/<sha256>`), where `conform`
 * finds it without network access to the index.
 *
 * Incremental runs: with `since` only files uploaded at or after a time, or absent from a previous
 * catalogue, are listed; with `existing` the previous catalogue's entries are carried over (never
 * downloaded again) and the new ones added, so one file can be updated night after night.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { RuntimeEntry } from "../runtime/types.ts";
import { canonicalizeName } from "../wheel/parse_wheel_filename.ts";
import { readZipDirectory } from "../wheel/read_zip.ts";
import { HashMismatchError, IndexFetchError, IndexPageError } from "./errors.ts";
import {
  findKnownEntry,
  type IndexFileContent,
  indexProjectOf,
  type IndexSkipReason,
  isUploadedSince,
  makeIndexCatalogue,
  makeIndexEntry,
  type SelectedIndexFile,
  selectIndexFile,
} from "./index_catalogue.ts";
import {
  type IndexProject,
  MAX_INDEX_PAGE_CHARS,
  readProjectList,
  readProjectPage,
  SIMPLE_ACCEPT,
} from "./read_simple_index.ts";
import { cachePathOf, MAX_DOWNLOAD_BYTES } from "./resolve_catalogue_file.ts";
import type { Catalogue, CatalogueEntry } from "./types.ts";
import { writeFileAtomically } from "./write_atomically.ts";

/** Largest page fetched, in bytes (UTF-8 text is never more characters than bytes). */
export const MAX_INDEX_PAGE_BYTES = MAX_INDEX_PAGE_CHARS;
/** Default number of requests in flight. */
export const DEFAULT_DISCOVER_CONCURRENCY = 4;
/** Default time limit of one request, body included: a server that stops answering ends. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/** Which files count as new. */
export type DiscoverSince =
  /** Uploaded at or after this ISO time (PEP 700 `upload-time`; undated files count as new). */
  | { time: string }
  /** Not in this catalogue (same path, and the same sha256 where the index states one). */
  | { catalogue: Catalogue };

/** Options of {@linkcode discoverIndex}. */
export interface DiscoverIndexOptions {
  /** URL of the index's project list, e.g. `https://host/simple/`. */
  index: string;
  /** Only these projects (their pages are `<index>/<normalized name>/`); default: every project. */
  projects?: readonly string[];
  /** The runtime catalogue, for each entry's `builtFor`. */
  runtimes: readonly RuntimeEntry[];
  /** List only new files. Not together with `existing`. */
  since?: DiscoverSince;
  /** A previous catalogue to update: its entries are carried over, new files are added. */
  existing?: Catalogue;
  /** Download every listed wheel (verified) into the cache, even where the index gives its hash. */
  download?: boolean;
  /** The cache root: downloads are stored at `<cacheDir>/files/<sha256>`; none when absent. */
  cacheDir?: string;
  /** Requests in flight at once; default {@linkcode DEFAULT_DISCOVER_CONCURRENCY}. */
  concurrency?: number;
  /** Time limit of one request, body included; default {@linkcode DEFAULT_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Largest page read, in bytes; default {@linkcode MAX_INDEX_PAGE_BYTES}. */
  maxPageBytes?: number;
  /** Replaces `fetch` (tests). */
  fetchImpl?: typeof fetch;
  /** Called after each project page. */
  onProgress?: (progress: DiscoverProgress) => void;
}

/** Progress of a walk. */
export interface DiscoverProgress {
  done: number;
  total: number;
  project: string;
}

/** Something that could not be read; the walk went on without it. */
export interface DiscoverProblem {
  /** Normalized project name. */
  project: string;
  error: IndexPageError | IndexFetchError | HashMismatchError;
}

/** What a walk found. */
export interface DiscoverResult {
  /** The catalogue to write: new files only with `since`, everything with `existing`. */
  catalogue: Catalogue;
  /** Format of the project list, when it was read (`--project` reads none). */
  listFormat?: "json" | "html";
  /** Project pages read. */
  projectsRead: number;
  /** Paths of the entries not known before (all entries without `since` and `existing`). */
  newPaths: string[];
  /** Emscripten/Pyodide wheels that are not new (`since`) or were carried over (`existing`). */
  known: number;
  /** Entries of `existing` the index no longer lists (deleted, yanked, or its project gone). */
  dropped: string[];
  /** Files not catalogued, by reason. */
  skipped: Partial<Record<IndexSkipReason, number>>;
  /** Files downloaded (a missing hash or size, or `download`). */
  downloaded: number;
  problems: DiscoverProblem[];
}

/**
 * Walk an index and catalogue its Emscripten/Pyodide wheels.
 *
 * @param options Index URL, projects, the runtime catalogue, `since`/`existing`, cache.
 * @returns The catalogue and what was found, read, skipped and could not be read.
 * @throws {IndexFetchError} When the project list cannot be fetched.
 * @throws {IndexPageError} When the project list is malformed.
 * @throws {RangeError} When both `since` and `existing` are given.
 *
 * @example
 * ```ts ignore
 * import { discoverIndex } from "./discover_index.ts";
 * const result = await discoverIndex({
 *   index: "https://index.example/simple/", projects: ["numpy"], runtimes,
 * });
 * console.log(result.catalogue.files.map((f) => f.path));
 * ```
 */
export async function discoverIndex(options: DiscoverIndexOptions): Promise<DiscoverResult> {
  if (options.since && options.existing) {
    throw new RangeError("discoverIndex: give either since or existing, not both");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const fetchImpl: typeof fetch = (input, init) =>
    (options.fetchImpl ?? fetch)(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const maxPage = Math.min(options.maxPageBytes ?? MAX_INDEX_PAGE_BYTES, MAX_INDEX_PAGE_BYTES);
  const index = options.index.endsWith("/") ? options.index : `${options.index}/`;
  const result: DiscoverResult = {
    catalogue: makeIndexCatalogue([]),
    projectsRead: 0,
    newPaths: [],
    known: 0,
    dropped: [],
    skipped: {},
    downloaded: 0,
    problems: [],
  };

  let projects: IndexProject[];
  if (options.projects) {
    projects = options.projects.map((name) => ({
      name,
      url: new URL(`${encodeURIComponent(canonicalizeName(name))}/`, index).href,
    }));
  } else {
    const page = await fetchPage(index, fetchImpl, maxPage);
    const list = readProjectList(page.text, page);
    result.listFormat = list.format;
    projects = list.projects;
  }
  // One walk per normalized name, in a stable order.
  const byName = new Map<string, IndexProject>();
  for (const p of projects) {
    const key = canonicalizeName(p.name);
    if (!byName.has(key)) byName.set(key, p);
  }

  // Files are known from the catalogue being updated, or from the one `since` names.
  const since = options.since;
  const knownFrom = options.existing ??
    (since && "catalogue" in since ? since.catalogue : undefined);
  const known = new Map((knownFrom?.files ?? []).map((e) => [e.path, e]));
  const sinceTime = since && "time" in since ? since.time : undefined;

  const entries = new Map<string, CatalogueEntry>();
  const fresh = new Set<string>();
  /** Projects whose page was read: their previous entries are replaced by what it lists now. */
  const walked = new Set<string>();
  const context = { fetchImpl, cacheDir: options.cacheDir, result };

  const queue = [...byName.entries()];
  let taken = 0;
  let done = 0;
  const worker = async () => {
    while (taken < queue.length) {
      const [name, project] = queue[taken++];
      try {
        const page = await fetchPage(project.url, fetchImpl, maxPage);
        const files = readProjectPage(page.text, page).files;
        walked.add(name);
        result.projectsRead++;
        for (const file of files) {
          const choice = selectIndexFile(file, name);
          if (!choice.selected) {
            result.skipped[choice.reason] = (result.skipped[choice.reason] ?? 0) + 1;
            continue;
          }
          if (entries.has(choice.path)) continue; // listed twice: the first listing counts
          const previous = findKnownEntry(choice, known);
          const isNew = sinceTime !== undefined
            ? isUploadedSince(file, sinceTime)
            : previous === undefined;
          if (!isNew && !options.existing) {
            result.known++;
            continue;
          }
          try {
            const entry = await entryOf(choice, previous, options, context);
            entries.set(choice.path, entry);
            if (isNew) fresh.add(choice.path);
            else result.known++;
          } catch (error) {
            if (!isProblem(error)) throw error;
            result.problems.push({ project: name, error });
            // A known file that could not be fetched again (`download`) stays as it was.
            if (previous && options.existing) {
              entries.set(choice.path, previous);
              result.known++;
            }
          }
        }
      } catch (error) {
        if (!isProblem(error)) throw error;
        result.problems.push({ project: name, error });
      }
      options.onProgress?.({ done: ++done, total: byName.size, project: name });
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_DISCOVER_CONCURRENCY, 64));
  await Promise.all(Array.from({ length: lanes }, worker));

  if (options.existing) {
    for (const previous of options.existing.files) {
      if (entries.has(previous.path)) continue;
      const project = indexProjectOf(previous.path);
      // Gone from a page that was read, or its project gone from the whole list: dropped.
      // Entries of projects not walked (`projects`, or a page that failed) stay as they were.
      const gone = project !== undefined &&
        (walked.has(project) || (!options.projects && !byName.has(project)));
      if (gone) result.dropped.push(previous.path);
      else entries.set(previous.path, previous);
    }
  }
  result.catalogue = makeIndexCatalogue([...entries.values()], options.existing?.distributions);
  result.newPaths = [...fresh].sort();
  result.dropped.sort();
  result.problems.sort((a, b) => a.project < b.project ? -1 : a.project > b.project ? 1 : 0);
  return result;
}

function isProblem(error: unknown): error is DiscoverProblem["error"] {
  return error instanceof IndexPageError || error instanceof IndexFetchError ||
    error instanceof HashMismatchError;
}

interface Context {
  fetchImpl: typeof fetch;
  cacheDir?: string;
  result: DiscoverResult;
}

/** The entry of a selected file: its content from the index, the previous catalogue or a download. */
async function entryOf(
  selected: SelectedIndexFile,
  previous: CatalogueEntry | undefined,
  options: DiscoverIndexOptions,
  context: Context,
): Promise<CatalogueEntry> {
  const { file } = selected;
  let content: IndexFileContent | undefined;
  if (previous) {
    content = { sha256: previous.sha256, size: previous.size };
  } else if (file.sha256 !== undefined && file.size !== undefined) {
    content = { sha256: file.sha256, size: file.size };
  }
  if (content === undefined || options.download) {
    const bytes = await obtainFile(selected, content, context);
    content = {
      sha256: sha256Of(bytes),
      size: bytes.length,
      soFiles: soFilesOf(bytes, file.filename),
    };
  }
  const entry = makeIndexEntry(selected, content, options.runtimes);
  // A carried-over entry keeps what was read of its bytes before; its builtFor is recomputed,
  // so a runtime added to the catalogue since is taken into account.
  return previous && content.soFiles === undefined
    ? { ...entry, soFiles: previous.soFiles, binary: previous.binary }
    : entry;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `.so` members of a wheel; undefined when its zip directory does not read. */
function soFilesOf(bytes: Uint8Array, file: string): string[] | undefined {
  try {
    return readZipDirectory(bytes, { file }).entries
      .filter((e) => !e.isDirectory && /\.so$/i.test(e.name))
      .map((e) => e.name);
  } catch {
    return undefined;
  }
}

/**
 * A selected file's bytes, verified: from the cache when its sha256 is known and cached, else
 * downloaded (bounded by the stated size) and stored in the cache.
 */
async function obtainFile(
  selected: SelectedIndexFile,
  known: IndexFileContent | undefined,
  context: Context,
): Promise<Uint8Array> {
  const { file, path } = selected;
  const expected = known?.sha256 ?? file.sha256;
  const size = known?.size ?? file.size;
  if (expected !== undefined && context.cacheDir !== undefined) {
    try {
      const cached = await Deno.readFile(cachePathOf({ sha256: expected }, context.cacheDir));
      if (sha256Of(cached) === expected) return cached;
    } catch {
      // not cached (or unreadable): download it
    }
  }
  const bytes = await fetchBytes(file.url, context.fetchImpl, size ?? MAX_DOWNLOAD_BYTES);
  context.result.downloaded++;
  const actual = sha256Of(bytes);
  if (expected !== undefined && actual !== expected) {
    throw new HashMismatchError(path, expected, actual, "network", file.url);
  }
  if (size !== undefined && bytes.length !== size) {
    throw new IndexFetchError(file.url, `${bytes.length} bytes, the index states ${size}`);
  }
  if (context.cacheDir !== undefined) {
    await writeFileAtomically(cachePathOf({ sha256: actual }, context.cacheDir), bytes);
  }
  return bytes;
}

/** A fetched page: its text, final URL and `Content-Type`. */
interface FetchedPage {
  text: string;
  url: string;
  contentType: string | null;
}

async function fetchPage(
  url: string,
  fetchImpl: typeof fetch,
  limit: number,
): Promise<FetchedPage> {
  const { bytes, response } = await fetchBounded(url, fetchImpl, limit, { accept: SIMPLE_ACCEPT });
  return {
    text: new TextDecoder().decode(bytes),
    // Links resolve against the URL the page was served from, after redirects.
    url: response.url || url,
    contentType: response.headers.get("content-type"),
  };
}

async function fetchBytes(
  url: string,
  fetchImpl: typeof fetch,
  limit: number,
): Promise<Uint8Array> {
  return (await fetchBounded(url, fetchImpl, limit, {})).bytes;
}

/** Why a fetch threw, for a user: a missing network permission names the task that has it. */
function fetchFailure(url: string, error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return "no complete answer within the time limit";
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `network access to ${new URL(url).host} is not granted (run deno task discover)`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** GET a URL and read at most `limit` bytes of its body; more is an error, not a truncation. */
async function fetchBounded(
  url: string,
  fetchImpl: typeof fetch,
  limit: number,
  headers: Record<string, string>,
): Promise<{ bytes: Uint8Array; response: Response }> {
  let response: Response;
  try {
    response = await fetchImpl(url, { headers, redirect: "follow" });
  } catch (error) {
    throw new IndexFetchError(url, fetchFailure(url, error), undefined, { cause: error });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new IndexFetchError(
      url,
      `HTTP ${response.status} ${response.statusText}`.trim(),
      response.status,
    );
  }
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body.cancel();
    throw new IndexFetchError(url, `${declared} bytes, more than the limit of ${limit}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw new IndexFetchError(url, `more than the limit of ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof IndexFetchError) throw error;
    throw new IndexFetchError(url, fetchFailure(url, error), undefined, { cause: error });
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { bytes, response };
}
