/**
 * Results of the real-runtime oracle: what happened when the real Pyodide loaded a wheel.
 * Plain data, cached as JSON.
 *
 * @module
 */
/** Load paths: Pyodide's package loader, CPython's import (dlopen), and the renamed variants. */
export type LoadPath = "load-package" | "dlopen" | "load-package-renamed" | "dlopen-renamed";

/** Result classes of one load path. */
export type OracleStatus =
  | "ok"
  | "link-error"
  | "unresolved"
  | "got-undefined"
  | "fatal"
  | "python-exception"
  | "skipped"
  | "timeout"
  | "other";

/** The smoke call's result. */
export interface SmokeResult {
  status: "pass" | "fail" | "error";
  /** `repr()` of the value (pass/fail) or the error message. */
  value: string;
  expected: string;
  /** Class of the error when `status` is `error` (e.g. `fatal`). */
  errorClass?: OracleStatus;
}

/** One smoke check (see `corpus/smoke_checks.json`). */
export interface SmokeCheck {
  /** Modules imported before evaluating `value`. */
  imports: string[];
  /** Python expression evaluated after the imports (absent with `importRaises`). */
  value?: string;
  /** Python expression the value must equal (absent with `importRaises`). */
  expect?: string;
  /**
   * The wheel's own import is designed to raise exactly this (`Type: message`), e.g. a module
   * whose init throws and catches a C++ exception and then reports it: raising it passes.
   */
  importRaises?: string;
  /** What passing proves. */
  proves?: string;
}

/** Outcome of one module import. */
export interface ImportAttempt {
  module: string;
  ok: boolean;
  /** Python exception type name, or `JS` when a JS error escaped (fatal). */
  type?: string;
  message?: string;
  /** `__file__` of the module when it is an extension module. */
  extension?: string;
}

/** What happened on one load path. */
export interface PathResult {
  path: LoadPath;
  status: OracleStatus;
  /** Stage where the first failure happened. */
  stage?: "boot" | "dependency" | "load" | "import" | "smoke";
  /** Symbol named by the failure (unresolved, got-undefined, link-error import). */
  symbol?: string;
  /** Python exception type for `python-exception`. */
  exceptionType?: string;
  /** The decisive message, trimmed. */
  message: string;
  /** Messages and errors reported by `loadPackage` callbacks. */
  loadMessages: string[];
  loadErrors: string[];
  /** `loadPackage` rejected with this message. */
  loadRejected?: string;
  imports: ImportAttempt[];
  /** Extension modules found in `sys.modules` after the imports. */
  extensionsLoaded: string[];
  /** Extension modules whose loading failed during the imports, caught by the package or not. */
  extensionErrors: ImportAttempt[];
  /**
   * Top-level modules the runtime's own modules shadow (`name -> file`); the wheel's extension
   * files under them were then loaded from their path.
   */
  shadowed?: string[];
  /** `.so` members skipped by the runtime because their cpython-3XY suffix is not its own. */
  foreignSo: string[];
  /** Renamed members (renamed variants only). */
  renamed?: { from: string; to: string }[];
  smoke?: SmokeResult;
  /** dlopen paths only: each extension module of the wheel imported by dotted name, after smoke. */
  extensionProbe?: ImportAttempt[];
  /** Last lines written to stderr/console while this path ran (bounded). */
  console: string[];
  ms: { boot: number; load: number; import: number; smoke: number; total: number };
}

/** What the parent hands to the child (as a JSON file). */
export interface PairRunnerInput {
  /** Absolute directory of the extracted npm `pyodide` package. */
  runtimeDir: string;
  /** Absolute path of the wheel (or `.zip` package). */
  wheel: string;
  /** Absolute paths of dependencies: shared-library `.zip`s and pure/binary wheels. */
  deps: string[];
  /** Paths to run; absent: all that apply. */
  paths?: LoadPath[];
  /** Absolute temp dir, the only place the child writes to. */
  tmpDir: string;
  /** NEEDED entries (dylink.0) by library file name, for the subject and its dependencies. */
  needed?: Record<string, string[]>;
  /** Top-level modules to import; absent: read from `top_level.txt` or RECORD in Python. */
  topLevel?: string[];
  smoke?: SmokeCheck;
}

/** Protocol events. */
export type PairRunnerEvent =
  | { type: "info"; python: string; extSuffix: string; pyodide: string; paths: LoadPath[] }
  | { type: "start"; path: LoadPath }
  | { type: "path"; result: PathResult }
  | { type: "error"; message: string }
  | { type: "done" };

/** Every oracle status, best first. */
export const ORACLE_STATUSES: readonly OracleStatus[] = [
  "ok",
  "skipped",
  "python-exception",
  "unresolved",
  "got-undefined",
  "link-error",
  "fatal",
  "timeout",
  "other",
] as const;

/** How one wheel × runtime pair behaved in the real runtime. */
export interface OracleResult {
  /** Archive file name. */
  wheel: string;
  wheelSha256: string;
  /** npm `pyodide` version of the runtime. */
  runtime: string;
  harnessVersion: string;
  /** Python version and extension suffix the runtime reported. */
  python?: string;
  extSuffix?: string;
  /** One result per load path that ran, in run order. */
  paths: PathResult[];
  /** The load path whose result decides `works` (see `decideOracle` in `agreement.ts`). */
  decisivePath?: LoadPath;
  /** Status of the decisive path (`other` when no path ran). */
  status: OracleStatus;
  /** The decisive path's message. */
  message: string;
  symbol?: string;
  smoke?: SmokeResult;
  /** Does the wheel load, import (and pass its smoke call)? `null`: inconclusive (see `reason`). */
  works: boolean | null;
  /** Why the verdict is what it is, one line. */
  reason: string;
  /** The `.so` names carried another cpython-3XY suffix: renamed variants ran. */
  crossPython: boolean;
  /** The load-package and dlopen families disagree on works/breaks. */
  pathsDisagree: boolean;
  /** Smoke check used, when any. */
  smokeCheck?: SmokeCheck;
  /** Runner-level problems: crashes, time-outs, protocol errors. */
  runnerErrors: string[];
  /** Wall-clock milliseconds of the whole pair (all processes); 0 when read from the cache. */
  ms: number;
  /** Milliseconds per path: boot plus load plus import plus smoke. */
  msPerPath: number[];
  /** The result came from the cache. */
  cached: boolean;
}
