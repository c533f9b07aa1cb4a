/**
 * A made-up wheel whose extension module NEEDs `libfoo.so` and calls its `foo`, and the module
 * that provides it: for the tests of where NEEDED libraries come from (`librariesFor`, shards).
 *
 * @module
 */
import { OP } from "../../src/wasm/build_module.ts";
import { sideModule } from "../link/_fixtures.ts";
import { makeZip, type MemberSpec } from "../wheel/_make_zip.ts";

const I32 = { params: [], results: ["i32"] };

/** `libfoo.so`: exports `foo() -> i32`. */
export function makeLibfoo(): Uint8Array {
  return sideModule({
    functions: [{ type: I32, body: [OP.i32Const, 7] }],
    exports: [{ name: "foo", kind: "func", index: 0 }],
  });
}

/**
 * `the-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl`: its `_the` NEEDs `libfoo.so` and calls
 * `foo`. A `salt` adds `the/salt.txt`, which changes the wheel's sha256 and nothing else.
 */
export async function makeNeedingWheel(salt?: number): Promise<Uint8Array> {
  const so = sideModule({
    dylink: { memorySize: 0, needed: ["libfoo.so"] },
    imports: [{ module: "env", name: "foo", kind: "func", type: I32 }],
    functions: [{ type: I32, body: [OP.call, 0] }],
    exports: [{ name: "PyInit__the", kind: "func", index: 1 }],
  });
  const members: MemberSpec[] = [
    { name: "the/_the.cpython-312-wasm32-emscripten.so", data: so },
    ...(salt === undefined ? [] : [{ name: "the/salt.txt", data: `${salt}\n` }]),
    {
      name: "the-1.0.dist-info/METADATA",
      data: "Metadata-Version: 2.1\nName: the\nVersion: 1.0\n",
    },
    {
      name: "the-1.0.dist-info/WHEEL",
      data: "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-pyodide_2024_0_wasm32\n",
    },
    { name: "the-1.0.dist-info/top_level.txt", data: "the\n" },
  ];
  return (await makeZip(members)).bytes;
}
