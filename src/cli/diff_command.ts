/**
 * `conform diff OLD.json NEW.json`: what changed between two runs. Exits 6 only when a scheme
 * that was CORRECT is UNSAFE now, or a wheel newly breaks on its own runtime, so a nightly job
 * fails on regressions only (a runtime added to the catalogue gives an already UNSAFE scheme
 * more unsafe accepts: listed, not a failure).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { diffReports, renderDiffText } from "../report/diff.ts";
import { parseOrUsage, UsageError, writeStdout } from "./_args.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_UNSAFE_ACCEPTS, EXIT_USAGE } from "./_exit_codes.ts";
import { readReportFile, ReportReadError } from "./_report_io.ts";

const USAGE = `Usage: deno task conform diff OLD.json NEW.json [--json] [--limit N]

Compare two JSON reports: runtimes and wheels added or removed, link outcomes that moved,
oracle results that moved, policies whose verdict or counts changed, and new unsafe accepts
(pairs a policy installs although they break, that were not unsafe accepts before; policies new
in NEW.json are listed but not counted). The gate: policies that were CORRECT and are UNSAFE
now, and wheels newly broken on their own runtime.

Options:
  --json       print the differences as JSON
  --limit N    lines per section in the text output (default 50)

Exit codes: 0 the gate holds, 6 a CORRECT policy turned UNSAFE or a wheel newly breaks on
its own runtime, 2 usage,
4 a report cannot be read or does not follow the schema.`;

/** Where output goes; tests pass their own. */
export interface DiffIo {
  out(text: string): Promise<void> | void;
  err(line: string): void;
}

const defaultIo: DiffIo = { out: writeStdout, err: (line) => console.error(line) };

/**
 * Run `diff`.
 *
 * @param args arguments after `diff`
 * @param io output sinks (default stdout/stderr)
 * @returns the exit code
 * @example
 * ```ts ignore
 * const code = await run(["reports/previous.json", "reports/conform.json"]);
 * ```
 */
export async function run(args: string[], io: DiffIo = defaultIo): Promise<number> {
  let values: { json?: boolean; help?: boolean; limit?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseOrUsage(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          json: { type: "boolean" },
          limit: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      })
    ));
    if (values.help) {
      await io.out(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (positionals.length !== 2) {
      throw new UsageError(`expected OLD.json and NEW.json, got ${positionals.length} paths`);
    }
    if (values.limit !== undefined && !/^[1-9][0-9]*$/.test(values.limit)) {
      throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`conform diff: ${e.message}`);
    io.err(USAGE);
    return EXIT_USAGE;
  }
  const [oldFile, newFile] = positionals as [string, string];
  let reports;
  try {
    reports = [await readReportFile(oldFile), await readReportFile(newFile)] as const;
  } catch (e) {
    if (!(e instanceof ReportReadError)) throw e;
    io.err(`conform diff: ${e.message}`);
    for (const p of e.problems.slice(1, 21)) io.err(`  ${p}`);
    return EXIT_UNREADABLE_INPUT;
  }
  const diff = diffReports(reports[0], reports[1]);
  if (values.json) {
    await io.out(`${JSON.stringify(diff, null, 2)}\n`);
  } else {
    await io.out(renderDiffText(diff, { limit: values.limit ? Number(values.limit) : 50 }));
  }
  const { nowUnsafe, newOwnBreaks } = diff.gate;
  if (nowUnsafe.length > 0 || newOwnBreaks.length > 0) {
    const why = [
      ...(nowUnsafe.length
        ? [
          `${nowUnsafe.length} polic${nowUnsafe.length === 1 ? "y" : "ies"} now unsafe (${
            nowUnsafe.join(", ")
          }; ${diff.newUnsafeAccepts.length} new unsafe accepts)`,
        ]
        : []),
      ...(newOwnBreaks.length
        ? [`${newOwnBreaks.length} wheel(s) newly broken on their own runtime`]
        : []),
    ];
    io.err(`conform diff: ${why.join("; ")} since ${oldFile}`);
    return EXIT_UNSAFE_ACCEPTS;
  }
  return EXIT_OK;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
