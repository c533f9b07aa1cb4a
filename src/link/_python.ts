/**
 * The Python part of compatibility, which no link check can see: a wheel's cpXY tags against the
 * runtime's CPython major.minor (abi3 wheels accepted from their minimum version on), as
 * `packaging.tags` orders them for a CPython interpreter.
 *
 * @module
 */
import type { RuntimeFacts } from "../runtime/types.ts";
import type { WheelFacts, WheelTag } from "../wheel/types.ts";
import type { LinkEvidence } from "./types.ts";

// Same rule as the wheel reader's (`read_wheel.ts`), kept here so workers need not load the
// zip stage: `.cpython-312-wasm32-emscripten.so` → "312".
const CPYTHON_SUFFIX = /\.cpython-([0-9])([0-9]+)[a-z]*(?:-[^./]*)?\.so$/;

/** The `cpython-3XY` tag of an extension module's file name (`"312"`), if any. */
export function readCpythonSuffix(member: string): string | undefined {
  const m = CPYTHON_SUFFIX.exec(member);
  return m === null ? undefined : `${m[1]}${m[2]}`;
}

/** `3.12.7` → [3, 12]. */
export function pythonMajorMinor(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** `cp312` / `py3` / `py312` → [3, 12] / [3, NaN] / [3, 12]. */
function tagVersion(
  interpreter: string,
): { impl: string; major: number; minor?: number } | undefined {
  const m = /^(cp|py)(\d)(\d*)$/.exec(interpreter);
  if (!m) return undefined;
  return { impl: m[1], major: Number(m[2]), minor: m[3] ? Number(m[3]) : undefined };
}

/** Does one tag's Python part accept a CPython X.Y interpreter? */
export function tagAcceptsPython(tag: WheelTag, major: number, minor: number): boolean {
  const v = tagVersion(tag.interpreter);
  if (!v || v.major !== major) return false;
  if (tag.abi === "abi3") return v.impl === "cp" && (v.minor ?? 0) <= minor;
  if (v.impl === "py") return tag.abi === "none" && (v.minor === undefined || v.minor <= minor);
  return v.minor === minor;
}

/**
 * Wheel-level Python check: evidence when no tag of the wheel accepts the runtime's Python.
 * `.zip` packages (no filename tags) are never judged here.
 */
export function checkPython(wheel: WheelFacts, runtime: RuntimeFacts): LinkEvidence | undefined {
  const tags = wheel.filename?.tags;
  if (!tags || tags.length === 0) return undefined;
  const mm = pythonMajorMinor(runtime.python);
  if (!mm) return undefined;
  if (tags.some((t) => tagAcceptsPython(t, mm[0], mm[1]))) return undefined;
  const list = [...new Set(tags.map((t) => `${t.interpreter}-${t.abi}`))].join(", ");
  return {
    kind: "python-version",
    message: `wheel tags ${list} do not accept this runtime's Python ${runtime.python} (cp${mm[0]}${
      mm[1]
    })`,
  };
}
