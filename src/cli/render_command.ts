/**
 * `conform render REPORT.json --format FMT [--out FILE]...`: render a saved JSON report in any
 * format, without running anything again. `--format`/`--out` pairs may repeat, so one call
 * writes the Markdown, HTML and JUnit files of a nightly run.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ConformReport } from "../report/types.ts";
import { normalizeColorFlag, parseOrUsage, UsageError } from "./_args.ts";
import { defaultCacheDir } from "../corpus/defaults.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "./_exit_codes.ts";
import { readReportFile, ReportReadError } from "./_report_io.ts";
import {
  checkOutputRequests,
  OUTPUT_OPTIONS,
  OUTPUT_OPTIONS_HELP,
  type OutputRequest,
  parseOutputRequests,
  RENDER_FORMATS,
  renderReport,
  type ReportIo,
  STANDARD_REPORT_IO,
  textStyleFrom,
} from "./_outputs.ts";

const USAGE = `Usage: deno task conform render REPORT.json [--format FMT [--out FILE]]... [OPTIONS]

Render a JSON report (validated against src/report/schema.json) as ${RENDER_FORMATS.join(", ")}.
Give --format and --out in pairs to write several files at once.

Options:
${OUTPUT_OPTIONS_HELP}
  --summary         markdown: leave out the per-policy details (for CI job summaries)

Exit codes: 0 written, 2 usage, 4 the report cannot be read or does not follow the schema.`;

/** Where output goes; tests pass their own. */
export type RenderIo = ReportIo;

const defaultIo: RenderIo = STANDARD_REPORT_IO;

/**
 * Run `render`.
 *
 * @param args arguments after `render`
 * @param io output sinks (default stdout/stderr and the file system)
 * @returns the exit code
 * @example
 * ```ts ignore
 * await run(["reports/conform.json", "--format", "html", "--out", "reports/conform.html"]);
 * ```
 */
export async function run(args: string[], io: RenderIo = defaultIo): Promise<number> {
  let requests: OutputRequest[];
  let file: string;
  let values: { summary?: boolean; help?: boolean; color?: string; width?: string };
  let style;
  try {
    args = normalizeColorFlag(args);
    let positionals: string[];
    ({ values, positionals } = parseOrUsage(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: { ...OUTPUT_OPTIONS, summary: { type: "boolean" }, help: { type: "boolean" } },
      })
    ));
    if (values.help) {
      await io.out(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (positionals.length !== 1) {
      throw new UsageError(`expected one REPORT.json, got ${positionals.length} paths`);
    }
    file = positionals[0] as string;
    requests = parseOutputRequests(args);
    style = textStyleFrom(values, io.stdoutIsTerminal());
    checkOutputRequests(requests, { inputs: [file], cacheDir: defaultCacheDir() });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`conform render: ${e.message}`);
    io.err(USAGE);
    return EXIT_USAGE;
  }

  let report: ConformReport;
  try {
    report = await readReportFile(file);
  } catch (e) {
    if (!(e instanceof ReportReadError)) throw e;
    io.err(`conform render: ${e.message}`);
    for (const p of e.problems.slice(1, 21)) io.err(`  ${p}`);
    return EXIT_UNREADABLE_INPUT;
  }
  for (const job of requests) {
    const text = renderReport(report, job.format, {
      ...(job.out === undefined ? style : {}),
      ...(values.summary ? { summary: true } : {}),
    });
    if (job.out === undefined) await io.out(text);
    else {
      await io.writeFile(job.out, text);
      io.err(`conform render: wrote ${job.format} to ${job.out}`);
    }
  }
  return EXIT_OK;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
