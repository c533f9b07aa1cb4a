/**
 * Default locations of the cache, the mirror and the catalogue, from the environment and the
 * repository layout.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Repository root, when this module is loaded from a local checkout. */
export function repositoryRoot(): string | undefined {
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}

/** Reads an environment variable; undefined when unset or when permission to read it is missing. */
function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

/**
 * The cache directory: `CONFORM_CACHE`, else `.cache` in the repository root (gitignored).
 *
 * @returns An absolute or cwd-relative directory path.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "./defaults.ts";
 * console.assert(defaultCacheDir().length > 0);
 * ```
 */
export function defaultCacheDir(): string {
  return readEnv("CONFORM_CACHE") ?? join(repositoryRoot() ?? Deno.cwd(), ".cache");
}

/**
 * The mirror directory: `CONFORM_MIRROR`, else the shared corpus beside the checkout
 * (`../shared/corpus`, as on development and CI machines) when it holds a `manifest.json`.
 *
 * @returns A directory path, or undefined when there is no mirror.
 *
 * @example
 * ```ts
 * import { defaultMirror } from "./defaults.ts";
 * const mirror = defaultMirror();
 * console.assert(mirror === undefined || mirror.length > 0);
 * ```
 */
export function defaultMirror(): string | undefined {
  const fromEnv = readEnv("CONFORM_MIRROR");
  if (fromEnv) return fromEnv;
  const root = repositoryRoot();
  if (!root) return undefined;
  const sibling = join(root, "..", "shared", "corpus");
  try {
    Deno.statSync(join(sibling, "manifest.json"));
    return sibling;
  } catch {
    return undefined;
  }
}

/**
 * Path of the catalogue shipped with the repository (`corpus/wheels.json`).
 *
 * @returns The path, or undefined when not running from a local checkout.
 *
 * @example
 * ```ts
 * import { defaultCataloguePath } from "./defaults.ts";
 * console.assert(defaultCataloguePath()?.endsWith("wheels.json") ?? true);
 * ```
 */
export function defaultCataloguePath(): string | undefined {
  const root = repositoryRoot();
  return root ? join(root, "corpus", "wheels.json") : undefined;
}
