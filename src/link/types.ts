/**
 * Outcomes of the link check, with evidence.
 *
 * @module
 */
import type { FuncType } from "../wasm/types.ts";

/** Outcome classes, exactly as DESIGN.md defines them. Order: best to worst for aggregation. */
export const OUTCOME_CLASSES = [
  "links",
  "soft",
  "python-mismatch",
  "unresolved",
  "loader-mismatch",
  "link-error",
  "trap",
  "invalid",
] as const;
export type OutcomeClass = typeof OUTCOME_CLASSES[number];

/** One piece of evidence behind an outcome. */
export interface LinkEvidence {
  kind:
    | "unresolved-function"
    | "unresolved-got"
    | "allowed"
    | "weak"
    | "type-mismatch"
    | "tag-mismatch"
    | "memory-mismatch"
    | "global-mismatch"
    | "table-mismatch"
    | "unknown-module"
    | "v8-link-error"
    | "loader-capability"
    | "abi-feature"
    | "trap"
    /**
     * Added: relocations or constructors called a main function the stub does not emulate, so
     * the rest of them did not run. Inconclusive, not a failure: the function exists with the
     * right type (V8 checked it), only its behaviour is out of the stub's reach.
     */
    | "stub-call"
    | "timeout"
    | "invalid"
    | "python-version"
    | "needed-missing";
  /** The side module member this is about. */
  member?: string;
  symbol?: string;
  module?: string;
  importIndex?: number;
  sideType?: FuncType | string;
  mainType?: FuncType | string;
  message: string;
  /** For `allowed`: the allow-list reason. */
  reason?: string;
}

/** Outcome of one archive (all its side modules) against one runtime. */
export interface LinkOutcome {
  wheel: string;
  wheelSha256: string;
  runtime: string;
  outcome: OutcomeClass;
  /** Per side module outcome. */
  modules: {
    member: string;
    outcome: OutcomeClass;
    evidence: LinkEvidence[];
    /** What the link check alone found (equals `outcome` unless the Python version decided it). */
    linkOutcome?: OutcomeClass;
  }[];
  evidence: LinkEvidence[];
  /**
   * What the link check alone found, before a Python-version mismatch overrides the outcome
   * (added field; equals `outcome` when Python matches).
   */
  linkOutcome?: OutcomeClass;
  /** Milliseconds spent. */
  ms: number;
}
