/**
 * Fuzz worker: builds and runs chunks of cases, reporting a heartbeat through shared memory so the
 * main thread's watchdog can tell a hang from slow progress. Needs no permissions: every input
 * arrives by message.
 *
 * @module
 */
import {
  type FuzzCase,
  makeCase,
  minimizeCase,
  type Prepared,
  prepareSeeds,
  runCase,
} from "./cases.ts";
import {
  countOutcome,
  emptyStats,
  type FailureRecord,
  type FromWorker,
  HEARTBEAT_INTS,
  type Injections,
  type ToWorker,
} from "./protocol.ts";

let prepared: Prepared | undefined;
let runSeed = 0;
let beat: Int32Array | undefined;
let slot = 0;
let minimizeLimits = { maxAttempts: 2000, maxMillis: 1000 };
let inject: Injections = {};

function heartbeat(caseId: number, phase: number): void {
  const at = slot * HEARTBEAT_INTS;
  Atomics.store(beat!, at + 1, caseId);
  Atomics.store(beat!, at + 2, phase);
  Atomics.add(beat!, at, 1);
}

async function runChunk(from: number, to: number): Promise<FromWorker> {
  const stats = emptyStats();
  const failures: FailureRecord[] = [];
  for (let id = from; id < to; id++) {
    heartbeat(id, 0);
    const c: FuzzCase = makeCase(prepared!, runSeed, id);
    heartbeat(id, 1);
    if (id === inject.hangAt) {
      for (;;) { /* injected hang: the watchdog must end this */ }
    }
    const started = performance.now();
    if (id === inject.slowAt?.caseId) {
      while (performance.now() < started + inject.slowAt.ms) { /* injected slow case */ }
    }
    let out = runCase(c);
    if (out instanceof Promise) out = await out;
    const ms = performance.now() - started;
    if (ms > stats.slowest.ms) stats.slowest = { ms, caseId: id, target: c.target };
    if (id === inject.crashAt) {
      out = {
        kind: "other",
        errorClass: "InjectedError",
        message: "injected by the test",
        stack: "",
      };
    }
    countOutcome(stats, c.target, out);
    if (out.kind === "other") {
      const small = await minimizeCase(c, out, {
        ...minimizeLimits,
        onAttempt: () => heartbeat(id, 2),
      });
      let smallOut = runCase(small);
      if (smallOut instanceof Promise) smallOut = await smallOut;
      const record: FailureRecord = {
        caseId: id,
        target: c.target,
        file: c.file,
        seedName: c.seedName,
        ops: c.ops,
        outcome: out,
        input: c.bytes ?? c.text!,
        minimized: small.bytes ?? small.text!,
        minimizedOutcome: smallOut,
      };
      if (c.cpythonSuffix !== undefined) record.cpythonSuffix = c.cpythonSuffix;
      failures.push(record);
    }
  }
  return { type: "done", from, to, stats, failures };
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === "init") {
    prepared = prepareSeeds(msg.seeds, msg.targets);
    runSeed = msg.seed;
    beat = new Int32Array(msg.heartbeat);
    slot = msg.slot;
    minimizeLimits = msg.minimize;
    inject = msg.inject ?? {};
    scope.postMessage({ type: "ready" } satisfies FromWorker);
  } else {
    scope.postMessage(await runChunk(msg.from, msg.to));
  }
};
