/**
 * Scoring: each policy's predictions against observed link outcomes, the ranking of policies,
 * defective wheels (scored apart), and the ABI-equivalence classes the observations imply.
 * Judging never throws.
 *
 * @module
 */
import type {
  CounterExample,
  DefectiveWheel,
  EquivalenceClass,
  Observation,
  PairPrediction,
  Policy,
  PolicyScore,
  RankedPolicy,
  WheelSubject,
} from "./types.ts";
import { isInconclusive, predictWithTags, runtimeTagsFor, wheelTagsFor, works } from "./predict.ts";
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
 * Wheels that fail on the runtime they were built for (`builtForRuntime`, else `wheel.builtFor`).
 * Keyed by sha256 (or file name when there is none).
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
    if (
      !builtFor || o.runtime.version !== builtFor || works(o.outcome) || isInconclusive(o.outcome)
    ) continue;
    out.set(wheelKey(o.wheel), {
      wheel: o.wheel.file,
      sha256: o.wheel.sha256,
      builtFor,
      outcome: o.outcome,
      evidence: o.evidence,
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

/**
 * Score one policy against observations: unsafe accepts (installs something that breaks),
 * needless rejects (refuses something that works), correct accepts/rejects, distinct wheel tags,
 * and every counter-example with its evidence. Defective wheels are listed apart and counted
 * nowhere else. Never throws.
 *
 * @example
 * ```ts
 * const s = scorePolicy(policy, observations);
 * s.correct; // true when s.unsafeAccepts === 0
 * ```
 */
export function scorePolicy(policy: Policy, observations: Observation[]): PolicyScore {
  const score: PolicyScore = {
    policyId: policy.id,
    correct: true,
    unsafeAccepts: 0,
    needlessRejects: 0,
    correctAccepts: 0,
    correctRejects: 0,
    inconclusive: 0,
    tagCount: 0,
    tags: [],
    counterExamples: [],
    defective: [],
    predictions: [],
    errors: [],
  };
  const obs = observations.slice(0, MAX_OBSERVATIONS).filter(isUsable);
  const unusable = Math.min(observations.length, MAX_OBSERVATIONS) - obs.length;
  if (unusable) {
    score.errors.push({
      wheel: "",
      runtime: "",
      message: `${unusable} observation(s) lack a wheel, runtime, profile or outcome: not scored`,
    });
  }
  if (observations.length > MAX_OBSERVATIONS) {
    score.errors.push({
      wheel: "",
      runtime: "",
      message: `only the first ${MAX_OBSERVATIONS} of ${observations.length} observations scored`,
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
  const defective = findDefectiveWheels(obs);
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
      score.errors.push({ wheel: k, runtime: "", message: String(e) });
    }
  }
  score.tags = [...tags].sort();
  score.tagCount = score.tags.length;
  const runtimeTags = new Map<string, { tags: string[] }>();

  for (const o of obs) {
    try {
      let rt = runtimeTags.get(o.runtime.version);
      if (!rt) runtimeTags.set(o.runtime.version, rt = runtimeTagsFor(policy, o.runtime));
      const wt = wheelTags.get(wheelKey(o.wheel)) ??
        { tags: [], reason: "wheel tag could not be computed" };
      const p = predictWithTags(policy, o.wheel, o.runtime, rt, wt);
      const ok = works(o.outcome);
      const pair: PairPrediction = {
        ...p,
        wheel: o.wheel.file,
        runtime: o.runtime.version,
        outcome: o.outcome,
        works: ok,
        verdict: "correct-accept",
      };
      if (isInconclusive(o.outcome)) {
        // Nothing is known of this pair (a needed library was not supplied): scored apart.
        pair.verdict = "inconclusive";
        score.inconclusive++;
        score.predictions.push(pair);
        continue;
      }
      if (defective.has(wheelKey(o.wheel))) {
        pair.verdict = "defective";
        score.defective.push(pair);
        score.predictions.push(pair);
        continue;
      }
      pair.verdict = p.install
        ? (ok ? "correct-accept" : "unsafe-accept")
        : (ok ? "needless-reject" : "correct-reject");
      score.predictions.push(pair);
      switch (pair.verdict) {
        case "correct-accept":
          score.correctAccepts++;
          break;
        case "correct-reject":
          score.correctRejects++;
          break;
        case "unsafe-accept":
          score.unsafeAccepts++;
          break;
        case "needless-reject":
          score.needlessRejects++;
          break;
      }
      if (pair.verdict === "unsafe-accept" || pair.verdict === "needless-reject") {
        const ce: CounterExample = {
          wheel: o.wheel.file,
          runtime: o.runtime.version,
          wheelTag: p.wheelTag,
          runtimeTag: p.runtimeTags.join(", "),
          outcome: o.outcome,
          evidence: o.evidence,
          kind: pair.verdict,
          reason: p.reason,
        };
        score.counterExamples.push(ce);
      }
    } catch (e) {
      score.errors.push({
        wheel: o.wheel?.file ?? "",
        runtime: o.runtime?.version ?? "",
        message: e instanceof Error ? e.message : String(e),
      });
    }
  }
  score.correct = score.unsafeAccepts === 0;
  score.counterExamples.sort((a, b) =>
    a.kind !== b.kind ? (a.kind === "unsafe-accept" ? -1 : 1) : byWheelThenRuntime(a, b)
  );
  return score;
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
 * Rank policies: the correct ones (no unsafe accept) by needless rejects then tag count, then
 * the incorrect ones by unsafe accepts (then needless rejects, tag count). Ties share a rank.
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
 * Partition runtimes into ABI-equivalence classes: runtimes where every non-defective wheel
 * observed on both has the same works/breaks outcome. Runtimes are taken in version order and
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
export function deriveEquivalenceClasses(observations: Observation[]): EquivalenceClass[] {
  const obs = observations.slice(0, MAX_OBSERVATIONS).filter(isUsable);
  const defective = findDefectiveWheels(obs);
  // runtime → wheel key → works
  const table = new Map<string, Map<string, boolean>>();
  const files = new Map<string, string>();
  for (const o of obs) {
    const k = wheelKey(o.wheel);
    if (defective.has(k)) continue;
    files.set(k, o.wheel.file);
    let row = table.get(o.runtime.version);
    if (!row) table.set(o.runtime.version, row = new Map());
    // A wheel observed twice on one runtime works only if it worked every time.
    row.set(k, (row.get(k) ?? true) && works(o.outcome));
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
