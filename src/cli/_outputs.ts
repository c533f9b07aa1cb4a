/**
 * Where a command's report goes, the same in every command: `--format FMT [--out FILE]` pairs
 * bound by position, at most one format on stdout, `--color=auto|always|never` with `NO_COLOR`,
 * `--width N`, full lines when stdout is no terminal, and files that never overwrite an input.
 *
 * @module
 */
import { dirname } from "node:path";
import type { ConformReport } from "../report/types.ts";
import { renderHtml, renderJson, renderJunit, renderMarkdown, renderText } from "../report/mod.ts";
import {
  checkOutputPath,
  checkOutputTargets,
  readColorWhen,
  UsageError,
  writeStdout,
} from "./_args.ts";

/** Formats a report is rendered in. */
export const RENDER_FORMATS = ["text", "markdown", "json", "junit", "html"] as const;
export type RenderFormat = typeof RENDER_FORMATS[number];

/** One requested output: a format, and the file it goes to (stdout when absent). */
export interface OutputRequest {
  format: RenderFormat;
  out?: string;
}

/** `parseArgs` options every report-writing command takes. */
export const OUTPUT_OPTIONS = {
  format: { type: "string", multiple: true },
  out: { type: "string", multiple: true },
  color: { type: "string" },
  "no-color": { type: "boolean" },
  width: { type: "string" },
} as const;

/** Help text lines for {@linkcode OUTPUT_OPTIONS}. */
export const OUTPUT_OPTIONS_HELP = `  --format FMT      ${
  RENDER_FORMATS.join(", ")
} (default text); repeatable, each followed by
                    its own --out; at most one goes to stdout
  --out FILE        where the --format just before it goes (default: stdout)
  --color WHEN      auto (default: on a terminal, unless NO_COLOR is set), always or never
  --no-color        the same as --color=never
  --width N         text: line width (default: the terminal's; full lines into a pipe or file)`;

/**
 * The `--format`/`--out` pairs in the order given. Each `--out` binds to the `--format` just
 * before it; an `--out` with no format of its own, or two formats for stdout, is a usage error.
 *
 * @example
 * ```ts
 * import { parseOutputRequests } from "./_outputs.ts";
 * const pairs = parseOutputRequests(["--format", "json", "--out", "r.json", "--format", "text"]);
 * console.assert(pairs.length === 2 && pairs[0].out === "r.json" && pairs[1].out === undefined);
 * ```
 */
export function parseOutputRequests(args: string[]): OutputRequest[] {
  const requests: OutputRequest[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    const eq = a.indexOf("=");
    const [flag, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flag !== "--format" && flag !== "--out") continue;
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--format") {
      if (!(RENDER_FORMATS as readonly string[]).includes(value)) {
        throw new UsageError(
          `--format must be one of ${RENDER_FORMATS.join(", ")}, not "${value}"`,
        );
      }
      requests.push({ format: value as RenderFormat });
      continue;
    }
    const last = requests[requests.length - 1];
    if (!last || last.out !== undefined) {
      throw new UsageError(
        `--out ${value} has no --format of its own: give each --out right after its --format ` +
          `(--format json --out ${value})`,
      );
    }
    last.out = value;
  }
  const toStdout = requests.filter((r) => r.out === undefined);
  if (toStdout.length > 1) {
    throw new UsageError(
      `${toStdout.map((r) => r.format).join(" and ")} would both go to stdout: give all but one ` +
        "an --out FILE",
    );
  }
  return requests.length ? requests : [{ format: "text" }];
}

/** How text is styled: colour and width, decided once per command. */
export interface TextStyle {
  color: boolean;
  /** Columns; `undefined`: full lines. */
  width?: number;
}

/** Is `NO_COLOR` set to something (https://no-color.org)? */
export function noColorRequested(): boolean {
  try {
    return (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    return false;
  }
}

function stdoutIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}

/**
 * Colour and width for stdout from `--color`, `--no-color`, `--width` and the environment.
 *
 * @example
 * ```ts ignore
 * const style = textStyleFrom(values); // { color: false } when piped
 * ```
 */
export function textStyleFrom(
  values: { color?: string; "no-color"?: boolean; width?: string },
  terminal = stdoutIsTerminal(),
): TextStyle {
  const when = values["no-color"] ? "never" : readColorWhen(values.color ?? "auto");
  if (values["no-color"] && values.color !== undefined && values.color !== "never") {
    throw new UsageError(`--no-color and --color=${values.color} conflict`);
  }
  if (values.width !== undefined && !/^[1-9][0-9]*$/.test(values.width)) {
    throw new UsageError(`--width must be a positive integer, not "${values.width}"`);
  }
  const color = when === "always" || (when === "auto" && terminal && !noColorRequested());
  let width = values.width !== undefined ? Number(values.width) : undefined;
  if (width === undefined && terminal) {
    try {
      width = Deno.consoleSize().columns;
    } catch {
      // No size known: full lines.
    }
  }
  return { color, ...(width !== undefined ? { width } : {}) };
}

/**
 * Refuse output files that are directories, inputs, cache files or written twice.
 *
 * @example
 * ```ts ignore
 * checkOutputRequests(requests, { inputs: ["corpus/"], cacheDir: ".cache" });
 * ```
 */
export function checkOutputRequests(
  requests: OutputRequest[],
  context: { inputs: string[]; cacheDir?: string },
): void {
  const files = requests.flatMap((r) => r.out ?? []);
  for (const out of files) checkOutputPath(out);
  checkOutputTargets(files, context);
}

/**
 * Render a report in one format; text in the given style (stdout) or plain and full (files).
 *
 * @example
 * ```ts ignore
 * const html = renderReport(report, "html");
 * ```
 */
export function renderReport(
  report: ConformReport,
  format: RenderFormat,
  options: Partial<TextStyle> & { summary?: boolean } = {},
): string {
  switch (format) {
    case "text":
      return renderText(report, {
        color: options.color === true,
        width: options.width ?? Number.POSITIVE_INFINITY,
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

/**
 * Write each requested output: files (creating their directory) and at most one to stdout.
 *
 * @example
 * ```ts ignore
 * await writeOutputs(report, requests, textStyleFrom(values), { prefix: "conform" });
 * ```
 */
export async function writeOutputs(
  report: ConformReport,
  requests: OutputRequest[],
  style: TextStyle,
  options: { prefix: string; quiet?: boolean; summary?: boolean },
): Promise<void> {
  for (const { format, out } of requests) {
    const text = renderReport(report, format, {
      ...(out === undefined ? style : {}),
      ...(options.summary ? { summary: true } : {}),
    });
    if (out === undefined) await writeStdout(text.endsWith("\n") ? text : `${text}\n`);
    else {
      await Deno.mkdir(dirname(out) || ".", { recursive: true });
      await Deno.writeTextFile(out, text);
      if (!options.quiet) console.error(`${options.prefix}: wrote ${format} report to ${out}`);
    }
  }
}

/** Where a report command's output goes; tests pass their own. */
export interface ReportIo {
  out(text: string): Promise<void> | void;
  err(line: string): void;
  writeFile(path: string, text: string): Promise<void>;
  stdoutIsTerminal(): boolean;
}

/** stdout, stderr and the file system (a file's directory is created). */
export const STANDARD_REPORT_IO: ReportIo = {
  out: writeStdout,
  err: (line) => console.error(line),
  async writeFile(path, text) {
    await Deno.mkdir(dirname(path) || ".", { recursive: true });
    await Deno.writeTextFile(path, text);
  },
  stdoutIsTerminal,
};
