/**
 * Measures the inflaters the wheel reader could use, on the members it really needs (side modules
 * and metadata). `scripts/bench.ts` calls {@link benchmarkInflaters}; the fastest one is the one
 * `read_zip.ts` uses on the hot path.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { readZipDirectory } from "./read_zip.ts";
import { locateMemberData } from "./read_zip.ts";
import type { ZipEntry } from "./types.ts";

/** One archive to measure with: a name for messages and its bytes. */
export interface BenchFile {
  name: string;
  bytes: Uint8Array;
}

/** Options of {@link benchmarkInflaters}. */
export interface BenchmarkOptions {
  /** Rounds per inflater; the fastest round counts. Default 3. */
  rounds?: number;
}

const SIDE_MODULE_NAME = /\.(?:so(?:\.[0-9]+)*|wasm)$/;
const METADATA_NAME = /(?:^|\.dist-info\/)(?:WHEEL|METADATA|RECORD|top_level\.txt)$/;

/**
 * True for the members the wheel reader always inflates: side modules by name and metadata files.
 *
 * @param name Member path.
 * @returns Whether the member is read in full.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNeededMember } from "./bench_inflate.ts";
 * assert.ok(isNeededMember("a-1.0.dist-info/WHEEL") && isNeededMember("a/_b.so.1"));
 * assert.ok(!isNeededMember("a/__init__.py"));
 * ```
 */
export function isNeededMember(name: string): boolean {
  return SIDE_MODULE_NAME.test(name) || METADATA_NAME.test(name);
}

async function inflateWithStream(data: Uint8Array, expected: number): Promise<Uint8Array> {
  const stream = new DecompressionStream("deflate-raw");
  const writer = stream.writable.getWriter();
  // Not awaited: the readable side must be drained concurrently or the write never settles.
  const written = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const out = new Uint8Array(expected);
  let offset = 0;
  for await (const chunk of stream.readable) {
    if (offset + chunk.length > expected) throw new RangeError("output past the declared size");
    out.set(chunk, offset);
    offset += chunk.length;
  }
  await written;
  return out;
}

function selectMembers(
  files: BenchFile[],
): { file: BenchFile; entry: ZipEntry; data: Uint8Array }[] {
  const out = [];
  for (const file of files) {
    const directory = readZipDirectory(file.bytes, { file: file.name });
    for (const entry of directory.entries) {
      if (entry.isDirectory || entry.method !== 8 || !isNeededMember(entry.name)) continue;
      const [start, end] = locateMemberData(file.bytes, entry, { file: file.name });
      out.push({ file, entry, data: file.bytes.subarray(start, end) });
    }
  }
  return out;
}

async function fastest(rounds: number, run: () => Promise<void> | void): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best * 10) / 10;
}

/**
 * Inflates every deflated side-module and metadata member of the given archives with each
 * candidate inflater and returns the best time of each, in milliseconds.
 *
 * Keys: `members` and `bytes` (what was inflated), `node:zlib inflateRawSync`,
 * `node:zlib inflateRawSync, default chunks`,
 * `DecompressionStream deflate-raw`, `jszip` (its `loadAsync` of each archive plus inflating the
 * same members), and for the hash of those members `sha256 node:crypto` and
 * `sha256 crypto.subtle`.
 *
 * @param files Archives (wheels or `.zip` packages).
 * @param options Rounds per candidate.
 * @returns Milliseconds per candidate plus the member and byte counts.
 * @example
 * ```ts ignore
 * const times = await benchmarkInflaters([{ name: "x.whl", bytes }]);
 * console.log(times["node:zlib inflateRawSync"], times["jszip"]);
 * ```
 */
export async function benchmarkInflaters(
  files: BenchFile[],
  options: BenchmarkOptions = {},
): Promise<Record<string, number>> {
  const rounds = options.rounds ?? 3;
  const members = selectMembers(files);
  const result: Record<string, number> = {
    members: members.length,
    bytes: members.reduce((sum, m) => sum + m.entry.uncompressedSize, 0),
  };
  // Same options as `inflateMember`: one output chunk one byte larger than declared, so zlib
  // finishes in one call (default 16 KiB chunks cost about 40 % more).
  const inflate = (m: (typeof members)[number]) =>
    inflateRawSync(m.data, {
      chunkSize: Math.max(64, m.entry.uncompressedSize + 1),
      maxOutputLength: Math.max(1, m.entry.uncompressedSize),
    });
  result["node:zlib inflateRawSync"] = await fastest(rounds, () => {
    for (const m of members) inflate(m);
  });
  result["node:zlib inflateRawSync, default chunks"] = await fastest(rounds, () => {
    for (const m of members) inflateRawSync(m.data);
  });
  result["DecompressionStream deflate-raw"] = await fastest(rounds, async () => {
    for (const m of members) await inflateWithStream(m.data, m.entry.uncompressedSize);
  });
  const byFile = new Map<BenchFile, string[]>();
  for (const m of members) byFile.set(m.file, [...byFile.get(m.file) ?? [], m.entry.name]);
  // Loaded here only: the readers never need jszip, so importing this module stays cheap.
  const { default: JSZip } = await import("jszip");
  result["jszip"] = await fastest(rounds, async () => {
    for (const [file, names] of byFile) {
      const zip = await JSZip.loadAsync(file.bytes);
      for (const name of names) await zip.file(name)!.async("uint8array");
    }
  });
  const inflated = members.map(inflate);
  result["sha256 node:crypto"] = await fastest(rounds, () => {
    for (const bytes of inflated) createHash("sha256").update(bytes).digest("hex");
  });
  result["sha256 crypto.subtle"] = await fastest(rounds, async () => {
    for (const bytes of inflated) {
      await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
    }
  });
  return result;
}
