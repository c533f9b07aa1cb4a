/**
 * The runner keeps facts of every input but reads each archive's side modules again just before
 * its checks. An archive that changed in between is not judged on other bytes: its pairs are
 * engine failures with the reason, the run lists it as an error, and nothing is cached for it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  executeLinksInProcess,
  type LinkExecutor,
  runConform,
} from "../../src/runner/run_conform.ts";
import { freshCache, MIRROR, runtimeCatalogue, shippedPolicies } from "./_run.ts";

const WHEEL = "pyodide-0.27.7/orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl";

Deno.test("an archive that changes between reading and linking is never judged on new bytes", async () => {
  const cacheDir = await freshCache();
  const dir = await Deno.makeTempDir({ dir: join(cacheDir, "..") });
  const path = join(dir, WHEEL.split("/")[1]);
  const original = await Deno.readFile(join(MIRROR, WHEEL));
  try {
    await Deno.writeFile(path, original);
    let sawModules = -1;
    // The executor gets inputs without module bytes; it changes the file before loading them.
    const changing: LinkExecutor = async (jobs, onDone, options) => {
      sawModules = jobs[0].input.modules.length;
      const changed = original.slice();
      changed[changed.length - 30] ^= 0xff;
      await Deno.writeFile(path, changed);
      await executeLinksInProcess(jobs, onDone, options);
    };
    const catalogue = await runtimeCatalogue();
    const policies = await shippedPolicies();
    const run = (executeLinks: LinkExecutor) =>
      runConform({
        paths: [path],
        catalogue,
        runtimes: ["0.27.7"],
        policies,
        oracle: "none",
        cacheDir,
        allowNetwork: false,
        executeLinks,
      });
    const first = await run(changing);
    assert.equal(sawModules, 0, "the runner holds no module bytes while it links");
    assert.equal(first.outcomes.length, 1);
    assert.equal(first.outcomes[0].outcome, "trap");
    assert.match(
      JSON.stringify(first.outcomes[0].evidence),
      /could not be read again for its checks: .*changed since it was read/,
    );
    assert.ok(
      first.errors.some((e) => e.input === path && /changed since it was read/.test(e.message)),
    );

    // Restored: the next run checks it (nothing of the failed run was cached) and it links.
    await Deno.writeFile(path, original);
    const second = await run(executeLinksInProcess);
    assert.equal(second.outcomes[0].outcome, "links");
    assert.deepEqual(second.errors, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
