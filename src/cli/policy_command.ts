/**
 * `conform policy check FILE...`: validate policy files. Each problem is printed as
 * `file:line:column: keyPath: message` (syntax, schema and semantic problems of every file,
 * and duplicate ids across them); a summary line goes to stderr.
 *
 * `conform policy show FILE...` (or `preview`): the tag each catalogue runtime gets under each
 * policy, the tags it accepts and which runtimes share a tag, from the scorer's own functions (no
 * wheel, no runtime download).
 *
 * `conform policy compare A B [PATH...]`: the pairs where two policies predict differently.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  formatPolicyError,
  loadPolicies,
  type Policy,
  type PolicyPreview,
  previewPolicy,
} from "../policy/mod.ts";
import { escapeControl, parseOrUsage, UsageError } from "./_args.ts";
import { readShippedRuntimeCatalogue } from "./_shared_inputs.ts";
import { EXIT_OK, EXIT_POLICY_ERROR, EXIT_UNREADABLE_INPUT } from "./_exit_codes.ts";

const USAGE = `Usage: deno task conform policy check FILE|DIR...
       deno task conform policy show FILE|DIR... [--json]
       deno task conform policy compare A B [PATH...] [--runtime SPEC] [--report FILE] [--json]

check    Validate policy files (YAML, see policies/schema.json). A directory means its *.yaml
         and *.yml files. Every problem is printed as file:line:column: keyPath: message.
show     For every runtime of the catalogue (corpus/runtimes.json): the platform tag a wheel
         built for it gets under the policy, the tags it accepts, the build tag it requires,
         and which runtimes share a tag. ABI flags are inferred from each runtime's Emscripten
         version (a conform run reads them from the main module). Also called preview.
compare  The wheel × runtime pairs where policies A and B (ids of policies/ or files) predict
         differently, with the outcome of each and which one is right: from a link-check run
         over PATH (default: the catalogue, corpus/), or from a saved JSON report (--report).

Options:
  --json           show/compare: print JSON
  --runtime SPEC   compare: runtimes to run on (versions or series; default all)
  --report FILE    compare: a saved JSON report that scored both policies, instead of a run

Exit codes: 0 valid (check) or printed (show, compare), 2 usage, 3 a policy has problems,
4 a file could not be read, 5 a runtime is unknown.`;

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
      options: {
        help: { type: "boolean", short: "h" },
        json: { type: "boolean" },
        runtime: { type: "string", multiple: true },
        report: { type: "string" },
        mirror: { type: "string" },
        "cache-dir": { type: "string" },
        offline: { type: "boolean" },
      },
    })
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const [given, ...paths] = positionals;
  const sub = given === "preview" ? "show" : given;
  if (sub === "compare") {
    if (paths.length < 2) throw new UsageError("policy compare needs two policies, A and B");
    const { comparePolicyFiles } = await import("./_policy_compare.ts");
    return await comparePolicyFiles(paths[0], paths[1], paths.slice(2), values);
  }
  if (sub !== "check" && sub !== "show") {
    throw new UsageError(
      sub ? `unknown policy subcommand "${sub}"` : "missing subcommand: check, show or compare",
    );
  }
  if (values.runtime || values.report) {
    throw new UsageError("--runtime and --report are compare options");
  }
  if (!paths.length) throw new UsageError(`policy ${sub} needs at least one FILE or DIR`);
  if (values.json && sub !== "show") throw new UsageError("--json is a show option");
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
  if (sub === "show") {
    return await printPreviews(policies, { unreadable, errors, json: values.json === true }, io);
  }
  for (const line of unreadable) io.out(line);
  for (const e of errors) io.out(formatPolicyError(e));
  io.err(
    `${policies.length} of ${inputs.length} policy file(s) valid, ${errors.length} problem(s)` +
      (unreadable.length ? `, ${unreadable.length} unreadable` : ""),
  );
  if (unreadable.length) return EXIT_UNREADABLE_INPUT;
  return errors.length ? EXIT_POLICY_ERROR : EXIT_OK;
}

/** Preview every policy that loaded; problems go to stderr, and decide the exit code. */
async function printPreviews(
  policies: Policy[],
  problems: {
    unreadable: string[];
    errors: Parameters<typeof formatPolicyError>[0][];
    json: boolean;
  },
  io: PolicyCommandIo,
): Promise<number> {
  for (const line of problems.unreadable) io.err(line);
  for (const e of problems.errors) io.err(formatPolicyError(e));
  const catalogue = await readShippedRuntimeCatalogue();
  const previews = policies.map((p) => previewPolicy(p, catalogue));
  if (problems.json) io.out(JSON.stringify(previews, null, 2));
  else {
    // Tags and ids come from policy files: no control character reaches the terminal.
    previews.forEach((p, i) =>
      io.out(escapeControl(formatPreview(p) + (i < previews.length - 1 ? "\n" : "")))
    );
  }
  if (problems.unreadable.length) return EXIT_UNREADABLE_INPUT;
  return problems.errors.length ? EXIT_POLICY_ERROR : EXIT_OK;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/**
 * One policy's preview as a terminal table: runtime, Python, Emscripten, the tag its wheels get
 * and the tags it accepts; then the runtimes that share a tag.
 *
 * @example
 * ```ts ignore
 * console.log(formatPreview(previewPolicy(policy, catalogue)));
 * ```
 */
export function formatPreview(preview: PolicyPreview): string {
  const lines = [
    `${preview.policy.id}: ${preview.policy.title} (${preview.policy.file})`,
    `rule: ${preview.rule}; ` +
    (preview.policy.wheelTag === "filename"
      ? `wheels keep their file-name tags; ${preview.rows.length} runtime(s)`
      : `${preview.distinctTags} distinct wheel tag(s) over ${preview.rows.length} runtime(s)`),
    "",
  ];
  const wheelCell = (r: PolicyPreview["rows"][number]) => {
    if (preview.policy.wheelTag === "filename") return "(the wheel's file-name tag)";
    if (!r.wheelTag) return `(none: ${r.wheelTagReason})`;
    const tag = r.buildTimeTag && r.buildTimeTag !== r.wheelTag
      ? `${r.buildTimeTag} -> ${r.wheelTag} after the audit`
      : r.wheelTag;
    return r.buildTag ? `${tag} build ${r.buildTag}` : tag;
  };
  const cells = preview.rows.map((r) => [
    r.runtime,
    r.python ?? "",
    r.emscripten ?? "",
    wheelCell(r),
    r.accepts.join(" ") || "(none)",
  ]);
  const head = ["runtime", "Python", "Emscripten", "wheel tag", "accepts"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const row = (c: string[]) =>
    c.map((x, i) => (i < c.length - 1 ? pad(x, widths[i]) : x)).join("  ");
  lines.push(row(head));
  for (const c of cells) lines.push(row(c));
  for (const r of preview.rows) for (const n of r.notes) lines.push(`  ${r.runtime}: ${n}`);
  lines.push("");
  const shared = preview.groups.filter((g) => g.length > 1);
  lines.push(
    shared.length
      ? `runtimes sharing a tag: ${shared.map((g) => g.join(" = ")).join("; ")}` +
        (shared.length < preview.groups.length ? " (the others each have their own)" : "")
      : "runtimes sharing a tag: none (every runtime has its own)",
  );
  if (preview.rows.some((r) => r.inferred.some((f) => f.startsWith("flags.")))) {
    lines.push(
      "ABI flags here are inferred from each runtime's Emscripten version; a conform run reads " +
        "them from the main module (tags built from flags, abi_hash or bits, can differ).",
    );
  }
  return lines.join("\n");
}
