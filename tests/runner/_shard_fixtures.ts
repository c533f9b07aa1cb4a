/**
 * Inputs for the sharded-run tests: a small real corpus subset copied out of the mirror (three
 * distributions, wheels and the shared libraries their locks name), and a made-up wheel whose
 * NEEDED library only another input of the run provides, placed so the two fall in different
 * shards.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { shardOfKey } from "../../src/runner/shard.ts";
import { sha256Of } from "../corpus/_mirror.ts";
import { makeLibfoo, makeNeedingWheel } from "../corpus/_needed_wheel.ts";
import { makeZip } from "../wheel/_make_zip.ts";

/**
 * Mirror files of the subset: 0.21.3, 0.27.7, 0.28.0 and standalone wheels, with the shared
 * libraries their locks name.
 */
export const CORPUS_SUBSET = [
  "pyodide-0.21.3/MarkupSafe-2.1.1-cp310-cp310-emscripten_3_1_14_wasm32.whl",
  "pyodide-0.21.3/fpcast_test-0.1.1-cp310-cp310-emscripten_3_1_14_wasm32.whl",
  "pyodide-0.21.3/wrapt-1.14.1-cp310-cp310-emscripten_3_1_14_wasm32.whl",
  "pyodide-0.21.3/sharedlib-test-1.0.zip",
  "pyodide-0.21.3/sharedlib_test_py-1.0-cp310-cp310-emscripten_3_1_14_wasm32.whl",
  "pyodide-0.27.7/sharedlib-test-1.0.zip",
  "pyodide-0.27.7/sharedlib_test_py-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide-0.27.7/openssl-1.1.1w.zip",
  "pyodide-0.27.7/ssl-1.0.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide-0.27.7/markupsafe-2.0.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide-0.27.7/msgpack-1.1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pyodide-0.27.7/six-1.16.0-py2.py3-none-any.whl",
  "pyodide-0.27.7/cpp_exceptions_test2-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  // abi3: schemes that trust it install it on 0.28, where it dies at load.
  "pyodide-0.27.7/pyxel-1.9.10-cp37-abi3-pyodide_2024_0_wasm32.whl",
  "pyodide-0.28.0/markupsafe-3.0.2-cp313-cp313-pyodide_2025_0_wasm32.whl",
  "pyodide-0.28.0/msgpack-1.1.1-cp313-cp313-pyodide_2025_0_wasm32.whl",
  "pyodide-0.28.0/bitarray-3.4.3-cp313-cp313-pyodide_2025_0_wasm32.whl",
  "pyodide-0.28.0/kiwisolver-1.4.8-cp313-cp313-pyodide_2025_0_wasm32.whl",
  // Fails at load on its own runtime: defective, scored apart.
  "standalone/libngspice-44.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "standalone/cobs-1.2.1-cp313-cp313-pyodide_2025_0_wasm32.whl",
];

/** Copy the subset from the mirror into `dir`, keeping each distribution's folder. */
export async function copyCorpusSubset(mirror: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const file of CORPUS_SUBSET) {
    const to = join(dir, file);
    await Deno.mkdir(dirname(to), { recursive: true });
    await Deno.copyFile(join(mirror, file), to);
    out.push(to);
  }
  return out;
}

/** Where the made-up wheel and its library were written, and their sha256s. */
export interface NeededPair {
  /** `<root>/wheels/the-1.0-….whl`: its only module NEEDs `libfoo.so`. */
  wheel: string;
  /** `<root>/libs/libfoo-1.0.zip`: a different directory, so only the run's inputs find it. */
  library: string;
  wheelSha256: string;
  librarySha256: string;
}

/**
 * Write the wheel and its library into different directories under `root`, salting the wheel
 * until the two fall in different shards of `count` (a library beside the wheel would be found
 * on disk whatever the run holds; in another directory only the run's inputs provide it).
 */
export async function writeNeededPair(root: string, count: number): Promise<NeededPair> {
  await Deno.mkdir(join(root, "wheels"), { recursive: true });
  await Deno.mkdir(join(root, "libs"), { recursive: true });
  const lib = (await makeZip([{ name: "lib/libfoo.so", data: makeLibfoo() }])).bytes;
  const librarySha256 = sha256Of(lib);
  for (let salt = 0; salt < 64; salt++) {
    const bytes = await makeNeedingWheel(salt);
    const wheelSha256 = sha256Of(bytes);
    if (shardOfKey(wheelSha256, count) === shardOfKey(librarySha256, count)) continue;
    const wheel = join(root, "wheels", "the-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl");
    const library = join(root, "libs", "libfoo-1.0.zip");
    await Deno.writeFile(wheel, bytes);
    await Deno.writeFile(library, lib);
    return { wheel, library, wheelSha256, librarySha256 };
  }
  throw new Error(`no salt puts the wheel and libfoo in different shards of ${count}`);
}
