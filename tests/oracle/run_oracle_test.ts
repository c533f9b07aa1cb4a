/**
 * The oracle against real runtimes (npm `pyodide` obtained through `obtainRuntime`). Few boots on
 * purpose: each costs seconds.
 */
import assert from "node:assert/strict";
import { runOracle, runOraclePair } from "../../src/oracle/run_oracle.ts";
import type { OracleOptions } from "../../src/oracle/run_oracle.ts";
import { MIRROR } from "../corpus/_mirror.ts";
import { obtainForTest } from "../runtime/_runtimes.ts";
import { makeWheel } from "./_wheels.ts";

const ORJSON_0277 = `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`;
const MARKUPSAFE_0234 =
  `${MIRROR}/pyodide-0.23.4/MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl`;

Deno.test({
  name: "oracle: real runtimes load, refuse and time out as documented",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const cacheDir = await Deno.makeTempDir({ prefix: "oracle-test-cache-" });
  const spawns: string[] = [];
  const base: OracleOptions = {
    timeoutMs: 120_000,
    memoryMb: 1024,
    cacheDir,
    harnessVersion: "test",
    onSpawn: (i) => spawns.push(`${i.runtime} ${i.wheel}`),
  };
  try {
    const [rt0277, rt0283] = await Promise.all([obtainForTest("0.27.7"), obtainForTest("0.28.3")]);

    await t.step("0.27.7 orjson imports in 0.27.7 and passes its smoke call", async () => {
      const r = await runOraclePair(ORJSON_0277, rt0277.dir, { ...base, paths: ["load-package"] });
      assert.equal(r.runtime, "0.27.7");
      assert.equal(r.cached, false);
      assert.equal(r.paths.length, 1);
      const p = r.paths[0];
      assert.equal(p.status, "ok", p.message);
      assert.deepEqual(p.imports.map((i) => [i.module, i.ok]), [["orjson", true]]);
      assert.ok(p.extensionsLoaded.includes("orjson.orjson"), p.extensionsLoaded.join());
      assert.equal(p.smoke?.status, "pass", JSON.stringify(p.smoke));
      assert.equal(r.works, true);
      assert.equal(r.decisivePath, "load-package");
    });

    await t.step("a second call reuses the cached result without spawning", async () => {
      const before = spawns.length;
      const r = await runOraclePair(ORJSON_0277, rt0277.dir, { ...base, paths: ["load-package"] });
      assert.equal(spawns.length, before);
      assert.equal(r.cached, true);
      assert.equal(r.works, true);
      const files = [...Deno.readDirSync(`${cacheDir}/oracle`)].map((e) => e.name);
      assert.equal(files.length, 1);
      assert.ok(files[0].startsWith(r.wheelSha256) && files[0].includes("-0.27.7-test-"));
    });

    await t.step(
      "0.28.3 skips the cp312 orjson, and its renamed copy hits the real LinkError",
      async () => {
        const r = await runOraclePair(ORJSON_0277, rt0283.dir, {
          ...base,
          paths: ["load-package", "load-package-renamed", "dlopen-renamed"],
        });
        const by = Object.fromEntries(r.paths.map((p) => [p.path, p]));
        assert.equal(r.python?.startsWith("3.13"), true);
        assert.equal(by["load-package"].status, "skipped", by["load-package"].message);
        assert.deepEqual(by["load-package"].foreignSo, [
          "orjson/orjson.cpython-312-wasm32-emscripten.so",
        ]);
        // errorCallback path: loadPackage returned normally, the LinkError arrived in errorCallback.
        const lp = by["load-package-renamed"];
        assert.equal(lp.status, "link-error", lp.message);
        assert.equal(lp.symbol, "_PyLong_AsByteArray");
        assert.equal(lp.loadRejected, undefined);
        assert.ok(
          lp.loadErrors.join("\n").includes("_PyLong_AsByteArray"),
          lp.loadErrors.join("\n"),
        );
        assert.ok(lp.renamed?.some((x) => x.to.endsWith(".cpython-313-wasm32-emscripten.so")));
        // dlopen path: CPython's import raises the LinkError.
        const dl = by["dlopen-renamed"];
        assert.equal(dl.status, "link-error", dl.message);
        assert.equal(dl.symbol, "_PyLong_AsByteArray");
        assert.match(dl.message, /LinkError/);
        assert.equal(r.crossPython, true);
        assert.equal(r.decisivePath, "load-package-renamed");
        assert.equal(r.works, false);
      },
    );

    await t.step(
      "0.23.4 MarkupSafe fails in 0.27.7 with the unresolved _PyUnicode_Ready",
      async () => {
        const r = await runOraclePair(MARKUPSAFE_0234, rt0277.dir, {
          ...base,
          paths: ["load-package-renamed"],
        });
        const p = r.paths[0];
        assert.equal(p.status, "unresolved", `${p.message}\n${p.console.join("\n")}`);
        assert.equal(p.symbol, "_PyUnicode_Ready");
        assert.equal(r.works, false);
      },
    );

    await t.step("a hanging wheel ends as a time-out and the next pair still runs", async () => {
      const dir = await Deno.makeTempDir({ prefix: "oracle-test-wheels-" });
      try {
        const hang = await makeWheel(dir, "hang_probe", "while True:\n    pass\n");
        const fine = await makeWheel(dir, "fine_probe", "VALUE = 6 * 7\n");
        const results = await runOracle([
          {
            wheelPath: hang,
            runtimeDir: rt0277.dir,
            paths: ["dlopen"],
            smoke: null,
            timeoutMs: 30_000,
          },
          {
            wheelPath: fine,
            runtimeDir: rt0277.dir,
            paths: ["dlopen"],
            smoke: { imports: ["fine_probe"], value: "fine_probe.VALUE", expect: "42" },
          },
        ], { ...base, concurrency: 1 });
        assert.equal(results[0].status, "timeout", JSON.stringify(results[0].paths));
        assert.equal(results[0].works, null);
        assert.ok(results[0].runnerErrors.some((e) => e.includes("killed")));
        assert.equal(results[1].status, "ok", results[1].message);
        assert.equal(results[1].smoke?.status, "pass");
        assert.equal(results[1].smoke?.value, "42");
        // Time-outs are never cached: a later run retries them.
        const cachedNames = [...Deno.readDirSync(`${cacheDir}/oracle`)].map((e) => e.name);
        assert.ok(!cachedNames.some((n) => n.startsWith(results[0].wheelSha256)));
        assert.ok(cachedNames.some((n) => n.startsWith(results[1].wheelSha256)));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
