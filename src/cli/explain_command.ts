/**
 * `conform explain --policy ID WHEEL --runtime SPEC|--runtime-dir DIR`: one policy's prediction for one pair,
 * with both tags, the rule applied, the observed link outcome and whether the prediction holds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { type Explanation, renderExplanation } from "../report/explanation.ts";
import { fileURLToPath } from "node:url";
import {
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
import { describeRunProblems, resolveRuntimeSpecs, runPipeline } from "./_pipeline.ts";
import {
  EXIT_OK,
  EXIT_POLICY_ERROR,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
} from "./_exit_codes.ts";

const USAGE =
  `Usage: deno task conform explain --policy ID WHEEL --runtime SPEC|--runtime-dir DIR [--json]

WHEEL is a wheel file, or a catalogue path or file name (e.g. orjson-3.10.1-cp312-cp312-
pyodide_2024_0_wasm32.whl). The wheel is link-checked against VERSION and against the
runtime it was built for (needed to tell a defective wheel apart).

Options:
  --policy ID|FILE   policy id from policies/, or a policy file
  --runtime SPEC     runtime version from corpus/runtimes.json, or a series (0.28: its newest)
  --runtime-dir DIR[=LABEL]
                     a local Pyodide distribution instead (default label <version>@local)
  --json             print the explanation as JSON
${CORPUS_OPTIONS_HELP}
  -h, --help         show this help

Exit codes: 0 explained (whatever the verdict), 2 usage, 3 the policy does not load, 4 the wheel
cannot be read or matches nothing, 5 the runtime is unknown or unavailable.`;

/**
 * Run `explain`.
 *
 * @example
 * ```ts ignore
 * await run(["--policy", "pep783", "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "--runtime", "0.28.3"]);
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
        runtime: { type: "string" },
        "runtime-dir": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (
    !values.policy || positionals.length !== 1 ||
    (values.runtime === undefined) === (values["runtime-dir"] === undefined)
  ) {
    throw new UsageError(
      "explain takes --policy ID, one WHEEL and either --runtime SPEC or --runtime-dir DIR",
    );
  }
  const repo = fileURLToPath(new URL("../../", import.meta.url));
  const named = await loadNamedPolicy(values.policy, "explain");
  if (!named) return EXIT_POLICY_ERROR;
  const policies = [named];
  const catalogue = await readShippedRuntimeCatalogue();
  const specs = resolveRuntimeSpecs(values.runtime ? [values.runtime] : [], catalogue);
  if (specs.versions.length > 1) {
    console.error(
      `conform explain: --runtime ${values.runtime} names ${specs.versions.length} runtimes; ` +
        "explain takes one",
    );
    return EXIT_RUNTIME_UNAVAILABLE;
  }
  const locals = parseRuntimeDirs(values["runtime-dir"] ? [values["runtime-dir"]] : []);
  const wheel = positionals[0];
  const isFile = await Deno.stat(wheel).then((i) => i.isFile, () => false);
  const corpus = corpusOptionsFrom(values);
  // One run: the runner checks the wheel's own runtime too (catalogued or inferred), so a
  // defective wheel is told apart. Checks run in the pool, under its time limit: the wheel's
  // start function or constructors may never return.
  const report = await runPipeline({
    paths: isFile ? [wheel] : [join(repo, "corpus")],
    only: (file) => isFile || file === wheel || file.endsWith(`/${wheel}`),
    catalogue,
    runtimes: specs.versions,
    localRuntimes: locals,
    policies,
    oracle: "none",
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
  });
  // The runtime asked about: the catalogue version, or the local directory's label.
  const runtime = specs.versions[0] ??
    report.runtimes.find((r) => !catalogue.some((e) => e.version === r.version))?.version;
  if (!runtime) {
    const why = describeRunProblems(report).runtimes[0];
    console.error(`conform explain: ${why ?? "no runtime"}`);
    return EXIT_RUNTIME_UNAVAILABLE;
  }
  if (!report.wheels.length) {
    console.error(`conform explain: no wheel matches "${wheel}" (a file, or a catalogue path)`);
    return EXIT_UNREADABLE_INPUT;
  }
  const w = report.wheels[0];
  const builtFor = w.builtFor;
  if (w.inputError) {
    console.error(`conform explain: ${w.file}: ${w.inputError}`);
    return EXIT_UNREADABLE_INPUT;
  }
  const outcome = report.outcomes.find((o) => o.wheel === w.file && o.runtime === runtime);
  const policy = report.policies[0];
  const prediction = policy.predictions.find((p) => p.wheel === w.file && p.runtime === runtime);
  const explanation: Explanation = {
    policy: policy.id,
    wheel: w.file,
    runtime,
    builtFor: builtFor ?? null,
    builtForInferred: w.builtForInferred ?? null,
    builtForOutcome: w.builtForOutcome ?? null,
    wheelTags: w.tags,
    policyWheelTag: prediction?.wheelTag ?? null,
    runtimeTags: prediction?.runtimeTags ?? [],
    rule: prediction?.rule ?? null,
    install: prediction?.install ?? null,
    reason: prediction?.reason ?? null,
    outcome: outcome?.outcome ?? null,
    evidence: outcome?.summary ?? null,
    verdict: prediction?.verdict ?? (w.inputError ? "input-error" : null),
    inferred: w.inferred,
  };
  if (values.json) {
    await writeStdout(`${JSON.stringify(explanation, null, 2)}\n`);
    return EXIT_OK;
  }
  const unavailable = report.runtimes.find((r) => r.version === runtime)?.unavailable;
  await writeStdout(
    renderExplanation(explanation, {
      title: policy.title,
      ...(unavailable ? { unavailable } : {}),
    }),
  );
  return EXIT_OK;
}
