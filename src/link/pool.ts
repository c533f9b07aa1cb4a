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
 * @module
 */
import type { RuntimeFacts } from "../runtime/types.ts";
import type { AllowList } from "./allow_list.ts";
import {
  type CheckLinkInput,
  type LinkModuleInput,
  precompileLinkInput,
  pruneLinkInput,
} from "./check_link.ts";
import type { SessionCaps } from "./_session.ts";
import type { LinkOutcome } from "./types.ts";
import { type ByteStore, obtainSessionStub } from "./stub.ts";
import type { FromWorker, ToWorker, WorkerStats } from "./_worker.ts";
import { type PackedRuntimeFacts, packRuntimeFacts } from "./_runtime_wire.ts";
import { compileRealMain } from "./_real_main.ts";

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

/** Part of one archive's check that one lane runs: the archive against some runtimes. */
interface Job {
  id: number;
  input: CheckLinkInput;
  runtimes: RuntimeFacts[];
  /** Where each of `runtimes` goes in the caller's result array. */
  targets: number[];
  /** Index of the first pair not yet done (a replacement worker resumes here). */
  offset: number;
  results: LinkOutcome[];
  /** Compile the archive's modules (once for all lanes) before the job is posted. */
  prepare?: () => Promise<void>;
  done: () => void;
}

interface Lane {
  index: number;
  queue: Job[];
  worker?: Worker;
  ready?: Promise<void>;
  /** Runtimes sent (or being sent) to the current worker, by key. */
  sent: Map<string, Promise<boolean>>;
  job?: Job;
  /** First index of `job.runtimes` the current worker run covers. */
  base: number;
  pairIndex?: number;
  pairStart: number;
  member?: string;
  statsWaiter?: (s: WorkerStats) => void;
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
  /** Runtimes sent to workers, by key (a worker names one when it needs its real main). */
  #runtimesByKey = new Map<string, RuntimeFacts>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Pairs that ended by timeout (for reports and tests). */
  timeouts = 0;

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
      pairStart: 0,
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
    this.#runtimesByKey.set(key, r);
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

  /** Outcomes of one archive against each runtime, in the order of `runtimes`. */
  checkAll(input: CheckLinkInput, runtimes: RuntimeFacts[]): Promise<LinkOutcome[]> {
    if (this.#closed) return Promise.reject(new Error("The link pool is closed"));
    if (runtimes.length === 0) return Promise.resolve([]);
    const results: LinkOutcome[] = new Array(runtimes.length);
    const byLane = new Map<number, { runtimes: RuntimeFacts[]; targets: number[] }>();
    runtimes.forEach((r, i) => {
      const lane = this.#laneOf(r);
      const part = byLane.get(lane) ?? { runtimes: [], targets: [] };
      part.runtimes.push(r);
      part.targets.push(i);
      byLane.set(lane, part);
    });
    let pending = byLane.size;
    const shared = sharedInput(input);
    // Compiled once here and posted to every lane: workers share V8's compiled code.
    // Compiled once in this thread when the first lane starts the archive, and posted to every
    // lane: workers share V8's compiled code. Lazy, so queued archives hold no compiled code.
    let compiling: Promise<void> | undefined;
    const prepare = () =>
      compiling ??= precompileLinkInput(shared).then(({ modules, keys }) => {
        shared.compiled = modules;
        shared.compileKeys = keys;
      }, () => undefined);
    return new Promise((resolve) => {
      for (const [lane, part] of byLane) {
        this.#lanes[lane].queue.push({
          id: this.#nextId++,
          input: shared,
          runtimes: part.runtimes,
          targets: part.targets,
          offset: 0,
          results,
          prepare,
          done: () => {
            if (--pending === 0) resolve(results);
          },
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
    if (this.#lanes.every((l) => !l.job && l.queue.length === 0) && this.#timer !== undefined) {
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
      const index = lane.base + (lane.pairIndex ?? 0);
      job.results[job.targets[index]] = timeoutOutcome(
        job.input,
        job.runtimes[index],
        reason,
        lane.member,
      );
      this.timeouts++;
      job.offset = index + 1;
      if (job.offset >= job.runtimes.length) job.done();
      else lane.queue.unshift(job);
    }
    lane.pairIndex = undefined;
    if (!this.#closed) this.#pump(lane);
  }

  #onMessage(lane: Lane, msg: FromWorker, markReady: () => void): void {
    if (msg.type === "ready") return markReady();
    if (msg.type === "stats") {
      lane.statsWaiter?.(msg);
      lane.statsWaiter = undefined;
      return;
    }
    if (msg.type === "need-real-main") {
      // Only now, and once per runtime in this process: read and compile the real main, and
      // post the compiled module (workers share V8's code; they may not read files).
      const worker = lane.worker;
      const runtime = this.#runtimesByKey.get(msg.key);
      const reply = (m: WebAssembly.Module | { unavailable: string }) => {
        if (lane.worker !== worker) return;
        const out: ToWorker = m instanceof WebAssembly.Module
          ? { type: "real-main", key: msg.key, module: m }
          : { type: "real-main", key: msg.key, unavailable: m.unavailable };
        worker?.postMessage(out);
      };
      if (!runtime) reply({ unavailable: `runtime ${msg.key} is unknown to the pool` });
      else void compileRealMain(runtime).then(reply);
      return;
    }
    const job = lane.job;
    if (!job || msg.id !== job.id) return;
    const index = lane.base + ("index" in msg ? msg.index : 0);
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
        job.results[job.targets[index]] = msg.outcome;
        lane.pairIndex = undefined;
        break;
      case "failed":
        job.results[job.targets[index]] = engineFailure(
          job.input,
          job.runtimes[index],
          msg.message,
        );
        lane.pairIndex = undefined;
        break;
      case "done":
        lane.job = undefined;
        lane.pairIndex = undefined;
        job.offset = job.runtimes.length;
        job.done();
        this.#pump(lane);
        break;
    }
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

  #pump(lane: Lane): void {
    if (lane.job || lane.queue.length === 0 || this.#closed) return;
    if (!lane.worker) this.#spawn(lane);
    this.#ensureTimer();
    const job = lane.queue.shift()!;
    lane.job = job;
    // Compile the next archive while this one runs (V8 compiles on background threads).
    void lane.queue[0]?.prepare?.();
    lane.base = job.offset;
    lane.pairIndex = undefined;
    this.#dispatch(lane, job).catch((e) => {
      // The runtimes could not even be prepared: every remaining pair fails with the reason.
      for (let i = job.offset; i < job.runtimes.length; i++) {
        job.results[job.targets[i]] ??= engineFailure(
          job.input,
          job.runtimes[i],
          String(e?.stack ?? e),
        );
      }
      if (lane.job === job) lane.job = undefined;
      job.done();
      this.#pump(lane);
    });
  }

  async #dispatch(lane: Lane, job: Job): Promise<void> {
    const runtimes = job.runtimes.slice(job.offset);
    const worker = lane.worker!;
    for (const r of runtimes) {
      if (!(await this.#sendRuntime(lane, r))) return;
    }
    await job.prepare?.();
    await lane.ready;
    if (lane.job !== job || lane.worker !== worker) return;
    const msg: ToWorker = {
      type: "job",
      id: job.id,
      input: prunedInput(job.input),
      runtimes: runtimes.map(runtimeKey),
      allowList: this.#options.allowList,
      runConstructors: this.#options.runConstructors,
    };
    worker.postMessage(msg);
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

function engineFailure(input: CheckLinkInput, runtime: RuntimeFacts, message: string): LinkOutcome {
  return {
    ...baseOutcome(input, runtime),
    outcome: "trap",
    linkOutcome: "trap",
    evidence: [{ kind: "trap", message: `link engine failure: ${message}` }],
  };
}

/**
 * Run (archive, runtime) jobs on a pool, grouping jobs of the same archive (same facts object and
 * libraries) into one worker job, with at most `2 × pool.size` archives in flight. `onDone` gets
 * the job's index and outcome as results arrive. The shape matches the runner's `LinkExecutor`.
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
  const queue = [...groups.values()];
  const inFlight = Math.max(1, pool.size * 2);
  const runNext = async (): Promise<void> => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      const outcomes = await pool.checkAll(group.input, group.runtimes);
      outcomes.forEach((o, i) => onDone(group!.indices[i], o));
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, queue.length) }, runNext));
}
