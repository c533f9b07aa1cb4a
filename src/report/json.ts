/**
 * The JSON report: `"version": 1` first, every object's keys in the schema's property order
 * (unknown keys after them, sorted), so two runs over the same inputs give byte-identical files
 * whatever order the runner filled the objects in.
 *
 * @module
 */
import schema from "./schema.json" with { type: "json" };
import type { ConformReport } from "./types.ts";

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
};

const DEFINITIONS = (schema as { definitions: Record<string, Schema> }).definitions;

function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  // Local refs only (`#/definitions/x`); bounded so a cyclic ref cannot loop.
  for (let i = 0; i < 8 && cur?.$ref; i++) cur = DEFINITIONS[cur.$ref.split("/").pop() ?? ""];
  return cur;
}

function order(value: unknown, s: Schema | undefined): unknown {
  const sch = resolve(s);
  if (Array.isArray(value)) return value.map((v) => order(v, sch?.items));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const known = sch?.properties ?? objectBranch(sch)?.properties ?? {};
  const extra = typeof sch?.additionalProperties === "object"
    ? sch.additionalProperties
    : undefined;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(known)) {
    if (k in obj && obj[k] !== undefined) out[k] = order(obj[k], known[k]);
  }
  for (const k of Object.keys(obj).filter((k) => !(k in known)).sort()) {
    if (obj[k] !== undefined) out[k] = order(obj[k], extra);
  }
  return out;
}

function objectBranch(s: Schema | undefined): Schema | undefined {
  return s?.anyOf?.map(resolve).find((b) => b?.properties);
}

/**
 * A deep copy of the report with every object's keys in the schema's order (unknown keys after,
 * sorted) and `undefined` members dropped: renderers that embed data use it so their output does
 * not depend on how the report object was built.
 *
 * @example
 * ```ts ignore
 * Object.keys(canonicalReport(report))[0]; // "version"
 * ```
 */
export function canonicalReport(report: ConformReport): ConformReport {
  return order(report, schema as Schema) as ConformReport;
}

/**
 * Serialise a report as stable JSON (2-space indent, final newline).
 *
 * @param report the report
 * @returns the JSON text, starting with `{\n  "version": 1,`
 * @example
 * ```ts ignore
 * const text = renderJson(report);
 * text.startsWith('{\n  "version": 1,'); // true
 * ```
 */
export function renderJson(report: ConformReport): string {
  return `${JSON.stringify(canonicalReport(report), null, 2)}\n`;
}
