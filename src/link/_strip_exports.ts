/**
 * Rewrite a module's export section to keep only the exports a check can observe. V8 builds the
 * whole exports object at instantiation (about 5 µs per export: 25 ms for a library with 5 600
 * exports), while a check only looks up names some module imports, plus the init functions.
 * The code, data and element segments are untouched, so linking and running are unchanged.
 *
 * @module
 */
import { ByteWriter, encodeULEB128 } from "../wasm/build_module.ts";
import type { ExternKind, WasmModuleFacts } from "../wasm/types.ts";

const KIND_CODES: Record<ExternKind, number> = { func: 0, table: 1, memory: 2, global: 3, tag: 4 };
const EXPORT_SECTION = 7;

/** Exports always kept: the loader calls or reads them. */
export const ALWAYS_KEPT_EXPORTS: ReadonlySet<string> = new Set([
  "__wasm_apply_data_relocs",
  "__wasm_call_ctors",
]);

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
  const body = payload.toBytes();
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
