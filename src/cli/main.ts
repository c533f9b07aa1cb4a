/**
 * `conform`: the command-line entry point (`deno task conform …`). Dispatches to one module per
 * subcommand, loaded only when used; each exports `run(args): Promise<number>` returning an exit
 * code from `_exit_codes.ts`.
 *
 * @module
 */
import {
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_RUNTIME_UNAVAILABLE,
  EXIT_UNREADABLE_INPUT,
  EXIT_USAGE,
} from "./_exit_codes.ts";
import { CatalogueFormatError } from "../corpus/errors.ts";
import { normalizeColorFlag, readColorWhen, UnknownRuntimeError, UsageError } from "./_args.ts";

/** What every subcommand module exports. */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

/** Subcommand name → its module, imported on demand. Literal specifiers keep them type-checked. */
const COMMANDS: Record<
  string,
  {
    summary: string;
    load: () => Promise<CommandModule>;
    /** The deno task that runs it, when not `conform` (its permissions differ). */
    task?: string;
  }
> = {
  inspect: {
    summary: "print the facts of wheels, .zip packages and their side modules",
    load: () => import("./inspect_command.ts"),
  },
  check: {
    summary: "will a wheel load on these runtimes, and if not, why (exit 1 if not)",
    load: () => import("./check_command.ts"),
  },
  relabel: {
    summary: "relabel a wheel to a policy's tag after verifying every runtime it would install on",
    load: () => import("./relabel_command.ts"),
  },
  link: {
    summary: "link-check wheels against runtimes",
    load: () => import("./link_command.ts"),
  },
  policy: {
    summary:
      "validate policy files, show each runtime's tag, compare two (policy check|show|compare)",
    load: () => import("./policy_command.ts"),
  },
  explain: {
    summary: "explain one policy's prediction for a wheel and a runtime",
    load: () => import("./explain_command.ts"),
  },
  oracle: {
    summary: "load wheels into the real runtime and compare with the link check",
    load: () => import("./oracle_command.ts"),
  },
  diff: {
    summary: "compare two JSON reports",
    load: () => import("./diff_command.ts"),
  },
  render: {
    summary: "render a JSON report as text, markdown, json, junit or html",
    load: () => import("./render_command.ts"),
  },
  merge: {
    summary: "join the JSON reports of a sharded run (--shard K/N) into one",
    load: () => import("./merge_command.ts"),
  },
  runtimes: {
    summary: "list, obtain and describe the catalogue runtimes",
    load: () => import("./runtimes_command.ts"),
  },
  discover: {
    summary: "catalogue a package index's Emscripten/Pyodide wheels (deno task discover)",
    load: () => import("./discover_command.ts"),
    task: "discover",
  },
};

/** The default command, used when the first argument is not a subcommand name. */
const DEFAULT_COMMAND = {
  name: "conform",
  load: () => import("./conform_command.ts") as Promise<CommandModule>,
};

const USAGE = `conform: which Pyodide platform-tag scheme tells wheels apart correctly

Usage:
  deno task conform [PATH...] [OPTIONS]     run the default job on PATHs (default: corpus/)
  deno task conform COMMAND [ARGS...]       run a subcommand
  deno task conform COMMAND --help          help for one command

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join("\n")}

Exit codes: 0 ok, 1 internal error, 2 usage, 3 policy error, 4 unreadable input,
5 runtime unavailable, 6 unsafe accepts with --fail-on unsafe.`;

/** Commands that print colour and parse `--color`/`--no-color` themselves (`_outputs.ts`). */
const COLOUR_COMMANDS = new Set(["conform", "render", "merge"]);

/**
 * Every command takes `--color[=auto|always|never]` and `--no-color`, as tools people know do;
 * a command that prints no colour has nothing to change, so they are checked and dropped here.
 */
function acceptColourOptions(args: string[]): string[] {
  const end = args.indexOf("--");
  const options = normalizeColorFlag(end < 0 ? args : args.slice(0, end));
  for (const a of options) if (a.startsWith("--color=")) readColorWhen(a.slice("--color=".length));
  return [
    ...options.filter((a) => a !== "--no-color" && !a.startsWith("--color=")),
    ...(end < 0 ? [] : args.slice(end)),
  ];
}

/** Edit distance between two short words (commands). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/**
 * Is the first argument a mistyped command rather than a path for the default job? A word that
 * is no file or directory, with no path separator or archive suffix, is. Returns the nearest
 * command ("" when none is near), or undefined when the argument is a path or an option.
 */
async function findMistypedCommand(first: string | undefined): Promise<string | undefined> {
  if (first === undefined || first.startsWith("-") || /[\/.]/.test(first)) return undefined;
  try {
    await Deno.stat(first);
    return undefined;
  } catch {
    // Not on disk: a word, not a path.
  }
  const near = Object.keys(COMMANDS).map((c) => ({ c, d: editDistance(first, c) }))
    .sort((x, y) => x.d - y.d)[0];
  return near && near.d <= 2 ? near.c : "";
}

/** Is this a failed import of a command module that does not exist (yet)? */
function isMissingModule(error: unknown, file: string): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "ERR_MODULE_NOT_FOUND" && (e.message ?? "").includes(file);
}

/**
 * Run the CLI with the given arguments and return the exit code.
 *
 * @param args Command-line arguments (without the program name).
 * @returns The exit code.
 *
 * @example Top-level help
 * ```ts ignore
 * import { main } from "./main.ts";
 * const code = await main(["--help"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--help" || first === "-h" || first === "help") {
    if (first === "help" && rest[0] !== undefined && rest[0] in COMMANDS) {
      return await main([rest[0], "--help"]);
    }
    const { OPTIONS_HELP } = await import("./conform_command.ts");
    console.log(
      `${USAGE}\n\nOptions of the default job (deno task conform [PATH...]):\n${OPTIONS_HELP}`,
    );
    return EXIT_OK;
  }
  const known = first !== undefined && Object.hasOwn(COMMANDS, first);
  const mistyped = known ? undefined : await findMistypedCommand(first);
  if (mistyped !== undefined) {
    console.error(
      `conform: unknown command "${first}"${mistyped ? `; did you mean "${mistyped}"?` : ""}`,
    );
    console.error("Try: deno task conform --help");
    return EXIT_USAGE;
  }
  const name = known ? first : DEFAULT_COMMAND.name;
  const file = `${name}_command.ts`;
  const commandArgs = known ? rest : args;
  let module: CommandModule;
  try {
    module = known ? await COMMANDS[first].load() : await DEFAULT_COMMAND.load();
  } catch (error) {
    if (isMissingModule(error, file)) {
      console.error(
        `conform: the "${name}" command is not available yet in this checkout (src/cli/${file} is missing)`,
      );
      return EXIT_USAGE;
    }
    throw error;
  }
  try {
    return await module.run(
      COLOUR_COMMANDS.has(name) ? commandArgs : acceptColourOptions(commandArgs),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`conform${known ? ` ${name}` : ""}: ${error.message}`);
      const task = known ? COMMANDS[name].task : undefined;
      console.error(
        task
          ? `Try: deno task ${task} --help`
          : `Try: deno task conform ${known ? `${name} ` : ""}--help`,
      );
      return EXIT_USAGE;
    }
    // Inputs that cannot be read as a whole (a catalogue that does not validate): what and
    // where, never a stack trace.
    if (error instanceof CatalogueFormatError) {
      console.error(`conform${known ? ` ${name}` : ""}: ${error.message}`);
      return EXIT_UNREADABLE_INPUT;
    }
    // Before any work: a run over no runtime would look like a result.
    if (error instanceof UnknownRuntimeError) {
      console.error(`conform${known ? ` ${name}` : ""}: ${error.message}`);
      return EXIT_RUNTIME_UNAVAILABLE;
    }
    throw error;
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    // A reader that went away (`conform … | head`) ends the output, not the tool.
    if (error instanceof Deno.errors.BrokenPipe) Deno.exit(EXIT_OK);
    console.error("conform: internal error:", error instanceof Error ? error.stack : error);
    code = EXIT_INTERNAL;
  }
  Deno.exit(code);
}
