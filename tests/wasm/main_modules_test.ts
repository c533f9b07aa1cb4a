/**
 * Dev-only extra: real Pyodide main modules (`pyodide.asm.wasm`, 7.5–10 MB) from extracted npm
 * packages under CONFORM_RUNTIMES_DIR (default /tmp/rtx). Steps for absent versions are ignored.
 */
import assert from "node:assert/strict";
import { deriveAbiFeatures, readWasmModule } from "../../src/wasm/mod.ts";
import { readMainModule, RUNTIMES_DIR } from "./_corpus.ts";
import { checkTypesWithV8 } from "./_v8_oracle.ts";

// The runtimes DESIGN.md lists.
const VERSIONS = [
  "0.21.3",
  "0.22.1",
  "0.23.4",
  "0.24.1",
  "0.25.1",
  "0.26.4",
  "0.27.7",
  "0.28.3",
  "0.29.5",
  "314.0.7",
  "315.0.0-alpha.2",
];

const major = (v: string) => Number(v.split(".")[0]);
const minor = (v: string) => Number(v.split(".")[1]);

Deno.test("readWasmModule() on real Pyodide main modules", async (t) => {
  for (const version of VERSIONS) {
    const bytes = await readMainModule(version);
    if (bytes === undefined) {
      console.log(`skipped ${version}: no ${RUNTIMES_DIR}/${version}/package/pyodide.asm.wasm`);
    }
    await t.step({
      name: version,
      ignore: bytes === undefined,
      fn: () => {
        const started = performance.now();
        const facts = readWasmModule(bytes!, { file: `pyodide-${version}/pyodide.asm.wasm` });
        const ms = performance.now() - started;
        const funcExports = facts.exports.filter((e) => e.kind === "func").length;
        console.log(
          `${version}: ${(bytes!.length / 1e6).toFixed(1)} MB read in ${ms.toFixed(1)} ms, ` +
            `${facts.imports.length} imports, ${funcExports} function exports`,
        );

        const compiled = new WebAssembly.Module(bytes! as Uint8Array<ArrayBuffer>);
        assert.deepEqual(
          facts.exports.map((e) => e.name),
          WebAssembly.Module.exports(compiled).map((e) => e.name),
        );
        assert.deepEqual(
          facts.imports.map((i) => `${i.module}.${i.name}`),
          WebAssembly.Module.imports(compiled).map((i) => `${i.module}.${i.name}`),
        );
        assert.equal(checkTypesWithV8(bytes!, facts), true, "V8 agrees with every type");
        assert.equal(facts.sections[0].name, "dylink.0");
        assert.equal(facts.codeCount, facts.functions.length);

        // Measured by the feasibility prototype (link-check-findings.md §3).
        if (version === "0.27.7") assert.equal(funcExports, 8728);

        // DESIGN.md: ≤0.27 JS exceptions; 0.28/0.29 import the tags; 314 exports them and is
        // not relocatable (own memory, no env.memory import).
        const abi = deriveAbiFeatures(facts);
        const tagImports = facts.imports.filter((i) => i.kind === "tag").map((i) => i.name).sort();
        const tagExports = facts.exports.filter((e) => e.kind === "tag").map((e) => e.name).sort();
        const importsMemory = facts.imports.some((i) => i.kind === "memory");
        if (major(version) === 0 && minor(version) <= 27) {
          assert.equal(abi.exceptions, "js", abi.evidence.exceptions);
          assert.deepEqual(tagImports, []);
        } else if (major(version) === 0) {
          assert.equal(abi.exceptions, "wasm");
          assert.deepEqual(tagImports, ["__c_longjmp", "__cpp_exception"]);
          assert.ok(importsMemory);
        } else {
          assert.equal(abi.exceptions, "wasm");
          assert.deepEqual(tagExports, ["__c_longjmp", "__cpp_exception"]);
          assert.ok(!importsMemory);
          assert.equal(facts.memories.length, 1);
        }
      },
    });
  }
});
