/**
 * `deno task bench`: figures and ratios measured in one run on this machine. Shared machines are
 * noisy, so every target is a ratio between two things measured side by side, never a
 * threshold in a test.
 *
 *   1. facts for the whole corpus vs `unzip -p` + `wasm-objdump -x` on the same modules
 *   2. inflaters (node:zlib, DecompressionStream, jszip) on the corpus members
 *   3. link matrix: module × runtime pairs per second (warm), peak RSS, one wheel cold
 *   4. oracle seconds per pair next to the link engine's, as a ratio
 *
 * Options: --skip-oracle, --skip-tools, --runtime V (repeatable; default all).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { collectInputs } from "../src/corpus/mod.ts";
import { readLinkInput } from "../src/link/mod.ts";
import type { CheckLinkInput } from "../src/link/mod.ts";
import { runOraclePair } from "../src/oracle/run_oracle.ts";
import { createLinkPoolExecutor } from "../src/runner/link_pool_executor.ts";
import { loadRuntimeCatalogue, obtainRuntime, obtainRuntimeFacts } from "../src/runtime/mod.ts";
import type { RuntimeFacts } from "../src/runtime/types.ts";
import { HARNESS_VERSION } from "../src/runner/version.ts";
import { benchmarkInflaters, readWheel, readZipDirectory } from "../src/wheel/mod.ts";

const repo = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    "skip-oracle": { type: "boolean" },
    "skip-tools": { type: "boolean" },
    runtime: { type: "string", multiple: true },
  },
});

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}, 20);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

async function has(cmd: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`] }).output();
    return r.success;
  } catch {
    return false;
  }
}

const cacheDir = Deno.env.get("CONFORM_CACHE") ?? join(repo, ".cache");
const inputs = await collectInputs([join(repo, "corpus")], { cacheDir, allowNetwork: false });
const files: { file: string; bytes: Uint8Array }[] = [];
for (const input of inputs) files.push({ file: input.file, bytes: await input.read() });
const totalBytes = files.reduce((n, f) => n + f.bytes.length, 0);
console.log(
  `pyodide-abi-conform ${HARNESS_VERSION} bench: ${files.length} archives, ${mib(totalBytes)}`,
);

// 1. Facts.
let t = performance.now();
let modules = 0;
for (const f of files) modules += (await readWheel(f.bytes, { file: f.file })).sideModules.length;
const factsMs = performance.now() - t;
line(
  "facts, whole corpus (readWheel incl. wasm)",
  `${factsMs.toFixed(0)} ms, ${modules} side modules`,
);

if (!values["skip-tools"] && await has("unzip") && await has("wasm-objdump")) {
  await Deno.mkdir(join(cacheDir, "tmp"), { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: join(cacheDir, "tmp"), prefix: "bench-" });
  const mirror = Deno.env.get("CONFORM_MIRROR") ?? join(repo, "..", "shared", "corpus");
  t = performance.now();
  let n = 0;
  for (const input of inputs) {
    const archive = join(mirror, input.file);
    const directory = readZipDirectory(files[n++].bytes, { file: input.file });
    for (const { name } of directory.entries) {
      if (!/\.so(\.\d+)*$/.test(name)) continue;
      const out = join(tmp, "m.so");
      const unzip = await new Deno.Command("unzip", {
        args: ["-p", archive, name],
        stdout: "piped",
      })
        .output();
      await Deno.writeFile(out, unzip.stdout);
      await new Deno.Command("wasm-objdump", { args: ["-x", out], stdout: "null", stderr: "null" })
        .output();
    }
  }
  const toolsMs = performance.now() - t;
  await Deno.remove(tmp, { recursive: true });
  line("unzip -p + wasm-objdump -x, same modules", `${toolsMs.toFixed(0)} ms`);
  line("ratio tools / harness (higher is better)", `${(toolsMs / factsMs).toFixed(1)}×`);
} else {
  line("unzip + wasm-objdump", "not installed (apt-get install unzip wabt): ratio skipped");
}

// 2. Inflaters.
const inflaters = await benchmarkInflaters(files.map((f) => ({ name: f.file, bytes: f.bytes })));
for (const [name, ms] of Object.entries(inflaters)) {
  // benchmarkInflaters also reports what it measured (member and byte counts).
  if (name === "members" || name === "bytes") line(`inflate corpus: ${name}`, `${ms}`);
  else line(`inflate corpus members: ${name}`, `${ms.toFixed(0)} ms`);
}

// 3. Link matrix.
const catalogue = loadRuntimeCatalogue(
  await Deno.readTextFile(join(repo, "corpus", "runtimes.json")),
);
const versions = values.runtime?.length ? values.runtime : catalogue.map((e) => e.version);
const runtimes: RuntimeFacts[] = [];
for (const v of versions) runtimes.push(await obtainRuntimeFacts(v, { cacheDir, catalogue }));
const linkInputs: CheckLinkInput[] = [];
for (const f of files) {
  try {
    linkInputs.push(await readLinkInput(f.bytes, { file: f.file }));
  } catch {
    // unreadable archives are not part of the matrix
  }
}
const jobs = linkInputs.flatMap((input) => runtimes.map((runtime) => ({ input, runtime })));
const modulePairs = jobs.reduce((n, j) => n + j.input.modules.length, 0);
const executor = createLinkPoolExecutor({ workers: navigator.hardwareConcurrency ?? 2 });
const outcomeCounts: Record<string, number> = {};
t = performance.now();
await executor.execute(jobs, (_i, o) => {
  outcomeCounts[o.outcome] = (outcomeCounts[o.outcome] ?? 0) + 1;
});
const coldMatrixMs = performance.now() - t;
t = performance.now();
await executor.execute(jobs, () => {});
const warmMatrixMs = performance.now() - t;
await executor.close();
line(
  `link matrix cold (${jobs.length} wheel×runtime, ${modulePairs} module×runtime)`,
  `${(coldMatrixMs / 1000).toFixed(1)} s`,
);
line("link matrix warm", `${(warmMatrixMs / 1000).toFixed(1)} s`);
line(
  "module × runtime pairs per second (warm)",
  `${(modulePairs / (warmMatrixMs / 1000)).toFixed(0)}`,
);
line("outcomes", JSON.stringify(outcomeCounts));
line("peak RSS of this process so far", mib(peakRss));

const orjson = inputs.find((i) =>
  i.file.endsWith("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl")
);
let linkPairMs = warmMatrixMs / Math.max(1, jobs.length);
if (orjson) {
  const mirror = Deno.env.get("CONFORM_MIRROR") ?? join(repo, "..", "shared", "corpus");
  const wheelPath = join(mirror, orjson.file);
  t = performance.now();
  // `--allow-run=deno` grants the name, which may resolve through a symlink (npx) to a path
  // other than Deno.execPath(): use whichever the permission covers.
  const self = Deno.execPath();
  const deno = Deno.permissions.querySync({ name: "run", command: self }).state === "granted"
    ? self
    : "deno";
  const cold = await new Deno.Command(deno, {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "--allow-net",
      join(repo, "src", "cli", "main.ts"),
      "link",
      wheelPath,
      "--runtime",
      "0.27.7",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  const coldMs = performance.now() - t;
  line(
    "one wheel vs one runtime, cold process (orjson @ 0.27.7)",
    `${coldMs.toFixed(0)} ms (exit ${cold.code})`,
  );
  linkPairMs = Math.min(linkPairMs, coldMs);

  if (!values["skip-oracle"]) {
    const files027 = await obtainRuntime("0.27.7", { cacheDir, catalogue });
    const r = await runOraclePair(wheelPath, files027.dir, {
      timeoutMs: 120_000,
      memoryMb: 1024,
      cacheDir,
      harnessVersion: HARNESS_VERSION,
      noCache: true,
    });
    const oracleMs = r.ms;
    line(
      "oracle, one pair in the real runtime (all load paths)",
      `${(oracleMs / 1000).toFixed(1)} s (${r.status})`,
    );
    line(
      "link engine, warm, per wheel×runtime pair",
      `${(warmMatrixMs / Math.max(1, jobs.length)).toFixed(2)} ms`,
    );
    line(
      "ratio oracle / link engine per pair (warm)",
      `${(oracleMs / (warmMatrixMs / Math.max(1, jobs.length))).toFixed(0)}×`,
    );
  }
}
clearInterval(sampler);
line("peak RSS of this process", mib(peakRss));
