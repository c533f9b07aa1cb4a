/**
 * Hostile side modules are contained: each ends as an outcome with its reason, and the pool
 * goes on with the next pair.
 */
import assert from "node:assert/strict";
import { LinkPool } from "../../src/link/mod.ts";
import { encodeSLEB128, OP } from "../../src/wasm/build_module.ts";
import { SESSION_RETAINED_MEMORY_BYTES } from "../../src/link/_session.ts";
import {
  CALL_CTORS,
  corpusInput,
  HOSTILE,
  NO_PARAMS,
  runtime,
  sideModule,
  syntheticWheel,
} from "./_fixtures.ts";

Deno.test("hostile side modules in the link pool", async (t) => {
  const rt = await runtime("0.27.7");
  const fine = await corpusInput(
    "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
  );
  const pool = new LinkPool({ workers: 1, timeLimitMs: 5000 });
  const check = async (name: string, bytes: Uint8Array) =>
    (await pool.checkAll(syntheticWheel([{ member: `${name}.so`, bytes }], `${name}-1.0.zip`), [
      rt,
    ]))[0];
  try {
    await t.step(
      "deep recursion in a constructor is a trap naming the stack overflow",
      async () => {
        const o = await check(
          "recurse",
          sideModule({
            functions: [{ type: NO_PARAMS, body: [OP.call, 0] }],
            exports: [CALL_CTORS],
          }),
        );
        assert.equal(o.outcome, "trap");
        assert.ok(
          o.modules[0].evidence.some((e) => e.kind === "trap" && /call stack/.test(e.message)),
        );
      },
    );

    await t.step("an enormous table is refused before instantiation", async () => {
      const o = await check(
        "table",
        sideModule({ dylink: { memorySize: 0, tableSize: 50_000_000 } }),
      );
      assert.equal(o.outcome, "trap");
      assert.ok(o.modules[0].evidence.some((e) => /refused before instantiation/.test(e.message)));
    });

    await t.step(
      "memory.grow of ~3.9 GiB fails at the process cap and nothing is committed",
      async () => {
        // The grow is refused (`--wasm-max-mem-pages` in deno.json); the store past the old end
        // then traps.
        const before = Deno.memoryUsage().rss;
        const o = await check("grow", HOSTILE.growThenStore(59_904, 0x7000_0000));
        assert.equal(o.outcome, "trap");
        assert.ok(
          o.modules[0].evidence.some((e) => /out of bounds/.test(e.message)),
          JSON.stringify(o.modules[0].evidence),
        );
        assert.ok(Deno.memoryUsage().rss - before < 256 * 1024 * 1024, "no resident blow-up");
      },
    );

    await t.step(
      "memory.grow past the session cap plus memory.fill is a trap naming the sizes",
      async () => {
        // Grow by 12,000 pages (~750 MiB, under the process cap, over the session cap) and commit
        // 64 MiB of it: the check reports the growth and the worker rebuilds that session.
        const o = await check("fill", HOSTILE.growThenFill(12_000, 0x2000_0000, 0x0400_0000));
        assert.equal(o.outcome, "trap");
        const e = o.modules[0].evidence.find((x) => /grew the shared memory/.test(x.message));
        assert.ok(e, JSON.stringify(o.modules[0].evidence));
        assert.match(e.message, /__wasm_call_ctors grew the shared memory from \d+ to \d+ bytes/);
        const [stats] = await pool.workerStats();
        assert.equal(stats.sessionsRebuilt, 1, "the inflated session was rebuilt");
        // The next check runs on a rebuilt session: a real wheel still links.
        assert.equal((await pool.checkAll(fine, [rt]))[0].outcome, "links");
        assert.ok(SESSION_RETAINED_MEMORY_BYTES < 0x2000_0000);
      },
    );

    await t.step("a start function that loops forever ends as a time-out trap", async () => {
      const o = await check(
        "start-loop",
        HOSTILE.startFunction([OP.loop, OP.blockVoid, OP.br, 0, OP.end]),
      );
      assert.equal(o.outcome, "trap");
      assert.ok(o.evidence.some((e) => e.kind === "timeout" && /start-loop\.so/.test(e.message)));
    });

    await t.step("a start function that traps fails instantiation as a trap", async () => {
      const o = await check("start-trap", HOSTILE.startFunction([OP.unreachable]));
      assert.equal(o.outcome, "trap");
      assert.ok(
        o.modules[0].evidence.some((e) =>
          /instantiation failed: RuntimeError: unreachable/.test(e.message)
        ),
        JSON.stringify(o.modules[0].evidence),
      );
    });

    await t.step(
      "a table.grow of 10 million entries in a constructor stays contained",
      async () => {
        // ref.null func; i32.const 10_000_000; table.grow 0; drop
        const body = [
          OP.refNull,
          0x70,
          OP.i32Const,
          ...encodeSLEB128(10_000_000),
          0xfc,
          0x0f,
          0x00,
          OP.drop,
        ];
        const o = await check(
          "table-grow",
          sideModule({
            imports: [{
              module: "env",
              name: "__indirect_function_table",
              kind: "table",
              table: { element: "funcref", limits: { min: 0, shared: false, is64: false } },
            }],
            functions: [{ type: NO_PARAMS, body }],
            exports: [CALL_CTORS],
          }),
        );
        assert.ok(["links", "trap"].includes(o.outcome), JSON.stringify(o.evidence));
      },
    );

    await t.step("the pool still checks a real wheel afterwards", async () => {
      assert.equal((await pool.checkAll(fine, [rt]))[0].outcome, "links");
    });
  } finally {
    await pool.close();
  }
});
