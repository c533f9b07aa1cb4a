/**
 * Obtain a runtime (npm or a local directory), read its facts, and cache them as JSON keyed by
 * the main module's sha256 and {@link FACTS_VERSION}.
 *
 * @module
 */
import { join } from "node:path";
import { RuntimeFormatError, RuntimeUnavailableError } from "./errors.ts";
import {
  MAX_LOCK_BYTES,
  obtainRuntime,
  type ObtainRuntimeOptions,
  readRuntimeDir,
} from "./obtain_runtime.ts";
import { FACTS_VERSION, readRuntime, sha256Hex } from "./read_runtime.ts";
import { readLockInfo } from "./read_lock.ts";
import type { RuntimeFacts, RuntimeFiles } from "./types.ts";

/** Largest main module read (bytes). */
export const MAX_MAIN_MODULE_BYTES = 256 * 1024 * 1024;
/** Largest glue read (bytes). */
export const MAX_GLUE_BYTES = 64 * 1024 * 1024;
/** Largest cached facts file read (bytes). */
export const MAX_FACTS_BYTES = 256 * 1024 * 1024;

/** Options of {@link obtainRuntimeFacts}. */
export interface ObtainRuntimeFactsOptions extends ObtainRuntimeOptions {
  /** Use this local distribution directory instead of npm. */
  runtimeDir?: string;
}

async function readCapped(path: string, max: number, version: string): Promise<Uint8Array> {
  const size = (await Deno.stat(path)).size;
  if (size > max) {
    throw new RuntimeUnavailableError(version, `"${path}" is ${size} bytes, more than ${max}`);
  }
  return await Deno.readFile(path);
}

/**
 * Path of the cached facts of a main module: `<cacheDir>/facts/runtime-<sha256>-f<FACTS_VERSION>.json`.
 *
 * @example
 * ```ts
 * import { runtimeFactsPath } from "./obtain_runtime_facts.ts";
 * console.assert(runtimeFactsPath(".cache", "ab").startsWith(".cache/facts/runtime-ab-f"));
 * ```
 */
export function runtimeFactsPath(cacheDir: string, mainSha256: string): string {
  return join(cacheDir, "facts", `runtime-${mainSha256}-f${FACTS_VERSION}.json`);
}

/** Write `text` to `path` through a temporary file in the same directory and a rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await Deno.makeTempFile({ dir, prefix: ".tmp-facts-" });
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Obtain the runtime files (`runtimeDir`, else {@link obtainRuntime}) and return their facts,
 * from the cache when a facts file for the same main module, glue, lock facts, version and
 * {@link FACTS_VERSION} exists, else read with {@link readRuntime} and cached atomically.
 *
 * @example
 * ```ts ignore
 * import { obtainRuntimeFacts, loadRuntimeCatalogue } from "./mod.ts";
 * const catalogue = loadRuntimeCatalogue(await Deno.readTextFile("corpus/runtimes.json"));
 * const facts = await obtainRuntimeFacts("0.28.3", { cacheDir: ".cache", catalogue });
 * console.log(facts.tags.map((t) => `${t.name} (${t.origin})`));
 * ```
 */
export async function obtainRuntimeFacts(
  version: string,
  options: ObtainRuntimeFactsOptions,
): Promise<RuntimeFacts> {
  let files: RuntimeFiles;
  if (options.runtimeDir !== undefined) {
    files = await readRuntimeDir(options.runtimeDir, { catalogue: options.catalogue });
    if (files.version !== version) {
      throw new RuntimeUnavailableError(
        version,
        `the directory "${options.runtimeDir}" holds version ${files.version}`,
      );
    }
  } else {
    files = await obtainRuntime(version, options);
  }
  const wasm = await readCapped(files.wasmPath, MAX_MAIN_MODULE_BYTES, version);
  const glue = new TextDecoder().decode(await readCapped(files.gluePath, MAX_GLUE_BYTES, version));
  const lockText = new TextDecoder().decode(
    await readCapped(files.lockPath, MAX_LOCK_BYTES, version),
  );
  let lock: unknown;
  try {
    lock = JSON.parse(lockText);
  } catch (e) {
    throw new RuntimeFormatError(`Lock file is not JSON: ${(e as Error).message}`, files.lockPath);
  }
  const mainSha256 = sha256Hex(wasm);
  const glueSha256 = sha256Hex(glue);
  const path = runtimeFactsPath(options.cacheDir, mainSha256);
  const info = readLockInfo(lock, { file: files.lockPath });

  try {
    if ((await Deno.stat(path)).size <= MAX_FACTS_BYTES) {
      const cached = JSON.parse(await Deno.readTextFile(path)) as RuntimeFacts;
      if (
        cached.factsVersion === FACTS_VERSION && cached.mainSha256 === mainSha256 &&
        cached.glueSha256 === glueSha256 && cached.version === version &&
        cached.python === info.python && cached.emscripten === info.emscripten &&
        cached.platformTag === info.platformTag && cached.abiVersion === info.abiVersion
      ) {
        options.onProgress?.(`pyodide@${version}: facts from cache`);
        return cached;
      }
    }
  } catch {
    // No usable cached facts: read them below.
  }
  const facts = readRuntime({
    version,
    entry: files.entry,
    wasm,
    glue,
    lock,
    files: { wasm: files.wasmPath, glue: files.gluePath, lock: files.lockPath },
    mainSha256,
  });
  await writeAtomically(path, JSON.stringify(facts));
  options.onProgress?.(`pyodide@${version}: facts read and cached`);
  return facts;
}
