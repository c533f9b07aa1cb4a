/** Test helper: tiny hand-encoded wasm modules (all sizes stay below 128, so LEB128 is one byte). */

const encoder = new TextEncoder();

function name(text: string): number[] {
  const bytes = [...encoder.encode(text)];
  return [bytes.length, ...bytes];
}

function section(id: number, payload: number[]): number[] {
  if (payload.length >= 128) throw new RangeError("test module section too large");
  return [id, payload.length, ...payload];
}

/** Options of {@link makeWasm}. */
export interface WasmSpec {
  /** Add a `dylink.0` section (memory info only), as every Emscripten side module has. */
  dylink?: boolean;
  /** Names of exported functions, each `() -> i32` returning 0. */
  exports?: string[];
}

/** A valid wasm module: optional `dylink.0`, then functions exported under the given names. */
export function makeWasm(spec: WasmSpec = {}): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (spec.dylink ?? true) {
    // subsection 1 (WASM_DYLINK_MEM_INFO): memory size, memory align, table size, table align
    out.push(...section(0, [...name("dylink.0"), 1, 4, 0, 0, 0, 0]));
  }
  const exports = spec.exports ?? [];
  if (exports.length > 0) {
    out.push(...section(1, [1, 0x60, 0, 1, 0x7f]));
    out.push(...section(3, [exports.length, ...exports.map(() => 0)]));
    out.push(...section(7, [exports.length, ...exports.flatMap((e, i) => [...name(e), 0x00, i])]));
    out.push(...section(10, [exports.length, ...exports.flatMap(() => [4, 0, 0x41, 0, 0x0b])]));
  }
  return Uint8Array.from(out);
}

/** Starts like wasm, then a type section that claims more bytes than there are. */
export function makeTruncatedWasm(): Uint8Array {
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01]);
}
