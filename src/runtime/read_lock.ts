/**
 * Read the facts of a Pyodide lock file (`pyodide-lock.json`, or `repodata.json` before 0.24):
 * Python and Emscripten versions, ABI version and the platform tag of its binary wheels. Pure.
 *
 * @module
 */
import { RuntimeFormatError } from "./errors.ts";

/** Upper bound on lock-file package entries looked at. */
export const MAX_LOCK_PACKAGES = 100_000;

/** Facts of a lock file's `info` block plus the binary wheels' platform tags. */
export interface LockInfo {
  /** `info.version` as written (absent from 0.29 on; 0.28.3's says `0.28.0.dev0`). */
  version?: string;
  python: string;
  /** Emscripten version, from `info.platform` (`emscripten_3_1_58` → `3.1.58`). */
  emscripten: string;
  /** `info.platform` as written, e.g. `emscripten_3_1_58`. */
  platform: string;
  abiVersion?: string;
  /** Platform tag of the binary wheels: the most frequent non-`any` tag of the lock's wheels. */
  platformTag: string;
  /** How the platform tag was decided. */
  platformTagSource: "wheels" | "abi_version" | "platform";
  /** Count of wheels per non-`any` platform tag, most frequent first. */
  platformTagCounts: { tag: string; count: number }[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Platform tag of a wheel file name (`name-ver(-build)?-py-abi-plat.whl`), or undefined. */
function wheelPlatformTag(fileName: string): string | undefined {
  if (!fileName.endsWith(".whl")) return undefined;
  const parts = fileName.slice(0, -4).split("-");
  if (parts.length < 5) return undefined;
  return parts[parts.length - 1];
}

/**
 * Read a parsed lock file. Throws {@link RuntimeFormatError} when `info` lacks the fields every
 * Pyodide lock file has (`python`, `platform`).
 *
 * @example From a minimal lock
 * ```ts
 * import { readLockInfo } from "./read_lock.ts";
 * const info = readLockInfo({
 *   info: { abi_version: "2024_0", platform: "emscripten_3_1_58", python: "3.12.7" },
 *   packages: { a: { file_name: "a-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl" } },
 * });
 * console.assert(info.platformTag === "pyodide_2024_0_wasm32" && info.emscripten === "3.1.58");
 * ```
 */
export function readLockInfo(lock: unknown, options: { file?: string } = {}): LockInfo {
  const file = options.file ?? "<lock>";
  if (!isObject(lock)) throw new RuntimeFormatError("Lock file is not a JSON object", file);
  const info = lock.info;
  if (!isObject(info)) throw new RuntimeFormatError("Lock file has no info object", file, "info");
  const str = (key: string, required: boolean): string | undefined => {
    const value = info[key];
    if (typeof value === "string" && value.length > 0) return value;
    if (required) {
      throw new RuntimeFormatError(`Lock file info.${key} must be a string`, file, `info.${key}`);
    }
    return undefined;
  };
  const python = str("python", true)!;
  const platform = str("platform", true)!;
  const version = str("version", false);
  const abiVersion = str("abi_version", false);
  const em = /^emscripten_(\d+)_(\d+)_(\d+)$/.exec(platform);
  if (!em) {
    throw new RuntimeFormatError(
      `Lock file info.platform "${platform}" is not emscripten_X_Y_Z`,
      file,
      "info.platform",
    );
  }
  const emscripten = `${em[1]}.${em[2]}.${em[3]}`;

  const counts = new Map<string, number>();
  const packages = lock.packages;
  if (isObject(packages)) {
    const names = Object.keys(packages);
    if (names.length > MAX_LOCK_PACKAGES) {
      throw new RuntimeFormatError(
        `Lock file has ${names.length} packages, more than ${MAX_LOCK_PACKAGES}`,
        file,
        "packages",
      );
    }
    for (const name of names) {
      const entry = packages[name];
      if (!isObject(entry) || typeof entry.file_name !== "string") continue;
      const tag = wheelPlatformTag(entry.file_name);
      if (tag === undefined || tag === "any") continue;
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
  }
  // Ties are broken by name so the result does not depend on key order.
  const platformTagCounts = [...counts.entries()]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));

  let platformTag: string;
  let platformTagSource: LockInfo["platformTagSource"];
  if (platformTagCounts.length > 0) {
    platformTag = platformTagCounts[0].tag;
    platformTagSource = "wheels";
  } else if (abiVersion !== undefined) {
    platformTag = `pyodide_${abiVersion}_wasm32`;
    platformTagSource = "abi_version";
  } else {
    platformTag = `${platform}_wasm32`;
    platformTagSource = "platform";
  }
  return {
    version,
    python,
    emscripten,
    platform,
    abiVersion,
    platformTag,
    platformTagSource,
    platformTagCounts,
  };
}
