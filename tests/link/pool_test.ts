/**
 * The worker pool: same outcomes as the in-process check, no permissions inside the workers, and
 * a hung constructor ends as a timeout `trap` while the run goes on.
 */
import assert from "node:assert/strict";
import { checkLink, LinkPool } from "../../src/link/mod.ts";
import { OP } from "../../src/wasm/build_module.ts";
import { corpusInput, runtime, sideModule, syntheticWheel } from "./_fixtures.ts";

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
    assert.equal(o.outcome, "unresolved");
    assert.equal(
      o.modules[0].evidence.find((e) => e.kind === "unresolved-function")?.symbol,
      "no_such_fn_q",
    );
  } finally {
    await pool.close();
  }
});
