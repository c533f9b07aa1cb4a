/**
 * Hostile side modules in the real runtime: each pair runs in its own child process with a time
 * limit and a wasm memory cap (`--wasm-max-mem-pages`), ends as an outcome, and the run goes on.
 */
import assert from "node:assert/strict";
import JSZip from "jszip";
import { runOracle } from "../../src/oracle/run_oracle.ts";
import type { OracleOptions } from "../../src/oracle/run_oracle.ts";
import { OP } from "../../src/wasm/build_module.ts";
import { HOSTILE } from "../link/_fixtures.ts";
import { obtainForTest } from "../runtime/_runtimes.ts";

/** A wheel whose package imports one extension module with the given bytes. */
async function hostileWheel(dir: string, name: string, so: Uint8Array): Promise<string> {
  const zip = new JSZip();
  const dist = `${name}-0.0.1.dist-info`;
  const ext = `${name}/_core.cpython-312-wasm32-emscripten.so`;
  zip.file(`${name}/__init__.py`, "from . import _core\n");
  zip.file(ext, so);
  zip.file(`${dist}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: 0.0.1\n`);
  zip.file(
    `${dist}/WHEEL`,
    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n" +
      "Tag: cp312-cp312-pyodide_2024_0_wasm32\n",
  );
  zip.file(`${dist}/top_level.txt`, `${name}\n`);
  zip.file(
    `${dist}/RECORD`,
    [`${name}/__init__.py`, ext, `${dist}/METADATA`, `${dist}/WHEEL`, `${dist}/top_level.txt`]
      .map((f) => `${f},,`).join("\n") + `\n${dist}/RECORD,,\n`,
  );
  const path = `${dir}/${name}-0.0.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;
  await Deno.writeFile(path, await zip.generateAsync({ type: "uint8array" }));
  return path;
}

function extensionErrors(r: { paths: { extensionErrors: { message?: string }[] }[] }): string {
  return r.paths.flatMap((p) => p.extensionErrors.map((e) => e.message ?? "")).join("\n");
}

Deno.test({
  name: "oracle: hostile side modules are contained in the real runtime",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const cacheDir = await Deno.makeTempDir({ prefix: "oracle-hostile-cache-" });
  const dir = await Deno.makeTempDir({ prefix: "oracle-hostile-wheels-" });
  const base: OracleOptions = {
    timeoutMs: 60_000,
    memoryMb: 512,
    cacheDir,
    harnessVersion: "test",
  };
  try {
    const rt = await obtainForTest("0.27.7");
    // Constructor that never returns; one asking for ~3.7 GiB more memory, then writing to
    // where it would end; a start function that traps during instantiation.
    const loop = await hostileWheel(dir, "loop_probe", HOSTILE.endlessConstructor());
    const grow = await hostileWheel(dir, "grow_probe", HOSTILE.growThenStore(57_000, 0x7000_0000));
    const start = await hostileWheel(dir, "start_probe", HOSTILE.startFunction([OP.unreachable]));
    const results = await runOracle(
      [loop, grow, start].map((wheelPath, i) => ({
        wheelPath,
        runtimeDir: rt.dir,
        paths: ["dlopen" as const],
        smoke: null,
        ...(i === 0 ? { timeoutMs: 20_000 } : {}),
      })),
      { ...base, concurrency: 2 },
    );
    const [rLoop, rGrow, rStart] = results;

    await t.step("an endless constructor is killed at the time limit: inconclusive", () => {
      assert.equal(rLoop.status, "timeout", JSON.stringify(rLoop.paths));
      assert.equal(rLoop.works, null);
      assert.ok(rLoop.runnerErrors.some((e) => e.includes("killed")), rLoop.runnerErrors.join());
    });

    await t.step("a memory request past the cap fails, and the write after it traps", () => {
      assert.equal(rGrow.works, false, JSON.stringify(rGrow.paths));
      assert.match(extensionErrors(rGrow), /RuntimeError: memory access out of bounds/);
    });

    await t.step("a trapping start function fails the import, and the run went on", () => {
      assert.equal(rStart.works, false, JSON.stringify(rStart.paths));
      assert.match(extensionErrors(rStart), /RuntimeError: unreachable/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
