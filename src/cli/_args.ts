/**
 * Helpers shared by the subcommands: argument parsing that turns mistakes into usage errors, the
 * corpus options every input-reading command accepts, and output to stdout/stderr.
 *
 * @module
 */
import type { CollectOptions } from "../corpus/collect_inputs.ts";
import { defaultCacheDir, defaultMirror, repositoryRoot } from "../corpus/defaults.ts";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/** A command-line mistake; the command prints it with its usage and exits with `EXIT_USAGE`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * `--runtime` names something that is neither a catalogue version nor a series of one. `main`
 * prints it, prefixed with the command, and exits with `EXIT_RUNTIME_UNAVAILABLE` before any work.
 */
export class UnknownRuntimeError extends Error {
  /** The specs that name nothing. */
  readonly specs: string[];
  /** The catalogue's versions. */
  readonly known: string[];
  constructor(specs: string[], known: string[]) {
    super(
      `runtime ${specs.join(", ")} ${
        specs.length === 1 ? "is" : "are"
      } neither a catalogue version nor a series (corpus/runtimes.json); known: ${
        known.join(", ")
      }`,
    );
    this.name = "UnknownRuntimeError";
    this.specs = specs;
    this.known = known;
  }
}

/** When `--color` colours: the values it takes. */
const COLOR_WHENS = ["auto", "always", "never"] as const;

/**
 * A `--color` value, checked.
 *
 * @throws {UsageError} for anything but auto, always or never
 * @example
 * ```ts
 * import { readColorWhen } from "./_args.ts";
 * console.assert(readColorWhen("never") === "never");
 * ```
 */
export function readColorWhen(value: string): typeof COLOR_WHENS[number] {
  if (!(COLOR_WHENS as readonly string[]).includes(value)) {
    throw new UsageError(`--color takes auto, always or never, not "${value}"`);
  }
  return value as typeof COLOR_WHENS[number];
}

/**
 * `--color` in one argument each: a bare `--color` (no `auto|always|never` after it) reads as
 * `--color=always`, as in the tools people know (`parseArgs` has no optional values), and
 * `--color WHEN` as `--color=WHEN`.
 *
 * @example
 * ```ts
 * import { normalizeColorFlag } from "./_args.ts";
 * console.assert(normalizeColorFlag(["--color", "r.json"])[0] === "--color=always");
 * console.assert(normalizeColorFlag(["--color", "never"]).join() === "--color=never");
 * ```
 */
export function normalizeColorFlag(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1] ?? "";
    if (args[i] !== "--color") out.push(args[i]);
    else if ((COLOR_WHENS as readonly string[]).includes(next)) out.push(`--color=${args[++i]}`);
    else out.push("--color=always");
  }
  return out;
}

/**
 * Run a `node:util` `parseArgs` call, turning its errors (unknown option, missing value) into a
 * {@linkcode UsageError}.
 *
 * @param parse A closure calling `parseArgs`.
 * @returns What `parse` returns.
 * @throws {UsageError} When the arguments do not parse.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { parseOrUsage } from "./_args.ts";
 * const { values } = parseOrUsage(() => parseArgs({ args: ["--json"], options: { json: { type: "boolean" } } }));
 * console.assert(values.json === true);
 * ```
 */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("ERR_PARSE_ARGS")) throw new UsageError((error as Error).message);
    throw error;
  }
}

/** `parseArgs` options for reading catalogue files: mirror, cache, network. */
export const CORPUS_OPTIONS = {
  mirror: { type: "string" },
  "cache-dir": { type: "string" },
  offline: { type: "boolean" },
} as const;

/** Help text lines for {@linkcode CORPUS_OPTIONS}. */
export const CORPUS_OPTIONS_HELP =
  `  --mirror DIR      read catalogue files from DIR first (default: $CONFORM_MIRROR, else
                    ../shared/corpus beside the checkout when present)
  --cache-dir DIR   cache of verified downloads (default: $CONFORM_CACHE, else .cache/)
  --offline         never download; a file missing from mirror and cache is an error`;

/**
 * Resolver options from parsed {@linkcode CORPUS_OPTIONS} values, defaults from the environment.
 *
 * @param values Parsed option values.
 * @returns Options for `collectInputs`.
 *
 * @example
 * ```ts
 * import { corpusOptionsFrom } from "./_args.ts";
 * const options = corpusOptionsFrom({ mirror: "/m", offline: true });
 * console.assert(options.mirror === "/m" && options.allowNetwork === false);
 * ```
 */
export function corpusOptionsFrom(
  values: { mirror?: string; "cache-dir"?: string; offline?: boolean },
): CollectOptions {
  return {
    mirror: values.mirror ?? defaultMirror(),
    cacheDir: values["cache-dir"] ?? defaultCacheDir(),
    allowNetwork: values.offline !== true,
  };
}

const encoder = new TextEncoder();

/**
 * Write text fully to stdout (handles partial writes on pipes).
 *
 * @param text Text to write.
 *
 * @example
 * ```ts ignore
 * await writeStdout("hello\n");
 * ```
 */
export async function writeStdout(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

/**
 * Describe an error for the terminal: class, message, and the structured location fields
 * (`file`, `member`, `offset`) the readers attach.
 *
 * @param error Anything thrown.
 * @returns Class name, message and location details.
 *
 * @example
 * ```ts
 * import { describeError } from "./_args.ts";
 * const error = Object.assign(new SyntaxError("bad"), { offset: 16, member: "a.so" });
 * console.assert(describeError(error).offset === 16);
 * ```
 */
export function describeError(error: unknown): {
  class: string;
  message: string;
  file?: string;
  member?: string;
  offset?: number;
} {
  if (!(error instanceof Error)) return { class: typeof error, message: String(error) };
  const fields = error as Error & { file?: unknown; member?: unknown; offset?: unknown };
  const described: ReturnType<typeof describeError> = {
    class: error.name || error.constructor.name,
    message: error.message,
  };
  if (typeof fields.file === "string") described.file = fields.file;
  if (typeof fields.member === "string") described.member = fields.member;
  if (typeof fields.offset === "number") described.offset = fields.offset;
  return described;
}

/**
 * Refuse, before any work, an `--out` path this process may not write: the tasks grant write
 * access only to `.cache/` and `reports/`, and a run that fails at its last step loses its
 * result.
 *
 * @throws {UsageError} naming the path and where reports may go
 * @example
 * ```ts ignore
 * checkOutputPath("reports/conform.json"); // fine under the conform task
 * checkOutputPath("/etc/x.json"); // UsageError
 * ```
 */
export function checkOutputPath(path: string): void {
  let state: Deno.PermissionState;
  try {
    state = Deno.permissions.querySync({ name: "write", path }).state;
  } catch {
    return; // no permission API: the write itself will say
  }
  if (state !== "granted") {
    throw new UsageError(
      `--out ${path}: this task may write only under .cache/ and reports/ (least privilege); ` +
        `choose a path there, e.g. reports/${path.split(/[\\/]/).pop() || "conform.txt"}`,
    );
  }
}

/** Absolute, with the longest existing prefix resolved through symlinks. */
function realTarget(path: string): string {
  const abs = resolve(path);
  let head = abs;
  const tail: string[] = [];
  while (true) {
    try {
      return join(Deno.realPathSync(head), ...tail.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return abs;
      tail.push(basename(head));
      head = up;
    }
  }
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Refuse, before any work, `--out` paths that would destroy something: an input (a file named
 * on the command line, or an archive inside an input directory), anything under the cache
 * directory (a cached runtime or outcome), a directory, or a path another `--out` of the same
 * run writes.
 *
 * @throws {UsageError} naming the path and what it would overwrite
 * @example
 * ```ts ignore
 * checkOutputTargets(["reports/a.json", "reports/a.json"], { inputs: [], cacheDir: ".cache" });
 * // UsageError: --out reports/a.json is given twice
 * ```
 */
export function checkOutputTargets(
  outs: string[],
  context: { inputs: string[]; cacheDir?: string },
): void {
  const seen = new Map<string, string>();
  // The run's cache and the default one (what other runs use) are both off limits.
  const repoCache = join(repositoryRoot() ?? Deno.cwd(), ".cache");
  const caches = [
    ...new Set([context.cacheDir, defaultCacheDir(), repoCache].filter((c) => c !== undefined)),
  ]
    .map((c) => ({ given: c, real: realTarget(c) }));
  const inputs = context.inputs.map((i) => {
    const real = realTarget(i);
    let dir = false;
    try {
      dir = Deno.statSync(real).isDirectory;
    } catch {
      // not there: compared as a file
    }
    return { given: i, real, dir };
  });
  for (const out of outs) {
    const real = realTarget(out);
    const before = seen.get(real);
    if (before !== undefined) {
      throw new UsageError(
        before === out
          ? `--out ${out} is given twice: each format needs its own file`
          : `--out ${out} and --out ${before} are the same file`,
      );
    }
    seen.set(real, out);
    try {
      if (Deno.statSync(real).isDirectory) {
        throw new UsageError(
          `--out ${out} is a directory: name a file, e.g. ${join(out, "conform.json")}`,
        );
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
    }
    const cache = caches.find((c) => isWithin(real, c.real));
    if (cache) {
      throw new UsageError(
        `--out ${out} is inside the cache directory ${cache.given}: reports go under reports/`,
      );
    }
    for (const input of inputs) {
      const hit = input.dir
        ? isWithin(real, input.real) && /\.(whl|zip)$/i.test(real)
        : real === input.real;
      if (hit) throw new UsageError(`--out ${out} would overwrite the input ${input.given}`);
    }
  }
}

/**
 * Text from inputs made safe for a terminal: control characters (C0 but newline and tab, DEL,
 * C1) become visible `\u00XX` escapes, so a member or symbol name cannot move the cursor,
 * recolour or retitle the terminal. Inside JSON strings the escape means the same character.
 *
 * @example
 * ```ts
 * import { escapeControl } from "./_args.ts";
 * console.assert(escapeControl("a\u001b[2Jb") === "a\\u001b[2Jb");
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
