/**
 * Reports: render a ConformReport as text, Markdown, JSON (with its schema), JUnit XML or one
 * self-contained HTML page; compare two reports; show progress on long runs.
 *
 * @example
 * ```ts ignore
 * import { renderText, validateReport } from "./mod.ts";
 * const result = validateReport(JSON.parse(await Deno.readTextFile("reports/conform.json")));
 * if (result.valid) console.log(renderText(result.report, { color: true }));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./text.ts";
export * from "./markdown.ts";
export * from "./json.ts";
export * from "./validate.ts";
export * from "./junit.ts";
export * from "./html.ts";
export * from "./diff.ts";
export * from "./progress.ts";
export * from "./link_pairs.ts";
export * from "./explanation.ts";
export * from "./compare_policies.ts";
