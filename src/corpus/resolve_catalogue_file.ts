/**
 * Obtain the bytes of a catalogue file: from a mirror directory, then the local cache, then the
 * file's public URL. The sha256 is verified every time a file is read, wherever it came from.
 *
 * @module
 */
import { join } from "node:path";
import {
  type FileOrigin,
  FileUnavailableError,
  HashMismatchError,
  type ResolveAttempt,
} from "./errors.ts";
import type { CatalogueEntry } from "./types.ts";
import { writeFileAtomically } from "./write_atomically.ts";
import { openArchiveFile, type OpenedArchive, readFileBytes } from "./archive_file.ts";
import { sha256HexSync } from "../wheel/sha256_hex.ts";

/** Largest file the resolver downloads, whatever the catalogue claims. */
export const MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

/** Where to look for catalogue files. */
export interface ResolveOptions {
  /** Directory laid out like the shared corpus (`<mirror>/<entry.path>`). */
  mirror?: string;
  /** Cache root; files live in `<cacheDir>/files/<sha256>`. */
  cacheDir: string;
  /** Download from `entry.url` when neither the mirror nor the cache has the file. */
  allowNetwork: boolean;
  /** Replaces `fetch` (tests). */
  fetchImpl?: typeof fetch;
}

/** Bytes of a catalogue file, verified, and where they came from. */
export interface ResolvedFile {
  bytes: Uint8Array;
  origin: Exclude<FileOrigin, "path">;
  /** File path or URL read. */
  location: string;
}

/** Path of a catalogue file's cache entry. */
export function cachePathOf(entry: Pick<CatalogueEntry, "sha256">, cacheDir: string): string {
  return join(cacheDir, "files", entry.sha256);
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFileBytes(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function download(
  entry: CatalogueEntry,
  fetchImpl: typeof fetch,
): Promise<Uint8Array | string> {
  let response: Response;
  try {
    response = await fetchImpl(entry.url);
  } catch (error) {
    return (error as Error).message;
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    return `HTTP ${response.status} ${response.statusText}`.trim();
  }
  // The catalogue pins the size: stop reading as soon as a response exceeds it.
  const limit = Math.min(entry.size, MAX_DOWNLOAD_BYTES);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return `response is larger than the catalogue size ${entry.size}`;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** The ways a user can make a missing file available. */
function waysToSupply(entry: CatalogueEntry, options: ResolveOptions): string[] {
  const ways = [
    `pass --mirror DIR where DIR/${entry.path} exists`,
    `set CONFORM_MIRROR=DIR`,
    `place the file at ${cachePathOf(entry, options.cacheDir)}`,
  ];
  ways.push(
    options.allowNetwork
      ? `make ${entry.url} reachable`
      : `allow network access (drop --offline) to download ${entry.url}`,
  );
  return ways;
}

/**
 * Read a catalogue file, verified against its sha256: mirror first, then the cache, then the
 * network (downloads are verified before they are written to the cache, atomically).
 *
 * A mirror file with the wrong hash is an error (someone changed it). A cache entry with the
 * wrong hash is removed and the next source is tried, so a corrupt cache repairs itself.
 *
 * @param entry The catalogue entry.
 * @param options Mirror directory, cache directory, whether the network may be used.
 * @returns The verified bytes and their origin.
 * @throws {HashMismatchError} When mirror or downloaded bytes do not hash to `entry.sha256`.
 * @throws {FileUnavailableError} When no source has the file.
 *
 * @example Resolving from a mirror directory
 * ```ts ignore
 * import { resolveCatalogueFile } from "./resolve_catalogue_file.ts";
 * const file = await resolveCatalogueFile(entry, {
 *   mirror: "../shared/corpus", cacheDir: ".cache", allowNetwork: false,
 * });
 * console.log(file.origin, file.bytes.length);
 * ```
 */
export async function resolveCatalogueFile(
  entry: CatalogueEntry,
  options: ResolveOptions,
): Promise<ResolvedFile> {
  const { value, origin, location } = await resolveWith<Uint8Array>(entry, options, {
    open: readIfPresent,
    hash: sha256HexSync,
    close: () => {},
  });
  return { bytes: value, origin, location };
}

/** A catalogue file opened for the readers ({@linkcode openCatalogueFile}), and its origin. */
export interface OpenedCatalogueFile extends OpenedArchive {
  origin: Exclude<FileOrigin, "path">;
  location: string;
}

/**
 * {@linkcode resolveCatalogueFile} for the readers: the same sources, order and verification,
 * but a large mirror or cache file is hashed range by range and then read on demand
 * ({@linkcode openArchiveFile}), so it is never held whole. Downloads are held whole, as before.
 *
 * @param entry The catalogue entry.
 * @param options As for {@linkcode resolveCatalogueFile}.
 * @returns The opened archive (call `close` when done) and its origin.
 * @throws {HashMismatchError} As {@linkcode resolveCatalogueFile}.
 * @throws {FileUnavailableError} As {@linkcode resolveCatalogueFile}.
 * @example
 * ```ts ignore
 * const archive = await openCatalogueFile(entry, { cacheDir: ".cache", allowNetwork: false });
 * try {
 *   console.log(readZipDirectory(archive.bytes).entries.length);
 * } finally {
 *   archive.close();
 * }
 * ```
 */
export async function openCatalogueFile(
  entry: CatalogueEntry,
  options: ResolveOptions & { readWholeBelow?: number },
): Promise<OpenedCatalogueFile> {
  const { value, origin, location } = await resolveWith(entry, options, {
    open: async (path) => {
      try {
        return await openArchiveFile(path, { readWholeBelow: options.readWholeBelow });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    },
    hash: (archive) => sha256HexSync(archive.bytes),
    close: (archive) => archive.close(),
    fromDownload: (bytes) => ({ bytes, close: () => {} }),
  });
  return { ...value, origin, location };
}

/** How a resolver reads a local file (mirror or cache), hashes and lets go of what it read. */
interface LocalReader<T> {
  open(path: string): Promise<T | undefined>;
  hash(value: T): string;
  close(value: T): void;
  /** Verified downloaded bytes in this reader's form (default: the bytes themselves). */
  fromDownload?: (bytes: Uint8Array) => T;
}

/** Mirror, then cache, then network, verified against the catalogue's sha256 at each step. */
async function resolveWith<T>(
  entry: CatalogueEntry,
  options: ResolveOptions,
  reader: LocalReader<T>,
): Promise<{ value: T; origin: Exclude<FileOrigin, "path">; location: string }> {
  const attempts: ResolveAttempt[] = [];

  if (options.mirror) {
    const location = join(options.mirror, entry.path);
    const value = await reader.open(location);
    if (value === undefined) {
      attempts.push({ origin: "mirror", location, reason: "not found" });
    } else {
      const actual = hashOrClose(reader, value);
      if (actual !== entry.sha256) {
        reader.close(value);
        throw new HashMismatchError(entry.path, entry.sha256, actual, "mirror", location);
      }
      return { value, origin: "mirror", location };
    }
  }

  const cachePath = cachePathOf(entry, options.cacheDir);
  const cached = await reader.open(cachePath);
  if (cached === undefined) {
    attempts.push({ origin: "cache", location: cachePath, reason: "not found" });
  } else {
    const actual = hashOrClose(reader, cached);
    if (actual === entry.sha256) return { value: cached, origin: "cache", location: cachePath };
    reader.close(cached);
    await Deno.remove(cachePath).catch(() => {});
    attempts.push({
      origin: "cache",
      location: cachePath,
      reason: `corrupt entry (sha256 ${actual}) removed`,
    });
  }

  if (options.allowNetwork) {
    const result = await download(entry, options.fetchImpl ?? fetch);
    if (typeof result === "string") {
      attempts.push({ origin: "network", location: entry.url, reason: result });
    } else {
      const actual = sha256HexSync(result);
      if (actual !== entry.sha256) {
        throw new HashMismatchError(entry.path, entry.sha256, actual, "network", entry.url);
      }
      await writeFileAtomically(cachePath, result);
      const value = reader.fromDownload ? reader.fromDownload(result) : result as T;
      return { value, origin: "network", location: entry.url };
    }
  }

  throw new FileUnavailableError(entry.path, attempts, waysToSupply(entry, options));
}

/** The hash of what was opened; a read error lets go of it before it is passed on. */
function hashOrClose<T>(reader: LocalReader<T>, value: T): string {
  try {
    return reader.hash(value);
  } catch (error) {
    reader.close(value);
    throw error;
  }
}
