/**
 * `conform check WHEEL... [--runtime SPEC] [--oracle]`: will this wheel load on these Pyodide
 * runtimes, and if not, why? One line per runtime, root cause first; exit 1 when a checked
 * runtime breaks it. The conform pipeline does the work (read, libraries, pool, cache, oracle).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { describeCause } from "../link/mod.ts";
import type { OutcomeClass } from "../link/types.ts";
import { findClaimedRuntimes, observedWorks } from "../policy/mod.ts";
import type { ReportOutcome } from "../report/types.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  escapeControl,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { parseRuntimeDirs, readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { describeRunProblems, resolveRuntimeSpecs, runPipeline } from "./_pipeline.ts";
import { EXIT_OK, EXIT_RUNTIME_UNAVAILABLE, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

/** `check`'s own code: a runtime it was checked against breaks the wheel. */
export const EXIT_BREAKS = 1;

const USAGE = `Usage: deno task conform check WHEEL... [--runtime SPEC] [--oracle] [--json]

Will each wheel load on these Pyodide runtimes, and if not, why? One line per runtime, the
root cause first (Python version, then missing or mistyped symbols, then what the module needs
of the loader), and the tags and ABI versions the wheel is consistent with.

Options:
  --runtime SPEC   a version (0.28.3), a series (0.28: its newest), or all; repeatable or
                   comma-separated. Default: the runtimes an installer would install the wheel
                   on under the tags it carries
  --runtime-dir DIR[=LABEL]
                   also check against a local Pyodide distribution (one build), named LABEL
                   (default <version>@local); repeatable
  --oracle         also load each pair in the real runtime (its result decides)
  --json           one JSON object per wheel
${CORPUS_OPTIONS_HELP}
  -h, --help       show this help

Exit codes: 0 every checked runtime loads every wheel, 1 some checked runtime breaks one,
2 usage, 4 a wheel could not be read, 5 a runtime is unknown or unavailable.`;

/**
 * Run `check`.
 *
 * @example
 * ```ts ignore
 * await run(["orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "--runtime", "0.28"]);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CORPUS_OPTIONS,
        runtime: { type: "string", multiple: true },
        "runtime-dir": { type: "string", multiple: true },
        oracle: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError("check takes at least one WHEEL");
  const catalogue = await readShippedRuntimeCatalogue();
  const { versions } = resolveRuntimeSpecs(values.runtime, catalogue);
  const asked = new Set(versions);
  const locals = parseRuntimeDirs(values["runtime-dir"]);
  const corpus = corpusOptionsFrom(values);
  // Every catalogue runtime is checked (cheap, cached): "consistent with" needs them all; the
  // lines and the exit code are about the asked (or claimed) ones.
  const report = await runPipeline({
    paths: positionals,
    catalogue,
    runtimes: ["all"],
    localRuntimes: locals,
    policies: [],
    oracle: values.oracle ? "all" : "none",
    oracleBudgetMs: null,
    cacheDir: corpus.cacheDir!,
    mirror: corpus.mirror,
    allowNetwork: corpus.allowNetwork !== false,
  });
  let code = EXIT_OK;
  // A runtime directory that could not be read at all is not a runtime of the report.
  for (const line of describeRunProblems(report).runtimes) {
    console.error(`conform check: ${line}`);
    code = EXIT_RUNTIME_UNAVAILABLE;
  }
  const out: string[] = [];
  const json: unknown[] = [];
  for (const w of report.wheels) {
    if (w.inputError) {
      console.error(`conform check: ${w.file}: ${w.inputError}`);
      code = code === EXIT_OK ? EXIT_UNREADABLE_INPUT : code;
      continue;
    }
    const rows = report.outcomes.filter((o) => o.wheel === w.file);
    const works = (o: ReportOutcome) =>
      observedWorks({
        outcome: o.outcome as OutcomeClass,
        ...(typeof o.oracle?.works === "boolean" ? { oracleWorks: o.oracle.works } : {}),
      }) === true;
    // Local runtimes are always checked: naming one is asking about it.
    const localLabels = report.runtimes.map((r) => r.version)
      .filter((v) => !catalogue.some((e) => e.version === v));
    const checked = [
      ...(asked.size ? [...asked] : locals.length ? [] : findClaimedRuntimes(w.file, catalogue)),
      ...localLabels,
    ];
    const consistent = catalogue.filter((e) =>
      rows.some((o) => o.runtime === e.version && works(o))
    );
    const unavailable = new Map(
      report.runtimes.filter((r) => r.unavailable).map((r) => [r.version, r.unavailable!]),
    );
    const lines = checked.map((v) => {
      const row = rows.find((o) => o.runtime === v);
      if (!row && unavailable.has(v)) {
        code = EXIT_BREAKS;
        return { runtime: v, works: false, outcome: "unavailable", why: unavailable.get(v)! };
      }
      const ok = row ? works(row) : false;
      if (!ok) code = EXIT_BREAKS;
      return {
        runtime: v,
        works: ok,
        outcome: row?.outcome ?? "not checked",
        why: row
          ? describeCause({ ...row, outcome: row.outcome as OutcomeClass, modules: [] })
          : "",
      };
    });
    if (values.json) {
      json.push({
        wheel: w.file,
        tags: w.tags,
        builtFor: w.builtFor ?? null,
        consistentWith: consistent.map((e) => ({ runtime: e.version, platformTag: e.platformTag })),
        runtimes: lines,
      });
      continue;
    }
    out.push(`${w.file}`);
    out.push(`  tags        ${w.tags.join(", ") || "(none in the file name)"}`);
    const byTag = new Map<string, string[]>();
    for (const e of consistent) {
      byTag.set(e.platformTag, [...(byTag.get(e.platformTag) ?? []), e.version]);
    }
    out.push(
      `  consistent  ${
        [...byTag].map(([tag, vs]) => `${tag} (${vs.join(", ")})`).join("; ") ||
        "with no catalogue runtime"
      }`,
    );
    if (lines.length === 0 && locals.length === 0) {
      out.push("  no catalogue runtime is claimed by its tags; name one with --runtime");
    }
    for (const l of lines) {
      out.push(
        `  ${l.runtime.padEnd(16)} ${l.works ? "yes" : "no "}  ${
          l.works && l.outcome === "links" ? "" : `${l.outcome}: ${l.why}`
        }`.trimEnd(),
      );
    }
  }
  await writeStdout(
    values.json ? `${JSON.stringify(json, null, 2)}\n` : escapeControl(`${out.join("\n")}\n`),
  );
  return code;
}
