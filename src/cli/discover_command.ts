/**
 * `conform discover --index URL`: catalogue the Emscripten/Pyodide wheels of a package index
 * (platform tags `emscripten_*_wasm32`, `pyodide_*_wasm32`, `pyemscripten_*_wasm32`) as a wheel
 * catalogue that `conform` reads like `corpus/wheels.json`. Runs under its own task
 * (`deno task discover`), which may reach any host: the index is the user's choice, and its files
 * are often served from another host than its pages.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  discoverIndex,
  type DiscoverIndexOptions,
  type DiscoverResult,
  type DiscoverSince,
} from "../corpus/discover_index.ts";
import { defaultCacheDir } from "../corpus/defaults.ts";
import { type HashMismatchError, IndexFetchError, IndexPageError } from "../corpus/errors.ts";
import { isCatalogueUrl, loadCatalogue, MAX_CATALOGUE_CHARS } from "../corpus/load_catalogue.ts";
import type { Catalogue } from "../corpus/types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";
import {
  checkOutputPath,
  checkOutputTargets,
  escapeControl,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { createProgress, type Progress } from "../report/progress.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "./_exit_codes.ts";

const USAGE =
  `Usage: deno task discover --index URL [--project NAME]... [--since DATE|FILE | --existing FILE]
                          [--out FILE] [--download] [--cache-dir DIR] [--jobs N]

Walk a package index's simple API (PEP 691 JSON, PEP 503 HTML as the fallback) and write a
wheel catalogue of its Emscripten/Pyodide wheels: platform tags emscripten_<x>_<y>_<z>_wasm32,
pyodide_<year>_<patch>_wasm32 and pyemscripten_<year>_<patch>_wasm32. Other wheels (manylinux,
pure none-any), sdists and yanked files are skipped. Each wheel becomes the entry
index/<project>/<filename> with its URL, sha256, size, tags and the catalogue runtime its tag
states it was built for. A sha256 or size the index does not give is taken from the downloaded
file; downloaded files are stored, verified, in the cache, where conform reads them.

Options:
  --index URL         the index's project list, e.g. https://host/simple/ (required; https, or
                      http on 127.0.0.1/localhost)
  --project NAME      only this project (repeatable); default: every project of the list
  --since DATE|FILE   list only new files: uploaded at or after DATE (YYYY-MM-DD, UTC, or an ISO
                      time with a zone; files the index gives no upload time count as new), or
                      not in the catalogue FILE
  --existing FILE     update the catalogue FILE: keep its entries (never downloaded again), add
                      new files, drop files the index no longer lists; a missing FILE is empty.
                      --out may name FILE itself
  --out FILE          write the catalogue here (default: stdout); name it wheels.json so that
                      conform reads it as a catalogue, e.g. reports/index/wheels.json
  --download          download every listed wheel into the cache, even when the index gives its
                      sha256 and size (conform then needs no access to the index)
  --cache-dir DIR     cache of verified downloads (default: $CONFORM_CACHE, else .cache/)
  --jobs N            requests in flight (default 4, at most 64)
  -h, --help          show this help

Progress goes to stderr when it is a terminal; a summary always goes to stderr.

Exit codes: 0 done, 2 usage (also: no network permission), 4 the project list, a project page
or a file could not be read (the catalogue is still written with everything else).`;

/** Most new or dropped paths listed one per line in the summary. */
const MAX_LISTED_PATHS = 100;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/i;

/** `--since DATE` as an ISO time, or undefined when the value is not a date. */
function sinceTime(value: string): string | undefined {
  if (DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new UsageError(`--since ${value}: not a valid date`);
    return new Date(ms).toISOString();
  }
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  // Without a zone, Date.parse takes local time: a nightly must not depend on the machine's zone.
  if (m[1] === undefined) {
    throw new UsageError(`--since ${value}: give the time zone (e.g. ${value}Z)`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--since ${value}: not a valid time`);
  return new Date(ms).toISOString();
}

/** Read and validate a catalogue file; undefined when it does not exist. */
async function readCatalogueFile(path: string): Promise<Catalogue | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  if (!info.isFile) throw new UsageError(`${path} is not a file`);
  // UTF-8 text is at most 4 bytes a character: a larger file cannot pass the character bound.
  if (info.size > MAX_CATALOGUE_CHARS * 4) {
    throw new UsageError(`${path}: ${info.size} bytes, larger than any catalogue`);
  }
  return loadCatalogue(await Deno.readTextFile(path), { file: path });
}

/** The index URL: parsed, and one a catalogue may download from. */
function indexUrlOf(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--index ${value}: not a URL`);
  }
  if (!isCatalogueUrl(url.href)) {
    throw new UsageError(
      `--index ${value}: must be https (or http on 127.0.0.1/localhost): the catalogue's ` +
        "files are downloaded from the URLs it lists",
    );
  }
  url.hash = "";
  return url;
}

/** Is network access to the index granted? The conform task's is scoped to the catalogue hosts. */
function netGranted(url: URL): boolean {
  try {
    return Deno.permissions.querySync({ name: "net", host: url.host }).state === "granted";
  } catch {
    return true; // no permission API: the fetch itself will say
  }
}

/** May this process write under `path`? */
function writeGranted(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "write", path }).state === "granted";
  } catch {
    return true; // no permission API: the write itself will say
  }
}

function describeProblem(error: IndexPageError | IndexFetchError | HashMismatchError): string {
  return escapeControl(`${error.name}: ${error.message}`);
}

function listPaths(label: string, paths: string[]): string[] {
  if (paths.length === 0) return [];
  const shown = paths.slice(0, MAX_LISTED_PATHS).map((p) => `  ${escapeControl(p)}`);
  const more = paths.length > MAX_LISTED_PATHS
    ? [`  … and ${paths.length - MAX_LISTED_PATHS} more`]
    : [];
  return [`${label}:`, ...shown, ...more];
}

/** The summary on stderr: counts, what is new or dropped, and every problem. */
function summarize(result: DiscoverResult, existing: boolean): string {
  const wheels = result.newPaths.length + result.known;
  const skipped = Object.entries(result.skipped).map(([reason, n]) => `${n} ${reason}`);
  const lines = [
    `discover: ${result.projectsRead} project page(s) read${
      result.listFormat ? ` (project list: ${result.listFormat})` : ""
    }; ${wheels} Emscripten/Pyodide wheel(s): ${result.newPaths.length} new, ${result.known} ${
      existing ? "kept" : "not new"
    }; ${result.catalogue.files.length} in the catalogue written; ${result.downloaded} downloaded`,
    ...(skipped.length ? [`discover: skipped ${skipped.join(", ")}`] : []),
    ...listPaths("new", result.newPaths),
    ...listPaths("dropped (no longer listed)", result.dropped),
    ...result.problems.map((p) =>
      `discover: ${escapeControl(p.project)}: ${describeProblem(p.error)}`
    ),
  ];
  return lines.join("\n");
}

/**
 * Run `discover`.
 *
 * @param args Arguments after `discover`.
 * @returns `EXIT_OK`, `EXIT_USAGE` (also without network permission) or `EXIT_UNREADABLE_INPUT`.
 *
 * @example
 * ```ts ignore
 * await run(["--index", "https://index.example/simple/", "--project", "numpy",
 *   "--out", "reports/index/wheels.json"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        index: { type: "string" },
        project: { type: "string", multiple: true },
        since: { type: "string" },
        existing: { type: "string" },
        out: { type: "string" },
        download: { type: "boolean" },
        "cache-dir": { type: "string" },
        jobs: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw new UsageError(`discover takes no paths (got ${positionals[0]}); give --index URL`);
  }
  if (!values.index) throw new UsageError("discover needs --index URL");
  if (values.since !== undefined && values.existing !== undefined) {
    throw new UsageError("give --since or --existing, not both");
  }
  const index = indexUrlOf(values.index);
  let concurrency: number | undefined;
  if (values.jobs !== undefined) {
    concurrency = Number(values.jobs);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new UsageError(`--jobs ${values.jobs}: a whole number from 1 to 64`);
    }
  }
  const projects = values.project?.map((p) => p.trim());
  if (projects?.some((p) => p === "")) throw new UsageError("--project needs a name");
  const cacheDir = values["cache-dir"] ?? defaultCacheDir();
  // Downloads are stored there: refuse now rather than fail after the first download.
  if (!writeGranted(cacheDir)) {
    throw new UsageError(
      `cache directory ${cacheDir}: this task may write only under .cache/ and reports/; ` +
        "choose --cache-dir (or CONFORM_CACHE) there",
    );
  }

  if (values.out !== undefined) {
    checkOutputPath(values.out);
    // The --since catalogue is what "new" is measured against: never overwritten. The
    // --existing catalogue is meant to be updated in place.
    const inputs = values.since !== undefined && sinceTime(values.since) === undefined
      ? [values.since]
      : [];
    checkOutputTargets([values.out], { inputs, cacheDir });
  }
  if (!netGranted(index)) {
    console.error(
      `conform discover: network access to ${index.host} is not granted. The conform task may ` +
        "reach only the catalogue's hosts; run discover through its own task:\n" +
        `  deno task discover --index ${index.href} …`,
    );
    return EXIT_USAGE;
  }

  let since: DiscoverSince | undefined;
  if (values.since !== undefined) {
    const time = sinceTime(values.since);
    if (time !== undefined) {
      since = { time };
    } else {
      const catalogue = await readCatalogueFile(values.since);
      if (!catalogue) {
        throw new UsageError(
          `--since ${values.since}: neither a date (YYYY-MM-DD) nor an existing catalogue file`,
        );
      }
      since = { catalogue };
    }
  }
  let existing: Catalogue | undefined;
  if (values.existing !== undefined) {
    existing = await readCatalogueFile(values.existing);
    if (!existing) {
      console.error(`discover: no catalogue at ${values.existing} yet: every file is new`);
      existing = { version: 1, manifestSha256: "0".repeat(64), distributions: [], files: [] };
    }
  }

  // The number of projects is known once the index's project list is read.
  let progress: Progress | undefined;
  const options: DiscoverIndexOptions = {
    index: index.href,
    runtimes: await readShippedRuntimeCatalogue(),
    cacheDir,
    download: values.download === true,
    onProgress: (p) => {
      progress ??= createProgress({ total: p.total, label: "discovering" });
      progress.tick(Math.max(0, p.done - progress.count), escapeControl(p.project));
    },
    ...(projects ? { projects } : {}),
    ...(since ? { since } : {}),
    ...(existing ? { existing } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
  let result: DiscoverResult;
  try {
    result = await discoverIndex(options);
  } catch (error) {
    progress?.clear();
    if (error instanceof IndexFetchError || error instanceof IndexPageError) {
      console.error(`conform discover: ${describeProblem(error)}`);
      return EXIT_UNREADABLE_INPUT;
    }
    throw error;
  }
  await progress?.done();

  const text = `${JSON.stringify(result.catalogue, null, 2)}\n`;
  if (values.out !== undefined) await writeFileAtomically(values.out, text);
  else await writeStdout(text);
  console.error(summarize(result, existing !== undefined));
  return result.problems.length > 0 ? EXIT_UNREADABLE_INPUT : EXIT_OK;
}
