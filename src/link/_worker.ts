/**
 * Worker side of the link pool. Runs with no permissions: it receives runtime facts, stub bytes
 * and archives as messages, and answers with outcomes. One session per runtime is kept for the
 * worker's life; compiled side modules are cached by content.
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
    type: "job";
    id: number;
    input: CheckLinkInput;
    runtimes: string[];
    allowList?: AllowList;
    runConstructors?: boolean;
  }
  | { type: "stats" }
  | {
    /** Answer to `need-real-main`: the compiled real main (V8 shares its code) or why not. */
    type: "real-main";
    key: string;
    module?: WebAssembly.Module;
    unavailable?: string;
  };

/** Messages the worker sends back. */
export type FromWorker =
  | { type: "ready" }
  | { type: "pair"; id: number; index: number }
  | { type: "module"; id: number; index: number; member: string }
  | { type: "result"; id: number; index: number; outcome: LinkOutcome }
  | { type: "done"; id: number }
  | ({ type: "stats" } & WorkerStats)
  /** A check needs the runtime's real main module (the worker cannot read files). */
  | { type: "need-real-main"; key: string }
  | { type: "failed"; id: number; index: number; message: string };

/** What a worker reports about itself. */
export interface WorkerStats {
  heapUsed: number;
  heapTotal: number;
  external: number;
  sessions: number;
  /** Sessions rebuilt because a check left them holding too much memory. */
  sessionsRebuilt: number;
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
  /** The real-main session, asked for when a check first needs it (see `_real_main.ts`). */
  real?: Promise<LinkSession | { unavailable: string }>;
}

const realMainWaiters = new Map<
  string,
  (m: WebAssembly.Module | { unavailable: string }) => void
>();

/** The real main of a runtime, from the pool's main thread (asked once per worker). */
function requestRealMain(key: string): Promise<WebAssembly.Module | { unavailable: string }> {
  return new Promise((resolve) => {
    realMainWaiters.set(key, resolve);
    scope.postMessage({ type: "need-real-main", key });
  });
}

function realSessionOf(
  key: string,
  entry: RuntimeEntry,
): Promise<LinkSession | { unavailable: string }> {
  entry.real ??= requestRealMain(key).then(async (m) =>
    m instanceof WebAssembly.Module
      ? await LinkSession.create(entry.runtime, await entry.stub, entry.caps, m)
      : m
  ).catch((e) => ({ unavailable: String((e as Error)?.message ?? e) }));
  return entry.real;
}

const runtimes = new Map<string, RuntimeEntry>();
let sessionsRebuilt = 0;
let queue: Promise<void> = Promise.resolve();

async function runJob(job: Extract<ToWorker, { type: "job" }>): Promise<void> {
  for (let index = 0; index < job.runtimes.length; index++) {
    const entry = runtimes.get(job.runtimes[index]);
    scope.postMessage({ type: "pair", id: job.id, index });
    try {
      if (!entry) throw new Error(`runtime ${job.runtimes[index]} was never sent to this worker`);
      const session = await entry.session;
      const outcome = await checkLink(job.input, entry.runtime, {
        session,
        allowList: job.allowList,
        runConstructors: job.runConstructors,
        realSession: () => realSessionOf(job.runtimes[index], entry),
        onModule: (member) => scope.postMessage({ type: "module", id: job.id, index, member }),
      });
      // Pages a hostile check committed go away with the session that holds them.
      if (session.oversized) {
        sessionsRebuilt++;
        entry.session = entry.stub.then((m) => LinkSession.create(entry.runtime, m, entry.caps));
      }
      const real = await entry.real;
      if (real instanceof LinkSession && real.oversized) {
        sessionsRebuilt++;
        entry.real = undefined;
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
  scope.postMessage({ type: "done", id: job.id });
  collectIfLarge();
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
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  const usage = () => {
    const m = (Deno as unknown as { memoryUsage(): { heapUsed: number; external: number } })
      .memoryUsage();
    return m.heapUsed + m.external;
  };
  if (usage() - retainedAfterGc <= WORKER_GC_THRESHOLD_BYTES) return;
  gc();
  retainedAfterGc = usage();
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
  } else if (msg.type === "real-main") {
    const resolve = realMainWaiters.get(msg.key);
    realMainWaiters.delete(msg.key);
    resolve?.(msg.module ?? { unavailable: msg.unavailable ?? "no real main was sent" });
  } else if (msg.type === "job") {
    queue = queue.then(() => runJob(msg));
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
      permissions,
    });
  }
};
scope.postMessage({ type: "ready" });
