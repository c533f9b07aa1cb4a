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
  // Read on demand: one chunk at a time, never the whole archive, into one reused buffer where
  // the source can fill it (a fresh buffer per chunk leaves the collector tens of MB to find).
  const buffer = bytes.readInto ? new Uint8Array(HASH_CHUNK_BYTES) : undefined;
  for (let at = 0; at < bytes.length; at += HASH_CHUNK_BYTES) {
    const end = Math.min(bytes.length, at + HASH_CHUNK_BYTES);
    hash.update(buffer ? buffer.subarray(0, bytes.readInto!(at, buffer)) : bytes.subarray(at, end));
  }
  return hash.digest("hex");
}

/** Bytes hashed per read of an archive read on demand. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;
