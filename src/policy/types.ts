/**
 * Types of the policy stage: platform profiles, policies as loaded from YAML, and the
 * observations, predictions and scores that judge them. Plain data, JSON-serialisable.
 *
 * @module
 */
import type { OutcomeClass } from "../link/types.ts";
import type { Judgement } from "../link/outcome_classes.ts";

/** ABI-relevant flags of a build environment (or what a wheel requires of one). */
export interface AbiFlags {
  /** C++/Rust exception handling: JS (`invoke_*`), wasm exception tags, or none. */
  exceptions: "js" | "wasm" | "none";
  /** setjmp/longjmp flavour, as src/wasm/types.ts `AbiFeatures.setjmp` names it. */
  setjmp: "none" | "emscripten-js" | "wasm-sjlj" | "wasm-tag" | string;
  /** i64 crosses the JS boundary as BigInt (`-sWASM_BIGINT`). */
  bigint: boolean;
  /** pthreads: shared memory, atomics. */
  threads: boolean;
  simd: boolean;
  memory64: boolean;
}

/**
 * The facts of one build environment: a runtime, or the distribution a wheel was built for.
 * Fields absent here are unknown; a template that needs them assigns no tag. Treat a profile as
 * immutable once built: template values are memoised per profile object.
 */
export interface PlatformProfile {
  /** Pyodide version, e.g. "0.27.7". */
  pyodideVersion?: string;
  /** Release date, YYYY-MM-DD. */
  releaseDate?: string;
  /** CPython version, "major.minor.patch" (or "major.minor" when only that is known). */
  python?: string;
  /** Emscripten version "x.y.z". */
  emscripten?: string;
  /** Lock file `info.abi_version`, e.g. "2024_0"; absent before Pyodide 0.26. */
  abiVersion?: string;
  /** ABI year: from `abiVersion`, else derived (see `notes.abiYear`). */
  abiYear?: number;
  /** ABI patch: from `abiVersion`, else derived (see `notes.abiPatch`). */
  abiPatch?: number;
  /** Ordinal of this ABI among the ABIs of the same Python minor version (see `notes.pyPatch`). */
  pyPatch?: number;
  arch: "wasm32" | "wasm64";
  flags: AbiFlags;
  /** Fields that were inferred rather than read from a catalogue, e.g. `flags.exceptions`. */
  inferred: string[];
  /** How each inferred or derived field was obtained (field → one sentence). */
  notes: Record<string, string>;
}

/** Where a scheme was proposed or specified. */
export interface PolicySource {
  title: string;
  url?: string;
  /** A reference that is not a URL, e.g. `python/peps peps/pep-0783.rst@ba4deeb`. */
  ref?: string;
  note?: string;
}

/** One tag a runtime's installer accepts, in force for a range of Pyodide versions. */
export interface AcceptEntry {
  /** Template rendered over the runtime's profile. */
  tag: string;
  /** Version range of the runtime, e.g. `>=0.29.4` or `>=0.26.0,<0.29.4`; absent = always. */
  pyodide?: string;
  note?: string;
}

/** How a runtime decides that a wheel's tag is installable. */
export type InstallRule =
  | { rule: "exact" }
  | { rule: "aliases"; aliases: string[] }
  | { rule: "subset"; field: string }
  | { rule: "ordered"; key: string[] }
  | { rule: "accepts"; accepts: AcceptEntry[] };

/** A policy as loaded from `policies/<id>.yaml` (keys camel-cased). */
export interface Policy {
  id: string;
  title: string;
  description: string;
  source: PolicySource[];
  /** File the policy was loaded from, as given to `loadPolicies`. */
  file: string;
  /** `template`: each wheel gets the tag the policy computes from its profile; `filename`: the tag it ships with. */
  wheelTag: "template" | "filename";
  /** Platform tag template (required for `wheelTag: template`). */
  tag?: string;
  /** Python tag template, used for archives whose file name carries no Python tag. */
  pythonTag?: string;
  installable: InstallRule;
  /** The wheel's build tag must equal this template rendered over the runtime's profile. */
  buildTag?: { tag: string };
  /** Two-tier flow: builds carry `tag`; an audit relabels to `to` when `when` holds. */
  relabel?: { to: string; when: "link-ok-on-target" | "always" };
}

/** A wheel (or archive) as the scorer sees it. */
export interface WheelSubject {
  file: string;
  sha256: string;
  /** Build profile: of its distribution (catalogue) or inferred. */
  profile: PlatformProfile;
  /** Tags from the file name: full `interp-abi-platform` triples (or bare platform tags). */
  tags: string[];
  /** `interp-abi` pairs; when absent they are taken from `tags`. */
  pythonTags?: string[];
  /** Build tag from the file name, e.g. "1abc". */
  buildTag?: string;
  /** False for archives without side modules: platform-independent under `template` policies. */
  binary?: boolean;
  /** Flag bits the wheel's side modules require (see `requiredFlagBits`); default: the profile's. */
  requiredBits?: number;
  /** Runtime version the wheel was built for (catalogue, else inferred). */
  builtFor?: string;
  /**
   * The wheel's outcome on `builtFor`, checked whatever runtimes a run selects: the relabel
   * audit reads it first, so a scheme's tags do not depend on the scope of the run.
   */
  builtForOutcome?: OutcomeClass;
  /** A conclusive real-runtime run of the wheel on `builtFor`: decides whether it is defective. */
  builtForOracleWorks?: boolean;
}

export interface RuntimeSubject {
  version: string;
  profile: PlatformProfile;
}

/** One observed wheel × runtime outcome. */
export interface Observation {
  wheel: WheelSubject;
  runtime: RuntimeSubject;
  outcome: OutcomeClass;
  /** One-line evidence summary. */
  evidence: string;
  /** Runtime version the wheel was built for; overrides `wheel.builtFor`. */
  builtForRuntime?: string;
  /**
   * A conclusive run of the pair in the real runtime: whether it loaded, imported and passed its
   * smoke calls. Where present it decides the pair (see `observedWorks`).
   */
  oracleWorks?: boolean;
}

/** A policy's prediction for one wheel × runtime pair. */
export interface Prediction {
  install: boolean;
  /** Platform tag the policy gives the wheel ("" when it cannot assign one). */
  wheelTag: string;
  /** Platform tags the runtime accepts under the policy. */
  runtimeTags: string[];
  /** The matching rule applied, e.g. `aliases`, `subset(required_bits)`, `exact+build-tag`. */
  rule: string;
  /** Why, in one sentence. */
  reason: string;
}

export type PairVerdictKind =
  | "correct-accept"
  | "correct-reject"
  | "unsafe-accept"
  | "needless-reject";

export interface PairPrediction extends Prediction {
  wheel: string;
  runtime: string;
  outcome: OutcomeClass;
  /** Does the pair work under the score's judgement? */
  works: boolean;
  /**
   * Verdict under the score's judgement. `defective`: the wheel fails at load on its own runtime
   * (see `withDefective`); `inconclusive`: nothing is known of the pair (`missing-dependency`).
   */
  verdict: PairVerdictKind | "defective" | "inconclusive";
  /**
   * Pairs of a defective wheel only: the verdict when the pair is scored like any other (what
   * the score's `withDefective` counts count).
   */
  withDefective?: PairVerdictKind | "inconclusive";
  /** What decided whether the pair works: the link check (`oracle`: the real runtime). */
  evidence: "link" | "oracle";
}

export interface CounterExample {
  wheel: string;
  runtime: string;
  wheelTag: string;
  runtimeTag: string;
  outcome: OutcomeClass;
  evidence: string;
  kind: "unsafe-accept" | "needless-reject";
  reason: string;
}

/** A wheel that fails even on the runtime it was built for. */
export interface DefectiveWheel {
  wheel: string;
  sha256: string;
  builtFor: string;
  outcome: OutcomeClass;
  evidence: string;
}

/** How many pairs got each verdict. */
export interface VerdictCounts {
  unsafeAccepts: number;
  needlessRejects: number;
  correctAccepts: number;
  correctRejects: number;
  /** Pairs whose outcome is inconclusive (`missing-dependency`), scored apart. */
  inconclusive: number;
}

/**
 * A policy scored under one judgement. The top-level counts leave defective wheels out (the
 * ranking basis); `withDefective` counts their pairs too, scored like any other.
 */
export interface PolicyScore extends VerdictCounts {
  policyId: string;
  /** How "works" was judged for every count and verdict here. */
  judgement: Judgement;
  /** No unsafe accept (defective wheels left out). */
  correct: boolean;
  /** The counts with the pairs of defective wheels scored like any other pair. */
  withDefective: VerdictCounts;
  /** Distinct wheel tags the policy assigns. */
  tagCount: number;
  tags: string[];
  /** Unsafe accepts first, then needless rejects (defective wheels left out). */
  counterExamples: CounterExample[];
  /**
   * Pairs of defective wheels: the same objects as in `predictions` (verdict `defective`),
   * listed for convenience. Count pairs from `predictions` only.
   */
  defective: PairPrediction[];
  /** One entry per wheel × runtime pair. */
  predictions: PairPrediction[];
  /** Pairs the scorer could not judge (never thrown). */
  errors: { wheel: string; runtime: string; message: string }[];
}

/** One policy scored under every judgement, from one set of predictions. */
export type JudgedPolicyScore = Record<Judgement, PolicyScore>;

export interface RankedPolicy extends PolicyScore {
  /** 1-based; ties share a rank. */
  rank: number;
}

export interface EquivalenceClass {
  runtimes: string[];
  /** Wheels whose works/breaks differ between this class and the next one. */
  separatedFromNextBy: string[];
  evidence: { wheel: string; worksOn: string[]; breaksOn: string[] }[];
}
