/**
 * The one definition of the link engine's outcome classes: name, order (best first), matrix
 * code, whether a pair of that class works under each judgement, whether it is conclusive, and
 * which evidence kinds can carry it. Link, oracle, policy, report, the JSON schema and the README
 * all take the classes from here (tests check that the schema and the README agree).
 *
 * @module
 */

/** How "works" is judged: the pair loads in the real loader, or every symbol resolves too. */
export type Judgement = "load" | "strict";
/** Both judgements, the default first. */
export const JUDGEMENTS: readonly Judgement[] = ["load", "strict"];

/** Evidence kinds: what a piece of evidence is about. */
export const EVIDENCE_KINDS = [
  "unresolved-function",
  "unresolved-got",
  "latent-function",
  "latent-got",
  "allowed",
  "weak",
  "type-mismatch",
  "tag-mismatch",
  "memory-mismatch",
  "global-mismatch",
  "table-mismatch",
  "unknown-module",
  "v8-link-error",
  "loader-capability",
  "abi-feature",
  "trap",
  "stub-call",
  "host-call",
  "timeout",
  "invalid",
  "python-version",
  "needed-missing",
  "needed-failed",
] as const;
export type EvidenceKind = typeof EVIDENCE_KINDS[number];

/** What one outcome class means and how it counts. */
export interface OutcomeClassInfo {
  /** Short matrix cell. */
  code: string;
  /** One line: what the link check found. */
  meaning: string;
  /** What the real runtime does with such a pair. */
  realRuntime: string;
  /** Does a pair of this class work, under each judgement? `null`: unknown (inconclusive). */
  works: Readonly<Record<Judgement, boolean | null>>;
  /** Evidence kinds that put a module in this class. */
  evidence: readonly EvidenceKind[];
}

/**
 * Every class, best first: an archive's outcome is the worst of its modules' classes.
 * `missing-dependency` sits above the definite failures so a real break still shows through.
 */
export const OUTCOME_CLASS_INFO = {
  links: {
    code: "ok",
    meaning: "every import resolves with matching types; relocations and constructors ran",
    realRuntime: "loads",
    works: { load: true, strict: true },
    evidence: [],
  },
  soft: {
    code: "soft",
    meaning: "only weak, allow-listed or run-time-injected imports are missing",
    realRuntime: "loads",
    works: { load: true, strict: true },
    evidence: ["allowed"],
  },
  latent: {
    code: "lat",
    meaning:
      "loads as the real loader would, but some functions (or GOT entries the loader leaves unset) resolve nowhere",
    realRuntime: "loads; throws when one of them is called",
    works: { load: true, strict: false },
    evidence: ["latent-function", "latent-got"],
  },
  "missing-dependency": {
    code: "dep?",
    meaning:
      "a NEEDED library is in neither the wheel, the run's inputs nor the lock's dependencies",
    realRuntime: "unknown: inconclusive, scored apart",
    works: { load: null, strict: null },
    evidence: ["needed-missing"],
  },
  "python-mismatch": {
    code: "py",
    meaning:
      "the module's cpython-3XY suffix or the wheel's cpXY tag is not the runtime's Python, and nothing else stops it (renamed, it would link); a pair that also fails to link is link-error, its Python named first",
    realRuntime: "skips it or breaks silently",
    works: { load: false, strict: false },
    evidence: ["python-version"],
  },
  unresolved: {
    code: "unres",
    meaning:
      "a symbol resolves nowhere and the load itself fails on it (a GOT entry the loader checks, a relocation or constructor that calls it)",
    realRuntime: "dies at load",
    works: { load: false, strict: false },
    evidence: ["unresolved-function", "unresolved-got", "needed-failed"],
  },
  "loader-mismatch": {
    code: "loader",
    meaning: "types link, but the module needs what this runtime's loader does not do",
    realRuntime: "corrupts memory, breaks silently",
    works: { load: false, strict: false },
    evidence: ["loader-capability"],
  },
  "link-error": {
    code: "ERR",
    meaning: "V8 refuses instantiation (function type, tag, memory, global, module)",
    realRuntime: "refuses the same way",
    works: { load: false, strict: false },
    evidence: [
      "v8-link-error",
      "type-mismatch",
      "tag-mismatch",
      "memory-mismatch",
      "global-mismatch",
      "table-mismatch",
      "unknown-module",
    ],
  },
  trap: {
    code: "TRAP",
    meaning: "relocations, constructors or the start function trapped or exhausted memory",
    realRuntime: "crashes at load",
    works: { load: false, strict: false },
    evidence: ["trap", "timeout"],
  },
  invalid: {
    code: "inv",
    meaning: "not a valid wasm side module (also an empty, ELF or symlink .so)",
    realRuntime: "cannot load",
    works: { load: false, strict: false },
    evidence: ["invalid"],
  },
} as const satisfies Record<string, OutcomeClassInfo>;

export type OutcomeClass = keyof typeof OUTCOME_CLASS_INFO;

/** Outcome classes, best first (the order of {@linkcode OUTCOME_CLASS_INFO}). */
export const OUTCOME_CLASSES = Object.keys(OUTCOME_CLASS_INFO) as readonly OutcomeClass[];

/**
 * Does a pair of this class work under a judgement? `null` when the class is inconclusive.
 *
 * @example
 * ```ts
 * import { classWorks } from "./outcome_classes.ts";
 * console.assert(classWorks("latent", "load") === true);
 * console.assert(classWorks("latent", "strict") === false);
 * console.assert(classWorks("missing-dependency", "load") === null);
 * ```
 */
export function classWorks(cls: OutcomeClass, judgement: Judgement = "load"): boolean | null {
  return OUTCOME_CLASS_INFO[cls].works[judgement];
}

/**
 * The worst of some classes (the first class when there are none).
 *
 * @example
 * ```ts
 * import { worstClass } from "./outcome_classes.ts";
 * console.assert(worstClass(["links", "latent", "soft"]) === "latent");
 * console.assert(worstClass([]) === "links");
 * ```
 */
export function worstClass(classes: Iterable<OutcomeClass>): OutcomeClass {
  let w = 0;
  for (const c of classes) w = Math.max(w, OUTCOME_CLASSES.indexOf(c));
  return OUTCOME_CLASSES[w];
}
