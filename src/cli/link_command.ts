/**
 * `conform link PATH... [--runtime SPEC|all]`: link-check wheels and `.zip` packages against
 * runtimes through the pipeline every command shares, and print one outcome per archive ×
 * runtime (per side module with `--verbose`), a matrix when there are several of both, or JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type LinkedPair, renderLinkPairs } from "../report/link_pairs.ts";
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

const USAGE = `Usage: deno task conform link PATH... [--runtime SPEC|all] [OPTIONS]

Link-check each wheel or .zip package in PATH (files, directories, or the catalogue corpus/)
against runtimes, emulating each runtime's own Emscripten loader against a stub of its main
module. Prints one outcome per archive × runtime, root cause first, and a matrix for several of
both. For "will my wheel load, and if not why" with an exit code, see \`conform check\`.

Options:
  --runtime SPEC    a version or a series such as 0.28 (its newest), repeatable or
                    comma-separated; "all" (default) is the whole catalogue
  --runtime-dir DIR[=LABEL]
                    also check against a local Pyodide distribution, named LABEL (default
                    <version>@local); repeatable. Alone, only the local runtimes are checked
  --json            print the outcomes as JSON
  --verbose         one line per side module and per piece of evidence
  --jobs N          link workers (default: one per core, at most 2)
  --timeout SEC     time limit per archive × runtime pair (default 10)
${CORPUS_OPTIONS_HELP}

Exit codes: 0 checked (whatever the outcomes), 2 usage, 4 an input cannot be read,
5 a runtime cannot be obtained.`;

/**
 * Run the `link` command.
 *
 * @example
 * ```ts ignore
 * const code = await run(["corpus/pyodide-0.27.7/orjson.whl", "--runtime", "0.27.7"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CORPUS_OPTIONS,
        runtime: { type: "string", multiple: true },
        "runtime-dir": { type: "string", multiple: true },
        json: { type: "boolean" },
        verbose: { type: "boolean" },
        jobs: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError("link needs at least one PATH");
  const corpus = corpusOptionsFrom(values);
  const catalogue = await readShippedRuntimeCatalogue();
  const { versions } = resolveRuntimeSpecs(values.runtime, catalogue);
  let pairs: LinkedPair[] = [];
  const report = await runPipeline({
    paths: positionals,
    catalogue,
    ...(values.runtime ? { runtimes: versions } : {}),
    localRuntimes: parseRuntimeDirs(values["runtime-dir"]),
    policies: [],
    oracle: "none",
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
    onLinkOutcomes: (outcomes) => pairs = outcomes,
  }, {
    workers: integerOption("jobs", values.jobs),
    timeLimitMs: secondsOption("timeout", values.timeout),
  });
  const problems = describeRunProblems(report);
  if (values.json) {
    await writeStdout(
      JSON.stringify(
        {
          outcomes: pairs.map((p) => p.outcome),
          unreadable: report.wheels.filter((w) => w.inputError)
            .map((w) => ({ file: w.file, error: w.inputError })),
          unavailable: problems.runtimes,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    // Member and symbol names come from the archives: no control character reaches the terminal.
    const runtimes = report.runtimes.filter((r) => !r.unavailable).map((r) => r.version);
    await writeStdout(escapeControl(renderLinkPairs(pairs, runtimes, values.verbose === true)));
  }
  for (const line of [...problems.unreadable, ...problems.runtimes]) {
    console.error(`conform link: ${line}`);
  }
  if (problems.unreadable.length) return EXIT_UNREADABLE_INPUT;
  return problems.runtimes.length ? EXIT_RUNTIME_UNAVAILABLE : EXIT_OK;
}
