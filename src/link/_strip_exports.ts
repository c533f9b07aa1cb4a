/**
 * Rewrite a module's export section to keep only the exports a check can observe. V8 builds the
 * whole exports object at instantiation (about 5 µs per export: 25 ms for a library with 5 600
 * exports), while a check only looks up names some module imports, plus the init functions.
 * The code, data and element segments are untouched, so linking and running are unchanged.
 * Side modules keep the names a check can observe ({@linkcode stripExports}); the stub main
 * module drops all its function exports, which a session reaches through a table instead
 * ({@linkcode stripFunctionExports}).
 *
 * @module
 */
import { ByteWriter, encodeULEB128 } from "../wasm/build_module.ts";
import type { ExternKind, WasmModuleFacts } from "../wasm/types.ts";
import { Cursor } from "../wasm/_cursor.ts";

const KIND_CODES: Record<ExternKind, number> = { func: 0, table: 1, memory: 2, global: 3, tag: 4 };
const EXPORT_SECTION = 7;

/** Exports always kept: the loader calls or reads them. */
export const ALWAYS_KEPT_EXPORTS: ReadonlySet<string> = new Set([
  "__wasm_apply_data_relocs",
  "__wasm_call_ctors",
]);

/**
 * Custom sections a compiled side module keeps: V8 names functions in traces from `name`; the
 * loader's metadata is read from the facts, but costs nothing to keep. Everything else (DWARF
 * `.debug_*`, `producers`, `target_features`, source maps) no check can observe, and V8 would
 * hold a copy of it for as long as the module is compiled: a debug build's DWARF is most of
 * its bytes.
 */
export const KEPT_CUSTOM_SECTIONS: ReadonlySet<string> = new Set(["name", "dylink.0", "dylink"]);

/**
 * The bytes a check compiles: the module without the custom sections no check can observe
 * ({@linkcode KEPT_CUSTOM_SECTIONS}) and, given `keep`, with only those exports
 * ({@linkcode stripExports}). The bytes themselves when there is nothing to drop.
 *
 * @example
 * ```ts
 * import { buildModule } from "../wasm/build_module.ts";
 * import { readWasmModule } from "../wasm/read_module.ts";
 * import { compilableBytes } from "./_strip_exports.ts";
 * const bytes = buildModule({
 *   customSections: [{ name: ".debug_info", payload: new Uint8Array(1000) }],
 * });
 * const out = compilableBytes(bytes, readWasmModule(bytes));
 * console.assert(out.length < bytes.length);
 * ```
 */
export function compilableBytes(
  bytes: Uint8Array,
  facts: WasmModuleFacts,
  keep?: ReadonlySet<string>,
): Uint8Array {
  return dropCustomSections(keep ? stripExports(bytes, facts, keep) : bytes);
}

/** A section of a module: its id, where its header starts, its payload, and its end. */
interface SectionSpan {
  id: number;
  start: number;
  body: Uint8Array;
  /** Absolute offset of the payload. */
  bodyAt: number;
  end: number;
}

/**
 * The module's sections in order, read from their headers (any LEB length of the size) as they
 * are asked for: a caller that stops early reads no further.
 */
function* readSectionSpans(bytes: Uint8Array): Generator<SectionSpan> {
  const c = new Cursor(bytes, 0, "the module", undefined, {});
  c.readBytes(8, "module header");
  while (c.remaining > 0) {
    const start = c.pos;
    const id = c.readU8("section id");
    const size = c.readVarU32("section size");
    const bodyAt = c.pos;
    const body = c.readBytes(size, "section");
    yield { id, start, body, bodyAt, end: c.pos };
  }
}

/**
 * `bytes` without the custom sections outside {@linkcode KEPT_CUSTOM_SECTIONS}; the bytes
 * themselves when there are none. A module that can be compiled is unchanged in every way a check
 * can observe, so this is what an archive keeps of a module once its facts are read.
 *
 * @example
 * ```ts
 * import { buildModule } from "../wasm/build_module.ts";
 * import { dropCustomSections } from "./_strip_exports.ts";
 * const bytes = buildModule({
 *   customSections: [{ name: ".debug_info", payload: new Uint8Array(1000) }],
 * });
 * console.assert(dropCustomSections(bytes).length === 8);
 * ```
 */
export function dropCustomSections(bytes: Uint8Array): Uint8Array {
  const dropped = [...readSectionSpans(bytes)].filter((s) =>
    s.id === 0 &&
    !KEPT_CUSTOM_SECTIONS.has(
      new Cursor(s.body, s.bodyAt, "custom section", "custom", {}).readName("custom section name"),
    )
  );
  if (dropped.length === 0) return bytes;
  const out = new Uint8Array(bytes.length - dropped.reduce((n, s) => n + s.end - s.start, 0));
  let from = 0;
  let to = 0;
  for (const s of dropped) {
    out.set(bytes.subarray(from, s.start), to);
    to += s.start - from;
    from = s.end;
  }
  out.set(bytes.subarray(from), to);
  return out;
}

/**
 * The module with only the exports in `keep` (and {@linkcode ALWAYS_KEPT_EXPORTS}); the bytes
 * unchanged when nothing would be dropped or the export section cannot be located.
 */
export function stripExports(
  bytes: Uint8Array,
  facts: WasmModuleFacts,
  keep: ReadonlySet<string>,
): Uint8Array {
  const kept = facts.exports.filter((e) => keep.has(e.name) || ALWAYS_KEPT_EXPORTS.has(e.name));
  if (kept.length === facts.exports.length) return bytes;
  const section = facts.sections.find((s) => s.id === EXPORT_SECTION);
  if (!section) return bytes;
  const header = 1 + encodeULEB128(section.size).length;
  const start = section.offset - header;
  const end = section.offset + section.size;
  if (start < 8 || end > bytes.length || bytes[start] !== EXPORT_SECTION) return bytes;
  const payload = new ByteWriter(kept.length * 16 + 8).u32(kept.length);
  for (const e of kept) payload.name(e.name).byte(KIND_CODES[e.kind]).u32(e.index);
  return replaceSection(bytes, start, end, payload.toBytes());
}

/**
 * The module without its function exports; memories, tables, globals and tags stay exported.
 * Reads only the section headers and the export section, copying kept entries as raw bytes.
 *
 * @throws {WasmFormatError} when the section list or the export section is malformed
 * @example
 * ```ts
 * import { buildModule } from "../wasm/build_module.ts";
 * import { stripFunctionExports } from "./_strip_exports.ts";
 * const bytes = buildModule({
 *   functions: [{ type: { params: [], results: [] }, body: [] }],
 *   memories: [{ min: 1, shared: false, is64: false }],
 *   exports: [{ name: "f", kind: "func", index: 0 }, { name: "m", kind: "memory", index: 0 }],
 * });
 * const names = WebAssembly.Module.exports(new WebAssembly.Module(stripFunctionExports(bytes)));
 * console.assert(names.length === 1 && names[0].name === "m");
 * ```
 */
export function stripFunctionExports(bytes: Uint8Array): Uint8Array {
  for (const { id, start, body, bodyAt, end } of readSectionSpans(bytes)) {
    if (id !== EXPORT_SECTION) continue;
    const e = new Cursor(body, bodyAt, 'section "export"', "export", {});
    const count = e.readVarU32("export count");
    const kept: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const from = e.pos;
      e.skipSized("export name");
      const kind = e.readU8("export kind");
      e.readVarU32("export index");
      if (kind !== KIND_CODES.func) kept.push(body.subarray(from, e.pos));
    }
    if (kept.length === count) return bytes;
    const payload = new ByteWriter(body.length).u32(kept.length);
    for (const k of kept) payload.bytes(k);
    return replaceSection(bytes, start, end, payload.toBytes());
  }
  return bytes;
}

/** `bytes` with the section spanning `[start, end)` replaced by an export section of `body`. */
function replaceSection(bytes: Uint8Array, start: number, end: number, body: Uint8Array) {
  const sizeBytes = encodeULEB128(body.length);
  const out = new Uint8Array(start + 1 + sizeBytes.length + body.length + (bytes.length - end));
  out.set(bytes.subarray(0, start), 0);
  let p = start;
  out[p++] = EXPORT_SECTION;
  out.set(sizeBytes, p);
  p += sizeBytes.length;
  out.set(body, p);
  p += body.length;
  out.set(bytes.subarray(end), p);
  return out;
}
