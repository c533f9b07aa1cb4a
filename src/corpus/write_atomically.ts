/**
 * The one way the harness writes a cache or output file: readers, concurrent runs and a run
 * killed halfway never see it half-written.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { dirname, join } from "node:path";
import type { ArchiveBytes } from "../wheel/types.ts";
import { chunksOf } from "../wheel/sha256_hex.ts";

/**
 * Write `data` to a temporary file beside `path` (the directory is created when missing) and
 * rename it over `path`; the temporary file is removed when anything fails. Two runs writing
 * the same content-addressed file race only to the rename, and either result is whole. An
 * archive read on demand ({@linkcode ArchiveBytes}) is written range by range; with
 * `expectSha256`, the bytes written are hashed as they go and must have that hash (a file that
 * changed while it was copied is never renamed into place).
 *
 * @example
 * ```ts ignore
 * import { writeFileAtomically } from "./write_atomically.ts";
 * await writeFileAtomically(".cache/facts/x.json", JSON.stringify({ ok: true }));
 * ```
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array | ArchiveBytes,
  options: { expectSha256?: string } = {},
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${crypto.randomUUID()}`);
  const hash = options.expectSha256 === undefined ? undefined : createHash("sha256");
  try {
    if (typeof data === "string") {
      hash?.update(data);
      await Deno.writeTextFile(temp, data);
    } else if (data instanceof Uint8Array) {
      hash?.update(data);
      await Deno.writeFile(temp, data);
    } else {
      await writeRanges(temp, data, hash);
    }
    const actual = hash?.digest("hex");
    if (actual !== options.expectSha256) {
      throw new Error(
        `${path}: the bytes written have sha256 ${actual}, not ${options.expectSha256}`,
      );
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

async function writeRanges(path: string, data: ArchiveBytes, hash?: Hash): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  for (const chunk of chunksOf(data)) {
    hash?.update(chunk);
    for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
  }
}
