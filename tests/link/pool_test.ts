/**
 * The worker pool: same outcomes as the in-process check, no permissions inside the workers, and
 * a hung constructor ends as a timeout `trap` while the run goes on.
 */
import assert from "node:assert/strict";
import { checkLink, LinkPool, registerRealMainFile } from "../../src/link/mod.ts";
import { encodeSLEB128, OP } from "../../src/wasm/build_module.ts";
import { loadRuntimeCatalogue, obtainRuntime } from "../../src/runtime/mod.ts";
import {
  corpusInput,
  NO_PARAMS,
  REPO,
  runtime,
  sideModule,
  syntheticWheel,
  TEST_CACHE,
} from "./_fixtures.ts";

Deno.test("link pool", async (t) => {
  const runtimes = await Promise.all(["0.23.4", "0.27.7", "0.28.3", "314.0.7"].map(runtime));
  const pool = new LinkPool({ workers: 2, timeLimitMs: 1500 });
  try {
    await t.step("same outcomes as checkLink in this process", async () => {
      for (
        const path of [
          "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
          "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl",
        ]
      ) {
        const input = await corpusInput(path);
        const pooled = await pool.checkAll(input, runtimes);
        assert.equal(pooled.length, runtimes.length);
        for (const [i, r] of runtimes.entries()) {
          const local = await checkLink(input, r);
          assert.equal(pooled[i].runtime, r.version);
          assert.equal(pooled[i].outcome, local.outcome, `${path} @ ${r.version}`);
          assert.deepEqual(
            pooled[i].modules.map((m) => m.evidence.map((e) => `${e.kind} ${e.symbol}`)),
            local.modules.map((m) => m.evidence.map((e) => `${e.kind} ${e.symbol}`)),
          );
        }
      }
    });

    await t.step(
      "workers hold no permission and one session per runtime of their lane",
      async () => {
        const stats = await pool.workerStats();
        assert.equal(stats.length, 2);
        for (const s of stats) {
          for (const [name, state] of Object.entries(s.permissions)) {
            assert.notEqual(state, "granted", `worker permission ${name}`);
          }
        }
        assert.equal(stats.reduce((n, s) => n + s.sessions, 0), runtimes.length);
      },
    );

    await t.step(
      "endless constructor: trap (timeout) naming the module; the run goes on",
      async () => {
        const endless = sideModule({
          functions: [{
            type: { params: [], results: [] },
            body: [OP.loop, OP.blockVoid, OP.br, 0, OP.end],
          }],
          exports: [{ name: "__wasm_call_ctors", kind: "func", index: 0 }],
        });
        const hung = syntheticWheel([{ member: "spin.so", bytes: endless }], "spin-1.0.zip");
        const fine = await corpusInput(
          "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
        );
        const before = pool.timeouts;
        const [spun, after] = await Promise.all([
          pool.checkAll(hung, runtimes.slice(1, 3)),
          pool.checkAll(fine, runtimes.slice(1, 2)),
        ]);
        for (const o of spun) {
          assert.equal(o.outcome, "trap");
          const timeout = o.evidence.find((e) => e.kind === "timeout")!;
          assert.equal(timeout.member, "spin.so");
          assert.match(timeout.message, /timed out after 1500 ms/);
        }
        assert.equal(pool.timeouts - before, 2);
        assert.equal(after[0].outcome, "links");
        // A fresh worker took over: the pool still answers.
        assert.equal((await pool.checkAll(fine, runtimes.slice(1, 2)))[0].outcome, "links");
      },
    );
  } finally {
    await pool.close();
  }
});

Deno.test("link pool: modules without facts (read in the worker from shared bytes)", async () => {
  const pool = new LinkPool({ workers: 1 });
  try {
    const r = await runtime("0.27.7");
    const garbage = syntheticWheel([{
      member: "bad.so",
      bytes: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99, 1]),
    }], "bad-1.0.zip");
    const [bad] = await pool.checkAll(garbage, [r]);
    assert.equal(bad.outcome, "invalid");
    const missing = syntheticWheel([{
      member: "probe.so",
      bytes: sideModule({
        imports: [{
          module: "env",
          name: "no_such_fn_q",
          kind: "func",
          type: { params: [], results: [] },
        }],
      }),
    }], "probe-1.0.zip");
    const [o] = await pool.checkAll(missing, [r]);
    assert.equal(o.outcome, "latent");
    assert.equal(
      o.modules[0].evidence.find((e) => e.kind === "latent-function")?.symbol,
      "no_such_fn_q",
    );
  } finally {
    await pool.close();
  }
});

const I32_EQ = 0x46;
const I32_NE = 0x47;

/**
 * `__wasm_call_ctors`: traps unless libc++'s `__next_prime(100)` is 101 (only the real main);
 * with `spin`, loops forever when it is.
 */
function nextPrimeProbe(spin = false): Uint8Array {
  return sideModule({
    imports: [{
      module: "env",
      name: "_ZNSt3__212__next_primeEm",
      kind: "func",
      type: { params: ["i32"], results: ["i32"] },
    }],
    functions: [{
      type: NO_PARAMS,
      body: [
        ...[OP.i32Const, ...encodeSLEB128(100), OP.call, 0, OP.i32Const, ...encodeSLEB128(101)],
        ...(spin
          ? [I32_EQ, OP.if, OP.blockVoid, OP.loop, OP.blockVoid, OP.br, 0, OP.end, OP.end]
          : [I32_NE, OP.if, OP.blockVoid, OP.unreachable, OP.end]),
      ],
    }],
    exports: [{ name: "__wasm_call_ctors", kind: "func", index: 1 }],
  });
}

/** Runtimes' facts, their real main modules registered for real mode. */
async function realRuntimes(versions: string[]) {
  const catalogue = loadRuntimeCatalogue(
    await Deno.readTextFile(new URL("corpus/runtimes.json", REPO)),
  );
  return await Promise.all(versions.map(async (version) => {
    const facts = await runtime(version);
    const files = await obtainRuntime(version, { cacheDir: TEST_CACHE, catalogue });
    registerRealMainFile(facts.mainSha256, () => Deno.readFile(files.wasmPath));
    return facts;
  }));
}

Deno.test("link pool: real mode runs as a second phase, grouped by runtime", async () => {
  const runtimes = await realRuntimes(["0.27.7", "314.0.7"]);
  const probes = ["a", "b", "c"].map((name) =>
    syntheticWheel([{ member: `${name}.so`, bytes: nextPrimeProbe() }], `${name}-1.0.zip`)
  );
  const pool = new LinkPool({ workers: 2 });
  try {
    const early: number[] = [];
    const pooled = await Promise.all(
      probes.map((p) => pool.checkAll(p, runtimes, { onOutcome: (i) => early.push(i) })),
    );
    // One outcome per pair, each reported once.
    assert.equal(early.length, probes.length * runtimes.length);
    // Three archives' pairs, one real main per runtime (both lanes' phases started together).
    assert.equal(pool.realPairs, probes.length * runtimes.length);
    assert.equal(pool.realJobs, runtimes.length);
    for (const [i, r] of runtimes.entries()) {
      for (const [k, outcomes] of pooled.entries()) {
        const o = outcomes[i];
        const local = await checkLink(probes[k], r);
        const kinds = o.modules.flatMap((m) => m.evidence.map((e) => e.kind));
        assert.ok(!kinds.includes("stub-call"), JSON.stringify(o.modules));
        assert.equal(o.linkOutcome, "links", JSON.stringify(o.modules));
        assert.deepEqual({ ...o, ms: 0 }, { ...local, ms: 0 });
      }
    }
    // The real sessions went with their phase.
    for (const s of await pool.workerStats()) assert.equal(s.realSessions, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("link pool: a time-out in real mode is a trap; the rest of the phase goes on", async () => {
  const runtimes = await realRuntimes(["0.27.7"]);
  const pool = new LinkPool({ workers: 1, timeLimitMs: 2000 });
  try {
    const spin = syntheticWheel([{ member: "spin.so", bytes: nextPrimeProbe(true) }], "s-1.0.zip");
    const fine = syntheticWheel([{ member: "fine.so", bytes: nextPrimeProbe() }], "f-1.0.zip");
    // Both wait for the same second-phase job; the spinning one runs first.
    const [[spun], [ok]] = await Promise.all([
      pool.checkAll(spin, runtimes),
      pool.checkAll(fine, runtimes),
    ]);
    assert.equal(spun.outcome, "trap");
    assert.equal(spun.evidence.find((e) => e.kind === "timeout")?.member, "spin.so");
    assert.equal(ok.linkOutcome, "links", JSON.stringify(ok.modules));
    assert.equal(pool.timeouts, 1);
    assert.equal(pool.realJobs, 1);
  } finally {
    await pool.close();
  }
});
