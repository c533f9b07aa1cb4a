/**
 * `conform inspect PATH...`: print the facts of wheels, `.zip` packages and their side modules.
 *
 * The default output is a readable summary per archive and per `.so`. `--json` prints the complete
 * facts as one JSON document in which every wasm function type (in `types`, imports, exports and
 * tags) is written as a string like `(i32, i32) -> i32`, and 64-bit constants as decimal strings.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { collectInputs, type InputFile } from "../corpus/collect_inputs.ts";
import { formatFuncType } from "../wasm/mod.ts";
import type { FuncType } from "../wasm/types.ts";
import type { SideModuleFacts, WheelFacts } from "../wheel/types.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  describeError,
  escapeControl,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { EXIT_OK, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";
import { type InputResult, readInputs } from "./_read_inputs.ts";
import { createProgress } from "../report/progress.ts";

const USAGE = `Usage: deno task conform inspect PATH... [--json] [OPTIONS]

Print the facts of each wheel (.whl), Pyodide .zip package and every side module (.so) in it.
PATH may be a wheel, a .zip package, a directory (searched recursively for *.whl and *.zip),
or the catalogue (corpus/ or corpus/wheels.json).

Options:
  --json            print the complete facts as JSON; wasm function types are strings such as
                    "(i32, i32) -> i32", 64-bit constants are decimal strings
${CORPUS_OPTIONS_HELP}
  -h, --help        show this help

Exit codes: 0 every input was read, 4 at least one input could not be read, 2 usage.`;

/** Is this value a wasm function type (exactly `params` and `results` arrays)? */
function isFuncType(value: unknown): value is FuncType {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const v = value as FuncType;
  return keys.length === 2 && Array.isArray(v.params) && Array.isArray(v.results);
}

/**
 * `JSON.stringify` replacer used by `--json`: function types become their text form and
 * bigints (i64 constants) decimal strings.
 *
 * @param _key Unused.
 * @param value The value being serialised.
 * @returns The replacement.
 *
 * @example
 * ```ts
 * import { renderFactsValue } from "./inspect_command.ts";
 * const text = JSON.stringify({ t: { params: ["i32"], results: [] }, n: 5n }, renderFactsValue);
 * console.assert(text.includes('"n":"5"'));
 * ```
 */
export function renderFactsValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (isFuncType(value)) return formatFuncType(value);
  return value;
}

function formatBytes(n: number): string {
  return `${n.toLocaleString("en-US")} bytes`;
}

function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

function describeSideModule(so: SideModuleFacts): string[] {
  const w = so.wasm;
  const lines = [`  ${so.member}  ${formatBytes(so.size)}`];
  const imports = w.imports.length ? ` (${countBy(w.imports, (i) => i.kind)})` : "";
  const exports = w.exports.length ? ` (${countBy(w.exports, (e) => e.kind)})` : "";
  lines.push(`    imports ${w.imports.length}${imports}; exports ${w.exports.length}${exports}`);
  if (w.dylink) {
    const d = w.dylink;
    const weak = d.importInfo.filter((i) => (i.flags & 3) === 1).length;
    lines.push(
      `    ${d.format}: memory ${d.memorySize} (align 2^${d.memoryAlign}), table ${d.tableSize}` +
        ` (align 2^${d.tableAlign}), needed: ${d.needed.length ? d.needed.join(", ") : "none"}` +
        (weak ? `, weak imports ${weak}` : ""),
    );
  } else {
    lines.push("    no dylink section (not a side module)");
  }
  const a = so.abi;
  const flags = [
    `exceptions ${a.exceptions}`,
    `setjmp ${a.setjmp}`,
    // "i64 none" is said too: it is a fact of its own, not the absence of BigInt.
    `i64 ${a.i64Interface}`,
    a.threads ? "threads" : "",
    a.simd128 ? "simd128" : "",
    a.memory64 ? "memory64" : "",
    a.tailCall ? "tail-call" : "",
    a.needsDataRelocs ? "needs data relocs" : "",
    a.pythonVersion ? `Python ${a.pythonVersion}` : "",
  ].filter(Boolean);
  lines.push(`    abi: ${flags.join(", ")}`);
  return lines;
}

function describeArchive(input: InputFile, facts: WheelFacts): string {
  const lines = [input.file];
  const name = facts.filename?.name ?? facts.metadata?.name ?? "?";
  const version = facts.filename?.version ?? facts.metadata?.version ?? "?";
  const tags = facts.filename
    ? facts.filename.tags.map((t) => `${t.interpreter}-${t.abi}-${t.platform}`).join(" ")
    : "(no tags: .zip package)";
  lines.push(`  ${name} ${version}  ${facts.kind}  ${tags}`);
  if (facts.wheel && facts.wheel.tags.length) {
    lines.push(`  WHEEL Tag: ${facts.wheel.tags.join(" ")}`);
  }
  lines.push(
    `  ${formatBytes(facts.size)}, ${facts.memberCount} members, sha256 ${facts.sha256}`,
  );
  if (input.entry) {
    const e = input.entry;
    lines.push(
      `  catalogue: ${e.distribution}, built for runtime ${e.builtForRuntime ?? "none"}` +
        (e.builtFor.customBuild ? " (custom build)" : ""),
    );
  }
  if (facts.findings.length === 0) {
    lines.push("  findings: none");
  } else {
    lines.push("  findings:");
    for (const f of facts.findings) {
      lines.push(`    ${f.code}: ${f.message}${f.member ? ` (${f.member})` : ""}`);
    }
  }
  if (facts.sideModules.length === 0) lines.push("  side modules: none");
  for (const so of facts.sideModules) lines.push(...describeSideModule(so));
  return lines.join("\n") + "\n";
}

function describeFailure(result: InputResult): string {
  const d = describeError(result.error);
  const where = [
    d.file !== undefined ? `file "${d.file}"` : "",
    d.member !== undefined ? `member "${d.member}"` : "",
    d.offset !== undefined ? `offset 0x${d.offset.toString(16)} (${d.offset})` : "",
  ].filter(Boolean).join(", ");
  return `error: ${result.input.file}: ${d.class}: ${d.message}` + (where ? `\n  at ${where}` : "");
}

function jsonOf(result: InputResult): string {
  const base: Record<string, unknown> = { file: result.input.file, source: result.input.source };
  if (result.input.entry) {
    base.catalogue = {
      distribution: result.input.entry.distribution,
      builtForRuntime: result.input.entry.builtForRuntime,
      sha256: result.input.entry.sha256,
    };
  }
  if (result.facts) base.facts = result.facts;
  else base.error = describeError(result.error);
  return JSON.stringify(base, renderFactsValue);
}

/**
 * Run `conform inspect`.
 *
 * @param args Arguments after `inspect`.
 * @returns `EXIT_OK`, or `EXIT_UNREADABLE_INPUT` when any input failed to read.
 * @throws {UsageError} On bad arguments.
 *
 * @example
 * ```ts ignore
 * import { run } from "./inspect_command.ts";
 * const code = await run(["corpus/", "--json"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CORPUS_OPTIONS,
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    console.log(USAGE);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError("inspect needs at least one PATH");
  const inputs = await collectInputs(positionals, corpusOptionsFrom(values));
  const progress = createProgress({ total: inputs.length, label: "reading" });
  let failed = 0;
  let sideModules = 0;
  let index = 0;
  if (values.json) await writeStdout(`{"version":1,"inputs":[\n`);
  for await (const result of readInputs(inputs)) {
    progress.tick(1, escapeControl(result.input.file));
    if (values.json) await writeStdout((++index > 1 ? ",\n" : "") + jsonOf(result));
    else if (result.facts) await writeStdout(describeArchive(result.input, result.facts) + "\n");
    if (!result.facts) {
      progress.clear();
      console.error(describeFailure(result));
    }
    if (result.facts) sideModules += result.facts.sideModules.length;
    else failed++;
  }
  await progress.done();
  const summary = `${inputs.length} inputs, ${inputs.length - failed} read, ${failed} failed, ` +
    `${sideModules} side modules`;
  if (values.json) {
    await writeStdout(
      `\n],"summary":${JSON.stringify({ inputs: inputs.length, failed, sideModules })}}\n`,
    );
    console.error(summary);
  } else {
    await writeStdout(summary + "\n");
  }
  return failed > 0 ? EXIT_UNREADABLE_INPUT : EXIT_OK;
}
