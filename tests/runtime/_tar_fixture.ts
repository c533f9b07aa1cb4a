/**
 * Builds tar / tar.gz archives for tests, and a fake `npm` that "packs" a given tarball.
 *
 * @module
 */
import { join } from "node:path";

export interface FixtureEntry {
  name: string;
  data?: Uint8Array | string;
  /** tar typeflag: "0" file (default), "5" dir, "2" symlink, "x" pax header, "L" GNU long name. */
  type?: string;
  linkname?: string;
}

const enc = new TextEncoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One 512-byte ustar header (name ≤ 100 bytes) with a correct checksum. */
export function tarHeader(name: string, size: number, type: string, linkname = ""): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(name).subarray(0, 100), 0);
  h.set(enc.encode(octal(0o644, 8)), 100);
  h.set(enc.encode(octal(0, 8)), 108);
  h.set(enc.encode(octal(0, 8)), 116);
  h.set(enc.encode(octal(size, 12)), 124);
  h.set(enc.encode(octal(0, 12)), 136);
  h[156] = type.charCodeAt(0);
  h.set(enc.encode(linkname).subarray(0, 100), 157);
  h.set(enc.encode("ustar\0"), 257);
  h.set(enc.encode("00"), 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return h;
}

/** A pax extended header record set `{path}`. */
export function paxData(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    text += `${len}${body}`;
  }
  return enc.encode(text);
}

/** An uncompressed tar of `entries`, ended by two zero blocks. */
export function makeTar(entries: FixtureEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0);
    parts.push(tarHeader(e.name, data.length, e.type ?? "0", e.linkname));
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** gzip bytes with the platform's CompressionStream. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Write a fake `npm` into `dir` that answers `npm pack SPEC --pack-destination DEST --json` by
 * copying `tgzPath` into DEST, as the real one does. Returns its path.
 */
export async function writeFakeNpm(dir: string, tgzPath: string): Promise<string> {
  const path = join(dir, "fake-npm");
  const script = [
    "#!/bin/sh",
    'dest=""',
    'while [ $# -gt 0 ]; do if [ "$1" = "--pack-destination" ]; then dest="$2"; fi; shift; done',
    `cp '${tgzPath}' "$dest/fake-1.0.0.tgz"`,
    `echo '[{"filename":"fake-1.0.0.tgz"}]'`,
  ].join("\n") + "\n";
  await Deno.writeTextFile(path, script);
  await Deno.chmod(path, 0o755);
  return path;
}
