/**
 * Reading archives from files without holding more than needed.
 *
 * - {@linkcode readFileBytes}: a whole file in one buffer of its size. `Deno.readFile` holds the
 *   file twice while it reads (its own buffer, then the copy it hands over): 853 MB of peak RSS
 *   for a 400 MB wheel, against 446 MB this way.
 * - {@linkcode openArchiveFile}: a large archive read range by range ({@linkcode ArchiveBytes}),
 *   so the readers hold one member at a time instead of the whole archive.
 *
 * @module
 */
import type { ArchiveBytes } from "../wheel/types.ts";

/** Bytes read per call: large enough to cost nothing, small enough to bound each read. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** A range this large is read only after a full collection, where one can be asked for. */
const COLLECT_BEFORE_BYTES = 32 * 1024 * 1024;

/** Archives up to this size are read whole: one read is cheaper than many small ones. */
export const READ_WHOLE_BELOW_BYTES = 64 * 1024 * 1024;

/**
 * The bytes of the file at `path`, read into a buffer allocated once at the file's size. A file
 * that grows while it is read is read up to the size it had when opened; one that shrinks gives
 * the bytes that were there.
 *
 * @param path The file.
 * @returns Its bytes.
 * @throws The file system's errors (`Deno.errors.NotFound`, `IsADirectory`, …) as they are.
 * @example
 * ```ts ignore
 * import { readFileBytes } from "./archive_file.ts";
 * const bytes = await readFileBytes("corpus/pyodide-0.27.7/orjson.whl");
 * ```
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  return await readOpenFile(path, file, await file.stat());
}

/** The bytes of an open file whose `stat` is `info`, into one buffer of its size. */
async function readOpenFile(
  path: string,
  file: Deno.FsFile,
  info: Deno.FileInfo,
): Promise<Uint8Array> {
  const { size, isFile } = info;
  // Pipes, devices and /proc files report no useful size: read them the usual way.
  if (!isFile || size === 0) return await Deno.readFile(path);
  const bytes = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const n = await file.read(bytes.subarray(at, Math.min(size, at + CHUNK_BYTES)));
    if (n === null) break;
    at += n;
  }
  return at === size ? bytes : bytes.slice(0, at);
}

/** An archive opened for reading: its bytes, and `close` once the readers are done with them. */
export interface OpenedArchive {
  bytes: ArchiveBytes;
  close(): void;
}

/** A file that changed size or vanished while it was read range by range. */
export class ArchiveChangedError extends Error {
  constructor(readonly path: string, readonly offset: number, readonly detail: string) {
    super(`${path} changed while it was read (at byte ${offset}): ${detail}`);
    this.name = "ArchiveChangedError";
  }
}

/**
 * A file read on demand: each `subarray(start, end)` reads that range. Readers ask for the end
 * record, the central directory, then one member at a time.
 */
class FileRanges implements ArchiveBytes {
  #file: Deno.FsFile | undefined;
  constructor(file: Deno.FsFile, readonly length: number, readonly path: string) {
    this.#file = file;
  }

  subarray(start: number, end: number): Uint8Array {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    // Members of a large archive are read one at a time and dropped, but V8 collects large
    // buffers late: four dead 100 MB members were still held when the next was read. Where
    // the process exposes `gc` (the conform task does), free them before reading another.
    if (to - from >= COLLECT_BEFORE_BYTES) (globalThis as { gc?: () => void }).gc?.();
    const out = new Uint8Array(to - from);
    this.#fill(from, out);
    return out;
  }

  readInto(start: number, target: Uint8Array): number {
    const from = Math.max(0, Math.min(start, this.length));
    const count = Math.min(target.length, this.length - from);
    this.#fill(from, target.subarray(0, count));
    return count;
  }

  /** Read `out.length` bytes at `from` into `out`, or fail if the file got shorter. */
  #fill(from: number, out: Uint8Array): void {
    const file = this.#file;
    if (!file) throw new ArchiveChangedError(this.path, from, "the archive was closed");
    file.seekSync(from, Deno.SeekMode.Start);
    let at = 0;
    while (at < out.length) {
      const n = file.readSync(out.subarray(at, Math.min(out.length, at + CHUNK_BYTES)));
      if (n === null || n === 0) {
        throw new ArchiveChangedError(
          this.path,
          from + at,
          `the file ends before the ${this.length} bytes it had when opened`,
        );
      }
      at += n;
    }
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/**
 * Open an archive for the readers: read whole when it is small ({@linkcode READ_WHOLE_BELOW_BYTES}
 * or less), else read range by range from the file, so a run holds one member of a large wheel at
 * a time. Either way the readers see the same bytes and give the same facts.
 *
 * @param path The archive.
 * @param options `readWholeBelow`: the size up to which the file is read whole.
 * @returns The bytes, and `close` (call it when done; reading after it throws).
 * @throws The file system's errors as they are.
 * @example
 * ```ts ignore
 * import { openArchiveFile } from "./archive_file.ts";
 * const archive = await openArchiveFile("big-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl");
 * try {
 *   console.log(readZipDirectory(archive.bytes).entries.length);
 * } finally {
 *   archive.close();
 * }
 * ```
 */
export async function openArchiveFile(
  path: string,
  options: { readWholeBelow?: number } = {},
): Promise<OpenedArchive> {
  const file = await Deno.open(path, { read: true });
  let info: Deno.FileInfo;
  try {
    info = await file.stat();
  } catch (e) {
    file.close();
    throw e;
  }
  if (!info.isFile || info.size <= (options.readWholeBelow ?? READ_WHOLE_BELOW_BYTES)) {
    try {
      return { bytes: await readOpenFile(path, file, info), close: () => {} };
    } finally {
      file.close();
    }
  }
  const ranges = new FileRanges(file, info.size, path);
  return { bytes: ranges, close: () => ranges.close() };
}
