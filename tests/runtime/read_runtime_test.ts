import assert from "node:assert/strict";
import { readWasmModule } from "../../src/wasm/mod.ts";
import {
  FACTS_VERSION,
  obtainRuntime,
  obtainRuntimeFacts,
  readRuntime,
  readRuntimeDir,
  type RuntimeFacts,
  runtimeFactsPath,
  runtimeStatIndexPath,
} from "../../src/runtime/mod.ts";
import { atMost, catalogue, readRuntimeInputs, TEST_CACHE } from "./_runtimes.ts";

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const facts = new Map<string, RuntimeFacts>();
const mainSha = new Map<string, string>();
for (const entry of catalogue) {
  const { wasm, glue, lock } = await readRuntimeInputs(entry.version);
  facts.set(entry.version, readRuntime({ version: entry.version, entry, wasm, glue, lock }));
  mainSha.set(entry.version, await sha256(wasm));
}
const f = (v: string) => facts.get(v)!;

Deno.test("readRuntime on the real runtimes", async (t) => {
  await t.step("facts are plain JSON data and hash the main module", () => {
    for (const [v, x] of facts) {
      assert.deepEqual(JSON.parse(JSON.stringify(x)), x, v);
      assert.equal(x.mainSha256, mainSha.get(v), v);
      assert.equal(x.factsVersion, FACTS_VERSION);
      const entry = catalogue.find((e) => e.version === v)!;
      assert.equal(x.python, entry.python, v);
      assert.equal(x.platformTag, entry.platformTag, v);
    }
  });

  await t.step("relocatable up to 0.29, a fixed main from 314 (DESIGN)", () => {
    for (const [v, x] of facts) {
      const fixed = !atMost(v, "0.29.5");
      assert.equal(x.relocatable, !fixed, v);
      if (fixed) assert.equal(x.mainMemorySize, 0, v);
      else assert.ok(x.mainMemorySize > 0, v);
    }
  });

  await t.step("tags: none in the JS-EH era, imported by 0.28/0.29, exported from 314", () => {
    for (const [v, x] of facts) {
      const names = x.tags.map((t) => t.name).sort();
      if (atMost(v, "0.27.7")) {
        assert.deepEqual(names, [], v);
        continue;
      }
      assert.deepEqual(names, ["__c_longjmp", "__cpp_exception"], v);
      const origin = atMost(v, "0.29.5") ? "imported" : "exported";
      for (const tag of x.tags) {
        assert.equal(tag.origin, origin, `${v} ${tag.name}`);
        assert.deepEqual(tag.type.type, { params: ["i32"], results: [] }, `${v} ${tag.name}`);
      }
    }
    assert.ok(f("0.28.3").tags.every((t) => t.origin === "imported"));
    assert.ok(f("314.0.7").tags.every((t) => t.origin === "exported"));
  });

  await t.step("exceptions: JS mains import invoke_*, wasm-EH mains do not", () => {
    for (const [v, x] of facts) {
      const invokes = (x.mainFunctionImports ?? []).filter((i) => i.name.startsWith("invoke_"));
      if (atMost(v, "0.27.7")) {
        assert.ok(invokes.length > 0, v);
        assert.equal(x.loader.exceptions, "js", v);
      } else {
        assert.equal(invokes.length, 0, v);
        assert.equal(x.loader.exceptions, "wasm", v);
      }
      assert.match(x.loader.evidence.exceptions, /^main /, v);
    }
  });

  await t.step("0.28.3 and 0.29.5 export identical function tables (notes)", () => {
    const key = (x: RuntimeFacts) =>
      x.functions.map((fn) => `${fn.name}:${fn.type.params.join(",")}>${fn.type.results.join(",")}`)
        .sort();
    assert.deepEqual(key(f("0.28.3")), key(f("0.29.5")));
    assert.notDeepEqual(key(f("0.27.7")), key(f("0.28.3")));
  });

  await t.step("export counts, memory and table are in the ballpark of the notes", () => {
    // link-check-findings §3: fn exports, global exports, memory min/max, table min.
    const noted: Record<string, [number, number, number, number, number]> = {
      "0.23.4": [8388, 1104, 320, 32768, 6376],
      "0.24.1": [8521, 1120, 320, 32768, 6417],
      "0.25.1": [8555, 1125, 320, 32768, 6423],
      "0.26.4": [8718, 1108, 320, 32768, 6642],
      "0.27.7": [8728, 1109, 320, 65536, 6648],
      "0.28.3": [8579, 1128, 320, 65536, 6073],
      "0.29.5": [8579, 1129, 320, 65536, 6075],
      "314.0.7": [7415, 1140, 480, 65536, 8733],
    };
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) <= want * 0.02, `${what}: ${got}, notes say ${want}`);
    for (const [v, [fn, gl, min, max, table]] of Object.entries(noted)) {
      const x = f(v);
      near(x.functions.length, fn, `${v} functions`);
      near(x.globals.length, gl, `${v} globals`);
      assert.equal(x.memory.min, min, `${v} memory min`);
      assert.equal(x.memory.max, max, `${v} memory max`);
      assert.equal(x.memory.shared, false, v);
      near(x.table.limits.min, table, `${v} table min`);
      assert.equal(x.table.element, "funcref", v);
    }
    for (const v of ["0.21.3", "0.22.1", "315.0.0-alpha.2"]) {
      assert.ok(f(v).functions.length > 6000 && f(v).functions.length < 10000, v);
      assert.ok(f(v).globals.length > 900, v);
    }
  });

  await t.step(
    "unique export names; only a fixed main exports __stack_pointer; data symbols are addresses",
    () => {
      for (const [v, x] of facts) {
        const fn = new Map(x.functions.map((e) => [e.name, e.type]));
        assert.equal(fn.size, x.functions.length, `${v}: export names are unique`);
        const globalNames = new Set(x.globals.map((g) => g.name));
        assert.equal(
          globalNames.has("__stack_pointer"),
          !x.relocatable,
          `${v} __stack_pointer export`,
        );
        // Data symbols are constant i32 addresses.
        const data = x.globals.filter((g) => !g.type.mutable && g.type.type === "i32");
        assert.ok(data.length > 900, v);
        assert.ok(data.every((g) => typeof g.value === "number" && g.value >= 0), v);
      }
    },
  );

  await t.step("the memory and table agree with the wasm reader's own view", async () => {
    for (const v of ["0.27.7", "314.0.7"]) {
      const { wasm } = await readRuntimeInputs(v);
      const m = readWasmModule(wasm);
      const x = f(v);
      if (x.relocatable) {
        const mem = m.imports.find((i) => i.module === "env" && i.name === "memory");
        assert.deepEqual(x.memory, mem?.memory);
      } else {
        const mem = m.exports.find((e) => e.kind === "memory");
        assert.deepEqual(x.memory, mem?.memory);
        assert.ok(
          m.exports.some((e) => e.name === "__indirect_function_table" && e.kind === "table"),
        );
      }
    }
  });
});

Deno.test("obtainRuntimeFacts caches facts by main sha256", async (t) => {
  const entry = catalogue.find((e) => e.version === "0.28.3")!;
  const messages: string[] = [];
  const onProgress = (m: string) => messages.push(m);
  const path = runtimeFactsPath(TEST_CACHE, mainSha.get(entry.version)!, entry.version);
  await Deno.remove(path).catch(() => {});

  await t.step("first call reads and writes the cache, second reuses it", async () => {
    const first = await obtainRuntimeFacts(entry.version, {
      cacheDir: TEST_CACHE,
      catalogue,
      onProgress,
    });
    assert.ok(messages.some((m) => m.includes("facts read and cached")));
    assert.deepEqual(first, f(entry.version));
    assert.ok((await Deno.stat(path)).isFile);
    messages.length = 0;
    const second = await obtainRuntimeFacts(entry.version, {
      cacheDir: TEST_CACHE,
      catalogue,
      onProgress,
    });
    assert.ok(messages.some((m) => m.includes("facts from cache (stat index)")), messages.join());
    assert.deepEqual(second, first);
  });

  await t.step("the stat index is bypassed when the facts file fails its hash", async () => {
    const text = await Deno.readTextFile(path);
    // Same JSON, other bytes: the recorded sha256 no longer matches.
    await Deno.writeTextFile(path, `${text} `);
    messages.length = 0;
    const again = await obtainRuntimeFacts(entry.version, {
      cacheDir: TEST_CACHE,
      catalogue,
      onProgress,
    });
    assert.ok(messages.includes(`pyodide@${entry.version}: facts from cache`), messages.join());
    assert.ok(!messages.some((m) => m.includes("stat index")), messages.join());
    assert.deepEqual(again, f(entry.version));
    // The full path rewrote the index: the next start is quick again.
    messages.length = 0;
    await obtainRuntimeFacts(entry.version, { cacheDir: TEST_CACHE, catalogue, onProgress });
    assert.ok(messages.some((m) => m.includes("stat index")), messages.join());
    const files = await obtainRuntime(entry.version, { cacheDir: TEST_CACHE, catalogue });
    const index = JSON.parse(
      await Deno.readTextFile(runtimeStatIndexPath(TEST_CACHE, "0.28.3", files.wasmPath)),
    );
    assert.equal(index.mainSha256, mainSha.get(entry.version));
  });

  await t.step("a copy of the runtime elsewhere keeps its own stat index", async () => {
    const files = await obtainRuntime(entry.version, { cacheDir: TEST_CACHE, catalogue });
    const copy = await Deno.makeTempDir({ dir: TEST_CACHE, prefix: "runtime-copy-" });
    try {
      for (const p of [files.wasmPath, files.gluePath, files.lockPath]) {
        await Deno.copyFile(p, `${copy}/${p.split("/").pop()}`);
      }
      // A directory states its own version (the lock's), which may differ from the npm one.
      const copyVersion = (await readRuntimeDir(copy, { catalogue })).version;
      const fromCopy = () =>
        obtainRuntimeFacts(copyVersion, {
          cacheDir: TEST_CACHE,
          catalogue,
          onProgress,
          runtimeDir: copy,
        });
      const fromNpm = () =>
        obtainRuntimeFacts(entry.version, { cacheDir: TEST_CACHE, catalogue, onProgress });
      await fromCopy();
      await fromNpm();
      // Each location now has its index: neither start rewrites the other's.
      for (const start of [fromCopy, fromNpm, fromCopy]) {
        messages.length = 0;
        assert.equal((await start()).mainSha256, mainSha.get(entry.version));
        assert.ok(messages.some((m) => m.includes("stat index")), messages.join());
      }
      assert.notEqual(
        runtimeStatIndexPath(TEST_CACHE, copyVersion, `${copy}/pyodide.asm.wasm`),
        runtimeStatIndexPath(TEST_CACHE, entry.version, files.wasmPath),
      );
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  });

  await t.step("a cached file from another facts version or glue is not trusted", async () => {
    const cached = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(
      path,
      JSON.stringify({ ...cached, glueSha256: "0".repeat(64), functionList: [] }),
    );
    messages.length = 0;
    const again = await obtainRuntimeFacts(entry.version, {
      cacheDir: TEST_CACHE,
      catalogue,
      onProgress,
    });
    assert.ok(messages.some((m) => m.includes("facts read and cached")));
    assert.equal(again.functions.length, f(entry.version).functions.length);
    const leftovers = [...Deno.readDirSync(path.slice(0, path.lastIndexOf("/")))]
      .filter((e) => e.name.startsWith(".tmp-"));
    assert.deepEqual(leftovers, []);
  });
});
