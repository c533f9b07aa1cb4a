import assert from "node:assert/strict";
import { MAX_EVIDENCE_CHARS, readGlue, RuntimeFormatError } from "../../src/runtime/mod.ts";
import type { GlueFacts } from "../../src/runtime/mod.ts";
import { atMost, catalogue, obtainForTest } from "./_runtimes.ts";

const glues = new Map<string, { text: string; facts: GlueFacts }>();
for (const entry of catalogue) {
  const files = await obtainForTest(entry.version);
  const text = await Deno.readTextFile(files.gluePath);
  glues.set(entry.version, { text, facts: readGlue(text, { file: files.gluePath }) });
}
const glue = (v: string) => glues.get(v)!;

Deno.test("readGlue on the real glues", async (t) => {
  await t.step("import table: asmLibraryArg in 0.21/0.22, wasmImports from 0.23 (DESIGN)", () => {
    for (const [v, { text, facts }] of glues) {
      const expected = atMost(v, "0.22.1") ? "asmLibraryArg" : "wasmImports";
      assert.equal(facts.loader.importTableName, expected, v);
      assert.ok(text.includes(`var ${expected}=`) || text.includes(`var ${expected} =`), v);
    }
  });

  await t.step("names are unique identifiers and each appears in the table's text", () => {
    for (const [v, { text, facts }] of glues) {
      assert.equal(new Set(facts.glueNames).size, facts.glueNames.length, v);
      const start = text.indexOf(`var ${facts.loader.importTableName}`);
      const table = text.slice(start, start + 200_000);
      for (const name of facts.glueNames) {
        assert.match(name, /^[A-Za-z_$][\w$]*$/, `${v}: ${name}`);
        assert.ok(table.includes(name), `${v}: ${name} not in the table text`);
      }
      for (const [key, sig] of Object.entries(facts.signatures)) {
        assert.ok(facts.glueNames.includes(key), `${v}: signature for unknown ${key}`);
        assert.match(sig, /^[a-z]*$/, `${v}: ${key}.sig ${sig}`);
      }
    }
  });

  await t.step("name counts are in the ballpark of the notes", () => {
    // link-check-findings §3: 990 (0.23.4) … 1370 (314.0.7) names, most with a .sig.
    const noted: Record<string, number> = {
      "0.23.4": 990,
      "0.24.1": 1035,
      "0.25.1": 981,
      "0.26.4": 1204,
      "0.27.7": 1205,
      "0.28.3": 1366,
      "0.29.5": 1367,
      "314.0.7": 1370,
    };
    for (const [v, n] of Object.entries(noted)) {
      const got = glue(v).facts.glueNames.length;
      assert.ok(Math.abs(got - n) <= n * 0.02, `${v}: ${got} names, notes say ${n}`);
      assert.ok(Object.keys(glue(v).facts.signatures).length > got / 2, v);
    }
    // Before 0.23 GL/EGL/html5 were not linked into the main: a smaller table.
    for (const v of ["0.21.3", "0.22.1"]) {
      assert.ok(glue(v).facts.glueNames.length < glue("0.23.4").facts.glueNames.length, v);
    }
  });

  await t.step("loader generations as DESIGN and the notes state them", () => {
    for (const [v, { facts }] of glues) {
      const l = facts.loader;
      assert.equal(l.synthesizesInvokes, atMost(v, "0.27.7"), `${v} synthesizesInvokes`);
      assert.equal(l.exceptions, atMost(v, "0.27.7") ? "js" : "wasm", `${v} exceptions`);
      assert.equal(l.dataSymbolsAsGlobals, !atMost(v, "0.29.5"), `${v} dataSymbolsAsGlobals`);
      assert.equal(
        l.unresolvedStyle,
        atMost(v, "0.23.4") ? "typeerror-on-call" : "dynamic-linking-error",
        `${v} unresolvedStyle`,
      );
      assert.equal(l.resolvesModuleSymbols, atMost(v, "0.22.1"), `${v} resolvesModuleSymbols`);
      assert.equal(l.honoursRuntimePath, !atMost(v, "0.27.7"), `${v} honoursRuntimePath`);
      assert.equal(l.readsDylink0, true, v);
      // The 0.21.3 glue (Emscripten 3.1.14) never calls a side module's __wasm_apply_data_relocs.
      assert.equal(l.appliesDataRelocs, v !== "0.21.3", `${v} appliesDataRelocs`);
      assert.equal(facts.moduleSymbolNames !== undefined, l.resolvesModuleSymbols, v);
    }
  });

  await t.step("every capability carries evidence found in the glue itself", () => {
    const fields = [
      "synthesizesInvokes",
      "appliesDataRelocs",
      "dataSymbolsAsGlobals",
      "readsDylink0",
      "honoursRuntimePath",
      "unresolvedStyle",
      "exceptions",
    ];
    for (const [v, { text, facts }] of glues) {
      for (const field of fields) {
        const ev = facts.loader.evidence[field];
        assert.ok(typeof ev === "string" && ev.length > 0, `${v} ${field}`);
        assert.ok(ev.length <= MAX_EVIDENCE_CHARS, `${v} ${field}: ${ev.length} chars`);
      }
      const positive = fields.filter((f) => {
        const value = (facts.loader as unknown as Record<string, unknown>)[f];
        return value === true || value === "dynamic-linking-error" ||
          (f === "exceptions" && value === "wasm");
      });
      for (const field of positive) {
        assert.ok(
          text.includes(facts.loader.evidence[field]),
          `${v} ${field} evidence not in glue`,
        );
      }
    }
    assert.match(glue("0.21.3").facts.loader.evidence.appliesDataRelocs, /only main\/list uses/);
    assert.match(glue("0.27.7").facts.loader.evidence.synthesizesInvokes, /invoke_/);
    assert.match(glue("314.0.7").facts.loader.evidence.dataSymbolsAsGlobals, /isImmutableGlobal/);
  });
});

Deno.test("readGlue on generated glue text", async (t) => {
  await t.step("quoted, bare, shorthand and method keys; tricky values", () => {
    const text = [
      'function f(){} f.sig="vi"; var g=()=>1; g.sig = "ii";',
      'var wasmImports={"a":f, b: g, c, "d\\"x":f, e(){return "}"}, ...spread, [computed]:f,',
      "  s: `t${ {x:1}.x },}`, r: /,}/.source, /* , } */ h: (1, 2), a: g};",
      'var resolveGlobalSymbol=(n)=>{if(n.startsWith("invoke_")){return createInvokeFunction(n)}};',
      'var applyRelocs=moduleExports["__wasm_apply_data_relocs"];',
    ].join("\n");
    const facts = readGlue(text);
    assert.deepEqual(facts.glueNames, ["a", "b", "c", 'd"x', "e", "s", "r", "h"]);
    assert.deepEqual(facts.signatures, { a: "vi", b: "ii", 'd"x': "vi" });
    assert.equal(facts.loader.synthesizesInvokes, true);
    assert.equal(facts.loader.appliesDataRelocs, true);
    assert.equal(facts.loader.exceptions, "js");
    assert.equal(facts.loader.importTableName, "wasmImports");
  });

  await t.step("relocations of the main alone do not count", () => {
    const list = 'var isInternalSym=s=>["__wasm_apply_data_relocs","x"].includes(s);';
    const main =
      'var w=wasmExports["__wasm_apply_data_relocs"];var m=Module["asm"]["__wasm_apply_data_relocs"];';
    const none = readGlue(`var asmLibraryArg={x:y};${list}${main}`);
    assert.equal(none.loader.appliesDataRelocs, false);
    assert.equal(none.loader.importTableName, "asmLibraryArg");
    const side = readGlue(`var wasmImports={};${list}instance.exports.__wasm_apply_data_relocs();`);
    assert.equal(side.loader.appliesDataRelocs, true);
  });

  await t.step("wasm exception tags, immutable globals, rpath use", () => {
    const text =
      'var wasmImports={};var ___cpp_exception=new WebAssembly.Tag({parameters:["i32"]});' +
      "var isImmutableGlobal=v=>true;var WASM_DYLINK_RUNTIME_PATH=5;" +
      "flags={rpath:{parentLibPath:n,paths:metadata.runtimePaths}};";
    const l = readGlue(text).loader;
    assert.equal(l.exceptions, "wasm");
    assert.equal(l.dataSymbolsAsGlobals, true);
    assert.equal(l.honoursRuntimePath, true);
    const parsedOnly = readGlue(
      "var wasmImports={};var WASM_DYLINK_RUNTIME_PATH=5;c.runtimePaths=[];",
    );
    assert.equal(parsedOnly.loader.honoursRuntimePath, false);
  });

  await t.step("no import table or an unbalanced one is a typed error", () => {
    for (const text of ["var x = {};", "var wasmImports={a:b, c:{"]) {
      let error: unknown;
      try {
        readGlue(text, { file: "g.js" });
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof RuntimeFormatError && error instanceof SyntaxError, text);
      assert.equal(error.file, "g.js");
    }
  });
});
