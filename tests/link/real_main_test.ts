/**
 * Real mode: constructors that call main functions the stub cannot run (here libc++'s
 * `__next_prime`) run against the runtime's real main module and must see its real answers.
 */
import assert from "node:assert/strict";
import { checkLink, type LinkOutcome } from "../../src/link/mod.ts";
import { LinkSession } from "../../src/link/_session.ts";
import { compileRealMain, registerRealMainFile } from "../../src/link/_real_main.ts";
import { obtainStub } from "../../src/link/stub.ts";
import { encodeSLEB128, OP } from "../../src/wasm/build_module.ts";
import { loadRuntimeCatalogue, obtainRuntime } from "../../src/runtime/mod.ts";
import type { RuntimeFacts } from "../../src/runtime/types.ts";
import { NO_PARAMS, REPO, runtime, sideModule, syntheticWheel, TEST_CACHE } from "./_fixtures.ts";

const NEXT_PRIME = "_ZNSt3__212__next_primeEm";
const I32_I32 = { params: ["i32"], results: ["i32"] };
const I32_NE = 0x47;

/** The real runtime's facts, its main module registered for real mode. */
async function realRuntime(version: string): Promise<RuntimeFacts> {
  const facts = await runtime(version);
  const catalogue = loadRuntimeCatalogue(
    await Deno.readTextFile(new URL("corpus/runtimes.json", REPO)),
  );
  const files = await obtainRuntime(version, { cacheDir: TEST_CACHE, catalogue });
  registerRealMainFile(facts.mainSha256, () => Deno.readFile(files.wasmPath));
  return facts;
}

/** `__wasm_call_ctors`: traps unless `__next_prime(100)` is 101, the real libc++ answer. */
function nextPrimeProbe(): Uint8Array {
  return sideModule({
    imports: [{ module: "env", name: NEXT_PRIME, kind: "func", type: I32_I32 }],
    functions: [{
      type: NO_PARAMS,
      body: [
        OP.i32Const,
        ...encodeSLEB128(100),
        OP.call,
        0,
        OP.i32Const,
        ...encodeSLEB128(101),
        I32_NE,
        OP.if,
        OP.blockVoid,
        OP.unreachable,
        OP.end,
      ],
    }],
    exports: [{ name: "__wasm_call_ctors", kind: "func", index: 1 }],
  });
}

/**
 * `__wasm_call_ctors`: stores `__next_prime(100)` and `malloc(16)` at its own data
 * (`__memory_base`), so a test can read what the real main answered.
 */
function recordingProbe(): Uint8Array {
  const store = (offset: number) => [OP.i32Store, 2, ...encodeSLEB128(offset)];
  return sideModule({
    imports: [
      {
        module: "env",
        name: "memory",
        kind: "memory",
        memory: { min: 0, shared: false, is64: false },
      },
      {
        module: "env",
        name: "__memory_base",
        kind: "global",
        global: { type: "i32", mutable: false },
      },
      { module: "env", name: NEXT_PRIME, kind: "func", type: I32_I32 },
      { module: "env", name: "malloc", kind: "func", type: I32_I32 },
    ],
    dylink: { memorySize: 16 },
    functions: [{
      type: NO_PARAMS,
      body: [
        OP.globalGet,
        0,
        OP.i32Const,
        ...encodeSLEB128(1000),
        OP.call,
        0,
        ...store(0),
        OP.globalGet,
        0,
        OP.i32Const,
        16,
        OP.call,
        1,
        ...store(4),
      ],
    }],
    exports: [{ name: "__wasm_call_ctors", kind: "func", index: 2 }],
  });
}

/** `__wasm_call_ctors`: mallocs (and never frees), leaving the real allocator changed. */
function allocatingProbe(): Uint8Array {
  const malloc = (n: number) => [OP.i32Const, ...encodeSLEB128(n), OP.call, 0, OP.drop];
  return sideModule({
    imports: [{ module: "env", name: "malloc", kind: "func", type: I32_I32 }],
    functions: [{ type: NO_PARAMS, body: [...malloc(24), ...malloc(4096), ...malloc(100)] }],
    exports: [{ name: "__wasm_call_ctors", kind: "func", index: 1 }],
  });
}

function withoutTime(o: LinkOutcome): unknown {
  return { ...o, ms: 0 };
}

for (const version of ["0.27.7", "314.0.7"]) {
  Deno.test(`constructors calling a real main function run to completion on ${version}`, async () => {
    const facts = await realRuntime(version);
    const o = await checkLink(
      syntheticWheel([{ member: "probe.so", bytes: nextPrimeProbe() }], "probe-1.0.zip"),
      facts,
    );
    const kinds = o.modules.flatMap((m) => m.evidence.map((e) => e.kind));
    assert.ok(!kinds.includes("stub-call"), JSON.stringify(o.modules));
    assert.equal(o.linkOutcome, "links", JSON.stringify(o.modules));
  });
}

Deno.test("real mode: each check starts from the same state, whatever ran before", async () => {
  const facts = await realRuntime("0.27.7");
  const module = await compileRealMain(facts);
  assert.ok(module instanceof WebAssembly.Module, JSON.stringify(module));
  const session = await LinkSession.create(facts, await obtainStub(facts), {}, module);
  assert.ok(session.isReal);
  const recording = syntheticWheel([{ member: "rec.so", bytes: recordingProbe() }], "rec-1.0.zip");
  const run = async () => {
    const o = await checkLink(recording, facts, { session });
    const base = (session.state.loadedModules[0] as unknown as { memoryBase: number }).memoryBase;
    const view = new DataView(session.memory.buffer);
    return { o, prime: view.getUint32(base, true), pointer: view.getUint32(base + 4, true) };
  };
  const first = await run();
  assert.equal(first.o.linkOutcome, "links", JSON.stringify(first.o.modules));
  assert.equal(first.prime, 1009);
  assert.ok(first.pointer >= session.heapBase, `malloc gave ${first.pointer}`);
  const dirty = await checkLink(
    syntheticWheel([{ member: "alloc.so", bytes: allocatingProbe() }], "alloc-1.0.zip"),
    facts,
    { session },
  );
  assert.equal(dirty.linkOutcome, "links", JSON.stringify(dirty.modules));
  const second = await run();
  assert.deepEqual(withoutTime(second.o), withoutTime(first.o));
  assert.equal(second.prime, first.prime);
  assert.equal(second.pointer, first.pointer);
});
