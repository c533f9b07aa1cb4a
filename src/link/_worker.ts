/**
 * Worker side of the link pool. Runs with no permissions: it receives runtime facts, stub bytes
 * and archives as messages, and answers with outcomes. One stub session per runtime is kept for
 * the worker's life; compiled side modules are cached by content. Real mode runs in a second
 * phase (`real-job`): one runtime's real session is built for the job and dropped after it.
 *
 * @module
 */
import { checkLink, type CheckLinkInput } from "./check_link.ts";
import { LinkSession, type SessionCaps } from "./_session.ts";
import type { RuntimeFacts } from "../runtime/types.ts";
import type { AllowList } from "./allow_list.ts";
import type { LinkOutcome } from "./types.ts";
import { asBufferSource } from "./_wasm_js.ts";
import { type PackedRuntimeFacts, unpackRuntimeFacts } from "./_runtime_wire.ts";

/** Messages the pool sends. */
export type ToWorker =
  | {
    type: "runtime";
    key: string;
    runtime: PackedRuntimeFacts;
    stub: Uint8Array;
    caps?: Partial<SessionCaps>;
  }
  | {
    /** First phase: one archive against several runtimes, real mode deferred. */
    type: "job";
    id: number;
    input: CheckLinkInput;
    runtimes: string[];
    allowList?: AllowList;
    runConstructors?: boolean;
  }
  | {
    /**
     * Second phase: archives whose first check needs real mode, all against one runtime, with
     * the bytes of its real main (compiled here) or why there are none.
     */
    type: "real-job";
    id: number;
    runtime: string;
    realMain?: Uint8Array;
    unavailable?: string;
    inputs: CheckLinkInput[];
    allowList?: AllowList;
    runConstructors?: boolean;
  }
  | { type: "stats" };

/** Messages the worker sends back. */
export type FromWorker =
  | { type: "ready" }
  | { type: "pair"; id: number; index: number }
  | { type: "module"; id: number; index: number; member: string }
  | { type: "result"; id: number; index: number; outcome: LinkOutcome }
  /**
   * A first-phase check stopped at a main function the stub cannot run: the pair's outcome
   * comes from the second phase; `ms` is the first phase's time.
   */
  | { type: "needs-real"; id: number; index: number; ms: number }
  | { type: "done"; id: number }
  | ({ type: "stats" } & WorkerStats)
  | { type: "failed"; id: number; index: number; message: string };

/** What a worker reports about itself. */
export interface WorkerStats {
  heapUsed: number;
  heapTotal: number;
  external: number;
  sessions: number;
  /** Sessions rebuilt because a check left them holding too much memory. */
  sessionsRebuilt: number;
  /** Real-main sessions alive now (at most one, during a second-phase job). */
  realSessions: number;
  /** State of each permission inside the worker (`granted` would be a sandbox leak). */
  permissions: Record<string, string>;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}
const scope = globalThis as unknown as WorkerScope;

interface RuntimeEntry {
  runtime: RuntimeFacts;
  stub: Promise<WebAssembly.Module>;
  caps?: Partial<SessionCaps>;
  session: Promise<LinkSession>;
}

const runtimes = new Map<string, RuntimeEntry>();
let sessionsRebuilt = 0;
let realSessions = 0;
let queue: Promise<void> = Promise.resolve();

/** What the first phase tells `checkLink` instead of a real session: ask the pool later. */
const DEFERRED = Promise.resolve({ unavailable: "deferred" });

/** The stub session of an entry, rebuilt if a check left it holding too much memory. */
function rebuildIfOversized(entry: RuntimeEntry, session: LinkSession): void {
  // Pages a hostile check committed go away with the session that holds them.
  if (!session.oversized) return;
  sessionsRebuilt++;
  entry.session = entry.stub.then((m) => LinkSession.create(entry.runtime, m, entry.caps));
}

async function runJob(job: Extract<ToWorker, { type: "job" }>): Promise<void> {
  for (let index = 0; index < job.runtimes.length; index++) {
    const entry = runtimes.get(job.runtimes[index]);
    scope.postMessage({ type: "pair", id: job.id, index });
    try {
      if (!entry) throw new Error(`runtime ${job.runtimes[index]} was never sent to this worker`);
      const session = await entry.session;
      // Real mode is a second phase grouped by runtime (see `pool.ts`): here checkLink only
      // learns that it is unavailable, and asking for it marks the pair for that phase.
      let needsReal = false;
      const outcome = await checkLink(job.input, entry.runtime, {
        session,
        allowList: job.allowList,
        runConstructors: job.runConstructors,
        realSession: () => {
          needsReal = true;
          return DEFERRED;
        },
        onModule: (member) => scope.postMessage({ type: "module", id: job.id, index, member }),
      });
      rebuildIfOversized(entry, session);
      scope.postMessage(
        needsReal
          ? { type: "needs-real", id: job.id, index, ms: outcome.ms }
          : { type: "result", id: job.id, index, outcome },
      );
    } catch (e) {
      scope.postMessage({
        type: "failed",
        id: job.id,
        index,
        message: String((e as Error)?.stack ?? e),
      });
    }
  }
  scope.postMessage({ type: "done", id: job.id });
  if (countModuleBytes([job.input])) collect();
  else collectIfLarge();
}

/**
 * One runtime's second phase: its real session is built once (again only if a check left it
 * oversized), each archive is checked against it, and the session and the real main are
 * dropped at the end, so a worker holds at most one of each at a time.
 */
async function runRealJob(job: Extract<ToWorker, { type: "real-job" }>): Promise<void> {
  const entry = runtimes.get(job.runtime);
  const bytes = job.realMain;
  // The message is the last holder of the bytes once they are compiled.
  job.realMain = undefined;
  let realMain: WebAssembly.Module | { unavailable: string } = bytes
    ? await WebAssembly.compile(asBufferSource(bytes)).catch((e) => ({
      unavailable: `the real main did not compile: ${(e as Error)?.message ?? e}`,
    }))
    : { unavailable: job.unavailable ?? "no real main was sent" };
  let real: Promise<LinkSession | { unavailable: string }> | undefined;
  const realSession = () =>
    real ??= (async () => {
      if (!(realMain instanceof WebAssembly.Module)) return realMain;
      const session = await LinkSession.create(
        entry!.runtime,
        await entry!.stub,
        entry!.caps,
        realMain,
      );
      realSessions++;
      return session;
    })().catch((e) => ({ unavailable: String((e as Error)?.message ?? e) }));
  const drop = async () => {
    if (real && (await real) instanceof LinkSession) realSessions--;
    real = undefined;
  };
  for (let index = 0; index < job.inputs.length; index++) {
    const input = job.inputs[index];
    scope.postMessage({ type: "pair", id: job.id, index });
    try {
      if (!entry) throw new Error(`runtime ${job.runtime} was never sent to this worker`);
      const options = {
        allowList: job.allowList,
        runConstructors: job.runConstructors,
        onModule: (member: string) =>
          scope.postMessage({ type: "module", id: job.id, index, member }),
      };
      const session = await realSession();
      let outcome: LinkOutcome;
      if (session instanceof LinkSession) {
        // Straight to the real session: the stub check ran in the first phase, and checkLink
        // would return the real check's outcome anyway.
        outcome = await checkLink(input, entry.runtime, { ...options, session });
        if (session.oversized) {
          sessionsRebuilt++;
          await drop();
          collect();
        }
      } else {
        // No real main: the stub check again, with the reason it keeps its `stub-call`s.
        const stub = await entry.session;
        outcome = await checkLink(input, entry.runtime, {
          ...options,
          session: stub,
          realSession: () => Promise.resolve(session),
        });
        rebuildIfOversized(entry, stub);
      }
      scope.postMessage({ type: "result", id: job.id, index, outcome });
    } catch (e) {
      scope.postMessage({
        type: "failed",
        id: job.id,
        index,
        message: String((e as Error)?.stack ?? e),
      });
    }
  }
  await drop();
  realMain = { unavailable: "released" };
  scope.postMessage({ type: "done", id: job.id });
  // A real session's memories are external allocations a minor GC never frees: collect now,
  // or the next runtime's session adds its pages to the peak.
  collect();
}

/** Side-module bytes of the jobs after which a full collection is started. */
export const WORKER_GC_MODULE_BYTES = 32 * 1024 * 1024;

let moduleBytesSinceGc = 0;

/**
 * Count the side-module bytes of finished checks; true once they reach
 * {@linkcode WORKER_GC_MODULE_BYTES} since the last collection. A job's modules and their
 * compiled forms are native memory that the heap figures `collectIfLarge` reads hardly show:
 * over a pass of the corpus matrix, collecting by these bytes too lowered the peak from 973-982
 * to 869-876 MiB, at the same pairs/s within the noise.
 */
function countModuleBytes(inputs: CheckLinkInput[]): boolean {
  for (const input of inputs) {
    for (const m of input.modules) moduleBytesSinceGc += m.bytes.length;
  }
  return moduleBytesSinceGc >= WORKER_GC_MODULE_BYTES;
}

/** Growth of heap plus external memory since the last collection that triggers the next one. */
export const WORKER_GC_THRESHOLD_BYTES = 64 * 1024 * 1024;

let retainedAfterGc = 0;

/**
 * Between jobs, collect garbage when the heap and external memory have grown by
 * {@linkcode WORKER_GC_THRESHOLD_BYTES} since the last collection, and the process exposes `gc`
 * (`--v8-flags=--expose-gc`): compiled modules and instances of finished checks hold native
 * memory that a lazily collected worker heap would keep for a long time. Growth, not size: the
 * facts cache is large and long-lived, and a full collection after every job would scan it each
 * time.
 */
function collectIfLarge(): void {
  if (!(globalThis as { gc?: () => void }).gc) return;
  if (memoryInUse() - retainedAfterGc > WORKER_GC_THRESHOLD_BYTES) collect();
}

function memoryInUse(): number {
  const m = (Deno as unknown as { memoryUsage(): { heapUsed: number; external: number } })
    .memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * A full collection, if the process exposes `gc` (`--v8-flags=--expose-gc`), started rather than
 * waited for: V8 marks concurrently and the job goes on. A synchronous one cost about 250 ms
 * after each real-mode job (the worker's heap holds its runtimes' symbol tables); over two runs
 * each of the corpus matrix, async gave 204 and 230 pairs/s at a peak of 1079 MiB, sync 198 and
 * 191 at 1128 and 1106 MiB.
 */
function collect(): void {
  const gc = (globalThis as { gc?: (options?: unknown) => void }).gc;
  if (!gc) return;
  gc({ type: "major", execution: "async" });
  retainedAfterGc = memoryInUse();
  moduleBytesSinceGc = 0;
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "runtime") {
    if (!runtimes.has(msg.key)) {
      const runtime = unpackRuntimeFacts(msg.runtime);
      const stub = WebAssembly.compile(asBufferSource(msg.stub));
      const session = stub.then((m) => LinkSession.create(runtime, m, msg.caps));
      session.catch(() => undefined);
      runtimes.set(msg.key, { runtime, stub, caps: msg.caps, session });
    }
  } else if (msg.type === "job") {
    queue = queue.then(() => runJob(msg));
  } else if (msg.type === "real-job") {
    queue = queue.then(() => runRealJob(msg));
  } else if (msg.type === "stats") {
    // V8's heap figures of this worker's isolate (no permission needed).
    const m = (Deno as unknown as { memoryUsage(): Record<string, number> }).memoryUsage();
    const permissions: Record<string, string> = {};
    for (const name of ["read", "write", "net", "env", "run", "ffi", "sys", "import"]) {
      try {
        permissions[name] = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state;
      } catch {
        permissions[name] = "unknown";
      }
    }
    scope.postMessage({
      type: "stats",
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      sessions: runtimes.size,
      sessionsRebuilt,
      realSessions,
      permissions,
    });
  }
};
scope.postMessage({ type: "ready" });
