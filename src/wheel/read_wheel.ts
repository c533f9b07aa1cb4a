/**
 * Reads one wheel, or one `.zip` package of an older Pyodide distribution, into {@link WheelFacts}:
 * filename tags, `WHEEL`, `METADATA`, `RECORD`, top-level names, and every side module found by
 * its content, with its wasm facts and ABI features. Oddities become findings; only malformed
 * bytes throw.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { deriveAbiFeatures, readWasmModule } from "../wasm/mod.ts";
import type { WasmModuleFacts } from "../wasm/types.ts";
import {
  canonicalizeName,
  expandWheelTag,
  formatWheelTag,
  parseWheelFilename,
} from "./parse_wheel_filename.ts";
import {
  createInflateBudget,
  type InflateBudget,
  inflateMember,
  readMemberPrefix,
  readZipDirectory,
} from "./read_zip.ts";
import type {
  ArchiveBytes,
  ArchiveKind,
  SideModuleFacts,
  WheelFacts,
  WheelFilename,
  WheelFinding,
  ZipEntry,
} from "./types.ts";
import { sha256HexSync } from "./sha256_hex.ts";

/** Largest metadata file (`WHEEL`, `METADATA`, `RECORD`, `top_level.txt`) inflated. */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** Smallest member that can be a wasm module (magic + version); smaller ones are never peeked. */
const MIN_WASM_BYTES = 8;
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Options of {@link readWheel}. */
export interface ReadWheelOptions {
  /** File name of the archive (directories are dropped for `WheelFacts.file`); used in errors. */
  file: string;
  /** Verify the sha256 of each side module against its RECORD row (default true). */
  verifyRecord?: boolean;
  /**
   * Called with each side module's inflated bytes, in member order, for a caller that needs them
   * too (the link check): inflating the corpus twice cost a fifth of a link pass.
   */
  onSideModule?: (member: string, bytes: Uint8Array) => void;
  /**
   * Called for each member named like a shared library that is not a wasm module (empty, ELF,
   * a symlink entry, …): the loader would try to load it and fail, so a link check judges it.
   */
  onUnloadableLibrary?: (member: string, bytes: Uint8Array, reason: string) => void;
  /**
   * The sha256 (hex) of `bytes`, when the caller has just verified these exact bytes against it
   * (a catalogue read does): taken as is for an archive whole in memory instead of hashing it a
   * second time. An archive read on demand is always hashed here.
   */
  sha256?: string;
}

/** What a caller's `sha256` option must look like to be taken as is. */
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A name the Emscripten loader treats as a shared library: `x.so`, `x.so.1.2`, or `x.wasm`. */
const SO_NAME = /\.(?:so(?:\.[0-9]+)*|wasm)$/;
const CPYTHON_SUFFIX = /\.cpython-([0-9])([0-9]+)[a-z]*(?:-[^./]*)?\.so$/;
const DIST_INFO_FILE = /^([^/]+)\.dist-info\/(WHEEL|METADATA|RECORD|top_level\.txt)$/;
const ROOT_METADATA_FILE = /^(WHEEL|METADATA|RECORD|top_level\.txt)$/;
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

/**
 * The CPython version tag in an extension module's file name, e.g. `"312"` for
 * `_core.cpython-312-wasm32-emscripten.so`.
 *
 * @param member Member path.
 * @returns The digits after `cpython-`, or `undefined` when the name has no such suffix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCpythonSuffix } from "./read_wheel.ts";
 * assert.ok(readCpythonSuffix("a/_b.cpython-310-wasm32-emscripten.so") === "310");
 * assert.ok(readCpythonSuffix("a/_b.abi3.so") === undefined);
 * ```
 */
export function readCpythonSuffix(member: string): string | undefined {
  const m = CPYTHON_SUFFIX.exec(member);
  return m === null ? undefined : `${m[1]}${m[2]}`;
}

/**
 * Reads RFC 822 style headers as `WHEEL` and `METADATA` use them: `Key: value` lines up to the
 * first blank line, continuation lines starting with white space. Keys are lower-cased.
 */
function readHeaders(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    if ((line.startsWith(" ") || line.startsWith("\t")) && last !== undefined) {
      last[last.length - 1] += "\n" + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = values;
  }
  return headers;
}

/** Splits one RECORD line as Python's `csv` module would (comma separated, `"` quoting). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

interface RecordRow {
  hash: string;
  size: string;
}

function readRecord(text: string): Map<string, RecordRow> {
  const rows = new Map<string, RecordRow>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [path = "", hash = "", size = ""] = splitCsvLine(line);
    rows.set(path, { hash, size });
  }
  return rows;
}

function describeMagic(prefix: Uint8Array): string {
  if (prefix[0] === 0x7f && prefix[1] === 0x45 && prefix[2] === 0x4c && prefix[3] === 0x46) {
    return "an ELF file";
  }
  if (prefix[0] === 0x50 && prefix[1] === 0x4b) return "a zip archive";
  if (prefix.length === 0) return "empty";
  const shown = Array.from(prefix.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `not wasm (starts with ${shown})`;
}

function hasWasmMagic(prefix: Uint8Array): boolean {
  return prefix.length >= 4 && WASM_MAGIC.every((byte, i) => prefix[i] === byte);
}

/** Top-level importable names derived from member paths when there is no `top_level.txt`. */
function deriveTopLevel(entries: ZipEntry[]): string[] {
  const names = new Set<string>();
  for (const entry of entries) {
    let path = entry.name;
    // Wheel `.data/purelib|platlib/` and Pyodide's `lib/python3.X/site-packages/` hold importable
    // trees one or more levels down.
    const nested =
      /^(?:[^/]+\.data\/(?:purelib|platlib)|lib\/python3\.[0-9]+(?:\/site-packages)?)\/(.*)$/
        .exec(path);
    if (nested !== null) path = nested[1]!;
    else if (/^[^/]+\.(?:dist-info|data)\//.test(path)) continue;
    const slash = path.indexOf("/");
    let name: string | undefined;
    if (slash > 0) {
      name = path.slice(0, slash);
    } else if (/\.(?:py|pyc|so)$/.test(path) || /\.so(?:\.[0-9]+)*$/.test(path)) {
      // `mod.py`, `mod.cpython-312-wasm32-emscripten.so`, `mod.abi3.so`: the name before the first dot.
      name = path.slice(0, path.indexOf("."));
    }
    if (name !== undefined && IDENTIFIER.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** The dist-info directory to read: the one named after the project when there are several. */
function pickDistInfo(entries: ZipEntry[], filename: WheelFilename | undefined): string[] {
  const dirs: string[] = [];
  for (const entry of entries) {
    const m = DIST_INFO_FILE.exec(entry.name);
    if (m !== null && !dirs.includes(m[1]!)) dirs.push(m[1]!);
  }
  if (filename !== undefined && dirs.length > 1) {
    const own = dirs.filter((dir) => canonicalizeName(dir.split("-")[0]!) === filename.name);
    if (own.length > 0) return [...own, ...dirs.filter((dir) => !own.includes(dir))];
  }
  return dirs;
}

function textOf(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function exportsPyInit(wasm: WasmModuleFacts): boolean {
  return wasm.exports.some((e) => e.kind === "func" && e.name.startsWith("PyInit_"));
}

function classify(
  isWheelFile: boolean,
  entries: ZipEntry[],
  sideModules: SideModuleFacts[],
): ArchiveKind {
  if (isWheelFile) return "wheel";
  // A CPython module package holds Python code or an extension module (it exports `PyInit_*`);
  // a shared-library package holds only libraries.
  const python = entries.some((e) =>
    !e.isDirectory && (/\.py$/.test(e.name) || /(?:^|\/)lib\/python3\.[0-9]+\//.test(e.name))
  );
  if (python || sideModules.some((m) => exportsPyInit(m.wasm))) return "cpython-module";
  if (sideModules.length > 0) return "shared-library";
  return "unknown-zip";
}

/**
 * Reads a wheel (`.whl`) or a Pyodide `.zip` package (shared library or CPython module).
 *
 * Side modules are found by content: every member named like a shared library (`.so`, `.so.N…`,
 * `.wasm`) is inflated and checked for the wasm magic; every other member of 8 bytes or more is
 * peeked at (its first bytes only, see `readMemberPrefix`) and inflated in full only when it is wasm.
 * Only those members and the metadata files are inflated.
 *
 * Kind: a `.whl` is a `wheel`. Another archive is a `cpython-module` when it holds Python code
 * (`*.py`, `lib/python3.X/…`) or a side module exporting `PyInit_*`, else a `shared-library` when
 * it holds side modules, else `unknown-zip`.
 *
 * Findings: `no-dist-info`, `multiple-dist-info`, `pure-tag-with-so`, `so-python-mismatch`,
 * `filename-wheel-tag-mismatch`, `so-not-wasm`, `wasm-without-so-name`, `record-mismatch`,
 * `record-missing`, `unsupported-method` (a member not named like a library whose compression
 * method cannot be read, so its content was not checked).
 *
 * @param bytes The whole archive.
 * @param options File name (a `.whl` name is parsed as a wheel filename), RECORD verification.
 * @returns The facts.
 * @throws {InvalidWheelFilename} A `.whl` whose name is not a valid wheel filename.
 * @throws {ZipFormatError} Malformed, unsafe or unsupported archive.
 * @throws {WasmFormatError} A member that starts with the wasm magic but is malformed (with `member`).
 * @example
 * ```ts ignore
 * const bytes = await Deno.readFile("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl");
 * const facts = await readWheel(bytes, { file: "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl" });
 * console.log(facts.sideModules.map((m) => m.member));
 * ```
 */
export function readWheel(bytes: ArchiveBytes, options: ReadWheelOptions): Promise<WheelFacts> {
  try {
    return Promise.resolve(readWheelSync(bytes, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Synchronous form of {@link readWheel} (every step is synchronous underneath).
 *
 * @param bytes The whole archive.
 * @param options As for {@link readWheel}.
 * @returns The facts.
 * @example
 * ```ts ignore
 * const facts = readWheelSync(bytes, { file: "x.whl" });
 * ```
 */
export function readWheelSync(bytes: ArchiveBytes, options: ReadWheelOptions): WheelFacts {
  const file = options.file;
  const base = file.split(/[\\/]/).pop()!;
  const isWheelFile = base.toLowerCase().endsWith(".whl");
  const filename = isWheelFile ? parseWheelFilename(base) : undefined;
  const directory = readZipDirectory(bytes, { file });
  const entries = directory.entries;
  const budget: InflateBudget = createInflateBudget();
  const findings: WheelFinding[] = [];
  const byName = new Map(entries.map((e) => [e.name, e]));
  const readText = (entry: ZipEntry): string =>
    textOf(inflateMember(bytes, entry, { file, budget, maxMemberBytes: MAX_METADATA_BYTES }));

  // Metadata: the project's dist-info directory, else (hand-made wheels) the archive root.
  const distInfos = pickDistInfo(entries, filename);
  const metadataFiles = new Map<string, ZipEntry>();
  if (distInfos.length > 0) {
    if (distInfos.length > 1) {
      findings.push({
        code: "multiple-dist-info",
        message: `Archive holds ${distInfos.length} .dist-info directories: ${
          distInfos.join(", ")
        }; read "${distInfos[0]}.dist-info"`,
      });
    }
    for (const key of ["WHEEL", "METADATA", "RECORD", "top_level.txt"]) {
      const entry = byName.get(`${distInfos[0]}.dist-info/${key}`);
      if (entry !== undefined) metadataFiles.set(key, entry);
    }
  } else {
    for (const entry of entries) {
      if (ROOT_METADATA_FILE.test(entry.name)) metadataFiles.set(entry.name, entry);
    }
    if (isWheelFile) {
      const rootFiles = [...metadataFiles.keys()];
      findings.push({
        code: "no-dist-info",
        message: rootFiles.length > 0
          ? `Wheel has no .dist-info directory; read ${rootFiles.join(", ")} from the archive root`
          : "Wheel has no .dist-info directory",
      });
    }
  }
  const facts: WheelFacts = {
    file: base,
    sha256: bytes instanceof Uint8Array && options.sha256 !== undefined &&
        SHA256_HEX.test(options.sha256)
      ? options.sha256
      : sha256HexSync(bytes),
    size: bytes.length,
    kind: "unknown-zip",
    topLevel: [],
    memberCount: entries.filter((e) => !e.isDirectory).length,
    sideModules: [],
    findings,
  };
  if (filename !== undefined) facts.filename = filename;

  const wheelEntry = metadataFiles.get("WHEEL");
  if (wheelEntry !== undefined) {
    const headers = readHeaders(readText(wheelEntry));
    const wheel: NonNullable<WheelFacts["wheel"]> = { tags: headers.get("tag") ?? [] };
    const first = (key: string) => headers.get(key)?.[0];
    if (first("wheel-version") !== undefined) wheel.version = first("wheel-version")!;
    if (first("generator") !== undefined) wheel.generator = first("generator")!;
    const purelib = first("root-is-purelib");
    if (purelib !== undefined) wheel.rootIsPurelib = purelib.toLowerCase() === "true";
    if (first("build") !== undefined) wheel.build = first("build")!;
    facts.wheel = wheel;
  }
  const metadataEntry = metadataFiles.get("METADATA");
  if (metadataEntry !== undefined) {
    const headers = readHeaders(readText(metadataEntry));
    const metadata: NonNullable<WheelFacts["metadata"]> = {
      requiresDist: headers.get("requires-dist") ?? [],
    };
    const first = (key: string) => headers.get(key)?.[0];
    if (first("name") !== undefined) metadata.name = first("name")!;
    if (first("version") !== undefined) metadata.version = first("version")!;
    if (first("requires-python") !== undefined) metadata.requiresPython = first("requires-python")!;
    facts.metadata = metadata;
  }
  let record: Map<string, RecordRow> | undefined;
  const recordEntry = metadataFiles.get("RECORD");
  if (recordEntry !== undefined) {
    record = readRecord(readText(recordEntry));
    facts.recordCount = record.size;
  }
  const topLevelEntry = metadataFiles.get("top_level.txt");
  const topLevelText = topLevelEntry === undefined ? undefined : readText(topLevelEntry);

  // Side modules, by content.
  const metadataSet = new Set(metadataFiles.values());
  for (const entry of entries) {
    if (entry.isDirectory || metadataSet.has(entry)) continue;
    const soName = SO_NAME.test(entry.name);
    if (!soName) {
      if (entry.uncompressedSize < MIN_WASM_BYTES) continue;
      if (entry.method !== 0 && entry.method !== 8) {
        // Only a member the loader would pick up by name must be readable; note the others.
        findings.push({
          code: "unsupported-method",
          message: `${
            JSON.stringify(entry.name)
          } uses compression method ${entry.method}; not inspected`,
          member: entry.name,
        });
        continue;
      }
      if (!hasWasmMagic(readMemberPrefix(bytes, entry, 4, { file, budget }))) continue;
    }
    const member = inflateMember(bytes, entry, { file, budget });
    if (!hasWasmMagic(member) || (soName && entry.isSymlink)) {
      const what = entry.isSymlink
        ? `a symlink entry (to ${
          JSON.stringify(new TextDecoder().decode(member.subarray(0, 200)))
        })`
        : describeMagic(member);
      findings.push({
        code: entry.isSymlink ? "so-symlink" : "so-not-wasm",
        message: `${JSON.stringify(entry.name)} is named like a shared library but is ${what}`,
        member: entry.name,
      });
      if (soName) options.onUnloadableLibrary?.(entry.name, member, what);
      continue;
    }
    const wasm = readWasmModule(member, { file, member: entry.name });
    const isSideModule = soName || wasm.dylink !== undefined;
    if (!soName) {
      findings.push({
        code: "wasm-without-so-name",
        message: `${JSON.stringify(entry.name)} is a wasm module${
          wasm.dylink === undefined ? " without dylink" : " with dylink"
        } but not named like a shared library`,
        member: entry.name,
      });
    }
    if (!isSideModule) continue;
    const digest = createHash("sha256").update(member).digest();
    const cpythonSuffix = readCpythonSuffix(entry.name);
    const side: SideModuleFacts = {
      member: entry.name,
      sha256: digest.toString("hex"),
      size: member.length,
      wasm,
      abi: deriveAbiFeatures(wasm, cpythonSuffix === undefined ? {} : { cpythonSuffix }),
    };
    if (cpythonSuffix !== undefined) side.cpythonSuffix = cpythonSuffix;
    facts.sideModules.push(side);
    options.onSideModule?.(entry.name, member);
    if (record !== undefined && (options.verifyRecord ?? true)) {
      const row = record.get(entry.name);
      if (row === undefined) {
        findings.push({
          code: "record-missing",
          message: `${JSON.stringify(entry.name)} is not listed in RECORD`,
          member: entry.name,
        });
      } else if (row.hash.startsWith("sha256=")) {
        const expected = row.hash.slice("sha256=".length);
        const actual = digest.toString("base64url");
        if (expected !== actual || (row.size !== "" && row.size !== String(member.length))) {
          findings.push({
            code: "record-mismatch",
            message: `RECORD says "${row.hash}", ${row.size || "?"} bytes for ${
              JSON.stringify(entry.name)
            }; the member has sha256=${actual}, ${member.length} bytes`,
            member: entry.name,
          });
        }
      }
    }
  }

  facts.kind = classify(isWheelFile, entries, facts.sideModules);
  if (topLevelText !== undefined) {
    facts.topLevel = topLevelText.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
      line !== ""
    );
  } else if (facts.kind !== "shared-library") {
    facts.topLevel = deriveTopLevel(entries);
  }
  if (filename !== undefined) addTagFindings(facts, filename);
  return facts;
}

function addTagFindings(facts: WheelFacts, filename: WheelFilename): void {
  const tags = filename.tags.map(formatWheelTag);
  if (filename.tags.every((t) => t.platform === "any") && facts.sideModules.length > 0) {
    facts.findings.push({
      code: "pure-tag-with-so",
      message: `Wheel is tagged ${
        tags.join(", ")
      } (platform "any") but holds ${facts.sideModules.length} side module${
        facts.sideModules.length === 1 ? "" : "s"
      }`,
    });
  }
  if (facts.wheel !== undefined) {
    const fromWheel = new Set<string>();
    for (const line of facts.wheel.tags) {
      const expanded = expandWheelTag(line);
      if (expanded === undefined) fromWheel.add(line.toLowerCase());
      else for (const t of expanded) fromWheel.add(formatWheelTag(t));
    }
    const same = fromWheel.size === new Set(tags).size && tags.every((t) => fromWheel.has(t));
    if (!same) {
      facts.findings.push({
        code: "filename-wheel-tag-mismatch",
        message: `Filename tags ${tags.join(", ") || "(none)"} differ from WHEEL tags ${
          [...fromWheel].join(", ") || "(none)"
        }`,
      });
    }
  }
  // `.cpython-3XY-` modules load only on CPython 3.XY: the wheel's cp tags must say so.
  const interpreters = new Set<string>();
  const abis = new Set<string>();
  for (const t of filename.tags) {
    const i = /^cp([0-9]+)$/.exec(t.interpreter);
    if (i !== null) interpreters.add(i[1]!);
    abis.add(t.abi);
  }
  if (interpreters.size === 0) return;
  const abi3 = abis.has("abi3");
  for (const side of facts.sideModules) {
    const suffix = side.cpythonSuffix;
    if (suffix === undefined) continue;
    const ok = abi3
      ? interpreters.has(suffix)
      : interpreters.has(suffix) && abis.has(`cp${suffix}`);
    if (!ok) {
      facts.findings.push({
        code: "so-python-mismatch",
        message: `${JSON.stringify(side.member)} is built for CPython ${suffix[0]}.${
          suffix.slice(1)
        }, the wheel is tagged ${tags.join(", ")}`,
        member: side.member,
      });
    }
  }
}
