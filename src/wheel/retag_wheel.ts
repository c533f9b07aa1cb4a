/**
 * Give a wheel a new platform tag, as `auditwheel repair` does after its checks: the tag in the
 * file name and in `WHEEL`, and `RECORD` hashed again. Pure: bytes in, bytes out.
 *
 * @module
 */
import { createHash } from "node:crypto";
import JSZip from "jszip";
import { parseWheelFilename } from "./parse_wheel_filename.ts";

/** A wheel that cannot be retagged (no `.dist-info/WHEEL`, an unparsable name). */
export class RetagError extends Error {
  readonly file: string;
  readonly member?: string;
  constructor(file: string, message: string, member?: string) {
    super(`${file}${member ? ` (${member})` : ""}: ${message}`);
    this.name = "RetagError";
    this.file = file;
    if (member !== undefined) this.member = member;
  }
}

/** RECORD's hash field, as `readWheel` checks it: sha256, base64url without padding. */
function recordHash(bytes: Uint8Array): string {
  return `sha256=${createHash("sha256").update(bytes).digest("base64url")}`;
}

/**
 * The wheel with every platform tag replaced by `platform`: file name, `Tag:` lines of `WHEEL`
 * (interpreter and ABI tags kept), and a `RECORD` whose rows for changed members are hashed again.
 *
 * @example
 * ```ts ignore
 * const { filename, bytes } = await retagWheel(file, await Deno.readFile(file), "emscripten_3_1_58_wasm32");
 * ```
 */
export async function retagWheel(
  file: string,
  bytes: Uint8Array,
  platform: string,
): Promise<{ filename: string; bytes: Uint8Array }> {
  const base = file.split(/[\\/]/).pop()!;
  const name = parseWheelFilename(base);
  if (!/^[a-z0-9_]+$/i.test(platform)) throw new RetagError(base, `"${platform}" is not a tag`);
  const pairs = [...new Set(name.tags.map((t) => `${t.interpreter}-${t.abi}`))];
  const interpreters = [...new Set(name.tags.map((t) => t.interpreter))].join(".");
  const abis = [...new Set(name.tags.map((t) => t.abi))].join(".");
  const build = name.build ? `-${name.build[0]}${name.build[1]}` : "";
  const filename = `${
    base.split("-").slice(0, 2).join("-")
  }${build}-${interpreters}-${abis}-${platform}.whl`;
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (e) {
    throw new RetagError(base, `not a zip archive: ${(e as Error).message}`);
  }
  const wheelMember = Object.keys(zip.files).find((m) => /^[^/]+\.dist-info\/WHEEL$/.test(m));
  if (!wheelMember) throw new RetagError(base, "no .dist-info/WHEEL member");
  const recordMember = wheelMember.replace(/WHEEL$/, "RECORD");
  const wheelText = await zip.file(wheelMember)!.async("string");
  const lines = wheelText.split(/\r?\n/).filter((l) => !/^Tag:/i.test(l));
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const newWheel = new TextEncoder().encode(
    [...lines, ...pairs.map((p) => `Tag: ${p}-${platform}`)].join("\n") + "\n",
  );
  zip.file(wheelMember, newWheel);
  const record = zip.file(recordMember);
  if (record) {
    const rows = (await record.async("string")).split(/\r?\n/).filter(Boolean);
    const hash = recordHash(newWheel);
    const out = rows.map((row) => {
      const path = row.startsWith('"')
        ? JSON.parse(row.slice(0, row.indexOf('"', 1) + 1))
        : row.split(",")[0];
      return path === wheelMember ? `${wheelMember},${hash},${newWheel.length}` : row;
    });
    if (!out.some((r) => r.startsWith(`${wheelMember},`))) {
      out.push(`${wheelMember},${hash},${newWheel.length}`);
    }
    zip.file(recordMember, out.join("\n") + "\n");
  }
  const written = await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" });
  return { filename, bytes: written };
}
