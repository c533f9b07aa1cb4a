/**
 * The runtime a wheel was built for, inferred from its own facts when no catalogue says it: the
 * Python version its tags or `.so` suffixes name, the platform tag (an Emscripten version, or a
 * `pyodide_`/`pyemscripten_` ABI version), and the exception handling its modules need of the
 * loader. Facts decide; file names matter only as the wheel spec defines tags.
 *
 * @module
 */
import { basename } from "node:path";
import { pythonMajorMinor, tagAcceptsPython } from "../link/mod.ts";
import type { RuntimeEntry } from "../runtime/types.ts";
import { parseWheelFilename } from "../wheel/mod.ts";
import type { WheelFacts } from "../wheel/types.ts";
import { compareVersions } from "./version.ts";

/** An inferred built-for runtime and how it was chosen. */
export interface InferredBuiltFor {
  runtime: string;
  /** One sentence: which facts matched (for reports: "inferred from …"). */
  reason: string;
  /** Other catalogue runtimes that match the same facts equally well. */
  equivalent: string[];
}

const EMSCRIPTEN_TAG = /^emscripten_(\d+)_(\d+)_(\d+)_wasm32$/;
const ABI_TAG = /^(?:pyodide|pyemscripten)_(\d{4})_(\d+)_wasm32$/;

/** What an Emscripten/Pyodide platform tag states about the build. */
export interface PlatformTagFacts {
  /** `emscripten_<x>_<y>_<z>` (≤0.25), `pyodide_<year>_<patch>` (0.26–0.29), `pyemscripten_…` (PEP 783). */
  scheme: "emscripten" | "pyodide" | "pyemscripten";
  /** Emscripten version (`3.1.46`), for `emscripten_` tags. */
  emscripten?: string;
  /** ABI version (`2024_0`), for `pyodide_` and `pyemscripten_` tags. */
  abiVersion?: string;
}

/**
 * Read a platform tag of one of the three Emscripten/Pyodide schemes; undefined for any other
 * platform (`manylinux…`, `any`, or a plain `pyodide_wasm32` that names no version).
 *
 * @example
 * ```ts
 * import { readPlatformTag } from "./infer_built_for.ts";
 * console.assert(readPlatformTag("pyemscripten_2026_0_wasm32")?.abiVersion === "2026_0");
 * console.assert(readPlatformTag("emscripten_3_1_46_wasm32")?.emscripten === "3.1.46");
 * console.assert(readPlatformTag("manylinux_2_17_x86_64") === undefined);
 * ```
 */
export function readPlatformTag(platform: string): PlatformTagFacts | undefined {
  const em = EMSCRIPTEN_TAG.exec(platform);
  if (em) return { scheme: "emscripten", emscripten: `${em[1]}.${em[2]}.${em[3]}` };
  const abi = ABI_TAG.exec(platform);
  if (abi) {
    const scheme = platform.startsWith("pyemscripten_") ? "pyemscripten" : "pyodide";
    return { scheme, abiVersion: `${abi[1]}_${abi[2]}` };
  }
  return undefined;
}

function parts(v: string): number[] {
  return v.split(/[.-]/).map((x) => Number.parseInt(x, 10)).filter((n) => Number.isFinite(n));
}

/** Distance between two versions, most significant part first (for "nearest"). */
function distance(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * Does inferring this wheel's runtime need the loaders' exception handling (read from each
 * runtime's glue)? Only when no platform tag names an Emscripten or ABI version.
 *
 * @example
 * ```ts ignore
 * needsLoaderFacts(plainTaggedWheel); // true
 * ```
 */
export function needsLoaderFacts(wheel: WheelFacts): boolean {
  return !(wheel.filename?.tags ?? []).some((t) => readPlatformTag(t.platform) !== undefined);
}

/** The CPython minor version a wheel needs: an exact `cpXY` tag or `.so` suffix, else a floor. */
function pythonOf(wheel: WheelFacts): { minor?: string; atLeast?: string; from: string } {
  for (const side of wheel.sideModules) {
    if (side.cpythonSuffix) {
      const s = side.cpythonSuffix;
      return { minor: `${s[0]}.${s.slice(1)}`, from: `module suffix cpython-${s}` };
    }
  }
  for (const tag of wheel.filename?.tags ?? []) {
    const m = /^cp(\d)(\d+)$/.exec(tag.interpreter);
    if (!m) continue;
    if (tag.abi === `cp${m[1]}${m[2]}`) {
      return { minor: `${m[1]}.${m[2]}`, from: `tag ${tag.interpreter}-${tag.abi}` };
    }
    if (tag.abi === "abi3") {
      return { atLeast: `${m[1]}.${m[2]}`, from: `tag ${tag.interpreter}-abi3` };
    }
  }
  return { from: "no Python version in tags or suffixes" };
}

/**
 * The catalogue runtime a wheel was most likely built for, from its facts: runtimes whose Python
 * the wheel accepts, then those whose platform tag, ABI version or Emscripten version equals the
 * wheel's, else the nearest Emscripten or ABI version, else those whose loader handles the
 * wheel's exceptions; among equals, the one whose main module lacks the fewest of the wheel's
 * function imports, then the earliest. Undefined when no runtime accepts its Python, or
 * when the wheel names neither a Python version nor a platform.
 *
 * @example
 * ```ts
 * import { inferBuiltFor } from "./infer_built_for.ts";
 * const wheel = {
 *   file: "x-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl", sha256: "", size: 0, kind: "wheel",
 *   filename: { filename: "", name: "x", version: "1.0",
 *     tags: [{ interpreter: "cp312", abi: "cp312", platform: "pyodide_2024_0_wasm32" }] },
 *   topLevel: [], memberCount: 0, sideModules: [], findings: [],
 * } as const;
 * const rt = (version: string, python: string, abiVersion?: string) => ({
 *   version, python, emscripten: "3.1.58", abiVersion, platformTag: "", integrity: "",
 *   releaseDate: "", releaseDateSource: "",
 * });
 * const found = inferBuiltFor(wheel as never, [rt("0.25.1", "3.11.3"), rt("0.27.7", "3.12.7", "2024_0")]);
 * console.assert(found?.runtime === "0.27.7");
 * ```
 */
export function inferBuiltFor(
  wheel: WheelFacts,
  catalogue: readonly RuntimeEntry[],
  /** The exception handling of a runtime's loader, read from its glue, where it is known. */
  exceptionsOf: (version: string) => "js" | "wasm" | undefined = () => undefined,
  /**
   * How many of the wheel's function imports a runtime's main module does not provide, where
   * its facts are known: among runtimes that match equally well, the fewest wins.
   */
  missingImportsOf: (version: string) => number | undefined = () => undefined,
): InferredBuiltFor | undefined {
  const py = pythonOf(wheel);
  const minorOf = (e: RuntimeEntry) => e.python.split(".").slice(0, 2).join(".");
  let pool = catalogue.filter((e) =>
    py.minor
      ? minorOf(e) === py.minor
      : py.atLeast
      ? compareVersions(minorOf(e), py.atLeast) >= 0
      : true
  );
  if (pool.length === 0) return undefined;
  const reasons = [py.from];

  const platforms = [...new Set((wheel.filename?.tags ?? []).map((t) => t.platform))];
  const emscripten = platforms.map((p) => EMSCRIPTEN_TAG.exec(p)).find(Boolean);
  const abi = platforms.map((p) => ABI_TAG.exec(p)).find(Boolean);
  // Neither a Python version nor a platform: any pick would be a guess (a pure-tagged wheel
  // that carries side modules), so there is no built-for runtime.
  if (!py.minor && !py.atLeast && !emscripten && !abi) return undefined;
  const exact = pool.filter((e) =>
    platforms.includes(e.platformTag) ||
    (abi && e.abiVersion === `${abi[1]}_${abi[2]}`) ||
    (emscripten && e.emscripten === `${emscripten[1]}.${emscripten[2]}.${emscripten[3]}`)
  );
  if (exact.length > 0) {
    pool = exact;
    reasons.push(`platform ${platforms.join(", ")} matches`);
  } else if (emscripten || abi) {
    // No runtime of that exact platform: the nearest Emscripten (or ABI year and patch).
    const want = emscripten
      ? [Number(emscripten[1]), Number(emscripten[2]), Number(emscripten[3])]
      : [Number(abi![1]), Number(abi![2])];
    const key = (e: RuntimeEntry) =>
      emscripten ? parts(e.emscripten) : parts((e.abiVersion ?? "0_0").replace("_", "."));
    let best: number[] | undefined;
    for (const e of pool) {
      const d = distance(key(e), want);
      if (!best || lessThan(d, best)) best = d;
    }
    pool = pool.filter((e) => distance(key(e), want).join() === best!.join());
    reasons.push(
      `nearest ${emscripten ? "Emscripten version" : "ABI version"} to ${platforms.join(", ")}`,
    );
  } else {
    // A plain tag says nothing of the platform: the exceptions its modules use do.
    const js = wheel.sideModules.some((s) => s.abi.exceptions === "js");
    const wasm = wheel.sideModules.some((s) => s.abi.exceptions === "wasm");
    if (js !== wasm) {
      const byExceptions = pool.filter((e) => exceptionsOf(e.version) === (wasm ? "wasm" : "js"));
      if (byExceptions.length) {
        pool = byExceptions;
        reasons.push(`its modules use ${wasm ? "wasm" : "JS"} exceptions`);
      }
    }
  }
  if (pool.length > 1) {
    // Equals by tags and versions: what the wheel needs of the main module decides (an abi3
    // wheel that calls a newer CPython API was built against that CPython).
    const missing = pool.map((e) => missingImportsOf(e.version));
    const known = missing.filter((m): m is number => m !== undefined);
    if (known.length > 0) {
      const fewest = Math.min(...known);
      if (known.some((m) => m !== fewest)) {
        pool = pool.filter((_, i) => missing[i] === fewest);
        reasons.push(
          fewest === 0
            ? "its main module provides every function it imports"
            : `fewest function imports missing from its main module (${fewest})`,
        );
      }
    }
  }
  const [first, ...rest] = pool;
  return {
    runtime: first.version,
    reason: `inferred: ${reasons.join("; ")}`,
    equivalent: rest.map((e) => e.version),
  };
}

/**
 * How many `env` function imports of a wheel's modules neither its own modules nor a main
 * module (given by the names of the functions it exports) provide.
 *
 * @example
 * ```ts ignore
 * countMissingImports(wheel, runtimeFacts.functions.map((f) => f.name)); // 0 on its own runtime
 * ```
 */
export function countMissingImports(wheel: WheelFacts, mainFunctions: Iterable<string>): number {
  const main = new Set(mainFunctions);
  const own = new Set(wheel.sideModules.flatMap((s) => s.wasm.exports.map((e) => e.name)));
  const missing = new Set<string>();
  for (const side of wheel.sideModules) {
    for (const imp of side.wasm.imports) {
      if (imp.kind !== "func" || imp.module !== "env") continue;
      if (!main.has(imp.name) && !own.has(imp.name)) missing.add(imp.name);
    }
  }
  return missing.size;
}

/**
 * The catalogue runtimes an installer would install a wheel on under the tags in its file
 * name: the runtime's platform tag (or `any`) and its CPython, by the link check's Python rule
 * (packaging's order for a CPython interpreter). None for a name that does not parse.
 *
 * @example
 * ```ts ignore
 * findClaimedRuntimes("orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", catalogue);
 * // ["0.26.4", "0.27.7"]
 * ```
 */
export function findClaimedRuntimes(file: string, catalogue: RuntimeEntry[]): string[] {
  let tags;
  try {
    tags = parseWheelFilename(basename(file)).tags;
  } catch {
    return [];
  }
  return catalogue.filter((e) => {
    const python = pythonMajorMinor(e.python);
    return python !== undefined &&
      tags.some((t) =>
        (t.platform === e.platformTag || t.platform === "any") &&
        tagAcceptsPython(t, python[0], python[1])
      );
  }).map((e) => e.version);
}
