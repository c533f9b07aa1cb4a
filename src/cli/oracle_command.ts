/**
 * `conform oracle PATH... --runtime VERSION|built-for|all [--json]`: load wheels into the real
 * Pyodide runtime (npm `pyodide` under Deno), one child process per pair, and print what happened
 * on each load path (see `src/oracle/`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import { collectInputs, type InputFile } from "../corpus/collect_inputs.ts";
import { createLibraryRun, librariesFor, type RunArchive } from "../corpus/libraries_for.ts";
import { lockDependencies } from "../corpus/lock_dependencies.ts";
import { readLinkInput } from "../link/read_link_input.ts";
import { loadCatalogue } from "../corpus/load_catalogue.ts";
import { defaultCataloguePath } from "../corpus/defaults.ts";
import type { CatalogueEntry } from "../corpus/types.ts";
import { resolveCatalogueFile } from "../corpus/resolve_catalogue_file.ts";
import { obtainRuntime, readRuntimeDir } from "../runtime/obtain_runtime.ts";
import { sha256Hex } from "../wheel/sha256_hex.ts";
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_MS,
  ORACLE_HARNESS_VERSION,
  type OraclePairInput,
  runOracle,
} from "../oracle/run_oracle.ts";
import type { LoadPath, OracleResult } from "../oracle/types.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  createProgress,
  describeError,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { EXIT_OK, EXIT_RUNTIME_UNAVAILABLE, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";

const LOAD_PATHS: LoadPath[] = ["load-package", "dlopen", "load-package-renamed", "dlopen-renamed"];

const USAGE = `Usage: deno task conform oracle PATH... [--runtime VERSION|built-for|all] [OPTIONS]

Load each wheel (or .zip package) into the real Pyodide runtime under Deno, one child process per
wheel × runtime, and report what happened on each load path:
  load-package   pyodide.loadPackage(path), errors from errorCallback captured
  dlopen         unpacked into site-packages, imported by CPython (dlopen)
  *-renamed      the same with .so files renamed to the runtime's cpython suffix (only when the
                 wheel's .so names carry another one: the loader would silently skip them)
Statuses: ok, link-error, unresolved, got-undefined, fatal, python-exception, skipped, timeout,
other. The package-loader path decides works/breaks (see src/oracle/agreement.ts).
Libraries are the ones the link check loads: each NEEDED .so from the archive itself, the lock's
dependencies, the same corpus folder, the other inputs, or a .zip/.whl beside the wheel on disk;
Python packages the lock names (wheels) are taken from the same corpus folder.

Options:
  --runtime R       VERSION (repeatable or comma-separated), built-for (default: the runtime each
                    catalogued wheel was built for), or all (every catalogue runtime)
  --runtime-dir DIR use a local Pyodide distribution (or extracted npm package) directory
  --paths P,...     load paths to run (default: all that apply)
  --timeout SEC     time limit per load path, boot included (default ${DEFAULT_TIMEOUT_MS / 1000})
  --memory MB       V8 heap cap per child (default ${DEFAULT_MEMORY_MB})
  --concurrency N   children at once (default 2)
  --no-smoke        skip the smoke calls of corpus/smoke_checks.json
  --no-cache        neither read nor write the oracle cache
  --json            print the results as JSON
${CORPUS_OPTIONS_HELP}
  -h, --help        show this help

Exit codes: 0 every pair ran (whatever it showed), 2 usage, 4 an input could not be read,
5 a runtime could not be obtained.`;

/** One wheel ready for the oracle: a file on disk plus its catalogue entry when known. */
interface Staged {
  input: InputFile;
  path: string;
  entry?: CatalogueEntry;
  deps: string[];
  missingDeps: string[];
}

/** A catalogue file as a file with its real name (the runner and loadPackage need the name). */
async function stageCatalogueFile(
  entry: CatalogueEntry,
  options: { mirror?: string; cacheDir: string; allowNetwork: boolean },
): Promise<string> {
  const resolved = await resolveCatalogueFile(entry, options);
  if (resolved.origin !== "network" && basename(resolved.location) === basename(entry.path)) {
    return resolved.location;
  }
  const dir = join(options.cacheDir, "oracle", "files", entry.sha256);
  const path = join(dir, basename(entry.path));
  await writeFileAtomically(path, resolved.bytes);
  return path;
}

function formatResult(r: OracleResult): string {
  const verdict = r.works === null ? "inconclusive" : r.works ? "works" : "breaks";
  const lines = [
    `${r.runtime}  ${r.wheel}  ${verdict}  (${r.reason})${r.cached ? "  [cached]" : ""}`,
  ];
  for (const p of r.paths) {
    const smoke = p.smoke ? `  smoke ${p.smoke.status}: ${p.smoke.value}` : "";
    const symbol = p.symbol ? ` ${p.symbol}` : "";
    lines.push(
      `  ${p.path.padEnd(21)} ${p.status}${symbol}${smoke}  ${(p.ms.total / 1000).toFixed(1)} s`,
    );
    if (p.message) lines.push(`    ${p.message.split("\n").slice(0, 3).join("\n    ")}`);
  }
  if (r.pathsDisagree) lines.push("  note: the load-package and dlopen paths disagree");
  for (const e of r.runnerErrors) lines.push(`  runner: ${e}`);
  return lines.join("\n");
}

/**
 * Run the `oracle` subcommand.
 *
 * @param args Arguments after `oracle`.
 * @returns The exit code.
 *
 * @example
 * ```ts ignore
 * import { run } from "./oracle_command.ts";
 * const code = await run(["corpus/", "--runtime", "built-for", "--json"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        runtime: { type: "string", multiple: true },
        "runtime-dir": { type: "string" },
        paths: { type: "string" },
        timeout: { type: "string" },
        memory: { type: "string" },
        concurrency: { type: "string" },
        "no-smoke": { type: "boolean" },
        "no-cache": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...CORPUS_OPTIONS,
      },
    })
  );
  if (values.help) {
    await writeStdout(USAGE + "\n");
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError("oracle needs at least one PATH");
  const number = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const timeoutMs = number("timeout", values.timeout, DEFAULT_TIMEOUT_MS / 1000, 1) * 1000;
  const memoryMb = number("memory", values.memory, DEFAULT_MEMORY_MB, 64);
  const concurrency = Math.floor(number("concurrency", values.concurrency, 2, 1));
  let paths: LoadPath[] | undefined;
  if (values.paths) {
    paths = values.paths.split(",").map((p) => p.trim()) as LoadPath[];
    const bad = paths.filter((p) => !LOAD_PATHS.includes(p));
    if (bad.length) {
      throw new UsageError(`unknown load path ${bad.join(", ")} (known: ${LOAD_PATHS.join(", ")})`);
    }
  }
  const runtimeArgs = (values.runtime ?? []).flatMap((r) => r.split(",")).map((r) => r.trim())
    .filter(Boolean);
  if (values["runtime-dir"] && runtimeArgs.length > 0) {
    throw new UsageError("--runtime and --runtime-dir exclude each other");
  }
  const corpus = corpusOptionsFrom(values);
  const resolveOptions = {
    mirror: corpus.mirror,
    cacheDir: corpus.cacheDir ?? ".cache",
    allowNetwork: corpus.allowNetwork ?? true,
  };
  const progress = createProgress();

  // Catalogues: wheels (for built-for runtimes and dependencies) and runtimes.
  const cataloguePath = defaultCataloguePath();
  const catalogue = cataloguePath
    ? loadCatalogue(await Deno.readTextFile(cataloguePath), { file: cataloguePath })
    : undefined;
  const bySha = new Map<string, CatalogueEntry>();
  for (const f of catalogue?.files ?? []) bySha.set(f.sha256, f);
  const runtimeCatalogue = await readShippedRuntimeCatalogue();

  // Inputs → files on disk with their catalogue entries and dependencies.
  const inputs = await collectInputs(positionals, { ...corpus });
  const archives: (RunArchive & { entry?: CatalogueEntry; error?: unknown })[] = [];
  for (const input of inputs) {
    try {
      const bytes = await input.read();
      const entry = input.entry ?? bySha.get(await sha256Hex(bytes));
      let link;
      try {
        link = await readLinkInput(bytes, { file: input.file });
      } catch {
        // Unreadable for the link check: the real runtime still gets it, without libraries.
      }
      archives.push({ input, ...(link ? { link } : {}), ...(entry ? { entry } : {}) });
    } catch (error) {
      archives.push({ input, error });
    }
  }
  // The libraries the link check loads with each archive (one function decides for both).
  const libraryRun = await createLibraryRun(archives, {
    ...resolveOptions,
    ...(catalogue ? { catalogue: catalogue.files } : {}),
  });
  const staged: Staged[] = [];
  const unreadable: { input: string; message: string }[] = [];
  const onDisk = async (input: InputFile) =>
    input.source === "catalogue" && input.entry
      ? await stageCatalogueFile(input.entry, resolveOptions)
      : input.file;
  for (const archive of archives) {
    const { input, entry } = archive;
    try {
      if (archive.error !== undefined) throw archive.error;
      const path = await onDisk(input);
      const depPaths: string[] = [];
      for (const lib of (await librariesFor(archive, libraryRun)).libraries) {
        depPaths.push(await onDisk(lib.input));
      }
      // Python packages the lock names (cffi, six) are no libraries, but the import needs them.
      const { deps, missing } = entry && catalogue
        ? lockDependencies(entry, catalogue.files)
        : { deps: [], missing: [] };
      for (const d of deps) {
        if (d.kind !== "shared-library") depPaths.push(await stageCatalogueFile(d, resolveOptions));
      }
      staged.push({
        input,
        path,
        ...(entry ? { entry } : {}),
        deps: [...new Set(depPaths)],
        missingDeps: missing,
      });
    } catch (error) {
      unreadable.push({ input: input.file, message: describeError(error).message });
    }
  }

  // Runtimes.
  const runtimeDirs = new Map<string, string>();
  const unavailable: { runtime: string; message: string }[] = [];
  const obtain = async (version: string): Promise<string | undefined> => {
    if (runtimeDirs.has(version)) return runtimeDirs.get(version);
    try {
      progress.update(`obtaining pyodide@${version}`);
      const files = await obtainRuntime(version, {
        cacheDir: resolveOptions.cacheDir,
        catalogue: runtimeCatalogue,
      });
      runtimeDirs.set(version, files.dir);
      return files.dir;
    } catch (error) {
      unavailable.push({ runtime: version, message: describeError(error).message });
      runtimeDirs.set(version, "");
      return undefined;
    }
  };
  const pairs: (OraclePairInput & { label: string })[] = [];
  const localDir = values["runtime-dir"];
  const local = localDir
    ? await readRuntimeDir(localDir, { catalogue: runtimeCatalogue })
    : undefined;
  for (const s of staged) {
    let versions: string[];
    if (local) versions = [local.version];
    else if (runtimeArgs.length === 0 || runtimeArgs.includes("built-for")) {
      const builtFor = s.entry?.builtForRuntime;
      versions = builtFor ? [builtFor] : [];
      if (!builtFor) {
        unreadable.push({
          input: s.input.file,
          message: "no built-for runtime known (not in the catalogue): pass --runtime VERSION",
        });
      }
      versions.push(...runtimeArgs.filter((r) => r !== "built-for"));
    } else if (runtimeArgs.includes("all")) versions = runtimeCatalogue.map((r) => r.version);
    else versions = runtimeArgs;
    for (const version of [...new Set(versions)]) {
      const dir = local ? local.dir : await obtain(version);
      if (!dir) continue;
      pairs.push({
        wheelPath: s.path,
        runtimeDir: dir,
        deps: s.deps,
        ...(values["no-smoke"] ? { smoke: null } : {}),
        ...(paths ? { paths } : {}),
        label: `${version} ${basename(s.path)}`,
      });
    }
  }

  const results = await runOracle(pairs, {
    timeoutMs,
    memoryMb,
    cacheDir: resolveOptions.cacheDir,
    harnessVersion: ORACLE_HARNESS_VERSION,
    concurrency,
    ...(values["no-cache"] ? { noCache: true } : {}),
    onProgress: (done, total, r) =>
      progress.update(`[${done}/${total}] ${r.runtime} ${r.wheel}: ${r.status}`),
  });
  progress.done();

  if (values.json) {
    await writeStdout(JSON.stringify({ results, unreadable, unavailable }, null, 2) + "\n");
  } else {
    for (const r of results) await writeStdout(formatResult(r) + "\n\n");
    const count = (f: (r: OracleResult) => boolean) => results.filter(f).length;
    const ran = results.filter((r) => !r.cached);
    const perPath = ran.flatMap((r) => r.msPerPath);
    const perPair = ran.map((r) => r.ms);
    const mean = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 1000 : 0;
    await writeStdout(
      `${results.length} pairs: ${count((r) => r.works === true)} work, ${
        count((r) => r.works === false)
      } break, ${count((r) => r.works === null)} inconclusive; ${
        count((r) => r.cached)
      } from the cache` +
        (ran.length
          ? `; ${mean(perPair).toFixed(1)} s per pair, ${mean(perPath).toFixed(1)} s per load path`
          : "") +
        "\n",
    );
    for (const u of unreadable) await writeStdout(`unreadable: ${u.input}: ${u.message}\n`);
    for (const u of unavailable) {
      await writeStdout(`runtime unavailable: ${u.runtime}: ${u.message}\n`);
    }
  }
  if (unreadable.length > 0) return EXIT_UNREADABLE_INPUT;
  if (unavailable.length > 0) return EXIT_RUNTIME_UNAVAILABLE;
  return EXIT_OK;
}
