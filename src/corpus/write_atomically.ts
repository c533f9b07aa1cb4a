/**
 * The one way the harness writes a cache or output file: readers, concurrent runs and a run
 * killed halfway never see it half-written.
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * Write `data` to a temporary file beside `path` (the directory is created when missing) and
 * rename it over `path`; the temporary file is removed when anything fails. Two runs writing
 * the same content-addressed file race only to the rename, and either result is whole.
 *
 * @example
 * ```ts ignore
 * import { writeFileAtomically } from "./write_atomically.ts";
 * await writeFileAtomically(".cache/facts/x.json", JSON.stringify({ ok: true }));
 * ```
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${crypto.randomUUID()}`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
