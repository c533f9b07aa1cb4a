/**
 * `conform policy check FILE...`: validate policy files. Each problem is printed as
 * `file:line:column: keyPath: message` (syntax, schema and semantic problems of every file,
 * and duplicate ids across them); a summary line goes to stderr.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { formatPolicyError, loadPolicies } from "../policy/mod.ts";
import { parseOrUsage, UsageError } from "./_args.ts";
import { EXIT_OK, EXIT_POLICY_ERROR, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

const USAGE = `Usage: deno task conform policy check FILE|DIR...

Validate policy files (YAML, see policies/schema.json). A directory means its *.yaml and *.yml
files. Every problem is printed as file:line:column: keyPath: message.

Exit codes: 0 all policies valid, 3 a policy has problems, 4 a file could not be read, 2 usage.`;

/** Where output goes; tests pass their own. */
export interface PolicyCommandIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: PolicyCommandIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Expand directories to their policy files (sorted), keep files as given. */
async function expandPaths(paths: string[]): Promise<{ files: string[]; unreadable: string[] }> {
  const files: string[] = [];
  const unreadable: string[] = [];
  for (const p of paths) {
    try {
      const info = await Deno.stat(p);
      if (!info.isDirectory) {
        files.push(p);
        continue;
      }
      const found: string[] = [];
      for await (const entry of Deno.readDir(p)) {
        if (entry.isFile && /\.ya?ml$/.test(entry.name)) {
          found.push(`${p.replace(/\/+$/, "")}/${entry.name}`);
        }
      }
      files.push(...found.sort());
    } catch (e) {
      unreadable.push(`${p}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { files, unreadable };
}

/**
 * Run `policy check`. Returns the exit code.
 *
 * @param args Arguments after `policy`, e.g. `["check", "policies/"]`.
 * @param io Output sinks (default: console).
 * @returns 0 when every policy is valid, 3 on policy problems, 4 when a file cannot be read.
 *
 * @example
 * ```ts ignore
 * const code = await run(["check", "policies/"]);
 * ```
 */
export async function run(args: string[], io: PolicyCommandIo = defaultIo): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    })
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const [sub, ...paths] = positionals;
  if (sub !== "check") {
    throw new UsageError(sub ? `unknown policy subcommand "${sub}"` : "missing subcommand: check");
  }
  if (!paths.length) throw new UsageError("policy check needs at least one FILE or DIR");
  const { files, unreadable } = await expandPaths(paths);
  const inputs: { path: string; text: string }[] = [];
  for (const file of files) {
    try {
      inputs.push({ path: file, text: await Deno.readTextFile(file) });
    } catch (e) {
      unreadable.push(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const { policies, errors } = loadPolicies(inputs);
  for (const line of unreadable) io.out(line);
  for (const e of errors) io.out(formatPolicyError(e));
  io.err(
    `${policies.length} of ${inputs.length} policy file(s) valid, ${errors.length} problem(s)` +
      (unreadable.length ? `, ${unreadable.length} unreadable` : ""),
  );
  if (unreadable.length) return EXIT_UNREADABLE_INPUT;
  return errors.length ? EXIT_POLICY_ERROR : EXIT_OK;
}
