/**
 * The runtime × runtime matrix of a report: for the wheels built for runtime A (a row), the share
 * that work on runtime B (a column), and for each scheme the groups of runtimes that share a tag
 * (what a scheme claims compatible, drawn over the measured shares). Computed from the report
 * alone (outcomes, oracle results and each wheel's `builtFor`), so a saved JSON report renders it
 * too. Pure; never throws on odd data.
 *
 * @module
 */
import { classWorks } from "../link/outcome_classes.ts";
import type { Judgement } from "../link/types.ts";
import { groupRuntimesByTag } from "../policy/tag_groups.ts";
import { indexOutcomes, isLockPackage, pairKey } from "./_common.ts";
import type { ConformReport, ReportOutcome, ReportPolicy, ReportWheel } from "./types.ts";

/** One cell: of `total` wheels built for the row's runtime and judged on the column's, `works`. */
export interface RuntimeMatrixCell {
  works: number;
  total: number;
}

/** Rows: built-for runtime; columns: the runtime the wheels ran on; both in report order. */
export interface RuntimeMatrix {
  judgement: Judgement;
  runtimes: string[];
  /** `cells[a][b]`: wheels built for `runtimes[a]` on `runtimes[b]`. */
  cells: RuntimeMatrixCell[][];
  /** Per row: wheels built for that runtime that the matrix counts. */
  wheels: number[];
}

/**
 * Does a pair work under a judgement, from the best evidence the report has: a conclusive
 * real-runtime result decides `load` (under `strict` a loaded `latent` pair still fails), else
 * the link outcome's class. `null`: nothing is known (inconclusive). The rule the scorer applies
 * (`observedWorks` in src/policy/predict.ts), read from report data.
 *
 * @example
 * ```ts ignore
 * pairWorks({ outcome: "unresolved", oracle: { works: true, ... } }, "load"); // true
 * ```
 */
export function pairWorks(
  o: Pick<ReportOutcome, "outcome" | "oracle">,
  judgement: Judgement,
): boolean | null {
  const real = o.oracle?.works;
  if (typeof real === "boolean") {
    return judgement === "load" ? real : real && o.outcome !== "latent";
  }
  return classWorks(o.outcome, judgement);
}

/**
 * True when every tag of a wheel has the platform `any` (`py3-none-any`): no scheme tags it
 * by ABI.
 *
 * @example
 * ```ts
 * isPlatformIndependent({ tags: ["py3-none-any"] }); // true
 * isPlatformIndependent({ tags: ["cp312-cp312-pyodide_2024_0_wasm32"] }); // false
 * ```
 */
export function isPlatformIndependent(wheel: Pick<ReportWheel, "tags">): boolean {
  return wheel.tags.length > 0 && wheel.tags.every((t) => t.split("-").pop() === "any");
}

/**
 * Build the matrix. Counted: wheels (not lock-file `.zip` packages, which no installer judges)
 * that were read, are not defective (they fail even on their own runtime, so every row would
 * blame them), have a platform tag other than `any` (a pure-Python wheel installs everywhere
 * under every scheme and says nothing about an ABI) and have a built-for runtime; pairs whose
 * result is inconclusive are left out.
 *
 * @param report the report
 * @param judgement how "works" is judged (default `load`)
 * @returns the matrix over every runtime of the report
 * @example
 * ```ts ignore
 * const m = buildRuntimeMatrix(report);
 * const a = m.runtimes.indexOf("0.28.3"), b = m.runtimes.indexOf("0.29.5");
 * m.cells[a][b]; // { works: 52, total: 53 }
 * ```
 */
export function buildRuntimeMatrix(
  report: ConformReport,
  judgement: Judgement = "load",
): RuntimeMatrix {
  const runtimes = report.runtimes.map((r) => r.version);
  const index = new Map(runtimes.map((r, i) => [r, i]));
  const cells = runtimes.map(() => runtimes.map(() => ({ works: 0, total: 0 })));
  const wheels = runtimes.map(() => 0);
  const outcomes = indexOutcomes(report);
  for (const w of report.wheels) {
    if (w.inputError !== undefined || w.defective || isLockPackage(w)) continue;
    if (isPlatformIndependent(w)) continue;
    const row = w.builtFor === undefined ? undefined : index.get(w.builtFor);
    if (row === undefined) continue;
    wheels[row]++;
    runtimes.forEach((runtime, col) => {
      const o = outcomes.get(pairKey(w.file, runtime));
      const works = o ? pairWorks(o, judgement) : null;
      if (works === null) return;
      cells[row][col].total++;
      if (works) cells[row][col].works++;
    });
  }
  return { judgement, runtimes, cells, wheels };
}

/**
 * The runtimes a policy puts together: those that accept a common platform tag in its
 * predictions (see `groupRuntimesByTag`). Runtimes without a prediction stand alone.
 *
 * @example
 * ```ts ignore
 * groupRuntimesOfPolicy(pep783, ["0.26.4", "0.27.7", "0.28.3"]); // [["0.26.4","0.27.7"],["0.28.3"]]
 * ```
 */
export function groupRuntimesOfPolicy(
  policy: Pick<ReportPolicy, "predictions">,
  runtimes: readonly string[],
): string[][] {
  const tags = new Map<string, string[]>(runtimes.map((r) => [r, []]));
  for (const p of policy.predictions) {
    const known = tags.get(p.runtime);
    // Every prediction on a runtime carries the same runtime tags: the first one is enough.
    if (known && known.length === 0 && p.runtimeTags.length > 0) tags.set(p.runtime, p.runtimeTags);
  }
  return groupRuntimesByTag(tags);
}
