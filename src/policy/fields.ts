/**
 * Template fields: the names a policy's tag templates may use (`{year}`, `{abi_hash}`, …), how
 * each is computed from a platform profile, the flag bit set, and the ABI hash.
 *
 * The ABI hash (`abi_hash`) is FNV-1a 32-bit over the UTF-8 bytes of the canonical string
 * `emscripten=<x.y.z>;arch=<arch>;exceptions=<js|wasm|none>;setjmp=<flavour>;bigint=<0|1>;`
 * `threads=<0|1>;simd=<0|1>;memory64=<0|1>` (no trailing `;`), written as 8 lower-case hex digits.
 * Nothing else goes in: not the Python version (the cpXY tag carries it), not the Pyodide version.
 *
 * @module
 */
import type { AbiFlags, PlatformProfile } from "./types.ts";
import { fnv1a32Hex } from "./_hash.ts";

/** Bits of `flag_bits` / `required_bits`. Documented in policies/schema.json too. */
export const FLAG_BITS = {
  bigint: 0x1,
  "exceptions-js": 0x2,
  "exceptions-wasm": 0x4,
  "setjmp-emscripten-js": 0x8,
  "setjmp-wasm-sjlj": 0x10,
  "setjmp-wasm-tag": 0x20,
  threads: 0x40,
  simd: 0x80,
  memory64: 0x100,
  wasm64: 0x200,
} as const;

/** Longest template accepted (characters). */
export const MAX_TEMPLATE_LENGTH = 200;

/** Kind of a field's value: `number` fields may be ordering keys, `bits` fields subset fields. */
export type FieldKind = "string" | "number" | "bits" | "flag";

export interface TemplateField {
  kind: FieldKind;
  description: string;
}

/** Every field a template may name. Keep in step with policies/schema.json (a test checks). */
export const TEMPLATE_FIELDS: Record<string, TemplateField> = {
  pyodide_version: {
    kind: "string",
    description: "Pyodide version, e.g. 0.27.7 (0_27_7 in a tag)",
  },
  release_date: { kind: "string", description: "release date YYYY-MM-DD (YYYY_MM_DD in a tag)" },
  yyyymm: { kind: "number", description: "year and month of the release date, e.g. 202305" },
  python: { kind: "string", description: "CPython version, e.g. 3.12.7" },
  pymajor: { kind: "number", description: "CPython major version, e.g. 3" },
  pyminor: { kind: "number", description: "CPython minor version, e.g. 12" },
  emscripten: { kind: "string", description: "Emscripten version, e.g. 3.1.58" },
  emscripten_underscored: { kind: "string", description: "Emscripten version with _, e.g. 3_1_58" },
  abi_version: {
    kind: "string",
    description: "lock file abi_version, e.g. 2024_0; absent before Pyodide 0.26 (never derived)",
  },
  year: {
    kind: "number",
    description: "ABI year: from abi_version, else derived from release dates (see profile notes)",
  },
  patch: {
    kind: "number",
    description: "ABI patch: from abi_version, else derived ordinal within the year",
  },
  pypatch: {
    kind: "number",
    description: "ordinal of the ABI among the ABIs of the same Python minor version (from 0)",
  },
  arch: { kind: "string", description: "wasm32 or wasm64" },
  exceptions: { kind: "string", description: "exception handling: js, wasm or none" },
  setjmp: {
    kind: "string",
    description: "setjmp flavour: none, emscripten-js, wasm-sjlj, wasm-tag",
  },
  bigint: { kind: "flag", description: "1 when i64 crosses the JS boundary as BigInt, else 0" },
  threads: { kind: "flag", description: "1 with pthreads (shared memory), else 0" },
  simd: { kind: "flag", description: "1 with simd128, else 0" },
  memory64: { kind: "flag", description: "1 with memory64, else 0" },
  abi_hash: {
    kind: "string",
    description: "FNV-1a 32 (8 hex digits) of the canonical ABI flags + Emscripten version",
  },
  flag_bits: {
    kind: "bits",
    description: "hex bit set (3+ digits) of the profile's flags, bits as FLAG_BITS",
  },
  required_bits: {
    kind: "bits",
    description: "hex bit set of what a wheel's side modules require; a runtime's = flag_bits",
  },
};

/** A parsed template: literal text and field references, in order. */
export type TemplatePart = { text: string } | { field: string; offset: number };

const FIELD_REF_RE = /\{([^{}]*)\}/g;
/** Bound of each memo table below (entries), so a long run cannot grow them without limit. */
const MAX_CACHE_ENTRIES = 4096;
const templateCache = new Map<string, TemplatePart[]>();
const hashCache = new Map<string, string>();
const valuesCache = new WeakMap<PlatformProfile, Map<number, FieldValues>>();

/**
 * Split a template into literal text and `{field}` references (with their character offset).
 *
 * @example
 * ```ts
 * parseTemplate("pyodide_{year}_{patch}_wasm32");
 * // [{text:"pyodide_"},{field:"year",offset:8},{text:"_"},{field:"patch",offset:15},{text:"_wasm32"}]
 * ```
 */
export function parseTemplate(template: string): TemplatePart[] {
  const cached = templateCache.get(template);
  if (cached) return cached;
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(FIELD_REF_RE)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    parts.push({ field: m[1], offset: m.index });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  // Scoring renders the same few templates for every pair: parse each once.
  if (templateCache.size >= MAX_CACHE_ENTRIES) templateCache.clear();
  templateCache.set(template, parts);
  return parts;
}

/**
 * Field names a template uses, with the offset of each `{`.
 *
 * @example
 * ```ts
 * templateFields("emscripten_{abi_hash}_{arch}"); // [{field:"abi_hash",offset:11},{field:"arch",offset:22}]
 * ```
 */
export function templateFields(template: string): { field: string; offset: number }[] {
  return parseTemplate(template).filter((p): p is { field: string; offset: number } =>
    "field" in p
  );
}

/** Normalise a rendered tag the way packaging normalises platform tags: lower case, `-`/`.` → `_`. */
export function normalizeTag(tag: string): string {
  return tag.toLowerCase().replace(/[-.]/g, "_");
}

/** Values of the template fields for one profile; a field absent here is unknown. */
export type FieldValues = Record<string, string | number | undefined>;

/**
 * The canonical ABI string hashed by `abi_hash` (see the module docs), or undefined when the
 * Emscripten version is unknown.
 *
 * @example
 * ```ts
 * canonicalAbiString({ emscripten: "3.1.58", arch: "wasm32", flags: { exceptions: "js",
 *   setjmp: "wasm-sjlj", bigint: true, threads: false, simd: false, memory64: false } });
 * // "emscripten=3.1.58;arch=wasm32;exceptions=js;setjmp=wasm-sjlj;bigint=1;threads=0;simd=0;memory64=0"
 * ```
 */
export function canonicalAbiString(
  profile: Pick<PlatformProfile, "emscripten" | "arch" | "flags">,
): string | undefined {
  if (!profile.emscripten) return undefined;
  const f = profile.flags;
  const b = (v: boolean) => (v ? "1" : "0");
  return [
    `emscripten=${profile.emscripten}`,
    `arch=${profile.arch}`,
    `exceptions=${f.exceptions}`,
    `setjmp=${f.setjmp}`,
    `bigint=${b(f.bigint)}`,
    `threads=${b(f.threads)}`,
    `simd=${b(f.simd)}`,
    `memory64=${b(f.memory64)}`,
  ].join(";");
}

/**
 * The `abi_hash` of a profile: FNV-1a 32 of `canonicalAbiString`, 8 hex digits.
 *
 * @example
 * ```ts
 * abiHash(profile); // e.g. "3f1c09a2"; undefined when the Emscripten version is unknown
 * ```
 */
export function abiHash(
  profile: Pick<PlatformProfile, "emscripten" | "arch" | "flags">,
): string | undefined {
  const s = canonicalAbiString(profile);
  if (s === undefined) return undefined;
  let h = hashCache.get(s);
  if (h === undefined) {
    if (hashCache.size >= MAX_CACHE_ENTRIES) hashCache.clear();
    hashCache.set(s, h = fnv1a32Hex(s));
  }
  return h;
}

/**
 * Bit set of a flag set (FLAG_BITS). An unknown setjmp flavour contributes no bit.
 *
 * @example
 * ```ts
 * flagBits({ exceptions: "wasm", setjmp: "wasm-tag", bigint: true, threads: false,
 *   simd: false, memory64: false }, "wasm32"); // 0x25
 * ```
 */
export function flagBits(flags: AbiFlags, arch: "wasm32" | "wasm64" = "wasm32"): number {
  let bits = 0;
  if (flags.bigint) bits |= FLAG_BITS.bigint;
  if (flags.exceptions === "js") bits |= FLAG_BITS["exceptions-js"];
  if (flags.exceptions === "wasm") bits |= FLAG_BITS["exceptions-wasm"];
  const sj = `setjmp-${flags.setjmp}` as keyof typeof FLAG_BITS;
  if (sj in FLAG_BITS) bits |= FLAG_BITS[sj];
  if (flags.threads) bits |= FLAG_BITS.threads;
  if (flags.simd) bits |= FLAG_BITS.simd;
  if (flags.memory64) bits |= FLAG_BITS.memory64;
  if (arch === "wasm64") bits |= FLAG_BITS.wasm64;
  return bits;
}

/** Bits as they appear in a tag: lower-case hex, at least 3 digits. */
export function formatBits(bits: number): string {
  return bits.toString(16).padStart(3, "0");
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PY_RE = /^(\d+)\.(\d+)(?:\.(\d+))?/;

/**
 * Compute every template field of a profile. `requiredBits` is what a wheel's side modules
 * need; for a runtime (or when unknown) `required_bits` equals `flag_bits`. The result is
 * memoised per profile object (profiles are treated as immutable) and must not be modified.
 *
 * @example
 * ```ts
 * const v = fieldValues(profile);
 * v.year; // 2024
 * v.emscripten_underscored; // "3_1_58"
 * ```
 */
export function fieldValues(profile: PlatformProfile, requiredBits?: number): FieldValues {
  // Memoised by profile identity: profiles are plain data, never mutated once built.
  let perProfile = valuesCache.get(profile);
  if (!perProfile) valuesCache.set(profile, perProfile = new Map());
  const key = requiredBits ?? -1;
  const hit = perProfile.get(key);
  if (hit) return hit;
  const values = computeFieldValues(profile, requiredBits);
  perProfile.set(key, values);
  return values;
}

function computeFieldValues(profile: PlatformProfile, requiredBits?: number): FieldValues {
  const date = profile.releaseDate ? DATE_RE.exec(profile.releaseDate) : null;
  const py = profile.python ? PY_RE.exec(profile.python) : null;
  const bits = flagBits(profile.flags, profile.arch);
  const flag = (v: boolean) => (v ? "1" : "0");
  return {
    pyodide_version: profile.pyodideVersion,
    release_date: date ? profile.releaseDate : undefined,
    yyyymm: date ? Number(date[1] + date[2]) : undefined,
    python: profile.python,
    pymajor: py ? Number(py[1]) : undefined,
    pyminor: py ? Number(py[2]) : undefined,
    emscripten: profile.emscripten,
    emscripten_underscored: profile.emscripten?.replace(/\./g, "_"),
    abi_version: profile.abiVersion,
    year: profile.abiYear,
    patch: profile.abiPatch,
    pypatch: profile.pyPatch,
    arch: profile.arch,
    exceptions: profile.flags.exceptions,
    setjmp: profile.flags.setjmp,
    bigint: flag(profile.flags.bigint),
    threads: flag(profile.flags.threads),
    simd: flag(profile.flags.simd),
    memory64: flag(profile.flags.memory64),
    abi_hash: abiHash(profile),
    flag_bits: bits,
    required_bits: requiredBits ?? bits,
  };
}

function renderValue(field: string, value: string | number): string {
  if (TEMPLATE_FIELDS[field]?.kind === "bits" && typeof value === "number") {
    return formatBits(value);
  }
  return String(value);
}

/**
 * Render a template over field values. Returns the normalised tag, or the fields that are
 * unknown (then no tag).
 *
 * @example
 * ```ts
 * renderTemplate("pyemscripten_{year}_{patch}_{arch}", { year: 2025, patch: 0, arch: "wasm32" });
 * // { tag: "pyemscripten_2025_0_wasm32", missing: [] }
 * ```
 */
export function renderTemplate(
  template: string,
  values: FieldValues,
): { tag?: string; missing: string[] } {
  const missing: string[] = [];
  let out = "";
  for (const part of parseTemplate(template)) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    const v = values[part.field];
    if (v === undefined || v === "") {
      missing.push(part.field);
      continue;
    }
    out += renderValue(part.field, v);
  }
  return missing.length ? { missing } : { tag: normalizeTag(out), missing };
}
