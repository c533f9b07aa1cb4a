/**
 * `conform oracle PATH... [--runtime SPEC|built-for|all]`: load wheels into the real Pyodide
 * runtime (npm `pyodide` under Deno), one locked-down child process per pair, through the
 * pipeline every command shares, and print what happened on each load path (see `src/oracle/`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS } from "../oracle/run_oracle.ts";
import type { LoadPath, OracleResult } from "../oracle/types.ts";
import { describeOracleResult, summarizeOracleResults } from "../oracle/describe_result.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  escapeControl,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import {
  describeRunProblems,
  integerOption,
  resolveRuntimeSpecs,
  runPipeline,
  secondsOption,
} from "./_pipeline.ts";
import { parseRuntimeDirs, readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { EXIT_OK, EXIT_RUNTIME_UNAVAILABLE, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

const LOAD_PATHS: LoadPath[] = ["load-package", "dlopen", "load-package-renamed", "dlopen-renamed"];

const USAGE = `Usage: deno task conform oracle PATH... [--runtime SPEC|built-for|all] [OPTIONS]

Load each wheel (or .zip package) into the real Pyodide runtime under Deno, one child process per
archive × runtime, and report what happened on each load path:
  load-package   pyodide.loadPackage(path), errors from errorCallback captured
  dlopen         unpacked into site-packages, imported by CPython (dlopen)
  *-renamed      the same with .so files renamed to the runtime's cpython suffix (only when the
                 wheel's .so names carry another one: the loader would silently skip them)
Statuses: ok, link-error, unresolved, got-undefined, fatal, python-exception, skipped, timeout,
other. The package-loader path decides works/breaks (see src/oracle/agreement.ts).
Libraries and lock dependencies are the ones the link check loads (see \`conform link\`).

Options:
  --runtime SPEC    built-for (default: the runtime each archive was built for, catalogued or
                    inferred from its facts), all (every catalogue runtime), or versions and
                    series such as 0.28 (its newest), repeatable or comma-separated
  --runtime-dir DIR[=LABEL]
                    a local Pyodide distribution (or extracted npm package); repeatable
  --paths P,...     load paths to run (default: all that apply)
  --timeout SEC     time limit per load path, boot included (default ${DEFAULT_TIMEOUT_MS / 1000})
  --memory MB       V8 heap cap per child (default ${DEFAULT_MEMORY_MB})
  --jobs N          children at once (default 2)
  --no-smoke        skip the smoke calls of corpus/smoke_checks.json
  --no-cache        neither read nor write the oracle cache
  --json            print the results as JSON
${CORPUS_OPTIONS_HELP}
  -h, --help        show this help

Exit codes: 0 every pair ran (whatever it showed), 2 usage, 4 an input could not be read,
5 a runtime could not be obtained.`;

/**
 * Run the `oracle` subcommand.
 *
 * @example
 * ```ts ignore
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
        "runtime-dir": { type: "string", multiple: true },
        paths: { type: "string" },
        timeout: { type: "string" },
        memory: { type: "string" },
        jobs: { type: "string" },
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
  const memory = integerOption("memory", values.memory, 64);
  let paths: LoadPath[] | undefined;
  if (values.paths) {
    paths = values.paths.split(",").map((p) => p.trim()) as LoadPath[];
    const bad = paths.filter((p) => !LOAD_PATHS.includes(p));
    if (bad.length) {
      throw new UsageError(`unknown load path ${bad.join(", ")} (known: ${LOAD_PATHS.join(", ")})`);
    }
  }
  const catalogue = await readShippedRuntimeCatalogue();
  const specs = resolveRuntimeSpecs(values.runtime, catalogue, ["built-for"]);
  if (specs.words.length && specs.versions.length) {
    throw new UsageError("--runtime built-for names its own runtimes: give it alone");
  }
  const locals = parseRuntimeDirs(values["runtime-dir"]);
  // Built-for: no runtime in scope, only each archive's own (which every run judges).
  const builtFor = specs.versions.length === 0 && locals.length === 0;
  const corpus = corpusOptionsFrom(values);
  let results: { wheel: string; runtime: string; result: OracleResult }[] = [];
  const report = await runPipeline({
    paths: positionals,
    catalogue,
    runtimes: builtFor ? [] : values.runtime ? specs.versions : undefined,
    localRuntimes: locals,
    policies: [],
    oracle: builtFor ? "own" : "all",
    oracleBudgetMs: null,
    oracleTimeoutMs: secondsOption("timeout", values.timeout) ?? DEFAULT_TIMEOUT_MS,
    oracleRun: {
      ...(paths ? { paths } : {}),
      ...(values["no-smoke"] ? { smoke: false } : {}),
      ...(memory ? { memoryMb: memory } : {}),
      ...(values.jobs ? { concurrency: integerOption("jobs", values.jobs) } : {}),
      ...(values["no-cache"] ? { noCache: true } : {}),
    },
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
    onOracleResults: (r) => results = r,
  });
  const problems = describeRunProblems(report);
  const noRuntime = builtFor
    ? report.wheels.filter((w) => !w.inputError && !w.builtFor).map((w) =>
      `${w.file}: no built-for runtime known or inferable from its tags: pass --runtime SPEC`
    )
    : [];
  const list = results.map((r) => r.result);
  if (values.json) {
    await writeStdout(
      JSON.stringify(
        {
          results: list,
          unreadable: [...problems.unreadable, ...noRuntime],
          unavailable: problems.runtimes,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    // Messages and names come from the wheel under test: escaped before the terminal sees them.
    await writeStdout(escapeControl(list.map((r) => `${describeOracleResult(r)}\n\n`).join("")));
    await writeStdout(`${summarizeOracleResults(list)}\n`);
  }
  for (const line of [...problems.unreadable, ...noRuntime, ...problems.runtimes]) {
    console.error(`conform oracle: ${escapeControl(line)}`);
  }
  if (problems.unreadable.length || noRuntime.length) return EXIT_UNREADABLE_INPUT;
  return problems.runtimes.length ? EXIT_RUNTIME_UNAVAILABLE : EXIT_OK;
}
