/**
 * readWasmModule() and deriveAbiFeatures() on every side module of the shared corpus, extracted
 * with jszip. V8 is the independent judge of names, kinds and types.
 */
import assert from "node:assert/strict";
import { deriveAbiFeatures, formatFuncType, readWasmModule } from "../../src/wasm/mod.ts";
import type { AbiFeatures, WasmModuleFacts } from "../../src/wasm/mod.ts";
import { type CorpusModule, readCorpusModules, readManifest } from "./_corpus.ts";
import { checkTypesWithV8 } from "./_v8_oracle.ts";

const V8_KIND: Record<string, string> = {
  function: "func",
  table: "table",
  memory: "memory",
  global: "global",
  tag: "tag",
};

function where(m: CorpusModule): string {
  return `${m.archive}!${m.member}`;
}

/** Version tuple comparison: a < b → negative. */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

Deno.test("every side module of the shared corpus", async (t) => {
  const manifest = await readManifest();
  const { modules, wasmMembers } = await readCorpusModules(manifest);
  const facts = new Map<CorpusModule, WasmModuleFacts>();
  const abi = new Map<CorpusModule, AbiFeatures>();

  await t.step("the wasm members of each archive are the manifest's so_files", () => {
    for (const e of manifest) {
      if (e.kind === "lockfile") continue;
      assert.deepEqual(wasmMembers.get(e.file), [...(e.so_files ?? [])].sort(), e.file);
    }
    assert.ok(modules.length > 300, `only ${modules.length} side modules`);
  });

  await t.step("every module reads without error", () => {
    const started = performance.now();
    let bytes = 0;
    for (const m of modules) {
      facts.set(m, readWasmModule(m.bytes, { file: m.archive, member: m.member }));
      bytes += m.bytes.length;
    }
    const ms = performance.now() - started;
    console.log(
      `read ${modules.length} side modules (${(bytes / 1e6).toFixed(1)} MB) in ${ms.toFixed(1)} ms`,
    );
  });

  await t.step("facts are consistent, and V8 agrees with names, kinds and types", () => {
    let typeChecked = 0;
    for (const m of modules) {
      const f = facts.get(m)!;
      const at = where(m);
      // A side module: dylink.0 is the first section, where Emscripten's loader looks.
      assert.equal(f.dylink?.format, "dylink.0", at);
      assert.equal(f.sections[0].name, "dylink.0", at);
      assert.equal(f.size, m.bytes.length, at);
      let end = 8;
      for (const s of f.sections) {
        assert.ok(s.offset > end && s.offset + s.size <= f.size, `${at}: section ${s.id}`);
        end = s.offset + s.size;
      }
      assert.equal(end, f.size, at);
      assert.equal(f.codeCount, f.functions.length, at);
      f.imports.forEach((imp, i) => {
        assert.equal(imp.index, i, at);
        assert.ok(imp[imp.kind === "func" ? "func" : imp.kind] !== undefined, `${at}: ${imp.name}`);
      });
      for (const ex of f.exports) {
        assert.ok(ex[ex.kind === "func" ? "func" : ex.kind] !== undefined, `${at}: ${ex.name}`);
      }
      const compiled = new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>);
      const v8Imports = WebAssembly.Module.imports(compiled);
      const v8Exports = WebAssembly.Module.exports(compiled);
      assert.equal(f.imports.length, v8Imports.length, at);
      assert.equal(f.exports.length, v8Exports.length, at);
      assert.deepEqual(
        f.imports.map((i) => [i.module, i.name, i.kind]),
        v8Imports.map((i) => [i.module, i.name, V8_KIND[i.kind]]),
        at,
      );
      assert.deepEqual(
        f.exports.map((e) => [e.name, e.kind]),
        v8Exports.map((e) => [e.name, V8_KIND[e.kind]]),
        at,
      );
      assert.deepEqual(
        f.customSections.filter((n) => n === "dylink.0"),
        WebAssembly.Module.customSections(compiled, "dylink.0").map(() => "dylink.0"),
      );
      if (checkTypesWithV8(m.bytes, f)) typeChecked++;
    }
    console.log(`V8 confirmed import/export types of ${typeChecked}/${modules.length} modules`);
  });

  await t.step("the issue's facts: orjson (0.27.7) and MarkupSafe (0.23.4)", () => {
    const find = (archive: string) => {
      const m = modules.find((x) => x.archive === archive);
      assert.ok(m, archive);
      return facts.get(m)!;
    };
    const orjson = find("pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl");
    const imp = orjson.imports.find((i) => i.module === "env" && i.name === "_PyLong_AsByteArray");
    assert.ok(imp?.func);
    assert.equal(formatFuncType(imp.func), "(i32, i32, i32, i32, i32) -> i32");
    const markupsafe = find(
      "pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl",
    );
    assert.ok(markupsafe.imports.some((i) => i.module === "env" && i.name === "_PyUnicode_Ready"));
  });

  await t.step("ABI flavours follow each distribution's Emscripten version", () => {
    const seen = new Set<string>();
    for (const m of modules) {
      const suffix = /\.cpython-(\d+)-/.exec(m.member)?.[1];
      const a = deriveAbiFeatures(facts.get(m)!, { cpythonSuffix: suffix });
      abi.set(m, a);
      seen.add(`exceptions=${a.exceptions}`).add(`setjmp=${a.setjmp}`);
      const at = `${where(m)}: ${JSON.stringify(a.evidence)}`;
      const python = manifest.find((e) => e.file === m.archive)!;
      if (suffix !== undefined) {
        // cpython-312 → 3.12, the distribution's Python.
        const mm = (python as unknown as { python_version: string }).python_version.split(".");
        assert.equal(a.pythonVersion, `${mm[0]}.${mm[1]}`, at);
      }
      const em = m.emscripten;
      if (em === undefined) continue;
      if (compare(em, [4, 0, 0]) >= 0) {
        // Emscripten 4: wasm exceptions and wasm setjmp only (Pyodide 0.28+).
        assert.ok(a.exceptions !== "js", at);
        assert.ok(a.setjmp === "none" || a.setjmp === "wasm-tag", at);
      } else {
        // Emscripten 3.1: JS exceptions; setjmp via saveSetjmp (≤ 3.1.56) or __wasm_setjmp.
        assert.ok(a.exceptions !== "wasm", at);
        assert.ok(a.setjmp !== "wasm-tag", at);
        const imports = new Set(facts.get(m)!.imports.map((i) => i.name));
        if (compare(em, [3, 1, 57]) < 0) assert.ok(a.setjmp !== "wasm-sjlj", at);
        else assert.ok(!imports.has("saveSetjmp") && !imports.has("testSetjmp"), at);
      }
    }
    // Every flavour the notes describe occurs in the corpus.
    for (
      const flavour of [
        "exceptions=js",
        "exceptions=wasm",
        "setjmp=emscripten-js",
        "setjmp=wasm-sjlj",
        "setjmp=wasm-tag",
      ]
    ) assert.ok(seen.has(flavour), flavour);
  });

  await t.step("i64 interface: every distribution passes BigInt, none is legalized", () => {
    // Pyodide linked with WASM_BIGINT from 0.21 (Emscripten 3.1.14) on: each distribution has
    // modules importing i64 unsplit, and no module shows a split i64 signature.
    const byDist = new Map<string, Record<string, number>>();
    for (const m of modules) {
      const a = abi.get(m)!;
      assert.equal(a.bigint, a.i64Interface === "bigint", where(m));
      assert.notEqual(a.i64Interface, "legalized", `${where(m)}: ${a.evidence.i64Interface}`);
      const counts = byDist.get(m.distribution) ?? { bigint: 0, legalized: 0, none: 0 };
      counts[a.i64Interface]++;
      byDist.set(m.distribution, counts);
    }
    for (const [dist, counts] of byDist) assert.ok(counts.bigint > 0, dist);
  });

  await t.step("C++ and Rust wheels: wasm tags in 0.28.0, JS exceptions in 0.27.7", () => {
    const exceptionsOf = (dist: string, wheel: string) => {
      const found = modules.filter((m) =>
        m.distribution === dist && m.archive.startsWith(`${dist}/${wheel}-`)
      );
      assert.ok(found.length > 0, `${dist} ${wheel}`);
      return [...new Set(found.map((m) => abi.get(m)!.exceptions))];
    };
    // kiwisolver and pyclipper are C++; pydantic_core is Rust (panics unwind as C++ exceptions).
    for (const wheel of ["kiwisolver", "pyclipper", "pydantic_core"]) {
      assert.deepEqual(exceptionsOf("pyodide-0.28.0", wheel), ["wasm"], wheel);
    }
    for (const wheel of ["cpp_exceptions_test2", "pydantic_core", "bcrypt"]) {
      assert.deepEqual(exceptionsOf("pyodide-0.27.7", wheel), ["js"], wheel);
    }
  });

  await t.step("0.23.4 PIL carries +atomics with a non-shared memory: atomics, not threads", () => {
    const pil = modules.filter((m) => m.archive.startsWith("pyodide-0.23.4/PIL-"));
    const atomics = pil.filter((m) => abi.get(m)!.atomics);
    assert.ok(atomics.length > 0);
    for (const m of atomics) assert.equal(abi.get(m)!.threads, false, where(m));
  });
});
