/**
 * `conform relabel`: the two-tier flow's second step writes a relabelled wheel only after the
 * link check passes on every runtime the new tag would install it on.
 */
import assert from "node:assert/strict";
import JSZip from "jszip";
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";
import { runConform as runTask } from "./_run_conform.ts";

await Deno.mkdir(`${REPO_ROOT}/.cache/tmp`, { recursive: true });
const CACHE = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "relabel-" });
const runConform = (args: string[]) => runTask(args, { CONFORM_CACHE: CACHE });

async function recordHash(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return "sha256=" +
    btoa(String.fromCharCode(...d)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

Deno.test("relabel: refused where a runtime breaks; written with a new tag and a valid RECORD", async (t) => {
  const out = `${REPO_ROOT}/reports/test-artifacts/relabel-${crypto.randomUUID()}`;
  try {
    await t.step(
      "0.21.3 cryptography-37 to pyodide-plain: refused, naming 0.22.1 (env.time)",
      async () => {
        const run = await runConform([
          "relabel",
          `${MIRROR}/pyodide-0.21.3/cryptography-37.0.3-cp310-cp310-emscripten_3_1_14_wasm32.whl`,
          "--policy",
          "pyodide-plain",
          "--out",
          out,
        ]);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /refused/);
        assert.match(run.stderr, /^\s+0\.22\.1: .*env\.time/m);
        await assert.rejects(Deno.stat(out), "nothing written");
      },
    );

    await t.step("0.27.7 orjson to emscripten-version: …emscripten_3_1_58_wasm32.whl", async () => {
      const run = await runConform([
        "relabel",
        `${MIRROR}/pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`,
        "--policy",
        "emscripten-version",
        "--out",
        out,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const file = `${out}/orjson-3.10.1-cp312-cp312-emscripten_3_1_58_wasm32.whl`;
      const zip = await JSZip.loadAsync(await Deno.readFile(file));
      const wheelText = await zip.file("orjson-3.10.1.dist-info/WHEEL")!.async("string");
      assert.match(wheelText, /^Tag: cp312-cp312-emscripten_3_1_58_wasm32$/m);
      assert.doesNotMatch(wheelText, /pyodide_2024_0/);
      // Every RECORD row's hash and size match its member.
      const rows = (await zip.file("orjson-3.10.1.dist-info/RECORD")!.async("string"))
        .split("\n").filter(Boolean).map((r) => r.split(","));
      assert.ok(rows.length > 3);
      for (const [path, hash, size] of rows) {
        if (!hash) continue;
        const bytes = await zip.file(path)!.async("uint8array");
        assert.equal(await recordHash(bytes), hash, path);
        assert.equal(String(bytes.length), size, path);
      }
      const inspect = await runConform(["inspect", "--json", file]);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.match(inspect.stdout, /emscripten_3_1_58_wasm32/);
      assert.doesNotMatch(inspect.stdout, /record-(missing|mismatch)/);
    });
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await Deno.remove(CACHE, { recursive: true });
  }
});
