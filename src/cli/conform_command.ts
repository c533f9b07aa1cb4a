/**
 * `conform [PATH...]` (the default command): resolve wheels and runtimes, run the link matrix,
 * optionally confirm a sample in the real runtime, score every policy and print the ranking.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatPolicyError, loadPolicies } from "../policy/mod.ts";
import type { Policy, PolicyError } from "../policy/mod.ts";
import { createProgress, type Progress } from "../report/progress.ts";
import { runConformInPool } from "../runner/link_pool_executor.ts";
import type { ConformProgress } from "../runner/run_conform.ts";
import {
  checkOutputPath,
  checkOutputTargets,
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { parseRuntimeDirs, readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import {
  EXIT_OK,
  EXIT_POLICY_ERROR,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
  EXIT_UNSAFE_ACCEPTS,
} from "./_exit_codes.ts";
import { RENDER_FORMATS, type RenderFormat, renderReport } from "./render_command.ts";

const USAGE = `Usage: deno task conform [PATH...] [OPTIONS]

Link-check every wheel in PATH (default: the catalogue, corpus/) against every runtime,
confirm a sample in the real Pyodide runtime, score every tag-scheme policy and print the
ranking: unsafe accepts (installs something that breaks), needless rejects, tag counts.

Options:
  --runtime V        runtime version(s) to check against, repeatable or comma-separated
                     (default: all of corpus/runtimes.json)
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
  --format FMT       text (default), markdown, json, junit or html; repeatable, each
                     followed by its own --out
  --out FILE         where the preceding --format goes (default: stdout)
  --fail-on unsafe   exit 6 when any selected policy has unsafe accepts
  --jobs N           link workers (default: number of cores)
  --quiet            no progress on stderr
${CORPUS_OPTIONS_HELP}
  -h, --help         show this help

Exit codes: 0 run completed, 2 usage, 3 a policy file has errors, 4 an input could not be
read, 5 a runtime could not be obtained, 6 unsafe accepts with --fail-on unsafe. Problems
are reported and the rest of the run goes on; the first code in that order is returned.`;

const POLICY_FILE = /\.ya?ml$/i;

async function readPolicyFiles(paths: string[]): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      const names = [];
      for await (const e of Deno.readDir(path)) {
        if (e.isFile && POLICY_FILE.test(e.name)) names.push(e.name);
      }
      for (const name of names.sort()) {
        files.push({ path: join(path, name), text: await Deno.readTextFile(join(path, name)) });
      }
    } else {
      files.push({ path, text: await Deno.readTextFile(path) });
    }
  }
  return files;
}

/** Output pairs (`--format X --out Y`), in the order given. */
function outputsOf(args: string[]): { format: RenderFormat; out?: string }[] {
  const outputs: { format: RenderFormat; out?: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (flag !== "--format" && flag !== "--out") continue;
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--format") {
      if (!(RENDER_FORMATS as readonly string[]).includes(value)) {
        throw new UsageError(
          `--format must be one of ${RENDER_FORMATS.join(", ")}, not "${value}"`,
        );
      }
      outputs.push({ format: value as RenderFormat });
    } else {
      const last = outputs[outputs.length - 1];
      if (last && last.out === undefined) last.out = value;
      else outputs.push({ format: "text", out: value });
    }
  }
  return outputs.length ? outputs : [{ format: "text" }];
}

/**
 * Run the default command.
 *
 * @example
 * ```ts ignore
 * const code = await run(["corpus/", "--oracle", "none", "--format", "json", "--out", "r.json"]);
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
        policy: { type: "string", multiple: true },
        oracle: { type: "string", default: "sample" },
        "oracle-size": { type: "string" },
        "oracle-seed": { type: "string" },
        "oracle-budget": { type: "string" },
        format: { type: "string", multiple: true },
        out: { type: "string", multiple: true },
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
  const integer = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer ≥ ${min}`);
    }
    return n;
  };
  const outputs = outputsOf(args);
  for (const { out } of outputs) if (out !== undefined) checkOutputPath(out);
  const corpus = corpusOptionsFrom(values);
  checkOutputTargets(outputs.flatMap((o) => o.out ?? []), {
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
  const runtimes = (values.runtime ?? []).flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  // An unknown runtime would leave an empty ranking that looks like a result: refuse it first.
  const known = new Set(catalogue.map((e) => e.version));
  const unknown = runtimes.filter((v) => v !== "all" && !known.has(v));
  if (unknown.length) {
    console.error(
      `conform: runtime ${unknown.join(", ")} ${
        unknown.length === 1 ? "is" : "are"
      } not in the runtime catalogue (corpus/runtimes.json); known: ${[...known].join(", ")}`,
    );
    return EXIT_RUNTIME_UNAVAILABLE;
  }

  const quiet = values.quiet === true;
  let bar: Progress | undefined;
  let stage = "";
  const onProgress = (p: ConformProgress) => {
    if (quiet) return;
    if (p.stage !== stage) {
      void bar?.done();
      stage = p.stage;
      bar = createProgress({ total: p.total, label: p.stage });
    }
    const delta = p.done - (bar?.count ?? 0);
    if (delta > 0) bar?.tick(delta);
  };

  const jobs = integer("jobs", values.jobs, 1) ?? navigator.hardwareConcurrency ?? 2;
  const budget = integer("oracle-budget", values["oracle-budget"], 0);
  let report;
  try {
    report = await runConformInPool({
      paths: positionals.length ? positionals : ["corpus/"],
      catalogue,
      runtimes,
      localRuntimes: parseRuntimeDirs(values["runtime-dir"]),
      policies: loaded.policies,
      oracle: oracle as "none" | "decisive" | "sample" | "built-for" | "all",
      ...(budget === undefined ? {} : { oracleBudgetMs: budget === 0 ? null : budget * 1000 }),
      oracleSampleSize: integer("oracle-size", values["oracle-size"], 0),
      oracleSeed: integer("oracle-seed", values["oracle-seed"], 0),
      cacheDir: corpus.cacheDir!,
      mirror: corpus.mirror,
      allowNetwork: corpus.allowNetwork !== false,
      onProgress,
    }, jobs);
  } finally {
    await bar?.done();
  }

  for (const { format, out } of outputs) {
    const text = renderReport(report, format, {
      color: out === undefined && format === "text" && Deno.stdout.isTerminal(),
    });
    if (out === undefined) await writeStdout(text.endsWith("\n") ? text : `${text}\n`);
    else {
      await Deno.mkdir(dirname(out) || ".", { recursive: true });
      await Deno.writeTextFile(out, text);
      if (!quiet) console.error(`conform: wrote ${format} report to ${out}`);
    }
  }

  if (loaded.errors.length) return EXIT_POLICY_ERROR;
  if (report.wheels.some((w) => w.inputError)) return EXIT_UNREADABLE_INPUT;
  if (report.runtimes.some((r) => r.unavailable)) return EXIT_RUNTIME_UNAVAILABLE;
  if (values["fail-on"] === "unsafe" && report.policies.some((p) => p.unsafeAccepts > 0)) {
    return EXIT_UNSAFE_ACCEPTS;
  }
  return EXIT_OK;
}
