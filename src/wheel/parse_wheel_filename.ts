/**
 * Wheel filename parsing, following the wheel specification (PEP 427, PEP 491) and
 * `packaging.utils.parse_wheel_filename` (checks in the same order: extension, dash count, name,
 * version, build tag, tags).
 *
 * @module
 */
import { InvalidWheelFilename } from "./errors.ts";
import type { WheelFilename, WheelTag } from "./types.ts";

/** Most tags a compressed tag set may expand to (`py2.py3-none-any` expands to 2). */
export const MAX_WHEEL_TAGS = 1024;

/** Longest filename accepted: the checks below are linear, but a bound keeps errors readable. */
export const MAX_WHEEL_FILENAME_LENGTH = 4096;

// `packaging` checks the escaped name part with `^[\w\d._]*$` (Unicode) and rejects `__`.
const NAME_PART = /^[\p{L}\p{M}\p{N}_.]*$/u;
// PEP 427: the build number must start with a digit.
const BUILD_TAG = /^([0-9]+)(.*)$/s;
// `packaging.tags.parse_tag` (26.3+): the interpreter must be a Python identifier.
const INTERPRETER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;
// PEP 440 `VERSION_PATTERN` as `packaging.version.Version` anchors it (case-insensitive).
const VERSION =
  /^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?([-_.]?(dev)[-_.]?([0-9]+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

/**
 * Normalises a PEP 440 version the way `str(packaging.version.Version(v))` does.
 *
 * @param version A version string.
 * @returns The normalised form, or `undefined` when the string is not a valid PEP 440 version.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeVersion } from "./parse_wheel_filename.ts";
 * assert.ok(normalizeVersion("1.0-1") === "1.0.post1");
 * assert.ok(normalizeVersion("v01.2RC3.DEV") === "1.2rc3.dev0");
 * assert.ok(normalizeVersion("1.0.x") === undefined);
 * ```
 */
export function normalizeVersion(version: string): string | undefined {
  const m = VERSION.exec(version);
  if (m === null) return undefined;
  const [, epoch, release, , preL, preN, , postN1, postL, postN2, , devL, devN, local] = m;
  let out = "";
  if (epoch !== undefined && BigInt(epoch) !== 0n) out += `${BigInt(epoch)}!`;
  out += release!.split(".").map((part) => BigInt(part).toString()).join(".");
  if (preL !== undefined) {
    const letter = preL.toLowerCase();
    const short = letter === "alpha"
      ? "a"
      : letter === "beta"
      ? "b"
      : letter === "c" || letter === "pre" || letter === "preview"
      ? "rc"
      : letter;
    out += `${short}${BigInt(preN ?? "0")}`;
  }
  if (postN1 !== undefined) out += `.post${BigInt(postN1)}`;
  else if (postL !== undefined) out += `.post${BigInt(postN2 ?? "0")}`;
  if (devL !== undefined) out += `.dev${BigInt(devN ?? "0")}`;
  if (local !== undefined) {
    const parts = local.toLowerCase().split(/[-_.]/).map((part) =>
      /^[0-9]+$/.test(part) ? BigInt(part).toString() : part
    );
    out += `+${parts.join(".")}`;
  }
  return out;
}

/**
 * Normalises a project name as PEP 503 does: lower case, runs of `-`, `_` and `.` become `-`.
 *
 * @param name A project name.
 * @returns The normalised name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalizeName } from "./parse_wheel_filename.ts";
 * assert.ok(canonicalizeName("Foo__Bar.baz") === "foo-bar-baz");
 * ```
 */
export function canonicalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Formats one tag as `interpreter-abi-platform`.
 *
 * @param tag The tag.
 * @returns The tag string.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWheelTag } from "./parse_wheel_filename.ts";
 * const text = formatWheelTag({ interpreter: "cp312", abi: "cp312", platform: "pyodide_2024_0_wasm32" });
 * assert.ok(text === "cp312-cp312-pyodide_2024_0_wasm32");
 * ```
 */
export function formatWheelTag(tag: WheelTag): string {
  return `${tag.interpreter}-${tag.abi}-${tag.platform}`;
}

/**
 * Expands a (possibly compressed) tag string such as `py2.py3-none-any` into its tags, lower-cased
 * as `packaging.tags.Tag` stores them, without duplicates, in expansion order.
 *
 * @param tag A tag string with exactly two dashes.
 * @returns The tags, or a reason string when the tag string is invalid.
 */
function expandTags(tag: string): WheelTag[] | string {
  const components = tag.split("-").map((component) => component.split("."));
  if (components.length !== 3) return `tag "${tag}" must have exactly three components`;
  for (const parts of components) {
    if (parts.includes("")) return `empty tag component "${parts.join(".")}"`;
  }
  const [interpreters, abis, platforms] = components as [string[], string[], string[]];
  const count = interpreters.length * abis.length * platforms.length;
  if (count > MAX_WHEEL_TAGS) {
    return `compressed tag set expands to ${count} tags, over ${MAX_WHEEL_TAGS}`;
  }
  for (const interpreter of interpreters) {
    if (!INTERPRETER.test(interpreter)) return `invalid interpreter tag "${interpreter}"`;
  }
  const seen = new Set<string>();
  const tags: WheelTag[] = [];
  for (const interpreter of interpreters) {
    for (const abi of abis) {
      for (const platform of platforms) {
        const t = {
          interpreter: interpreter.toLowerCase(),
          abi: abi.toLowerCase(),
          platform: platform.toLowerCase(),
        };
        const key = formatWheelTag(t);
        if (seen.has(key)) continue;
        seen.add(key);
        tags.push(t);
      }
    }
  }
  return tags;
}

/**
 * Expands one (possibly compressed) `interpreter-abi-platform` tag string into its tags, lower-cased
 * and without duplicates, as `packaging.tags.parse_tag` does.
 *
 * @param tag A tag string such as `py2.py3-none-any` or a `WHEEL` file's `Tag` value.
 * @returns The tags, or `undefined` when the string is not a valid tag.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandWheelTag } from "./parse_wheel_filename.ts";
 * assert.ok(expandWheelTag("py2.py3-none-any")?.length === 2);
 * assert.ok(expandWheelTag("py3-none") === undefined);
 * ```
 */
export function expandWheelTag(tag: string): WheelTag[] | undefined {
  const tags = expandTags(tag);
  return typeof tags === "string" ? undefined : tags;
}

/**
 * Parses a wheel filename into normalised name, normalised version, build tag and expanded tags.
 *
 * Mirrors `packaging.utils.parse_wheel_filename` (with the tag checks `packaging.tags.parse_tag`
 * gained in 26.3: no empty tag component, the interpreter is an identifier). It is stricter in one
 * place: an empty project name is rejected. Pass the bare filename, without directories.
 *
 * @param filename The wheel's file name, e.g. `orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl`.
 * @returns The parsed filename.
 * @throws {InvalidWheelFilename} With the reason, in `packaging`'s order of checks.
 * @example Compressed tag set and build tag
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWheelFilename } from "./parse_wheel_filename.ts";
 * const parsed = parseWheelFilename("Foo_Bar-1.0-2b-py2.py3-none-any.whl");
 * assert.ok(parsed.name === "foo-bar" && parsed.version === "1.0");
 * assert.ok(parsed.build?.[0] === 2 && parsed.build?.[1] === "b");
 * assert.ok(parsed.tags.length === 2);
 * ```
 */
export function parseWheelFilename(filename: string): WheelFilename {
  if (filename.length > MAX_WHEEL_FILENAME_LENGTH) {
    throw new InvalidWheelFilename(
      filename.slice(0, 80) + "…",
      `longer than ${MAX_WHEEL_FILENAME_LENGTH} characters`,
    );
  }
  if (!filename.endsWith(".whl")) {
    throw new InvalidWheelFilename(filename, 'extension must be ".whl"');
  }
  const stem = filename.slice(0, -4);
  const dashes = stem.split("-").length - 1;
  if (dashes !== 4 && dashes !== 5) {
    throw new InvalidWheelFilename(filename, "wrong number of parts");
  }
  const parts = stem.split("-");
  const namePart = parts[0]!;
  if (namePart === "" || namePart.includes("__") || !NAME_PART.test(namePart)) {
    throw new InvalidWheelFilename(filename, `invalid project name "${namePart}"`);
  }
  const versionPart = parts[1]!;
  const version = normalizeVersion(versionPart);
  if (version === undefined) {
    throw new InvalidWheelFilename(filename, `invalid version "${versionPart}"`);
  }
  let build: [number, string] | undefined;
  if (dashes === 5) {
    const buildPart = parts[2]!;
    const m = BUILD_TAG.exec(buildPart);
    if (m === null) {
      throw new InvalidWheelFilename(filename, `build tag "${buildPart}" must start with a digit`);
    }
    const number = Number(m[1]);
    if (!Number.isSafeInteger(number)) {
      throw new InvalidWheelFilename(filename, `build number "${m[1]}" is too large`);
    }
    build = [number, m[2]!];
  }
  const tags = expandTags(parts.slice(-3).join("-"));
  if (typeof tags === "string") throw new InvalidWheelFilename(filename, tags);
  const result: WheelFilename = { filename, name: canonicalizeName(namePart), version, tags };
  if (build !== undefined) result.build = build;
  return result;
}
