/**
 * `conform policy compare A B [PATH...]`: the pairs where two policies predict differently, with
 * the outcome of each, from a run of the pipeline (or a saved report with `--report`).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { comparePolicies, renderPolicyComparison } from "../report/compare_policies.ts";
import type { ConformReport } from "../report/types.ts";
import { corpusOptionsFrom, escapeControl, UsageError, writeStdout } from "./_args.ts";
import { readReportFile, ReportReadError } from "./_report_io.ts";
import { loadNamedPolicy, readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { resolveRuntimeSpecs, runPipeline } from "./_pipeline.ts";
import { EXIT_OK, EXIT_POLICY_ERROR, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

/** Options `compare` takes (besides the corpus options). */
export interface CompareValues {
  report?: string;
  runtime?: string[];
  json?: boolean;
  mirror?: string;
  "cache-dir"?: string;
  offline?: boolean;
}

/**
 * Compare policies `a` and `b` (ids of `policies/` or files) over `paths` (default: the
 * catalogue), or over the predictions of a saved report.
 *
 * @example
 * ```ts ignore
 * await comparePolicyFiles("pep783", "pyodide-plain", [], { runtime: ["0.27,0.28"] });
 * ```
 */
export async function comparePolicyFiles(
  a: string,
  b: string,
  paths: string[],
  values: CompareValues,
): Promise<number> {
  let report: ConformReport;
  let ids: [string, string];
  if (values.report !== undefined) {
    if (paths.length || values.runtime) {
      throw new UsageError("--report compares a saved run: give no PATH or --runtime with it");
    }
    try {
      report = await readReportFile(values.report);
    } catch (e) {
      if (!(e instanceof ReportReadError)) throw e;
      console.error(`conform policy compare: ${e.message}`);
      return EXIT_UNREADABLE_INPUT;
    }
    // A saved report names its policies by id: a policy file given here stands for its own id
    // (the file's `id:`, not its name).
    const idOf = async (spec: string) =>
      /\.ya?ml$/i.test(spec) ? (await loadNamedPolicy(spec, "policy compare"))?.id : spec;
    const [ia, ib] = [await idOf(a), await idOf(b)];
    if (!ia || !ib) return EXIT_POLICY_ERROR;
    ids = [ia, ib];
  } else {
    const pa = await loadNamedPolicy(a, "policy compare");
    const pb = await loadNamedPolicy(b, "policy compare");
    if (!pa || !pb) return EXIT_POLICY_ERROR;
    const catalogue = await readShippedRuntimeCatalogue();
    const { versions } = resolveRuntimeSpecs(values.runtime, catalogue);
    const corpus = corpusOptionsFrom(values);
    const repo = fileURLToPath(new URL("../../", import.meta.url));
    report = await runPipeline({
      paths: paths.length ? paths : [join(repo, "corpus")],
      catalogue,
      ...(values.runtime ? { runtimes: versions } : {}),
      policies: [pa, pb],
      oracle: "none",
      cacheDir: corpus.cacheDir!,
      mirror: corpus.mirror,
      allowNetwork: corpus.allowNetwork !== false,
    });
    ids = [pa.id, pb.id];
  }
  const [first, second] = ids.map((id) => report.policies.find((p) => p.id === id));
  if (!first || !second) {
    console.error(
      `conform policy compare: the report has no policy ${!first ? ids[0] : ids[1]} (it has ${
        report.policies.map((p) => p.id).join(", ")
      })`,
    );
    return EXIT_POLICY_ERROR;
  }
  const comparison = comparePolicies(report, first, second);
  await writeStdout(
    values.json
      ? `${JSON.stringify(comparison, null, 2)}\n`
      : escapeControl(renderPolicyComparison(comparison)),
  );
  // A run's unreadable inputs are this run's problem; a saved report's were reported before.
  const unreadable = values.report === undefined && report.wheels.some((w) => w.inputError);
  return unreadable ? EXIT_UNREADABLE_INPUT : EXIT_OK;
}
