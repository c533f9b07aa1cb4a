/**
 * `deno task fuzz [--seed N] [--cases N] [--seconds N]`: feeds mutated wheels, zips, side modules,
 * wheel filenames and JS glue to the readers and checks that each case ends in facts or a typed
 * error (`WasmFormatError`, `ZipFormatError`, `InvalidWheelFilename`, `RuntimeFormatError`, with a
 * valid locator). Anything else is an "other exception": its input is minimized and written to
 * `reports/fuzz/`. Cases run in workers without permissions; a watchdog ends a worker whose case
 * makes no progress for `--case-timeout-ms` (a hang) and the run goes on with a fresh worker.
 *
 * Seeds: small real wheels and `.zip` packages of the shared corpus (`CONFORM_MIRROR`, else
 * `../shared/corpus`), the side modules inside them, every corpus filename, glue files of cached
 * runtimes when present, plus generated modules and archives. Each case is reproducible from
 * (seed, case id): `deno task fuzz --seed N --replay ID`.
 *
 * Exit status: 0 when there were no other exceptions, hangs or memory blow-ups; 1 otherwise; 2 on
 * bad arguments.
 *
 * @example
 * ```sh
 * deno task fuzz --seed 1 --cases 100000 --seconds 600
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { defaultCacheDir, defaultMirror } from "../src/corpus/defaults.ts";
import { inflateMember, readZipDirectory } from "../src/wheel/read_zip.ts";
import {
  makeCase,
  prepareSeeds,
  runCase,
  type SeedSet,
  type Target,
  TARGETS,
} from "./_fuzz/cases.ts";
import {
  type ChunkStats,
  emptyStats,
  type FailureRecord,
  type FromWorker,
  HEARTBEAT_INTS,
  type Injections,
  mergeStats,
  PHASES,
  type ToWorker,
} from "./_fuzz/protocol.ts";

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Run seed: every case is a function of (seed, case id). */
  seed: number;
  /** Most cases to run. */
  cases: number;
  /** Stop handing out cases after this many seconds. */
  seconds: number;
  workers: number;
  /** A case whose worker shows no progress for this long is a hang. */
  caseTimeoutMs: number;
  /** Process RSS above which the running cases count as memory blow-ups. */
  maxRssMb: number;
  /** Cases per message to a worker. */
  chunkSize: number;
  targets: Target[];
  /** Shared corpus directory; `null` for generated seeds only. */
  corpusDir: string | null;
  /** Largest corpus archive taken as a seed (small ones keep the rate up). */
  maxSeedBytes: number;
  /** Glue files to mutate; empty: look in the runtime cache. */
  glueFiles: string[];
  /** Where reproducers go; `null` writes nothing. */
  reportDir: string | null;
  /**
   * `"none"` runs workers without any permission (needs `--unstable-worker-options`);
   * `"inherit"` gives them the caller's (for `deno test`, which lacks that flag).
   */
  workerPermissions: "none" | "inherit";
  quiet: boolean;
  /** Test hooks: make one case hang, run slowly, or count as an other exception. */
  inject?: Injections;
}

/** Counts and findings of a run. */
export interface FuzzSummary extends ChunkStats {
  seed: number;
  hangs: number;
  memoryBlowups: number;
  /** Cases that passed the time limit once but finished on their second, longer try. */
  slowCases: { caseId: number; target: string; ms: number }[];
  /** Other exceptions plus hung and memory-blown cases, with reproducer paths when written. */
  failures: {
    caseId: number;
    target: string;
    kind: string;
    errorClass: string;
    message: string;
    files: string[];
  }[];
  peakRssBytes: number;
  seconds: number;
  casesPerSecond: number;
  workers: number;
  seedCounts: { wasm: number; archives: number; filenames: number; glue: number };
  notes: string[];
}

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Defaults of {@link runFuzz} (the task's defaults). */
export const DEFAULT_FUZZ_OPTIONS: Readonly<FuzzOptions> = {
  seed: 1,
  cases: 100_000,
  seconds: 600,
  workers: Math.max(1, Math.min(navigator.hardwareConcurrency ?? 2, 2)),
  caseTimeoutMs: 2_000,
  maxRssMb: 4_096,
  chunkSize: 250,
  targets: [...TARGETS],
  corpusDir: defaultMirror() ?? null,
  maxSeedBytes: 48 * 1024,
  glueFiles: [],
  reportDir: join(REPO_ROOT, "reports", "fuzz"),
  workerPermissions: "none",
  quiet: false,
};

const SO_NAME = /\.(?:so(?:\.[0-9]+)*|wasm)$/;
const MAX_SEED_MODULE_BYTES = 512 * 1024;

/**
 * Loads seeds: small corpus archives, their side modules (deduplicated), every corpus filename,
 * and glue texts.
 *
 * @example
 * ```ts ignore
 * const { seeds } = await loadSeeds({ ...DEFAULT_FUZZ_OPTIONS });
 * console.log(seeds.archives.length);
 * ```
 */
export async function loadSeeds(
  options: Pick<FuzzOptions, "corpusDir" | "maxSeedBytes" | "glueFiles" | "targets">,
): Promise<{ seeds: SeedSet; notes: string[] }> {
  const seeds: SeedSet = { wasm: [], archives: [], filenames: [], glue: [] };
  const notes: string[] = [];
  if (options.corpusDir === null) {
    notes.push("no corpus: generated seeds only");
  } else {
    const manifest = JSON.parse(
      await Deno.readTextFile(join(options.corpusDir, "manifest.json")),
    ) as { file: string; size: number; kind: string }[];
    const seen = new Set<string>();
    for (const entry of manifest) {
      if (entry.kind === "lockfile") continue;
      const base = entry.file.split("/").pop()!;
      seeds.filenames.push(base);
      if (entry.size > options.maxSeedBytes) continue;
      const bytes = await Deno.readFile(join(options.corpusDir, entry.file));
      seeds.archives.push({ name: base, bytes });
      try {
        const dir = readZipDirectory(bytes, { file: base });
        for (const e of dir.entries) {
          if (!SO_NAME.test(e.name) || e.uncompressedSize > MAX_SEED_MODULE_BYTES) continue;
          const data = inflateMember(bytes, e, { file: base });
          const key = `${data.length}:${Array.from(data.subarray(-32)).join(",")}`;
          if (seen.has(key)) continue;
          seen.add(key);
          seeds.wasm.push({ name: e.name.split("/").pop()!, bytes: data.slice() });
        }
      } catch {
        // Every corpus file is readable (issue 3); a failure here only loses its modules as seeds.
      }
    }
  }
  if (options.targets.includes("glue")) {
    let glueFiles = options.glueFiles;
    if (glueFiles.length === 0) glueFiles = await findCachedGlues();
    for (const file of glueFiles) {
      seeds.glue.push({ name: file.split("/").pop()!, text: await Deno.readTextFile(file) });
    }
    if (seeds.glue.length === 0) {
      notes.push("no glue files (cached runtimes or --glue): glue target skipped");
    }
  }
  return { seeds, notes };
}

/** One old-style (`asmLibraryArg`) and one new-style (`wasmImports`) glue from the runtime cache. */
async function findCachedGlues(): Promise<string[]> {
  const dir = join(defaultCacheDir(), "runtimes");
  const found: string[] = [];
  const kinds = new Set<string>();
  let versions: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) versions.push(e.name);
  } catch {
    return found;
  }
  versions = versions.sort();
  for (const v of versions) {
    for (const name of ["pyodide.asm.js", "pyodide.asm.mjs"]) {
      const path = join(dir, v, name);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch {
        continue;
      }
      const kind = /\bvar\s+asmLibraryArg\s*=/.test(text) ? "asmLibraryArg" : "wasmImports";
      if (!kinds.has(kind)) {
        kinds.add(kind);
        found.push(path);
      }
      break;
    }
    if (kinds.size === 2) break;
  }
  return found;
}

interface Slot {
  index: number;
  worker: Worker;
  ready: Promise<void>;
  /** Set while a chunk runs: resolves with the worker's answer or the watchdog's verdict. */
  pending?: {
    from: number;
    to: number;
    resolve: (r: SlotResult) => void;
    timeoutMs: number;
    lastBeat: number;
    lastChange: number;
  };
}

/** Cases `[from, to)` to run with a per-case time limit; `confirm` re-runs a suspected hang. */
interface Range {
  from: number;
  to: number;
  timeoutMs: number;
  confirm?: boolean;
}

/** How much longer a suspected hang gets on its second try. */
const CONFIRM_FACTOR = 5;

type SlotResult =
  | FromWorker & { type: "done" }
  | { type: "hang" | "memory" | "crash"; caseId: number; message: string };

/**
 * Runs the fuzzer and returns its summary; writes reproducers of other exceptions when
 * `reportDir` is set.
 *
 * @example
 * ```ts ignore
 * const summary = await runFuzz({ seed: 7, cases: 2000, quiet: true });
 * console.log(summary.other, summary.hangs);
 * ```
 */
export async function runFuzz(partial: Partial<FuzzOptions> = {}): Promise<FuzzSummary> {
  const o: FuzzOptions = { ...DEFAULT_FUZZ_OPTIONS, ...partial };
  const started = performance.now();
  const { seeds, notes } = await loadSeeds(o);
  const targets = o.targets.filter((t) => t !== "glue" || seeds.glue.length > 0);
  const stats = emptyStats();
  const summary: FuzzSummary = {
    ...stats,
    seed: o.seed,
    hangs: 0,
    memoryBlowups: 0,
    slowCases: [],
    failures: [],
    peakRssBytes: 0,
    seconds: 0,
    casesPerSecond: 0,
    workers: o.workers,
    seedCounts: {
      wasm: seeds.wasm.length,
      archives: seeds.archives.length,
      filenames: seeds.filenames.length,
      glue: seeds.glue.length,
    },
    notes,
  };
  const log = (line: string) => {
    if (!o.quiet) console.error(line);
  };
  const heartbeat = new SharedArrayBuffer(4 * HEARTBEAT_INTS * o.workers);
  const beats = new Int32Array(heartbeat);
  const queue: Range[] = [];
  let nextId = 0;
  const deadline = started + o.seconds * 1000;
  const takeRange = (): Range | undefined => {
    if (performance.now() > deadline) return undefined;
    const requeued = queue.shift();
    if (requeued !== undefined) return requeued;
    if (nextId >= o.cases) return undefined;
    const from = nextId;
    nextId = Math.min(o.cases, nextId + o.chunkSize);
    return { from, to: nextId, timeoutMs: o.caseTimeoutMs };
  };

  const startWorker = (index: number): Slot => {
    const workerOptions: WorkerOptions & { deno?: { permissions: "none" } } = { type: "module" };
    if (o.workerPermissions === "none") workerOptions.deno = { permissions: "none" };
    const worker = new Worker(new URL("./_fuzz/worker.ts", import.meta.url), workerOptions);
    const slot: Slot = { index, worker, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        if (event.data.type === "ready") {
          resolve();
          return;
        }
        const p = slot.pending;
        if (p !== undefined) {
          slot.pending = undefined;
          p.resolve(event.data);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const p = slot.pending;
        if (p === undefined) {
          reject(new Error(`fuzz worker failed to start: ${event.message}`));
          return;
        }
        slot.pending = undefined;
        p.resolve({
          type: "crash",
          caseId: Atomics.load(beats, index * HEARTBEAT_INTS + 1),
          message: event.message,
        });
      };
    });
    const init: ToWorker = {
      type: "init",
      seeds,
      targets,
      seed: o.seed,
      heartbeat,
      slot: index,
      minimize: { maxAttempts: 3000, maxMillis: Math.max(200, o.caseTimeoutMs / 2) },
    };
    if (o.inject !== undefined) init.inject = o.inject;
    worker.postMessage(init);
    return slot;
  };

  const runOn = (slot: Slot, { from, to, timeoutMs }: Range): Promise<SlotResult> =>
    new Promise((resolve) => {
      const now = performance.now();
      slot.pending = {
        from,
        to,
        resolve,
        timeoutMs,
        lastBeat: Atomics.load(beats, slot.index * HEARTBEAT_INTS),
        lastChange: now,
      };
      slot.worker.postMessage({ type: "run", from, to } satisfies ToWorker);
    });

  const slots: Slot[] = [];
  for (let i = 0; i < o.workers; i++) slots.push(startWorker(i));
  await Promise.all(slots.map((s) => s.ready));

  // Watchdog and memory sampler.
  let lastReport = performance.now();
  const watchdog = setInterval(() => {
    const now = performance.now();
    const rss = Deno.memoryUsage().rss;
    if (rss > summary.peakRssBytes) summary.peakRssBytes = rss;
    const overMemory = rss > o.maxRssMb * 1024 * 1024;
    for (const slot of slots) {
      const p = slot.pending;
      if (p === undefined) continue;
      const b = Atomics.load(beats, slot.index * HEARTBEAT_INTS);
      if (b !== p.lastBeat) {
        p.lastBeat = b;
        p.lastChange = now;
      }
      const caseId = Atomics.load(beats, slot.index * HEARTBEAT_INTS + 1);
      const phase = PHASES[Atomics.load(beats, slot.index * HEARTBEAT_INTS + 2)] ?? "?";
      if (overMemory || now - p.lastChange > p.timeoutMs) {
        slot.pending = undefined;
        slot.worker.terminate();
        p.resolve({
          type: overMemory ? "memory" : "hang",
          caseId,
          message: overMemory
            ? `process RSS ${(rss / 1048576).toFixed(0)} MiB over ${o.maxRssMb} MiB`
            : `no progress for ${p.timeoutMs} ms while ${phase}`,
        });
      }
    }
    if (now - lastReport > 10_000) {
      lastReport = now;
      const done = summary.cases;
      log(
        `fuzz: ${done} cases, ${summary.other} other, ${summary.hangs} hangs, ${
          (done / ((now - started) / 1000)).toFixed(0)
        }/s, rss ${(rss / 1048576).toFixed(0)} MiB`,
      );
    }
  }, 50);

  const failureRecords: FailureRecord[] = [];
  const slotLoop = async (i: number) => {
    for (let range = takeRange(); range !== undefined; range = takeRange()) {
      const { from, to } = range;
      const result = await runOn(slots[i]!, range);
      if (result.type === "done") {
        mergeStats(summary, result.stats);
        failureRecords.push(...result.failures);
        if (range.confirm) {
          const { ms, caseId, target } = result.stats.slowest;
          summary.slowCases.push({ caseId, target, ms });
        }
        continue;
      }
      // The worker was ended (hang, memory) or died: rerun the rest of the chunk (deterministic,
      // so the finished part gives the same counts again) on a fresh worker.
      const caseId = Math.min(Math.max(result.caseId, from), to - 1);
      if (from < caseId) queue.unshift({ from, to: caseId, timeoutMs: o.caseTimeoutMs });
      if (caseId + 1 < to) queue.push({ from: caseId + 1, to, timeoutMs: o.caseTimeoutMs });
      slots[i] = startWorker(i);
      if (result.type === "hang" && !range.confirm) {
        // A busy machine can stall a slow but finite case: give it once more, alone, with
        // CONFIRM_FACTOR times the time, before calling it a hang.
        queue.unshift({
          from: caseId,
          to: caseId + 1,
          timeoutMs: o.caseTimeoutMs * CONFIRM_FACTOR,
          confirm: true,
        });
        await slots[i]!.ready;
        continue;
      }
      summary.cases++;
      if (result.type === "hang") summary.hangs++;
      else if (result.type === "memory") summary.memoryBlowups++;
      else summary.other++;
      summary.failures.push({
        caseId,
        target: "?",
        kind: result.type,
        errorClass: result.type,
        message: result.message,
        files: [],
      });
      await slots[i]!.ready;
    }
  };
  try {
    await Promise.all(slots.map((_, i) => slotLoop(i)));
  } finally {
    clearInterval(watchdog);
    for (const s of slots) s.worker.terminate();
  }

  // Name the targets of hung cases, and write reproducers.
  const prepared = summary.failures.some((f) => f.target === "?")
    ? prepareSeeds(seeds, targets)
    : undefined;
  for (const f of summary.failures) {
    if (f.target === "?" && prepared !== undefined) {
      const c = makeCase(prepared, o.seed, f.caseId);
      f.target = c.target;
      if (o.reportDir !== null) {
        f.files = await writeInput(
          o.reportDir,
          o.seed,
          f.caseId,
          c.target,
          f.kind,
          c.bytes ?? c.text!,
        );
      }
    }
  }
  for (const r of failureRecords) {
    const entry = {
      caseId: r.caseId,
      target: r.target,
      kind: "other",
      errorClass: r.outcome.kind === "other" ? r.outcome.errorClass : "?",
      message: r.outcome.kind === "other" ? r.outcome.message : "",
      files: [] as string[],
    };
    if (o.reportDir !== null) entry.files = await writeReproducer(o.reportDir, o.seed, r);
    summary.failures.push(entry);
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.casesPerSecond = summary.cases / summary.seconds;
  const rss = Deno.memoryUsage().rss;
  if (rss > summary.peakRssBytes) summary.peakRssBytes = rss;
  return summary;
}

function extensionOf(input: Uint8Array | string): string {
  return typeof input === "string" ? "txt" : "bin";
}

async function writeInput(
  dir: string,
  seed: number,
  caseId: number,
  target: string,
  kind: string,
  input: Uint8Array | string,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, `${kind}-${target}-seed${seed}-case${caseId}.${extensionOf(input)}`);
  if (typeof input === "string") await Deno.writeTextFile(path, input);
  else await Deno.writeFile(path, input);
  return [path];
}

async function writeReproducer(dir: string, seed: number, r: FailureRecord): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const stem = join(dir, `other-${r.target}-seed${seed}-case${r.caseId}`);
  const files: string[] = [];
  const put = async (path: string, input: Uint8Array | string) => {
    if (typeof input === "string") await Deno.writeTextFile(path, input);
    else await Deno.writeFile(path, input);
    files.push(path);
  };
  await put(`${stem}.min.${extensionOf(r.minimized)}`, r.minimized);
  await put(`${stem}.orig.${extensionOf(r.input)}`, r.input);
  const meta = {
    seed,
    caseId: r.caseId,
    target: r.target,
    file: r.file,
    seedName: r.seedName,
    ops: r.ops,
    cpythonSuffix: r.cpythonSuffix,
    outcome: r.outcome,
    minimizedOutcome: r.minimizedOutcome,
    originalSize: r.input.length,
    minimizedSize: r.minimized.length,
    replay: `deno task fuzz --seed ${seed} --replay ${r.caseId}`,
  };
  await put(`${stem}.json`, JSON.stringify(meta, null, 2) + "\n");
  return files;
}

/**
 * The end-of-run report printed by the task.
 *
 * @example
 * ```ts ignore
 * console.log(formatSummary(await runFuzz({ cases: 1000 })));
 * ```
 */
export function formatSummary(s: FuzzSummary): string {
  const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  const lines = [
    `fuzz: seed ${s.seed}, ${s.workers} workers, seeds: ${s.seedCounts.archives} archives, ${s.seedCounts.wasm} modules, ${s.seedCounts.filenames} filenames, ${s.seedCounts.glue} glue (plus generated)`,
    ...s.notes.map((n) => `  note: ${n}`),
    `  cases             ${s.cases}`,
    `  facts             ${s.facts}`,
    `  typed errors      ${s.typed}  (${
      Object.entries(s.typedByClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(
        ", ",
      )
    }; ${Object.keys(s.reasons).length} distinct reasons)`,
    `  other exceptions  ${s.other}`,
    `  hangs             ${s.hangs}`,
    `  memory blow-ups   ${s.memoryBlowups}`,
    `  peak memory       ${mib(s.peakRssBytes)} RSS`,
    `  time              ${s.seconds.toFixed(1)} s, ${s.casesPerSecond.toFixed(0)} cases/s`,
    `  slowest case      ${
      s.slowest.ms.toFixed(0)
    } ms (case ${s.slowest.caseId}, ${s.slowest.target})${
      s.slowCases.length > 0
        ? `; ${s.slowCases.length} over the time limit once, then finished: ${
          s.slowCases.map((c) => `case ${c.caseId} ${c.target} ${c.ms.toFixed(0)} ms`).join(", ")
        }`
        : ""
    }`,
    `  per target        ${
      Object.entries(s.perTarget).sort().map(([k, v]) =>
        `${k} ${v.cases} (${v.facts} facts, ${v.typed} typed)`
      )
        .join("; ")
    }`,
  ];
  for (const f of s.failures.slice(0, 20)) {
    lines.push(
      `  FAIL case ${f.caseId} [${f.target}] ${f.kind}: ${f.errorClass}: ${
        f.message.slice(0, 200)
      }`,
    );
    for (const file of f.files) lines.push(`       ${file}`);
  }
  if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more failures`);
  return lines.join("\n");
}

const USAGE = `usage: deno task fuzz [--seed N] [--cases N] [--seconds N] [--workers N]
                       [--case-timeout-ms N] [--max-rss-mb N] [--targets a,b,…] [--glue FILE]…
                       [--replay CASE_ID] [--no-report]
targets: ${TARGETS.join(", ")}`;

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`--${name} must be a non-negative integer`);
  }
  return n;
}

async function replay(o: FuzzOptions, caseId: number): Promise<number> {
  const { seeds } = await loadSeeds(o);
  const prepared = prepareSeeds(
    seeds,
    o.targets.filter((t) => t !== "glue" || seeds.glue.length > 0),
  );
  const c = makeCase(prepared, o.seed, caseId);
  let out = runCase(c);
  if (out instanceof Promise) out = await out;
  console.log(JSON.stringify(
    {
      caseId,
      target: c.target,
      file: c.file,
      seedName: c.seedName,
      ops: c.ops,
      size: (c.bytes ?? c.text!).length,
      outcome: out,
    },
    null,
    2,
  ));
  return out.kind === "other" ? 1 : 0;
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        seed: { type: "string" },
        cases: { type: "string" },
        seconds: { type: "string" },
        workers: { type: "string" },
        "case-timeout-ms": { type: "string" },
        "max-rss-mb": { type: "string" },
        targets: { type: "string" },
        glue: { type: "string", multiple: true },
        replay: { type: "string" },
        "no-report": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  let o: FuzzOptions;
  try {
    const d = DEFAULT_FUZZ_OPTIONS;
    const targets = v.targets === undefined
      ? d.targets
      : v.targets.split(",").map((t) => t.trim()) as Target[];
    const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
    if (unknown.length > 0) throw new RangeError(`unknown target ${unknown.join(", ")}`);
    o = {
      ...d,
      seed: intOption(v.seed, "seed", d.seed),
      cases: intOption(v.cases, "cases", d.cases),
      seconds: intOption(v.seconds, "seconds", d.seconds),
      workers: Math.max(1, intOption(v.workers, "workers", d.workers)),
      caseTimeoutMs: intOption(v["case-timeout-ms"], "case-timeout-ms", d.caseTimeoutMs),
      maxRssMb: intOption(v["max-rss-mb"], "max-rss-mb", d.maxRssMb),
      targets,
      glueFiles: v.glue ?? [],
      reportDir: v["no-report"] ? null : d.reportDir,
    };
    if (v.replay !== undefined) return await replay(o, intOption(v.replay, "replay", 0));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const summary = await runFuzz(o);
  console.log(formatSummary(summary));
  if (o.reportDir !== null) {
    await Deno.mkdir(o.reportDir, { recursive: true });
    const path = join(o.reportDir, `summary-seed${o.seed}.json`);
    await Deno.writeTextFile(path, JSON.stringify(summary, null, 2) + "\n");
    console.log(`  summary           ${path}`);
  }
  return summary.other > 0 || summary.hangs > 0 || summary.memoryBlowups > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
