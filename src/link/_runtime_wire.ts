/**
 * The form in which runtime facts travel to pool workers. A main module exports ~9,000
 * functions; as `{ name, type }` objects their structured clone took 17-36 ms on each side, on
 * the path a one-wheel run waits for. Here the names are one string with a length table and
 * the types a table of distinct types with an index per function: a copy of two buffers.
 *
 * @module
 */
import type { RuntimeFacts } from "../runtime/types.ts";
import type { FuncType } from "../wasm/types.ts";

/** Runtime facts with the function list packed. */
export interface PackedRuntimeFacts {
  facts: Omit<RuntimeFacts, "functions">;
  names: string;
  nameLengths: Uint32Array;
  types: FuncType[];
  typeIndex: Uint32Array;
}

/**
 * Pack runtime facts for posting to a worker.
 *
 * @example
 * ```ts ignore
 * const packed = packRuntimeFacts(runtime);
 * console.assert(unpackRuntimeFacts(packed).functions.length === runtime.functions.length);
 * ```
 */
export function packRuntimeFacts(runtime: RuntimeFacts): PackedRuntimeFacts {
  const { functions, ...facts } = runtime;
  const types: FuncType[] = [];
  // Cached facts share one object per distinct type; facts read afresh may not.
  const byObject = new Map<FuncType, number>();
  const byShape = new Map<string, number>();
  const typeIndex = new Uint32Array(functions.length);
  const nameLengths = new Uint32Array(functions.length);
  const names: string[] = [];
  functions.forEach((f, i) => {
    let t = byObject.get(f.type);
    if (t === undefined) {
      const shape = `${f.type.params.join(",")}>${f.type.results.join(",")}`;
      t = byShape.get(shape);
      if (t === undefined) {
        t = types.length;
        types.push(f.type);
        byShape.set(shape, t);
      }
      byObject.set(f.type, t);
    }
    typeIndex[i] = t;
    names.push(f.name);
    nameLengths[i] = f.name.length;
  });
  return { facts, names: names.join(""), nameLengths, types, typeIndex };
}

/**
 * The runtime facts again, functions sharing one object per distinct type.
 *
 * @throws {RangeError} when the tables disagree (a packing bug, not an input error)
 * @example
 * ```ts ignore
 * const runtime = unpackRuntimeFacts(message.runtime);
 * ```
 */
export function unpackRuntimeFacts(packed: PackedRuntimeFacts): RuntimeFacts {
  const { facts, names, nameLengths, types, typeIndex } = packed;
  if (nameLengths.length !== typeIndex.length) {
    throw new RangeError("packed runtime facts: name and type tables differ in length");
  }
  const functions: RuntimeFacts["functions"] = new Array(nameLengths.length);
  let at = 0;
  for (let i = 0; i < nameLengths.length; i++) {
    const type = types[typeIndex[i]];
    if (type === undefined || at + nameLengths[i] > names.length) {
      throw new RangeError(`packed runtime facts: function ${i} is out of range`);
    }
    functions[i] = { name: names.slice(at, at + nameLengths[i]), type };
    at += nameLengths[i];
  }
  return { ...facts, functions };
}
