/**
 * The stub main module reproduces the real main's interface (read back with the wasm reader),
 * records calls, and is cached by content hash.
 */
import assert from "node:assert/strict";
import { buildStubModule, obtainStub, stubCacheKey } from "../../src/link/mod.ts";
import { obtainSessionStub, sessionStubBytes, STUB_FUNCTIONS_EXPORT } from "../../src/link/stub.ts";
import { LinkSession } from "../../src/link/_session.ts";
import { createTag } from "../../src/link/_wasm_js.ts";
import { formatFuncType, readWasmModule } from "../../src/wasm/mod.ts";
import { runtime } from "./_fixtures.ts";

for (const version of ["0.21.3", "0.27.7", "0.28.3", "314.0.7"]) {
  Deno.test(`stub of ${version}`, async (t) => {
    const r = await runtime(version);
    const bytes = buildStubModule(r);
    const stub = readWasmModule(bytes, { file: `stub-${version}.wasm` });
    const exported = new Map(stub.exports.map((e) => [e.name, e]));

    await t.step("every main function under the same name and type", () => {
      assert.ok(r.functions.length > 7000);
      for (const f of r.functions) {
        const e = exported.get(f.name);
        assert.equal(e?.kind, "func", f.name);
        assert.equal(formatFuncType(e!.func!), formatFuncType(f.type), f.name);
      }
    });

    await t.step("globals with type, mutability and value", () => {
      for (const g of r.globals) {
        const e = exported.get(g.name)!;
        assert.equal(e.kind, "global", g.name);
        assert.deepEqual(e.global, g.type, g.name);
        if (g.value !== undefined) assert.equal(String(e.value), String(g.value), g.name);
      }
      assert.equal(exported.get("__stack_pointer")?.global?.mutable, true);
    });

    await t.step("memory, table and tags shaped like the real main", () => {
      assert.deepEqual(stub.memories[0], r.memory);
      assert.ok(stub.tables[0].limits.min >= r.table.limits.min);
      assert.equal(stub.tables[0].element, "funcref");
      for (const tag of r.tags) {
        if (tag.origin === "imported") {
          const imp = stub.imports.find((i) => i.kind === "tag" && i.name === tag.name);
          assert.deepEqual(imp?.tag?.type, tag.type.type, tag.name);
        } else {
          assert.equal(exported.get(tag.name)?.kind, "tag", tag.name);
        }
      }
    });

    await t.step("the functions table holds each main function at its index", async () => {
      const { instance } = await WebAssembly.instantiate(bytes as BufferSource, stubImports(r));
      const ex = instance.exports as Record<string, unknown>;
      const table = ex[STUB_FUNCTIONS_EXPORT] as WebAssembly.Table;
      assert.equal(table.length, r.functions.length);
      r.functions.forEach((f, i) => assert.equal(table.get(i), ex[f.name], f.name));
    });

    await t.step("the session form drops function exports only", () => {
      const session = WebAssembly.Module.exports(
        new WebAssembly.Module(sessionStubBytes(bytes) as BufferSource),
      );
      assert.deepEqual(
        session.map((e) => `${e.kind} ${e.name}`).sort(),
        stub.exports.filter((e) => e.kind !== "func").map((e) =>
          `${e.kind === "func" ? "function" : e.kind} ${e.name}`
        ).sort(),
      );
      assert.equal(sessionStubBytes(bytes), sessionStubBytes(bytes));
    });

    await t.step("bodies record the call; __cxa_atexit returns 0; malloc is emulated", async () => {
      const session = await LinkSession.create(
        r,
        await WebAssembly.compile(sessionStubBytes(bytes) as BufferSource),
      );
      const state = session.beginCheck();
      const pick = r.functions.find((f) => f.name === "PyLong_FromLong" || f.name === "Py_IncRef")!;
      const fn = session.symbol(pick.name) as (...a: unknown[]) => unknown;
      assert.throws(() => fn(...pick.type.params.map(() => 0)), WebAssembly.RuntimeError);
      assert.deepEqual(state.calls, [pick.name]);
      const atexit = session.symbol("__cxa_atexit") as (...a: number[]) => number;
      assert.equal(atexit(0, 0, 0), 0);
      const malloc = session.symbol("malloc") as (n: number) => number;
      const a = malloc(10);
      const b = malloc(10);
      assert.ok(a >= session.heapBase && b >= a + 10 && a % 16 === 0, `${a} ${b}`);
      assert.deepEqual(state.calls, [pick.name]);
    });
  });
}

/** What a stub imports, answered with inert values. */
function stubImports(r: Awaited<ReturnType<typeof runtime>>): WebAssembly.Imports {
  const module = new WebAssembly.Module(buildStubModule(r) as BufferSource);
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    const ns = imports[i.module] ??= {};
    ns[i.name] = (i.kind as string) === "tag"
      ? createTag([...r.tags.find((t) => t.name === i.name)!.type.type.params])
      : () => 0;
  }
  return imports as WebAssembly.Imports;
}

/** A byte store in memory that records every get and set. */
function recordingStore() {
  const store = new Map<string, Uint8Array>();
  const calls: string[] = [];
  const byteStore = {
    get: (k: string) => {
      calls.push(`get ${k}`);
      return Promise.resolve(store.get(k));
    },
    set: (k: string, b: Uint8Array) => {
      calls.push(`set ${k}`);
      store.set(k, b);
      return Promise.resolve();
    },
  };
  return { store, calls, byteStore };
}

Deno.test("stub cache: memory, then the byte store, keyed by content", async () => {
  const r = await runtime("0.29.5");
  const { store, calls, byteStore } = recordingStore();
  const key = stubCacheKey(r);
  assert.ok(key.includes(r.mainSha256));
  // A copy with another main hash is a different stub: nothing cached for it yet.
  const other = { ...r, mainSha256: "0".repeat(64) };
  const first = await obtainStub(other, { store: byteStore });
  assert.deepEqual(calls, [`get ${stubCacheKey(other)}`, `set ${stubCacheKey(other)}`]);
  const again = await obtainStub(other, { store: byteStore });
  assert.equal(again, first);
  assert.equal(calls.length, 2);
  assert.ok(WebAssembly.validate(store.get(stubCacheKey(other))! as BufferSource));
});

Deno.test("stub cache: stored bytes that no longer compile are rebuilt", async () => {
  const r = await runtime("0.27.7");
  const good = buildStubModule(r);
  const damaged = [good.subarray(0, good.length >> 1), new Uint8Array([0, 97, 115, 109])];
  for (const [n, bad] of damaged.entries()) {
    // Another main hash per case: the in-memory cache must not answer.
    const copy = { ...r, mainSha256: String(n + 2).repeat(64) };
    const sets: string[] = [];
    const store = {
      get: () => Promise.resolve(bad),
      set: (k: string) => {
        sets.push(k);
        return Promise.resolve();
      },
    };
    const stub = await obtainStub(copy, { store });
    assert.deepEqual(sets, [stubCacheKey(copy)]);
    assert.ok(WebAssembly.validate(stub.bytes as BufferSource));
  }
});

Deno.test("session stub: stored under its own key, rebuilt when damaged", async () => {
  const r = await runtime("0.27.7");
  const { store, calls, byteStore } = recordingStore();
  const copy = { ...r, mainSha256: "4".repeat(64) };
  const key = stubCacheKey(copy);
  const bytes = await obtainSessionStub(copy, { store: byteStore });
  assert.deepEqual(calls, [
    `get ${key}-session`,
    `get ${key}`,
    `set ${key}`,
    `set ${key}-session`,
  ]);
  assert.deepEqual(bytes, sessionStubBytes(store.get(key)!));
  assert.ok(bytes.length * 2 < store.get(key)!.length, "the session form drops the names");
  assert.equal(await obtainSessionStub(copy, { store: byteStore }), bytes);
  assert.equal(calls.length, 4, "answered from memory the second time");

  // Another process: the stored session form is used as is, or rebuilt when it does not compile.
  const fresh = { ...copy, mainSha256: "5".repeat(64) };
  const freshKey = stubCacheKey(fresh);
  store.set(`${freshKey}-session`, bytes);
  calls.length = 0;
  assert.equal(await obtainSessionStub(fresh, { store: byteStore }), bytes);
  assert.deepEqual(calls, [`get ${freshKey}-session`]);
  const damaged = { ...copy, mainSha256: "6".repeat(64) };
  const damagedKey = stubCacheKey(damaged);
  store.set(`${damagedKey}-session`, bytes.subarray(0, bytes.length - 7));
  calls.length = 0;
  assert.deepEqual(await obtainSessionStub(damaged, { store: byteStore }), bytes);
  assert.deepEqual(calls.at(-1), `set ${damagedKey}-session`);
});
