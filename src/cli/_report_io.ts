/**
 * Reading a JSON report from disk for the commands that consume reports (`diff`, `render`):
 * read, parse, validate against the schema, and say exactly what is wrong otherwise.
 *
 * @module
 */
import { formatSchemaErrors, validateReport } from "../report/validate.ts";
import type { ConformReport } from "../report/types.ts";

/** Upper bound on a report file's size: a full corpus run is tens of megabytes. */
export const MAX_REPORT_BYTES = 512 * 1024 * 1024;

/** Why a report could not be used. */
export class ReportReadError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`Cannot use report "${file}": ${problems[0] ?? "unknown problem"}`);
    this.name = "ReportReadError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * Read and validate a report file.
 *
 * @param file path of a JSON report
 * @returns the validated report
 * @throws {ReportReadError} when it cannot be read, is not JSON, or does not follow the schema
 * @example
 * ```ts ignore
 * const report = await readReportFile("reports/conform.json");
 * ```
 */
export async function readReportFile(file: string): Promise<ConformReport> {
  let text: string;
  try {
    const info = await Deno.stat(file);
    if (!info.isFile) throw new ReportReadError(file, ["not a file"]);
    if (info.size > MAX_REPORT_BYTES) {
      throw new ReportReadError(file, [`${info.size} bytes, more than ${MAX_REPORT_BYTES}`]);
    }
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof ReportReadError) throw e;
    throw new ReportReadError(file, [`cannot read: ${e instanceof Error ? e.message : String(e)}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text it choked on: a binary file would be echoed raw. Say what it starts with.
    const head = text.slice(0, 4);
    const what = head.startsWith("PK\u0003\u0004")
      ? "a zip archive (a wheel?), not a JSON report"
      : `not JSON (${(e instanceof Error ? e.name : "error")} at its start: ${
        JSON.stringify(text.slice(0, 16))
      })`;
    throw new ReportReadError(file, [what]);
  }
  const result = validateReport(json);
  if (!result.valid) {
    throw new ReportReadError(file, [
      "does not follow the report schema (src/report/schema.json)",
      ...formatSchemaErrors(result.errors).split("\n"),
    ]);
  }
  return result.report;
}
