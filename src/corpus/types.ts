/**
 * The wheel catalogue (`corpus/wheels.json`): every file of the shared corpus with its hash, its
 * public source and the runtime its distribution was built for. Plain data.
 *
 * @module
 */

/** Kind of a catalogue file, as in the corpus manifest. */
export type CatalogueKind = "wheel" | "shared-library" | "cpython-module" | "lockfile";

/** Where a file was committed publicly: repository, commit and path inside it. */
export interface CatalogueSource {
  /** `owner/name` of the repository. */
  repo: string;
  /** Full 40-hex commit id. */
  commit: string;
  path: string;
}

/** Which catalogue runtime a distribution (or a lock-less wheel) corresponds to, and why. */
export interface BuiltFor {
  /** Runtime version of `corpus/runtimes.json` with the same platform facts; null when none. */
  runtime: string | null;
  /** Every catalogue runtime whose platform facts equal this build's. */
  equivalentRuntimes: string[];
  /** What the decision rests on: `lock` (lock `info`) or `filename-tag` (no lock file). */
  basis: "lock" | "filename-tag";
  /** The build is not an official one (a rebuild, a pre-release or a project's own wheel). */
  customBuild: boolean;
  /** Why, in one or two sentences (which facts matched, what differs). */
  note: string;
}

/** One file of the catalogue. */
export interface CatalogueEntry {
  /** Path relative to the mirror root, `/`-separated, e.g. `pyodide-0.27.7/orjson-….whl`. */
  path: string;
  /** sha256 of the file, 64 lower-case hex digits. */
  sha256: string;
  size: number;
  kind: CatalogueKind;
  /** Folder of the corpus the file belongs to (`pyodide-0.28.0`, `standalone`). */
  distribution: string;
  /** Pyodide version of the distribution; null for lock-less (standalone) wheels. */
  pyodideVersion: string | null;
  /** Python version (`3.12.7`, or `3.12` when only the cp tag says it). */
  pythonVersion: string | null;
  /** Platform tag in the file name (`pyodide_2024_0_wasm32`); null for `.zip` and lock files. */
  platformTag: string | null;
  /** Emscripten version from the lock's `info.platform` (`3.1.58`); null without a lock. */
  emscriptenVersion: string | null;
  /** Lock `info.abi_version` (`2024_0`), or the one the filename tag states; null before 0.26. */
  abiVersion: string | null;
  packageName: string | null;
  packageVersion: string | null;
  /** Lock `package_type` (`package`, `shared_library`, `cpython_module`) when the lock gives one. */
  packageType: string | null;
  /** Lock dependencies (package names); null when no lock covers the file. */
  depends: string[] | null;
  /** `.so` members named in the manifest; empty for lock files. */
  soFiles: string[];
  /** The archive holds `.so` files. */
  binary: boolean;
  /** The sha256 equals the one in the distribution's own lock file. */
  lockSha256Verified: boolean;
  /** Official npm `pyodide` lock files in which this exact sha256 appears. */
  officialNpmLockMatch: string[];
  /** Where the file was committed; null for a file found on a package index (`discover`). */
  source: CatalogueSource | null;
  /**
   * Public download URL: the raw file of `source.repo` at `source.commit`, or the file URL the
   * package index gives. `https:`, or `http:` on a loopback host (a local index).
   */
  url: string;
  /** Runtime version this file's build corresponds to (same as `builtFor.runtime`). */
  builtForRuntime: string | null;
  builtFor: BuiltFor;
}

/** Platform facts of one corpus distribution, as its lock states them. */
export interface CatalogueDistribution {
  distribution: string;
  pyodideVersion: string | null;
  /** Where `pyodideVersion` came from (lock info, or `package.json` beside the lock). */
  pyodideVersionSource: string | null;
  pythonVersion: string | null;
  /** Lock `info.platform`, e.g. `emscripten_3_1_58`; null without a lock. */
  platform: string | null;
  emscriptenVersion: string | null;
  abiVersion: string | null;
  /** Path of the lock file inside the mirror; null without a lock. */
  lockPath: string | null;
  builtFor: BuiltFor;
}

/** The whole catalogue. */
export interface Catalogue {
  /** Format version of `wheels.json`. */
  version: 1;
  /** sha256 of the manifest the catalogue was generated from. */
  manifestSha256: string;
  distributions: CatalogueDistribution[];
  files: CatalogueEntry[];
}
