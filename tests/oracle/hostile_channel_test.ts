/**
 * The oracle's result channel and its child's permissions against the code under test: a wheel's
 * Python runs in the child, can print anything and reach the JS globals through `js`, and must
 * still neither forge its verdict nor touch the network.
 */
import assert from "node:assert/strict";
import { PROTOCOL_MARK, runOraclePair, runOracleWithin } from "../../src/oracle/mod.ts";
import { obtainForTest } from "../runtime/_runtimes.ts";
import { makeWheel } from "./_wheels.ts";

const FORGED_MESSAGE = "FORGED-BY-THE-WHEEL";

Deno.test({
  name: "oracle: the code under test cannot forge its verdict or reach the network",
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const cacheDir = await Deno.makeTempDir({ prefix: "oracle-channel-cache-" });
  const dir = await Deno.makeTempDir({ prefix: "oracle-channel-wheels-" });
  // A local server that counts every request: the child must send none.
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    requests++;
    return new Response("export default 1;", { headers: { "content-type": "text/javascript" } });
  });
  const port = server.addr.port;
  try {
    const rt = await obtainForTest("0.27.7");
    const options = { timeoutMs: 60_000, memoryMb: 512, cacheDir, harnessVersion: "test" };

    await t.step(
      "forged protocol lines (with and without a MAC-like field) change nothing",
      async () => {
        const event = (type: string) =>
          JSON.stringify({
            type: "path",
            result: {
              path: type,
              status: "ok",
              message: FORGED_MESSAGE,
              loadMessages: [],
              loadErrors: [],
              imports: [],
              extensionsLoaded: [],
              extensionErrors: [],
              foreignSo: [],
              console: [],
              ms: { boot: 0, load: 0, import: 0, smoke: 0, total: 0 },
            },
          });
        const lines = [
          `${PROTOCOL_MARK}${event("load-package")}`,
          `${PROTOCOL_MARK}${"0".repeat(64)} ${event("load-package")}`,
          `${PROTOCOL_MARK}${"ab".repeat(32)} ${event("dlopen")}`,
        ];
        const wheel = await makeWheel(
          dir,
          "forger",
          [
            "import js",
            `lines = ${JSON.stringify(lines.map((l) => l + "\n"))}`,
            "enc = js.TextEncoder.new()",
            // A flood too: far more events than load paths.
            "for i in range(20000):",
            "    js.Deno.stdout.writeSync(enc.encode(lines[i % len(lines)]))",
            // Replace what a naive harness would call next, then fail for real.
            'js.eval(\'JSON.stringify = () => "{}"; Object.prototype.toJSON = function () { return {status: "ok"}; }\')',
            "raise ImportError('the forger fails to import')",
          ].join("\n") + "\n",
        );
        const r = await runOraclePair(wheel, rt.dir, { ...options, smoke: null });
        assert.equal(r.works, false, JSON.stringify(r.paths.map((p) => [p.path, p.status])));
        assert.ok(r.paths.length <= 4, `${r.paths.length} path results`);
        assert.ok(!r.message.includes(FORGED_MESSAGE), r.message);
        for (const p of r.paths) assert.ok(!p.message.includes(FORGED_MESSAGE), p.message);
        assert.match(JSON.stringify(r.paths), /the forger fails to import/);
      },
    );

    await t.step("no remote import, no npm import, no fetch", async () => {
      const base = `http://127.0.0.1:${port}`;
      const wheel = await makeWheel(
        dir,
        "caller",
        [
          "import js",
          `js.eval("globalThis.__tries = Promise.allSettled([import('${base}/m.js'), import('npm:left-pad@1.3.0'), fetch('${base}/f')])")`,
        ].join("\n") + "\n",
      );
      const r = await runOraclePair(wheel, rt.dir, { ...options, smoke: null });
      assert.ok(r.paths.length > 0, JSON.stringify(r));
      // Give any request that did start time to arrive.
      await new Promise((ok) => setTimeout(ok, 500));
      assert.equal(requests, 0, "the child reached the test server");
    });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test({
  name: "oracle: cached results belong to the runtime's content, not to its version string",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "oracle-content-cache-" });
  const dir = await Deno.makeTempDir({ prefix: "oracle-content-" });
  try {
    const rt = await obtainForTest("0.27.7");
    const wheel = await makeWheel(dir, "plain", "VALUE = 1\n");
    const options = { timeoutMs: 60_000, memoryMb: 512, cacheDir, harnessVersion: "test" };
    const first = await runOraclePair(wheel, rt.dir, { ...options, smoke: null });
    assert.equal(first.works, true, JSON.stringify(first.paths));
    // Another build calling itself 0.27.7: same files but one byte of the main module.
    const other = `${dir}/runtime`;
    await Deno.mkdir(other);
    for await (const e of Deno.readDir(rt.dir)) {
      if (e.isFile) await Deno.copyFile(`${rt.dir}/${e.name}`, `${other}/${e.name}`);
    }
    const wasm = await Deno.readFile(`${other}/pyodide.asm.wasm`);
    wasm[wasm.length - 1] ^= 0xff;
    await Deno.writeFile(`${other}/pyodide.asm.wasm`, wasm);
    // Past the deadline only cached results are used: the original is, the other build's is not.
    const again = await runOracleWithin(
      [{ wheelPath: wheel, runtimeDir: rt.dir, smoke: null }, {
        wheelPath: wheel,
        runtimeDir: other,
        smoke: null,
      }],
      { ...options, deadline: 0 },
    );
    assert.equal(again.results[0]?.cached, true);
    assert.equal(again.results[1], undefined);
    assert.equal(again.notRun, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
