/**
 * Shared test setup: the runtime catalogue and the runtimes obtained through `obtainRuntime` into
 * a test cache under the repo's `.cache/`.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { loadRuntimeCatalogue } from "../../src/runtime/load_runtime_catalogue.ts";
import { obtainRuntime } from "../../src/runtime/obtain_runtime.ts";
import type { RuntimeEntry, RuntimeFiles } from "../../src/runtime/types.ts";

export const REPO = new URL("../../", import.meta.url);
export const CATALOGUE_PATH = fromFileUrl(new URL("corpus/runtimes.json", REPO));
/** Test cache root: obtained runtimes are shared by the runtime tests. */
export const TEST_CACHE = fromFileUrl(new URL(".cache/test-runtime/", REPO));

/** The versions the issue and DESIGN require in the catalogue. */
export const REQUIRED_VERSIONS = [
  "0.21.3",
  "0.22.1",
  "0.23.4",
  "0.24.1",
  "0.25.1",
  "0.26.4",
  "0.27.7",
  "0.28.3",
  "0.29.5",
  "314.0.7",
  "315.0.0-alpha.2",
] as const;

export const catalogue: RuntimeEntry[] = loadRuntimeCatalogue(
  await Deno.readTextFile(CATALOGUE_PATH),
  { file: CATALOGUE_PATH },
);

/** Order of runtime versions: 0.21.3 < … < 0.29.5 < 314.0.7 < 315.0.0-alpha.2. */
export function versionKey(version: string): number[] {
  const [major, minor, patch] = version.split("-")[0].split(".").map(Number);
  return [major, minor, patch];
}

export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

/** `version` is at or before `other` (by major.minor.patch). */
export function atMost(version: string, other: string): boolean {
  return compareVersions(version, other) <= 0;
}

const obtained = new Map<string, Promise<RuntimeFiles>>();

/** Obtain a catalogued runtime into the test cache (once per process). */
export function obtainForTest(version: string): Promise<RuntimeFiles> {
  let files = obtained.get(version);
  if (!files) {
    files = obtainRuntime(version, { cacheDir: TEST_CACHE, catalogue });
    obtained.set(version, files);
  }
  return files;
}

/** The three files of an obtained runtime, read. */
export async function readRuntimeInputs(version: string): Promise<{
  files: RuntimeFiles;
  wasm: Uint8Array;
  glue: string;
  lock: unknown;
}> {
  const files = await obtainForTest(version);
  return {
    files,
    wasm: await Deno.readFile(files.wasmPath),
    glue: await Deno.readTextFile(files.gluePath),
    lock: JSON.parse(await Deno.readTextFile(files.lockPath)),
  };
}
