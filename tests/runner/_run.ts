/**
 * Shared set-up for runner tests: a cache directory that reuses the repository's runtime
 * downloads and facts (expensive, content-verified) but starts with no link outcomes, so every
 * verdict asserted here is computed by this run.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicies } from "../../src/policy/mod.ts";
import type { Policy } from "../../src/policy/types.ts";
import { loadRuntimeCatalogue } from "../../src/runtime/mod.ts";
import type { RuntimeEntry } from "../../src/runtime/types.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const MIRROR = Deno.env.get("CONFORM_MIRROR") ?? join(REPO, "..", "shared", "corpus");
const SHARED_CACHE = Deno.env.get("CONFORM_CACHE") ?? join(REPO, ".cache");

/** A fresh cache dir whose `runtimes/` and `facts/` point at the shared cache. */
export async function freshCache(): Promise<string> {
  await Deno.mkdir(join(SHARED_CACHE, "runtimes"), { recursive: true });
  await Deno.mkdir(join(SHARED_CACHE, "facts"), { recursive: true });
  await Deno.mkdir(join(SHARED_CACHE, "tmp"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: join(SHARED_CACHE, "tmp"), prefix: "runner-test-" });
  await Deno.symlink(join(SHARED_CACHE, "runtimes"), join(dir, "runtimes"));
  await Deno.symlink(join(SHARED_CACHE, "facts"), join(dir, "facts"));
  return dir;
}

export async function runtimeCatalogue(): Promise<RuntimeEntry[]> {
  return loadRuntimeCatalogue(await Deno.readTextFile(join(REPO, "corpus", "runtimes.json")));
}

export async function shippedPolicies(): Promise<Policy[]> {
  const files = [];
  for await (const e of Deno.readDir(join(REPO, "policies"))) {
    if (e.isFile && e.name.endsWith(".yaml")) {
      const path = join(REPO, "policies", e.name);
      files.push({ path, text: await Deno.readTextFile(path) });
    }
  }
  const { policies, errors } = loadPolicies(files);
  if (errors.length) throw new Error(`shipped policies do not load: ${errors[0].message}`);
  return policies;
}
