/**
 * Sharded runs: which archives of a run one shard takes as its subjects (links, scores and
 * reports). Every shard still reads every input, so the libraries an archive NEEDs are chosen
 * from the whole run (`src/corpus/libraries_for.ts`, the `run` tier) and no verdict depends on
 * how the run was split; only the subjects are split.
 *
 * The split is by content: the first 16 hex digits of an archive's sha256, read as a 64-bit
 * integer `h`, put it in shard `floor(h × N / 2^64) + 1` of `N`. That cuts the hash space into
 * `N` equal ranges, so the split is uniform (up to one part in 2^64 / N), does not depend on
 * file names, paths or input order, and nests: shard `k` of `N` is exactly shards `2k − 1` and
 * `2k` of `2N`.
 *
 * @module
 */
import { sha256HexSync } from "../wheel/sha256_hex.ts";

/** One shard of a run: shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Most shards a run may be split into (far more than any CI matrix runs). */
export const MAX_SHARD_COUNT = 4096;

/** A shard that names no part of a run: `count` not in 1..MAX_SHARD_COUNT or `index` not in 1..count. */
export class InvalidShardError extends Error {
  readonly index: number;
  readonly count: number;
  constructor(index: number, count: number) {
    super(
      !Number.isInteger(count) || count < 1 || count > MAX_SHARD_COUNT
        ? `a run splits into 1 to ${MAX_SHARD_COUNT} shards, not ${count}`
        : `shard ${index}/${count} does not exist: the shard index runs from 1 to ${count}`,
    );
    this.name = "InvalidShardError";
    this.index = index;
    this.count = count;
  }
}

/**
 * Refuse a shard that names no part of a run.
 *
 * @throws {InvalidShardError} when `count` is not an integer in 1..MAX_SHARD_COUNT or `index`
 *   not an integer in 1..count
 * @example
 * ```ts
 * import { checkShard } from "./shard.ts";
 * checkShard({ index: 2, count: 4 }); // fine
 * ```
 */
export function checkShard(shard: ShardSpec): void {
  const { index, count } = shard;
  if (
    !Number.isInteger(count) || count < 1 || count > MAX_SHARD_COUNT ||
    !Number.isInteger(index) || index < 1 || index > count
  ) {
    throw new InvalidShardError(index, count);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The shard (1-based) of `count` that an archive with this sha256 belongs to.
 *
 * @param sha256 64 lower-case hex digits: the archive's content hash (its shard key)
 * @param count how many shards the run is split into
 * @throws {InvalidShardError} for a bad count; {@linkcode TypeError} when `sha256` is no hash
 * @example
 * ```ts
 * import { shardOfKey } from "./shard.ts";
 * console.assert(shardOfKey("0".repeat(64), 4) === 1);
 * console.assert(shardOfKey("f".repeat(64), 4) === 4);
 * ```
 */
export function shardOfKey(sha256: string, count: number): number {
  checkShard({ index: 1, count });
  if (!SHA256_HEX.test(sha256)) throw new TypeError(`not a sha256 hex digest: "${sha256}"`);
  // BigInt keeps all 64 bits: a Number would round the product and move keys near a boundary.
  const h = BigInt(`0x${sha256.slice(0, 16)}`);
  return Number((h * BigInt(count)) >> 64n) + 1;
}

/**
 * The shard key of one input: the sha256 of its bytes when they could be read, else the
 * catalogue's sha256 of the file, else (a file neither readable nor catalogued) the sha256 of
 * its name, so that every input, even an unreadable one, is reported by exactly one shard.
 *
 * @example
 * ```ts
 * import { shardKeyOf } from "./shard.ts";
 * console.assert(shardKeyOf({ file: "gone.whl" }).length === 64);
 * ```
 */
export function shardKeyOf(
  input: { file: string; bytesSha256?: string; catalogueSha256?: string },
): string {
  return input.bytesSha256 ?? input.catalogueSha256 ??
    sha256HexSync(new TextEncoder().encode(`file:${input.file}`));
}
