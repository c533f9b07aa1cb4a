/**
 * What several commands read the same way: the shipped runtime catalogue, `--runtime-dir`
 * values, and one policy named by id. Kept out of `_args.ts`, which every command (and `--help`)
 * loads, so that start-up does not load the policy and runtime stages.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatPolicyError, loadPolicies } from "../policy/mod.ts";
import type { Policy } from "../policy/types.ts";
import { loadRuntimeCatalogue } from "../runtime/mod.ts";
import type { RuntimeEntry } from "../runtime/types.ts";

/** This checkout's root directory. */
const REPO_DIR = new URL("../../", import.meta.url);

/**
 * The runtime catalogue this checkout ships (`corpus/runtimes.json`), validated.
 *
 * @example
 * ```ts ignore
 * const catalogue = await readShippedRuntimeCatalogue();
 * ```
 */
export async function readShippedRuntimeCatalogue(): Promise<RuntimeEntry[]> {
  return loadRuntimeCatalogue(
    await Deno.readTextFile(new URL("corpus/runtimes.json", REPO_DIR)),
    { file: "corpus/runtimes.json" },
  );
}

/**
 * `--runtime-dir DIR[=LABEL]` values as local runtimes (the label after the last `=`).
 *
 * @example
 * ```ts
 * import { parseRuntimeDirs } from "./_shared_inputs.ts";
 * console.assert(parseRuntimeDirs(["dist=mine"])[0].label === "mine");
 * ```
 */
export function parseRuntimeDirs(specs: string[] | undefined): { dir: string; label?: string }[] {
  return (specs ?? []).map((spec) => {
    const at = spec.lastIndexOf("=");
    return at > 0 ? { dir: spec.slice(0, at), label: spec.slice(at + 1) } : { dir: spec };
  });
}

/**
 * One policy named by id (a file of this checkout's `policies/`) or by a `.yaml` path. Problems
 * are printed on stderr, prefixed with the command; undefined when it does not load.
 *
 * @example
 * ```ts ignore
 * const policy = await loadNamedPolicy("pep783", "explain");
 * ```
 */
export async function loadNamedPolicy(spec: string, command: string): Promise<Policy | undefined> {
  const path = /\.ya?ml$/i.test(spec)
    ? spec
    : fileURLToPath(new URL(`policies/${spec}.yaml`, REPO_DIR));
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    console.error(`conform ${command}: no policy "${spec}" (looked for ${path})`);
    return undefined;
  }
  const { policies, errors } = loadPolicies([{ path, text }]);
  for (const e of errors) console.error(formatPolicyError(e));
  return policies[0];
}

const POLICY_FILE = /\.ya?ml$/i;

/**
 * The text of policy files: each path is a `.yaml` file, or a directory whose `.yaml`/`.yml`
 * files are read in name order.
 *
 * @example
 * ```ts ignore
 * const files = await readPolicyFiles(["policies/"]);
 * ```
 */
export async function readPolicyFiles(paths: string[]): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      const names = [];
      for await (const e of Deno.readDir(path)) {
        if (e.isFile && POLICY_FILE.test(e.name)) names.push(e.name);
      }
      for (const name of names.sort()) {
        files.push({ path: join(path, name), text: await Deno.readTextFile(join(path, name)) });
      }
    } else {
      files.push({ path, text: await Deno.readTextFile(path) });
    }
  }
  return files;
}
