/**
 * Obtain a Pyodide runtime: `npm pack pyodide@<version>` through the package manager (which picks
 * the registry), verify the tarball against the integrity pinned in the runtime catalogue, extract
 * the whole package into the cache atomically, and reuse it later. A local distribution directory
 * is accepted instead.
 *
 * @module
 */
import { join } from "node:path";
import { readTar, safeEntryPath } from "./_tar.ts";
import { IntegrityMismatchError, RuntimeFormatError, RuntimeUnavailableError } from "./errors.ts";
import { sha256Hex } from "./read_runtime.ts";
import { RUNTIME_VERSION_PATTERN } from "./load_runtime_catalogue.ts";
import { readLockInfo } from "./read_lock.ts";
import type { RuntimeEntry, RuntimeFiles } from "./types.ts";

/** The npm package that carries Pyodide. */
export const RUNTIME_PACKAGE = "pyodide";
/** Largest tarball accepted from `npm pack`. */
export const MAX_TARBALL_BYTES = 256 * 1024 * 1024;
/** Largest unpacked tar accepted (gunzip output). */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;
/** Largest lock file or package.json read from a distribution directory. */
export const MAX_LOCK_BYTES = 64 * 1024 * 1024;
/** Name of the marker written last into a completed cache directory. */
export const RUNTIME_MARKER = ".conform-runtime.json";

/** Options of {@link obtainRuntime}. */
export interface ObtainRuntimeOptions {
  /** Cache root; the runtime goes to `<cacheDir>/runtimes/<version>/`. */
  cacheDir: string;
  catalogue: RuntimeEntry[];
  onProgress?(message: string): void;
  /** The npm executable (default `npm`). */
  npmCommand?: string;
}

interface Marker {
  package: string;
  version: string;
  integrity: string;
  files: number;
  /**
   * Every extracted file (relative path) with its sha256, size and modification time, recorded
   * at extraction: a file whose size or time has changed since is hashed again on use, and a
   * different hash means the copy is damaged (it is obtained again).
   */
  stamps?: Record<string, FileStamp>;
}

interface FileStamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** Stamps of every regular file under `dir` (the marker excluded). */
async function stampFiles(dir: string, prefix = ""): Promise<Record<string, FileStamp>> {
  const out: Record<string, FileStamp> = {};
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) Object.assign(out, await stampFiles(dir, rel));
    else if (e.isFile && rel !== RUNTIME_MARKER) {
      const path = join(dir, rel);
      const info = await Deno.stat(path);
      out[rel] = {
        sha256: sha256Hex(await Deno.readFile(path)),
        size: info.size,
        mtimeMs: info.mtime?.getTime() ?? 0,
      };
    }
  }
  return out;
}

/**
 * Whether a cached runtime's files are still the ones extracted: a file whose size and time are
 * unchanged is trusted (the stat index); any other is hashed again. A missing stamp list (a copy
 * from before stamps existed) fails, so the copy is obtained again with one.
 */
async function verifyStamps(dir: string, stamps: Record<string, FileStamp> | undefined) {
  if (!stamps || Object.keys(stamps).length === 0) return false;
  for (const [rel, stamp] of Object.entries(stamps)) {
    const path = join(dir, rel);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      return false;
    }
    if (!info.isFile || info.size !== stamp.size) return false;
    if ((info.mtime?.getTime() ?? 0) === stamp.mtimeMs) continue;
    if (sha256Hex(await Deno.readFile(path)) !== stamp.sha256) return false;
  }
  return true;
}

/**
 * npm-style integrity of bytes: `sha512-` + base64 of the SHA-512 digest.
 *
 * @example
 * ```ts
 * import { computeIntegrity } from "./obtain_runtime.ts";
 * const value = await computeIntegrity(new Uint8Array());
 * console.assert(value.startsWith("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="));
 * ```
 */
export async function computeIntegrity(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", bytes as BufferSource));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return `sha512-${btoa(binary)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const text = await Deno.readTextFile(join(dir, RUNTIME_MARKER));
    const json = JSON.parse(text);
    if (typeof json?.integrity === "string" && typeof json?.version === "string") return json;
  } catch {
    // Missing or unreadable marker: the directory is not a completed extraction.
  }
  return undefined;
}

/**
 * Find the main module, glue and lock file of a distribution directory. The glue is the catalogue's
 * `glueFile`, else `pyodide.asm.mjs` (314+), else `pyodide.asm.js`.
 */
async function locateFiles(
  dir: string,
  label: string,
  entry?: RuntimeEntry,
): Promise<{ wasmPath: string; gluePath: string; lockPath: string }> {
  const missing: string[] = [];
  const wasmPath = join(dir, "pyodide.asm.wasm");
  if (!(await exists(wasmPath))) missing.push("pyodide.asm.wasm");
  const glueNames = entry?.glueFile ? [entry.glueFile] : ["pyodide.asm.mjs", "pyodide.asm.js"];
  let gluePath: string | undefined;
  for (const name of glueNames) {
    if (await exists(join(dir, name))) {
      gluePath = join(dir, name);
      break;
    }
  }
  if (!gluePath) missing.push(glueNames.join(" or "));
  const lockNames = entry?.lockFile ? [entry.lockFile] : ["pyodide-lock.json", "repodata.json"];
  let lockPath: string | undefined;
  for (const name of lockNames) {
    if (await exists(join(dir, name))) {
      lockPath = join(dir, name);
      break;
    }
  }
  if (!lockPath) missing.push(lockNames.join(" or "));
  if (missing.length > 0) {
    throw new RuntimeUnavailableError(label, `"${dir}" lacks ${missing.join(", ")}`);
  }
  return { wasmPath, gluePath: gluePath!, lockPath: lockPath! };
}

/** Gunzip with the platform's DecompressionStream, refusing output past `max` bytes. */
async function gunzip(bytes: Uint8Array, max: number, file: string): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel();
        throw new RuntimeFormatError(`Unpacked tarball exceeds ${max} bytes`, file, "", -1);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof RuntimeFormatError) throw e;
    throw new RuntimeFormatError(`Not a valid gzip stream: ${(e as Error).message}`, file);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Extract every regular file and directory of the (npm) tarball under `dest`, `package/` dropped. */
async function extractTarball(
  tgz: Uint8Array,
  dest: string,
  file: string,
  onProgress?: (message: string) => void,
): Promise<number> {
  const tar = await gunzip(tgz, MAX_UNPACKED_BYTES, file);
  const entries = readTar(tar, { file });
  // Check every path before writing anything, so a hostile entry leaves no partial tree behind.
  const planned = entries.map((e) => ({ e, rel: safeEntryPath(e.path, 1, file, e.offset) }));
  const skipped: string[] = [];
  const dirs = new Set<string>();
  let files = 0;
  for (const { e, rel } of planned) {
    if (rel === "") continue;
    if (e.type === "dir") {
      await Deno.mkdir(join(dest, rel), { recursive: true });
      continue;
    }
    if (e.type !== "file") {
      skipped.push(e.path); // links and devices are never created
      continue;
    }
    const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    if (parent && !dirs.has(parent)) {
      await Deno.mkdir(join(dest, parent), { recursive: true });
      dirs.add(parent);
    }
    await Deno.writeFile(join(dest, rel), e.data, { createNew: true });
    files++;
  }
  if (skipped.length > 0) onProgress?.(`skipped ${skipped.length} non-file tar entries`);
  return files;
}

/** Run `npm pack <spec> --pack-destination <dir> --json` and return the tarball path. */
async function npmPack(
  version: string,
  packDir: string,
  npm: string,
  onProgress?: (message: string) => void,
): Promise<string> {
  const spec = `${RUNTIME_PACKAGE}@${version}`;
  onProgress?.(`npm pack ${spec}`);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(npm, {
      args: ["pack", spec, "--pack-destination", packDir, "--json"],
      cwd: packDir,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? `"${npm}" is not installed or not on PATH`
      : `cannot run "${npm}": ${(e as Error).message}`;
    throw new RuntimeUnavailableError(version, why);
  }
  const stderr = new TextDecoder().decode(output.stderr).trim();
  if (!output.success) {
    const tail = stderr.split("\n").filter((l) => l.trim() !== "").slice(-3).join(" | ");
    throw new RuntimeUnavailableError(
      version,
      `"npm pack ${spec}" exited with code ${output.code}${tail ? `: ${tail}` : ""}`,
    );
  }
  let filename: string | undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(output.stdout));
    const first = Array.isArray(json) ? json[0] : json;
    if (typeof first?.filename === "string") filename = first.filename;
  } catch {
    // Older npm without --json output: fall back to the one .tgz in the directory.
  }
  if (filename === undefined || filename.includes("/") || filename.includes("\\")) {
    filename = undefined;
    for await (const item of Deno.readDir(packDir)) {
      if (item.isFile && item.name.endsWith(".tgz")) filename = item.name;
    }
  }
  if (filename === undefined) {
    throw new RuntimeUnavailableError(version, `"npm pack ${spec}" produced no tarball`);
  }
  return join(packDir, filename);
}

/**
 * Obtain a catalogued runtime into `<cacheDir>/runtimes/<version>/` and return its files. A cached
 * copy is reused when its marker holds the pinned integrity. Otherwise `npm pack` fetches the
 * tarball, which must match the pinned integrity ({@link IntegrityMismatchError}, nothing cached),
 * is extracted whole into a temporary directory and renamed into place; when a concurrent run got
 * there first, its complete copy is used. Throws {@link RuntimeUnavailableError} when the runtime
 * cannot be obtained.
 *
 * @example
 * ```ts ignore
 * import { obtainRuntime } from "./obtain_runtime.ts";
 * import { loadRuntimeCatalogue } from "./load_runtime_catalogue.ts";
 * const catalogue = loadRuntimeCatalogue(await Deno.readTextFile("corpus/runtimes.json"));
 * const files = await obtainRuntime("0.27.7", { cacheDir: ".cache", catalogue });
 * console.log(files.wasmPath);
 * ```
 */
export async function obtainRuntime(
  version: string,
  options: ObtainRuntimeOptions,
): Promise<RuntimeFiles> {
  const { cacheDir, catalogue, onProgress } = options;
  const entry = catalogue.find((e) => e.version === version);
  if (!entry) {
    throw new RuntimeUnavailableError(
      version,
      `it is not in the runtime catalogue (known: ${catalogue.map((e) => e.version).join(", ")})`,
      [
        `pass a local Pyodide distribution directory with --runtime-dir DIR`,
        `add it to corpus/runtimes.json (scripts/make_runtime_catalogue.ts ${version})`,
      ],
    );
  }
  if (!RUNTIME_VERSION_PATTERN.test(version)) {
    throw new RuntimeUnavailableError(version, `"${version}" is not a plain package version`);
  }
  const runtimesDir = join(cacheDir, "runtimes");
  const target = join(runtimesDir, version);
  const done = async (): Promise<RuntimeFiles | undefined> => {
    const marker = await readMarker(target);
    if (marker?.integrity !== entry.integrity) return undefined;
    // Files changed since extraction (a flipped byte, a report written over one): obtain again.
    if (!await verifyStamps(target, marker.stamps)) {
      onProgress?.(`pyodide@${version}: cached copy changed since extraction, obtaining it again`);
      return undefined;
    }
    try {
      return { version, dir: target, ...(await locateFiles(target, version, entry)), entry };
    } catch {
      return undefined; // damaged cache: obtain again
    }
  };
  const cached = await done();
  if (cached) {
    onProgress?.(`pyodide@${version}: cached at ${target}`);
    return cached;
  }

  await Deno.mkdir(runtimesDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: runtimesDir, prefix: `.tmp-${version}-` });
  try {
    const packDir = join(tmp, "pack");
    const extractDir = join(tmp, "package");
    await Deno.mkdir(packDir);
    await Deno.mkdir(extractDir);
    const tarball = await npmPack(version, packDir, options.npmCommand ?? "npm", onProgress);
    const size = (await Deno.stat(tarball)).size;
    if (size > MAX_TARBALL_BYTES) {
      throw new RuntimeFormatError(
        `Tarball is ${size} bytes, more than ${MAX_TARBALL_BYTES}`,
        tarball,
      );
    }
    const bytes = await Deno.readFile(tarball);
    const actual = await computeIntegrity(bytes);
    if (actual !== entry.integrity) {
      throw new IntegrityMismatchError(version, entry.integrity, actual, tarball);
    }
    onProgress?.(`pyodide@${version}: integrity verified`);
    const files = await extractTarball(bytes, extractDir, tarball, onProgress);
    // A package without a runtime is unusable; the names found here are the ones moved into place.
    const located = await locateFiles(extractDir, version, entry);
    const marker: Marker = {
      package: RUNTIME_PACKAGE,
      version,
      integrity: entry.integrity,
      files,
      stamps: await stampFiles(extractDir),
    };
    await Deno.writeTextFile(
      join(extractDir, RUNTIME_MARKER),
      JSON.stringify(marker, null, 2) + "\n",
    );

    const first = await done();
    if (first) {
      onProgress?.(`pyodide@${version}: a concurrent run finished first`);
      return first;
    }
    if (await exists(target)) {
      // A stale copy (other integrity or damaged): move it aside, it is removed with `tmp`.
      await Deno.rename(target, join(tmp, "stale")).catch(() => {});
    }
    try {
      await Deno.rename(extractDir, target);
    } catch (e) {
      // Another run renamed its complete copy in between: use it.
      for (let attempt = 0; attempt < 50; attempt++) {
        const other = await done();
        if (other) {
          onProgress?.(`pyodide@${version}: a concurrent run finished first`);
          return other;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new RuntimeUnavailableError(
        version,
        `cannot move the extracted package to "${target}": ${(e as Error).message}`,
      );
    }
    onProgress?.(`pyodide@${version}: extracted ${files} files to ${target}`);
    // Our complete tree with its marker is in place; a concurrent run can only replace it with an
    // equally complete one.
    const moved = (path: string) => join(target, path.slice(extractDir.length + 1));
    return {
      version,
      dir: target,
      wasmPath: moved(located.wasmPath),
      gluePath: moved(located.gluePath),
      lockPath: moved(located.lockPath),
      entry,
    };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Use a local Pyodide distribution directory (`pyodide.asm.wasm`, `pyodide.asm.js` or `.mjs`,
 * `pyodide-lock.json` or `repodata.json`) as a runtime. The version comes from its `package.json`,
 * else from the lock file's `info.version`. The catalogue entry is attached when that version is
 * catalogued.
 *
 * @example
 * ```ts ignore
 * import { readRuntimeDir } from "./obtain_runtime.ts";
 * const files = await readRuntimeDir("/opt/pyodide/dist");
 * console.log(files.version, files.gluePath);
 * ```
 */
export async function readRuntimeDir(
  dir: string,
  options: { catalogue?: RuntimeEntry[] } = {},
): Promise<RuntimeFiles> {
  const label = `local:${dir}`;
  const located = await locateFiles(dir, label);
  let version: string | undefined;
  const packageJson = join(dir, "package.json");
  if (await exists(packageJson)) {
    const text = await readLimited(packageJson, label);
    try {
      const json = JSON.parse(text);
      if (typeof json?.version === "string" && json.version.length > 0) version = json.version;
    } catch (e) {
      throw new RuntimeFormatError(
        `package.json is not JSON: ${(e as Error).message}`,
        packageJson,
      );
    }
  }
  if (version === undefined) {
    const lockText = await readLimited(located.lockPath, label);
    let lock: unknown;
    try {
      lock = JSON.parse(lockText);
    } catch (e) {
      throw new RuntimeFormatError(
        `Lock file is not JSON: ${(e as Error).message}`,
        located.lockPath,
      );
    }
    version = readLockInfo(lock, { file: located.lockPath }).version;
  }
  if (version === undefined) {
    throw new RuntimeUnavailableError(
      label,
      "neither package.json nor the lock file names a version",
      [
        `add a package.json with a "version" field to "${dir}"`,
      ],
    );
  }
  const entry = options.catalogue?.find((e) => e.version === version);
  // A local directory's own file names win over the catalogue's.
  return { version, dir, ...located, entry };
}

async function readLimited(path: string, label: string): Promise<string> {
  const size = (await Deno.stat(path)).size;
  if (size > MAX_LOCK_BYTES) {
    throw new RuntimeUnavailableError(
      label,
      `"${path}" is ${size} bytes, more than ${MAX_LOCK_BYTES}`,
    );
  }
  return await Deno.readTextFile(path);
}
