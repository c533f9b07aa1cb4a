/**
 * `conform render REPORT.json --format FMT [--out FILE]...`: render a saved JSON report in any
 * format, without running anything again. `--format`/`--out` pairs may repeat, so one call
 * writes the Markdown, HTML and JUnit files of a nightly run.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { renderHtml } from "../report/html.ts";
import { renderJson } from "../report/json.ts";
import { renderJunit } from "../report/junit.ts";
import { renderMarkdown } from "../report/markdown.ts";
import { renderText } from "../report/text.ts";
import type { ConformReport } from "../report/types.ts";
import {
  checkOutputPath,
  checkOutputTargets,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { defaultCacheDir } from "../corpus/defaults.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT, EXIT_USAGE } from "./_exit_codes.ts";
import { readReportFile, ReportReadError } from "./_report_io.ts";

/** Formats `render` writes. */
export const RENDER_FORMATS = ["text", "markdown", "json", "junit", "html"] as const;
export type RenderFormat = typeof RENDER_FORMATS[number];

const USAGE = `Usage: deno task conform render REPORT.json [--format FMT [--out FILE]]... [OPTIONS]

Render a JSON report (validated against src/report/schema.json) as ${RENDER_FORMATS.join(", ")}.
Give --format and --out in pairs to write several files at once; with one --format and no --out
the result goes to stdout.

Options:
  --format FMT     ${RENDER_FORMATS.join("|")} (default text); may repeat
  --out FILE       where to write the matching --format; may repeat
  --summary        markdown: leave out the per-policy details (for CI job summaries)
  --color          text: ANSI colours even when stdout is not a terminal
  --no-color       text: never colour (also when NO_COLOR is set)
  --width N        text: maximum line width (default: terminal width, else 100)

Exit codes: 0 written, 2 usage, 4 the report cannot be read or does not follow the schema.`;

/** Options for rendering one format. */
export interface RenderOptions {
  color?: boolean;
  width?: number;
  summary?: boolean;
}

/**
 * Render a report in one format.
 *
 * @example
 * ```ts ignore
 * const html = renderReport(report, "html");
 * ```
 */
export function renderReport(
  report: ConformReport,
  format: RenderFormat,
  options: RenderOptions = {},
): string {
  switch (format) {
    case "text":
      return renderText(report, {
        ...(options.color !== undefined ? { color: options.color } : {}),
        ...(options.width !== undefined ? { width: options.width } : {}),
      });
    case "markdown":
      return renderMarkdown(report, { detail: options.summary ? "summary" : "full" });
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report);
    case "html":
      return renderHtml(report);
  }
}

/** Where output goes; tests pass their own. */
export interface RenderIo {
  out(text: string): Promise<void> | void;
  err(line: string): void;
  writeFile(path: string, text: string): Promise<void>;
  stdoutIsTerminal(): boolean;
}

const defaultIo: RenderIo = {
  out: writeStdout,
  err: (line) => console.error(line),
  async writeFile(path, text) {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, text);
  },
  stdoutIsTerminal: () => {
    try {
      return Deno.stdout.isTerminal();
    } catch {
      return false;
    }
  },
};

function noColorEnv(): boolean {
  try {
    return (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    return false;
  }
}

function terminalWidth(): number | undefined {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}

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
  let jobs: { format: RenderFormat; out?: string }[];
  let file: string;
  let values: {
    format?: string[];
    out?: string[];
    summary?: boolean;
    color?: boolean;
    "no-color"?: boolean;
    width?: string;
    help?: boolean;
  };
  try {
    let positionals: string[];
    ({ values, positionals } = parseOrUsage(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          format: { type: "string", multiple: true },
          out: { type: "string", multiple: true },
          summary: { type: "boolean" },
          color: { type: "boolean" },
          "no-color": { type: "boolean" },
          width: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
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
    const formats = values.format ?? ["text"];
    for (const f of formats) {
      if (!(RENDER_FORMATS as readonly string[]).includes(f)) {
        throw new UsageError(`unknown format "${f}" (expected ${RENDER_FORMATS.join(", ")})`);
      }
    }
    const outs = values.out ?? [];
    if (outs.length === 0 && formats.length > 1) {
      throw new UsageError("several --format values need one --out each");
    }
    if (outs.length > 0 && outs.length !== formats.length) {
      throw new UsageError(
        `${formats.length} --format but ${outs.length} --out: give them in pairs`,
      );
    }
    if (values.width !== undefined && !/^[1-9][0-9]*$/.test(values.width)) {
      throw new UsageError(`--width must be a positive integer, got "${values.width}"`);
    }
    if (values.color && values["no-color"]) throw new UsageError("--color and --no-color conflict");
    for (const out of outs) checkOutputPath(out);
    checkOutputTargets(outs, { inputs: [file], cacheDir: defaultCacheDir() });
    jobs = formats.map((format, i) => ({
      format: format as RenderFormat,
      ...(outs[i] !== undefined ? { out: outs[i] } : {}),
    }));
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
  for (const job of jobs) {
    const toTerminal = job.out === undefined && io.stdoutIsTerminal();
    const color = values.color === true ||
      (values["no-color"] !== true && toTerminal && !noColorEnv());
    const width = values.width !== undefined
      ? Number(values.width)
      : toTerminal
      ? terminalWidth()
      : undefined;
    const text = renderReport(report, job.format, {
      color,
      ...(width !== undefined ? { width } : {}),
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
