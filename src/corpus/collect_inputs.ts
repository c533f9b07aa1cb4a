/**
 * Turn command-line paths (wheel files, `.zip` packages, directories, the catalogue) into a list
 * of inputs whose bytes are read on demand.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { loadCatalogue } from "./load_catalogue.ts";
import {
  openCatalogueFile,
  resolveCatalogueFile,
  type ResolveOptions,
} from "./resolve_catalogue_file.ts";
import { defaultCacheDir, defaultCataloguePath, defaultMirror } from "./defaults.ts";
import type { CatalogueEntry, CatalogueKind } from "./types.ts";
import { openArchiveFile, type OpenedArchive, readFileBytes } from "./archive_file.ts";
import { readLinkInput } from "../link/read_link_input.ts";
import type { CheckLinkInput } from "../link/types.ts";

/** Upper bound on inputs gathered from directories, checked as they are found. */
export const MAX_INPUT_FILES = 100_000;
/** Deepest directory level searched for archives. */
export const MAX_DIRECTORY_DEPTH = 32;

/** One archive to read. */
export interface InputFile {
  /** The catalogue path (`pyodide-0.27.7/x.whl`) or the file path as found on disk. */
  file: string;
  source: "catalogue" | "path";
  /** The catalogue entry, for catalogue inputs. */
  entry?: CatalogueEntry;
  /** Reads the bytes (catalogue inputs: resolved and sha256-verified on every call). */
  read(): Promise<Uint8Array>;
  /**
   * Opens the archive for the readers, verified as `read` is, but a large file is read on demand
   * instead of whole ({@linkcode openArchiveFile}). Absent: `read` is used ({@linkcode openInput}).
   */
  open?(): Promise<OpenedArchive>;
}

/**
 * Open an input for the readers: its `open` when it has one, else its bytes read whole.
 *
 * @example
 * ```ts ignore
 * const archive = await openInput(input);
 * try {
 *   const link = await readLinkInput(archive.bytes, { file: input.file });
 * } finally {
 *   archive.close();
 * }
 * ```
 */
export async function openInput(input: InputFile): Promise<OpenedArchive> {
  if (input.open) return await input.open();
  return { bytes: await input.read(), close: () => {} };
}

/**
 * The sha256 that reading `input` verifies its bytes against: a catalogue entry's, checked on
 * every `read` and `open`. Readers given it do not hash the same bytes again. Undefined for an
 * archive given by path, whose bytes nothing has hashed yet.
 *
 * @example
 * ```ts ignore
 * const facts = await readWheel(await input.read(), { file: input.file, sha256: verifiedSha256(input) });
 * ```
 */
export function verifiedSha256(input: InputFile): string | undefined {
  return input.source === "catalogue" ? input.entry?.sha256 : undefined;
}

/**
 * An input read into a link input (facts and side modules): opened as {@linkcode openInput}
 * does, read with its {@linkcode verifiedSha256}, closed. Throws what the readers throw.
 *
 * @example
 * ```ts ignore
 * const link = await readInputLink(input, { shared: true });
 * console.log(link.wheel.sha256, link.modules.length);
 * ```
 */
export async function readInputLink(
  input: InputFile,
  options: { shared?: boolean } = {},
): Promise<CheckLinkInput> {
  const archive = await openInput(input);
  try {
    return await readLinkInput(archive.bytes, {
      file: input.file,
      shared: options.shared,
      sha256: verifiedSha256(input),
    });
  } finally {
    archive.close();
  }
}

/**
 * The input of an archive given by path: read whole, or opened on demand when large.
 *
 * @example
 * ```ts ignore
 * const input = pathInputOf("dist/x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl");
 * ```
 */
export function pathInputOf(file: string): InputFile {
  return {
    file,
    source: "path",
    read: () => readFileBytes(file),
    open: () => openArchiveFile(file),
  };
}

/** Options of {@linkcode collectInputs}; resolver options default to the environment. */
export interface CollectOptions extends Partial<ResolveOptions> {
  /** Catalogue kinds to include; default: every archive kind (lock files left out). */
  kinds?: CatalogueKind[];
}

const ARCHIVE = /\.(whl|zip)$/i;
const ARCHIVE_KINDS: CatalogueKind[] = ["wheel", "shared-library", "cpython-module"];

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * The catalogue a path names: a `wheels.json` file named on the command line, or the shipped
 * catalogue's own directory (`corpus/`). Any other directory is searched for archives even when
 * it holds a `wheels.json`: a catalogue's URLs are fetched, so only the user may name one.
 */
async function cataloguePathOf(path: string, info: Deno.FileInfo): Promise<string | undefined> {
  if (info.isFile) return basename(path) === "wheels.json" ? path : undefined;
  const shipped = defaultCataloguePath();
  if (!shipped) return undefined;
  const inside = join(path, "wheels.json");
  try {
    return await Deno.realPath(inside) === await Deno.realPath(shipped) ? inside : undefined;
  } catch {
    return undefined;
  }
}

/** An input whose read fails at once: a device, FIFO or socket would never end or never start. */
function notAFile(file: string, info: Deno.FileInfo): InputFile {
  const what = info.isFifo
    ? "a FIFO"
    : info.isCharDevice || info.isBlockDevice
    ? "a device"
    : info.isSocket
    ? "a socket"
    : "not a regular file";
  return {
    file,
    source: "path",
    read: () => Promise.reject(new Deno.errors.InvalidData(`${file} is ${what}, not an archive`)),
    open: () => Promise.reject(new Deno.errors.InvalidData(`${file} is ${what}, not an archive`)),
  };
}

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  if (depth > MAX_DIRECTORY_DEPTH) {
    throw new RangeError(
      `Directory nesting exceeds MAX_DIRECTORY_DEPTH (${MAX_DIRECTORY_DEPTH}): "${dir}"`,
    );
  }
  const names: { name: string; isDirectory: boolean }[] = [];
  for await (const item of Deno.readDir(dir)) {
    let isDirectory = item.isDirectory;
    if (item.isSymlink) {
      isDirectory = (await statOrUndefined(join(dir, item.name)))?.isDirectory ?? false;
    }
    names.push({ name: item.name, isDirectory });
  }
  names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const { name, isDirectory } of names) {
    const path = join(dir, name);
    if (isDirectory) {
      await walk(path, depth + 1, out);
    } else if (ARCHIVE.test(name)) {
      if (out.length >= MAX_INPUT_FILES) {
        throw new RangeError(
          `More than MAX_INPUT_FILES (${MAX_INPUT_FILES}) archives under "${dir}"`,
        );
      }
      out.push(path);
    }
  }
}

/**
 * Expand paths into inputs: a wheel or `.zip` file is one input (any explicitly named file is
 * taken as given, so a broken one is reported rather than skipped); a directory is searched
 * recursively for `*.whl` and `*.zip`; the catalogue directory (one holding `wheels.json`) or the
 * `wheels.json` file itself expands to its archive entries, read through the mirror, cache and
 * network. A path that does not exist becomes an input whose `read()` fails, so it is reported
 * with the others.
 *
 * @param paths Command-line paths.
 * @param options Resolver options (defaults: `defaultMirror()`, `defaultCacheDir()`, network on).
 * @returns Inputs in argument order, each directory's files sorted; duplicates dropped.
 * @throws {CatalogueFormatError} When a catalogue does not validate.
 *
 * @example Inputs from a directory of wheels
 * ```ts ignore
 * import { collectInputs } from "./collect_inputs.ts";
 * const inputs = await collectInputs(["wheels/"]);
 * for (const input of inputs) console.log(input.file, (await input.read()).length);
 * ```
 */
export async function collectInputs(
  paths: string[],
  options: CollectOptions = {},
): Promise<InputFile[]> {
  const resolveOptions: ResolveOptions = {
    mirror: options.mirror ?? defaultMirror(),
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    allowNetwork: options.allowNetwork ?? true,
    fetchImpl: options.fetchImpl,
  };
  const kinds = options.kinds ?? ARCHIVE_KINDS;
  const inputs: InputFile[] = [];
  const seen = new Set<string>();
  const add = (key: string, input: InputFile) => {
    if (seen.has(key)) return;
    seen.add(key);
    inputs.push(input);
  };

  for (const path of paths) {
    const info = await statOrUndefined(path);
    if (info === undefined) {
      add(`path:${resolve(path)}`, pathInputOf(path));
      continue;
    }
    const cataloguePath = await cataloguePathOf(path, info);
    if (cataloguePath !== undefined) {
      const catalogue = loadCatalogue(await Deno.readTextFile(cataloguePath), {
        file: cataloguePath,
      });
      for (const entry of catalogue.files) {
        if (!kinds.includes(entry.kind)) continue;
        add(`catalogue:${entry.sha256}:${entry.path}`, {
          file: entry.path,
          source: "catalogue",
          entry,
          read: async () => (await resolveCatalogueFile(entry, resolveOptions)).bytes,
          open: () => openCatalogueFile(entry, resolveOptions),
        });
      }
    } else if (info.isDirectory) {
      const found: string[] = [];
      await walk(path, 0, found);
      for (const file of found) add(`path:${resolve(file)}`, pathInputOf(file));
    } else if (!info.isFile) {
      add(`path:${resolve(path)}`, notAFile(path, info));
    } else {
      add(`path:${resolve(path)}`, pathInputOf(path));
    }
  }
  return inputs;
}
