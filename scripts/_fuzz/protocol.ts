/**
 * Messages between the fuzz driver and its workers, and the counters they exchange.
 *
 * @module
 */
import { type Outcome, reasonShape, type SeedSet, type Target } from "./cases.ts";

/** Counts for a set of cases. */
export interface ChunkStats {
  cases: number;
  facts: number;
  typed: number;
  other: number;
  perTarget: Record<string, { cases: number; facts: number; typed: number; other: number }>;
  typedByClass: Record<string, number>;
  /** Distinct typed-error reasons (numbers and names blanked) and how often each came. */
  reasons: Record<string, number>;
  /** The case whose reader took longest (building the input excluded). */
  slowest: { ms: number; caseId: number; target: string };
}

/** Heartbeat layout: per worker slot, [beat counter, current case id, phase]. */
export const HEARTBEAT_INTS = 3;
/** Phases a worker reports, so a hang names where it happened. */
export const PHASES = ["building the input", "running the reader", "minimizing"] as const;

/** An "other exception" case, with its original and minimized input. */
export interface FailureRecord {
  caseId: number;
  target: Target;
  file: string;
  seedName: string;
  ops: string[];
  cpythonSuffix?: string;
  outcome: Outcome;
  input: Uint8Array | string;
  minimized: Uint8Array | string;
  minimizedOutcome: Outcome;
}

/** Test hooks: a case that never ends, one that takes `ms` longer, one that "crashes". */
export interface Injections {
  hangAt?: number;
  slowAt?: { caseId: number; ms: number };
  crashAt?: number;
}

/** Messages to the worker. */
export type ToWorker =
  | {
    type: "init";
    seeds: SeedSet;
    targets: Target[];
    seed: number;
    heartbeat: SharedArrayBuffer;
    slot: number;
    minimize: { maxAttempts: number; maxMillis: number };
    inject?: Injections;
  }
  | { type: "run"; from: number; to: number };

/** Messages from the worker. */
export type FromWorker =
  | { type: "ready" }
  | { type: "done"; from: number; to: number; stats: ChunkStats; failures: FailureRecord[] };

/** Empty counters. */
export function emptyStats(): ChunkStats {
  return {
    cases: 0,
    facts: 0,
    typed: 0,
    other: 0,
    perTarget: {},
    typedByClass: {},
    reasons: {},
    slowest: { ms: 0, caseId: -1, target: "" },
  };
}

/** Adds one outcome to the counters. */
export function countOutcome(stats: ChunkStats, target: string, out: Outcome): void {
  stats.cases++;
  const t = stats.perTarget[target] ??= { cases: 0, facts: 0, typed: 0, other: 0 };
  t.cases++;
  if (out.kind === "facts") {
    stats.facts++;
    t.facts++;
  } else if (out.kind === "typed") {
    stats.typed++;
    t.typed++;
    stats.typedByClass[out.errorClass] = (stats.typedByClass[out.errorClass] ?? 0) + 1;
    const shape = `${out.errorClass}: ${reasonShape(out.reason)}`;
    stats.reasons[shape] = (stats.reasons[shape] ?? 0) + 1;
  } else {
    stats.other++;
    t.other++;
  }
}

/** Adds `b`'s counters into `a`. */
export function mergeStats(a: ChunkStats, b: ChunkStats): void {
  a.cases += b.cases;
  a.facts += b.facts;
  a.typed += b.typed;
  a.other += b.other;
  for (const [k, v] of Object.entries(b.perTarget)) {
    const t = a.perTarget[k] ??= { cases: 0, facts: 0, typed: 0, other: 0 };
    t.cases += v.cases;
    t.facts += v.facts;
    t.typed += v.typed;
    t.other += v.other;
  }
  for (const [k, v] of Object.entries(b.typedByClass)) {
    a.typedByClass[k] = (a.typedByClass[k] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(b.reasons)) a.reasons[k] = (a.reasons[k] ?? 0) + v;
  if (b.slowest.ms > a.slowest.ms) a.slowest = { ...b.slowest };
}
