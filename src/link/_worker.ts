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

/** Messages the pool sends. */
export type ToWorker =
  | {
    type: "runtime";
    key: string;
    runtime: RuntimeFacts;
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
  | { type: "stats" };

/** Messages the worker sends back. */
export type FromWorker =
  | { type: "ready" }
  | { type: "pair"; id: number; index: number }
  | { type: "module"; id: number; index: number; member: string }
  | { type: "result"; id: number; index: number; outcome: LinkOutcome }
  | { type: "done"; id: number }
  | ({ type: "stats" } & WorkerStats)
  | { type: "failed"; id: number; index: number; message: string };

/** What a worker reports about itself. */
export interface WorkerStats {
  heapUsed: number;
  heapTotal: number;
  external: number;
  sessions: number;
  /** State of each permission inside the worker (`granted` would be a sandbox leak). */
  permissions: Record<string, string>;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}
const scope = globalThis as unknown as WorkerScope;

const runtimes = new Map<string, { runtime: RuntimeFacts; session: Promise<LinkSession> }>();
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
        onModule: (member) => scope.postMessage({ type: "module", id: job.id, index, member }),
      });
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

/** Heap size past which a worker asks for a full collection between jobs (when it can). */
export const WORKER_GC_THRESHOLD_BYTES = 128 * 1024 * 1024;

/**
 * Between jobs, collect garbage when the heap has grown large and the process exposes `gc`
 * (`--v8-flags=--expose-gc`): compiled modules and instances of finished checks hold native
 * memory that a lazily collected worker heap would keep for a long time.
 */
function collectIfLarge(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  const m = (Deno as unknown as { memoryUsage(): { heapTotal: number } }).memoryUsage();
  if (m.heapTotal > WORKER_GC_THRESHOLD_BYTES) gc();
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "runtime") {
    if (!runtimes.has(msg.key)) {
      const session = WebAssembly.compile(asBufferSource(msg.stub)).then((m) =>
        LinkSession.create(msg.runtime, m, msg.caps)
      );
      session.catch(() => undefined);
      runtimes.set(msg.key, { runtime: msg.runtime, session });
    }
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
      permissions,
    });
  }
};
scope.postMessage({ type: "ready" });
