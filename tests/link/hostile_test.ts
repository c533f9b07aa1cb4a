/**
 * Hostile side modules are contained: each ends as an outcome with its reason, and the pool
 * goes on with the next pair.
 */
import assert from "node:assert/strict";
import { LinkPool } from "../../src/link/mod.ts";
import { OP } from "../../src/wasm/build_module.ts";
import { corpusInput, runtime, sideModule, syntheticWheel } from "./_fixtures.ts";

const CTOR = { name: "__wasm_call_ctors", kind: "func" as const, index: 0 };
const VOID = { params: [], results: [] };

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
          sideModule({ functions: [{ type: VOID, body: [OP.call, 0] }], exports: [CTOR] }),
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

    await t.step("memory.grow of ~3.9 GiB in a constructor stays contained", async () => {
      // i32.const 59904; memory.grow 0; drop — reserves address space; nothing is committed.
      const grow = [OP.i32Const, 0x80, 0xd4, 0x03, 0x40, 0x00, 0x1a];
      const before = Deno.memoryUsage().rss;
      const o = await check(
        "grow",
        sideModule({ functions: [{ type: VOID, body: grow }], exports: [CTOR] }),
      );
      assert.ok(["links", "trap"].includes(o.outcome), o.outcome);
      assert.ok(Deno.memoryUsage().rss - before < 512 * 1024 * 1024, "no resident blow-up");
    });

    await t.step("the pool still checks a real wheel afterwards", async () => {
      assert.equal((await pool.checkAll(fine, [rt]))[0].outcome, "links");
    });
  } finally {
    await pool.close();
  }
});
