/**
 * `conform link PATH... [--runtime VERSION|all]`: link-check wheels and `.zip` packages against
 * runtimes and print one outcome per archive × runtime (per side module with `--verbose`), a
 * matrix when there are several of both, or JSON.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { collectInputs, createLibraryRun, type InputFile, librariesFor } from "../corpus/mod.ts";
import {
  type CheckLinkInput,
  describeEvidence,
  describeOutcome,
  executeOnPool,
  type LinkOutcome,
  LinkPool,
  type OutcomeClass,
  readLinkInput,
  registerRealMainFile,
  renderOutcomeMatrix,
} from "../link/mod.ts";
import type { ByteStore } from "../link/stub.ts";
import { obtainRuntimeFacts } from "../runtime/mod.ts";
import type { RuntimeFacts, RuntimeFiles } from "../runtime/types.ts";
import {
  CORPUS_OPTIONS,
  CORPUS_OPTIONS_HELP,
  corpusOptionsFrom,
  createProgress,
  describeError,
  escapeControl,
  parseOrUsage,
  UsageError,
  writeStdout,
} from "./_args.ts";
import { readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { EXIT_OK, EXIT_RUNTIME_UNAVAILABLE, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";

const USAGE = `Usage: deno task conform link PATH... [--runtime VERSION|all] [OPTIONS]

Link-check each wheel or .zip package in PATH (files, directories, or the catalogue corpus/)
against runtimes, emulating each runtime's own Emscripten loader against a stub of its main
module. Prints one outcome per archive × runtime, and a matrix for several of both.

Options:
  --runtime V       runtime version, repeatable or comma-separated; "all" (default) is the
                    whole catalogue
  --runtime-dir DIR a local Pyodide distribution (pyodide.asm.wasm, glue, lock) as the runtime
  --json            print the outcomes as JSON
  --verbose         one line per side module and per piece of evidence
  --workers N       worker count (default: one per core, at most 2)
  --time-limit MS   time limit per archive × runtime pair (default 10000)
${CORPUS_OPTIONS_HELP}

Exit codes: 0 checked (whatever the outcomes), 2 usage, 4 an input cannot be read,
5 a runtime cannot be obtained.`;

/** A stub byte store in the cache directory: `<cacheDir>/stubs/<key>.wasm`. */
function stubStoreIn(cacheDir: string): ByteStore {
  const dir = join(cacheDir, "stubs");
  return {
    async get(key) {
      try {
        return await Deno.readFile(join(dir, `${key}.wasm`));
      } catch {
        return undefined;
      }
    },
    async set(key, bytes) {
      try {
        await writeFileAtomically(join(dir, `${key}.wasm`), bytes);
      } catch {
        // A cache that cannot be written only costs time.
      }
    },
  };
}

/**
 * Run the `link` command.
 *
 * @example
 * ```ts ignore
 * const code = await run(["corpus/pyodide-0.27.7/orjson.whl", "--runtime", "0.27.7"]);
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
        "runtime-dir": { type: "string" },
        json: { type: "boolean" },
        verbose: { type: "boolean" },
        workers: { type: "string" },
        "time-limit": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeStdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError("link needs at least one PATH");
  const positive = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const workers = positive("workers", values.workers);
  const timeLimitMs = positive("time-limit", values["time-limit"]);
  const corpus = corpusOptionsFrom(values);
  const cacheDir = corpus.cacheDir!;
  const catalogue = await readShippedRuntimeCatalogue();

  // Runtimes.
  const requested = (values.runtime ?? ["all"]).flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter(Boolean);
  const versions = values["runtime-dir"] !== undefined && values.runtime === undefined
    ? []
    : requested.includes("all")
    ? catalogue.map((e) => e.version)
    : requested;
  // Workers start first: their start-up overlaps with reading runtimes and archives.
  const lanes = Math.max(1, versions.length + (values["runtime-dir"] !== undefined ? 1 : 0));
  const pool = new LinkPool({
    workers: Math.min(workers ?? Math.min(navigator.hardwareConcurrency || 1, 2), lanes),
    timeLimitMs,
    stubStore: stubStoreIn(cacheDir),
  });
  void pool.warmUp();
  const progress = createProgress();
  const runtimes: RuntimeFacts[] = [];
  // The real main module backs constructors that call main functions the stub cannot run:
  // say where each runtime's main module is once its facts name it.
  let wasmPath: string | undefined;
  const register = (files: RuntimeFiles) => wasmPath = files.wasmPath;
  const remember = (facts: RuntimeFacts) => {
    const path = wasmPath;
    if (path) registerRealMainFile(facts.mainSha256, () => Deno.readFile(path));
    wasmPath = undefined;
    return facts;
  };
  try {
    for (const version of versions) {
      progress.update(`runtime ${version}`);
      runtimes.push(
        remember(await obtainRuntimeFacts(version, { cacheDir, catalogue, onFiles: register })),
      );
    }
    if (values["runtime-dir"] !== undefined) {
      const { readRuntimeDir } = await import("../runtime/mod.ts");
      const files = await readRuntimeDir(values["runtime-dir"], { catalogue });
      runtimes.push(
        remember(
          await obtainRuntimeFacts(files.version, {
            cacheDir,
            catalogue,
            runtimeDir: values["runtime-dir"],
            onFiles: register,
          }),
        ),
      );
    }
  } catch (error) {
    progress.done();
    await pool.close();
    const d = describeError(error);
    console.error(`conform link: runtime unavailable: ${d.class}: ${d.message}`);
    return EXIT_RUNTIME_UNAVAILABLE;
  }

  // Stubs posted before the archives are read: the workers build their sessions meanwhile.
  await pool.warmUp(runtimes);

  // Archives.
  const inputs = await collectInputs(positionals, corpus);
  const read: { input: InputFile; link?: CheckLinkInput; error?: string }[] = [];
  for (const [i, input] of inputs.entries()) {
    progress.update(`[${i + 1}/${inputs.length}] read ${input.file}`);
    try {
      read.push({
        input,
        link: await readLinkInput(await input.read(), { file: input.file, shared: true }),
      });
    } catch (error) {
      const d = describeError(error);
      read.push({ input, error: `${d.class}: ${d.message}` });
    }
  }
  // Each archive's NEEDED libraries: from itself, its lock, its distribution, the run, or beside.
  const libraryRun = await createLibraryRun(read, { ...corpus, shared: true });
  const jobs: { input: CheckLinkInput; runtime: RuntimeFacts }[] = [];
  const rowOf: number[] = [];
  for (const [row, r] of read.entries()) {
    if (!r.link) continue;
    const libs = (await librariesFor(r, libraryRun)).libraries.map((l) => l.library);
    const input = { ...r.link, libraries: libs };
    for (const runtime of runtimes) {
      jobs.push({ input, runtime });
      rowOf.push(row);
    }
  }

  // Check, isolated in workers without permissions.
  const outcomes: (LinkOutcome | undefined)[] = new Array(jobs.length);
  let done = 0;
  try {
    await executeOnPool(pool, jobs, (i, o) => {
      outcomes[i] = o;
      progress.update(`[${++done}/${jobs.length}] ${o.wheel} @ ${o.runtime}: ${o.outcome}`);
    });
  } finally {
    await pool.close();
    progress.done();
  }

  const unreadable = read.filter((r) => r.error);
  if (values.json) {
    await writeStdout(
      JSON.stringify(
        {
          outcomes: outcomes.filter(Boolean),
          unreadable: unreadable.map((r) => ({ file: r.input.file, error: r.error })),
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    // Member and symbol names come from the archives: no control character reaches the terminal.
    await writeStdout(
      escapeControl(renderText(read, runtimes, jobs, outcomes, rowOf, values.verbose === true)),
    );
  }
  for (const r of unreadable) {
    console.error(`conform link: cannot read ${r.input.file}: ${r.error}`);
  }
  return unreadable.length ? EXIT_UNREADABLE_INPUT : EXIT_OK;
}

function renderText(
  read: { input: InputFile; link?: CheckLinkInput; error?: string }[],
  runtimes: RuntimeFacts[],
  jobs: { input: CheckLinkInput; runtime: RuntimeFacts }[],
  outcomes: (LinkOutcome | undefined)[],
  rowOf: number[],
  verbose: boolean,
): string {
  const lines: string[] = [];
  const name = (r: { input: InputFile }) => r.input.file.split("/").pop()!;
  for (const [i, o] of outcomes.entries()) {
    if (!o) continue;
    lines.push(`${name(read[rowOf[i]])}  ${jobs[i].runtime.version}  ${describeOutcome(o)}`);
    if (!verbose) continue;
    for (const m of o.modules) {
      lines.push(`  ${m.member}: ${m.outcome}`);
      for (const e of m.evidence) lines.push(`    ${describeEvidence(e)}`);
    }
    for (const e of o.evidence) lines.push(`  ${describeEvidence(e)}`);
  }
  const checked = read.filter((r) => r.link);
  if (checked.length > 1 && runtimes.length > 1) {
    // The matrix: archives down, runtimes across, with the legend of its codes.
    const rows = [...read.entries()].filter(([, r]) => r.link).map(([row, r]) => ({
      name: name(r),
      outcomes: runtimes.map((rt) => {
        const i = jobs.findIndex((j, k) => rowOf[k] === row && j.runtime === rt);
        return outcomes[i]?.outcome as OutcomeClass | undefined;
      }),
    }));
    lines.push("");
    lines.push(...renderOutcomeMatrix(rows, runtimes.map((r) => r.version)));
  }
  return lines.join("\n") + "\n";
}
