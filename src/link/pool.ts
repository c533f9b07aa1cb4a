/**
 * A small pool of long-lived workers for link checks. Each worker runs with NO permissions
 * (`deno: { permissions: "none" }`; this needs the `worker-options` unstable feature, which the
 * project's `deno.json` enables), keeps one stub session per runtime and caches compiled side
 * modules. A watchdog terminates a worker whose current pair exceeds the time limit, records that
 * pair as `trap` (timeout), and continues the rest of the job in a fresh worker.
 *
 * Runtimes have an affinity to one worker ("lane"): each worker holds the sessions of only its
 * share of the runtimes (a session is a ~10 MB stub instance plus its symbol table), and every
 * archive is checked by each lane against that lane's runtimes.
 *
 * Real mode (a check whose constructors call a main function the stub cannot run, re-run against
 * the runtime's real main, see `_real_main.ts`) is a second phase grouped by runtime. The first
 * phase only marks such pairs; once no first-phase work is left in the pool, each lane takes its
 * marked pairs one runtime at a time: the real main is compiled here, posted with all that
 * runtime's pairs, the worker builds one real session for them, and both are dropped before the
 * next runtime. A compiled real main is ~20 MB and a real session ~14 MB: kept for the whole
 * run, or rebuilt whenever the scattered pairs switch runtime, they cost memory or time.
 *
 * @module
 */
import type { RuntimeFacts } from "../runtime/types.ts";
import type { AllowList } from "./allow_list.ts";
import {
  type CheckLinkInput,
  engineFailureOutcome,
  type LinkModuleInput,
  precompileLinkInput,
  pruneLinkInput,
} from "./check_link.ts";
import type { SessionCaps } from "./_session.ts";
import type { LinkOutcome } from "./types.ts";
import { type ByteStore, obtainSessionStub } from "./stub.ts";
import type { FromWorker, ToWorker, WorkerStats } from "./_worker.ts";
import { type PackedRuntimeFacts, packRuntimeFacts } from "./_runtime_wire.ts";
import { readRealMainBytes } from "./_real_main.ts";

export type { WorkerStats };

/** Default time one (archive, runtime) pair may take, compilation included. */
export const DEFAULT_PAIR_TIME_LIMIT_MS = 10_000;
/** Upper bound on workers. */
export const MAX_POOL_WORKERS = 64;
/** Default number of workers: one per core, at most this many. */
export const DEFAULT_MAX_WORKERS = 2;

export interface LinkPoolOptions {
  /** Number of workers (default: one per core, at most {@linkcode DEFAULT_MAX_WORKERS}). */
  workers?: number;
  /** Per-pair time limit in ms (default {@linkcode DEFAULT_PAIR_TIME_LIMIT_MS}). */
  timeLimitMs?: number;
  caps?: Partial<SessionCaps>;
  allowList?: AllowList;
  runConstructors?: boolean;
  stubStore?: ByteStore;
}

/** Options of one {@linkcode LinkPool.checkAll} call. */
export interface CheckAllOptions {
  /** Each pair's final outcome as soon as it is known (`index` into the call's `runtimes`). */
  onOutcome?: (index: number, outcome: LinkOutcome) => void;
  /**
   * Called once no pair of the call is left in the first phase: the others wait for the second
   * (real mode), which starts only when the pool has no first-phase work left. A caller that
   * bounds the archives it has in flight counts this, not the final outcomes, or the pool sees
   * too few archives to group their real-mode pairs.
   */
  onFirstPhase?: () => void;
}

/** One (archive, runtime) pair and where its outcome goes. */
interface Pair {
  input: CheckLinkInput;
  runtime: RuntimeFacts;
  /** Give the pair its final outcome (once; later calls are ignored). */
  settle: (outcome: LinkOutcome) => void;
  /** The first phase needs real mode: the outcome comes from the second. */
  defer: (firstMs: number) => void;
}

/**
 * Work a lane's worker runs. First phase ("stub"): one archive against some of the lane's
 * runtimes, real mode deferred. Second phase ("real"): archives whose first check needs real
 * mode, all against one runtime, with its real main.
 */
interface Job {
  id: number;
  phase: "stub" | "real";
  pairs: Pair[];
  /** Index of the first pair not yet done (a replacement worker resumes here). */
  offset: number;
  /** Compile the archive's modules (once for all lanes) before the job is posted. */
  prepare?: () => Promise<void>;
  /** Second phase: the bytes of the runtime's real main, until they are sent to the worker. */
  realMain?: Promise<Uint8Array | { unavailable: string }>;
}

interface Lane {
  index: number;
  queue: Job[];
  worker?: Worker;
  ready?: Promise<void>;
  /** Runtimes sent (or being sent) to the current worker, by key. */
  sent: Map<string, Promise<boolean>>;
  job?: Job;
  /** First index of `job.pairs` the current worker run covers. */
  base: number;
  /** Pairs of the current worker run it has answered. */
  answered: number;
  pairIndex?: number;
  pairStart: number;
  member?: string;
  statsWaiter?: (s: WorkerStats) => void;
  /** Pairs of this lane's runtimes that need real mode, by runtime key (its second phase). */
  deferred: Map<string, Pair[]>;
  /** Running its second phase: every deferred runtime is done before first-phase work. */
  draining: boolean;
}

const sharedCopies = new WeakMap<Uint8Array, Uint8Array>();

/**
 * The bytes in a SharedArrayBuffer, so that posting them to every worker shares instead of
 * copying them (a corpus holds hundreds of MB of side modules). Copied once per array.
 *
 * @example
 * ```ts
 * import { shareBytes } from "./pool.ts";
 * const shared = shareBytes(new Uint8Array([1, 2, 3]));
 * console.assert(shared.buffer instanceof SharedArrayBuffer && shared[2] === 3);
 * ```
 */
export function shareBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  let shared = sharedCopies.get(bytes);
  if (!shared) {
    shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    sharedCopies.set(bytes, shared);
  }
  return shared;
}

function sharedInput(input: CheckLinkInput): CheckLinkInput {
  const share = (modules: LinkModuleInput[]) =>
    modules.map((m) => ({ ...m, bytes: shareBytes(m.bytes) }));
  return {
    wheel: input.wheel,
    modules: share(input.modules),
    libraries: input.libraries?.map((l) => ({ ...l, modules: share(l.modules) })),
    compiled: input.compiled,
    compileKeys: input.compileKeys,
  };
}

const pruned = new WeakMap<CheckLinkInput, CheckLinkInput>();

/** The form posted to workers, once per archive for all lanes (after compilation). */
function prunedInput(input: CheckLinkInput): CheckLinkInput {
  if (!input.compileKeys) return input;
  let p = pruned.get(input);
  if (!p) pruned.set(input, p = pruneLinkInput(input));
  return p;
}

/**
 * Side-module bytes handed to the pool since this thread last collected. Each archive leaves its
 * modules (shared buffers), their compiled forms and its inflate buffers behind: native memory
 * that V8's heap figures hardly show, so the thread that reads archives (a small JS heap) would
 * otherwise collect rarely and hold every archive it ever checked. On the shared corpus,
 * `conform corpus/ --oracle none` ended at 1.77 GB of RSS, 835 MB of it in malloc's heap; a full
 * collection per 32 MiB of modules took the link matrix's peak from 1143-1337 to 940-968 MiB
 * (3 passes, alternating runs) at the same pairs/s within the noise.
 */
let bytesSinceCollection = 0;

/** Module bytes after which the pool's thread runs a full collection (when it can). */
export const COLLECT_AFTER_MODULE_BYTES = 32 * 1024 * 1024;

function collectAfterArchives(input: CheckLinkInput): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  for (const m of input.modules) bytesSinceCollection += m.bytes.length;
  if (bytesSinceCollection < COLLECT_AFTER_MODULE_BYTES) return;
  bytesSinceCollection = 0;
  gc();
}

function runtimeKey(r: RuntimeFacts): string {
  return `${r.version}:${r.mainSha256}:${r.glueSha256 ?? ""}`;
}

/**
 * The pool. Create it, call {@linkcode LinkPool.checkAll} for each archive (concurrent calls
 * queue up), and {@linkcode LinkPool.close} it at the end.
 *
 * @example
 * ```ts ignore
 * import { LinkPool } from "./pool.ts";
 * const pool = new LinkPool({ workers: 2 });
 * const outcomes = await pool.checkAll(input, [runtimeA, runtimeB]);
 * await pool.close();
 * ```
 */
export class LinkPool {
  readonly size: number;
  readonly timeLimitMs: number;
  #options: LinkPoolOptions;
  #lanes: Lane[];
  #affinity = new Map<string, number>();
  #nextId = 1;
  #stubs = new Map<string, Promise<Uint8Array>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Pairs that ended by timeout (for reports and tests). */
  timeouts = 0;
  /** Second-phase jobs run, each with one real main compiled for it (for benchmarks, tests). */
  realJobs = 0;
  /** Pairs checked in real mode (second phase). */
  realPairs = 0;

  constructor(options: LinkPoolOptions = {}) {
    const cores = navigator.hardwareConcurrency || 1;
    this.size = Math.max(
      1,
      Math.min(options.workers ?? Math.min(cores, DEFAULT_MAX_WORKERS), MAX_POOL_WORKERS),
    );
    this.timeLimitMs = options.timeLimitMs ?? DEFAULT_PAIR_TIME_LIMIT_MS;
    this.#options = options;
    this.#lanes = Array.from({ length: this.size }, (_, index) => ({
      index,
      queue: [],
      sent: new Map(),
      base: 0,
      answered: 0,
      pairStart: 0,
      deferred: new Map(),
      draining: false,
    }));
  }

  /**
   * Start the workers and hand them these runtimes' stubs now, so that their start-up and the
   * building of their stub sessions overlap with whatever the caller does next (reading
   * archives, say). The promise settles once every stub is posted: a caller about to block its
   * thread (archives are read synchronously) awaits it first, or the stubs wait behind that work.
   * It never rejects; a runtime whose stub cannot be had fails in its checks, with the reason.
   */
  warmUp(runtimes: RuntimeFacts[] = []): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const posted: Promise<unknown>[] = [];
    for (const r of runtimes) {
      const lane = this.#lanes[this.#laneOf(r)];
      if (!lane.worker) this.#spawn(lane);
      posted.push(this.#sendRuntime(lane, r).catch(() => undefined));
    }
    for (const lane of this.#lanes) if (!lane.worker && runtimes.length === 0) this.#spawn(lane);
    return Promise.all(posted).then(() => undefined);
  }

  /** Send a runtime to a lane's worker once; every caller waits until it is posted. */
  #sendRuntime(lane: Lane, r: RuntimeFacts): Promise<boolean> {
    const worker = lane.worker;
    if (!worker) return Promise.resolve(false);
    const key = runtimeKey(r);
    let sent = lane.sent.get(key);
    if (!sent) {
      sent = this.#stubBytes(r).then((stub) => {
        if (lane.worker !== worker) return false;
        const msg: ToWorker = {
          type: "runtime",
          key,
          runtime: this.#packed(r),
          stub,
          caps: this.#options.caps,
        };
        worker.postMessage(msg);
        return true;
      });
      lane.sent.set(key, sent);
    }
    return sent;
  }

  /**
   * Outcomes of one archive against each runtime, in the order of `runtimes`. Pairs that need
   * real mode are checked in the second phase; the promise settles with every final outcome.
   */
  checkAll(
    input: CheckLinkInput,
    runtimes: RuntimeFacts[],
    options: CheckAllOptions = {},
  ): Promise<LinkOutcome[]> {
    if (this.#closed) return Promise.reject(new Error("The link pool is closed"));
    if (runtimes.length === 0) {
      options.onFirstPhase?.();
      return Promise.resolve([]);
    }
    const results: LinkOutcome[] = new Array(runtimes.length);
    collectAfterArchives(input);
    const shared = sharedInput(input);
    // Compiled once in this thread when the first lane starts the archive, and posted to every
    // lane: workers share V8's compiled code. Lazy, so queued archives hold no compiled code.
    let compiling: Promise<void> | undefined;
    const prepare = () =>
      compiling ??= precompileLinkInput(shared).then(({ modules, keys }) => {
        shared.compiled = modules;
        shared.compileKeys = keys;
      }, () => undefined);
    return new Promise((resolve) => {
      let unsettled = runtimes.length;
      let inFirstPhase = runtimes.length;
      const leaveFirstPhase = () => {
        if (--inFirstPhase === 0) options.onFirstPhase?.();
      };
      const byLane = new Map<number, Pair[]>();
      runtimes.forEach((runtime, i) => {
        let state: "first" | "deferred" | "settled" = "first";
        let firstMs = 0;
        const pair: Pair = {
          input: shared,
          runtime,
          settle: (outcome) => {
            if (state === "settled") return;
            if (state === "first") leaveFirstPhase();
            // Both phases' time: the first check's and the real one's.
            else outcome = { ...outcome, ms: outcome.ms + firstMs };
            state = "settled";
            results[i] = outcome;
            options.onOutcome?.(i, outcome);
            if (--unsettled === 0) resolve(results);
          },
          defer: (ms) => {
            if (state !== "first") return;
            state = "deferred";
            firstMs = ms;
            leaveFirstPhase();
          },
        };
        const lane = this.#laneOf(runtime);
        const pairs = byLane.get(lane) ?? [];
        pairs.push(pair);
        byLane.set(lane, pairs);
      });
      for (const [lane, pairs] of byLane) {
        this.#lanes[lane].queue.push({
          id: this.#nextId++,
          phase: "stub",
          pairs,
          offset: 0,
          prepare,
        });
        this.#pump(this.#lanes[lane]);
      }
    });
  }

  /** Heap figures of each live worker (for benchmarks and diagnostics). */
  async workerStats(): Promise<WorkerStats[]> {
    const out: WorkerStats[] = [];
    for (const lane of this.#lanes) {
      const worker = lane.worker;
      if (!worker) continue;
      await lane.ready;
      out.push(
        await new Promise<WorkerStats>((resolve) => {
          lane.statsWaiter = resolve;
          worker.postMessage({ type: "stats" } satisfies ToWorker);
        }),
      );
    }
    return out;
  }

  /** Stop every worker. Pending checks are abandoned. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const lane of this.#lanes) {
      lane.worker?.terminate();
      lane.worker = undefined;
    }
    return Promise.resolve();
  }

  #laneOf(r: RuntimeFacts): number {
    const key = runtimeKey(r);
    let lane = this.#affinity.get(key);
    if (lane === undefined) {
      lane = this.#affinity.size % this.size;
      this.#affinity.set(key, lane);
    }
    return lane;
  }

  #spawn(lane: Lane): void {
    const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
      type: "module",
      // Nothing a wheel contains may reach the file system, the network or the environment.
      deno: { permissions: "none" },
    } as WorkerOptions);
    let markReady!: () => void;
    lane.worker = worker;
    lane.ready = new Promise((r) => markReady = r);
    lane.sent = new Map();
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (lane.worker === worker) this.#onMessage(lane, e.data, markReady);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (lane.worker === worker) this.#replace(lane, `worker error: ${e.message}`);
    };
    this.#ensureTimer();
  }

  #ensureTimer(): void {
    if (this.#timer !== undefined) return;
    const tick = Math.max(5, Math.min(250, Math.floor(this.timeLimitMs / 4)));
    this.#timer = setInterval(() => this.#watch(), tick);
  }

  #watch(): void {
    const now = performance.now();
    for (const lane of this.#lanes) {
      if (lane.job && lane.pairIndex !== undefined && now - lane.pairStart > this.timeLimitMs) {
        this.#replace(lane, `timed out after ${this.timeLimitMs} ms`);
      }
    }
    const idle = (l: Lane) => !l.job && l.queue.length === 0 && l.deferred.size === 0;
    if (this.#lanes.every(idle) && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Kill a lane's worker; its current pair becomes a `trap`, the rest of the job resumes. */
  #replace(lane: Lane, reason: string): void {
    lane.worker?.terminate();
    lane.worker = undefined;
    const job = lane.job;
    lane.job = undefined;
    if (job) {
      // Between pairs, the first one the worker had not answered is the one to blame.
      const index = lane.base + (lane.pairIndex ?? lane.answered);
      const pair = job.pairs[index];
      if (pair) {
        pair.settle(timeoutOutcome(pair.input, pair.runtime, reason, lane.member));
        this.timeouts++;
      }
      job.offset = index + 1;
      if (job.offset >= job.pairs.length) this.#finish(job);
      else lane.queue.unshift(job);
    }
    lane.pairIndex = undefined;
    if (!this.#closed) this.#pumpAll();
  }

  #onMessage(lane: Lane, msg: FromWorker, markReady: () => void): void {
    if (msg.type === "ready") return markReady();
    if (msg.type === "stats") {
      lane.statsWaiter?.(msg);
      lane.statsWaiter = undefined;
      return;
    }
    const job = lane.job;
    if (!job || msg.id !== job.id) return;
    const pair = job.pairs[lane.base + ("index" in msg ? msg.index : 0)];
    switch (msg.type) {
      case "pair":
        lane.pairIndex = msg.index;
        lane.pairStart = performance.now();
        lane.member = undefined;
        break;
      case "module":
        lane.member = msg.member;
        break;
      case "result":
        pair.settle(msg.outcome);
        lane.pairIndex = undefined;
        lane.answered++;
        break;
      case "needs-real": {
        pair.defer(msg.ms);
        const key = runtimeKey(pair.runtime);
        const group = lane.deferred.get(key);
        if (group) group.push(pair);
        else lane.deferred.set(key, [pair]);
        lane.pairIndex = undefined;
        lane.answered++;
        break;
      }
      case "failed":
        pair.settle(engineFailureOutcome(pair.input, pair.runtime, msg.message));
        lane.pairIndex = undefined;
        lane.answered++;
        break;
      case "done":
        lane.job = undefined;
        lane.pairIndex = undefined;
        job.offset = job.pairs.length;
        this.#finish(job);
        // The end of a first-phase job may leave the pool without any: other lanes' second
        // phases can start.
        this.#pumpAll();
        break;
    }
  }

  /** A job is over: a second-phase job lets go of its real main's bytes. */
  #finish(job: Job): void {
    if (job.phase === "real") job.realMain = undefined;
  }

  #packedFacts = new WeakMap<RuntimeFacts, PackedRuntimeFacts>();

  /** Runtime facts in their posting form, packed once per pool (see `_runtime_wire.ts`). */
  #packed(r: RuntimeFacts): PackedRuntimeFacts {
    let p = this.#packedFacts.get(r);
    if (!p) this.#packedFacts.set(r, p = packRuntimeFacts(r));
    return p;
  }

  #stubBytes(runtime: RuntimeFacts): Promise<Uint8Array> {
    const key = runtimeKey(runtime);
    let p = this.#stubs.get(key);
    if (!p) {
      p = obtainSessionStub(runtime, { store: this.#options.stubStore });
      this.#stubs.set(key, p);
    }
    return p;
  }

  #pumpAll(): void {
    for (const lane of this.#lanes) this.#pump(lane);
  }

  #pump(lane: Lane): void {
    if (lane.job || this.#closed) return;
    const job = this.#nextJob(lane);
    if (!job) return;
    if (!lane.worker) this.#spawn(lane);
    this.#ensureTimer();
    lane.job = job;
    // Compile the next archive while this one runs (V8 compiles on background threads).
    void lane.queue[0]?.prepare?.();
    lane.base = job.offset;
    lane.answered = 0;
    lane.pairIndex = undefined;
    this.#dispatch(lane, job).catch((e) => {
      // The runtimes could not even be prepared: every remaining pair fails with the reason.
      for (const pair of job.pairs.slice(job.offset)) {
        pair.settle(engineFailureOutcome(pair.input, pair.runtime, String(e?.stack ?? e)));
      }
      if (lane.job === job) lane.job = undefined;
      this.#finish(job);
      this.#pumpAll();
    });
  }

  /**
   * What a lane runs next: a second-phase job cut short by a timeout; else, while it drains or
   * once the whole pool has no first-phase work left, its next runtime's real-mode pairs; else
   * its next first-phase job. Waiting for the whole pool, not just this lane, groups more pairs
   * per real main: a lane is idle for a moment whenever the other is slower on the same
   * archives, and draining then would compile a real main for one or two pairs.
   */
  #nextJob(lane: Lane): Job | undefined {
    if (lane.queue[0]?.phase === "real") return lane.queue.shift();
    if (lane.draining || (lane.deferred.size > 0 && this.#firstPhaseIdle())) {
      const real = this.#realJob(lane);
      if (real) return real;
    }
    return lane.queue.shift();
  }

  #firstPhaseIdle(): boolean {
    return this.#lanes.every((l) =>
      l.job?.phase !== "stub" && l.queue.every((j) => j.phase !== "stub")
    );
  }

  /** The lane's real-mode pairs of one runtime as one job, its real main compiled for it. */
  #realJob(lane: Lane): Job | undefined {
    const next = lane.deferred.entries().next();
    lane.draining = !next.done;
    if (next.done) return undefined;
    const [key, pairs] = next.value;
    lane.deferred.delete(key);
    this.realJobs++;
    this.realPairs += pairs.length;
    return {
      id: this.#nextId++,
      phase: "real",
      pairs,
      offset: 0,
      // Bytes, compiled by the worker: only one lane runs a runtime's real jobs, so compiling
      // here shared nothing, and this thread then needed a full collection per job (it holds
      // the run's facts) to let each ~20 MB module go.
      realMain: readRealMainBytes(pairs[0].runtime),
    };
  }

  async #dispatch(lane: Lane, job: Job): Promise<void> {
    const pairs = job.pairs.slice(job.offset);
    const worker = lane.worker!;
    for (const r of new Set(pairs.map((p) => p.runtime))) {
      if (!(await this.#sendRuntime(lane, r))) return;
    }
    await job.prepare?.();
    // A job sent again (its worker replaced after a time-out) reads the bytes again: the first
    // sending moved them.
    if (job.phase === "real") job.realMain ??= readRealMainBytes(pairs[0].runtime);
    const realMain = await job.realMain;
    await lane.ready;
    if (lane.job !== job || lane.worker !== worker) return;
    const common = {
      id: job.id,
      allowList: this.#options.allowList,
      runConstructors: this.#options.runConstructors,
    };
    const msg: ToWorker = job.phase === "stub"
      ? {
        type: "job",
        ...common,
        input: prunedInput(pairs[0].input),
        runtimes: pairs.map((p) => runtimeKey(p.runtime)),
      }
      : {
        type: "real-job",
        ...common,
        runtime: runtimeKey(pairs[0].runtime),
        ...(realMain instanceof Uint8Array
          ? { realMain }
          : { unavailable: realMain?.unavailable ?? "no real main was read" }),
        inputs: pairs.map((p) => prunedInput(p.input)),
      };
    // The main's bytes move to the worker rather than being copied.
    const transfer = realMain instanceof Uint8Array && realMain.buffer instanceof ArrayBuffer
      ? [realMain.buffer]
      : [];
    worker.postMessage(msg, transfer);
    if (transfer.length) job.realMain = undefined;
  }
}

function baseOutcome(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
): Omit<LinkOutcome, "outcome" | "evidence"> {
  return {
    wheel: input.wheel.file,
    wheelSha256: input.wheel.sha256,
    runtime: runtime.version,
    modules: [],
    ms: 0,
  };
}

function timeoutOutcome(
  input: CheckLinkInput,
  runtime: RuntimeFacts,
  reason: string,
  member: string | undefined,
): LinkOutcome {
  return {
    ...baseOutcome(input, runtime),
    outcome: "trap",
    linkOutcome: "trap",
    // Only the module being loaded is known to hang; without one, the whole archive is named.
    modules: input.modules.filter((m) => member === undefined || m.member === member).map((m) => ({
      member: m.member,
      outcome: "trap" as const,
      linkOutcome: "trap" as const,
      evidence: [{ kind: "timeout" as const, member: m.member, message: `check ${reason}` }],
    })),
    evidence: [{
      kind: "timeout",
      member,
      message: `check ${reason}${
        member ? ` while loading ${member}` : ""
      }; worker terminated, the run goes on`,
    }],
  };
}

/**
 * At most `size` archives in their first phase at once. An archive leaves the window when its
 * first phase ends, not when its real-mode pairs do: those wait for the pool's second phase,
 * which needs the first to run out of work. The runner ({@linkcode executeOnPool}) and the
 * benchmark schedule archives through it, so the bench measures the runner's schedule.
 *
 * @example
 * ```ts ignore
 * const window = new FirstPhaseWindow(pool.size * 2);
 * for (const input of inputs) {
 *   await window.enter();
 *   running.push(window.checkAll(pool, input, runtimes));
 * }
 * ```
 */
export class FirstPhaseWindow {
  readonly size: number;
  #active = 0;
  #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  /** Resolves once an archive may start; the caller then starts exactly one (or leaves). */
  async enter(): Promise<void> {
    while (this.#active >= this.size) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active++;
  }

  /** Give back a place taken by {@linkcode enter} for an archive that did not start. */
  leave(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }

  /** {@linkcode LinkPool.checkAll}, leaving the window at the end of its first phase. */
  checkAll(
    pool: LinkPool,
    input: CheckLinkInput,
    runtimes: RuntimeFacts[],
    options: CheckAllOptions = {},
  ): Promise<LinkOutcome[]> {
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.leave();
    };
    return pool.checkAll(input, runtimes, {
      ...options,
      onFirstPhase: () => {
        leave();
        options.onFirstPhase?.();
      },
    }).finally(leave);
  }
}

/**
 * Run (archive, runtime) jobs on a pool, grouping jobs of the same archive (same facts object and
 * libraries) into one worker job, with at most `2 × pool.size` archives in their first phase.
 * `onDone` gets the job's index and final outcome as each pair's arrives (once per job). The
 * shape matches the runner's `LinkExecutor`.
 *
 * @example
 * ```ts ignore
 * const pool = new LinkPool();
 * await executeOnPool(pool, jobs, (i, outcome) => console.log(i, outcome.outcome));
 * await pool.close();
 * ```
 */
export async function executeOnPool(
  pool: LinkPool,
  jobs: { input: CheckLinkInput; runtime: RuntimeFacts }[],
  onDone: (index: number, outcome: LinkOutcome) => void,
): Promise<void> {
  const groups = new Map<
    unknown,
    { input: CheckLinkInput; runtimes: RuntimeFacts[]; indices: number[] }
  >();
  const keys = new Map<object, Map<string, object>>();
  jobs.forEach((job, index) => {
    // One group per wheel facts object and library set (inputs are often copied per runtime).
    const libs = (job.input.libraries ?? []).map((l) => l.facts.sha256).join(",");
    let byLibs = keys.get(job.input.wheel);
    if (!byLibs) keys.set(job.input.wheel, byLibs = new Map());
    let key = byLibs.get(libs);
    if (!key) byLibs.set(libs, key = {});
    let group = groups.get(key);
    if (!group) groups.set(key, group = { input: job.input, runtimes: [], indices: [] });
    group.runtimes.push(job.runtime);
    group.indices.push(index);
  });
  const window = new FirstPhaseWindow(pool.size * 2);
  const running: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  for (const group of groups.values()) {
    await window.enter();
    if (failure) break;
    running.push(
      window.checkAll(pool, group.input, group.runtimes, {
        onOutcome: (i, outcome) => onDone(group.indices[i], outcome),
      }).then(() => {}, (error) => {
        failure ??= { error };
      }),
    );
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
