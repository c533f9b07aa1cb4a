/**
 * A policy's prediction for one wheel × runtime pair: the wheel's tag, the tags the runtime
 * accepts, the matching rule applied (Python tag included), and why. Never throws.
 *
 * @module
 */
import type { Observation, Policy, Prediction, RuntimeSubject, WheelSubject } from "./types.ts";
import {
  classWorks,
  type Judgement,
  OUTCOME_CLASSES,
  type OutcomeClass,
} from "../link/outcome_classes.ts";
import { type FieldValues, fieldValues, parseTemplate, renderTemplate } from "./fields.ts";
import { compareVersions, satisfiesRange } from "./version.ts";
import { isPythonPairCompatible, splitTag } from "./_python_tags.ts";

/** Outcomes under which the real runtime loads the wheel (the `load` judgement). */
export const WORKING_OUTCOMES: readonly OutcomeClass[] = OUTCOME_CLASSES.filter((c) =>
  classWorks(c, "load") === true
);

/**
 * True when an outcome means the wheel works under a judgement (default `load`: `links`, `soft`,
 * `latent`; `strict`: `links`, `soft`). An inconclusive class (`missing-dependency`) is not
 * "works": see {@linkcode isInconclusive}.
 *
 * @example
 * ```ts
 * works("soft"); // true
 * works("latent"); // true
 * works("latent", "strict"); // false
 * works("link-error"); // false
 * ```
 */
export function works(outcome: OutcomeClass, judgement: Judgement = "load"): boolean {
  return classWorks(outcome, judgement) === true;
}

/**
 * True when an outcome says nothing about whether the pair works (a needed library was not
 * supplied): such pairs are scored apart, never as unsafe accepts or needless rejects.
 *
 * @example
 * ```ts
 * isInconclusive("missing-dependency"); // true
 * isInconclusive("unresolved"); // false
 * ```
 */
export function isInconclusive(outcome: OutcomeClass, judgement: Judgement = "load"): boolean {
  return classWorks(outcome, judgement) === null;
}

/**
 * Whether an observed pair works under a judgement, from the best evidence it has: a conclusive
 * run in the real runtime (`oracleWorks`) decides `load`; under `strict` a pair the real runtime
 * loads still fails when the link check found functions that resolve nowhere (`latent`), which
 * the loader's lazy stubs hide from it. Without an oracle result the link outcome decides.
 * `null`: nothing is known (an inconclusive outcome and no oracle result).
 *
 * @example
 * ```ts
 * observedWorks({ outcome: "unresolved" }); // false
 * observedWorks({ outcome: "unresolved", oracleWorks: true }); // true: the real loader loads it
 * observedWorks({ outcome: "latent", oracleWorks: true }, "strict"); // false
 * observedWorks({ outcome: "missing-dependency" }); // null
 * ```
 */
export function observedWorks(
  o: { outcome: OutcomeClass; oracleWorks?: boolean },
  judgement: Judgement = "load",
): boolean | null {
  if (typeof o.oracleWorks === "boolean") {
    return judgement === "load" ? o.oracleWorks : o.oracleWorks && o.outcome !== "latent";
  }
  return classWorks(o.outcome, judgement);
}

/**
 * The platform tags a runtime accepts under a policy (its own tag, aliases, `accepts` entries in
 * force for its version, and its relabel target), with notes on templates it cannot render.
 *
 * @example
 * ```ts
 * runtimeTagsFor(pep783, runtime).tags; // ["pyemscripten_2025_0_wasm32", "pyodide_2025_0_wasm32"]
 * ```
 */
export function runtimeTagsFor(
  policy: Policy,
  runtime: RuntimeSubject,
): { tags: string[]; notes: string[] } {
  const values = fieldValues(runtime.profile);
  const tags: string[] = [];
  const notes: string[] = [];
  const add = (template: string, what: string) => {
    const r = renderTemplate(template, values);
    if (r.tag !== undefined) {
      if (!tags.includes(r.tag)) tags.push(r.tag);
    } else notes.push(`${what} "${template}" has no value for ${r.missing.join(", ")}`);
  };
  const inst = policy.installable;
  if (inst.rule === "accepts") {
    for (const entry of inst.accepts) {
      if (entry.pyodide && !satisfiesRange(runtime.version, entry.pyodide)) continue;
      add(entry.tag, "accepted tag");
    }
  } else if (policy.tag) {
    add(policy.tag, "tag");
    if (inst.rule === "aliases") { for (const a of inst.aliases) add(a, "alias"); }
  }
  if (policy.relabel) add(policy.relabel.to, "relabel target");
  return { tags, notes };
}

function wheelKey(w: WheelSubject): string {
  return w.sha256 || w.file;
}

/**
 * Whether the relabel audit passes for a wheel: it works on its built-for runtime or, when that
 * was not observed, on the earliest observed runtime whose relabel tag equals the wheel's.
 */
function auditRelabel(
  policy: Policy,
  wheel: WheelSubject,
  wheelValues: FieldValues,
  observations: Observation[],
): { ok: boolean; reason: string } {
  const relabel = policy.relabel!;
  if (relabel.when === "always") return { ok: true, reason: "relabelled without audit" };
  const key = wheelKey(wheel);
  const own = observations.filter((o) => wheelKey(o.wheel) === key);
  const builtFor = wheel.builtFor ?? own.find((o) => o.builtForRuntime)?.builtForRuntime;
  if (builtFor && wheel.builtForOutcome) {
    const outcome = wheel.builtForOutcome;
    return works(outcome)
      ? { ok: true, reason: `audit passed on ${builtFor} (${outcome})` }
      : { ok: false, reason: `audit failed on ${builtFor} (${outcome})` };
  }
  let target = builtFor ? own.find((o) => o.runtime.version === builtFor) : undefined;
  if (!target) {
    const blessed = renderTemplate(relabel.to, wheelValues).tag;
    target = own
      .filter((o) =>
        blessed && renderTemplate(relabel.to, fieldValues(o.runtime.profile)).tag === blessed
      )
      .sort((a, b) => compareVersions(a.runtime.version, b.runtime.version))[0];
  }
  if (!target) {
    return { ok: false, reason: "audit impossible: no observation on a blessed runtime" };
  }
  return works(target.outcome)
    ? { ok: true, reason: `audit passed on ${target.runtime.version} (${target.outcome})` }
    : { ok: false, reason: `audit failed on ${target.runtime.version} (${target.outcome})` };
}

/**
 * The platform tag(s) a policy gives a wheel: computed from its build profile (`template`, after
 * the relabel audit when the policy has one) or the ones in its file name (`filename`).
 * `tags` is empty when the policy cannot assign one (then `reason` says why).
 *
 * @example
 * ```ts
 * wheelTagsFor(pep783, wheel).tags; // ["pyemscripten_2025_0_wasm32"]
 * ```
 */
export function wheelTagsFor(
  policy: Policy,
  wheel: WheelSubject,
  observations: Observation[] = [],
): { tags: string[]; reason: string } {
  if (policy.wheelTag === "filename") {
    const tags = [...new Set(wheel.tags.flatMap((t) => splitTag(t).platform.split(".")))];
    return {
      tags,
      reason: tags.length ? "tags from the file name" : "the file name carries no platform tag",
    };
  }
  if (wheel.binary === false) return { tags: ["any"], reason: "no side modules: platform any" };
  if (!policy.tag) return { tags: [], reason: "policy has no tag template" };
  const values = fieldValues(wheel.profile, wheel.requiredBits);
  const base = renderTemplate(policy.tag, values);
  if (base.tag === undefined) {
    return { tags: [], reason: `no tag: wheel profile lacks ${base.missing.join(", ")}` };
  }
  if (!policy.relabel) return { tags: [base.tag], reason: "tag from the build profile" };
  const audit = auditRelabel(policy, wheel, values, observations);
  if (!audit.ok) return { tags: [base.tag], reason: `kept build tag: ${audit.reason}` };
  const to = renderTemplate(policy.relabel.to, values);
  if (to.tag === undefined) {
    return {
      tags: [base.tag],
      reason: `kept build tag: relabel target lacks ${to.missing.join(", ")}`,
    };
  }
  return { tags: [to.tag], reason: `relabelled: ${audit.reason}` };
}

/** Python pairs a wheel claims: explicit, from tag triples, or the policy's python_tag. */
const tagPairsCache = new WeakMap<string[], string[]>();

function pythonPairs(policy: Policy, wheel: WheelSubject): string[] {
  if (wheel.pythonTags?.length) return wheel.pythonTags;
  // Memoised per tags array: scoring asks for the same wheel's pairs on every runtime.
  let fromTags = tagPairsCache.get(wheel.tags);
  if (!fromTags) {
    fromTags = [
      ...new Set(wheel.tags.map((t) => splitTag(t).pair).filter((p): p is string => !!p)),
    ];
    tagPairsCache.set(wheel.tags, fromTags);
  }
  if (fromTags.length) return fromTags;
  if (policy.pythonTag) {
    const r = renderTemplate(policy.pythonTag, fieldValues(wheel.profile));
    if (r.tag) return [`${r.tag}-${r.tag}`];
  }
  return [];
}

/**
 * The matching rule of a policy as predictions name it, e.g. `aliases`, `subset(required_bits)`,
 * `exact+build-tag`.
 *
 * @example
 * ```ts ignore
 * nameInstallRule(pep783); // "aliases"
 * ```
 */
export function nameInstallRule(policy: Policy): string {
  const inst = policy.installable;
  let name: string = inst.rule;
  if (inst.rule === "subset") name += `(${inst.field})`;
  if (inst.rule === "ordered") name += `(${inst.key.join(",")})`;
  if (policy.relabel) name += "+relabel";
  if (policy.buildTag) name += "+build-tag";
  return name;
}

/** The template with the given fields blanked, rendered: equal "rest" = equal apart from them. */
function renderRest(template: string, values: FieldValues, skip: string[]): string | undefined {
  let out = "";
  for (const part of parseTemplate(template)) {
    if ("text" in part) out += part.text;
    else if (skip.includes(part.field)) out += "\u0000";
    else {
      const v = values[part.field];
      if (v === undefined || v === "") return undefined;
      out += String(v);
    }
  }
  return out;
}

/** Platform check for one wheel platform tag; returns a reason either way. */
function checkPlatform(
  policy: Policy,
  platform: string,
  runtimeTags: string[],
  wheel: WheelSubject,
  runtime: RuntimeSubject,
): { ok: boolean; reason: string } {
  if (platform === "any") return { ok: true, reason: "platform any" };
  const inst = policy.installable;
  if (runtimeTags.includes(platform)) {
    return { ok: true, reason: `wheel tag ${platform} is among the runtime's tags` };
  }
  if ((inst.rule === "subset" || inst.rule === "ordered") && policy.tag) {
    const wv = fieldValues(wheel.profile, wheel.requiredBits);
    const rv = fieldValues(runtime.profile);
    const skip = inst.rule === "subset" ? [inst.field] : inst.key;
    const wRest = renderRest(policy.tag, wv, skip);
    const rRest = renderRest(policy.tag, rv, skip);
    if (wRest === undefined || rRest === undefined || wRest !== rRest) {
      return { ok: false, reason: `tag parts other than ${skip.join(", ")} differ` };
    }
    if (inst.rule === "subset") {
      const w = Number(wv[inst.field] ?? 0);
      const r = Number(rv[inst.field] ?? 0);
      const extra = w & ~r;
      return extra === 0
        ? { ok: true, reason: `wheel bits 0x${w.toString(16)} ⊆ runtime bits 0x${r.toString(16)}` }
        : {
          ok: false,
          reason: `wheel bits 0x${w.toString(16)} need 0x${extra.toString(16)} that the runtime ` +
            `(0x${r.toString(16)}) lacks`,
        };
    }
    const wk = inst.key.map((k) => Number(wv[k]));
    const rk = inst.key.map((k) => Number(rv[k]));
    for (let i = 0; i < wk.length; i++) {
      if (wk[i] !== rk[i]) {
        return wk[i] < rk[i]
          ? { ok: true, reason: `key (${wk.join(",")}) ≤ runtime key (${rk.join(",")})` }
          : { ok: false, reason: `key (${wk.join(",")}) > runtime key (${rk.join(",")})` };
      }
    }
    return { ok: true, reason: `key (${wk.join(",")}) = runtime key` };
  }
  return {
    ok: false,
    reason: `wheel tag ${platform} is not among the runtime's tags [${runtimeTags.join(", ")}]`,
  };
}

/**
 * Predict whether a runtime installs a wheel under a policy. `observations` matter only for a
 * relabel rule (the audit reads the wheel's outcome on its blessed runtime). Never throws.
 *
 * @example
 * ```ts
 * const p = predictInstall(pep783, wheel, runtime);
 * p.install; // true
 * p.rule; // "aliases"
 * p.reason; // "wheel tag pyodide_2025_0_wasm32 is among the runtime's tags"
 * ```
 */
export function predictInstall(
  policy: Policy,
  wheel: WheelSubject,
  runtime: RuntimeSubject,
  observations: Observation[] = [],
): Prediction {
  try {
    return predictWithTags(
      policy,
      wheel,
      runtime,
      runtimeTagsFor(policy, runtime),
      wheelTagsFor(policy, wheel, observations),
    );
  } catch (e) {
    return internalError(policy, e);
  }
}

function internalError(policy: Policy, e: unknown): Prediction {
  // Judging never throws: an unexpected failure is a refusal that says why.
  return {
    install: false,
    wheelTag: "",
    runtimeTags: [],
    rule: nameInstallRule(policy),
    reason: `internal error: ${e instanceof Error ? e.message : String(e)}`,
  };
}

/**
 * `predictInstall` with the runtime's and the wheel's tags already computed (the scorer computes
 * them once per runtime and once per wheel). Never throws.
 */
export function predictWithTags(
  policy: Policy,
  wheel: WheelSubject,
  runtime: RuntimeSubject,
  rt: { tags: string[] },
  wt: { tags: string[]; reason: string },
): Prediction {
  const rule = nameInstallRule(policy);
  try {
    const base = { wheelTag: wt.tags.join("."), runtimeTags: rt.tags, rule };
    if (!wt.tags.length) return { ...base, install: false, reason: wt.reason };
    // Candidate (python pair, platform) combinations, as packaging matches full tags.
    const combos: { pair?: string; platform: string }[] = [];
    if (policy.wheelTag === "filename" && !wheel.pythonTags?.length) {
      for (const t of wheel.tags) {
        const { pair, platform } = splitTag(t);
        for (const p of platform.split(".")) combos.push({ pair, platform: p });
      }
    } else {
      const pairs = pythonPairs(policy, wheel);
      for (const platform of wt.tags) {
        if (pairs.length) { for (const pair of pairs) combos.push({ pair, platform }); }
        else combos.push({ platform });
      }
    }
    // Of several failing combinations, report the one that got furthest (python < platform < build).
    let lastReason = "no tag combination";
    let lastStage = -1;
    const fail = (stage: number, reason: string) => {
      if (stage >= lastStage) [lastStage, lastReason] = [stage, reason];
    };
    for (const c of combos) {
      if (c.pair && !isPythonPairCompatible(c.pair, runtime.profile.python)) {
        fail(0, `Python tag ${c.pair} does not run on CPython ${runtime.profile.python}`);
        continue;
      }
      const pc = checkPlatform(policy, c.platform, rt.tags, wheel, runtime);
      if (!pc.ok) {
        fail(1, pc.reason);
        continue;
      }
      if (policy.buildTag && c.platform !== "any") {
        const want = renderTemplate(policy.buildTag.tag, fieldValues(runtime.profile)).tag;
        const have = policy.wheelTag === "filename"
          ? wheel.buildTag?.toLowerCase()
          : renderTemplate(
            policy.buildTag.tag,
            fieldValues(wheel.profile, wheel.requiredBits),
          ).tag;
        if (!want || !have || want !== have) {
          fail(
            2,
            `${pc.reason}, but build tag ${have ?? "(none)"} ≠ runtime's ${want ?? "(none)"}`,
          );
          continue;
        }
        return {
          ...base,
          wheelTag: c.platform,
          install: true,
          reason: `${pc.reason}; build tag ${have} matches`,
        };
      }
      const py = c.pair ? `${c.pair}, ` : "";
      return { ...base, wheelTag: c.platform, install: true, reason: `${py}${pc.reason}` };
    }
    return { ...base, install: false, reason: lastReason };
  } catch (e) {
    return internalError(policy, e);
  }
}
