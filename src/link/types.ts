/**
 * Outcomes of the link check, with evidence.
 *
 * @module
 */
import type { FuncType } from "../wasm/types.ts";
import type { WheelFacts } from "../wheel/types.ts";

import type { EvidenceKind, OutcomeClass } from "./outcome_classes.ts";
export {
  classWorks,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type Judgement,
  JUDGEMENTS,
  OUTCOME_CLASS_INFO,
  OUTCOME_CLASSES,
  type OutcomeClass,
  type OutcomeClassInfo,
  worstClass,
} from "./outcome_classes.ts";

/** One piece of evidence behind an outcome. */
export interface LinkEvidence {
  /**
   * What it is about ({@linkcode EVIDENCE_KINDS}). `stub-call`: relocations or constructors
   * called a main function the check cannot run, so the rest of them did not run (never
   * `links`). `host-call`: they called a JS function of the glue that needs the real host
   * (sleep, DOM): recorded, the load goes on.
   */
  kind: EvidenceKind;
  /** The side module member this is about. */
  member?: string;
  /**
   * Only on the last entry of a capped list: how many more entries of this kind and module
   * were left out (`MAX_EVIDENCE_PER_MODULE`), so counts stay true.
   */
  omitted?: number;
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

/** One side module's bytes, by member path. */
export interface LinkModuleInput {
  member: string;
  bytes: Uint8Array;
  /**
   * Why the member cannot be a side module although it is named like one (empty, ELF, a
   * symlink entry): the loader tries it and fails, so it is `invalid`.
   */
  invalidReason?: string;
}

/** A shared-library package the wheel depends on: loaded first, with global scope. */
export interface LinkLibraryInput {
  file: string;
  /** Package name (lock file or METADATA), for lock-file `depends` lookups. */
  packageName?: string;
  facts: WheelFacts;
  modules: LinkModuleInput[];
}

export interface CheckLinkInput {
  wheel: WheelFacts;
  modules: LinkModuleInput[];
  libraries?: LinkLibraryInput[];
  /** Modules already compiled for this check, by compile key ({@linkcode precompileLinkInput}). */
  compiled?: Record<string, WebAssembly.Module>;
  /**
   * Compile key of each module (by sha256) as {@linkcode precompileLinkInput} computed it from
   * the full facts; needed when the facts were pruned ({@linkcode pruneLinkInput}).
   */
  compileKeys?: Record<string, CompileKey>;
}

/** How a module is compiled for a check: its key and the exports kept (absent: all). */
export interface CompileKey {
  key: string;
  keep?: ReadonlySet<string>;
  full?: boolean;
}
