/**
 * Turn an archive's bytes into what {@linkcode checkLink} needs: the wheel reader's facts plus
 * the bytes of every side module (the wheel reader keeps facts only).
 *
 * @module
 */
import {
  createInflateBudget,
  inflateMember,
  parseWheelFilename,
  readWheelSync,
  readZipDirectory,
  sha256HexSync,
} from "../wheel/mod.ts";
import type { ArchiveBytes, WheelFacts, WheelFilename } from "../wheel/types.ts";
import type { CheckLinkInput, LinkModuleInput } from "./check_link.ts";
import { dropCustomSections } from "./_strip_exports.ts";

const SO_NAME = /\.(?:so(?:\.[0-9]+)*|wasm)$/;
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function hasMagic(b: Uint8Array): boolean {
  return b.length >= 4 && WASM_MAGIC.every((x, i) => b[i] === x);
}

/**
 * Read an archive for the link check. Malformed side modules do not make this throw: when the
 * wheel reader rejects one, the facts are reduced to what the zip directory says and every wasm
 * member is handed over, so the check reports the bad one as `invalid` with the reader's error.
 *
 * The archive may be whole in memory or read on demand ({@linkcode ArchiveBytes}): then only one
 * member is held at a time, plus what the check keeps of each module.
 *
 * @throws {SyntaxError} only when the archive itself (zip structure, filename) is unreadable
 * @example
 * ```ts ignore
 * import { readLinkInput } from "./read_link_input.ts";
 * const input = await readLinkInput(await Deno.readFile(path), { file: path });
 * console.log(input.modules.map((m) => m.member));
 * ```
 */
export function readLinkInput(
  bytes: ArchiveBytes,
  options: ReadLinkInputOptions,
): Promise<CheckLinkInput> {
  try {
    return Promise.resolve(readLinkInputSync(bytes, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Options of {@linkcode readLinkInput}. */
export interface ReadLinkInputOptions {
  file: string;
  /** Put each module's bytes in a SharedArrayBuffer (free to post to pool workers). */
  shared?: boolean;
  /** The archive's sha256 as already verified by the caller (see `ReadWheelOptions.sha256`). */
  sha256?: string;
}

function readLinkInputSync(bytes: ArchiveBytes, options: ReadLinkInputOptions): CheckLinkInput {
  const file = options.file;
  let wheel: WheelFacts;
  const inflated: LinkModuleInput[] = [];
  const share = (data: Uint8Array) => {
    if (!options.shared) return data;
    const copy = new Uint8Array(new SharedArrayBuffer(data.length));
    copy.set(data);
    return copy;
  };
  try {
    wheel = readWheelSync(bytes, {
      file,
      sha256: options.sha256,
      // Facts and sha256 come from the whole member; the check compiles it without the custom
      // sections no check observes (DWARF is most of a debug build), so only those bytes are
      // kept: an archive of debug builds then holds its code, not its debug info.
      onSideModule: (member, data) =>
        inflated.push({ member, bytes: share(dropCustomSections(data)) }),
      onUnloadableLibrary: (member, data, reason) =>
        inflated.push({ member, bytes: share(data), invalidReason: reason }),
    });
    return { wheel, modules: inflated };
  } catch (e) {
    const member = (e as { member?: string }).member;
    if (!(e instanceof SyntaxError) || member === undefined) throw e;
    // A side module is malformed: keep going with a reduced fact set.
    const base = file.split(/[\\/]/).pop()!;
    let filename: WheelFilename | undefined;
    try {
      filename = base.toLowerCase().endsWith(".whl") ? parseWheelFilename(base) : undefined;
    } catch {
      filename = undefined;
    }
    wheel = {
      file: base,
      sha256: sha256HexSync(bytes),
      size: bytes.length,
      kind: filename ? "wheel" : "unknown-zip",
      filename,
      topLevel: [],
      memberCount: 0,
      sideModules: [],
      findings: [{ code: "side-module-unreadable", message: (e as Error).message, member }],
    };
  }
  // Every wasm member named like a library, so the check reports the bad one as invalid.
  const directory = readZipDirectory(bytes, { file });
  const budget = createInflateBudget();
  const modules: LinkModuleInput[] = [];
  for (const entry of directory.entries) {
    if (entry.isDirectory || !SO_NAME.test(entry.name)) continue;
    const data = inflateMember(bytes, entry, { file, budget });
    // Not wasm, or a symlink entry: the loader would still try it, so the check judges it.
    const invalidReason = entry.isSymlink
      ? "a symlink entry"
      : hasMagic(data)
      ? undefined
      : data.length === 0
      ? "empty"
      : "not a wasm module (no wasm magic)";
    modules.push({ member: entry.name, bytes: share(data), invalidReason });
  }
  wheel.memberCount = directory.entries.length;
  return { wheel, modules };
}
