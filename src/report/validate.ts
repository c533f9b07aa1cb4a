/**
 * Validation of a JSON report against the published schema (`src/report/schema.json`).
 *
 * @module
 */
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import schema from "./schema.json" with { type: "json" };
import type { ConformReport } from "./types.ts";

/** The published JSON Schema (draft-07) of the report, as data. */
export const REPORT_SCHEMA: Record<string, unknown> = schema;

/** One schema violation: a JSON Pointer into the report and what is wrong there. */
export interface ReportSchemaError {
  /** JSON Pointer, e.g. `/policies/0/rank`; `` for the document itself. */
  path: string;
  message: string;
}

/** Result of validateReport: the typed report, or every problem found. */
export type ReportValidation =
  | { valid: true; report: ConformReport; errors: [] }
  | { valid: false; errors: ReportSchemaError[] };

/** Cap on reported problems: a wrong document can produce thousands. */
export const MAX_SCHEMA_ERRORS = 100;

// RFC 3339 date-time, as JSON Schema's "date-time" format means it.
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // The named export: the CommonJS default export arrives as the module object under Deno.
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addFormat("date-time", DATE_TIME);
  compiled = ajv.compile(schema);
  return compiled;
}

function describe(e: ErrorObject): ReportSchemaError {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === "required") {
    return {
      path: `${e.instancePath}/${String(params.missingProperty)}`,
      message: "is required but missing",
    };
  }
  if (e.keyword === "additionalProperties") {
    return {
      path: `${e.instancePath}/${String(params.additionalProperty)}`,
      message: "is not a property the schema knows",
    };
  }
  const allowed = params.allowedValues ?? params.allowedValue;
  const detail = allowed !== undefined ? `: ${JSON.stringify(allowed)}` : "";
  return { path: e.instancePath, message: `${e.message ?? e.keyword}${detail}` };
}

/**
 * Validate parsed JSON against the report schema. Never throws for bad data.
 *
 * @param json a parsed JSON value (e.g. from `JSON.parse`)
 * @returns the typed report, or the problems with JSON Pointer paths
 * @example
 * ```ts
 * const result = validateReport({ version: 1 });
 * if (!result.valid) console.log(result.errors[0]); // { path: "/harnessVersion", message: "is required but missing" }
 * ```
 */
export function validateReport(json: unknown): ReportValidation {
  const validate = validator();
  if (validate(json)) return { valid: true, report: json as ConformReport, errors: [] };
  const seen = new Set<string>();
  const errors: ReportSchemaError[] = [];
  for (const e of validate.errors ?? []) {
    const d = describe(e);
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(d);
    if (errors.length >= MAX_SCHEMA_ERRORS) break;
  }
  return { valid: false, errors };
}

/**
 * One line per problem.
 *
 * @example
 * ```ts
 * formatSchemaErrors([{ path: "/policies/0/rank", message: "must be integer" }]); // "/policies/0/rank: must be integer"
 * ```
 */
export function formatSchemaErrors(errors: readonly ReportSchemaError[]): string {
  return errors.map((e) => `${e.path || "/"}: ${e.message}`).join("\n");
}
