/**
 * Scoring: each policy's predictions against observed link outcomes, the ranking of policies,
 * defective wheels (scored apart), and the ABI-equivalence classes the observations imply.
 * Judging never throws.
 *
 * @module
 */
import type {
  DefectiveWheel,
  EquivalenceClass,
  JudgedPolicyScore,
  Observation,
  PairPrediction,
  PairVerdictKind,
  Policy,
  PolicyScore,
  Prediction,
  RankedPolicy,
  VerdictCounts,
  WheelSubject,
} from "./types.ts";
import { type Judgement, JUDGEMENTS, worstClass } from "../link/outcome_classes.ts";
import { observedWorks, predictWithTags, runtimeTagsFor, wheelTagsFor } from "./predict.ts";
import { compareVersions } from "./version.ts";
import { fieldValues, renderTemplate } from "./fields.ts";

/** Most observations scored per policy; the rest are reported as errors, not scored. */
export const MAX_OBSERVATIONS = 2_000_000;

function wheelKey(w: WheelSubject): string {
  return w.sha256 || w.file;
}

/** Observations the scorer can judge; anything else is reported, never thrown on. */
function isUsable(o: Observation | undefined): o is Observation {
  return typeof o === "object" && o !== null &&
    typeof o.wheel?.file === "string" && typeof o.wheel.profile === "object" &&
    Array.isArray(o.wheel.tags) && typeof o.runtime?.version === "string" &&
    typeof o.runtime.profile === "object" && typeof o.outcome === "string";
}

/**
 * Wheels that fail at load on the runtime they were built for (`builtForRuntime`, else
 * `wheel.builtFor`): their own pair does not work under the `load` judgement and is not
 * inconclusive. A wheel that is only `latent` there loads, so it is not defective. Keyed by
 * sha256 (or file name when there is none).
 *
 * @example
 * ```ts
 * findDefectiveWheels(observations).get(sha)?.outcome; // "unresolved"
 * ```
 */
export function findDefectiveWheels(observations: Observation[]): Map<string, DefectiveWheel> {
  const out = new Map<string, DefectiveWheel>();
  for (const o of observations.slice(0, MAX_OBSERVATIONS)) {
    if (!isUsable(o)) continue;
    const builtFor = o.builtForRuntime ?? o.wheel.builtFor;
    if (!builtFor) continue;
    // The wheel's own outcome when the run checked it outside the scored pairs, else the
    // observation of that pair.
    const own = o.wheel.builtForOutcome;
    if (own === undefined && o.runtime.version !== builtFor) continue;
    const outcome = own ?? o.outcome;
    const oracleWorks = own !== undefined ? o.wheel.builtForOracleWorks : o.oracleWorks;
    // Defective only when it fails at load there: the real runtime's conclusive run decides.
    if (observedWorks({ outcome, oracleWorks }, "load") !== false) continue;
    out.set(wheelKey(o.wheel), {
      wheel: o.wheel.file,
      sha256: o.wheel.sha256,
      builtFor,
      outcome,
      evidence: own !== undefined && o.runtime.version !== builtFor
        ? `${outcome} on its own runtime ${builtFor}`
        : o.evidence,
    });
  }
  return out;
}

function byWheelThenRuntime(
  a: { wheel: string; runtime: string },
  b: { wheel: string; runtime: string },
): number {
  return a.wheel < b.wheel ? -1 : a.wheel > b.wheel ? 1 : compareVersions(a.runtime, b.runtime);
}

/** What `scorePolicy` is asked for. */
export interface ScoreOptions {
  /** How "works" is judged (default `load`: the pair loads in the real loader). */
  judgement?: Judgement;
  /**
   * Which wheels are defective (default: those {@linkcode findDefectiveWheels} finds in
   * `observations`). A run that judges each wheel on its own runtime outside the scored pairs
   * passes what it found, so "defective" means the same in every scope.
   */
  isDefective?: (wheel: WheelSubject) => boolean;
}

/** One pair as predicted, before any judgement: predictions do not depend on the judgement. */
interface PredictedPair {
  observation: Observation;
  prediction: Prediction;
  defective: boolean;
}

/** Predictions of one policy for every usable pair, with its tags and what it could not judge. */
interface PredictedPolicy {
  policyId: string;
  tags: string[];
  pairs: PredictedPair[];
  errors: PolicyScore["errors"];
}

function zeroCounts(): VerdictCounts {
  return {
    unsafeAccepts: 0,
    needlessRejects: 0,
    correctAccepts: 0,
    correctRejects: 0,
    inconclusive: 0,
  };
}

const COUNT_OF: Record<PairVerdictKind | "inconclusive", keyof VerdictCounts> = {
  "unsafe-accept": "unsafeAccepts",
  "needless-reject": "needlessRejects",
  "correct-accept": "correctAccepts",
  "correct-reject": "correctRejects",
  "inconclusive": "inconclusive",
};

/**
 * Observations merged to one per wheel × runtime pair: a pair observed twice keeps its worst
 * outcome, so no pair is scored (or listed) twice.
 */
function onePerPair(obs: Observation[]): { obs: Observation[]; merged: number } {
  const byPair = new Map<string, Observation>();
  let merged = 0;
  for (const o of obs) {
    const k = `${wheelKey(o.wheel)}\u0000${o.runtime.version}`;
    const seen = byPair.get(k);
    if (!seen) byPair.set(k, o);
    else {
      merged++;
      if (worstClass([seen.outcome, o.outcome]) !== seen.outcome) byPair.set(k, o);
    }
  }
  return { obs: merged ? [...byPair.values()] : obs, merged };
}

function predictPolicy(
  policy: Policy,
  observations: Observation[],
  isDefective?: (wheel: WheelSubject) => boolean,
): PredictedPolicy {
  const out: PredictedPolicy = { policyId: policy.id, tags: [], pairs: [], errors: [] };
  const usable = observations.slice(0, MAX_OBSERVATIONS).filter(isUsable);
  const unusable = Math.min(observations.length, MAX_OBSERVATIONS) - usable.length;
  if (unusable) {
    out.errors.push({
      wheel: "",
      runtime: "",
      message: `${unusable} observation(s) lack a wheel, runtime, profile or outcome: not scored`,
    });
  }
  if (observations.length > MAX_OBSERVATIONS) {
    out.errors.push({
      wheel: "",
      runtime: "",
      message: `only the first ${MAX_OBSERVATIONS} of ${observations.length} observations scored`,
    });
  }
  const { obs, merged } = onePerPair(usable);
  if (merged) {
    out.errors.push({
      wheel: "",
      runtime: "",
      message: `${merged} repeated observation(s) of a pair merged into one (worst outcome kept)`,
    });
  }
  // The relabel audit of a wheel reads its own observations; scanning everything per pair
  // would be quadratic, so group them once.
  const byWheel = new Map<string, Observation[]>();
  for (const o of obs) {
    const k = wheelKey(o.wheel);
    const list = byWheel.get(k);
    if (list) list.push(o);
    else byWheel.set(k, [o]);
  }
  const found = isDefective ? undefined : findDefectiveWheels(obs);
  const defective = isDefective ?? ((w: WheelSubject) => found!.has(wheelKey(w)));
  // Tags depend only on the wheel (and its own observations) or only on the runtime: compute
  // each once rather than per pair.
  const wheelTags = new Map<string, { tags: string[]; reason: string }>();
  const tags = new Set<string>();
  for (const [k, list] of byWheel) {
    try {
      const w = list[0].wheel;
      const wheel = {
        ...w,
        builtFor: w.builtFor ?? list.find((o) => o.builtForRuntime)?.builtForRuntime,
      };
      const wt = wheelTagsFor(policy, wheel, list);
      wheelTags.set(k, wt);
      const build = !policy.buildTag
        ? undefined
        : policy.wheelTag === "template"
        ? renderTemplate(policy.buildTag.tag, fieldValues(w.profile, w.requiredBits)).tag
        : w.buildTag;
      // With a build-tag rule the build tag is part of what tells wheels apart.
      for (const t of wt.tags) tags.add(build && t !== "any" ? `${t} (build ${build})` : t);
    } catch (e) {
      out.errors.push({ wheel: k, runtime: "", message: String(e) });
    }
  }
  out.tags = [...tags].sort();
  const runtimeTags = new Map<string, { tags: string[] }>();
  for (const o of obs) {
    try {
      let rt = runtimeTags.get(o.runtime.version);
      if (!rt) runtimeTags.set(o.runtime.version, rt = runtimeTagsFor(policy, o.runtime));
      const wt = wheelTags.get(wheelKey(o.wheel)) ??
        { tags: [], reason: "wheel tag could not be computed" };
      out.pairs.push({
        observation: o,
        prediction: predictWithTags(policy, o.wheel, o.runtime, rt, wt),
        defective: defective(o.wheel),
      });
    } catch (e) {
      out.errors.push({
        wheel: o.wheel?.file ?? "",
        runtime: o.runtime?.version ?? "",
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return out;
}

/** A predicted pair's verdict under a judgement, as if its wheel were not defective. */
function verdictOf(
  install: boolean,
  o: Observation,
  judgement: Judgement,
): PairVerdictKind | "inconclusive" {
  const ok = observedWorks(o, judgement);
  // Nothing is known of an inconclusive pair (a needed library was not supplied).
  if (ok === null) return "inconclusive";
  return install
    ? (ok ? "correct-accept" : "unsafe-accept")
    : (ok ? "needless-reject" : "correct-reject");
}

function judge(predicted: PredictedPolicy, judgement: Judgement): PolicyScore {
  const score: PolicyScore = {
    policyId: predicted.policyId,
    judgement,
    correct: true,
    ...zeroCounts(),
    withDefective: zeroCounts(),
    tagCount: predicted.tags.length,
    tags: [...predicted.tags],
    counterExamples: [],
    defective: [],
    predictions: [],
    errors: [...predicted.errors],
  };
  for (const { observation: o, prediction: p, defective } of predicted.pairs) {
    const verdict = verdictOf(p.install, o, judgement);
    const pair: PairPrediction = {
      ...p,
      wheel: o.wheel.file,
      runtime: o.runtime.version,
      outcome: o.outcome,
      works: observedWorks(o, judgement) === true,
      verdict,
      evidence: typeof o.oracleWorks === "boolean" ? "oracle" : "link",
    };
    score.predictions.push(pair);
    score.withDefective[COUNT_OF[verdict]]++;
    if (defective) {
      // Listed once, with its verdict kept for the with-defective counts.
      pair.verdict = "defective";
      pair.withDefective = verdict;
      score.defective.push(pair);
      continue;
    }
    score[COUNT_OF[verdict]]++;
    if (verdict === "unsafe-accept" || verdict === "needless-reject") {
      score.counterExamples.push({
        wheel: o.wheel.file,
        runtime: o.runtime.version,
        wheelTag: p.wheelTag,
        runtimeTag: p.runtimeTags.join(", "),
        outcome: o.outcome,
        evidence: o.evidence,
        kind: verdict,
        reason: p.reason,
      });
    }
  }
  score.correct = score.unsafeAccepts === 0;
  score.counterExamples.sort((a, b) =>
    a.kind !== b.kind ? (a.kind === "unsafe-accept" ? -1 : 1) : byWheelThenRuntime(a, b)
  );
  return score;
}

/**
 * Score one policy against observations under one judgement (default `load`): unsafe accepts
 * (installs something that does not work), needless rejects (refuses something that works),
 * correct accepts/rejects, distinct wheel tags, and every counter-example with its evidence.
 * The top-level counts leave defective wheels out; `withDefective` counts their pairs too,
 * scored like any other. Each wheel × runtime pair is in `predictions` once. Never throws.
 *
 * @example
 * ```ts
 * const s = scorePolicy(policy, observations, { judgement: "strict" });
 * s.correct; // true when s.unsafeAccepts === 0
 * s.withDefective.unsafeAccepts >= s.unsafeAccepts; // true
 * ```
 */
export function scorePolicy(
  policy: Policy,
  observations: Observation[],
  options: ScoreOptions = {},
): PolicyScore {
  return judge(
    predictPolicy(policy, observations, options.isDefective),
    options.judgement ?? "load",
  );
}

/**
 * Score one policy under every judgement from one set of predictions (the prediction does not
 * depend on the judgement, only the verdict does). Both scores list the same pairs in the same
 * order. Never throws.
 *
 * @example
 * ```ts
 * const both = scorePolicyJudgements(policy, observations);
 * both.load.correctAccepts; // latent pairs it installs count here…
 * both.strict.unsafeAccepts; // …and here
 * ```
 */
export function scorePolicyJudgements(
  policy: Policy,
  observations: Observation[],
  options: Omit<ScoreOptions, "judgement"> = {},
): JudgedPolicyScore {
  const predicted = predictPolicy(policy, observations, options.isDefective);
  return Object.fromEntries(
    JUDGEMENTS.map((j) => [j, judge(predicted, j)]),
  ) as JudgedPolicyScore;
}

function rankKey(s: PolicyScore): number[] {
  // Correct policies first (by needless rejects, then tags); then incorrect ones by unsafe accepts.
  return s.correct
    ? [0, s.needlessRejects, s.tagCount]
    : [1, s.unsafeAccepts, s.needlessRejects, s.tagCount];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Rank policies by their counts without defective wheels: the correct ones (no unsafe accept)
 * by needless rejects then tag count, then the incorrect ones by unsafe accepts (then needless
 * rejects, tag count). Ties share a rank. Give it scores of one judgement; under every
 * judgement at once, see {@linkcode rankJudgements}.
 *
 * @example
 * ```ts
 * rankPolicies(scores).map((r) => `${r.rank}. ${r.policyId}`);
 * ```
 */
export function rankPolicies(scores: PolicyScore[]): RankedPolicy[] {
  const sorted = [...scores].sort((a, b) =>
    compareKeys(rankKey(a), rankKey(b)) ||
    (a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0)
  );
  const ranked: RankedPolicy[] = [];
  sorted.forEach((s, i) => {
    const prev = ranked[i - 1];
    const tie = prev && compareKeys(rankKey(prev), rankKey(s)) === 0;
    ranked.push({ ...s, rank: tie ? prev.rank : i + 1 });
  });
  return ranked;
}

/**
 * Rank the policies under every judgement, each ranking from that judgement's scores.
 *
 * @example
 * ```ts
 * const ranked = rankJudgements(policies.map((p) => scorePolicyJudgements(p, observations)));
 * ranked.load[0].policyId === ranked.strict[0].policyId; // same winner under both?
 * ```
 */
export function rankJudgements(scores: JudgedPolicyScore[]): Record<Judgement, RankedPolicy[]> {
  return Object.fromEntries(
    JUDGEMENTS.map((j) => [j, rankPolicies(scores.map((s) => s[j]))]),
  ) as Record<Judgement, RankedPolicy[]>;
}

/**
 * Partition runtimes into ABI-equivalence classes: runtimes where every non-defective wheel
 * observed on both has the same works/breaks outcome (under `load`; `isDefective` as for
 * {@linkcode scorePolicy}). Runtimes are taken in version order and
 * each joins the first class it agrees with completely (at least one wheel observed in common
 * with every member); classes are listed by their first runtime, and each names the wheels that
 * separate it from the next class. Never throws.
 *
 * @example
 * ```ts
 * deriveEquivalenceClasses(observations).map((c) => c.runtimes);
 * // [["0.21.3"], ["0.22.1"], ["0.26.4", "0.27.7"], ...]
 * ```
 */
export function deriveEquivalenceClasses(
  observations: Observation[],
  options: Pick<ScoreOptions, "isDefective"> = {},
): EquivalenceClass[] {
  const obs = observations.slice(0, MAX_OBSERVATIONS).filter(isUsable);
  const found = options.isDefective ? undefined : findDefectiveWheels(obs);
  const isDefective = options.isDefective ?? ((w: WheelSubject) => found!.has(wheelKey(w)));
  // runtime → wheel key → works
  const table = new Map<string, Map<string, boolean>>();
  const files = new Map<string, string>();
  for (const o of obs) {
    const k = wheelKey(o.wheel);
    if (isDefective(o.wheel)) continue;
    files.set(k, o.wheel.file);
    let row = table.get(o.runtime.version);
    if (!row) table.set(o.runtime.version, row = new Map());
    // A wheel observed twice on one runtime works only if it worked every time.
    row.set(k, (row.get(k) ?? true) && observedWorks(o) === true);
  }
  const runtimes = [...table.keys()].sort(compareVersions);
  const agree = (a: string, b: string): boolean => {
    const ra = table.get(a)!;
    const rb = table.get(b)!;
    let common = 0;
    for (const [k, v] of ra) {
      const w = rb.get(k);
      if (w === undefined) continue;
      common++;
      if (w !== v) return false;
    }
    return common > 0;
  };
  const classes: string[][] = [];
  for (const r of runtimes) {
    const home = classes.find((c) => c.every((m) => agree(m, r)));
    if (home) home.push(r);
    else classes.push([r]);
  }
  return classes.map((members, i) => {
    const next = classes[i + 1];
    const evidence: EquivalenceClass["evidence"] = [];
    if (next) {
      const keys = new Set<string>();
      for (const r of [...members, ...next]) for (const k of table.get(r)!.keys()) keys.add(k);
      for (const k of [...keys].sort()) {
        const worksOn: string[] = [];
        const breaksOn: string[] = [];
        for (const r of [...members, ...next]) {
          const v = table.get(r)!.get(k);
          if (v === true) worksOn.push(r);
          else if (v === false) breaksOn.push(r);
        }
        const inA = (list: string[]) => list.some((r) => members.includes(r));
        const inB = (list: string[]) => list.some((r) => next.includes(r));
        // Separating: works on one side and breaks on the other.
        if ((inA(worksOn) && inB(breaksOn)) || (inA(breaksOn) && inB(worksOn))) {
          evidence.push({ wheel: files.get(k) ?? k, worksOn, breaksOn });
        }
      }
    }
    return {
      runtimes: members,
      separatedFromNextBy: [...new Set(evidence.map((e) => e.wheel))],
      evidence,
    };
  });
}
