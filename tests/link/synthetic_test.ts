/**
 * Hand-made side modules, generated here with the emitter, against real runtimes: each probe
 * gives the expected outcome class and names the evidence.
 */
import assert from "node:assert/strict";
import { checkLink, type LinkOutcome } from "../../src/link/mod.ts";
import { OP } from "../../src/wasm/build_module.ts";
import { formatFuncType } from "../../src/wasm/mod.ts";
import { NO_PARAMS, runtime, sideModule, syntheticWheel } from "./_fixtures.ts";

const ZIP = "synthetic-1.0.zip";
const I32 = { params: ["i32"], results: [] };

async function check(version: string, bytes: Uint8Array, options = {}): Promise<LinkOutcome> {
  return await checkLink(
    syntheticWheel([{ member: "probe.so", bytes }], ZIP),
    await runtime(version),
    options,
  );
}

function evidence(o: LinkOutcome, kind: string) {
  return o.modules.flatMap((m) => m.evidence).filter((e) => e.kind === kind);
}

function v8Message(o: LinkOutcome): string {
  return evidence(o, "v8-link-error")[0]?.message ?? "";
}

Deno.test("hand-made side modules", async (t) => {
  const r027 = await runtime("0.27.7");
  const r028 = await runtime("0.28.3");
  const r314 = await runtime("314.0.7");
  // The facts these probes rely on, read from the runtimes themselves.
  assert.equal(r027.loader.exceptions, "js");
  assert.equal(r028.loader.exceptions, "wasm");
  assert.ok(r028.tags.some((x) => x.name === "__cpp_exception" && x.origin === "imported"));
  assert.ok(r314.tags.some((x) => x.name === "__cpp_exception" && x.origin === "exported"));

  const tagImport = (params: string[]) =>
    sideModule({
      imports: [{
        module: "env",
        name: "__cpp_exception",
        kind: "tag",
        tag: { params, results: [] },
      }],
    });

  await t.step("tag import on a JS-exceptions runtime is a link-error", async () => {
    const o = await check("0.27.7", tagImport(["i32"]));
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /"env" "__cpp_exception": tag import requires a WebAssembly\.Tag/);
    const tag = evidence(o, "tag-mismatch")[0];
    assert.equal(`${tag.module}.${tag.symbol}`, "env.__cpp_exception");
  });

  await t.step("the same tag import links where the runtime has the tag", async () => {
    assert.equal((await check("0.28.3", tagImport(["i32"]))).outcome, "links");
    assert.equal((await check("314.0.7", tagImport(["i32"]))).outcome, "links");
  });

  await t.step("wrong tag type", async () => {
    const o = await check("0.28.3", tagImport(["f64"]));
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /imported tag does not match the expected type/);
    const e = evidence(o, "tag-mismatch")[0];
    assert.deepEqual(e.sideType, { params: ["f64"], results: [] });
    assert.deepEqual(e.mainType, { params: ["i32"], results: [] });
  });

  await t.step("shared memory", async () => {
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{
          module: "env",
          name: "memory",
          kind: "memory",
          memory: { min: 1, max: 65536, shared: true, is64: false },
        }],
      }),
    );
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /shared/);
    assert.match(evidence(o, "memory-mismatch")[0].message, /shared state differs/);
  });

  await t.step("too small maximum memory", async () => {
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{
          module: "env",
          name: "memory",
          kind: "memory",
          memory: { min: 1, max: 256, shared: false, is64: false },
        }],
      }),
    );
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /maximum/);
    assert.match(
      evidence(o, "memory-mismatch")[0].message,
      new RegExp(`runtime maximum ${r027.memory.max}`),
    );
  });

  const dataSymbol = r027.globals.find((g) => g.name === "PyExc_TypeError");
  await t.step("data symbol imported as a function", async () => {
    assert.ok(dataSymbol, "0.27.7 exports PyExc_TypeError as a global");
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{
          module: "env",
          name: "PyExc_TypeError",
          kind: "func",
          type: { params: [], results: ["i32"] },
        }],
      }),
    );
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /function import requires a callable/);
    assert.equal(evidence(o, "type-mismatch")[0].mainType, "data symbol (address)");
  });

  const mutableGlobal = sideModule({
    imports: [{
      module: "env",
      name: "PyExc_TypeError",
      kind: "global",
      global: { type: "i32", mutable: true },
    }],
  });
  await t.step("mutable global import of a data symbol", async () => {
    const o = await check("0.27.7", mutableGlobal);
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /imported mutable global must be a WebAssembly\.Global object/);
    assert.equal(evidence(o, "global-mismatch").length, 1);
  });

  await t.step("mutable global import where data symbols are immutable Globals (314)", async () => {
    assert.equal(r314.loader.dataSymbolsAsGlobals, true);
    const o = await check("314.0.7", mutableGlobal);
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /mutability/);
  });

  await t.step("immutable global import of a data symbol links", async () => {
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{
          module: "env",
          name: "PyExc_TypeError",
          kind: "global",
          global: { type: "i32", mutable: false },
        }],
      }),
    );
    assert.equal(o.outcome, "links");
  });

  await t.step("unknown import module", async () => {
    const o = await check(
      "0.27.7",
      sideModule({ imports: [{ module: "foo", name: "bar", kind: "func", type: I32 }] }),
    );
    assert.equal(o.outcome, "link-error");
    assert.match(v8Message(o), /"foo": module is not an object or function/);
    assert.equal(evidence(o, "unknown-module")[0].module, "foo");
  });

  await t.step("wrong signature, with every mismatch listed", async () => {
    const incref = r027.functions.find((f) => f.name === "Py_IncRef")!;
    const decref = r027.functions.find((f) => f.name === "Py_DecRef")!;
    const wrong = { params: ["i32", "i32"], results: [] };
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [
          { module: "env", name: "Py_IncRef", kind: "func", type: wrong },
          { module: "env", name: "Py_DecRef", kind: "func", type: wrong },
        ],
      }),
    );
    assert.equal(o.outcome, "link-error");
    // V8 names only the first; the pre-check lists both, with both types.
    assert.match(
      v8Message(o),
      /Import #1 "env" "Py_IncRef": imported function does not match the expected type/,
    );
    const mismatches = evidence(o, "type-mismatch");
    assert.deepEqual(mismatches.map((e) => `${e.module}.${e.symbol}`), [
      "env.Py_IncRef",
      "env.Py_DecRef",
    ]);
    assert.equal(formatFuncType(mismatches[0].mainType as never), formatFuncType(incref.type));
    assert.equal(formatFuncType(mismatches[1].mainType as never), formatFuncType(decref.type));
  });

  await t.step("missing function nothing calls: latent, or links when weak", async () => {
    const imports = [{
      module: "env",
      name: "no_such_function_xyz",
      kind: "func" as const,
      type: I32,
    }];
    const strict = await check("0.27.7", sideModule({ imports }));
    // The loader's lazy stub fails only when called, and nothing calls it at load.
    assert.equal(strict.outcome, "latent");
    assert.equal(evidence(strict, "latent-function")[0].symbol, "no_such_function_xyz");
    const weak = await check(
      "0.27.7",
      sideModule({
        imports,
        dylink: {
          memorySize: 0,
          importInfo: [{ module: "env", name: "no_such_function_xyz", flags: 1 }],
        },
      }),
    );
    assert.equal(weak.outcome, "links");
    assert.equal(evidence(weak, "weak")[0].symbol, "no_such_function_xyz");
  });

  await t.step("missing GOT entry is unresolved", async () => {
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{
          module: "GOT.mem",
          name: "no_such_data_xyz",
          kind: "global",
          global: { type: "i32", mutable: true },
        }],
      }),
    );
    assert.equal(o.outcome, "unresolved");
    assert.equal(evidence(o, "unresolved-got")[0].symbol, "no_such_data_xyz");
  });

  await t.step("allow-listed symbol is soft, with the reason", async () => {
    const allowList = {
      version: 1 as const,
      entries: [{
        symbols: ["no_such_*"],
        scope: { member: "probe.so" },
        reason: "injected by the test",
        source: "this test",
      }],
    };
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{ module: "env", name: "no_such_function_xyz", kind: "func", type: I32 }],
      }),
      { allowList },
    );
    assert.equal(o.outcome, "soft");
    assert.equal(evidence(o, "allowed")[0].reason, "injected by the test");
  });

  await t.step("invoke_* is synthesised only by JS-exception loaders", async () => {
    const bytes = sideModule({
      imports: [{
        module: "env",
        name: "invoke_vi",
        kind: "func",
        type: { params: ["i32", "i32"], results: [] },
      }],
    });
    assert.equal((await check("0.27.7", bytes)).outcome, "links");
    const o = await check("0.28.3", bytes);
    assert.equal(o.outcome, "latent");
    assert.equal(evidence(o, "latent-function")[0].symbol, "invoke_vi");
  });

  await t.step(
    "a module exporting __wasm_apply_data_relocs on a loader that never calls it",
    async () => {
      const r021 = await runtime("0.21.3");
      assert.equal(r021.loader.appliesDataRelocs, false);
      const bytes = sideModule({
        functions: [{ type: { params: [], results: [] }, body: [] }],
        exports: [{ name: "__wasm_apply_data_relocs", kind: "func", index: 0 }],
      });
      const o = await check("0.21.3", bytes);
      assert.equal(o.outcome, "loader-mismatch");
      assert.equal(evidence(o, "loader-capability")[0].symbol, "__wasm_apply_data_relocs");
      assert.equal((await check("0.22.1", bytes)).outcome, "links");
    },
  );

  await t.step("relocations and constructors run; a trap in them is a trap", async () => {
    const ok = sideModule({
      functions: [{ type: { params: [], results: [] }, body: [] }],
      exports: [{ name: "__wasm_call_ctors", kind: "func", index: 0 }],
    });
    assert.equal((await check("0.27.7", ok)).outcome, "links");
    const trapping = sideModule({
      functions: [{ type: { params: [], results: [] }, body: [OP.unreachable] }],
      exports: [{ name: "__wasm_call_ctors", kind: "func", index: 0 }],
    });
    const o = await check("0.27.7", trapping);
    assert.equal(o.outcome, "trap");
    assert.match(
      evidence(o, "trap")[0].message,
      /__wasm_call_ctors trapped: RuntimeError: unreachable/,
    );
  });

  await t.step("a constructor calling its own function through env runs it", async () => {
    // wasm-ld imports preemptible functions of a side module through env, even its own: the
    // loader hands over a lazy stub that resolves to the module's export when called.
    const ownCall = (helperBody: number[]) =>
      sideModule({
        imports: [{ module: "env", name: "own_helper", kind: "func", type: NO_PARAMS }],
        functions: [
          { type: NO_PARAMS, body: [OP.call, 0] },
          { type: NO_PARAMS, body: helperBody },
        ],
        exports: [
          { name: "__wasm_call_ctors", kind: "func", index: 1 },
          { name: "own_helper", kind: "func", index: 2 },
        ],
      });
    const quiet = await check("0.27.7", ownCall([]));
    assert.equal(quiet.outcome, "links", JSON.stringify(quiet.modules[0].evidence));
    assert.deepEqual(quiet.modules[0].evidence, []);
    // The helper really ran: its trap is the constructor's.
    const trapping = await check("0.27.7", ownCall([OP.unreachable]));
    assert.equal(trapping.outcome, "trap");
    assert.match(
      evidence(trapping, "trap")[0].message,
      /__wasm_call_ctors trapped: RuntimeError: unreachable/,
    );
  });

  await t.step("constructor calling __cxa_atexit (returns 0 in the stub) links", async () => {
    const atexit = r027.functions.find((f) => f.name === "__cxa_atexit")!;
    const body = [
      ...atexit.type.params.flatMap(() => [OP.i32Const, 0]),
      OP.call,
      0,
      OP.drop,
    ];
    const o = await check(
      "0.27.7",
      sideModule({
        imports: [{ module: "env", name: "__cxa_atexit", kind: "func", type: atexit.type }],
        functions: [{ type: { params: [], results: [] }, body }],
        exports: [{ name: "__wasm_call_ctors", kind: "func", index: 1 }],
      }),
    );
    assert.equal(o.outcome, "links");
  });

  await t.step("huge memory request is refused before instantiation", async () => {
    const o = await check("0.27.7", sideModule({ dylink: { memorySize: 3 * 1024 * 1024 * 1024 } }));
    assert.equal(o.outcome, "trap");
    assert.match(
      evidence(o, "trap")[0].message,
      /refused before instantiation: dylink memory size/,
    );
  });

  await t.step("malformed and non-side modules are invalid", async () => {
    const garbage = await check("0.27.7", new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99, 1]));
    assert.equal(garbage.outcome, "invalid");
    assert.match(evidence(garbage, "invalid")[0].message, /not a readable wasm module/);
    const plain = await check("0.27.7", sideModule({ noDylink: true }));
    assert.equal(plain.outcome, "invalid");
    assert.match(evidence(plain, "invalid")[0].message, /no dylink\.0 section/);
  });

  await t.step("wheel tag for another Python: python-mismatch, link result kept", async () => {
    const input = syntheticWheel(
      [{ member: "probe.cpython-311-wasm32-emscripten.so", bytes: sideModule({}) }],
      "probe-1.0-cp311-cp311-pyodide_2024_0_wasm32.whl",
    );
    const o = await checkLink(input, r027);
    assert.equal(o.outcome, "python-mismatch");
    assert.equal(o.linkOutcome, "links");
    assert.ok(o.evidence.some((e) => e.kind === "python-version"));
    const abi3 = syntheticWheel(
      [{ member: "probe.abi3.so", bytes: sideModule({}) }],
      "probe-1.0-cp37-abi3-pyodide_2024_0_wasm32.whl",
    );
    assert.equal((await checkLink(abi3, r027)).outcome, "links");
  });
});
