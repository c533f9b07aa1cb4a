/**
 * Step 3, relocations and constructors: `__wasm_apply_data_relocs` and `__wasm_call_ctors` of
 * each loaded module, with traps, memory growth, stub stops and host calls as evidence.
 *
 * @module
 */
import { CapExceededError, PLACEHOLDER_CALL, StubCallError } from "./_session.ts";
import { addEvidence, type LoadContext, type ModuleRun } from "./_load_state.ts";

export function runInit(ctx: LoadContext, r: ModuleRun, what: string, fn: () => void): void {
  const { state } = ctx;
  const glueBefore = state.glueCalls.length;
  try {
    runInitSteps(ctx, r, what, fn);
  } finally {
    // JS functions of the glue that init code called: the stub answered 0 where the real host
    // would have acted (sleep, DOM, time). The load goes on; the evidence says what was needed.
    const host = [...new Set(state.glueCalls.slice(glueBefore))];
    if (host.length > 0) {
      addEvidence(r, undefined, {
        kind: "host-call",
        symbol: host[0],
        message: `${what} called JS host function${host.length > 1 ? "s" : ""} ${
          host.slice(0, 8).join(", ")
        }${host.length > 8 ? ` (+${host.length - 8} more)` : ""}, answered by the stub`,
      });
    }
  }
}

export function runInitSteps(ctx: LoadContext, r: ModuleRun, what: string, fn: () => void): void {
  const { state, session } = ctx;
  const callsBefore = state.calls.length;
  const bytesBefore = session.memory.buffer.byteLength;
  try {
    fn();
    reportGrowth(ctx, r, what, bytesBefore);
  } catch (e) {
    if (reportGrowth(ctx, r, what, bytesBefore)) return;
    const called = state.calls.slice(callsBefore);
    const err = e as Error;
    let symbol: string | undefined;
    let message: string;
    if (err instanceof StubCallError && err.origin === "unresolved") {
      // The loader's lazy stub threw inside a load step: the load itself fails on the symbol.
      addEvidence(r, "unresolved", {
        kind: "unresolved-function",
        symbol: err.symbol,
        module: "env",
        sideType: r.facts?.imports.find((i) => i.name === err.symbol && i.kind === "func")?.func,
        message: `${what} ${err.message}: the load fails here`,
      });
      return;
    } else if (err instanceof StubCallError) {
      symbol = err.symbol;
      message = `${what} ${err.message}`;
    } else if (called.length > 0 && err instanceof WebAssembly.RuntimeError) {
      // A legitimate call into the main that only the real main can answer: inconclusive.
      const last = called[called.length - 1];
      const placeholder = last === PLACEHOLDER_CALL;
      if (placeholder) r.placeholderHit = true;
      symbol = placeholder ? undefined : last;
      if (!placeholder) r.stubStop ??= last;
      // Constructors that did not run to completion never make `links`: `latent` unless a
      // rerun (placeholder retry, real mode) runs them through.
      addEvidence(r, "latent", {
        kind: "stub-call",
        symbol,
        message: placeholder
          ? `${what} called an own function through a GOT function pointer, which the check fills with a placeholder; the rest of ${what} did not run`
          : `${what} called main function ${symbol}, which the stub does not emulate; the rest of ${what} did not run`,
      });
      return;
    } else if (err instanceof CapExceededError || err instanceof RangeError) {
      message = `${what}: ${err.name}: ${err.message}`;
    } else {
      message = `${what} trapped: ${err?.name ?? "Error"}: ${err?.message ?? String(e)}`;
    }
    if (r.classes.has("loader-mismatch")) {
      // This loader skipped work the module relies on (its data relocations): the crash that
      // follows is that mismatch showing, so the root cause stays the module's class.
      addEvidence(r, undefined, {
        kind: "trap",
        symbol,
        message: `${message} (a consequence of the loader mismatch above)`,
      });
      return;
    }
    addEvidence(r, "trap", { kind: "trap", symbol, message });
  }
}

/**
 * An init function that grew the shared memory past the session's cap is a `trap` with the
 * sizes as its reason (the process's `--wasm-max-mem-pages` bounds how far it can get). Returns
 * whether it did.
 */
export function reportGrowth(
  ctx: LoadContext,
  r: ModuleRun,
  what: string,
  before: number,
): boolean {
  const { session } = ctx;
  const after = session.memory.buffer.byteLength;
  if (after === before || session.heapBytes <= session.caps.maxMemoryBytes) return false;
  addEvidence(r, "trap", {
    kind: "trap",
    message:
      `${what} grew the shared memory from ${before} to ${after} bytes, past the cap of ${session.caps.maxMemoryBytes} bytes above the heap base (memory.grow in an init function)`,
  });
  return true;
}
