/**
 * Content-addressed cache of link outcomes: one JSON file per (wheel, libraries, runtime, engine)
 * key, written atomically and checked by its own digest, so an interrupted or concurrent run
 * never leaves a half-written verdict and a corrupt entry is rebuilt rather than trusted.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { LinkOutcome } from "../link/types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Everything a cached link outcome depends on. */
export interface OutcomeKeyParts {
  wheelSha256: string;
  librarySha256s: string[];
  runtimeMainSha256: string;
  engineVersion: string;
  allowListDigest: string;
}

/** The cache key of one pair. */
export function outcomeKey(parts: OutcomeKeyParts): string {
  return sha256(JSON.stringify([
    parts.wheelSha256,
    [...parts.librarySha256s].sort(),
    parts.runtimeMainSha256,
    parts.engineVersion,
    parts.allowListDigest,
  ]));
}

function pathOf(cacheDir: string, key: string): string {
  return join(cacheDir, "outcomes", key.slice(0, 2), `${key}.json`);
}

/**
 * A cached outcome, or undefined when absent or corrupt (a corrupt file is removed). An outcome
 * that hit its time limit is kept with that limit and served only to a run that allows no more
 * time: a run with a longer limit checks the pair again.
 */
export async function readCachedOutcome(
  cacheDir: string,
  key: string,
  options: { timeLimitMs?: number } = {},
): Promise<LinkOutcome | undefined> {
  const path = pathOf(cacheDir, key);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  try {
    const doc = JSON.parse(text) as {
      key: string;
      digest: string;
      outcome: LinkOutcome;
      timeLimitMs?: number;
    };
    const body = JSON.stringify(doc.outcome);
    if (doc.key === key && doc.digest === sha256(body + (doc.timeLimitMs ?? ""))) {
      const longer = doc.timeLimitMs !== undefined && options.timeLimitMs !== undefined &&
        options.timeLimitMs > doc.timeLimitMs;
      return longer ? undefined : doc.outcome;
    }
  } catch {
    // fall through: unreadable entries are rebuilt
  }
  await Deno.remove(path).catch(() => undefined);
  return undefined;
}

/**
 * Write an outcome atomically (temp file in the same directory, then rename); one that hit the
 * time limit is written with `timeLimitMs`, the limit it had.
 */
export async function writeCachedOutcome(
  cacheDir: string,
  key: string,
  outcome: LinkOutcome,
  options: { timeLimitMs?: number } = {},
): Promise<void> {
  const body = JSON.stringify(outcome);
  const limit = options.timeLimitMs;
  await writeFileAtomically(
    pathOf(cacheDir, key),
    JSON.stringify({
      key,
      digest: sha256(body + (limit ?? "")),
      outcome,
      ...(limit !== undefined ? { timeLimitMs: limit } : {}),
    }),
  );
}

/** Digest of an allow-list (or any JSON value), for cache keys. */
export function digestJson(value: unknown): string {
  return sha256(JSON.stringify(value)).slice(0, 16);
}
