/**
 * The stub main module reproduces the real main's interface (read back with the wasm reader),
 * records calls, and is cached by content hash.
 */
import assert from "node:assert/strict";
import { buildStubModule, obtainStub, stubCacheKey } from "../../src/link/mod.ts";
import { LinkSession } from "../../src/link/_session.ts";
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

    await t.step("bodies record the call; __cxa_atexit returns 0; malloc is emulated", async () => {
      const session = await LinkSession.create(r, await WebAssembly.compile(bytes as BufferSource));
      const state = session.beginCheck();
      const pick = r.functions.find((f) => f.name === "PyLong_FromLong" || f.name === "Py_IncRef")!;
      const fn = session.symbols.get(pick.name) as (...a: unknown[]) => unknown;
      assert.throws(() => fn(...pick.type.params.map(() => 0)), WebAssembly.RuntimeError);
      assert.deepEqual(state.calls, [pick.name]);
      const atexit = session.symbols.get("__cxa_atexit") as (...a: number[]) => number;
      assert.equal(atexit(0, 0, 0), 0);
      const malloc = session.symbols.get("malloc") as (n: number) => number;
      const a = malloc(10);
      const b = malloc(10);
      assert.ok(a >= session.heapBase && b >= a + 10 && a % 16 === 0, `${a} ${b}`);
      assert.deepEqual(state.calls, [pick.name]);
    });
  });
}

Deno.test("stub cache: memory, then the byte store, keyed by content", async () => {
  const r = await runtime("0.29.5");
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
