/**
 * The conform run: inputs → facts → link matrix → (oracle sample) → policy scores → report.
 * This is the one place that wires the stages together; each verdict is decided in its stage
 * (`link/check_link.ts` for a pair, `policy/score.ts` for a policy).
 *
 * @module
 */
import { join } from "node:path";
import {
  type ChosenLibrary,
  collectInputs,
  createLibraryRun,
  type InputFile,
  librariesFor,
} from "../corpus/mod.ts";
import {
  checkLink,
  DEFAULT_ALLOW_LIST,
  LINK_ENGINE_VERSION,
  readLinkInput,
  registerRealMainFile,
} from "../link/mod.ts";
import type { CheckLinkInput } from "../link/mod.ts";
import type { LinkEvidence, LinkOutcome, OutcomeClass } from "../link/types.ts";
import { computeAgreement, runOracle, selectOracleSample } from "../oracle/mod.ts";
import type { OracleResult } from "../oracle/types.ts";
import {
  buildProfile,
  deriveEquivalenceClasses,
  findDefectiveWheels,
  inferWheelProfile,
  profileFromRuntime,
  rankPolicies,
  requiredFlagBits,
  scorePolicy,
} from "../policy/mod.ts";
import type { Observation, PlatformProfile, Policy, WheelSubject } from "../policy/types.ts";
import type {
  ConformReport,
  ReportOutcome,
  ReportPolicy,
  ReportRuntime,
  ReportWheel,
} from "../report/types.ts";
import { obtainRuntime, obtainRuntimeFacts } from "../runtime/mod.ts";
import type { RuntimeEntry, RuntimeFacts } from "../runtime/types.ts";
import type { WheelFacts } from "../wheel/types.ts";
import { formatFuncType } from "../wasm/mod.ts";
import type { FuncType } from "../wasm/types.ts";
import { digestJson, outcomeKey, readCachedOutcome, writeCachedOutcome } from "./_outcome_cache.ts";
import { HARNESS_VERSION } from "./version.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";

/** How the link matrix is executed: in this process, or by the worker pool. */
export type LinkExecutor = (
  jobs: { input: CheckLinkInput; runtime: RuntimeFacts }[],
  onDone: (index: number, outcome: LinkOutcome) => void,
) => Promise<void>;

/** Progress of a run, for a progress bar. */
export interface ConformProgress {
  stage: "read" | "runtimes" | "link" | "oracle" | "score";
  done: number;
  total: number;
  message?: string;
}

export interface ConformOptions {
  /** Wheel files, `.zip` packages, directories or the `corpus/` catalogue. */
  paths: string[];
  /** Keep only the inputs this accepts (by catalogue path or file path). */
  only?: (file: string) => boolean;
  /** Runtime catalogue (`corpus/runtimes.json`). */
  catalogue: RuntimeEntry[];
  /** Runtime versions to check against (default: the whole catalogue). */
  runtimes?: string[];
  policies: Policy[];
  /** `built-for`: every wheel on the runtime it was built for, plus the cross-runtime sample. */
  oracle: "none" | "sample" | "built-for" | "all";
  oracleSampleSize?: number;
  oracleSeed?: number;
  oracleTimeoutMs?: number;
  cacheDir: string;
  mirror?: string;
  allowNetwork: boolean;
  /** Link executor (default: in-process, sequential). */
  executeLinks?: LinkExecutor;
  onProgress?(progress: ConformProgress): void;
  /** Clock, for reproducible tests. */
  now?: () => Date;
}

/** What was read of one input. */
interface ReadInput {
  input: InputFile;
  link?: CheckLinkInput;
  bytes?: Uint8Array;
  error?: string;
}

const DEFAULT_SAMPLE_SIZE = 24;
const DEFAULT_SEED = 783;

/** In-process executor: one check at a time (sessions are reused per runtime). */
export const executeLinksInProcess: LinkExecutor = async (jobs, onDone) => {
  for (const [i, job] of jobs.entries()) onDone(i, await checkLink(job.input, job.runtime));
};

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function typeText(t: FuncType | string | undefined): string {
  if (t === undefined) return "?";
  return typeof t === "string" ? t : formatFuncType(t);
}

/**
 * One line that says why an outcome is what it is, e.g.
 * `env._PyLong_AsByteArray: (i32, i32, i32, i32, i32) -> i32 vs main (i32, …) -> i32`.
 *
 * @example
 * ```ts
 * summarizeOutcome({ outcome: "links", evidence: [], modules: [] } as never); // "links"
 * ```
 */
export function summarizeOutcome(
  outcome: Pick<LinkOutcome, "outcome" | "evidence" | "modules">,
): string {
  if (outcome.outcome === "links") return "links";
  const all: LinkEvidence[] = [...outcome.evidence, ...outcome.modules.flatMap((m) => m.evidence)];
  const decisive = all.filter((e) =>
    e.kind !== "allowed" && e.kind !== "weak" && e.kind !== "abi-feature"
  );
  const shown = (decisive.length ? decisive : all).slice(0, 3).map((e) => {
    if (e.kind === "type-mismatch") {
      return `${e.module ?? "env"}.${e.symbol}: ${typeText(e.sideType)} vs main ${
        typeText(e.mainType)
      }`;
    }
    if (e.kind === "unresolved-function" || e.kind === "unresolved-got") {
      return `${e.kind === "unresolved-got" ? "GOT " : ""}${e.symbol} unresolved`;
    }
    if (e.kind === "allowed") return `${e.symbol} allowed (${e.reason ?? "allow-list"})`;
    return e.message.split("\n")[0].slice(0, 160);
  });
  const more = (decisive.length ? decisive : all).length - shown.length;
  return `${outcome.outcome}: ${shown.join("; ")}${more > 0 ? ` (+${more} more)` : ""}`;
}

function tagsOf(facts: WheelFacts | undefined): string[] {
  return facts?.filename?.tags.map((t) => `${t.interpreter}-${t.abi}-${t.platform}`) ?? [];
}

function buildTagOf(facts: WheelFacts | undefined): string | undefined {
  const b = facts?.filename?.build;
  return b ? `${b[0]}${b[1]}` : undefined;
}

/** The build profile of a wheel: from its catalogue distribution when known, else inferred. */
function wheelProfile(
  read: ReadInput,
  runtimeProfiles: Map<string, PlatformProfile>,
  catalogue: RuntimeEntry[],
): { profile: PlatformProfile; builtFor?: string } {
  const facts = read.link!.wheel;
  const entry = read.input.entry;
  const features = facts.sideModules.map((s) => s.abi);
  const builtFor = entry?.builtForRuntime ?? undefined;
  const runtimeProfile = builtFor ? runtimeProfiles.get(builtFor) : undefined;
  if (entry && runtimeProfile) {
    // A catalogued distribution: its lock states Python/Emscripten/ABI; the ABI flags are those
    // of the runtime with the same platform facts (that is what `builtFor` means).
    const runtimeEntry = catalogue.find((r) => r.version === builtFor);
    const profile = buildProfile({
      pyodideVersion: entry.pyodideVersion ?? runtimeProfile.pyodideVersion,
      releaseDate: runtimeEntry?.releaseDate,
      python: entry.pythonVersion ?? runtimeProfile.python,
      emscripten: entry.emscriptenVersion ?? runtimeProfile.emscripten,
      abiVersion: entry.abiVersion ?? runtimeProfile.abiVersion,
      arch: runtimeProfile.arch,
      flags: runtimeProfile.flags,
    }, {
      catalogue: catalogue.map((c) => ({
        pyodideVersion: c.version,
        releaseDate: c.releaseDate,
        python: c.python,
        emscripten: c.emscripten,
        abiVersion: c.abiVersion,
      })),
      notes: { flags: `ABI flags of runtime ${builtFor}, which has the same platform facts` },
    });
    const inferred = new Set(profile.inferred);
    if (entry.pyodideVersion !== builtFor) inferred.add("releaseDate");
    inferred.add("flags");
    return { profile: { ...profile, inferred: [...inferred] }, builtFor };
  }
  const profile = inferWheelProfile({ tags: tagsOf(facts), features }, {
    catalogue: [...runtimeProfiles.values()],
  });
  return { profile, builtFor };
}

/**
 * Run the whole conform pipeline and return the report. Never throws for a bad wheel or an
 * unobtainable runtime: those become report entries and the rest of the run goes on.
 *
 * @example
 * ```ts ignore
 * import { runConform } from "./run_conform.ts";
 * const report = await runConform({ paths: ["corpus/"], catalogue, policies, oracle: "none",
 *   cacheDir: ".cache", allowNetwork: false });
 * console.log(report.policies[0].id, report.policies[0].unsafeAccepts);
 * ```
 */
export async function runConform(options: ConformOptions): Promise<ConformReport> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const progress = options.onProgress ?? (() => {});
  const errors: ConformReport["errors"] = [];

  // 1. Inputs and their facts.
  const inputs = (await collectInputs(options.paths, {
    mirror: options.mirror,
    cacheDir: options.cacheDir,
    allowNetwork: options.allowNetwork,
  })).filter((input) => options.only?.(input.file) ?? true);
  const reads: ReadInput[] = [];
  for (const [i, input] of inputs.entries()) {
    progress({ stage: "read", done: i, total: inputs.length, message: input.file });
    try {
      const bytes = await input.read();
      reads.push({
        input,
        bytes,
        link: await readLinkInput(bytes, { file: input.file, shared: true }),
      });
    } catch (error) {
      reads.push({ input, error: describe(error) });
      errors.push({ input: input.file, message: describe(error) });
    }
  }
  progress({ stage: "read", done: inputs.length, total: inputs.length });

  // 2. Runtimes.
  const wanted = options.runtimes?.length && !options.runtimes.includes("all")
    ? options.runtimes
    : options.catalogue.map((e) => e.version);
  const runtimes: { entry: RuntimeEntry; facts?: RuntimeFacts; dir?: string; error?: string }[] =
    [];
  for (const [i, version] of wanted.entries()) {
    progress({ stage: "runtimes", done: i, total: wanted.length, message: version });
    const entry = options.catalogue.find((e) => e.version === version);
    if (!entry) {
      errors.push({
        input: `runtime ${version}`,
        message: `runtime ${version} is not in the runtime catalogue (corpus/runtimes.json)`,
      });
      continue;
    }
    try {
      let wasmPath: string | undefined;
      const facts = await obtainRuntimeFacts(version, {
        cacheDir: options.cacheDir,
        catalogue: options.catalogue,
        onFiles: (files) => wasmPath = files.wasmPath,
      });
      // Constructors that call main functions the stub cannot run use the real main module.
      if (wasmPath) registerRealMainFile(facts.mainSha256, () => Deno.readFile(wasmPath!));
      runtimes.push({ entry, facts });
    } catch (error) {
      runtimes.push({ entry, error: describe(error) });
      errors.push({ input: `runtime ${version}`, message: describe(error) });
    }
  }
  progress({ stage: "runtimes", done: wanted.length, total: wanted.length });
  const available = runtimes.filter((r) => r.facts);
  const runtimeProfiles = new Map<string, PlatformProfile>();
  // Every catalogue runtime gets a profile (wheels name theirs as the build environment);
  // flags come from facts where the runtime was obtained, else they are marked inferred.
  for (const entry of options.catalogue) {
    if (runtimes.some((r) => r.entry.version === entry.version)) continue;
    runtimeProfiles.set(entry.version, profileFromRuntime(entry, { catalogue: options.catalogue }));
  }
  for (const r of runtimes) {
    runtimeProfiles.set(
      r.entry.version,
      profileFromRuntime(r.entry, {
        facts: r.facts,
        loader: r.facts?.loader,
        catalogue: options.catalogue,
      }),
    );
  }

  // 3. Libraries: for each archive, the archives that provide its NEEDED libraries (itself, its
  // lock's dependencies, its distribution folder, the run, the files beside it on disk).
  const good = reads.filter((r) => r.link);
  const libraryRun = await createLibraryRun(reads, {
    mirror: options.mirror,
    cacheDir: options.cacheDir,
    allowNetwork: options.allowNetwork,
    shared: true,
  });
  const libsFor = new Map<ReadInput, ChosenLibrary[]>();
  for (const r of good) libsFor.set(r, (await librariesFor(r, libraryRun)).libraries);

  // 4. Link matrix, with the content-addressed outcome cache (resumes an interrupted run).
  const allowDigest = digestJson(DEFAULT_ALLOW_LIST);
  const pairs: { read: ReadInput; runtime: RuntimeFacts; key: string }[] = [];
  for (const r of good) {
    for (const rt of available) {
      pairs.push({
        read: r,
        runtime: rt.facts!,
        key: outcomeKey({
          wheelSha256: r.link!.wheel.sha256,
          librarySha256s: libsFor.get(r)!.map((l) => l.library.facts.sha256),
          runtimeMainSha256: rt.facts!.mainSha256,
          engineVersion: `${LINK_ENGINE_VERSION}/${HARNESS_VERSION}`,
          allowListDigest: allowDigest,
        }),
      });
    }
  }
  const outcomes: (LinkOutcome | undefined)[] = new Array(pairs.length);
  const todo: number[] = [];
  for (const [i, p] of pairs.entries()) {
    outcomes[i] = await readCachedOutcome(options.cacheDir, p.key);
    if (!outcomes[i]) todo.push(i);
  }
  let linked = pairs.length - todo.length;
  progress({ stage: "link", done: linked, total: pairs.length });
  const execute = options.executeLinks ?? executeLinksInProcess;
  const writes: Promise<void>[] = [];
  // One input object per archive: the executor groups an archive's runtimes by identity.
  const inputOf = new Map<ReadInput, CheckLinkInput>();
  for (const r of good) {
    inputOf.set(r, { ...r.link!, libraries: libsFor.get(r)!.map((l) => l.library) });
  }
  await execute(
    todo.map((i) => ({ input: inputOf.get(pairs[i].read)!, runtime: pairs[i].runtime })),
    (j, outcome) => {
      const i = todo[j];
      outcomes[i] = outcome;
      // Each finished pair is persisted at once: a killed run keeps it.
      writes.push(
        writeCachedOutcome(options.cacheDir, pairs[i].key, outcome).catch((error) => {
          errors.push({ input: pairs[i].read.input.file, message: `cache: ${describe(error)}` });
        }),
      );
      progress({ stage: "link", done: ++linked, total: pairs.length, message: outcome.wheel });
    },
  );
  await Promise.all(writes);

  // 5. Report rows for wheels and outcomes.
  const reportWheels: ReportWheel[] = [];
  const subjects = new Map<ReadInput, WheelSubject>();
  for (const r of reads) {
    if (!r.link) {
      reportWheels.push({
        file: r.input.file,
        sha256: r.input.entry?.sha256 ?? "",
        kind: r.input.entry?.kind ?? "unknown",
        builtFor: r.input.entry?.builtForRuntime ?? undefined,
        tags: [],
        inferred: [],
        inputError: r.error,
      });
      continue;
    }
    const facts = r.link.wheel;
    const { profile, builtFor } = wheelProfile(r, runtimeProfiles, options.catalogue);
    reportWheels.push({
      file: r.input.file,
      sha256: facts.sha256,
      kind: facts.kind,
      builtFor,
      tags: tagsOf(facts),
      inferred: profile.inferred,
    });
    subjects.set(r, {
      file: r.input.file,
      sha256: facts.sha256,
      profile,
      tags: tagsOf(facts),
      buildTag: buildTagOf(facts),
      binary: facts.sideModules.length > 0,
      requiredBits: requiredFlagBits(facts.sideModules.map((s) => s.abi)),
      builtFor,
    });
  }
  const reportOutcomes: ReportOutcome[] = pairs.map((p, i) => {
    const o = outcomes[i]!;
    return {
      wheel: p.read.input.file,
      runtime: p.runtime.version,
      outcome: o.outcome,
      summary: summarizeOutcome(o),
      evidence: [...o.evidence, ...o.modules.flatMap((m) => m.evidence)].slice(0, 50),
    };
  });

  // 6. Observations: installers judge wheels only (`.zip` packages come from the lock file).
  const observations: Observation[] = [];
  for (const [i, p] of pairs.entries()) {
    const subject = subjects.get(p.read);
    if (!subject || p.read.link!.wheel.kind !== "wheel") continue;
    observations.push({
      wheel: subject,
      runtime: { version: p.runtime.version, profile: runtimeProfiles.get(p.runtime.version)! },
      outcome: outcomes[i]!.outcome as OutcomeClass,
      evidence: reportOutcomes[i].summary,
      builtForRuntime: subject.builtFor,
    });
  }
  const defective = findDefectiveWheels(observations);
  // Keyed by sha256 (see findDefectiveWheels).
  for (const w of reportWheels) if (w.sha256 && defective.has(w.sha256)) w.defective = true;

  // 7. Oracle sample in the real runtime.
  let agreement: ConformReport["agreement"];
  if (options.oracle !== "none") {
    agreement = await runOracleSample(options, pairs, outcomes, reportOutcomes, runtimes, libsFor);
  }

  // 8. Policies.
  progress({ stage: "score", done: 0, total: options.policies.length });
  const scores = options.policies.map((policy) => scorePolicy(policy, observations));
  const ranked = rankPolicies(scores);
  const policyById = new Map(options.policies.map((p) => [p.id, p]));
  const reportPolicies: ReportPolicy[] = ranked.map((s) => {
    const policy = policyById.get(s.policyId)!;
    return {
      id: s.policyId,
      title: policy.title,
      file: policy.file,
      source: policy.source.map((src) => ({
        title: src.title,
        ...(src.url ?? src.ref ? { url: src.url ?? src.ref } : {}),
      })),
      correct: s.correct,
      rank: s.rank,
      unsafeAccepts: s.unsafeAccepts,
      needlessRejects: s.needlessRejects,
      correctAccepts: s.correctAccepts,
      correctRejects: s.correctRejects,
      inconclusive: s.inconclusive,
      tagCount: s.tagCount,
      counterExamples: s.counterExamples.map((c) => ({
        wheel: c.wheel,
        runtime: c.runtime,
        wheelTag: c.wheelTag,
        runtimeTag: c.runtimeTag,
        outcome: c.outcome,
        kind: c.kind,
        evidence: c.evidence,
      })),
      predictions: s.predictions.map((p) => ({
        wheel: p.wheel,
        runtime: p.runtime,
        wheelTag: p.wheelTag,
        runtimeTags: p.runtimeTags,
        install: p.install,
        verdict: p.verdict,
        rule: p.rule,
        reason: p.reason,
      })),
    };
  });
  progress({ stage: "score", done: options.policies.length, total: options.policies.length });

  const reportRuntimes: ReportRuntime[] = runtimes.map((r) => ({
    version: r.entry.version,
    python: r.entry.python,
    emscripten: r.entry.emscripten,
    ...(r.entry.abiVersion ? { abiVersion: r.entry.abiVersion } : {}),
    platformTag: r.entry.platformTag,
    releaseDate: r.entry.releaseDate,
    ...(r.error ? { unavailable: r.error } : {}),
  }));

  return {
    version: 1,
    harnessVersion: HARNESS_VERSION,
    generatedAt: now().toISOString(),
    runtimes: reportRuntimes,
    wheels: reportWheels,
    outcomes: reportOutcomes,
    policies: reportPolicies,
    equivalenceClasses: deriveEquivalenceClasses(observations).map((c) => ({
      runtimes: c.runtimes,
      separatedFromNextBy: c.separatedFromNextBy,
    })),
    ...(agreement ? { agreement } : {}),
    errors,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Emscripten or Python version as numbers, for distances. */
function versionParts(v: string | null | undefined): number[] {
  return (v ?? "").split(/[^0-9]+/).filter(Boolean).map(Number);
}

/** Distance between two dotted versions, most significant part first (lexicographic). */
function versionDistance(a: number[], b: number[]): number[] {
  return Array.from(
    { length: Math.max(a.length, b.length) },
    (_, i) => Math.abs((a[i] ?? 0) - (b[i] ?? 0)),
  );
}

function compareDistances(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * For each wheel without a built-for runtime, its pair with the nearest runtime: the same
 * Python minor version when the catalogue knows the wheel's, then the nearest Emscripten
 * version, then the earliest runtime in catalogue order. Facts decide, never names.
 */
function nearestRuntimePairs<T extends { wheel: string }>(
  orphans: T[],
  pairOf: (c: T) => { read: ReadInput; runtime: RuntimeFacts },
): T[] {
  const byWheel = new Map<string, T[]>();
  for (const c of orphans) byWheel.set(c.wheel, [...(byWheel.get(c.wheel) ?? []), c]);
  const out: T[] = [];
  for (const list of byWheel.values()) {
    const entry = pairOf(list[0]).read.input.entry;
    const python = versionParts(entry?.pythonVersion).slice(0, 2);
    const emscripten = versionParts(entry?.emscriptenVersion);
    const samePython = list.filter((c) =>
      python.length < 2 ||
      versionParts(pairOf(c).runtime.python).slice(0, 2).join(".") === python.join(".")
    );
    let best: T | undefined;
    let bestDistance: number[] = [];
    for (const c of samePython) {
      const d = versionDistance(versionParts(pairOf(c).runtime.emscripten), emscripten);
      if (!best || compareDistances(d, bestDistance) < 0) {
        best = c;
        bestDistance = d;
      }
    }
    if (best) out.push(best);
  }
  return out;
}

/**
 * Write an archive under a stable name the real runtime accepts (its loader parses it).
 * Libraries are written the same way, so the oracle loads the very files the link check did.
 */
async function materialize(
  cacheDir: string,
  file: string,
  sha256: string,
  bytes: () => Promise<Uint8Array>,
): Promise<string> {
  const name = file.split(/[\\/]/).pop()!;
  const dir = join(cacheDir, "oracle-inputs", sha256.slice(0, 16));
  const path = join(dir, name);
  try {
    await Deno.stat(path);
  } catch {
    await writeFileAtomically(path, await bytes());
  }
  return path;
}

async function runOracleSample(
  options: ConformOptions,
  pairs: { read: ReadInput; runtime: RuntimeFacts }[],
  outcomes: (LinkOutcome | undefined)[],
  reportOutcomes: ReportOutcome[],
  runtimes: { entry: RuntimeEntry; facts?: RuntimeFacts; dir?: string }[],
  libsFor: Map<ReadInput, ChosenLibrary[]>,
): Promise<ConformReport["agreement"]> {
  const progress = options.onProgress ?? (() => {});
  const candidates = pairs.map((p, i) => ({
    index: i,
    wheel: p.read.input.file,
    runtime: p.runtime.version,
    outcome: outcomes[i]!.outcome as string,
    builtFor: p.read.input.entry?.builtForRuntime ?? null,
  })).filter((c) => pairs[c.index].read.link!.wheel.kind === "wheel");
  const seed = options.oracleSeed ?? DEFAULT_SEED;
  const size = options.oracleSampleSize ?? DEFAULT_SAMPLE_SIZE;
  let sample: typeof candidates;
  let description: string;
  if (options.oracle === "all") {
    sample = candidates;
    description = `all ${candidates.length} wheel × runtime pairs`;
  } else if (options.oracle === "built-for") {
    // Every wheel on the runtime it was built for (the baseline a tag must keep), plus the
    // seeded cross-runtime sample where the schemes differ.
    // A wheel whose built-for runtime is not in the catalogue (a dev distribution never
    // published) runs on the nearest one instead, and the description says how many did.
    const own = candidates.filter((c) => c.builtFor === c.runtime);
    const nearest = nearestRuntimePairs(
      candidates.filter((c) => c.builtFor === null),
      (c) => pairs[c.index],
    );
    const chosen = new Set([...own, ...nearest]);
    const cross = selectOracleSample(candidates.filter((c) => !chosen.has(c)), { seed, size });
    sample = [...own, ...nearest, ...cross.sample];
    description = `every wheel on the runtime it was built for (${own.length} pairs), ` +
      `${nearest.length} wheels without a built-for runtime in the catalogue on the nearest ` +
      `runtime (same Python minor version, nearest Emscripten, earliest), plus a ` +
      cross.description;
  } else {
    ({ sample, description } = selectOracleSample(candidates, { seed, size }));
  }
  const dirs = new Map<string, string>();
  for (const r of runtimes) {
    if (!r.facts) continue;
    try {
      const files = await obtainRuntime(r.entry.version, {
        cacheDir: options.cacheDir,
        catalogue: options.catalogue,
      });
      dirs.set(r.entry.version, files.dir);
    } catch {
      // an unobtainable runtime was reported already; its pairs are skipped below
    }
  }
  const jobs = [];
  const jobIndex: number[] = [];
  const bytesByFile = new Map(pairs.map((p) => [p.read.input.file, p.read.bytes]));
  for (const c of sample) {
    const dir = dirs.get(c.runtime);
    if (!dir) continue;
    const read = pairs[c.index].read;
    const deps = [];
    for (const lib of libsFor.get(read) ?? []) {
      const known = bytesByFile.get(lib.input.file);
      deps.push(
        await materialize(
          options.cacheDir,
          lib.input.file,
          lib.library.facts.sha256,
          () => known ? Promise.resolve(known) : lib.input.read(),
        ),
      );
    }
    const wheelPath = await materialize(
      options.cacheDir,
      read.input.file,
      read.link!.wheel.sha256,
      () => Promise.resolve(read.bytes!),
    );
    jobs.push({ wheelPath, runtimeDir: dir, deps });
    jobIndex.push(c.index);
  }
  let results: OracleResult[] = [];
  if (jobs.length) {
    results = await runOracle(jobs, {
      timeoutMs: options.oracleTimeoutMs ?? 90_000,
      memoryMb: 1024,
      cacheDir: options.cacheDir,
      harnessVersion: HARNESS_VERSION,
      concurrency: 2,
      onProgress: (done, total, r) =>
        progress({ stage: "oracle", done, total, message: `${r.wheel} @ ${r.runtime}` }),
    });
  }
  const summary = computeAgreement(results.map((oracle, k) => ({
    link: {
      outcome: outcomes[jobIndex[k]]!.outcome,
      evidence: reportOutcomes[jobIndex[k]].evidence,
      wheel: reportOutcomes[jobIndex[k]].wheel,
      runtime: reportOutcomes[jobIndex[k]].runtime,
    },
    oracle,
  })));
  const disagreements = new Map(
    summary.disagreements.map((d) => [`${d.wheel}\u0000${d.runtime}`, d]),
  );
  for (const [k, oracle] of results.entries()) {
    const row = reportOutcomes[jobIndex[k]];
    const d = disagreements.get(`${row.wheel}\u0000${row.runtime}`);
    row.oracle = {
      works: oracle.works,
      status: oracle.status,
      message: oracle.message.slice(0, 500),
      agrees: oracle.works === null ? false : !d,
      ...(d ? { disagreement: d.kind } : {}),
      ...(oracle.works === null ? { disagreement: "inconclusive" } : {}),
    };
  }
  return {
    sample: `${description} (seed ${seed})`,
    pairs: summary.pairs,
    agreeing: summary.agreeing,
    byClass: Object.fromEntries(
      Object.entries(summary.byClass).map((
        [k, v],
      ) => [k, { pairs: v.pairs, agreeing: v.agreeing }]),
    ),
    disagreements: summary.disagreements.map((d) => ({
      wheel: d.wheel,
      runtime: d.runtime,
      kind: d.kind,
      linkOutcome: d.linkOutcome,
      linkMessage: d.linkMessage,
      oracleStatus: d.oracleStatus,
      oracleMessage: d.oracleMessage,
      invisibleToLinkCheck: d.invisibleToLinkCheck,
      explanation: d.explanation,
    })),
    inconclusive: summary.inconclusive.map((c) => ({ ...c, status: String(c.status) })),
  };
}
