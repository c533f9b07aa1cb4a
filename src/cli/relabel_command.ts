/**
 * `conform relabel WHEEL --policy ID --out DIR [--oracle]`: the second tier of the two-tier flow.
 * Compute the wheel's tag under a policy from its facts, verify it works on every catalogue
 * runtime that tag would install it on, and only then write the relabelled wheel.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import type { OutcomeClass } from "../link/types.ts";
import { observedWorks } from "../policy/mod.ts";
import { retagWheel } from "../wheel/mod.ts";
import {
  checkOutputTargets,
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import {
  loadNamedPolicy,
  parseRuntimeDirs,
  readShippedRuntimeCatalogue,
} from "./_shared_inputs.ts";
import { describeRunProblems, runPipeline } from "./_pipeline.ts";
import {
  EXIT_OK,
  EXIT_POLICY_ERROR,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
} from "./_exit_codes.ts";

/** `relabel`'s own code: a runtime the new tag would install the wheel on breaks it. */
export const EXIT_REFUSED = 1;

const USAGE = `Usage: deno task conform relabel WHEEL --policy ID|FILE --out DIR [OPTIONS]

Relabel a wheel to the tag a policy gives it (e.g. emscripten-version, pep783), after checking
that it works on every catalogue runtime that tag would install it on (the link check; with
--oracle also the real runtime). Only then is DIR/<new name>.whl written: the new platform tag in
the file name and in WHEEL, and RECORD hashed again. Otherwise nothing is written and the
runtimes that break are named.

Options:
  --policy ID|FILE  the policy whose tag the wheel gets
  --out DIR         where the relabelled wheel is written
  --oracle          also load the wheel in the real runtime on each of them (its result decides)
  --runtime-dir DIR[=LABEL]
                    verify on a local Pyodide distribution too (default label <version>@local);
                    repeatable
${CORPUS_OPTIONS_HELP}
  -h, --help       show this help

Exit codes: 0 written, 1 refused (a runtime breaks it), 2 usage, 3 policy error, 4 the wheel
cannot be read or the policy gives it no tag, 5 a runtime directory cannot be used.`;

/**
 * Run `relabel`.
 *
 * @example
 * ```ts ignore
 * await run(["orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "--policy",
 *   "emscripten-version", "--out", "reports/relabelled"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CORPUS_OPTIONS,
        policy: { type: "string" },
        out: { type: "string" },
        oracle: { type: "boolean" },
        "runtime-dir": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1 || !values.policy || !values.out) {
    throw new UsageError("relabel takes one WHEEL, --policy ID and --out DIR");
  }
  const wheel = positionals[0];
  const corpus = corpusOptionsFrom(values);
  const policy = await loadNamedPolicy(values.policy, "relabel");
  if (!policy) return EXIT_POLICY_ERROR;
  const policies = [policy];
  const catalogue = await readShippedRuntimeCatalogue();
  const report = await runPipeline({
    paths: [wheel],
    catalogue,
    runtimes: ["all"],
    localRuntimes: parseRuntimeDirs(values["runtime-dir"]),
    policies,
    oracle: values.oracle ? "all" : "none",
    oracleBudgetMs: null,
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
  });
  // A runtime the user named that cannot be used would leave a verification that looks whole.
  const { runtimes: unusable } = describeRunProblems(report);
  if (values["runtime-dir"]?.length && unusable.length) {
    for (const line of unusable) console.error(`conform relabel: ${line}`);
    return EXIT_RUNTIME_UNAVAILABLE;
  }
  const w = report.wheels[0];
  if (!w || w.inputError) {
    console.error(`conform relabel: ${wheel}: ${w?.inputError ?? "not read"}`);
    return EXIT_UNREADABLE_INPUT;
  }
  const predictions = report.policies[0].predictions;
  const tag = predictions.find((p) => p.wheelTag)?.wheelTag;
  if (!tag) {
    console.error(
      `conform relabel: ${policies[0].id} gives ${w.file} no tag (${predictions[0]?.reason ?? ""})`,
    );
    return EXIT_UNREADABLE_INPUT;
  }
  const installs = predictions.filter((p) => p.install);
  const breaks = installs.filter((p) => {
    const row = report.outcomes.find((o) => o.wheel === p.wheel && o.runtime === p.runtime);
    if (!row) return true;
    return observedWorks({
      outcome: row.outcome as OutcomeClass,
      ...(typeof row.oracle?.works === "boolean" ? { oracleWorks: row.oracle.works } : {}),
    }) !== true;
  });
  if (installs.length === 0 || breaks.length > 0) {
    console.error(
      installs.length === 0
        ? `conform relabel: refused: ${tag} would install ${w.file} on no catalogue runtime`
        : `conform relabel: refused: ${tag} would install ${w.file} where it breaks:`,
    );
    for (const p of breaks) {
      const row = report.outcomes.find((o) => o.wheel === p.wheel && o.runtime === p.runtime);
      console.error(`  ${p.runtime}: ${row?.summary ?? "not checked"}`);
    }
    return EXIT_REFUSED;
  }
  const outDir = resolve(values.out);
  const { filename, bytes } = await retagWheel(w.file, await Deno.readFile(wheel), tag);
  const target = join(outDir, filename);
  checkOutputTargets([target], { inputs: [wheel], cacheDir: corpus.cacheDir });
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeFile(target, bytes);
  await writeStdout(
    `${target}\n  ${tag}: verified on ${installs.map((p) => p.runtime).join(", ")}${
      values.oracle ? " (with the real runtime)" : " (link check)"
    }\n`,
  );
  return EXIT_OK;
}
