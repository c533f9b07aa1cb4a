/**
 * Builds realistic ConformReport fixtures for the renderer tests, without running the harness.
 *
 * The report is derived, not written: runtimes fall into ABI groups, every wheel is built for one
 * runtime, outcomes follow from the groups (plus explicit overrides), and every policy's
 * predictions, counts, counter-examples and rank are computed from those outcomes the way the
 * scorer is specified to. So every field is consistent with every other, and a test that mutates
 * the spec (an override, an extra runtime) gets a report that differs only where it should.
 *
 * @module
 */
import type { LinkEvidence, OutcomeClass } from "../../src/link/types.ts";
import { classWorks, type Judgement, JUDGEMENTS } from "../../src/link/outcome_classes.ts";
import type {
  ConformReport,
  PairVerdict,
  ReportCounterExample,
  ReportCounts,
  ReportJudgedScore,
  ReportOracleResult,
  ReportOutcome,
  ReportPolicy,
  ReportPrediction,
  ReportRuntime,
  ReportWheel,
  ScoredVerdict,
} from "../../src/report/types.ts";

export interface RuntimeSpec {
  version: string;
  python: string;
  emscripten: string;
  platformTag: string;
  abiVersion?: string;
  releaseDate?: string;
  /** Runtimes in the same group share one ABI. */
  group: string;
  unavailable?: string;
}

/** Eleven runtimes shaped like the catalogue's (facts approximate; fixtures only). */
export const RUNTIMES: RuntimeSpec[] = [
  rt("0.21.3", "3.10.2", "3.1.14", "emscripten_3_1_14_wasm32", "A", "2022-09-15"),
  rt("0.22.1", "3.10.2", "3.1.27", "emscripten_3_1_27_wasm32", "B", "2023-01-20"),
  rt("0.23.4", "3.11.2", "3.1.32", "emscripten_3_1_32_wasm32", "C", "2023-07-06"),
  rt("0.24.1", "3.11.3", "3.1.45", "emscripten_3_1_45_wasm32", "D", "2023-09-25"),
  rt("0.25.1", "3.11.3", "3.1.46", "emscripten_3_1_46_wasm32", "D", "2024-04-09"),
  rt("0.26.4", "3.12.1", "3.1.58", "pyodide_2024_0_wasm32", "E", "2024-11-19", "2024_0"),
  rt("0.27.7", "3.12.7", "3.1.58", "pyodide_2024_0_wasm32", "E", "2025-06-12", "2024_0"),
  rt("0.28.3", "3.13.2", "4.0.9", "pyodide_2025_0_wasm32", "F", "2025-09-18", "2025_0"),
  rt("0.29.5", "3.13.2", "4.0.9", "pyodide_2025_0_wasm32", "F", "2026-02-10", "2025_0"),
  rt("314.0.7", "3.14.2", "4.0.19", "pyemscripten_2026_0_wasm32", "G", "2026-05-20", "2026_0"),
  rt("315.0.0-alpha.2", "3.15.0", "4.0.23", "pyemscripten_2027_0_wasm32", "H", undefined, "2027_0"),
];

function rt(
  version: string,
  python: string,
  emscripten: string,
  platformTag: string,
  group: string,
  releaseDate?: string,
  abiVersion?: string,
): RuntimeSpec {
  return {
    version,
    python,
    emscripten,
    platformTag,
    group,
    ...(releaseDate ? { releaseDate } : {}),
    ...(abiVersion ? { abiVersion } : {}),
  };
}

const PACKAGES = [
  "numpy",
  "pyyaml",
  "regex",
  "shapely",
  "pillow",
  "cffi",
  "lxml",
  "pydantic_core",
  "kiwisolver",
  "zstandard",
  "msgpack",
  "cryptography",
  "scipy",
  "pandas",
  "lru_dict",
  "markupsafe",
];

/** What a test may change about the generated report. */
export interface ReportSpec {
  /** Number of wheels (default 14). */
  wheels?: number;
  runtimes?: RuntimeSpec[];
  /** Number of policies, taken from POLICY_IDS (default all 11). */
  policies?: number;
  /** Wheel indexes whose file cannot be read. Default [3]. */
  inputErrors?: number[];
  /** Wheel indexes that fail even on their own runtime. Default [5]. */
  defective?: number[];
  /** Wheel indexes that are pure Python (link everywhere). Default [2]. */
  pure?: number[];
  /** Outcome overrides by `${wheelIndex}|${runtimeVersion}`. */
  overrides?: Record<string, OutcomeClass>;
  /**
   * Pairs (`${wheelIndex}|${runtimeVersion}`) that are `latent`: they load but a function
   * resolves nowhere, so they work under `load` and not under `strict`. Default ["6|0.26.4"]
   * (a 0.27.7 wheel on 0.26.4, same ABI: the schemes that accept it differ between judgements).
   */
  latent?: string[];
  /** Put every n-th pair in the oracle sample (0: no oracle). Default 4. */
  oracleEvery?: number;
  /** Runtime versions to mark unavailable. Default ["315.0.0-alpha.2"]. */
  unavailable?: string[];
  generatedAt?: string;
}

export const POLICY_IDS = [
  "as-shipped",
  "pyodide-plain",
  "pyodide-release-date",
  "pyodide-year-patch",
  "pyodide-python-patch",
  "emscripten-version",
  "emscripten-abi-hash",
  "bitflags-subset",
  "plain-plus-build-tag",
  "two-tier-audit",
  "pep783-pyemscripten",
];

/** Tag scheme of each fixture policy: runtime → its own tags (first is the one wheels get). */
function policyTags(id: string, r: RuntimeSpec): string[] {
  const py = r.python.split(".").slice(0, 2).join("");
  switch (id) {
    case "as-shipped":
      return [r.platformTag];
    case "pyodide-plain":
    case "plain-plus-build-tag":
      return ["pyodide_wasm32"];
    case "pyodide-release-date":
      return [`pyodide_${(r.releaseDate ?? "2026-09").slice(0, 7).replace("-", "")}_wasm32`];
    case "pyodide-year-patch":
    case "two-tier-audit":
      return [`pyodide_${groupYear(r.group)}_wasm32`];
    case "pyodide-python-patch":
      return [`pyodide_${py}_0_wasm32`];
    case "emscripten-version":
      return [`emscripten_${r.emscripten.replaceAll(".", "_")}_wasm32`];
    case "emscripten-abi-hash":
      return [`emscripten_${hashHex(r.group).slice(0, 8)}_wasm32`];
    case "bitflags-subset":
      // Subset: later runtimes accept the flags of earlier ones in the same Python (deliberately too lax).
      return [`pyodide_${py}_wasm32`];
    case "pep783-pyemscripten": {
      const y = groupYear(r.group);
      return [`pyemscripten_${y}_wasm32`, `pyodide_${y}_wasm32`];
    }
    default:
      return [`${id}_wasm32`];
  }
}

function groupYear(group: string): string {
  return `${2019 + group.charCodeAt(0) - 64}_0`;
}

function hashHex(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

function fakeSha(s: string): string {
  let out = "";
  for (let i = 0; out.length < 64; i++) out += hashHex(`${s}#${i}`);
  return out.slice(0, 64);
}

/** Deterministic pick from a list by a string key. */
function pick<T>(list: readonly T[], key: string): T {
  return list[parseInt(hashHex(key), 16) % list.length] as T;
}

const BREAKS: OutcomeClass[] = ["unresolved", "link-error", "trap", "unresolved", "link-error"];

/** The fixture's outcome class and evidence for one pair. */
function observe(
  wheelIndex: number,
  built: RuntimeSpec,
  target: RuntimeSpec,
  spec: Required<Pick<ReportSpec, "defective" | "pure" | "overrides" | "latent">>,
): OutcomeClass {
  const override = spec.overrides[`${wheelIndex}|${target.version}`];
  if (override) return override;
  if (spec.latent.includes(`${wheelIndex}|${target.version}`)) return "latent";
  if (spec.pure.includes(wheelIndex)) return "links";
  if (spec.defective.includes(wheelIndex)) return "unresolved";
  if (built.group === target.group) return wheelIndex % 4 === 1 ? "soft" : "links";
  if (pyMinor(built.python) !== pyMinor(target.python)) return "python-mismatch";
  if (target.version === "0.21.3") return "loader-mismatch";
  return pick(BREAKS, `${wheelIndex}|${target.version}`);
}

function pyMinor(v: string): string {
  return v.split(".").slice(0, 2).join(".");
}

function evidenceFor(outcome: OutcomeClass, wheel: string, target: RuntimeSpec): LinkEvidence[] {
  const member = `${wheel.split("-")[0]}/_core.cpython-${
    pyMinor(target.python).replace(".", "")
  }-wasm32-emscripten.so`;
  switch (outcome) {
    case "links":
      return [];
    case "soft":
      return [{
        kind: "allowed",
        member,
        module: "env",
        symbol: "emscripten_sleep",
        reason: "injected by the glue at run time",
        message: "env.emscripten_sleep is missing but injected at run time",
      }];
    case "unresolved":
      return [{
        kind: "unresolved-function",
        member,
        module: "env",
        symbol: "ZSTD_createThreadPool",
        importIndex: 17,
        message: "env.ZSTD_createThreadPool resolves nowhere",
      }, {
        kind: "unresolved-got",
        member,
        module: "GOT.mem",
        symbol: "_Py_NoneStruct",
        message: "GOT.mem._Py_NoneStruct resolves nowhere",
      }];
    case "link-error":
      return [{
        kind: "type-mismatch",
        member,
        module: "env",
        symbol: "_PyLong_AsByteArray",
        importIndex: 42,
        sideType: { params: ["i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
        mainType: { params: ["i32", "i32", "i32", "i32", "i32", "i32"], results: ["i32"] },
        // Deliberately full of characters every format must escape.
        message:
          'WebAssembly.Instance(): Import #42 "env" "_PyLong_AsByteArray": imported function does not match the expected type <&"\'> ]]> </script> \u0001',
      }];
    case "loader-mismatch":
      return [{
        kind: "loader-capability",
        member,
        symbol: "__wasm_apply_data_relocs",
        message:
          "exports __wasm_apply_data_relocs but the 0.21.3 glue never calls it: static data is never relocated",
      }];
    case "trap":
      return [{
        kind: "trap",
        member,
        symbol: "__wasm_call_ctors",
        message: "RuntimeError: unreachable executed in constructor __wasm_call_ctors",
      }];
    case "latent":
      return [{
        kind: "latent-function",
        member,
        module: "env",
        symbol: "ZSTD_createThreadPool",
        message: "env.ZSTD_createThreadPool resolves nowhere; no load step calls it",
      }];
    case "python-mismatch":
      return [{
        kind: "python-version",
        member,
        message: `built for another CPython than ${target.python}`,
      }];
    case "invalid":
      return [{ kind: "invalid", member, message: "not a wasm side module: missing dylink.0" }];
    default:
      return [{ kind: "v8-link-error", member, message: String(outcome) }];
  }
}

function summaryOf(evidence: LinkEvidence[], outcome: OutcomeClass): string {
  const first = evidence[0];
  if (!first) return outcome === "links" ? "every import resolves" : outcome;
  if (!first.symbol) return first.message;
  return `${first.module ? `${first.module}.` : ""}${first.symbol}: ${first.message}`;
}

/** Does a pair of this class work under a judgement (inconclusive counts as not working here). */
function worksUnder(outcome: OutcomeClass, j: Judgement): boolean {
  return classWorks(outcome, j) === true;
}

function zero(): ReportCounts {
  return {
    unsafeAccepts: 0,
    needlessRejects: 0,
    correctAccepts: 0,
    correctRejects: 0,
    inconclusive: 0,
  };
}

const COUNT_OF: Record<ScoredVerdict, keyof ReportCounts> = {
  "unsafe-accept": "unsafeAccepts",
  "needless-reject": "needlessRejects",
  "correct-accept": "correctAccepts",
  "correct-reject": "correctRejects",
  "inconclusive": "inconclusive",
};

/** The fixture's ranking: correct first, then fewer needless rejects, unsafe accepts, tags. */
function rankBy(policies: ReportPolicy[], j: Judgement): Map<string, number> {
  const c = (p: ReportPolicy) => p.scores![j];
  const sorted = [...policies].sort((a, b) =>
    Number(c(b).correct) - Number(c(a).correct) ||
    c(a).withoutDefective.needlessRejects - c(b).withoutDefective.needlessRejects ||
    c(a).withoutDefective.unsafeAccepts - c(b).withoutDefective.unsafeAccepts ||
    a.tagCount - b.tagCount || (a.id < b.id ? -1 : 1)
  );
  return new Map(sorted.map((p, i) => [p.id, i + 1]));
}

/**
 * A full ConformReport derived from the spec.
 *
 * @example
 * ```ts
 * const report = makeReport({ wheels: 6 });
 * report.policies.length; // 11
 * ```
 */
export function makeReport(spec: ReportSpec = {}): ConformReport {
  const runtimeSpecs = (spec.runtimes ?? RUNTIMES).map((r) => ({ ...r }));
  const unavailable = spec.unavailable ?? ["315.0.0-alpha.2"];
  for (const r of runtimeSpecs) {
    if (unavailable.includes(r.version)) {
      r.unavailable =
        `npm pack pyodide@${r.version} failed: integrity mismatch; supply it with --runtime-dir DIR`;
    }
  }
  const nWheels = spec.wheels ?? 14;
  const inputErrors = spec.inputErrors ?? [3];
  const full = {
    defective: spec.defective ?? [5],
    pure: spec.pure ?? [2],
    overrides: spec.overrides ?? {},
    latent: spec.latent ?? ["6|0.26.4"],
  };
  const oracleEvery = spec.oracleEvery ?? 4;
  const available = runtimeSpecs.filter((r) => !r.unavailable);
  // Wheels are built for the default runtimes only, so adding a runtime leaves the wheels alone.
  const buildable = runtimeSpecs.filter((r) =>
    r.version !== "315.0.0-alpha.2" && RUNTIMES.some((d) => d.version === r.version)
  );

  const wheels: ReportWheel[] = [];
  const builtFor: RuntimeSpec[] = [];
  for (let i = 0; i < nWheels; i++) {
    const b = buildable[i % buildable.length] as RuntimeSpec;
    builtFor.push(b);
    const pkg = PACKAGES[i % PACKAGES.length] as string;
    const py = `cp${pyMinor(b.python).replace(".", "")}`;
    const pure = full.pure.includes(i);
    const tag = pure ? "py3-none-any" : `${py}-${py}-${b.platformTag}`;
    const file = `${pkg}-1.${Math.floor(i / PACKAGES.length)}.${i}-${tag}.whl`;
    const w: ReportWheel = {
      file,
      sha256: fakeSha(file),
      kind: pure ? "pure" : "binary",
      builtFor: b.version,
      tags: [tag],
      inferred: i % 6 === 4 ? ["emscripten", "abiVersion"] : [],
    };
    if (inputErrors.includes(i)) {
      w.inputError = `Cannot read zip: central directory extends past end (at offset 0x${
        (1000 + i).toString(16)
      } in "${file}")`;
    } else if (full.defective.includes(i)) w.defective = true;
    wheels.push(w);
  }

  const outcomes: ReportOutcome[] = [];
  const works = new Map<string, boolean>();
  const outcomeOf = new Map<string, OutcomeClass>();
  let pairNo = 0;
  let disagreementPlaced = false;
  for (let i = 0; i < nWheels; i++) {
    const w = wheels[i] as ReportWheel;
    if (w.inputError) continue;
    for (const r of available) {
      const outcome = observe(i, builtFor[i] as RuntimeSpec, r, full);
      const evidence = evidenceFor(outcome, w.file, r);
      const o: ReportOutcome = {
        wheel: w.file,
        runtime: r.version,
        outcome,
        summary: summaryOf(evidence, outcome),
        evidence,
      };
      let realWorks = worksUnder(outcome, "load");
      if (oracleEvery > 0 && pairNo % oracleEvery === 0) {
        // One disagreement: the stub misses a break (same types, different meaning) on the first
        // sampled pair that links on a runtime other than the wheel's own.
        const missed = !disagreementPlaced && realWorks && r !== builtFor[i];
        if (missed) {
          realWorks = false;
          disagreementPlaced = true;
        }
        const oracle: ReportOracleResult = {
          works: realWorks,
          status: realWorks ? "ok" : missed ? "python-exception" : outcome,
          message: realWorks
            ? `import ${w.file.split("-")[0]} ok`
            : missed
            ? "SystemError: bad argument to internal function"
            : o.summary,
          agrees: !missed,
          ...(missed ? { disagreement: "stub-missed-break" } : {}),
        };
        o.oracle = oracle;
      }
      pairNo++;
      works.set(`${i}|${r.version}`, worksUnder(outcome, "load"));
      outcomeOf.set(`${i}|${r.version}`, outcome);
      outcomes.push(o);
    }
  }

  const policyIds = POLICY_IDS.slice(0, spec.policies ?? POLICY_IDS.length);
  const policies: ReportPolicy[] = policyIds.map((id) => {
    const predictions: ReportPrediction[] = [];
    const counterExamples: ReportCounterExample[] = [];
    const tags = new Set<string>();
    for (let i = 0; i < nWheels; i++) {
      const w = wheels[i] as ReportWheel;
      const b = builtFor[i] as RuntimeSpec;
      const pure = full.pure.includes(i);
      const wheelTag = pure ? "any" : (policyTags(id, b)[0] as string);
      tags.add(wheelTag);
      for (const r of available) {
        const runtimeTags = policyTags(id, r);
        for (const t of runtimeTags) tags.add(t);
        const samePython = pure || pyMinor(b.python) === pyMinor(r.python);
        const tagOk = pure || runtimeTags.includes(wheelTag) ||
          (id === "bitflags-subset" && b.python === r.python);
        const install = samePython && tagOk;
        const rule = pure
          ? "pure wheel: any"
          : !samePython
          ? "python tag differs"
          : runtimeTags[0] === wheelTag
          ? "exact"
          : runtimeTags.includes(wheelTag)
          ? "alias"
          : "no match";
        const outcome = outcomeOf.get(`${i}|${r.version}`) ?? "invalid";
        const scored = (j: Judgement): ScoredVerdict => {
          if (classWorks(outcome, j) === null) return "inconclusive";
          const ok = worksUnder(outcome, j);
          return install
            ? (ok ? "correct-accept" : "unsafe-accept")
            : (ok ? "needless-reject" : "correct-reject");
        };
        let verdict: PairVerdict;
        let strictVerdict: PairVerdict;
        if (w.inputError) verdict = strictVerdict = "input-error";
        else if (w.defective) verdict = strictVerdict = "defective";
        else [verdict, strictVerdict] = [scored("load"), scored("strict")];
        const prediction: ReportPrediction = {
          wheel: w.file,
          runtime: r.version,
          wheelTag,
          runtimeTags,
          install,
          verdict,
          ...(strictVerdict !== verdict ? { strictVerdict } : {}),
          ...(w.defective && !w.inputError
            ? { withDefective: { load: scored("load"), strict: scored("strict") } }
            : {}),
          ...(w.inputError ? {} : { evidence: "link" as const }),
          rule,
        };
        predictions.push(prediction);
        if (verdict === "unsafe-accept" || verdict === "needless-reject") {
          const o = outcomes.find((x) => x.wheel === w.file && x.runtime === r.version);
          counterExamples.push({
            wheel: w.file,
            runtime: r.version,
            wheelTag,
            runtimeTag: runtimeTags[0] as string,
            outcome: o?.outcome ?? "links",
            kind: verdict,
            evidence: o?.summary ?? "",
          });
        }
      }
    }
    // Counts per judgement, from the predictions: each pair counted once, defective wheels'
    // pairs only in the with-defective counts.
    const scores = Object.fromEntries(JUDGEMENTS.map((j) => {
      const without = zero();
      const withDefective = zero();
      for (const p of predictions) {
        if (p.verdict === "input-error") continue;
        const v = p.withDefective?.[j] ??
          (j === "strict" ? p.strictVerdict ?? p.verdict : p.verdict);
        withDefective[COUNT_OF[v as ScoredVerdict]]++;
        if (!p.withDefective) without[COUNT_OF[v as ScoredVerdict]]++;
      }
      const score: ReportJudgedScore = {
        withoutDefective: without,
        withDefective,
        rank: 0,
        correct: without.unsafeAccepts === 0,
      };
      return [j, score];
    })) as Record<Judgement, ReportJudgedScore>;
    const load = scores.load.withoutDefective;
    return {
      id,
      title: `Fixture scheme ${id}`,
      file: `policies/${id}.yaml`,
      source: [{ title: `Proposal for ${id}`, url: `https://example.invalid/${id}` }],
      correct: scores.load.correct,
      rank: 0,
      unsafeAccepts: load.unsafeAccepts,
      needlessRejects: load.needlessRejects,
      correctAccepts: load.correctAccepts,
      correctRejects: load.correctRejects,
      inconclusive: load.inconclusive,
      tagCount: tags.size,
      scores,
      counterExamples,
      predictions,
    };
  });
  for (const j of JUDGEMENTS) {
    const ranks = rankBy(policies, j);
    for (const p of policies) p.scores![j].rank = ranks.get(p.id)!;
  }
  for (const p of policies) p.rank = p.scores!.load.rank;

  // Ideal classes: runtimes whose works/breaks vector over non-defective wheels is identical.
  const usable = wheels.map((w, i) => ({ w, i })).filter(({ w }) => !w.inputError && !w.defective);
  const vector = (r: RuntimeSpec) =>
    usable.map(({ i }) => (works.get(`${i}|${r.version}`) ? "1" : "0")).join("");
  const classes: { runtimes: string[]; vector: string }[] = [];
  for (const r of available) {
    const v = vector(r);
    const last = classes[classes.length - 1];
    if (last && last.vector === v) last.runtimes.push(r.version);
    else classes.push({ runtimes: [r.version], vector: v });
  }
  const equivalenceClasses = classes.map((c, k) => {
    const next = classes[k + 1];
    const separated = next
      ? usable.filter((_, j) => c.vector[j] !== next.vector[j]).map(({ w }) => w.file)
      : [];
    return { runtimes: c.runtimes, separatedFromNextBy: separated };
  });

  const sampled = outcomes.filter((o) => o.oracle);
  const byClass: Record<string, { pairs: number; agreeing: number }> = {};
  for (const o of sampled) {
    const c = (byClass[o.outcome] ??= { pairs: 0, agreeing: 0 });
    c.pairs++;
    if (o.oracle?.agrees) c.agreeing++;
  }

  const runtimes: ReportRuntime[] = runtimeSpecs.map((r) => ({
    version: r.version,
    python: r.python,
    emscripten: r.emscripten,
    ...(r.abiVersion ? { abiVersion: r.abiVersion } : {}),
    platformTag: r.platformTag,
    ...(r.releaseDate ? { releaseDate: r.releaseDate } : {}),
    ...(r.unavailable ? { unavailable: r.unavailable } : {}),
  }));

  const report: ConformReport = {
    version: 1,
    harnessVersion: "0.1.0",
    generatedAt: spec.generatedAt ?? "2026-09-01T02:00:00.000Z",
    runtimes,
    wheels,
    outcomes,
    policies,
    equivalenceClasses,
    errors: [
      ...wheels.filter((w) => w.inputError).map((w) => ({
        input: w.file,
        message: w.inputError as string,
      })),
      ...runtimeSpecs.filter((r) => r.unavailable).map((r) => ({
        input: `pyodide@${r.version}`,
        message: r.unavailable as string,
      })),
    ],
    durationMs: 12345,
  };
  if (oracleEvery > 0) {
    report.agreement = {
      sample: `every ${oracleEvery}th pair`,
      pairs: sampled.length,
      agreeing: sampled.filter((o) => o.oracle?.agrees).length,
      byClass,
    };
  }
  return report;
}

/** Index of the first wheel built for `runtime` that is binary, readable and not defective. */
export function wheelBuiltFor(report: ConformReport, runtime: string): number {
  return report.wheels.findIndex((w) =>
    w.builtFor === runtime && w.kind === "binary" && !w.inputError && !w.defective
  );
}

/**
 * Make one unsafe accept of the report disputed: the real runtime loaded that pair although the
 * link check says it breaks (as a report written before the oracle decided pairs would show,
 * or a pair the evidence ladder has not confirmed). Returns the pair and its policy.
 *
 * @example
 * ```ts
 * const report = makeReport();
 * const { policy } = disputeOneUnsafeAccept(report);
 * ```
 */
export function disputeOneUnsafeAccept(
  report: ConformReport,
): { policy: string; wheel: string; runtime: string } {
  for (const p of [...report.policies].sort((a, b) => a.rank - b.rank)) {
    const x = p.predictions.find((q) => q.verdict === "unsafe-accept");
    if (!x) continue;
    const o = report.outcomes.find((y) => y.wheel === x.wheel && y.runtime === x.runtime)!;
    o.oracle = {
      works: true,
      status: "ok",
      message: "imported and passed its smoke calls",
      agrees: false,
      disagreement: "stub-stricter",
    };
    return { policy: p.id, wheel: x.wheel, runtime: x.runtime };
  }
  throw new Error("the fixture has no unsafe accept to dispute");
}
