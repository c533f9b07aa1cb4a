/**
 * JS API pieces TypeScript's lib does not declare yet (exception tags), behind small helpers.
 *
 * @module
 */

/** A `WebAssembly.Tag` object. */
export type WasmTag = object & { readonly __wasmTag?: never };

const TagCtor = (WebAssembly as unknown as {
  Tag?: new (type: { parameters: string[] }) => WasmTag;
}).Tag;

/** `new WebAssembly.Tag({ parameters })`, as the 0.28/0.29 glue creates `__cpp_exception`. */
export function createTag(parameters: string[]): WasmTag {
  if (!TagCtor) throw new TypeError("Cannot create a WebAssembly.Tag: this engine has no tags");
  return new TagCtor({ parameters });
}

/** True for `WebAssembly.Tag` objects. */
export function isTag(value: unknown): value is WasmTag {
  return TagCtor !== undefined && value instanceof TagCtor;
}

/** Bytes as the `BufferSource` the WebAssembly API declares. */
export function asBufferSource(bytes: Uint8Array): BufferSource {
  return bytes as unknown as BufferSource;
}
