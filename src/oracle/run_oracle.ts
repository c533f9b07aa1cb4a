/**
 * Runs wheels in the real Pyodide runtime, one child Deno process per pair (see `_pair_runner.ts`),
 * with the narrowest permissions, a time limit per load path and a V8 heap cap. A crash or a hang
 * ends only its own load path: the parent records it and starts a fresh child for the paths left.
 * Results are cached as JSON by (wheel sha256, runtime version, harness version) plus a digest of
 * the inputs that change the result (dependencies, smoke check, paths, top-level modules).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { basename, join, resolve } from "node:path";
import { canonicalizeName, parseWheelFilename } from "../wheel/parse_wheel_filename.ts";
import { readWheelSync } from "../wheel/read_wheel.ts";
import { sha256Hex, sha256HexSync } from "../wheel/sha256_hex.ts";
import type { WheelFacts } from "../wheel/types.ts";
import { PROTOCOL_MARK } from "./_pair_runner.ts";
import { classifyFailure } from "./_pair_runner.ts";
import { decideOracle } from "./agreement.ts";
import type {
  LoadPath,
  OracleResult,
  PairRunnerEvent,
  PairRunnerInput,
  PathResult,
  SmokeCheck,
} from "./types.ts";
import { writeFileAtomically } from "../corpus/write_atomically.ts";
import { openArchiveFile } from "../corpus/archive_file.ts";

/** Version of the oracle harness (runner, classification, decision); part of the cache key. */
export const ORACLE_HARNESS_VERSION = "oracle-2";
/** Default time limit per load path (boot included). */
export const DEFAULT_TIMEOUT_MS = 90_000;
/** Default memory cap of a child, MiB: V8's JS heap and, separately, the wasm memory. */
export const DEFAULT_MEMORY_MB = 2048;
/** A pair never spawns more children than this (one per load path plus slack). */
export const MAX_SPAWNS_PER_PAIR = 6;
/** Lines of child noise kept for diagnostics. */
const MAX_TAIL_LINES = 40;
/** Largest protocol line accepted from a child. */
const MAX_PROTOCOL_LINE_CHARS = 4 * 1024 * 1024;
/** Most load-path results (and errors) one child may report: there are four load paths. */
const MAX_PATHS_PER_SPAWN = 8;
/** Largest smoke-check catalogue. */
export const MAX_SMOKE_CHECKS = 10_000;

/** Options of {@linkcode runOraclePair}. */
export interface OracleOptions {
  /** Time limit per load path, boot included. */
  timeoutMs: number;
  /** Memory cap of the child, MiB: applied to V8's JS heap and to the wasm memory each. */
  memoryMb: number;
  /** Cache root; results go to `<cacheDir>/oracle/`. */
  cacheDir: string;
  harnessVersion: string;
  /** Dependencies: shared-library `.zip`s and wheels, loaded before the wheel. */
  deps?: string[];
  /** Load paths to run (default: all that apply). */
  paths?: LoadPath[];
  /** Smoke check; `undefined`: look it up in `smokeChecks`; `null`: none. */
  smoke?: SmokeCheck | null;
  /** Smoke checks by package name (default: `corpus/smoke_checks.json` of this checkout). */
  smokeChecks?: SmokeChecks;
  /** Ignore and do not write the cache. */
  noCache?: boolean;

  /** Called before each child process starts (tests count spawns with it). */
  onSpawn?(info: { wheel: string; runtime: string; paths?: LoadPath[] }): void;
}

/** Smoke checks by canonical package name. */
export type SmokeChecks = Record<string, SmokeCheck>;

/** A malformed smoke-check catalogue. */
export class SmokeChecksFormatError extends SyntaxError {
  constructor(message: string, readonly file: string, readonly key?: string) {
    super(`${file}${key ? ` [${key}]` : ""}: ${message}`);
    this.name = "SmokeChecksFormatError";
  }
}

/**
 * Parse and validate a smoke-check catalogue (`{ "checks": { name: SmokeCheck } }`).
 *
 * @param json The file's text or parsed value.
 * @param file Name used in errors.
 * @returns Checks keyed by canonical package name.
 * @throws {SmokeChecksFormatError} When an entry lacks `imports`, `value` or `expect`.
 *
 * @example
 * ```ts
 * import { loadSmokeChecks } from "./run_oracle.ts";
 * const checks = loadSmokeChecks('{"checks":{"MarkupSafe":{"imports":["markupsafe"],"value":"1","expect":"1"}}}');
 * console.assert(checks["markupsafe"].value === "1");
 * ```
 */
export function loadSmokeChecks(json: string | unknown, file = "smoke_checks.json"): SmokeChecks {
  const data = typeof json === "string" ? JSON.parse(json) : json;
  const checks = (data as { checks?: unknown })?.checks;
  if (typeof checks !== "object" || checks === null || Array.isArray(checks)) {
    throw new SmokeChecksFormatError("expected an object with a `checks` object", file);
  }
  const entries = Object.entries(checks as Record<string, unknown>);
  if (entries.length > MAX_SMOKE_CHECKS) {
    throw new SmokeChecksFormatError(`more than ${MAX_SMOKE_CHECKS} checks`, file);
  }
  const out: SmokeChecks = {};
  for (const [name, raw] of entries) {
    const c = raw as Partial<SmokeCheck>;
    const str = (v: unknown) => typeof v === "string";
    if (!Array.isArray(c?.imports) || !c.imports.every(str)) {
      throw new SmokeChecksFormatError("needs imports (string[])", file, name);
    }
    const call = str(c.value) && str(c.expect);
    if (!call && !str(c.importRaises)) {
      throw new SmokeChecksFormatError(
        "needs value and expect, or importRaises (strings)",
        file,
        name,
      );
    }
    if (
      [c.value, c.expect, c.importRaises].some((t) => typeof t === "string" && t.includes("\n"))
    ) {
      throw new SmokeChecksFormatError(
        "value, expect and importRaises must be one line each",
        file,
        name,
      );
    }
    out[canonicalizeName(name)] = {
      imports: c.imports,
      ...(call ? { value: c.value, expect: c.expect } : {}),
      ...(str(c.importRaises) ? { importRaises: c.importRaises } : {}),
      ...(str(c.proves) ? { proves: c.proves } : {}),
    };
  }
  return out;
}

/**
 * Canonical package name of an archive: from the wheel filename, or `<name>-<version>.zip`.
 *
 * @param file Archive file name or path.
 * @returns The PEP 503 name, or undefined.
 *
 * @example
 * ```ts
 * import { packageNameOf } from "./run_oracle.ts";
 * console.assert(packageNameOf("MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl") === "markupsafe");
 * console.assert(packageNameOf("openssl-1.1.1w.zip") === "openssl");
 * ```
 */
export function packageNameOf(file: string): string | undefined {
  const name = basename(file);
  if (name.endsWith(".whl")) {
    try {
      return parseWheelFilename(name).name;
    } catch {
      return canonicalizeName(name.split("-")[0]);
    }
  }
  const m = name.match(/^(.+?)-\d[^-]*\.zip$/);
  return m ? canonicalizeName(m[1]) : undefined;
}

let defaultChecks: SmokeChecks | undefined;
async function defaultSmokeChecks(): Promise<SmokeChecks> {
  if (defaultChecks) return defaultChecks;
  const url = new URL("../../corpus/smoke_checks.json", import.meta.url);
  try {
    defaultChecks = loadSmokeChecks(await Deno.readTextFile(url), "corpus/smoke_checks.json");
  } catch (e) {
    if (e instanceof SmokeChecksFormatError) throw e;
    defaultChecks = {}; // no catalogue next to the code (e.g. a published package): no smoke calls
  }
  return defaultChecks;
}

/** The runtime's version, from its `package.json`, else the directory name. */
const contentMemo = new Map<string, { stamp: string; sha256: string }>();

/**
 * An archive's sha256 and, when asked and readable, its facts. Large archives are read range by
 * range: this process never holds a whole wheel (the real runtime in the child reads it, as it
 * would anyway).
 */
async function readArchiveFacts(
  path: string,
  withFacts = true,
): Promise<{ sha256: string; facts?: WheelFacts }> {
  const archive = await openArchiveFile(path);
  try {
    const sha256 = sha256HexSync(archive.bytes);
    if (!withFacts) return { sha256 };
    try {
      return {
        sha256,
        facts: readWheelSync(archive.bytes, { file: basename(path), verifyRecord: false }),
      };
    } catch {
      return { sha256 };
    }
  } finally {
    archive.close();
  }
}

/**
 * sha256 of a runtime's main module and glue, hashed again only when their size or time
 * changes (so a run over many pairs hashes each runtime once).
 */
async function runtimeContentOf(runtimeDir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ["pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide.asm.js"]) {
    const path = join(runtimeDir, name);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      continue;
    }
    const stamp = `${info.size}:${info.mtime?.getTime() ?? 0}`;
    let known = contentMemo.get(path);
    if (known?.stamp !== stamp) {
      known = { stamp, sha256: await sha256Hex(await Deno.readFile(path)) };
      contentMemo.set(path, known);
    }
    parts.push(`${name}:${known.sha256}`);
  }
  return parts.join(",");
}

async function runtimeVersionOf(runtimeDir: string): Promise<string> {
  try {
    const json = JSON.parse(await Deno.readTextFile(join(runtimeDir, "package.json")));
    if (typeof json?.version === "string") return json.version;
  } catch {
    // A local distribution directory without package.json.
  }
  return basename(runtimeDir);
}

function runnerPath(): string {
  const url = new URL("./_pair_runner.ts", import.meta.url);
  if (url.protocol !== "file:") {
    throw new Error("the oracle needs a local checkout: its runner is a file");
  }
  return fileURLToPath(url);
}

function safeName(text: string): string {
  return text.replace(/[^0-9A-Za-z._+-]/g, "_");
}

/** The verdict fields of a result, judged from its load paths (also for cached results). */
function verdictOf(paths: PathResult[]): Pick<
  OracleResult,
  "decisivePath" | "status" | "message" | "symbol" | "smoke" | "works" | "reason" | "pathsDisagree"
> {
  const d = decideOracle(paths);
  const decisive = paths.find((r) => r.path === d.decisivePath);
  return {
    ...(d.decisivePath ? { decisivePath: d.decisivePath } : {}),
    status: d.status,
    message: d.message,
    ...(d.symbol ? { symbol: d.symbol } : {}),
    ...(decisive?.smoke ? { smoke: decisive.smoke } : {}),
    works: d.works,
    reason: d.reason,
    pathsDisagree: d.pathsDisagree,
  };
}

/**
 * The Deno executable for children: this very binary when the run permission covers it, else
 * `deno` from PATH (a task granting `--allow-run=deno` allows the name, and the name may resolve
 * through a symlink to a path other than `Deno.execPath()`).
 *
 * @example
 * ```ts ignore
 * const child = new Deno.Command(denoCommand(), { args: ["--version"] });
 * ```
 */
export function denoCommand(): string {
  const self = Deno.execPath();
  try {
    if (Deno.permissions.querySync({ name: "run", command: self }).state === "granted") return self;
    if (Deno.permissions.querySync({ name: "run", command: "deno" }).state === "granted") {
      return "deno";
    }
  } catch {
    // Permission API unavailable: try the binary itself.
  }
  return self;
}

/**
 * What each library must be loaded after: its NEEDED entries (dylink.0), plus the siblings that
 * export a symbol it imports (`env`, `GOT.mem`, `GOT.func`). Pyodide's loader loads every library
 * of a package before checking for undefined symbols; one-by-one dlopen is strict, so a library
 * that uses a sibling without naming it in NEEDED (`cpp-exceptions-test-catch.so` calls
 * `throw_exc` of `…-throw.so`) has to come after it.
 *
 * @param modules Side modules of the wheel and its shared-library dependencies.
 * @returns Library file name → names to load first.
 */
function loadOrderEdges(modules: WheelFacts["sideModules"]): Record<string, string[]> {
  const exporter = new Map<string, string>();
  for (const m of modules) {
    for (const e of m.wasm.exports) {
      if (e.kind === "func" || e.kind === "global") {
        if (!exporter.has(e.name)) exporter.set(e.name, basename(m.member));
      }
    }
  }
  const neededOf = new Map<string, string[]>();
  for (const m of modules) neededOf.set(basename(m.member), m.wasm.dylink?.needed ?? []);
  // NEEDED edges win: a sibling edge that would load a library before one it NEEDs is dropped.
  const needs = (from: string, target: string, seen = new Set<string>()): boolean => {
    if (from === target) return true;
    if (seen.has(from) || seen.size > neededOf.size) return false;
    seen.add(from);
    return (neededOf.get(from) ?? []).some((n) => needs(n, target, seen));
  };
  const edges: Record<string, string[]> = {};
  for (const m of modules) {
    const self = basename(m.member);
    const after = new Set(neededOf.get(self) ?? []);
    for (const i of m.wasm.imports) {
      if (i.module !== "env" && i.module !== "GOT.mem" && i.module !== "GOT.func") continue;
      const from = exporter.get(i.name);
      if (from && from !== self && !needs(from, self)) after.add(from);
    }
    if (after.size > 0) edges[self] = [...after];
  }
  return edges;
}

interface SpawnOutcome {
  results: PathResult[];
  info?: Extract<PairRunnerEvent, { type: "info" }>;
  done: boolean;
  current?: LoadPath;
  timedOut: boolean;
  code?: number;
  signal?: string | null;
  tail: string[];
  errors: string[];
}

function childEnv(): Record<string, string> {
  // Deno itself needs its cache dir for the transpiled runner; the script gets no env permission.
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["DENO_DIR", "HOME", "XDG_CACHE_HOME"]) {
    try {
      const v = Deno.env.get(name);
      if (v) env[name] = v;
    } catch {
      // Not granted to the parent: Deno falls back to its defaults.
    }
  }
  return env;
}

async function spawnOnce(
  input: PairRunnerInput,
  inputPath: string,
  options: OracleOptions,
  readable: string[],
): Promise<SpawnOutcome> {
  await Deno.writeTextFile(inputPath, JSON.stringify(input));
  const memoryMb = Math.max(64, Math.floor(options.memoryMb));
  const args = [
    "run",
    "--no-config",
    "--no-lock",
    "--no-prompt",
    "--unstable-detect-cjs",
    // Nothing from the network: no remote or npm modules (Deno allows imports from some hosts
    // by default, which wheel code reaches through `js.eval`), no network access.
    "--no-remote",
    "--no-npm",
    "--deny-import",
    "--deny-net",
    // One cap for both heaps: V8's JS heap and wasm memory (64 KiB pages; V8 clamps the
    // runtime's declared maximum, growth past it is a Python MemoryError).
    `--v8-flags=--max-old-space-size=${memoryMb},--wasm-max-mem-pages=${memoryMb * 16}`,
    `--allow-read=${readable.join(",")}`,
    `--allow-write=${input.tmpDir}`,
    runnerPath(),
    inputPath,
  ];
  const child = new Deno.Command(denoCommand(), {
    args,
    cwd: input.tmpDir,
    clearEnv: true,
    env: childEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The channel's key: only the harness's code in the child reads it, before any wheel code
  // runs (see `_pair_runner.ts`); a line whose MAC does not verify is the wheel's noise.
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const sendKey = (async () => {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(secret);
      await writer.close();
    } catch {
      // The child is gone already: its status says why.
    }
  })();
  const out: SpawnOutcome = { results: [], done: false, timedOut: false, tail: [], errors: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      out.timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, options.timeoutMs);
  };
  arm();
  const keep = (line: string) => {
    out.tail.push(line.length > 600 ? line.slice(0, 600) + "…" : line);
    if (out.tail.length > MAX_TAIL_LINES) out.tail.shift();
  };
  const readStdout = async () => {
    let buffer = "";
    let forged = 0;
    const lines: string[] = [];
    const collect = (line: string) => {
      // The mark may follow text the wheel printed without a newline.
      const at = line.indexOf(PROTOCOL_MARK);
      if (at < 0) {
        if (line.trim()) keep(line);
        return;
      }
      if (at > 0 && line.slice(0, at).trim()) keep(line.slice(0, at));
      lines.push(line.slice(at + PROTOCOL_MARK.length));
    };
    const handle = async (body: string) => {
      const mac = body.slice(0, 64);
      const json = body.slice(65);
      const valid = body[64] === " " && /^[0-9a-f]{64}$/.test(mac) &&
        await crypto.subtle.verify(
          "HMAC",
          key,
          new Uint8Array(mac.match(/../g)!.map((h) => parseInt(h, 16))),
          new TextEncoder().encode(json),
        );
      if (!valid) {
        forged++;
        return;
      }
      let event: PairRunnerEvent;
      try {
        event = JSON.parse(json);
      } catch {
        out.errors.push("unreadable protocol line");
        return;
      }
      if (event.type === "start") {
        out.current = event.path;
        arm();
      } else if (event.type === "info") out.info ??= event;
      else if (event.type === "path") {
        // One result per load path the child can run.
        if (out.results.length < MAX_PATHS_PER_SPAWN) out.results.push(event.result);
        out.current = undefined;
      } else if (event.type === "error") {
        if (out.errors.length < MAX_PATHS_PER_SPAWN) out.errors.push(event.message);
      } else if (event.type === "done") out.done = true;
    };
    // Lines are verified in order (a MAC check is asynchronous).
    let verified = Promise.resolve();
    const drain = () => {
      const batch = lines.splice(0);
      if (batch.length === 0) return;
      verified = verified.then(async () => {
        for (const l of batch) await handle(l);
      });
    };
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        collect(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
      if (buffer.length > MAX_PROTOCOL_LINE_CHARS) {
        out.errors.push(`a line longer than ${MAX_PROTOCOL_LINE_CHARS} characters was dropped`);
        buffer = "";
      }
      drain();
    }
    if (buffer) collect(buffer);
    drain();
    await verified;
    if (forged > 0) {
      keep(
        `${forged} protocol line(s) without a valid MAC ignored (printed by the code under test)`,
      );
    }
  };
  const readStderr = async () => {
    let buffer = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) keep("stderr: " + l);
      if (buffer.length > MAX_PROTOCOL_LINE_CHARS) buffer = "";
    }
    if (buffer.trim()) keep("stderr: " + buffer);
  };
  const [status] = await Promise.all([child.status, readStdout(), readStderr(), sendKey]);
  clearTimeout(timer);
  out.code = status.code;
  out.signal = status.signal;
  return out;
}

function syntheticResult(
  path: LoadPath,
  status: "timeout" | "other" | "fatal",
  message: string,
  tail: string[],
  ms: number,
): PathResult {
  return {
    path,
    status,
    message,
    loadMessages: [],
    loadErrors: [],
    imports: [],
    extensionsLoaded: [],
    extensionErrors: [],
    foreignSo: [],
    console: tail.slice(-MAX_TAIL_LINES),
    ms: { boot: 0, load: 0, import: 0, smoke: 0, total: Math.round(ms) },
  };
}

/**
 * Load one wheel in one real runtime through every load path that applies, each in a fresh
 * interpreter, in a child process with the narrowest permissions (read: the runtime, the wheel,
 * its dependencies, a temp dir; write: the temp dir; no network, no environment). A time-out or
 * crash of one path is recorded and the remaining paths run in a fresh child.
 *
 * @param wheelPath The wheel or `.zip` package.
 * @param runtimeDir Directory of the extracted npm `pyodide` package (or a distribution dir).
 * @param options Time limit, memory cap, cache, harness version, dependencies.
 * @returns The result, from the cache when present.
 *
 * @example
 * ```ts ignore
 * import { runOraclePair } from "./run_oracle.ts";
 * const result = await runOraclePair("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
 *   ".cache/runtimes/0.27.7", { timeoutMs: 60_000, memoryMb: 1024, cacheDir: ".cache",
 *   harnessVersion: "0.1.0" });
 * console.log(result.status, result.works);
 * ```
 */
export async function runOraclePair(
  wheelPath: string,
  runtimeDir: string,
  options: OracleOptions,
): Promise<OracleResult> {
  return (await runOrReadPair(wheelPath, runtimeDir, options, false))!;
}

/**
 * {@linkcode runOraclePair}; with `cacheOnly` (a run past its time budget) the pair is only
 * looked up in the cache, and a miss starts no child (`undefined`).
 */
async function runOrReadPair(
  wheelPath: string,
  runtimeDir: string,
  options: OracleOptions,
  cacheOnly: boolean,
): Promise<OracleResult | undefined> {
  const started = performance.now();
  // Real paths: the child may read only these, and it reads through any symlink (a cache
  // directory that links to a shared one).
  const real = async (p: string) => {
    try {
      return await Deno.realPath(resolve(p));
    } catch {
      return resolve(p);
    }
  };
  const wheelAbs = await real(wheelPath);
  const runtimeAbs = await real(runtimeDir);
  const deps = await Promise.all((options.deps ?? []).map(real));
  const runtime = await runtimeVersionOf(runtimeAbs);
  const file = basename(wheelAbs);
  let topLevel: string[] | undefined;
  const sideModules: WheelFacts["sideModules"] = [];
  const addNeeded = (facts: WheelFacts) => sideModules.push(...facts.sideModules);
  const wheel = await readArchiveFacts(wheelAbs);
  const wheelSha256 = wheel.sha256;
  // Unreadable by the wheel reader: the runner derives the modules from the archive itself.
  if (wheel.facts) {
    if (wheel.facts.topLevel.length > 0) topLevel = wheel.facts.topLevel;
    addNeeded(wheel.facts);
  }
  const depShas: string[] = [];
  for (const dep of deps) {
    const { sha256, facts } = await readArchiveFacts(dep, dep.endsWith(".zip"));
    depShas.push(sha256);
    // A library the reader rejects: load order then falls back to names and retries.
    if (facts) addNeeded(facts);
  }
  const needed = loadOrderEdges(sideModules);
  let smoke: SmokeCheck | undefined;
  if (options.smoke === undefined) {
    const name = packageNameOf(file);
    const checks = options.smokeChecks ?? await defaultSmokeChecks();
    smoke = name ? checks[name] : undefined;
  } else if (options.smoke !== null) smoke = options.smoke;

  const digest = (await sha256Hex(new TextEncoder().encode(JSON.stringify({
    // The runtime by content, not by the version it calls itself: another build of "0.22.1"
    // must not get this one's results.
    runtime: await runtimeContentOf(runtimeAbs),
    depShas,
    smoke: smoke ?? null,
    paths: options.paths ?? null,
    topLevel: topLevel ?? null,
  })))).slice(0, 12);
  const cacheDir = join(options.cacheDir, "oracle");
  const cacheFile = join(
    cacheDir,
    `${wheelSha256}-${safeName(runtime)}-${safeName(options.harnessVersion)}-${digest}.json`,
  );
  if (!options.noCache) {
    try {
      const cached = JSON.parse(await Deno.readTextFile(cacheFile)) as OracleResult;
      if (
        cached.wheelSha256 === wheelSha256 && cached.runtime === runtime &&
        cached.harnessVersion === options.harnessVersion
      ) {
        // The cache holds observations; the verdict is judged again from them, so a better
        // judgement applies without booting the runtime again.
        const { decisivePath: _p, symbol: _s, smoke: _m, ...rest } = cached;
        return { ...rest, ...verdictOf(cached.paths), cached: true, ms: 0 };
      }
    } catch {
      // No usable cache entry.
    }
  }
  if (cacheOnly) return undefined;

  // Under the cache, not the system temp: the conform task may write only there.
  await Deno.mkdir(join(options.cacheDir, "tmp"), { recursive: true });
  const tmpDir = await Deno.realPath(
    await Deno.makeTempDir({ dir: join(options.cacheDir, "tmp"), prefix: "oracle-" }),
  );
  const results: PathResult[] = [];
  const runnerErrors: string[] = [];
  let info: SpawnOutcome["info"];
  try {
    const readable = [runtimeAbs, wheelAbs, ...deps, tmpDir];
    let remaining = options.paths;
    for (let spawn = 0; spawn < MAX_SPAWNS_PER_PAIR; spawn++) {
      const input: PairRunnerInput = {
        runtimeDir: runtimeAbs,
        wheel: wheelAbs,
        deps,
        tmpDir,
        ...(remaining ? { paths: remaining } : {}),
        ...(topLevel ? { topLevel } : {}),
        ...(Object.keys(needed).length > 0 ? { needed } : {}),
        ...(smoke ? { smoke } : {}),
      };
      options.onSpawn?.({ wheel: file, runtime, ...(remaining ? { paths: remaining } : {}) });
      const t0 = performance.now();
      const run = await spawnOnce(input, join(tmpDir, `input-${spawn}.json`), options, readable);
      for (const r of run.results) results.push(r);
      runnerErrors.push(...run.errors);
      info ??= run.info;
      remaining ??= run.info?.paths;
      if (run.done && !run.timedOut) break;
      const current = run.current ?? remaining?.find((p) => !results.some((r) => r.path === p));
      if (current) {
        const ms = performance.now() - t0 - run.results.reduce((s, r) => s + r.ms.total, 0);
        if (run.timedOut) {
          const msg = `no result within ${options.timeoutMs} ms: killed`;
          runnerErrors.push(`${current}: ${msg}`);
          results.push(syntheticResult(current, "timeout", msg, run.tail, ms));
        } else {
          const tailText = run.tail.join("\n");
          const cls = classifyFailure(tailText);
          const msg = `runner exited with code ${run.code}${run.signal ? ` (${run.signal})` : ""}` +
            (/out of memory/i.test(tailText) ? ": out of memory" : "");
          runnerErrors.push(`${current}: ${msg}`);
          results.push(
            syntheticResult(
              current,
              cls?.status === "fatal" ? "fatal" : "other",
              msg,
              run.tail,
              ms,
            ),
          );
        }
      } else if (!run.done) {
        runnerErrors.push(`runner exited with code ${run.code} before starting a path`);
      }
      if (!remaining) break; // never learned which paths apply
      const left = remaining.filter((p) => !results.some((r) => r.path === p));
      if (left.length === 0) break;
      remaining = left;
    }
  } finally {
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  }

  const result: OracleResult = {
    wheel: file,
    wheelSha256,
    runtime,
    harnessVersion: options.harnessVersion,
    ...(info ? { python: info.python, extSuffix: info.extSuffix } : {}),
    paths: results,
    ...verdictOf(results),
    crossPython: results.some((r) => r.path.endsWith("-renamed") || r.foreignSo.length > 0),
    ...(smoke ? { smokeCheck: smoke } : {}),
    runnerErrors,
    ms: Math.round(performance.now() - started),
    msPerPath: results.map((r) => r.ms.total),
    cached: false,
  };
  // Time-outs and crashes may be the machine's fault: never cache them, a later run retries.
  const transient = results.some((r) => r.status === "timeout") || runnerErrors.length > 0;
  if (!options.noCache && !transient) {
    await Deno.mkdir(cacheDir, { recursive: true });
    await writeFileAtomically(cacheFile, JSON.stringify(result, null, 1) + "\n");
  }
  return result;
}

/** One pair for {@linkcode runOracle}. */
export interface OraclePairInput {
  wheelPath: string;
  runtimeDir: string;
  deps?: string[];
  smoke?: SmokeCheck | null;
  paths?: LoadPath[];
  /** Time limit per load path for this pair (default: the shared option). */
  timeoutMs?: number;
}

/**
 * Run many pairs with a small pool of concurrent children. A pair that throws (unreadable wheel,
 * missing runtime) becomes a result with status `other`; the run goes on.
 *
 * @param pairs The pairs.
 * @param options Shared options, `concurrency` (default 2) and `onProgress`.
 * @returns Results in the order of `pairs`.
 *
 * @example
 * ```ts ignore
 * import { runOracle } from "./run_oracle.ts";
 * const results = await runOracle([{ wheelPath: "a.whl", runtimeDir: ".cache/runtimes/0.27.7" }], {
 *   timeoutMs: 60_000, memoryMb: 1024, cacheDir: ".cache", harnessVersion: "0.1.0", concurrency: 2,
 *   onProgress: (done, total) => console.log(`${done}/${total}`),
 * });
 * ```
 */
export async function runOracle(
  pairs: OraclePairInput[],
  options: Omit<OracleOptions, "deps" | "smoke" | "paths"> & {
    concurrency?: number;
    onProgress?(done: number, total: number, result: OracleResult): void;
  },
): Promise<OracleResult[]> {
  return (await runOracleWithin(pairs, options)).results as OracleResult[];
}

/**
 * {@linkcode runOracle} within a time budget: once `deadline` (a `Date.now()` time) has
 * passed, pairs are only looked up in the cache and the rest are left out (`undefined` in
 * `results`, counted in `notRun`); pairs already running finish. Callers order `pairs` by
 * priority.
 *
 * @example
 * ```ts ignore
 * const { results, notRun } = await runOracleWithin(pairs, {
 *   timeoutMs: 60_000, memoryMb: 1024, cacheDir: ".cache", harnessVersion: "0.1.0",
 *   deadline: Date.now() + 120_000,
 * });
 * ```
 */
export async function runOracleWithin(
  pairs: OraclePairInput[],
  options: Omit<OracleOptions, "deps" | "smoke" | "paths"> & {
    concurrency?: number;
    deadline?: number;
    onProgress?(done: number, total: number, result: OracleResult): void;
  },
): Promise<{ results: (OracleResult | undefined)[]; notRun: number }> {
  const results: (OracleResult | undefined)[] = new Array(pairs.length);
  let next = 0;
  let done = 0;
  let notRun = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const i = next++;
      const p = pairs[i];
      const late = options.deadline !== undefined && Date.now() >= options.deadline;
      let r: OracleResult | undefined;
      try {
        r = await runOrReadPair(p.wheelPath, p.runtimeDir, {
          ...options,
          ...(p.deps ? { deps: p.deps } : {}),
          ...(p.smoke !== undefined ? { smoke: p.smoke } : {}),
          ...(p.paths ? { paths: p.paths } : {}),
          ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}),
        }, late);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        r = {
          wheel: basename(p.wheelPath),
          wheelSha256: "",
          runtime: basename(p.runtimeDir),
          harnessVersion: options.harnessVersion,
          paths: [],
          status: "other",
          message,
          works: null,
          reason: `the pair could not run: ${message}`,
          crossPython: false,
          pathsDisagree: false,
          runnerErrors: [message],
          ms: 0,
          msPerPath: [],
          cached: false,
        };
      }
      results[i] = r;
      done++;
      if (r) options.onProgress?.(done, pairs.length, r);
      else notRun++;
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 2, pairs.length));
  await Promise.all(Array.from({ length: n }, worker));
  return { results, notRun };
}
