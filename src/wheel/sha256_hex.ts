/**
 * SHA-256 of byte arrays, as lower-case hex.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ArchiveBytes } from "./types.ts";

/**
 * SHA-256 of `bytes` as lower-case hex.
 *
 * Uses `node:crypto`'s synchronous hash: on the side modules of the shared corpus it takes about
 * 60 % of the time of `crypto.subtle.digest` (see `benchmarkInflaters`). The result is a promise so
 * that callers do not depend on which one is used.
 *
 * @param bytes The data.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./sha256_hex.ts";
 * const hex = await sha256Hex(new TextEncoder().encode("abc"));
 * assert.ok(hex === "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * ```
 */
export function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Promise.resolve(sha256HexSync(bytes));
}

/**
 * Synchronous form of {@link sha256Hex}.
 *
 * @param bytes The data, whole or read on demand ({@linkcode ArchiveBytes}).
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256HexSync } from "./sha256_hex.ts";
 * assert.ok(sha256HexSync(new Uint8Array()).startsWith("e3b0c442"));
 * ```
 */
export function sha256HexSync(bytes: ArchiveBytes): string {
  const hash = createHash("sha256");
  if (bytes instanceof Uint8Array) return hash.update(bytes).digest("hex");
  // Read on demand: one chunk at a time, never the whole archive.
  for (const chunk of chunksOf(bytes)) hash.update(chunk);
  return hash.digest("hex");
}

/** Bytes per chunk of {@linkcode chunksOf}. */
export const ARCHIVE_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * An archive's bytes in order, `size` at a time. Where the source can fill a buffer
 * (`ArchiveBytes.readInto`), every chunk is the same reused buffer, valid until the next one is
 * asked for: a fresh buffer per chunk leaves the collector tens of MB to find. Consume each
 * chunk before asking for the next.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunksOf } from "./sha256_hex.ts";
 * const sizes = [...chunksOf(new Uint8Array(10), 4)].map((c) => c.length);
 * assert.deepEqual(sizes, [4, 4, 2]);
 * ```
 */
export function* chunksOf(bytes: ArchiveBytes, size = ARCHIVE_CHUNK_BYTES): Iterable<Uint8Array> {
  const buffer = bytes.readInto ? new Uint8Array(size) : undefined;
  for (let at = 0; at < bytes.length; at += size) {
    yield buffer
      ? buffer.subarray(0, bytes.readInto!(at, buffer))
      : bytes.subarray(at, Math.min(bytes.length, at + size));
  }
}
