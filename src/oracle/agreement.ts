/**
 * How the real runtime's behaviour maps to works/breaks, how far the link engine agrees with it,
 * and which pairs the oracle samples. Pure functions over plain data.
 *
 * ## works / breaks (the oracle side)
 *
 * A load path **works** when its status is `ok` (every `.so` it loaded linked, every top-level
 * module imported, no extension module failed behind a pure-Python fallback) and the smoke call,
 * when there is one, returned the expected value. It **breaks** on `link-error`, `unresolved`,
 * `got-undefined`, `fatal`, `skipped` (the runtime never loads the extension), a
 * `python-exception` raised by the wheel's own modules, or a smoke call that fails or raises. It is
 * **inconclusive** (`null`) when the harness could not tell: a time-out (a hang and a slow machine
 * look the same), a failure while booting or handing over dependencies, a `ModuleNotFoundError`
 * for a module the wheel does not contain (a dependency outside the corpus), or `other`.
 *
 * ## Which path decides
 *
 * The package-loader family decides (`load-package`, or `load-package-renamed` when the `.so` names
 * carry another cpython-3XY suffix, since the loader silently skips those and the link engine
 * judges the linking as if they were loaded). Reason: it is what installers do (`loadPackage`,
 * micropip): install, then load **every** `.so` of the wheel eagerly with shared libraries
 * preloaded, which is exactly the set the link engine checks. The dlopen family only links what
 * an import touches and cannot find libraries vendored in `<pkg>.libs`, so it decides only when the
 * package-loader family did not run (`.zip` packages, which `loadPackage` cannot take by path).
 * An inconclusive package-loader result stays inconclusive (a missing dependency or a hang would
 * hit the dlopen path as well). When the two families reach different conclusive verdicts the
 * result says so (`pathsDisagree`).
 *
 * ## works / breaks (the link side)
 *
 * `links` and `soft` predict works. `python-mismatch` is a link-level "works" (everything links,
 * only the cpython suffix differs), compared with the renamed variant. Every other class predicts
 * breaks.
 *
 * @module
 */
import type { LinkEvidence } from "../link/types.ts";
import { classWorks, OUTCOME_CLASSES, type OutcomeClass } from "../link/outcome_classes.ts";
import type { LoadPath, OracleResult, OracleStatus, PathResult } from "./types.ts";

/** What the agreement needs of a link outcome. */
export interface LinkOutcomeLike {
  outcome: OutcomeClass | string;
  evidence: Pick<LinkEvidence, "message" | "symbol" | "kind">[];
  /** Per side module evidence. */
  modules?: { evidence: Pick<LinkEvidence, "message" | "symbol" | "kind">[] }[];
  wheel?: string;
  runtime?: string;
}

/** The archive's evidence, then its modules' evidence (the class is often decided per module). */
function evidenceOf(link: LinkOutcomeLike): Pick<LinkEvidence, "message" | "symbol" | "kind">[] {
  const all = [...link.evidence, ...(link.modules ?? []).flatMap((m) => m.evidence)];
  const seen = new Set<string>();
  return all.filter((e) => !seen.has(e.message) && seen.add(e.message));
}

/** One pair to compare. */
export interface AgreementPair {
  link: LinkOutcomeLike;
  oracle: OracleResult;
}

/** Kinds of disagreement. */
export type DisagreementKind = "stub-stricter" | "stub-missed-break" | "other";

/** One pair where the link engine and the real runtime disagree, with both sides' messages. */
export interface Disagreement {
  wheel: string;
  runtime: string;
  kind: DisagreementKind;
  linkOutcome: string;
  linkMessage: string;
  oracleStatus: OracleStatus;
  oraclePath?: LoadPath;
  oracleMessage: string;
  /** The break is one no link check can see (same types, different behaviour). */
  invisibleToLinkCheck: boolean;
  /** One-line explanation. */
  explanation: string;
}

/** Agreement figures. */
export interface AgreementSummary {
  /** Pairs with a conclusive oracle verdict. */
  pairs: number;
  agreeing: number;
  /** Pairs whose oracle verdict was inconclusive (not counted in `pairs`). */
  inconclusive: { wheel: string; runtime: string; status: OracleStatus; reason: string }[];
  /** Per link outcome class. */
  byClass: Record<string, { pairs: number; agreeing: number; inconclusive: number }>;
  disagreements: Disagreement[];
  /** Counts per disagreement kind. */
  byKind: Record<DisagreementKind, number>;
}

/** The verdict of one oracle result. */
export interface OracleDecision {
  decisivePath?: LoadPath;
  status: OracleStatus;
  message: string;
  symbol?: string;
  works: boolean | null;
  reason: string;
  pathsDisagree: boolean;
}

/**
 * What the link engine predicts for a pair under the `load` judgement (the real runtime is run
 * on whole loads). A Python mismatch is compared at link level: the oracle renames the module.
 * `null`: the link outcome is itself inconclusive (a needed library was not supplied).
 */
function linkPrediction(outcome: string): boolean | null {
  if (outcome === "python-mismatch") return true;
  return (OUTCOME_CLASSES as readonly string[]).includes(outcome)
    ? classWorks(outcome as OutcomeClass, "load")
    : false;
}

/**
 * Does one load path work, break, or leave it open? See the module documentation.
 *
 * @param path The path's result.
 * @returns `true` works, `false` breaks, `null` inconclusive, with the reason.
 *
 * @example
 * ```ts
 * import { judgePath } from "./agreement.ts";
 * const base = { loadMessages: [], loadErrors: [], imports: [], extensionsLoaded: [], extensionErrors: [],
 *   foreignSo: [], console: [], ms: { boot: 0, load: 0, import: 0, smoke: 0, total: 0 } };
 * const verdict = judgePath({ ...base, path: "dlopen", status: "timeout", message: "" });
 * console.assert(verdict.works === null);
 * ```
 */
export function judgePath(path: PathResult): { works: boolean | null; reason: string } {
  if (path.stage === "boot" || path.stage === "dependency") {
    return {
      works: null,
      reason: `the harness failed while ${
        path.stage === "boot" ? "booting" : "handing over dependencies"
      }`,
    };
  }
  switch (path.status) {
    case "ok":
      if (path.smoke?.status === "fail") {
        return {
          works: false,
          reason: `smoke call returned ${path.smoke.value}, expected ${path.smoke.expected}`,
        };
      }
      if (path.smoke?.status === "error") {
        // A native extension may turn the ImportError into its own error (pyo3 panics with
        // "Python API call failed"); the ImportError itself is then only on stderr.
        const missing = missingForeignModule(path, path.smoke.value) ??
          missingForeignModule(path, stderrOf(path));
        if (missing) {
          return {
            works: null,
            reason: `the smoke call needs ${missing}, not available to the harness`,
          };
        }
        return { works: false, reason: `smoke call raised ${path.smoke.value}` };
      }
      return {
        works: true,
        reason: path.smoke ? "loaded, imported, smoke call passed" : "loaded and imported",
      };
    case "skipped":
      return { works: false, reason: "the runtime skips the extension (foreign cpython suffix)" };
    case "python-exception": {
      const missing = missingForeignModule(path, path.message);
      if (missing) {
        return { works: null, reason: `dependency ${missing} is not available to the harness` };
      }
      return { works: false, reason: `${path.exceptionType ?? "exception"} on import` };
    }
    case "link-error":
    case "unresolved":
    case "got-undefined":
    case "fatal":
      return {
        works: false,
        reason: `${path.status}${path.symbol ? ` (${path.symbol})` : ""} at ${
          path.stage ?? "load"
        }`,
      };
    case "timeout":
      return { works: null, reason: "timed out: a hang and a slow machine look the same" };
    default:
      return { works: null, reason: `unclassified failure at ${path.stage ?? "?"}` };
  }
}

/**
 * A module the harness could not provide: `No module named 'X'`, Pyodide's "The module 'X' is
 * included in the Pyodide distribution, but it is not installed", or numpy's C-API
 * "X._core.multiarray failed to import", for a top-level name that none of the wheel's own modules
 * has: a dependency outside the corpus, not the wheel's fault.
 */
function stderrOf(path: PathResult): string {
  return path.console.filter((l) => l.startsWith("stderr:")).join("\n");
}

function missingForeignModule(path: PathResult, text: string): string | undefined {
  const own = new Set(path.imports.map((i) => i.module.split(".")[0]));
  for (
    const m of text.matchAll(
      /No module named '([^'.]+)|The module '([^'.]+)' is included in the Pyodide distribution|\b([A-Za-z_]\w*)(?:\.\w+)* failed to import/g,
    )
  ) {
    const name = m[1] ?? m[2] ?? m[3];
    if (name && !own.has(name)) return name;
  }
  return undefined;
}

function family(paths: PathResult[], base: "load-package" | "dlopen"): PathResult | undefined {
  return paths.find((p) => p.path === `${base}-renamed`) ?? paths.find((p) => p.path === base);
}

/**
 * Decide an oracle result from its load paths: the package-loader family decides, the dlopen
 * family stands in only when it did not run. See the module documentation.
 *
 * @param paths Results of the load paths that ran.
 * @returns The decisive path, its status and the verdict.
 *
 * @example
 * ```ts
 * import { decideOracle } from "./agreement.ts";
 * const base = { loadMessages: [], loadErrors: [], imports: [], extensionsLoaded: [], extensionErrors: [],
 *   foreignSo: [], console: [], ms: { boot: 0, load: 0, import: 0, smoke: 0, total: 0 } };
 * const d = decideOracle([
 *   { ...base, path: "load-package", status: "ok", message: "" },
 *   { ...base, path: "dlopen", status: "link-error", message: "LinkError" },
 * ]);
 * console.assert(d.decisivePath === "load-package" && d.works === true && d.pathsDisagree);
 * ```
 */
export function decideOracle(paths: PathResult[]): OracleDecision {
  const lp = family(paths, "load-package");
  const dl = family(paths, "dlopen");
  const lpv = lp ? judgePath(lp) : undefined;
  const dlv = dl ? judgePath(dl) : undefined;
  const pathsDisagree = lpv !== undefined && dlv !== undefined && lpv.works !== null &&
    dlv.works !== null && lpv.works !== dlv.works;
  let chosen: PathResult | undefined;
  let verdict: { works: boolean | null; reason: string } | undefined;
  // An installer refusal (`other` at load, e.g. a wheel without .dist-info) says nothing about
  // linking: then the dlopen family stands in, as for archives loadPackage cannot take.
  const refused = lp?.status === "other" && lp.stage === "load";
  if (lp && lpv && !(refused && dl)) {
    chosen = lp;
    verdict = lpv;
  } else if (dl && dlv) {
    chosen = dl;
    verdict = dlv;
  }
  if (!chosen || !verdict) {
    return {
      status: "other",
      message: "no load path ran",
      works: null,
      reason: "no load path ran",
      pathsDisagree,
    };
  }
  return {
    decisivePath: chosen.path,
    status: chosen.status,
    message: chosen.message,
    ...(chosen.symbol ? { symbol: chosen.symbol } : {}),
    works: verdict.works,
    reason: `${chosen.path}: ${verdict.reason}`,
    pathsDisagree,
  };
}

/** Evidence kinds that explain each outcome class, shown first. */
const EVIDENCE_FOR: Record<string, string[]> = {
  unresolved: ["unresolved-function", "unresolved-got", "needed-missing"],
  "link-error": [
    "type-mismatch",
    "v8-link-error",
    "tag-mismatch",
    "memory-mismatch",
    "global-mismatch",
    "table-mismatch",
    "unknown-module",
  ],
  "loader-mismatch": ["loader-capability", "abi-feature"],
  trap: ["trap", "timeout"],
  invalid: ["invalid"],
  "python-mismatch": ["python-version"],
  soft: ["allowed", "weak"],
};

function linkMessage(link: LinkOutcomeLike): string {
  const wanted = EVIDENCE_FOR[link.outcome] ?? [];
  const ordered = [
    ...evidenceOf(link).filter((e) => wanted.includes(e.kind)),
    ...evidenceOf(link).filter((e) => !wanted.includes(e.kind)),
  ];
  const first = ordered.slice(0, 3).map((e) => e.message);
  return first.length > 0 ? first.join("; ") : link.outcome;
}

const LINK_LEVEL_STATUSES: ReadonlySet<OracleStatus> = new Set([
  "link-error",
  "unresolved",
  "got-undefined",
]);

/**
 * Compare link outcomes with oracle verdicts: overall and per outcome class, with every
 * disagreement classified and both sides' messages.
 *
 * - `stub-stricter`: the link engine says `unresolved`, the real import works, because the missing
 *   symbol was never called on the path the import and smoke call took.
 * - `stub-missed-break`: the link engine says `links`/`soft`/`latent`/`python-mismatch`, the real
 *   runtime fails or the smoke call gives a wrong result. `invisibleToLinkCheck` is true unless the
 *   real failure is itself a linking failure (then the engine has a gap). For `latent`, the
 *   explanation names the missing function the import called after the load.
 * - `other`: any other mismatch (e.g. `link-error` predicted but the real runtime loads it).
 *
 * @param pairs Link outcome and oracle result of the same wheel × runtime.
 * @returns The agreement figures.
 *
 * @example
 * ```ts
 * import { computeAgreement } from "./agreement.ts";
 * const summary = computeAgreement([]);
 * console.assert(summary.pairs === 0 && summary.disagreements.length === 0);
 * ```
 */
export function computeAgreement(pairs: AgreementPair[]): AgreementSummary {
  const summary: AgreementSummary = {
    pairs: 0,
    agreeing: 0,
    inconclusive: [],
    byClass: {},
    disagreements: [],
    byKind: { "stub-stricter": 0, "stub-missed-break": 0, other: 0 },
  };
  for (const { link, oracle } of pairs) {
    const cls = (summary.byClass[link.outcome] ??= { pairs: 0, agreeing: 0, inconclusive: 0 });
    const wheel = link.wheel ?? oracle.wheel;
    const runtime = link.runtime ?? oracle.runtime;
    const predicted = linkPrediction(link.outcome);
    if (oracle.works === null || predicted === null) {
      cls.inconclusive++;
      summary.inconclusive.push({
        wheel,
        runtime,
        status: oracle.status,
        reason: oracle.works === null
          ? oracle.reason
          : `the link check is inconclusive (${link.outcome}): a needed library was not supplied`,
      });
      continue;
    }
    summary.pairs++;
    cls.pairs++;
    if (predicted === oracle.works) {
      summary.agreeing++;
      cls.agreeing++;
      continue;
    }
    let kind: DisagreementKind;
    let invisible = false;
    let explanation: string;
    if (!predicted && (link.outcome === "unresolved" || link.outcome === "latent")) {
      kind = "stub-stricter";
      const symbols = evidenceOf(link)
        .filter((e) => e.kind.startsWith("unresolved") || e.kind.startsWith("latent"))
        .map((e) => e.symbol).filter(Boolean).slice(0, 5).join(", ");
      explanation =
        `the link engine found unresolved symbols (${symbols || "see evidence"}) that the ` +
        `import${oracle.smoke ? " and smoke call" : ""} never called`;
    } else if (predicted && link.outcome === "latent") {
      // The loader's part agrees (the load succeeded); the module's own init, run by the import
      // after the load, called one of the functions the link check found missing.
      kind = "stub-missed-break";
      const latent = evidenceOf(link).filter((e) => e.kind.startsWith("latent"))
        .map((e) => e.symbol).filter(Boolean) as string[];
      const called = oracle.symbol && latent.includes(oracle.symbol) ? oracle.symbol : undefined;
      explanation = called
        ? `the load succeeds as the link engine says (latent), but the import then calls ${called}, ` +
          `one of the ${latent.length} functions it found missing: the break comes after the load, ` +
          `when module init code runs`
        : `the link engine found ${latent.length} functions missing that no load step calls ` +
          `(${latent.slice(0, 5).join(", ")}); the real runtime fails after the load ` +
          `(${oracle.status}${oracle.symbol ? ` ${oracle.symbol}` : ""}: ${oracle.reason})`;
    } else if (predicted) {
      kind = "stub-missed-break";
      invisible = !LINK_LEVEL_STATUSES.has(oracle.status);
      explanation = invisible
        ? `everything links, but the real runtime breaks (${oracle.reason}): a break no link check can see` +
          (link.outcome === "python-mismatch"
            ? "; the cpXY tag already rejects this cross-Python pair"
            : "")
        : `the real runtime fails to link (${oracle.status}${
          oracle.symbol ? ` ${oracle.symbol}` : ""
        }): a gap in the link engine`;
    } else if (link.outcome === "loader-mismatch") {
      kind = "other";
      explanation =
        `the link engine predicts silent corruption (the module needs loader work this ` +
        `runtime's glue does not do); the import${oracle.smoke ? " and smoke call" : ""} did not ` +
        `touch the affected data (${oracle.reason})`;
    } else {
      kind = "other";
      explanation =
        `the link engine says ${link.outcome} but the real runtime works (${oracle.reason})`;
    }
    summary.byKind[kind]++;
    summary.disagreements.push({
      wheel,
      runtime,
      kind,
      linkOutcome: link.outcome,
      linkMessage: linkMessage(link),
      oracleStatus: oracle.status,
      ...(oracle.decisivePath ? { oraclePath: oracle.decisivePath } : {}),
      oracleMessage: oracle.smoke?.status === "fail"
        ? `smoke: ${oracle.smoke.value} != ${oracle.smoke.expected}`
        : oracle.message || oracle.reason,
      invisibleToLinkCheck: invisible,
      explanation,
    });
  }
  return summary;
}

/** What the sampler needs of a pair. */
export interface SamplePair {
  wheel: string;
  runtime: string;
  /** Link outcome class. */
  outcome: string;
  /** Runtime the wheel was built for, when known. */
  builtFor?: string | null;
}

/** Named limit on the sample size. */
export const MAX_SAMPLE_SIZE = 100_000;

/**
 * mulberry32: a tiny seeded PRNG (public domain), enough for a reproducible shuffle.
 *
 * @param seed 32-bit seed.
 * @returns A function returning floats in [0, 1).
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./agreement.ts";
 * const a = mulberry32(7), b = mulberry32(7);
 * console.assert(a() === b());
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A fixed, seeded sample of pairs, stratified over link outcome classes and runtime pairs
 * (built-for runtime → target runtime). Classes take turns (so a rare class is never crowded
 * out), and within a class the runtime pairs take turns; each stratum is shuffled with
 * mulberry32(seed). The input order does not matter: pairs are sorted first.
 *
 * @param pairs Candidate pairs.
 * @param options `seed` and `size` (at most {@linkcode MAX_SAMPLE_SIZE}).
 * @returns The sample, a description a report can name, and the stratum sizes.
 *
 * @example
 * ```ts
 * import { selectOracleSample } from "./agreement.ts";
 * const pairs = [
 *   { wheel: "a.whl", runtime: "0.27.7", outcome: "links", builtFor: "0.27.7" },
 *   { wheel: "b.whl", runtime: "0.28.3", outcome: "link-error", builtFor: "0.27.7" },
 *   { wheel: "c.whl", runtime: "0.27.7", outcome: "links", builtFor: "0.27.7" },
 * ];
 * const { sample } = selectOracleSample(pairs, { seed: 1, size: 2 });
 * console.assert(sample.some((p) => p.outcome === "link-error"));
 * ```
 */
export function selectOracleSample<T extends SamplePair>(
  pairs: T[],
  options: { seed: number; size: number },
): { sample: T[]; description: string; strata: Record<string, number> } {
  const size = Math.max(0, Math.min(options.size, MAX_SAMPLE_SIZE, pairs.length));
  const sorted = pairs.slice().sort((a, b) =>
    a.outcome.localeCompare(b.outcome) || a.wheel.localeCompare(b.wheel) ||
    a.runtime.localeCompare(b.runtime)
  );
  const random = mulberry32(options.seed);
  // class → runtime pair → shuffled queue
  const byClass = new Map<string, Map<string, T[]>>();
  const strata: Record<string, number> = {};
  for (const p of sorted) {
    const runtimePair = `${p.builtFor ?? "?"}→${p.runtime}`;
    const cls = byClass.get(p.outcome) ?? new Map<string, T[]>();
    byClass.set(p.outcome, cls);
    const list = cls.get(runtimePair) ?? [];
    cls.set(runtimePair, list);
    list.push(p);
    strata[`${p.outcome} ${runtimePair}`] = (strata[`${p.outcome} ${runtimePair}`] ?? 0) + 1;
  }
  const classQueues = [...byClass.keys()].sort().map((cls) => {
    const groups = byClass.get(cls)!;
    const keys = shuffle([...groups.keys()].sort(), random);
    return { cls, queues: keys.map((k) => shuffle(groups.get(k)!, random)), turn: 0 };
  });
  const sample: T[] = [];
  while (sample.length < size) {
    let took = false;
    for (const c of classQueues) {
      if (sample.length >= size) break;
      // Next non-empty runtime pair of this class, in turn.
      for (let k = 0; k < c.queues.length; k++) {
        const q = c.queues[(c.turn + k) % c.queues.length];
        if (q.length > 0) {
          sample.push(q.shift()!);
          c.turn = (c.turn + k + 1) % c.queues.length;
          took = true;
          break;
        }
      }
    }
    if (!took) break;
  }
  const description =
    `seeded stratified sample (mulberry32, seed ${options.seed}): ${sample.length} ` +
    `of ${pairs.length} pairs; strata = link outcome class × runtime pair (built-for → target), ` +
    `${
      Object.keys(strata).length
    } strata; classes take turns, runtime pairs take turns within a class`;
  return { sample, description, strata };
}
