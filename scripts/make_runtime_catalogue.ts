/**
 * Fill the npm-derived fields of `corpus/runtimes.json`: the tarball integrity (`npm view
 * pyodide@V dist.integrity`) and the facts of the package's own lock file (Python, Emscripten,
 * `abi_version`, the binary wheels' platform tag, lock and glue file names). The package is
 * obtained with that integrity through `obtainRuntime` (`npm pack` + verification + cache).
 *
 * Release dates are NOT npm publish times (old versions were republished); they are kept by hand
 * in the JSON together with their source and are preserved here. A new version gets an empty date
 * and a source that says it still has to be looked up.
 *
 * Usage:
 *   deno run --allow-run=npm --allow-read --allow-write scripts/make_runtime_catalogue.ts \
 *     [--catalogue corpus/runtimes.json] [--cache-dir .cache] [VERSION...]
 * Without versions, every catalogued version is refreshed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadRuntimeCatalogue } from "../src/runtime/load_runtime_catalogue.ts";
import { obtainRuntime, RUNTIME_PACKAGE } from "../src/runtime/obtain_runtime.ts";
import { readLockInfo } from "../src/runtime/read_lock.ts";
import type { RuntimeEntry } from "../src/runtime/types.ts";

const NOT_LOOKED_UP = "not looked up yet: take it from Pyodide's changelog " +
  "(docs/project/changelog.md, '## Version X' heading) and cite it here";

/** `npm view <pkg>@<version> dist.integrity --json`. */
async function npmIntegrity(version: string): Promise<string> {
  const out = await new Deno.Command("npm", {
    args: ["view", `${RUNTIME_PACKAGE}@${version}`, "dist.integrity", "--json"],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || text === "") {
    throw new Error(
      `npm view ${RUNTIME_PACKAGE}@${version} failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  const value = JSON.parse(text);
  if (typeof value !== "string") throw new Error(`npm view returned ${text} for ${version}`);
  return value;
}

/** Build one entry from npm and the package, keeping the hand-kept date fields of `old`. */
async function makeEntry(
  version: string,
  cacheDir: string,
  old?: RuntimeEntry,
): Promise<RuntimeEntry> {
  const integrity = await npmIntegrity(version);
  if (old && old.integrity !== integrity) {
    console.error(`warning: ${version}: pinned ${old.integrity} differs from npm's ${integrity}`);
  }
  const probe: RuntimeEntry = {
    version,
    integrity,
    python: "0.0.0",
    emscripten: "0.0.0",
    platformTag: "unknown_wasm32",
    releaseDate: "",
    releaseDateSource: "probe",
  };
  const files = await obtainRuntime(version, {
    cacheDir,
    catalogue: [probe],
    onProgress: (m) => console.error(m),
  });
  const lock = JSON.parse(await Deno.readTextFile(files.lockPath));
  const info = readLockInfo(lock, { file: files.lockPath });
  const entry: RuntimeEntry = {
    version,
    integrity,
    python: info.python,
    emscripten: info.emscripten,
    platformTag: info.platformTag,
    releaseDate: old?.releaseDate ?? "",
    releaseDateSource: old?.releaseDateSource ?? NOT_LOOKED_UP,
    lockFile: files.lockPath.slice(files.lockPath.lastIndexOf("/") + 1),
    glueFile: files.gluePath.slice(files.gluePath.lastIndexOf("/") + 1),
  };
  if (info.abiVersion !== undefined) entry.abiVersion = info.abiVersion;
  return entry;
}

function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return 1; // a release sorts after its pre-releases
    if (y === undefined) return -1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { catalogue: { type: "string" }, "cache-dir": { type: "string" } },
  });
  const repo = new URL("../", import.meta.url);
  const path = values.catalogue ?? new URL("corpus/runtimes.json", repo).pathname;
  const cacheDir = values["cache-dir"] ?? new URL(".cache", repo).pathname;
  let doc: Record<string, unknown> = {};
  let existing: RuntimeEntry[] = [];
  try {
    const text = await Deno.readTextFile(path);
    doc = JSON.parse(text);
    existing = loadRuntimeCatalogue(doc, { file: path });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const versions = positionals.length > 0 ? positionals : existing.map((e) => e.version);
  const byVersion = new Map(existing.map((e) => [e.version, e]));
  for (const version of versions) {
    byVersion.set(version, await makeEntry(version, cacheDir, byVersion.get(version)));
  }
  const runtimes = [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version));
  loadRuntimeCatalogue({ runtimes }, { file: path }); // never write what would not load
  const out = { ...doc, runtimes };
  await Deno.writeTextFile(path, JSON.stringify(out, null, 2) + "\n");
  console.error(`wrote ${runtimes.length} runtimes to ${path}`);
}
