/**
 * Facts read from one wheel or Pyodide `.zip` package. Plain data, never judged here.
 *
 * @module
 */
import type { AbiFeatures, WasmModuleFacts } from "../wasm/types.ts";

/** One `interpreter-abi-platform` tag. */
export interface WheelTag {
  interpreter: string;
  abi: string;
  platform: string;
}

/** A parsed wheel filename, as the wheel spec and `packaging.utils.parse_wheel_filename` read it. */
export interface WheelFilename {
  filename: string;
  /** Normalised project name (PEP 503: lower case, runs of `-_.` become `-`). */
  name: string;
  version: string;
  /** Build tag, e.g. `[1, "abc"]` for `1abc`; absent when there is none. */
  build?: [number, string];
  /** Expanded tag set (compressed tags such as `py2.py3` expand to several). */
  tags: WheelTag[];
}

/** Kind of archive, from the name and contents. */
/**
 * An archive's bytes, whole or read range by range: a `Uint8Array` is one, and so is a large file
 * opened by the corpus stage (`openArchiveFile`), which the readers then read one member at a
 * time instead of holding the whole archive.
 */
export interface ArchiveBytes {
  /** Size in bytes. */
  readonly length: number;
  /** Bytes `[start, end)`: a view or a fresh copy, never written to by a reader. */
  subarray(start: number, end: number): Uint8Array;
  /**
   * Optional: copy the bytes from `start` into `target` (all of it, or up to the end). Streaming
   * readers (hashing, copying) reuse one buffer through it instead of leaving a dead copy per
   * range for the garbage collector.
   */
  readInto?(start: number, target: Uint8Array): number;
}

export type ArchiveKind = "wheel" | "shared-library" | "cpython-module" | "unknown-zip";

/** A zip central-directory entry. */
export interface ZipEntry {
  name: string;
  /** Absolute offset of the central-directory record. */
  centralOffset: number;
  /** Absolute offset of the local file header. */
  localOffset: number;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  flags: number;
  isDirectory: boolean;
  /** A Unix symlink entry (its data is the link target's path). */
  isSymlink?: boolean;
}

/** An oddity worth reporting that does not stop reading (auditwheel-style finding). */
export interface WheelFinding {
  code:
    | "pure-tag-with-so"
    | "so-python-mismatch"
    | "filename-wheel-tag-mismatch"
    | "no-dist-info"
    | "so-not-wasm"
    | "wasm-without-so-name"
    | "record-mismatch"
    | string;
  message: string;
  member?: string;
}

/** One side module (wasm shared library) found in an archive by its content. */
export interface SideModuleFacts {
  /** Member path inside the archive. */
  member: string;
  /** sha256 of the member's bytes, hex. */
  sha256: string;
  size: number;
  /** `cpython-3XY` suffix tag of the file name when present, e.g. "312". */
  cpythonSuffix?: string;
  wasm: WasmModuleFacts;
  abi: AbiFeatures;
}

/** Facts of one archive. */
export interface WheelFacts {
  /** File name of the archive (no directories). */
  file: string;
  sha256: string;
  size: number;
  kind: ArchiveKind;
  /** Parsed filename for `.whl`; absent for `.zip` packages. */
  filename?: WheelFilename;
  /** `*.dist-info/WHEEL` key/values (`Tag` may repeat: all tags listed). */
  wheel?: {
    version?: string;
    generator?: string;
    rootIsPurelib?: boolean;
    build?: string;
    tags: string[];
  };
  /** From `METADATA`. */
  metadata?: { name?: string; version?: string; requiresPython?: string; requiresDist: string[] };
  /** Number of RECORD rows; absent when there is no RECORD. */
  recordCount?: number;
  /** Top-level importable names (`top_level.txt`, else derived from RECORD/members). */
  topLevel: string[];
  memberCount: number;
  sideModules: SideModuleFacts[];
  findings: WheelFinding[];
}
