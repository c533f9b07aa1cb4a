/**
 * The conform report: everything one run observed and concluded, as versioned plain data.
 * Every renderer (text, Markdown, JSON, JUnit, HTML) reads only this.
 *
 * @module
 */
import type { Judgement, LinkEvidence, OutcomeClass } from "../link/types.ts";
import type { PlatformProfile, Policy } from "../policy/types.ts";

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
  /**
   * The platform profile policies judge this runtime by (absent in reports written before
   * sharded runs): with the wheels' profiles, what `conform merge` scores again from.
   */
  profile?: PlatformProfile;
}

export interface ReportWheel {
  file: string;
  sha256: string;
  kind: string;
  /**
   * The runtime this wheel was built for: the catalogue's (from its distribution's lock), else
   * inferred from the wheel's own facts (see `builtForInferred`); absent when nothing tells.
   */
  builtFor?: string;
  /** How `builtFor` was inferred, for a wheel the catalogue does not place. */
  builtForInferred?: string;
  /** The link outcome on `builtFor`, checked whatever runtimes the run selected. */
  builtForOutcome?: string;
  /** That outcome in one line (the evidence a defective wheel is judged on). */
  builtForSummary?: string;
  /** Wheel tags from the filename, e.g. `cp312-cp312-pyodide_2024_0_wasm32`. */
  tags: string[];
  /** Profile fields that were inferred rather than read from a catalogue. */
  inferred: string[];
  /** Set when the wheel could not be read; it then has no outcomes. */
  inputError?: string;
  /** Fails even on the runtime it was built for: scored apart. */
  defective?: boolean;
  /** The real runtime's result on `builtFor`, where the oracle ran that pair. */
  builtForOracle?: ReportOracleResult;
  /**
   * How policies see a readable archive (absent for unreadable ones, and in reports written
   * before sharded runs): its build profile, the build tag of its file name, whether it has
   * side modules, and the flag bits they require. With `tags`, `builtFor` and
   * `builtForOutcome` this is the whole `WheelSubject` the scorer judges.
   */
  profile?: PlatformProfile;
  buildTag?: string;
  binary?: boolean;
  requiredBits?: number;
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

/** A verdict a pair can get when it is scored (not defective, not unreadable). */
export type ScoredVerdict =
  | "correct-accept"
  | "correct-reject"
  | "unsafe-accept"
  | "needless-reject"
  | "inconclusive";

export interface ReportPrediction {
  wheel: string;
  runtime: string;
  wheelTag: string;
  runtimeTags: string[];
  install: boolean;
  /** Verdict under the `load` judgement. */
  verdict: PairVerdict;
  /** Verdict under the `strict` judgement, only where it differs from `verdict`. */
  strictVerdict?: PairVerdict;
  /**
   * Pairs of a defective wheel only: the verdict under each judgement when the pair is scored
   * like any other (what `scores.<judgement>.withDefective` counts).
   */
  withDefective?: Record<Judgement, ScoredVerdict>;
  /** What decided whether the pair works: the link check, or the real runtime. */
  evidence?: "link" | "oracle";
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

/** How many pairs got each verdict. */
export interface ReportCounts {
  unsafeAccepts: number;
  needlessRejects: number;
  correctAccepts: number;
  correctRejects: number;
  /** Pairs with an inconclusive outcome (`missing-dependency`), scored apart. */
  inconclusive: number;
}

/** A policy under one judgement: counts without and with defective wheels, rank, verdict. */
export interface ReportJudgedScore {
  /** The ranking basis: pairs of defective wheels left out. */
  withoutDefective: ReportCounts;
  /** Pairs of defective wheels scored like any other. */
  withDefective: ReportCounts;
  /** 1-based rank under this judgement (counts without defective wheels); ties share a rank. */
  rank: number;
  /** No unsafe accept (without defective wheels). */
  correct: boolean;
}

/**
 * One policy. The top-level counts, `correct` and `rank` are the `load` judgement without
 * defective wheels; `scores` has both judgements, each without and with defective wheels.
 */
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
  /** Both judgements (absent in reports written before there were two). */
  scores?: Record<Judgement, ReportJudgedScore>;
  /** Under `load`, without defective wheels. */
  counterExamples: ReportCounterExample[];
  /** One per wheel × runtime pair. */
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
  /** The decisive pairs, confirmed first within the time budget (the evidence ladder). */
  decisive?: ReportDecisive;
}

/**
 * The evidence ladder: the pairs that decide the ranking (unsafe accepts, pairs that separate the
 * top-ranked schemes, defective wheels on their own runtime) run in the real runtime first; a
 * conclusive result there decides the pair for scoring.
 */
export interface ReportDecisive {
  /** Decisive pairs found in the scores on link evidence. */
  pairs: number;
  /** Of those, run in the real runtime (fresh or from the oracle cache). */
  run: number;
  /** Of those run, the ones with a conclusive result (they decide their pair). */
  confirmed: number;
  /** Left out because the time budget ran out (a later run picks them up). */
  notRun: number;
  /** The budget, seconds; `null`: none. */
  budgetSeconds: number | null;
  /** Confirmed pairs where the real runtime contradicts the link check's `load` verdict. */
  overturned: {
    wheel: string;
    runtime: string;
    linkOutcome: string;
    oracleStatus: string;
    /** Alone, this result changes some policy's rank or verdict under some judgement. */
    changesRanking: boolean;
  }[];
  /** How many overturned pairs change the ranking on their own. */
  changedRanking: number;
  /** Policies whose rank or verdict differs between link evidence alone and the final scores. */
  moved: {
    policy: string;
    judgement: Judgement;
    from: { rank: number; correct: boolean };
    to: { rank: number; correct: boolean };
  }[];
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

/** What one shard of a sharded run (`conform --shard K/N`) was, for `conform merge`. */
export interface ReportShard {
  /** 1-based index of this shard. */
  index: number;
  /** How many shards the run was split into. */
  count: number;
  /**
   * Every input of the run in input order (every shard reads them all), with the sha256 that
   * placed it in its shard (see `src/runner/shard.ts`).
   */
  inputs: { file: string; shardKey: string }[];
  /** The oracle options: shards run with different ones do not merge. */
  oracle: { mode: string; seed: number; sampleSize: number; budgetMs: number | null };
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
  /**
   * The policies as loaded, in load order (absent in reports written before sharded runs):
   * what `conform merge` scores the union of the shards with.
   */
  policyDefinitions?: Policy[];
  /** Runtimes grouped so that every non-defective wheel behaves the same within a group. */
  equivalenceClasses: { runtimes: string[]; separatedFromNextBy: string[] }[];
  agreement?: ReportAgreement;
  errors: { input: string; message: string }[];
  /** Set when the report is one shard of a run; a merged or unsharded report has none. */
  shard?: ReportShard;
  durationMs: number;
}
