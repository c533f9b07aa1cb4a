/**
 * `conform merge REPORT.json... [--format FMT [--out FILE]]...`: join the JSON reports of a
 * sharded run (`conform --shard K/N`, one per shard) into the report of the whole run, scored
 * again over the union (see `src/runner/merge_reports.ts`), and render it like `render` does.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { defaultCacheDir } from "../corpus/defaults.ts";
import { mergeShardReports, ShardMergeError } from "../runner/merge_reports.ts";
import type { ShardReportFile } from "../runner/merge_reports.ts";
import { normalizeColorFlag, parseOrUsage, UsageError } from "./_args.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "./_exit_codes.ts";
import { readReportFile, ReportReadError } from "./_report_io.ts";
import {
  checkOutputRequests,
  OUTPUT_OPTIONS,
  OUTPUT_OPTIONS_HELP,
  type OutputRequest,
  parseOutputRequests,
  renderReport,
  type ReportIo,
  STANDARD_REPORT_IO,
  type TextStyle,
  textStyleFrom,
} from "./_outputs.ts";

const USAGE =
  `Usage: deno task conform merge REPORT.json... [--format FMT [--out FILE]]... [OPTIONS]

Join the JSON reports of a sharded run (conform --shard K/N --format json, one per shard)
into the report of the whole run: outcomes as the shards found them, policy scores, ranks,
predictions, counter-examples, defective wheels and equivalence classes computed again over
the union. With --oracle none the result equals the unsharded run's JSON report but for
generatedAt (the latest shard's), durationMs (the sum) and errors (the union).

Reports of different harness versions, inputs, runtimes, policies or oracle options, a shard
given twice with different results, and a missing shard are refused.

Options:
${OUTPUT_OPTIONS_HELP}
  --quiet           do not say which files were written

Exit codes: 0 merged, 2 usage, 4 a report cannot be read, does not follow the schema, or
the reports cannot be merged.`;

/** Where output goes; tests pass their own. */
export type MergeIo = ReportIo;

const defaultIo: MergeIo = STANDARD_REPORT_IO;

/**
 * Run `merge`.
 *
 * @param args arguments after `merge`
 * @param io output sinks (default stdout/stderr and the file system)
 * @returns the exit code
 * @example
 * ```ts ignore
 * await run(["shards/shard-1.json", "shards/shard-2.json", "--format", "json", "--out",
 *   "reports/conform.json"]);
 * ```
 */
export async function run(args: string[], io: MergeIo = defaultIo): Promise<number> {
  let files: string[];
  let requests: OutputRequest[];
  let style: TextStyle;
  let quiet: boolean;
  try {
    args = normalizeColorFlag(args);
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          ...OUTPUT_OPTIONS,
          quiet: { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      })
    );
    if (values.help) {
      await io.out(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (positionals.length === 0) {
      throw new UsageError("expected the JSON reports of the shards (REPORT.json...)");
    }
    files = positionals;
    quiet = values.quiet === true;
    requests = parseOutputRequests(args);
    style = textStyleFrom(values, io.stdoutIsTerminal());
    checkOutputRequests(requests, { inputs: files, cacheDir: defaultCacheDir() });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`conform merge: ${e.message}`);
    io.err("Try: deno task conform merge --help");
    return EXIT_USAGE;
  }

  const shards: ShardReportFile[] = [];
  let merged;
  try {
    for (const file of files) shards.push({ file, report: await readReportFile(file) });
    merged = mergeShardReports(shards);
  } catch (e) {
    if (e instanceof ReportReadError) {
      io.err(`conform merge: ${e.message}`);
      for (const p of e.problems.slice(1, 21)) io.err(`  ${p}`);
      return EXIT_UNREADABLE_INPUT;
    }
    if (e instanceof ShardMergeError) {
      io.err(`conform merge: ${e.message}`);
      for (const d of e.details) io.err(`  ${d}`);
      return EXIT_UNREADABLE_INPUT;
    }
    throw e;
  }
  for (const job of requests) {
    const text = renderReport(merged, job.format, job.out === undefined ? style : {});
    if (job.out === undefined) await io.out(text.endsWith("\n") ? text : `${text}\n`);
    else {
      await io.writeFile(job.out, text);
      if (!quiet) io.err(`conform merge: wrote ${job.format} report to ${job.out}`);
    }
  }
  return EXIT_OK;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
