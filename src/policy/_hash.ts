/**
 * FNV-1a 32-bit: small, synchronous and deterministic, enough for a short tag hash.
 *
 * @module
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32 of the UTF-8 bytes of `text`, as 8 lower-case hex digits. */
export function fnv1a32Hex(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
