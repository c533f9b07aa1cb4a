/** The packed form of runtime facts that pool workers receive. */
import assert from "node:assert/strict";
import { packRuntimeFacts, unpackRuntimeFacts } from "../../src/link/_runtime_wire.ts";
import type { RuntimeFacts } from "../../src/runtime/types.ts";
import { runtime } from "./_fixtures.ts";

Deno.test("runtime facts survive packing for the workers", async (t) => {
  await t.step("a real runtime, every function with its name and type", async () => {
    const r = await runtime("0.28.3");
    const packed = structuredClone(packRuntimeFacts(r));
    assert.ok(packed.types.length < r.functions.length / 10, "types are shared, not repeated");
    assert.deepEqual(unpackRuntimeFacts(packed), r);
  });

  await t.step("names of any characters, and types equal in shape but not identity", () => {
    const r = {
      version: "x",
      functions: [
        { name: "", type: { params: ["i32"], results: [] } },
        { name: "a\u0000b\nc", type: { params: ["i32"], results: [] } },
        { name: "🐍π", type: { params: [], results: ["f64"] } },
      ],
    } as unknown as RuntimeFacts;
    const packed = packRuntimeFacts(r);
    assert.equal(packed.types.length, 2);
    assert.deepEqual(unpackRuntimeFacts(structuredClone(packed)), r);
  });

  await t.step("tables that disagree are refused", () => {
    const packed = packRuntimeFacts(
      { functions: [{ name: "f", type: { params: [], results: [] } }] } as unknown as RuntimeFacts,
    );
    assert.throws(
      () => unpackRuntimeFacts({ ...packed, typeIndex: new Uint32Array([7]) }),
      RangeError,
    );
    assert.throws(
      () => unpackRuntimeFacts({ ...packed, nameLengths: new Uint32Array([1, 1]) }),
      RangeError,
    );
  });
});
