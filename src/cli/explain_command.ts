/**
 * `conform explain --policy ID WHEEL --runtime VERSION`: one policy's prediction for one pair,
 * with both tags, the rule applied, the observed link outcome and whether the prediction holds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runConformInPool } from "../runner/link_pool_executor.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { loadNamedPolicy, readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { EXIT_OK, EXIT_POLICY_ERROR, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

const USAGE = `Usage: deno task conform explain --policy ID WHEEL --runtime VERSION [--json]

WHEEL is a wheel file, or a catalogue path or file name (e.g. orjson-3.10.1-cp312-cp312-
pyodide_2024_0_wasm32.whl). The wheel is link-checked against VERSION and against the
runtime it was built for (needed to tell a defective wheel apart).

Options:
  --policy ID|FILE   policy id from policies/, or a policy file
  --runtime VERSION  runtime version from corpus/runtimes.json
  --json             print the explanation as JSON
${CORPUS_OPTIONS_HELP}
  -h, --help         show this help`;

const VERDICT_TEXT: Record<string, string> = {
  "correct-accept": "right: it installs, and the wheel works there",
  "correct-reject": "right: it refuses, and the wheel would break there",
  "unsafe-accept": "WRONG (unsafe accept): it installs a wheel that breaks there",
  "needless-reject": "wrong (needless reject): it refuses a wheel that works there",
  defective: "not scored: the wheel fails even on the runtime it was built for",
};

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
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (!values.policy || !values.runtime || positionals.length !== 1) {
    throw new UsageError("explain takes --policy ID, one WHEEL and --runtime VERSION");
  }
  const repo = fileURLToPath(new URL("../../", import.meta.url));
  const named = await loadNamedPolicy(values.policy, "explain");
  if (!named) return EXIT_POLICY_ERROR;
  const policies = [named];
  const catalogue = await readShippedRuntimeCatalogue();
  const wheel = positionals[0];
  const isFile = await Deno.stat(wheel).then((i) => i.isFile, () => false);
  const corpus = corpusOptionsFrom(values);
  const matches = (file: string) => isFile ? true : file === wheel || file.endsWith(`/${wheel}`);
  const common = {
    paths: isFile ? [wheel] : [join(repo, "corpus")],
    only: matches,
    catalogue,
    policies,
    oracle: "none" as const,
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
  };
  // One run: the runner checks the wheel's own runtime too (catalogued or inferred), so a
  // defective wheel is told apart. Checks run in the pool, under its time limit: the wheel's
  // start function or constructors may never return.
  const report = await runConformInPool({
    ...common,
    runtimes: [values.runtime],
  }, 1);
  if (!report.wheels.length) {
    console.error(`conform explain: no wheel matches "${wheel}" (a file, or a catalogue path)`);
    return EXIT_UNREADABLE_INPUT;
  }
  const builtFor = report.wheels[0].builtFor;
  const w = report.wheels[0];
  if (w.inputError) {
    console.error(`conform explain: ${w.file}: ${w.inputError}`);
    return EXIT_UNREADABLE_INPUT;
  }
  const outcome = report.outcomes.find((o) => o.wheel === w.file && o.runtime === values.runtime);
  const policy = report.policies[0];
  const prediction = policy.predictions.find((p) =>
    p.wheel === w.file && p.runtime === values.runtime
  );
  const explanation = {
    policy: policy.id,
    wheel: w.file,
    runtime: values.runtime,
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
  const unavailable = report.runtimes.find((r) => r.version === values.runtime)?.unavailable;
  const lines = [
    `policy   ${policy.id}: ${policy.title}`,
    `wheel    ${w.file}${
      builtFor
        ? ` (built for ${builtFor}${w.builtForInferred ? `, ${w.builtForInferred}` : ""}${
          w.builtForOutcome ? `; ${w.builtForOutcome} there` : ""
        })`
        : ""
    }`,
    `runtime  ${values.runtime}${unavailable ? ` — unavailable: ${unavailable}` : ""}`,
    `tags     wheel ${explanation.policyWheelTag || "(none)"}; runtime accepts ${
      explanation.runtimeTags.join(", ") || "(none)"
    }`,
    `rule     ${explanation.rule ?? "?"} → ${
      explanation.install === null ? "?" : explanation.install ? "install" : "refuse"
    }${explanation.reason ? ` (${explanation.reason})` : ""}`,
    `link     ${explanation.outcome ?? "not checked"}${
      explanation.evidence && explanation.evidence !== explanation.outcome
        ? ` — ${explanation.evidence}`
        : ""
    }`,
    `verdict  ${VERDICT_TEXT[explanation.verdict ?? ""] ?? explanation.verdict ?? "?"}`,
  ];
  if (w.inferred.length) lines.push(`inferred ${w.inferred.join(", ")}`);
  await writeStdout(`${lines.join("\n")}\n`);
  return EXIT_OK;
}
