/**
 * The conform report: everything one run observed and concluded, as versioned plain data.
 * Every renderer (text, Markdown, JSON, JUnit, HTML) reads only this.
 *
 * @module
 */
import type { LinkEvidence, OutcomeClass } from "../link/types.ts";

/** How a policy's prediction for one pair compares with what was observed. */
export type PairVerdict =
  | "correct-accept"
  | "correct-reject"
  | "unsafe-accept"
  | "needless-reject"
  | "defective"
  | "inconclusive"
  | "input-error";

export interface ReportRuntime {
  version: string;
  python: string;
  emscripten: string;
  abiVersion?: string;
  platformTag: string;
  releaseDate?: string;
  /** Set when the runtime could not be obtained; the rest of the run goes on without it. */
  unavailable?: string;
}

export interface ReportWheel {
  file: string;
  sha256: string;
  kind: string;
  /** Catalogue runtime this wheel was built for (absent for wheels outside the catalogue). */
  builtFor?: string;
  /** Wheel tags from the filename, e.g. `cp312-cp312-pyodide_2024_0_wasm32`. */
  tags: string[];
  /** Profile fields that were inferred rather than read from a catalogue. */
  inferred: string[];
  /** Set when the wheel could not be read; it then has no outcomes. */
  inputError?: string;
  /** Fails even on the runtime it was built for: scored apart. */
  defective?: boolean;
}

/** One wheel × runtime observation. */
export interface ReportOutcome {
  wheel: string;
  runtime: string;
  outcome: OutcomeClass;
  /** Short one-line summary of the evidence, e.g. `env._PyLong_AsByteArray: (i32 ×5) -> i32 vs (i32 ×6) -> i32`. */
  summary: string;
  evidence: LinkEvidence[];
  /** Real-runtime result when this pair was in the oracle sample. */
  oracle?: ReportOracleResult;
}

export interface ReportOracleResult {
  /** Real runtime: does the wheel load and import? `null`: inconclusive (see `message`). */
  works: boolean | null;
  /** Class of what happened, e.g. `ok`, `link-error`, `unresolved`, `python-exception`, `timeout`. */
  status: string;
  message: string;
  agrees: boolean;
  /** For disagreements: `stub-stricter`, `stub-missed-break`, `other`; `inconclusive` when `works` is null. */
  disagreement?: string;
}

export interface ReportPrediction {
  wheel: string;
  runtime: string;
  wheelTag: string;
  runtimeTags: string[];
  install: boolean;
  verdict: PairVerdict;
  rule: string;
  /** Why the policy decided so, in one sentence. */
  reason?: string;
}

export interface ReportCounterExample {
  wheel: string;
  runtime: string;
  wheelTag: string;
  runtimeTag: string;
  outcome: OutcomeClass;
  kind: "unsafe-accept" | "needless-reject";
  evidence: string;
}

export interface ReportPolicy {
  id: string;
  title: string;
  file: string;
  source: { title: string; url?: string }[];
  /** No unsafe accept. */
  correct: boolean;
  rank: number;
  unsafeAccepts: number;
  needlessRejects: number;
  correctAccepts: number;
  correctRejects: number;
  /** Pairs with an inconclusive outcome (`missing-dependency`), scored apart. */
  inconclusive?: number;
  tagCount: number;
  counterExamples: ReportCounterExample[];
  predictions: ReportPrediction[];
}

export interface ReportAgreement {
  sample: string;
  pairs: number;
  agreeing: number;
  byClass: Record<string, { pairs: number; agreeing: number }>;
  /** Every pair where the link engine and the real runtime disagree, with both sides' messages. */
  disagreements?: ReportDisagreement[];
  /** Pairs whose real-runtime result was inconclusive (time-out, runner error), not counted. */
  inconclusive?: { wheel: string; runtime: string; status: string; reason: string }[];
}

export interface ReportDisagreement {
  wheel: string;
  runtime: string;
  /** `stub-stricter`, `stub-missed-break` or `other`. */
  kind: string;
  linkOutcome: string;
  linkMessage: string;
  oracleStatus: string;
  oracleMessage: string;
  /** The break is one no link check can see (same types, different behaviour). */
  invisibleToLinkCheck: boolean;
  explanation: string;
}

/** The JSON report, `version: 1`; see `src/report/schema.json`. */
export interface ConformReport {
  version: 1;
  harnessVersion: string;
  generatedAt: string;
  runtimes: ReportRuntime[];
  wheels: ReportWheel[];
  outcomes: ReportOutcome[];
  policies: ReportPolicy[];
  /** Runtimes grouped so that every non-defective wheel behaves the same within a group. */
  equivalenceClasses: { runtimes: string[]; separatedFromNextBy: string[] }[];
  agreement?: ReportAgreement;
  errors: { input: string; message: string }[];
  durationMs: number;
}
