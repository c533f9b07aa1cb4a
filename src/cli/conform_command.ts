/**
 * `conform [PATH...]` (the default command): resolve wheels and runtimes, run the link matrix,
 * optionally confirm a sample in the real runtime, score every policy and print the ranking.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatPolicyError, loadPolicies } from "../policy/mod.ts";
import type { Policy, PolicyError } from "../policy/mod.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  normalizeColorFlag,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import {
  parseRuntimeDirs,
  readPolicyFiles,
  readShippedRuntimeCatalogue,
} from "./_shared_inputs.ts";
import { integerOption, parseShardSpec, resolveRuntimeSpecs, runPipeline } from "./_pipeline.ts";
import {
  EXIT_OK,
  EXIT_POLICY_ERROR,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
  EXIT_UNSAFE_ACCEPTS,
} from "./_exit_codes.ts";
import {
  checkOutputRequests,
  OUTPUT_OPTIONS,
  OUTPUT_OPTIONS_HELP,
  parseOutputRequests,
  textStyleFrom,
  writeOutputs,
} from "./_outputs.ts";

/** The default job's options, also listed by the top-level `--help`. */
export const OPTIONS_HELP =
  `  --runtime SPEC     runtimes to check against: versions or series (0.28: its newest),
                     repeatable or comma-separated (default: all of corpus/runtimes.json)
  --runtime-dir DIR[=LABEL]
                     a local Pyodide distribution (main module, glue, lock of one build) as
                     a runtime named LABEL (default <version>@local), repeatable; with no
                     --runtime only the local ones are checked
  --policy PATH      policy file or directory, repeatable (default: policies/)
  --oracle MODE      pairs run in the real runtime, after the decisive pairs (the unsafe
                     accepts, the pairs that separate the top schemes, defective wheels
                     on their own runtime), which every mode but none runs first:
                     decisive (no more), sample (default; seeded and stratified),
                     built-for (every wheel on its own runtime plus the sample), all
  --oracle-budget S  seconds the oracle stage may spend starting new pairs (default 120
                     for decisive and sample, none for built-for and all; 0: none);
                     cached results are always used
  --oracle-size N    sample size (default 24)
  --oracle-seed N    sample seed (default 783)
  --shard K/N        run shard K of N only: every input is read (libraries come from all
                     of them), but only the archives whose sha256 falls in shard K are
                     linked, scored and reported; join the N JSON reports with
                     conform merge
${OUTPUT_OPTIONS_HELP}
  --fail-on unsafe   exit 6 when any selected policy has unsafe accepts
  --jobs N           link workers (default: one per core, at most 2)
  --quiet            no progress on stderr
${CORPUS_OPTIONS_HELP}
  -h, --help         show this help`;

const USAGE = `Usage: deno task conform [PATH...] [OPTIONS]

Link-check every wheel in PATH (default: the catalogue, corpus/) against every runtime,
confirm a sample in the real Pyodide runtime, score every tag-scheme policy and print the
ranking: unsafe accepts (installs something that breaks), needless rejects, tag counts.

Options:
${OPTIONS_HELP}

Exit codes: 0 run completed, 2 usage, 3 a policy file has errors, 4 an input could not be
read, 5 a runtime could not be obtained, 6 unsafe accepts with --fail-on unsafe. Problems
are reported and the rest of the run goes on; the first code in that order is returned.`;

/**
 * Run the default command.
 *
 * @example
 * ```ts ignore
 * const code = await run(["corpus/", "--oracle", "none", "--format", "json", "--out", "r.json"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  args = normalizeColorFlag(args);
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CORPUS_OPTIONS,
        runtime: { type: "string", multiple: true },
        "runtime-dir": { type: "string", multiple: true },
        policy: { type: "string", multiple: true },
        oracle: { type: "string", default: "sample" },
        "oracle-size": { type: "string" },
        "oracle-seed": { type: "string" },
        "oracle-budget": { type: "string" },
        shard: { type: "string" },
        ...OUTPUT_OPTIONS,
        "fail-on": { type: "string" },
        jobs: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  const oracle = values.oracle as string;
  if (!["none", "decisive", "sample", "built-for", "all"].includes(oracle)) {
    throw new UsageError(
      `--oracle must be none, decisive, sample, built-for or all, not "${oracle}"`,
    );
  }
  if (values["fail-on"] !== undefined && values["fail-on"] !== "unsafe") {
    throw new UsageError(`--fail-on takes "unsafe", not "${values["fail-on"]}"`);
  }
  const shard = values.shard === undefined ? undefined : parseShardSpec(values.shard);
  const outputs = parseOutputRequests(args);
  const style = textStyleFrom(values);
  const corpus = corpusOptionsFrom(values);
  checkOutputRequests(outputs, {
    inputs: positionals.length ? positionals : ["corpus/"],
    ...(corpus.cacheDir ? { cacheDir: corpus.cacheDir } : {}),
  });
  const repo = fileURLToPath(new URL("../../", import.meta.url));

  // Policies: every problem is reported; the policies that load are still scored.
  const policyPaths = values.policy?.length ? values.policy : [join(repo, "policies")];
  let policyFiles: { path: string; text: string }[];
  try {
    policyFiles = await readPolicyFiles(policyPaths);
  } catch (error) {
    console.error(`conform: cannot read policies: ${(error as Error).message}`);
    return EXIT_POLICY_ERROR;
  }
  const loaded: { policies: Policy[]; errors: PolicyError[] } = loadPolicies(policyFiles);
  for (const e of loaded.errors) console.error(formatPolicyError(e));

  const catalogue = await readShippedRuntimeCatalogue();
  // An unknown runtime would leave an empty ranking that looks like a result: refuse it first.
  const { versions } = resolveRuntimeSpecs(values.runtime, catalogue);

  const quiet = values.quiet === true;
  const jobs = integerOption("jobs", values.jobs);
  const budget = integerOption("oracle-budget", values["oracle-budget"], 0);
  const report = await runPipeline(
    {
      paths: positionals.length ? positionals : ["corpus/"],
      catalogue,
      ...(values.runtime ? { runtimes: versions } : {}),
      localRuntimes: parseRuntimeDirs(values["runtime-dir"]),
      policies: loaded.policies,
      oracle: oracle as "none" | "decisive" | "sample" | "built-for" | "all",
      ...(budget === undefined ? {} : { oracleBudgetMs: budget === 0 ? null : budget * 1000 }),
      oracleSampleSize: integerOption("oracle-size", values["oracle-size"], 0),
      oracleSeed: integerOption("oracle-seed", values["oracle-seed"], 0),
      cacheDir: corpus.cacheDir!,
      mirror: corpus.mirror,
      allowNetwork: corpus.allowNetwork !== false,
      ...(shard ? { shard } : {}),
    },
    { workers: jobs },
    quiet,
  );

  await writeOutputs(report, outputs, style, { prefix: "conform", quiet });

  if (loaded.errors.length) return EXIT_POLICY_ERROR;
  if (report.wheels.some((w) => w.inputError)) return EXIT_UNREADABLE_INPUT;
  if (report.runtimes.some((r) => r.unavailable)) return EXIT_RUNTIME_UNAVAILABLE;
  if (values["fail-on"] === "unsafe" && report.policies.some((p) => p.unsafeAccepts > 0)) {
    return EXIT_UNSAFE_ACCEPTS;
  }
  return EXIT_OK;
}
