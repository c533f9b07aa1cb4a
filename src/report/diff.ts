/**
 * Comparing two conform reports: what a nightly run changed since the previous one.
 *
 * @module
 */
import type { OutcomeClass } from "../link/types.ts";
import { classWorks } from "../link/outcome_classes.ts";
import { cmp, pairKey } from "./_common.ts";
import type { ConformReport, PairVerdict, ReportPolicy } from "./types.ts";

/** One pair whose link outcome moved. */
export interface MovedOutcome {
  wheel: string;
  runtime: string;
  old: OutcomeClass;
  new: OutcomeClass;
}

/** A policy's headline figures. */
export interface PolicyFigures {
  correct: boolean;
  rank: number;
  unsafeAccepts: number;
  needlessRejects: number;
  tagCount: number;
}

/** One policy whose verdict or counts changed (or that appeared or disappeared). */
export interface ChangedPolicy {
  id: string;
  change: "added" | "removed" | "changed";
  verdictChanged: boolean;
  old?: PolicyFigures;
  new?: PolicyFigures;
}

/** A pair a policy now installs although it breaks, and did not before. */
export interface NewUnsafeAccept {
  policy: string;
  wheel: string;
  runtime: string;
  wheelTag: string;
  runtimeTags: string[];
  outcome: OutcomeClass | "unknown";
  /** Verdict in the old report; absent when the pair was not scored (new wheel or runtime). */
  was?: PairVerdict;
}

/** Everything that differs between two reports. */
export interface ReportDiff {
  runtimes: {
    added: string[];
    removed: string[];
    /** Measured before, unavailable now. */
    nowUnavailable: string[];
    /** Unavailable before, measured now. */
    nowAvailable: string[];
  };
  wheels: { added: string[]; removed: string[]; changed: string[] };
  outcomes: MovedOutcome[];
  oracle: { wheel: string; runtime: string; old: string; new: string }[];
  policies: ChangedPolicy[];
  /** New unsafe accepts of policies present in both reports (listed; the gate decides). */
  newUnsafeAccepts: NewUnsafeAccept[];
  /**
   * What fails the gate (`diff` exits 6): a policy that was CORRECT and is UNSAFE now, or a wheel
   * that breaks on its own runtime where it did not before. A runtime added to the catalogue
   * gives an already UNSAFE scheme more unsafe accepts; that alone is listed, not a failure.
   */
  gate: {
    nowUnsafe: string[];
    newOwnBreaks: { wheel: string; runtime: string; outcome: string }[];
  };
  /** Unsafe accepts of policies the old report did not have (informational). */
  unsafeAcceptsOfNewPolicies: number;
  agreement?: {
    old?: { pairs: number; agreeing: number };
    new?: { pairs: number; agreeing: number };
  };
}

function figures(p: ReportPolicy): PolicyFigures {
  return {
    correct: p.correct,
    rank: p.rank,
    unsafeAccepts: p.unsafeAccepts,
    needlessRejects: p.needlessRejects,
    tagCount: p.tagCount,
  };
}

function sameFigures(a: PolicyFigures, b: PolicyFigures): boolean {
  return a.correct === b.correct && a.rank === b.rank && a.unsafeAccepts === b.unsafeAccepts &&
    a.needlessRejects === b.needlessRejects && a.tagCount === b.tagCount;
}

function byPair<T extends { wheel: string; runtime: string }>(a: T, b: T): number {
  return cmp(a.wheel, b.wheel) || cmp(a.runtime, b.runtime);
}

/**
 * Compare two reports. Pure: it neither reads files nor throws on odd data.
 *
 * @param oldReport the previous run
 * @param newReport the current run
 * @returns the differences; `newUnsafeAccepts` non-empty means a regression
 * @example
 * ```ts ignore
 * const d = diffReports(previous, current);
 * if (d.newUnsafeAccepts.length > 0) Deno.exit(6);
 * ```
 */
export function diffReports(oldReport: ConformReport, newReport: ConformReport): ReportDiff {
  const oldRt = new Map(oldReport.runtimes.map((r) => [r.version, r]));
  const newRt = new Map(newReport.runtimes.map((r) => [r.version, r]));
  const runtimes = {
    added: [...newRt.keys()].filter((v) => !oldRt.has(v)),
    removed: [...oldRt.keys()].filter((v) => !newRt.has(v)),
    nowUnavailable: [...newRt.values()].filter((r) => {
      const o = oldRt.get(r.version);
      return o && o.unavailable === undefined && r.unavailable !== undefined;
    }).map((r) => r.version),
    nowAvailable: [...newRt.values()].filter((r) => {
      const o = oldRt.get(r.version);
      return o && o.unavailable !== undefined && r.unavailable === undefined;
    }).map((r) => r.version),
  };

  const oldW = new Map(oldReport.wheels.map((w) => [w.file, w]));
  const newW = new Map(newReport.wheels.map((w) => [w.file, w]));
  const wheels = {
    added: [...newW.keys()].filter((f) => !oldW.has(f)).sort(cmp),
    removed: [...oldW.keys()].filter((f) => !newW.has(f)).sort(cmp),
    changed: [...newW.values()].filter((w) => {
      const o = oldW.get(w.file);
      return o !== undefined && o.sha256 !== w.sha256;
    }).map((w) => w.file).sort(cmp),
  };

  const oldOut = new Map(oldReport.outcomes.map((o) => [pairKey(o.wheel, o.runtime), o]));
  const newOutcomeOf = new Map<string, OutcomeClass>();
  const outcomes: MovedOutcome[] = [];
  const oracle: ReportDiff["oracle"] = [];
  for (const o of newReport.outcomes) {
    const key = pairKey(o.wheel, o.runtime);
    newOutcomeOf.set(key, o.outcome);
    const before = oldOut.get(key);
    if (!before) continue;
    if (before.outcome !== o.outcome) {
      outcomes.push({ wheel: o.wheel, runtime: o.runtime, old: before.outcome, new: o.outcome });
    }
    if (before.oracle && o.oracle && before.oracle.status !== o.oracle.status) {
      oracle.push({
        wheel: o.wheel,
        runtime: o.runtime,
        old: before.oracle.status,
        new: o.oracle.status,
      });
    }
  }
  outcomes.sort(byPair);
  oracle.sort(byPair);

  const oldP = new Map(oldReport.policies.map((p) => [p.id, p]));
  const newP = new Map(newReport.policies.map((p) => [p.id, p]));
  const policies: ChangedPolicy[] = [];
  for (const p of newReport.policies) {
    const before = oldP.get(p.id);
    if (!before) {
      policies.push({ id: p.id, change: "added", verdictChanged: false, new: figures(p) });
    } else if (!sameFigures(figures(before), figures(p))) {
      policies.push({
        id: p.id,
        change: "changed",
        verdictChanged: before.correct !== p.correct,
        old: figures(before),
        new: figures(p),
      });
    }
  }
  for (const p of oldReport.policies) {
    if (!newP.has(p.id)) {
      policies.push({ id: p.id, change: "removed", verdictChanged: false, old: figures(p) });
    }
  }
  policies.sort((a, b) => cmp(a.id, b.id));

  const newUnsafeAccepts: NewUnsafeAccept[] = [];
  let unsafeAcceptsOfNewPolicies = 0;
  for (const p of newReport.policies) {
    const before = oldP.get(p.id);
    if (!before) {
      unsafeAcceptsOfNewPolicies += p.predictions.filter((x) =>
        x.verdict === "unsafe-accept"
      ).length;
      continue;
    }
    const was = new Map(before.predictions.map((x) => [pairKey(x.wheel, x.runtime), x.verdict]));
    for (const x of p.predictions) {
      if (x.verdict !== "unsafe-accept") continue;
      const key = pairKey(x.wheel, x.runtime);
      const prior = was.get(key);
      if (prior === "unsafe-accept") continue;
      newUnsafeAccepts.push({
        policy: p.id,
        wheel: x.wheel,
        runtime: x.runtime,
        wheelTag: x.wheelTag,
        runtimeTags: x.runtimeTags,
        outcome: newOutcomeOf.get(key) ?? "unknown",
        ...(prior ? { was: prior } : {}),
      });
    }
  }
  newUnsafeAccepts.sort((a, b) => cmp(a.policy, b.policy) || byPair(a, b));

  // The gate: schemes that lost CORRECT, and wheels newly broken on their own runtime.
  const nowUnsafe = policies.filter((p) =>
    p.change === "changed" && p.old?.correct && !p.new?.correct
  )
    .map((p) => p.id);
  const ownOf = (r: ConformReport) => {
    const m = new Map<string, { runtime: string; outcome: string }>();
    for (const w of r.wheels) {
      const outcome = w.builtForOutcome ??
        r.outcomes.find((o) => o.wheel === w.file && o.runtime === w.builtFor)?.outcome;
      if (w.builtFor && outcome) m.set(w.file, { runtime: w.builtFor, outcome });
    }
    return m;
  };
  const loads = (outcome: string) => classWorks(outcome as OutcomeClass, "load") !== false;
  const oldOwn = ownOf(oldReport);
  const newOwnBreaks: ReportDiff["gate"]["newOwnBreaks"] = [];
  for (const [wheel, own] of ownOf(newReport)) {
    if (loads(own.outcome)) continue;
    const before = oldOwn.get(wheel);
    if (before && before.runtime === own.runtime && !loads(before.outcome)) continue;
    newOwnBreaks.push({ wheel, runtime: own.runtime, outcome: own.outcome });
  }
  newOwnBreaks.sort(byPair);

  const diff: ReportDiff = {
    runtimes,
    wheels,
    outcomes,
    oracle,
    policies,
    newUnsafeAccepts,
    gate: { nowUnsafe, newOwnBreaks },
    unsafeAcceptsOfNewPolicies,
  };
  const oa = oldReport.agreement;
  const na = newReport.agreement;
  if ((oa || na) && (oa?.pairs !== na?.pairs || oa?.agreeing !== na?.agreeing)) {
    diff.agreement = {
      ...(oa ? { old: { pairs: oa.pairs, agreeing: oa.agreeing } } : {}),
      ...(na ? { new: { pairs: na.pairs, agreeing: na.agreeing } } : {}),
    };
  }
  return diff;
}

/**
 * True when nothing that diffReports looks at changed.
 *
 * @example
 * ```ts ignore
 * isEmptyDiff(diffReports(report, report)); // true
 * ```
 */
export function isEmptyDiff(d: ReportDiff): boolean {
  return d.runtimes.added.length + d.runtimes.removed.length + d.runtimes.nowAvailable.length +
          d.runtimes.nowUnavailable.length + d.wheels.added.length + d.wheels.removed.length +
          d.wheels.changed.length + d.outcomes.length + d.oracle.length + d.policies.length +
          d.newUnsafeAccepts.length + d.gate.nowUnsafe.length + d.gate.newOwnBreaks.length === 0 &&
    d.agreement === undefined;
}

function fig(f?: PolicyFigures): string {
  if (!f) return "-";
  return `${
    f.correct ? "CORRECT" : "UNSAFE"
  } rank ${f.rank}, ${f.unsafeAccepts} unsafe, ${f.needlessRejects} needless, ${f.tagCount} tags`;
}

/**
 * Human-readable diff, one section per kind of change.
 *
 * @example
 * ```ts ignore
 * console.log(renderDiffText(diffReports(previous, current)));
 * ```
 */
export function renderDiffText(d: ReportDiff, options: { limit?: number } = {}): string {
  const limit = options.limit ?? 50;
  const out: string[] = [];
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push(`${title} (${items.length}):`);
    for (const i of items.slice(0, limit)) out.push(`  ${i}`);
    if (items.length > limit) out.push(`  … and ${items.length - limit} more`);
  };
  list(
    "GATE: POLICIES NOW UNSAFE (were correct)",
    d.gate.nowUnsafe,
  );
  list(
    "GATE: WHEELS NEWLY BROKEN ON THEIR OWN RUNTIME",
    d.gate.newOwnBreaks.map((b) => `${b.wheel} on ${b.runtime} (${b.outcome})`),
  );
  if (d.newUnsafeAccepts.length > 0) {
    list(
      "NEW UNSAFE ACCEPTS",
      d.newUnsafeAccepts.map((u) =>
        `${u.policy}: ${u.wheel} on ${u.runtime} (${u.outcome}; tag ${u.wheelTag} vs ${
          u.runtimeTags.join(" ")
        }; was ${u.was ?? "not scored"})`
      ),
    );
  }
  list("Runtimes added", d.runtimes.added);
  list("Runtimes removed", d.runtimes.removed);
  list("Runtimes now unavailable", d.runtimes.nowUnavailable);
  list("Runtimes measured again", d.runtimes.nowAvailable);
  list("Wheels added", d.wheels.added);
  list("Wheels removed", d.wheels.removed);
  list("Wheels whose content changed", d.wheels.changed);
  list(
    "Outcomes that moved",
    d.outcomes.map((o) => `${o.wheel} on ${o.runtime}: ${o.old} → ${o.new}`),
  );
  list(
    "Oracle results that moved",
    d.oracle.map((o) => `${o.wheel} on ${o.runtime}: ${o.old} → ${o.new}`),
  );
  list(
    "Policies that changed",
    d.policies.map((p) =>
      p.change === "added"
        ? `${p.id}: added (${fig(p.new)})`
        : p.change === "removed"
        ? `${p.id}: removed (was ${fig(p.old)})`
        : `${p.id}: ${p.verdictChanged ? "VERDICT CHANGED, " : ""}${fig(p.old)} → ${fig(p.new)}`
    ),
  );
  if (d.unsafeAcceptsOfNewPolicies > 0) {
    out.push(
      `New policies bring ${d.unsafeAcceptsOfNewPolicies} unsafe accepts (not counted as regressions).`,
    );
  }
  if (d.agreement) {
    const a = d.agreement;
    out.push(
      `Oracle agreement: ${a.old ? `${a.old.agreeing}/${a.old.pairs}` : "none"} → ${
        a.new ? `${a.new.agreeing}/${a.new.pairs}` : "none"
      }`,
    );
  }
  if (out.length === 0) out.push("No change.");
  return `${out.join("\n")}\n`;
}
