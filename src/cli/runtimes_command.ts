/**
 * `conform runtimes [--discover [--all]]`: list the runtime catalogue, or ask the package manager
 * which `pyodide` versions are published and list those the catalogue lacks, with what is needed
 * to add them (version, pinned integrity, npm publish time). npm is asked through its own
 * configured registry; no host name is written here.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadRuntimeCatalogue } from "../runtime/load_runtime_catalogue.ts";
import type { RuntimeEntry } from "../runtime/types.ts";
import { parseOrUsage, UsageError, writeStdout } from "./_args.ts";
import {
  EXIT_OK,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
  EXIT_USAGE,
} from "./_exit_codes.ts";

const USAGE = `Usage: deno task conform runtimes [--discover [--all]] [--json] [--catalogue FILE]

Without --discover: list the runtime catalogue (corpus/runtimes.json).
With --discover: ask npm for the published versions of the "pyodide" package and list those the
catalogue lacks, with their integrity and npm publish time. By default only stable versions
newer than the catalogue's pick in their series are listed; --all adds pre-releases and older
patch releases.

Options:
  --discover         compare the catalogue with what npm publishes
  --all              also list pre-releases and versions older than the catalogue's
  --json             machine-readable output
  --catalogue FILE   runtime catalogue (default: corpus/runtimes.json of this checkout)

Exit codes: 0 listed, 2 usage, 4 the catalogue cannot be read, 5 npm cannot be asked.`;

/** The npm package whose versions are runtimes. */
export const NPM_PACKAGE = "pyodide";
/** Most integrity look-ups in one discovery (one npm call each). */
export const MAX_INTEGRITY_LOOKUPS = 40;
/** Most published versions considered (guards the parse of npm's answer). */
export const MAX_PUBLISHED_VERSIONS = 10_000;

/** How a published version relates to the catalogue. */
export type Relation =
  | "newer-than-catalogue"
  | "new-series"
  | "newer-patch"
  | "older-patch"
  | "older-than-catalogue";

/** A published version the catalogue lacks. */
export interface MissingRuntime {
  version: string;
  prerelease: boolean;
  /** `major.minor`. */
  series: string;
  relation: Relation;
  /** When npm says this version was published; NOT a release date (old versions were republished). */
  npmPublishTime?: string;
  /** npm `dist.integrity`, when looked up. */
  integrity?: string;
}

interface Semver {
  nums: [number, number, number];
  pre: string[];
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parseSemver(v: string): Semver | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split(".") : [] };
}

/**
 * Order two npm versions by semver precedence (pre-releases before their release).
 * Unparseable versions sort first, by plain text.
 *
 * @example
 * ```ts
 * ["0.27.7", "315.0.0-alpha.2", "0.9.0"].sort(compareVersions); // ["0.9.0", "0.27.7", "315.0.0-alpha.2"]
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] as number) - (y.nums[i] as number);
    if (d !== 0) return d;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

function seriesOf(v: string): string {
  const s = parseSemver(v);
  return s ? `${s.nums[0]}.${s.nums[1]}` : v;
}

/**
 * Published versions the catalogue lacks, newest first. Pure: the caller asks npm.
 *
 * @param published versions from `npm view pyodide versions --json`, and publish times from
 *   `npm view pyodide time --json`
 * @param catalogue versions in the runtime catalogue
 * @param options `all`: also pre-releases and versions older than the catalogue's
 * @returns the missing versions with their relation to the catalogue
 * @example
 * ```ts
 * const missing = findMissingRuntimes({ versions: ["0.27.6", "0.27.7", "0.27.8"], times: {} }, ["0.27.7"]);
 * missing.map((m) => m.version); // ["0.27.8"]
 * ```
 */
export function findMissingRuntimes(
  published: { versions: readonly string[]; times: Readonly<Record<string, string>> },
  catalogue: readonly string[],
  options: { all?: boolean } = {},
): MissingRuntime[] {
  const known = new Set(catalogue);
  const sortedCatalogue = [...catalogue].filter((v) => parseSemver(v)).sort(compareVersions);
  const newest = sortedCatalogue[sortedCatalogue.length - 1];
  const oldest = sortedCatalogue[0];
  const newestInSeries = new Map<string, string>();
  for (const v of sortedCatalogue) newestInSeries.set(seriesOf(v), v);

  const out: MissingRuntime[] = [];
  for (const version of new Set(published.versions)) {
    if (known.has(version) || !parseSemver(version)) continue;
    const prerelease = (parseSemver(version)?.pre.length ?? 0) > 0;
    const series = seriesOf(version);
    const inSeries = newestInSeries.get(series);
    let relation: Relation;
    if (newest === undefined || compareVersions(version, newest) > 0) {
      relation = "newer-than-catalogue";
    } else if (inSeries !== undefined) {
      relation = compareVersions(version, inSeries) > 0 ? "newer-patch" : "older-patch";
    } else if (oldest !== undefined && compareVersions(version, oldest) < 0) {
      relation = "older-than-catalogue";
    } else {
      relation = "new-series";
    }
    const wanted = options.all ||
      (!prerelease && relation !== "older-patch" && relation !== "older-than-catalogue");
    if (!wanted) continue;
    const time = published.times[version];
    out.push({
      version,
      prerelease,
      series,
      relation,
      ...(typeof time === "string" ? { npmPublishTime: time } : {}),
    });
  }
  return out.sort((a, b) => compareVersions(b.version, a.version));
}

/** Result of one npm call. */
export interface NpmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs npm with the given arguments; tests pass a fake. */
export type NpmRunner = (args: string[]) => Promise<NpmResult>;

/**
 * npm through the user's own configuration (registry, proxy, cache).
 *
 * @example
 * ```ts ignore
 * const { stdout } = await runNpm(["view", "pyodide", "versions", "--json"]);
 * ```
 */
export const runNpm: NpmRunner = async (args) => {
  const out = await new Deno.Command("npm", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
};

/** npm could not answer. */
export class NpmQueryError extends Error {
  readonly args: string[];
  constructor(args: string[], detail: string) {
    super(`Cannot ask npm (npm ${args.join(" ")}): ${detail}`);
    this.name = "NpmQueryError";
    this.args = args;
  }
}

async function npmJson(npm: NpmRunner, args: string[]): Promise<unknown> {
  let r: NpmResult;
  try {
    r = await npm(args);
  } catch (e) {
    throw new NpmQueryError(args, e instanceof Error ? e.message : String(e));
  }
  if (r.code !== 0) {
    throw new NpmQueryError(args, r.stderr.trim().split("\n").pop() ?? `exit ${r.code}`);
  }
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new NpmQueryError(args, "the answer is not JSON");
  }
}

/**
 * Ask npm for the published versions and their publish times.
 *
 * @example
 * ```ts ignore
 * const { versions, times } = await queryPublished(runNpm);
 * ```
 */
export async function queryPublished(
  npm: NpmRunner,
): Promise<{ versions: string[]; times: Record<string, string> }> {
  const versions = await npmJson(npm, ["view", NPM_PACKAGE, "versions", "--json"]);
  const list = typeof versions === "string" ? [versions] : versions;
  if (!Array.isArray(list) || !list.every((v) => typeof v === "string")) {
    throw new NpmQueryError(["view", NPM_PACKAGE, "versions"], "expected a list of versions");
  }
  if (list.length > MAX_PUBLISHED_VERSIONS) {
    throw new NpmQueryError(
      ["view", NPM_PACKAGE, "versions"],
      `${list.length} versions is too many`,
    );
  }
  const timesJson = await npmJson(npm, ["view", NPM_PACKAGE, "time", "--json"]);
  const times: Record<string, string> = {};
  if (timesJson && typeof timesJson === "object" && !Array.isArray(timesJson)) {
    for (const [k, v] of Object.entries(timesJson)) if (typeof v === "string") times[k] = v;
  }
  return { versions: list as string[], times };
}

/**
 * npm `dist.integrity` of one version, or undefined when npm does not say.
 *
 * @example
 * ```ts ignore
 * await queryIntegrity(runNpm, "0.27.7"); // "sha512-…"
 * ```
 */
export async function queryIntegrity(npm: NpmRunner, version: string): Promise<string | undefined> {
  const args = ["view", `${NPM_PACKAGE}@${version}`, "dist.integrity"];
  const r = await npm(args).catch((e) => {
    throw new NpmQueryError(args, e instanceof Error ? e.message : String(e));
  });
  if (r.code !== 0) {
    throw new NpmQueryError(args, r.stderr.trim().split("\n").pop() ?? `exit ${r.code}`);
  }
  const text = r.stdout.trim().replace(/^"|"$/g, "");
  return /^sha512-[A-Za-z0-9+/=]+$/.test(text) ? text : undefined;
}

/** Where output goes and how npm and the catalogue are reached; tests pass their own. */
export interface RuntimesIo {
  out(text: string): Promise<void> | void;
  err(line: string): void;
  npm: NpmRunner;
  readTextFile(path: string): Promise<string>;
}

const defaultIo: RuntimesIo = {
  out: writeStdout,
  err: (line) => console.error(line),
  npm: runNpm,
  readTextFile: (path) => Deno.readTextFile(path),
};

function defaultCataloguePath(): string | undefined {
  const url = new URL("../../corpus/runtimes.json", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join(
    "\n",
  );
}

const RELATION_TEXT: Record<Relation, string> = {
  "newer-than-catalogue": "newer than every catalogue runtime",
  "new-series": "series not in the catalogue",
  "newer-patch": "newer patch of a catalogue series",
  "older-patch": "older patch of a catalogue series",
  "older-than-catalogue": "older than every catalogue runtime",
};

/**
 * Run `runtimes`.
 *
 * @param args arguments after `runtimes`
 * @param io output, npm and file access (default: the real ones)
 * @returns the exit code
 * @example
 * ```ts ignore
 * await run(["--discover"]);
 * ```
 */
export async function run(args: string[], io: RuntimesIo = defaultIo): Promise<number> {
  let values: {
    discover?: boolean;
    all?: boolean;
    json?: boolean;
    catalogue?: string;
    help?: boolean;
  };
  try {
    let positionals: string[];
    ({ values, positionals } = parseOrUsage(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          discover: { type: "boolean" },
          all: { type: "boolean" },
          json: { type: "boolean" },
          catalogue: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      })
    ));
    if (values.help) {
      await io.out(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.all && !values.discover) throw new UsageError("--all only applies with --discover");
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`conform runtimes: ${e.message}`);
    io.err(USAGE);
    return EXIT_USAGE;
  }

  const path = values.catalogue ?? defaultCataloguePath();
  let catalogue: RuntimeEntry[];
  try {
    if (!path) throw new Error("no default catalogue outside a checkout; pass --catalogue FILE");
    catalogue = loadRuntimeCatalogue(await io.readTextFile(path), { file: path });
  } catch (e) {
    io.err(
      `conform runtimes: cannot read the runtime catalogue: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
    return EXIT_UNREADABLE_INPUT;
  }

  if (!values.discover) {
    if (values.json) {
      await io.out(`${JSON.stringify(catalogue, null, 2)}\n`);
      return EXIT_OK;
    }
    const rows = [["version", "python", "emscripten", "abi", "platform tag", "release date"]];
    for (const r of [...catalogue].sort((a, b) => compareVersions(a.version, b.version))) {
      rows.push([
        r.version,
        r.python,
        r.emscripten,
        r.abiVersion ?? "",
        r.platformTag,
        r.releaseDate || "unknown",
      ]);
    }
    await io.out(`${table(rows)}\n${catalogue.length} runtimes in ${path}\n`);
    return EXIT_OK;
  }

  let missing: MissingRuntime[];
  let publishedCount: number;
  try {
    const published = await queryPublished(io.npm);
    publishedCount = published.versions.length;
    missing = findMissingRuntimes(published, catalogue.map((r) => r.version), {
      all: values.all === true,
    });
    for (const m of missing.slice(0, MAX_INTEGRITY_LOOKUPS)) {
      const integrity = await queryIntegrity(io.npm, m.version);
      if (integrity) m.integrity = integrity;
    }
  } catch (e) {
    if (!(e instanceof NpmQueryError)) throw e;
    io.err(`conform runtimes: ${e.message}`);
    return EXIT_RUNTIME_UNAVAILABLE;
  }

  if (values.json) {
    await io.out(
      `${
        JSON.stringify(
          {
            package: NPM_PACKAGE,
            published: publishedCount,
            catalogue: catalogue.map((r) => r.version),
            filter: values.all
              ? "all"
              : "stable, not older than the catalogue's pick in their series",
            missing,
            note: "npmPublishTime is when npm received the version, not a release date.",
          },
          null,
          2,
        )
      }\n`,
    );
    return EXIT_OK;
  }
  const lines: string[] = [];
  lines.push(
    `npm publishes ${publishedCount} versions of "${NPM_PACKAGE}"; the catalogue has ${catalogue.length}.`,
  );
  if (missing.length === 0) {
    lines.push(
      values.all
        ? "The catalogue lacks none of them."
        : "No stable version newer than the catalogue's is missing (--all lists every missing version).",
    );
  } else {
    lines.push(
      `${missing.length} missing${
        values.all
          ? ""
          : " (stable, not older than the catalogue's pick in their series; --all for every one)"
      }:`,
    );
    const rows = [["version", "relation", "npm publish time (NOT a release date)", "integrity"]];
    for (const m of missing) {
      rows.push([
        m.version + (m.prerelease ? " (pre-release)" : ""),
        RELATION_TEXT[m.relation],
        m.npmPublishTime ?? "unknown",
        m.integrity ?? (missing.indexOf(m) < MAX_INTEGRITY_LOOKUPS ? "unknown" : "not looked up"),
      ]);
    }
    lines.push(table(rows));
    lines.push("");
    lines.push(
      "To add one: deno run --allow-run=npm --allow-read --allow-write scripts/make_runtime_catalogue.ts VERSION " +
        "(pins the integrity and fills python, emscripten, abiVersion and platformTag from the package's own lock " +
        "file), then take releaseDate from Pyodide's changelog: npm publish times are not release dates.",
    );
  }
  await io.out(`${lines.join("\n")}\n`);
  return EXIT_OK;
}

if (import.meta.main) Deno.exit(await run(Deno.args));
