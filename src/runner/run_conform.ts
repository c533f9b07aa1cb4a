/**
 * The conform run: inputs → facts → link matrix → (oracle sample) → policy scores → report.
 * This is the one place that wires the stages together; each verdict is decided in its stage
 * (`link/check_link.ts` for a pair, `policy/score.ts` for a policy).
 *
 * @module
 */
import {
  type ChosenLibrary,
  collectInputs,
  createLibraryRun,
  type InputFile,
  librariesFor,
  type OpenedArchive,
  openInput,
  readInputLink,
  verifiedSha256,
} from "../corpus/mod.ts";
import {
  checkLink,
  DEFAULT_ALLOW_LIST,
  DEFAULT_PAIR_TIME_LIMIT_MS,
  describeOutcome,
  engineFailureOutcome,
  LINK_ENGINE_VERSION,
  readLinkInput,
  registerRealMainFile,
} from "../link/mod.ts";
import type { CheckLinkInput } from "../link/mod.ts";
import type { LinkOutcome, OutcomeClass } from "../link/types.ts";
import {
  type OraclePairSource,
  type OracleRunOptions,
  runOracleStage,
  selectModePairs,
  summarizeAgreement,
} from "./_oracle_stage.ts";
import type { OracleResult } from "../oracle/types.ts";
import { DEFAULT_TIMEOUT_MS } from "../oracle/run_oracle.ts";
import {
  buildProfile,
  countMissingImports,
  findDecisivePairs,
  inferBuiltFor,
  inferWheelProfile,
  needsLoaderFacts,
  observedWorks,
  profileFromRuntime,
  requiredFlagBits,
} from "../policy/mod.ts";
import type { Observation, PlatformProfile, Policy } from "../policy/types.ts";
import type {
  ConformReport,
  ReportAgreement,
  ReportDecisive,
  ReportOutcome,
  ReportRuntime,
  ReportShard,
  ReportWheel,
} from "../report/types.ts";
import { obtainRuntimeFacts, readRuntimeDir } from "../runtime/mod.ts";
import type { RuntimeEntry, RuntimeFacts, RuntimeFiles } from "../runtime/types.ts";
import type { WheelFacts } from "../wheel/types.ts";
import { digestJson, outcomeKey, readCachedOutcome, writeCachedOutcome } from "./_outcome_cache.ts";
import { HARNESS_VERSION } from "./version.ts";
import {
  changesRanking,
  findMovedPolicies,
  observeRun,
  type OracleEvidence,
  reportScores,
  type RunScores,
  scoreRun,
} from "./score_run.ts";
import { checkShard, shardKeyOf, shardOfKey, type ShardSpec } from "./shard.ts";
import { sha256HexSync } from "../wheel/sha256_hex.ts";

/**
 * How the link matrix is executed: in this process, or by the worker pool. Jobs of one archive
 * share one input object. The runner does not keep side-module bytes for the whole run: an input
 * may come without them, and `load` gives the input to check, its modules read again (once per
 * archive, just before its checks; an executor that never looks at modules may skip it).
 */
export type LinkExecutor = (
  jobs: { input: CheckLinkInput; runtime: RuntimeFacts }[],
  onDone: (index: number, outcome: LinkOutcome) => void,
  options?: LinkExecutorOptions,
) => Promise<void>;

/** What the runner gives an executor besides the jobs. */
export interface LinkExecutorOptions {
  /** The input with its side modules, read again; rejects when the archive cannot be. */
  load?: (input: CheckLinkInput) => Promise<CheckLinkInput>;
}

/**
 * The outcome of each pair of an archive whose modules could not be read again for its checks
 * (the file went away or changed during the run): an engine failure, not a verdict.
 */
export function unreadableOutcome(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  error: unknown,
): LinkOutcome {
  return engineFailureOutcome(
    input,
    runtime,
    `the archive could not be read again for its checks: ${
      error instanceof Error ? error.message : String(error)
    }`,
  );
}

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
  /**
   * Runtime versions to check against; `"all"` or undefined: the whole catalogue (none when
   * local runtimes are given); `[]`: none beyond each wheel's own runtime, which every run
   * checks (judged, not reported as a pair).
   */
  runtimes?: string[];
  /**
   * Local Pyodide distribution directories, each checked as a runtime under its label (default
   * `<version>@local`), beside the selected catalogue runtimes. Its identity is its content.
   */
  localRuntimes?: { dir: string; label?: string }[];
  policies: Policy[];
  /**
   * Pairs run in the real runtime after the decisive ones (every mode but `none` runs those
   * first; with no policy there are none): `decisive` none; `sample` a seeded sample;
   * `built-for` every wheel on the runtime it was built for, plus the cross-runtime sample;
   * `own` every wheel on its own runtime only, in the run's scope or not; `all` every pair.
   */
  oracle: "none" | "decisive" | "sample" | "built-for" | "own" | "all";
  /** How the real runtime runs each pair: load paths, smoke calls, memory, children, cache. */
  oracleRun?: OracleRunOptions;
  /**
   * Time budget of the oracle stage, ms; `null`: none. Default: {@linkcode DEFAULT_ORACLE_BUDGET_MS}
   * for `decisive` and `sample`, none for `built-for` and `all`. Cached results never count.
   */
  oracleBudgetMs?: number | null;
  oracleSampleSize?: number;
  oracleSeed?: number;
  oracleTimeoutMs?: number;
  cacheDir: string;
  mirror?: string;
  allowNetwork: boolean;
  /** Link executor (default: in-process, sequential). */
  executeLinks?: LinkExecutor;
  /** The executor's time limit per pair, ms: a cached time-out with a shorter one runs again. */
  linkTimeLimitMs?: number;
  /** Every pair of the run's scope with its whole link outcome, in pair order, once linked. */
  onLinkOutcomes?(outcomes: { wheel: string; runtime: string; outcome: LinkOutcome }[]): void;
  /** Each pair the real runtime ran (or the cache answered), in the order they were asked. */
  onOracleResults?(results: { wheel: string; runtime: string; result: OracleResult }[]): void;
  onProgress?(progress: ConformProgress): void;
  /**
   * The observations the run scored, with the best evidence it had (oracle results applied):
   * more policies can be scored over them (`scorePolicyJudgements`) without linking again.
   */
  onObservations?(observations: Observation[]): void;
  /** Clock, for reproducible tests. */
  now?: () => Date;
  /**
   * Run only shard `index` of `count` (see `shard.ts`): every input is still read, and the
   * libraries an archive NEEDs are chosen from all of them, but only the archives of this
   * shard are linked, run in the real runtime, scored and reported. The report records the
   * shard; `conform merge` joins the shards into the report of the whole run.
   */
  shard?: ShardSpec;
}

/** What was read of one input. */
interface ReadInput {
  input: InputFile;
  link?: CheckLinkInput;
  error?: string;
  /** The sha256 that places it in a shard (`shardKeyOf`). */
  shardKey: string;
}

const DEFAULT_SAMPLE_SIZE = 24;
const DEFAULT_SEED = 783;

/** In-process executor: one check at a time (sessions are reused per runtime). */
export const executeLinksInProcess: LinkExecutor = async (jobs, onDone, options = {}) => {
  const groups = new Map<CheckLinkInput, number[]>();
  jobs.forEach((job, i) => groups.set(job.input, [...(groups.get(job.input) ?? []), i]));
  for (const [input, indices] of groups) {
    let full: CheckLinkInput;
    try {
      full = options.load ? await options.load(input) : input;
    } catch (error) {
      for (const i of indices) onDone(i, unreadableOutcome(input, jobs[i].runtime, error));
      continue;
    }
    for (const i of indices) onDone(i, await checkLink(full, jobs[i].runtime));
  }
};

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
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
  if (options.shard) checkShard(options.shard);
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
    let archive: OpenedArchive | undefined;
    try {
      // Only facts and module bytes are kept: the archive itself is read again if the real
      // runtime needs it, so a run holds no archive it is not reading (and of a large one, one
      // member at a time: see openInput).
      archive = await openInput(input);
      const link = await readLinkInput(archive.bytes, {
        file: input.file,
        shared: true,
        sha256: verifiedSha256(input),
      });
      reads.push({ input, link, shardKey: link.wheel.sha256 });
    } catch (error) {
      let bytesSha256: string | undefined;
      try {
        if (archive) bytesSha256 = sha256HexSync(archive.bytes);
      } catch {
        // unreadable now: the file name and catalogue hash still place it in one shard
      }
      // Every shard reads every input, so each one meets (and lists) the same read errors.
      reads.push({
        input,
        error: describe(error),
        shardKey: shardKeyOf({
          file: input.file,
          ...(bytesSha256 ? { bytesSha256 } : {}),
          ...(input.entry?.sha256 ? { catalogueSha256: input.entry.sha256 } : {}),
        }),
      });
      errors.push({ input: input.file, message: describe(error) });
    } finally {
      archive?.close();
    }
  }
  progress({ stage: "read", done: inputs.length, total: inputs.length });
  // The archives this run links, scores and reports: all of them, or this shard's. The others
  // still provide libraries (step 3), so no verdict depends on how the run was split.
  const shard = options.shard;
  const isSubject = (r: ReadInput) => !shard || shardOfKey(r.shardKey, shard.count) === shard.index;

  // 2. Runtimes.
  // Local runtimes join the catalogue under their labels (the run's runtime names).
  const local = new Map<string, { dir: string; entry: RuntimeEntry; files: RuntimeFiles }>();
  for (const l of options.localRuntimes ?? []) {
    try {
      const files = await readRuntimeDir(l.dir, { catalogue: options.catalogue });
      const label = l.label ?? `${files.version}@local`;
      if (options.catalogue.some((e) => e.version === label) || local.has(label)) {
        errors.push({
          input: `runtime ${l.dir}`,
          message: `the label ${label} is taken: give another (DIR=LABEL)`,
        });
        continue;
      }
      local.set(label, {
        dir: l.dir,
        files,
        entry: {
          ...(files.entry ?? {}),
          version: label,
          integrity: "",
          python: files.entry?.python ?? "",
          emscripten: files.entry?.emscripten ?? "",
          platformTag: files.entry?.platformTag ?? "",
          releaseDate: files.entry?.releaseDate ?? "",
          releaseDateSource: `local directory ${l.dir}`,
        },
      });
    } catch (error) {
      errors.push({ input: `runtime ${l.dir}`, message: describe(error) });
    }
  }
  const catalogue = [...options.catalogue, ...[...local.values()].map((l) => l.entry)];
  options = { ...options, catalogue };
  const everyCatalogued = options.catalogue.filter((e) => !local.has(e.version))
    .map((e) => e.version);
  const wanted = [
    ...(options.runtimes?.includes("all")
      ? everyCatalogued
      : options.runtimes ?? (options.localRuntimes?.length ? [] : everyCatalogued)),
    ...local.keys(),
  ];
  type ObtainedRuntime = {
    entry: RuntimeEntry;
    facts?: RuntimeFacts;
    dir?: string;
    error?: string;
  };
  // Scope invariance: every wheel's own runtime is checked whatever is selected, so a run over
  // any subset of runtimes judges each wheel (defective or not) as the full run does. The own
  // runtime is the catalogue's (from the distribution's lock), else inferred from the wheel.
  // A first guess from tags alone, with the runtimes it ties with: facts of those decide below.
  const firstGuess = new Set<string>();
  let needLoaders = false;
  for (const r of reads) {
    if (!r.link) continue;
    const catalogued = r.input.entry?.builtForRuntime;
    const guess = catalogued ? undefined : inferBuiltFor(r.link.wheel, options.catalogue);
    for (const v of catalogued ? [catalogued] : guess ? [guess.runtime, ...guess.equivalent] : []) {
      firstGuess.add(v);
    }
    // A plain platform tag: the exceptions its modules use decide, read from each loader.
    if (!r.input.entry?.builtForRuntime && needsLoaderFacts(r.link.wheel)) needLoaders = true;
  }
  const toObtain = [
    ...new Set([
      ...wanted,
      ...firstGuess,
      ...(needLoaders ? options.catalogue.map((e) => e.version) : []),
    ]),
  ];
  const obtained = new Map<string, ObtainedRuntime>();
  for (const [i, version] of toObtain.entries()) {
    progress({ stage: "runtimes", done: i, total: toObtain.length, message: version });
    const entry = options.catalogue.find((e) => e.version === version);
    if (!entry) {
      errors.push({
        input: `runtime ${version}`,
        message: `runtime ${version} is not in the runtime catalogue (corpus/runtimes.json)`,
      });
      continue;
    }
    try {
      let files: RuntimeFiles | undefined;
      const here = local.get(version);
      let facts = await obtainRuntimeFacts(here?.files.version ?? version, {
        cacheDir: options.cacheDir,
        catalogue: options.catalogue,
        ...(here ? { runtimeDir: here.dir } : {}),
        onFiles: (f) => files = f,
      });
      if (here) {
        // Named by its label; its Python, Emscripten and tag are its own facts.
        facts = { ...facts, version };
        Object.assign(entry, {
          python: facts.python,
          emscripten: facts.emscripten,
          platformTag: facts.platformTag,
          ...(facts.abiVersion ? { abiVersion: facts.abiVersion } : {}),
        });
      }
      // Constructors that call main functions the stub cannot run use the real main module.
      const wasmPath = files?.wasmPath;
      if (wasmPath) registerRealMainFile(facts.mainSha256, () => Deno.readFile(wasmPath));
      obtained.set(version, { entry, facts, ...(files ? { dir: files.dir } : {}) });
    } catch (error) {
      obtained.set(version, { entry, error: describe(error) });
      errors.push({ input: `runtime ${version}`, message: describe(error) });
    }
  }
  progress({ stage: "runtimes", done: toObtain.length, total: toObtain.length });
  const runtimes = wanted.flatMap((v) => obtained.get(v) ?? []);
  const available = runtimes.filter((r) => r.facts);
  const ownRuntime = new Map<ReadInput, { runtime: string; inferred?: string }>();
  for (const r of reads) {
    if (!r.link) continue;
    const catalogued = r.input.entry?.builtForRuntime;
    if (catalogued) {
      ownRuntime.set(r, { runtime: catalogued });
      continue;
    }
    const found = inferBuiltFor(
      r.link.wheel,
      options.catalogue,
      (v) => obtained.get(v)?.facts?.loader.exceptions,
      (v) => {
        const facts = obtained.get(v)?.facts;
        return facts
          ? countMissingImports(r.link!.wheel, facts.functions.map((f) => f.name))
          : undefined;
      },
    );
    if (found) ownRuntime.set(r, { runtime: found.runtime, inferred: found.reason });
  }
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
  const good = reads.filter((r) => r.link && isSubject(r));
  const libraryRun = await createLibraryRun(reads, {
    mirror: options.mirror,
    cacheDir: options.cacheDir,
    allowNetwork: options.allowNetwork,
    shared: true,
  });
  const libsFor = new Map<ReadInput, ChosenLibrary[]>();
  const packagesFor = new Map<ReadInput, InputFile[]>();
  for (const r of good) {
    const choice = await librariesFor(r, libraryRun);
    libsFor.set(r, choice.libraries);
    packagesFor.set(r, choice.packages);
  }
  // From here on each read keeps its facts only: the libraries chosen above hold their own
  // modules, and each archive's modules are read again just before its checks (loadLinkInput).
  // A run then holds the side modules of a few archives at a time, not of every input.
  for (const r of reads) if (r.link) r.link = { ...r.link, modules: [] };

  // 4. Link matrix, with the content-addressed outcome cache (resumes an interrupted run).
  const allowDigest = digestJson(DEFAULT_ALLOW_LIST);
  type Pair = { read: ReadInput; runtime: RuntimeFacts; key: string };
  const pairOf = (r: ReadInput, runtime: RuntimeFacts): Pair => ({
    read: r,
    runtime,
    key: outcomeKey({
      wheelSha256: r.link!.wheel.sha256,
      librarySha256s: libsFor.get(r)!.map((l) => l.library.facts.sha256),
      runtimeMainSha256: runtime.mainSha256,
      engineVersion: `${LINK_ENGINE_VERSION}/${HARNESS_VERSION}`,
      allowListDigest: allowDigest,
    }),
  });
  const pairs: Pair[] = [];
  // Each wheel on its own runtime when the selection leaves that out: judged, never reported
  // as a pair of the run, so "defective" means the same in every scope.
  const ownPairs: Pair[] = [];
  for (const r of good) {
    for (const rt of available) pairs.push(pairOf(r, rt.facts!));
    const own = ownRuntime.get(r)?.runtime;
    const ownFacts = own && !wanted.includes(own) ? obtained.get(own)?.facts : undefined;
    if (ownFacts) ownPairs.push(pairOf(r, ownFacts));
  }
  const allPairs = [...pairs, ...ownPairs];
  const allOutcomes: (LinkOutcome | undefined)[] = new Array(allPairs.length);
  const todo: number[] = [];
  const timeLimitMs = options.linkTimeLimitMs ?? DEFAULT_PAIR_TIME_LIMIT_MS;
  for (const [i, p] of allPairs.entries()) {
    allOutcomes[i] = await readCachedOutcome(options.cacheDir, p.key, { timeLimitMs });
    if (!allOutcomes[i]) todo.push(i);
  }
  let linked = allPairs.length - todo.length;
  progress({ stage: "link", done: linked, total: allPairs.length });
  const execute = options.executeLinks ?? executeLinksInProcess;
  const writes: Promise<void>[] = [];
  // One input object per archive: the executor groups an archive's runtimes by identity.
  const inputOf = new Map<ReadInput, CheckLinkInput>();
  const readOf = new Map<CheckLinkInput, ReadInput>();
  for (const r of good) {
    const input = { ...r.link!, libraries: libsFor.get(r)!.map((l) => l.library) };
    inputOf.set(r, input);
    readOf.set(input, r);
  }
  const unreadable = new Set<ReadInput>();
  const loadLinkInput = async (input: CheckLinkInput): Promise<CheckLinkInput> => {
    const r = readOf.get(input);
    if (!r) return input;
    try {
      const again = await readInputLink(r.input, { shared: true });
      if (again.wheel.sha256 !== input.wheel.sha256) {
        throw new Error(
          `${r.input.file} changed since it was read (sha256 ${again.wheel.sha256}, was ${input.wheel.sha256})`,
        );
      }
      // The facts object read first: executors and caches key an archive's checks by it.
      return { ...input, modules: again.modules };
    } catch (error) {
      unreadable.add(r);
      errors.push({ input: r.input.file, message: describe(error) });
      throw error;
    }
  };
  await execute(
    todo.map((i) => ({ input: inputOf.get(allPairs[i].read)!, runtime: allPairs[i].runtime })),
    (j, outcome) => {
      const i = todo[j];
      allOutcomes[i] = outcome;
      progress({ stage: "link", done: ++linked, total: allPairs.length, message: outcome.wheel });
      // An archive that could not be read again has no verdict to keep.
      if (unreadable.has(allPairs[i].read)) return;
      // Each finished pair is persisted at once: a killed run keeps it. A time-out is kept with
      // its limit: a later run that allows more time checks the pair again.
      const limit = hitTimeLimit(outcome) ? { timeLimitMs } : {};
      writes.push(
        writeCachedOutcome(options.cacheDir, allPairs[i].key, outcome, limit).catch((error) => {
          errors.push({ input: allPairs[i].read.input.file, message: `cache: ${describe(error)}` });
        }),
      );
    },
    { load: loadLinkInput },
  );
  await Promise.all(writes);
  const outcomes = allOutcomes.slice(0, pairs.length);
  options.onLinkOutcomes?.(pairs.map((p, i) => ({
    wheel: p.read.input.file,
    runtime: p.runtime.version,
    outcome: outcomes[i]!,
  })));
  /** Index in `allPairs` of each wheel's pair with its own runtime, and that pair's outcome. */
  const ownIndex = new Map<ReadInput, number>();
  const ownOutcome = new Map<ReadInput, LinkOutcome>();
  for (const [i, p] of allPairs.entries()) {
    if (p.runtime.version !== ownRuntime.get(p.read)?.runtime) continue;
    ownIndex.set(p.read, i);
    if (allOutcomes[i]) ownOutcome.set(p.read, allOutcomes[i]!);
  }

  // 5. Report rows for runtimes, wheels and outcomes: everything scoring reads (profiles, tags,
  // own-runtime outcomes) is in them, so `conform merge` scores shards from the same rows.
  const reportRuntimes: ReportRuntime[] = runtimes.map((r) => ({
    version: r.entry.version,
    python: r.entry.python,
    emscripten: r.entry.emscripten,
    ...(r.entry.abiVersion ? { abiVersion: r.entry.abiVersion } : {}),
    platformTag: r.entry.platformTag,
    releaseDate: r.entry.releaseDate,
    ...(r.error ? { unavailable: r.error } : {}),
    profile: runtimeProfiles.get(r.entry.version)!,
  }));
  const reportWheels: ReportWheel[] = [];
  for (const r of reads) {
    if (!isSubject(r)) continue;
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
    const { profile } = wheelProfile(r, runtimeProfiles, options.catalogue);
    const own = ownRuntime.get(r);
    const ownLink = ownOutcome.get(r);
    const buildTag = buildTagOf(facts);
    reportWheels.push({
      file: r.input.file,
      sha256: facts.sha256,
      kind: facts.kind,
      builtFor: own?.runtime,
      ...(own?.inferred ? { builtForInferred: own.inferred } : {}),
      ...(ownLink
        ? { builtForOutcome: ownLink.outcome, builtForSummary: describeOutcome(ownLink) }
        : {}),
      tags: tagsOf(facts),
      inferred: profile.inferred,
      profile,
      ...(buildTag !== undefined ? { buildTag } : {}),
      binary: facts.sideModules.length > 0,
      requiredBits: requiredFlagBits(facts.sideModules.map((s) => s.abi)),
    });
  }
  const reportOutcomes: ReportOutcome[] = pairs.map((p, i) => {
    const o = outcomes[i]!;
    return {
      wheel: p.read.input.file,
      runtime: p.runtime.version,
      outcome: o.outcome,
      summary: describeOutcome(o),
      evidence: [...o.evidence, ...o.modules.flatMap((m) => m.evidence)].slice(0, 50),
    };
  });

  // 6. Observations, from the rows (installers judge wheels only: `.zip` packages come from the
  // lock file).
  const observed = observeRun({
    runtimes: reportRuntimes,
    wheels: reportWheels,
    outcomes: reportOutcomes,
  });

  // 7. Scores on link evidence; then the evidence ladder: the pairs that decide them run in the
  // real runtime first, and a conclusive result there decides its pair.
  const scoreWith = (oracle: Map<number, OracleResult>) => {
    const evidence: OracleEvidence = { pairs: new Map(), own: new Map() };
    for (const [i, r] of oracle) {
      if (r.works === null) continue;
      if (i < pairs.length) evidence.pairs.set(i, r.works);
      const read = allPairs[i].read;
      if (ownIndex.get(read) === i) evidence.own.set(read.input.file, r.works);
    }
    return scoreRun(options.policies, observed, evidence);
  };
  progress({ stage: "score", done: 0, total: options.policies.length });
  const onLink = scoreWith(new Map());
  let scored = onLink;
  let agreement: ConformReport["agreement"];
  if (options.oracle !== "none") {
    const ladder = await runEvidenceLadder(options, {
      allPairs,
      allOutcomes: allOutcomes as LinkOutcome[],
      scoredPairs: pairs.length,
      libsFor,
      packagesFor,
      onLink,
      ownIndex,
      defectiveReads: good.filter((r) => onLink.defective.has(r.link!.wheel.sha256)),
      rescore: scoreWith,
      // Every runtime's directory is known from obtaining its facts: the oracle needs no
      // second look-up (and no second verification) of the same files.
      runtimeDirs: new Map(
        [...obtained].flatMap(([version, o]) => o.dir ? [[version, o.dir] as const] : []),
      ),
    });
    agreement = ladder.agreement;
    scored = ladder.scored;
    for (const [i, r] of ladder.results) {
      const oracle = {
        works: r.works,
        status: r.status,
        message: r.message.slice(0, 500),
        agrees: r.works === null ? false : !ladder.disagreeing.has(i),
        ...(ladder.disagreeing.has(i) ? { disagreement: ladder.disagreeing.get(i) } : {}),
        ...(r.works === null ? { disagreement: "inconclusive" } : {}),
      };
      if (i < pairs.length) reportOutcomes[i].oracle = oracle;
      const read = allPairs[i].read;
      if (ownIndex.get(read) === i) {
        const row = reportWheels.find((w) => w.file === read.input.file);
        if (row) row.builtForOracle = oracle;
      }
    }
  }
  options.onObservations?.(scored.obs);
  for (const w of reportWheels) if (w.sha256 && scored.defective.has(w.sha256)) w.defective = true;

  // 8. Policies, listed in `load` rank order, and the equivalence classes.
  const { policies: reportPolicies, equivalenceClasses } = reportScores(options.policies, scored);
  progress({ stage: "score", done: options.policies.length, total: options.policies.length });

  return {
    version: 1,
    harnessVersion: HARNESS_VERSION,
    generatedAt: now().toISOString(),
    runtimes: reportRuntimes,
    wheels: reportWheels,
    outcomes: reportOutcomes,
    policies: reportPolicies,
    policyDefinitions: options.policies,
    equivalenceClasses,
    ...(agreement ? { agreement } : {}),
    errors,
    ...(shard ? { shard: describeShard(shard, reads, options) } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The shard metadata of a report: which shard, every input of the run, the oracle options. */
function describeShard(shard: ShardSpec, reads: ReadInput[], options: ConformOptions): ReportShard {
  return {
    index: shard.index,
    count: shard.count,
    inputs: reads.map((r) => ({ file: r.input.file, shardKey: r.shardKey })),
    oracle: {
      mode: options.oracle,
      seed: options.oracleSeed ?? DEFAULT_SEED,
      sampleSize: options.oracleSampleSize ?? DEFAULT_SAMPLE_SIZE,
      budgetMs: oracleBudgetOf(options),
    },
  };
}

/** The oracle stage's time budget, ms (`null`: none), as the options and mode set it. */
function oracleBudgetOf(options: ConformOptions): number | null {
  if (options.oracleBudgetMs !== undefined) return options.oracleBudgetMs;
  return options.oracle === "built-for" || options.oracle === "own" || options.oracle === "all"
    ? null
    : DEFAULT_ORACLE_BUDGET_MS;
}

/** Did the check stop at the pool's time limit (anywhere in the archive)? */
function hitTimeLimit(outcome: LinkOutcome): boolean {
  return [...outcome.evidence, ...outcome.modules.flatMap((m) => m.evidence)]
    .some((e) => e.kind === "timeout");
}

/** Default time budget of the oracle stage for the `decisive` and `sample` modes. */
export const DEFAULT_ORACLE_BUDGET_MS = 120_000;

/**
 * The evidence ladder: find the decisive pairs of the link-evidence scores (defective wheels on
 * their own runtime, every unsafe accept, the pairs that separate the top-ranked schemes), run
 * them in the real runtime first and then the mode's own selection, all within the budget, and
 * score again with each conclusive result deciding its pair.
 */
async function runEvidenceLadder(
  options: ConformOptions,
  ctx: {
    allPairs: { read: ReadInput; runtime: RuntimeFacts }[];
    allOutcomes: LinkOutcome[];
    /** `allPairs` before this index are the run's scored pairs; after it, own-runtime pairs. */
    scoredPairs: number;
    libsFor: Map<ReadInput, ChosenLibrary[]>;
    /** Python packages each archive's lock names: loaded before it in the real runtime. */
    packagesFor: Map<ReadInput, InputFile[]>;
    onLink: RunScores;
    ownIndex: Map<ReadInput, number>;
    defectiveReads: ReadInput[];
    rescore: (oracle: Map<number, OracleResult>) => RunScores;
    /** Each obtained runtime's directory, by version or label. */
    runtimeDirs: Map<string, string>;
  },
): Promise<{
  agreement: ReportAgreement;
  scored: RunScores;
  results: Map<number, OracleResult>;
  disagreeing: Map<number, string>;
}> {
  const progress = options.onProgress ?? (() => {});
  // Opened again for the real runtime: the same content the link check judged, or an error.
  // Large archives are read range by range (openInput), so staging them holds no whole copy.
  const openSame = (input: InputFile, sha256: string) => async () => {
    const archive = await openInput(input);
    try {
      const now = sha256HexSync(archive.bytes);
      if (now !== sha256) {
        throw new Error(`${input.file} changed since it was link-checked (sha256 ${now})`);
      }
      return archive;
    } catch (error) {
      archive.close();
      throw error;
    }
  };
  const sources: OraclePairSource[] = ctx.allPairs.map((p, i) => {
    const o = ctx.allOutcomes[i];
    const entry = p.read.input.entry;
    return {
      wheel: p.read.input.file,
      wheelSha256: p.read.link!.wheel.sha256,
      runtime: p.runtime,
      outcome: o.outcome as OutcomeClass,
      evidence: [...o.evidence, ...o.modules.flatMap((m) => m.evidence)].slice(0, 50),
      builtFor: entry?.builtForRuntime ?? null,
      ...(entry?.pythonVersion ? { pythonVersion: entry.pythonVersion } : {}),
      ...(entry?.emscriptenVersion ? { emscriptenVersion: entry.emscriptenVersion } : {}),
      open: openSame(p.read.input, p.read.link!.wheel.sha256),
      libraries: [
        ...(ctx.libsFor.get(p.read) ?? []).map((lib) => ({
          file: lib.input.file,
          sha256: lib.library.facts.sha256,
          open: openSame(lib.input, lib.library.facts.sha256),
        })),
        // Catalogue packages only: their sha256 names the staged file.
        ...(ctx.packagesFor.get(p.read) ?? []).flatMap((pkg) =>
          pkg.entry
            ? [{ file: pkg.file, sha256: pkg.entry.sha256, open: openSame(pkg, pkg.entry.sha256) }]
            : []
        ),
      ],
    };
  });
  const isWheel = (i: number) => ctx.allPairs[i].read.link!.wheel.kind === "wheel";
  // Every pair once: an own-runtime pair is in `allPairs` only when the scope leaves it out.
  const indexOf = new Map<string, number>();
  for (const [i, src] of sources.entries()) {
    indexOf.set(`${src.wheel}\u0000${src.runtime.version}`, i);
  }
  const decisive = findDecisivePairs([...ctx.onLink.judged.values()]);
  // Decisive pairs decide scores: with no policy to score, only the mode's pairs run.
  const decisiveIdx = options.policies.length === 0 ? [] : [
    ...new Set([
      ...ctx.defectiveReads.flatMap((r) => ctx.ownIndex.get(r) ?? []),
      ...decisive.flatMap((d) => indexOf.get(`${d.wheel}\u0000${d.runtime}`) ?? []),
    ]),
  ].filter(isWheel);
  const seed = options.oracleSeed ?? DEFAULT_SEED;
  const size = options.oracleSampleSize ?? DEFAULT_SAMPLE_SIZE;
  // `own` and `all` name their pairs outright, `.zip` packages included; samples are of wheels.
  const mode = options.oracle === "own"
    ? {
      indices: [...new Set(ctx.ownIndex.values())],
      description: "every archive on its own runtime",
    }
    : options.oracle === "all"
    ? { indices: [...Array(ctx.scoredPairs).keys()], description: `all ${ctx.scoredPairs} pairs` }
    : selectModePairs(
      options.oracle === "none" ? "decisive" : options.oracle,
      sources,
      [...Array(ctx.scoredPairs).keys()].filter(isWheel),
      { seed, size },
    );
  // Decisive pairs come before any random sample; `built-for` asks for every wheel on its own
  // runtime first (its point), so those lead and its cross-runtime sample follows the decisive.
  const own = options.oracle === "built-for" ? mode.indices.slice(0, mode.leading ?? 0) : [];
  const order = [...new Set([...own, ...decisiveIdx, ...mode.indices])];
  const budgetMs = oracleBudgetOf(options);
  const deadline = budgetMs === null ? undefined : Date.now() + budgetMs;
  const { results, notRun } = await runOracleStage(sources, order, {
    ...(ctx.runtimeDirs.size ? { runtimeDirs: ctx.runtimeDirs } : {}),
    cacheDir: options.cacheDir,
    catalogue: options.catalogue,
    timeoutMs: options.oracleTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.oracleRun ? { run: options.oracleRun } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
    onProgress: (done, total, message) => progress({ stage: "oracle", done, total, message }),
  });
  options.onOracleResults?.(
    order.flatMap((i) =>
      results.has(i)
        ? [{
          wheel: sources[i].wheel,
          runtime: sources[i].runtime.version,
          result: results.get(i)!,
        }]
        : []
    ),
  );
  const scored = ctx.rescore(results);
  const agreement = summarizeAgreement(
    sources,
    results,
    `${
      own.length ? `${own.length} own-runtime pairs, then ` : ""
    }${decisiveIdx.length} decisive pairs, then ${mode.description} (seed ${seed})`,
  );
  const disagreeing = new Map<number, string>();
  for (const d of agreement.disagreements ?? []) {
    const i = indexOf.get(`${d.wheel}\u0000${d.runtime}`);
    if (i !== undefined) disagreeing.set(i, d.kind);
  }
  // What the decisive pairs showed, and which of them move the ranking on their own.
  const confirmed = decisiveIdx.filter((i) => results.has(i) && results.get(i)!.works !== null);
  const overturned: ReportDecisive["overturned"] = [];
  for (const i of confirmed) {
    const r = results.get(i)!;
    const onLink = observedWorks({ outcome: sources[i].outcome });
    if (onLink === null || onLink === r.works) continue;
    overturned.push({
      wheel: sources[i].wheel,
      runtime: sources[i].runtime.version,
      linkOutcome: sources[i].outcome,
      oracleStatus: r.status,
      changesRanking: changesRanking(ctx.onLink, ctx.rescore(new Map([[i, r]]))),
    });
  }
  agreement.decisive = {
    pairs: decisiveIdx.length,
    run: decisiveIdx.filter((i) => results.has(i)).length,
    confirmed: confirmed.length,
    notRun: decisiveIdx.filter((i) => notRun.has(i)).length,
    budgetSeconds: budgetMs === null ? null : Math.round(budgetMs / 1000),
    overturned,
    changedRanking: overturned.filter((o) => o.changesRanking).length,
    moved: findMovedPolicies(ctx.onLink, scored),
  };
  return { agreement, scored, results, disagreeing };
}
