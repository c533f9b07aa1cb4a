/**
 * Test helper: the side modules of the shared corpus, extracted with jszip (independent of the
 * project's own zip reader), and the optional npm runtime packages for main modules.
 *
 * @module
 */
import JSZip from "jszip";
import { fileURLToPath } from "node:url";

/** The shared corpus: `CONFORM_MIRROR`, else `../shared/corpus` beside the checkout. */
export const MIRROR = Deno.env.get("CONFORM_MIRROR") ||
  fileURLToPath(new URL("../../../shared/corpus/", import.meta.url)).replace(/\/$/, "");

/**
 * Extracted npm `pyodide` packages, `<dir>/<version>/package/pyodide.asm.wasm`. Development
 * machines have them in /tmp/rtx; CI can point `CONFORM_RUNTIMES_DIR` at its runtime cache.
 */
export const RUNTIMES_DIR = Deno.env.get("CONFORM_RUNTIMES_DIR") || "/tmp/rtx";

/** One `manifest.json` entry (the fields these tests use). */
export interface ManifestEntry {
  file: string;
  kind: "wheel" | "shared-library" | "cpython-module" | "lockfile";
  distribution: string;
  so_files?: string[];
  platform_tag_in_filename?: string | null;
  lock_info?: { platform?: string };
}

export interface CorpusModule {
  /** Archive path relative to the mirror, e.g. `pyodide-0.27.7/orjson-….whl`. */
  archive: string;
  distribution: string;
  /** Member path inside the archive. */
  member: string;
  bytes: Uint8Array;
  /** Emscripten version the distribution was built with, e.g. `[3, 1, 58]`. */
  emscripten?: [number, number, number];
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Reads and parses the corpus `manifest.json`. */
export async function readManifest(): Promise<ManifestEntry[]> {
  return JSON.parse(await Deno.readTextFile(`${MIRROR}/manifest.json`));
}

/**
 * Every member named like a shared library (`*.so`, `*.so.N…`) of every archive, inflated. The
 * caller compares the wasm ones with the manifest's `so_files` (found there by content).
 */
export async function readCorpusModules(manifest: ManifestEntry[]): Promise<{
  modules: CorpusModule[];
  /** archive → member paths starting with the wasm magic. */
  wasmMembers: Map<string, string[]>;
}> {
  const emscriptenOf = new Map<string, [number, number, number]>();
  for (const e of manifest) {
    const m = /^emscripten_(\d+)_(\d+)_(\d+)$/.exec(e.lock_info?.platform ?? "");
    if (e.kind === "lockfile" && m) emscriptenOf.set(e.distribution, [+m[1], +m[2], +m[3]]);
  }
  const modules: CorpusModule[] = [];
  const wasmMembers = new Map<string, string[]>();
  for (const e of manifest) {
    if (e.kind === "lockfile") continue;
    const zip = await JSZip.loadAsync(await Deno.readFile(`${MIRROR}/${e.file}`));
    const found: string[] = [];
    for (const name of Object.keys(zip.files).sort()) {
      const entry = zip.files[name];
      if (entry.dir || !/\.so(\.[0-9.]+)?$/.test(name)) continue;
      const bytes = await entry.async("uint8array");
      if (!WASM_MAGIC.every((b, i) => bytes[i] === b)) continue;
      found.push(name);
      modules.push({
        archive: e.file,
        distribution: e.distribution,
        member: name,
        bytes,
        emscripten: emscriptenOf.get(e.distribution) ?? emscriptenOfTag(e.file),
      });
    }
    wasmMembers.set(e.file, found);
  }
  return { modules, wasmMembers };
}

// Standalone wheels have no lock file: the ABI tag fixes the Emscripten version
// (pyodide_2024_0 = 3.1.58, pyodide_2025_0 = 4.0.9; PEP 783 / Pyodide ABI docs).
function emscriptenOfTag(file: string): [number, number, number] | undefined {
  if (file.includes("pyodide_2024_0")) return [3, 1, 58];
  if (file.includes("pyodide_2025_0")) return [4, 0, 9];
  return undefined;
}

/** Bytes of `<RUNTIMES_DIR>/<version>/package/pyodide.asm.wasm`, or undefined when absent. */
export async function readMainModule(version: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(`${RUNTIMES_DIR}/${version}/package/pyodide.asm.wasm`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
