/**
 * GOT entries shared by the sibling modules of one archive, and the symbol numbering the link
 * check keys its per-session answers by: hand-made modules against a real runtime.
 */
import assert from "node:assert/strict";
import { checkLink, type LinkOutcome } from "../../src/link/mod.ts";
import {
  importNumbers,
  MAX_SYMBOL_NUMBERS,
  NumberedSlots,
  renumberIfFull,
} from "../../src/link/_symbol_numbers.ts";
import { OP } from "../../src/wasm/build_module.ts";
import type { WasmModuleFacts } from "../../src/wasm/types.ts";
import {
  CALL_CTORS,
  corpusInput,
  NO_PARAMS,
  runtime,
  sideModule,
  syntheticWheel,
} from "./_fixtures.ts";

const GOT_I32 = { type: "i32" as const, mutable: true };

/** Exports a data symbol (at offset 16 of its 32 bytes) and a function. */
const provider = sideModule({
  dylink: { memorySize: 32 },
  functions: [{ type: NO_PARAMS, body: [] }],
  globals: [{ type: { type: "i32", mutable: false }, init: { i32: 16 } }],
  exports: [
    { name: "shared_data", kind: "global", index: 0 },
    { name: "shared_helper", kind: "func", index: 0 },
  ],
});

/** Imports both through the GOT; with `ctorChecks`, its constructor traps on an empty entry. */
function consumer(ctorChecks: boolean): Uint8Array {
  const trapIfZero = (global: number) => [
    OP.globalGet,
    global,
    OP.i32Eqz,
    OP.if,
    OP.blockVoid,
    OP.unreachable,
    OP.end,
  ];
  return sideModule({
    imports: [
      { module: "GOT.mem", name: "shared_data", kind: "global", global: GOT_I32 },
      { module: "GOT.func", name: "shared_helper", kind: "global", global: GOT_I32 },
    ],
    functions: ctorChecks ? [{ type: NO_PARAMS, body: [...trapIfZero(0), ...trapIfZero(1)] }] : [],
    exports: ctorChecks ? [CALL_CTORS] : [],
  });
}

async function check(modules: { member: string; bytes: Uint8Array }[]): Promise<LinkOutcome> {
  return await checkLink(syntheticWheel(modules), await runtime("0.27.7"));
}

Deno.test("GOT entries across sibling modules", async (t) => {
  await t.step("entries of a module loaded after the provider are filled at once", async () => {
    const o = await check([
      { member: "provider.so", bytes: provider },
      { member: "consumer.so", bytes: consumer(true) },
    ]);
    // The constructor reads both entries and traps on a zero.
    assert.equal(o.outcome, "links", JSON.stringify(o.modules));
  });

  await t.step("a constructor running before the provider loads sees empty entries", async () => {
    const o = await check([
      { member: "consumer.so", bytes: consumer(true) },
      { member: "provider.so", bytes: provider },
    ]);
    assert.equal(o.outcome, "trap");
    assert.match(o.modules[0].evidence[0].message, /unreachable/);
  });

  await t.step("the provider's updateGOT fills entries imported before it loaded", async () => {
    // Siblings load with local scope: only updateGOT, not the global lookup, can fill these.
    const o = await check([
      { member: "consumer.so", bytes: consumer(false) },
      { member: "provider.so", bytes: provider },
    ]);
    assert.equal(o.outcome, "links", JSON.stringify(o.modules));
  });

  await t.step("without the provider both entries are unresolved", async () => {
    const o = await check([{ member: "consumer.so", bytes: consumer(false) }]);
    assert.equal(o.outcome, "unresolved");
    const got = o.modules[0].evidence.filter((e) => e.kind === "unresolved-got");
    assert.deepEqual(got.map((e) => `${e.module}.${e.symbol}`).sort(), [
      "GOT.func.shared_helper",
      "GOT.mem.shared_data",
    ]);
  });
});

Deno.test("symbol numbers", async (t) => {
  const facts = (names: string[]) =>
    ({ imports: names.map((name) => ({ module: "env", name })) }) as unknown as WasmModuleFacts;

  await t.step("one number per name, whatever module imports it", () => {
    const a = importNumbers(facts(["x", "y", "x"]));
    const b = importNumbers(facts(["y", "z"]));
    assert.equal(a[0], a[2]);
    assert.notEqual(a[0], a[1]);
    assert.equal(a[1], b[0]);
    assert.notEqual(b[1], a[0]);
  });

  await t.step(
    "a full table starts afresh between checks, and checks agree across it",
    async () => {
      const input = await corpusInput(
        "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
      );
      const r027 = await runtime("0.27.7");
      const r028 = await runtime("0.28.3");
      const strip = (o: LinkOutcome) => ({ ...o, ms: 0 });
      const before = [strip(await checkLink(input, r027)), strip(await checkLink(input, r028))];

      const slots = new NumberedSlots<object, number>();
      const owner = {};
      const epoch = renumberIfFull();
      slots.of(owner)[0] = 1;
      const names = Array.from({ length: MAX_SYMBOL_NUMBERS + 1 }, (_, i) => `filler_${i}`);
      importNumbers(facts(names));
      assert.equal(renumberIfFull(), epoch + 1, "the numbering starts afresh once past the cap");
      assert.equal(slots.of(owner)[0], undefined, "per-owner arrays of the old numbering are gone");

      assert.equal(renumberIfFull(), epoch + 1);
      const after = [strip(await checkLink(input, r027)), strip(await checkLink(input, r028))];
      assert.deepEqual(after, before);
      assert.equal(after[0].outcome, "links");
      assert.equal(after[1].outcome, "link-error");
    },
  );
});

Deno.test("one input checked against runtimes in turn keeps no value of the previous check", async () => {
  // A worker job checks one archive (one facts object) against several runtimes, and the
  // import object is reused between them: a name only the first runtime defines must not stay
  // resolved in the second.
  const r023 = await runtime("0.23.4");
  const ready = r023.functions.find((f) => f.name === "_PyUnicode_Ready");
  assert.ok(ready, "0.23.4 exports _PyUnicode_Ready");
  const input = syntheticWheel([{
    member: "probe.so",
    bytes: sideModule({
      imports: [{ module: "env", name: "_PyUnicode_Ready", kind: "func", type: ready.type }],
    }),
  }]);
  const outcomes = [];
  for (const version of ["0.23.4", "0.27.7", "0.23.4", "0.27.7"]) {
    const o = await checkLink(input, await runtime(version));
    // Where the name is missing nothing calls it at load: latent, naming it.
    const missing = o.modules[0].evidence.filter((e) => e.kind === "latent-function");
    outcomes.push(`${o.linkOutcome} ${missing.map((e) => e.symbol).join(",")}`.trim());
  }
  assert.deepEqual(outcomes, [
    "links",
    "latent _PyUnicode_Ready",
    "links",
    "latent _PyUnicode_Ready",
  ]);
});
