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
import { writeFileAtomically } from "../corpus/write_atomically.ts";

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
  /**
   * Told where the runtime's files are (the link engine reads the real main module from there
   * when constructors need main functions the stub cannot run).
   */
  onFiles?: (files: RuntimeFiles) => void;
}

async function readCapped(path: string, max: number, version: string): Promise<Uint8Array> {
  const size = (await Deno.stat(path)).size;
  if (size > max) {
    throw new RuntimeUnavailableError(version, `"${path}" is ${size} bytes, more than ${max}`);
  }
  return await Deno.readFile(path);
}

/**
 * Path of the cached facts of a main module as one version:
 * `<cacheDir>/facts/runtime-<sha256>-<version>-f<FACTS_VERSION>c<format>.json`. The version is
 * part of the key because the same main module can come with locks of different versions (an
 * npm release and the distribution directory it was built from); one file for both would be
 * rewritten by each in turn.
 *
 * @example
 * ```ts
 * import { runtimeFactsPath } from "./obtain_runtime_facts.ts";
 * const path = runtimeFactsPath(".cache", "ab", "0.28.3");
 * console.assert(path.startsWith(".cache/facts/runtime-ab-0.28.3-f"));
 * ```
 */
export function runtimeFactsPath(cacheDir: string, mainSha256: string, version: string): string {
  const v = version.replace(/[^0-9A-Za-z._-]/g, "_");
  return join(
    cacheDir,
    "facts",
    `runtime-${mainSha256}-${v}-f${FACTS_VERSION}c${CACHE_FORMAT}.json`,
  );
}

/** Layout of the cached facts file; see {@linkcode encodeFactsForCache}. */
const CACHE_FORMAT = 2;

/**
 * The cached form of runtime facts: the main's ~9 000 function types as a table of distinct
 * types plus `[name, typeIndex]` pairs (a third of the JSON, parsed three times faster, and the
 * decoded facts share one object per distinct type).
 */
interface CachedFacts extends Omit<RuntimeFacts, "functions"> {
  functionTypes: RuntimeFacts["functions"][number]["type"][];
  functionList: [string, number][];
}

function encodeFactsForCache(facts: RuntimeFacts): string {
  const { functions, ...rest } = facts;
  const types: CachedFacts["functionTypes"] = [];
  const index = new Map<string, number>();
  const functionList: [string, number][] = functions.map((f) => {
    const key = JSON.stringify(f.type);
    let i = index.get(key);
    if (i === undefined) {
      i = types.length;
      types.push(f.type);
      index.set(key, i);
    }
    return [f.name, i];
  });
  return JSON.stringify({ ...rest, functionTypes: types, functionList } satisfies CachedFacts);
}

function decodeFactsFromCache(text: string): RuntimeFacts {
  const { functionTypes, functionList, ...rest } = JSON.parse(text) as CachedFacts;
  if (!Array.isArray(functionTypes) || !Array.isArray(functionList)) {
    throw new SyntaxError("cached runtime facts lack the function table");
  }
  // An indexed loop: a cold process runs this once, in the interpreter, where destructuring
  // each pair through the iterator protocol cost 10 ms.
  const functions: RuntimeFacts["functions"] = new Array(functionList.length);
  for (let f = 0; f < functionList.length; f++) {
    const entry = functionList[f];
    const type = functionTypes[entry[1]];
    if (!type) throw new SyntaxError(`cached runtime facts: no function type ${entry[1]}`);
    functions[f] = { name: entry[0], type };
  }
  return { ...rest, functions } as RuntimeFacts;
}

/**
 * Path of the stat index of a runtime's facts:
 * `<cacheDir>/facts/runtime-<version>-<hash of the main module's path>-stat.json`. It maps the
 * size, mtime and inode of the main module, glue and lock to the facts file and its sha256, so
 * a warm start neither reads nor hashes the ~10 MB main module (the way make and git trust an
 * unchanged stat); a changed file or a facts file that fails its hash falls back to the full
 * path. One index per location: copies of a version in several directories (the npm cache, a
 * local distribution, a test's scratch copy) sharing one cache would otherwise overwrite each
 * other's index, and every start would take the slow path.
 *
 * @example
 * ```ts
 * import { runtimeStatIndexPath } from "./obtain_runtime_facts.ts";
 * const path = runtimeStatIndexPath(".cache", "0.27.7", "/x/pyodide.asm.wasm");
 * console.assert(/runtime-0\.27\.7-[0-9a-f]{12}-stat\.json$/.test(path));
 * console.assert(path !== runtimeStatIndexPath(".cache", "0.27.7", "/y/pyodide.asm.wasm"));
 * ```
 */
export function runtimeStatIndexPath(cacheDir: string, version: string, mainPath: string): string {
  const where = sha256Hex(mainPath).slice(0, 12);
  return join(
    cacheDir,
    "facts",
    `runtime-${version.replace(/[^0-9A-Za-z._-]/g, "_")}-${where}-stat.json`,
  );
}

interface FileStat {
  path: string;
  size: number;
  mtimeMs: number | null;
  ino: number | null;
}

interface StatIndex {
  factsVersion: number;
  version: string;
  files: FileStat[];
  mainSha256: string;
  factsSha256: string;
}

async function statFiles(paths: string[]): Promise<FileStat[]> {
  return await Promise.all(paths.map(async (path) => {
    const info = await Deno.stat(path);
    return { path, size: info.size, mtimeMs: info.mtime?.getTime() ?? null, ino: info.ino };
  }));
}

/** Facts through the stat index, or undefined when anything does not match. */
async function readFactsByStat(
  cacheDir: string,
  version: string,
  paths: string[],
): Promise<RuntimeFacts | undefined> {
  try {
    const index = JSON.parse(
      await Deno.readTextFile(runtimeStatIndexPath(cacheDir, version, paths[0])),
    ) as StatIndex;
    if (index.factsVersion !== FACTS_VERSION || index.version !== version) return undefined;
    const now = await statFiles(paths);
    // Files without an mtime or inode cannot be trusted by stat alone.
    if (now.some((f) => f.mtimeMs === null)) return undefined;
    if (JSON.stringify(now) !== JSON.stringify(index.files)) return undefined;
    const path = runtimeFactsPath(cacheDir, index.mainSha256, version);
    if ((await Deno.stat(path)).size > MAX_FACTS_BYTES) return undefined;
    const text = await Deno.readTextFile(path);
    // A corrupt or edited facts file fails its recorded hash and is rebuilt.
    if (sha256Hex(text) !== index.factsSha256) return undefined;
    const facts = decodeFactsFromCache(text);
    if (facts.factsVersion !== FACTS_VERSION || facts.version !== version) return undefined;
    return facts;
  } catch {
    return undefined;
  }
}

async function writeStatIndex(
  cacheDir: string,
  version: string,
  paths: string[],
  mainSha256: string,
  factsText: string,
): Promise<void> {
  const index: StatIndex = {
    factsVersion: FACTS_VERSION,
    version,
    files: await statFiles(paths),
    mainSha256,
    factsSha256: sha256Hex(factsText),
  };
  await writeFileAtomically(
    runtimeStatIndexPath(cacheDir, version, paths[0]),
    JSON.stringify(index),
  );
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
  options.onFiles?.(files);
  const paths = [files.wasmPath, files.gluePath, files.lockPath];
  const quick = await readFactsByStat(options.cacheDir, version, paths);
  if (quick) {
    options.onProgress?.(`pyodide@${version}: facts from cache (stat index)`);
    return quick;
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
  const path = runtimeFactsPath(options.cacheDir, mainSha256, version);
  const info = readLockInfo(lock, { file: files.lockPath });

  try {
    if ((await Deno.stat(path)).size <= MAX_FACTS_BYTES) {
      const text = await Deno.readTextFile(path);
      const cached = decodeFactsFromCache(text);
      if (
        cached.factsVersion === FACTS_VERSION && cached.mainSha256 === mainSha256 &&
        cached.glueSha256 === glueSha256 && cached.version === version &&
        cached.python === info.python && cached.emscripten === info.emscripten &&
        cached.platformTag === info.platformTag && cached.abiVersion === info.abiVersion
      ) {
        await writeStatIndex(options.cacheDir, version, paths, mainSha256, text);
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
  const text = encodeFactsForCache(facts);
  await writeFileAtomically(path, text);
  await writeStatIndex(options.cacheDir, version, paths, mainSha256, text);
  options.onProgress?.(`pyodide@${version}: facts read and cached`);
  return facts;
}
