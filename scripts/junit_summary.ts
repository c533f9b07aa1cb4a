/**
 * Print JUnit XML as a Markdown test summary (totals, one row per suite, the first failures), for
 * a CI job summary: the nightly appends it to `$GITHUB_STEP_SUMMARY`, so the results are read on
 * the run's page and not only from an artifact.
 *
 * Usage:
 *   deno run --allow-read scripts/junit_summary.ts FILE.xml [--failures N] [--title TEXT]
 *
 * Exit codes: 0 printed (whatever the results), 2 usage, 4 the file cannot be read or is not
 * JUnit XML.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { JunitReadError, renderJunitSummary } from "../src/report/junit_summary.ts";

/**
 * Run the script. Returns the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await main(["reports/conform.junit.xml"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let values: { failures?: string; title?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { failures: { type: "string" }, title: { type: "string" } },
    }));
  } catch (e) {
    console.error(`junit_summary: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const failures = values.failures === undefined ? undefined : Number(values.failures);
  if (positionals.length !== 1 || (failures !== undefined && !(failures >= 0))) {
    console.error("usage: deno run --allow-read scripts/junit_summary.ts FILE.xml [--failures N]");
    return 2;
  }
  try {
    const xml = await Deno.readTextFile(positionals[0]);
    const md = renderJunitSummary(xml, {
      ...(failures !== undefined ? { failures } : {}),
      ...(values.title !== undefined ? { title: values.title } : {}),
    });
    await Deno.stdout.write(new TextEncoder().encode(md));
    return 0;
  } catch (e) {
    if (e instanceof JunitReadError || e instanceof Deno.errors.NotFound) {
      console.error(`junit_summary: ${positionals[0]}: ${e.message}`);
      return 4;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
