/**
 * Platform profiles: the facts of one build environment, from the runtime catalogue, from a
 * distribution's lock file, or inferred from a wheel's tags and side-module features.
 *
 * ## Year, patch and pypatch when there is no `abi_version` (Pyodide ≤ 0.25)
 *
 * An ABI is identified by `abi_version` when there is one, else by (Python major.minor,
 * Emscripten version): Pyodide treated every Emscripten update as an ABI break (pyodide#2951).
 * Among the profiles given as `catalogue` (plus the profile itself):
 * - `year` = the year of the earliest release date of any profile with the same ABI;
 * - `patch` = the ABI's ordinal, in release-date order, among the derived ABIs of that year,
 *   skipping the patch numbers that real `abi_version`s of that year already use
 *   (so a derived tag never collides with a real one);
 * - `pypatch` = the ABI's ordinal, in release-date order, among all ABIs (real or derived) of the
 *   same Python minor version. It is what `pyodide_<pymajor><pyminor>_<patch>` meant by PATCH.
 * Each derived value is listed in `inferred` and explained in `notes`.
 *
 * @module
 */
import type { AbiFeatures } from "../wasm/types.ts";
import type { FuncType } from "../wasm/types.ts";
import { deriveI64Interface } from "../wasm/abi_features.ts";
import type { LoaderCapabilities, RuntimeEntry, RuntimeFacts } from "../runtime/types.ts";
import type { AbiFlags, PlatformProfile } from "./types.ts";
import { flagBits } from "./fields.ts";
import { compareVersions } from "./version.ts";

/** Facts of a build environment before derivation (all optional but the ones you know). */
export interface ProfileInput {
  pyodideVersion?: string;
  releaseDate?: string;
  python?: string;
  /** "3.1.58", "3_1_58" or "emscripten_3_1_58". */
  emscripten?: string;
  abiVersion?: string;
  arch?: "wasm32" | "wasm64";
  flags?: Partial<AbiFlags>;
}

export interface ProfileOptions {
  /** Other known build environments (the runtime catalogue), for year/patch/pypatch derivation. */
  catalogue?: ProfileInput[];
  /** Notes to attach to fields that the caller set from facts (e.g. flags read from a main module). */
  notes?: Record<string, string>;
}

const ABI_RE = /^(\d{4})_(\d+)$/;
const EM_RE = /^(?:emscripten_)?(\d+)[._](\d+)[._](\d+)$/;
const DATE_RE = /^(\d{4})-\d{2}-\d{2}$/;

function normalizeEmscripten(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = EM_RE.exec(v.trim());
  return m ? `${m[1]}.${m[2]}.${m[3]}` : v.trim();
}

function emscriptenAtLeast(em: string | undefined, want: [number, number, number]): boolean {
  const m = em ? EM_RE.exec(em) : null;
  if (!m) return false;
  const have = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (have[i] !== want[i]) return have[i] > want[i];
  }
  return true;
}

function pythonMinor(py: string | undefined): string | undefined {
  const m = py ? /^(\d+)\.(\d+)/.exec(py) : null;
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** Identity of an ABI: `abi:<abi_version>` or `py<maj.min>+em<emscripten>`. */
function abiKey(p: ProfileInput): string | undefined {
  if (p.abiVersion) return `abi:${p.abiVersion}`;
  const minor = pythonMinor(p.python);
  const em = normalizeEmscripten(p.emscripten);
  return minor && em ? `py${minor}+em${em}` : undefined;
}

interface AbiGroup {
  key: string;
  /** Earliest release date of a member. */
  date?: string;
  pyMinor?: string;
  emscripten?: string;
  /** For real ABIs: year and patch from abi_version. */
  real?: { year: number; patch: number };
}

function groupAbis(profiles: ProfileInput[]): Map<string, AbiGroup> {
  const groups = new Map<string, AbiGroup>();
  for (const p of profiles) {
    const key = abiKey(p);
    if (!key) continue;
    let g = groups.get(key);
    if (!g) {
      const m = p.abiVersion ? ABI_RE.exec(p.abiVersion) : null;
      g = { key, real: m ? { year: Number(m[1]), patch: Number(m[2]) } : undefined };
      groups.set(key, g);
    }
    if (p.releaseDate && DATE_RE.test(p.releaseDate) && (!g.date || p.releaseDate < g.date)) {
      g.date = p.releaseDate;
    }
    g.pyMinor ??= pythonMinor(p.python);
    g.emscripten ??= normalizeEmscripten(p.emscripten);
  }
  return groups;
}

/** Release order of ABIs: by first release date; undated ones last, by what they are made of. */
function byDateThenKey(a: AbiGroup, b: AbiGroup): number {
  const da = a.date ?? "9999-99-99";
  const db = b.date ?? "9999-99-99";
  if (da !== db) return da < db ? -1 : 1;
  const ra = a.real ? [a.real.year, a.real.patch] : [Infinity, 0];
  const rb = b.real ? [b.real.year, b.real.patch] : [Infinity, 0];
  if (ra[0] !== rb[0]) return ra[0] - rb[0];
  if (ra[1] !== rb[1]) return ra[1] - rb[1];
  const c = compareVersions(a.pyMinor ?? "", b.pyMinor ?? "") ||
    compareVersions(a.emscripten ?? "", b.emscripten ?? "");
  return c || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Derive year, patch and pypatch for `self` given the catalogue (see the module docs). */
function deriveOrdinals(
  self: ProfileInput,
  catalogue: ProfileInput[],
): {
  abiYear?: number;
  abiPatch?: number;
  pyPatch?: number;
  notes: Record<string, string>;
  derived: string[];
} {
  const notes: Record<string, string> = {};
  const derived: string[] = [];
  const key = abiKey(self);
  const groups = groupAbis([...catalogue, self]);
  const own = key ? groups.get(key) : undefined;
  let abiYear: number | undefined;
  let abiPatch: number | undefined;
  if (own?.real) {
    abiYear = own.real.year;
    abiPatch = own.real.patch;
  } else if (own?.date) {
    abiYear = Number(own.date.slice(0, 4));
    const year = abiYear;
    const used = new Set(
      [...groups.values()].filter((g) => g.real?.year === year).map((g) => g.real!.patch),
    );
    const sameYear = [...groups.values()]
      .filter((g) => !g.real && g.date?.startsWith(`${year}-`))
      .sort(byDateThenKey);
    let next = 0;
    for (const g of sameYear) {
      while (used.has(next)) next++;
      if (g.key === own.key) {
        abiPatch = next;
        break;
      }
      next++;
    }
    derived.push("abiYear", "abiPatch");
    notes.abiYear = `derived: year of the earliest release (${own.date}) of ABI ${own.key}`;
    notes.abiPatch = `derived: ordinal ${abiPatch} of ABI ${own.key} among the ${year} ABIs ` +
      `without abi_version, in release order` +
      (used.size
        ? `, skipping patches used by abi_version in ${year}: ${[...used].join(", ")}`
        : "");
  } else if (own) {
    notes.abiYear = `unknown: no release date for ABI ${own.key}`;
  }
  let pyPatch: number | undefined;
  if (own?.pyMinor) {
    const same = [...groups.values()].filter((g) => g.pyMinor === own.pyMinor).sort(
      byDateThenKey,
    );
    pyPatch = same.findIndex((g) => g.key === own.key);
    derived.push("pyPatch");
    notes.pyPatch = `derived: ordinal ${pyPatch} of ABI ${own.key} among the ${same.length} ` +
      `known ABI(s) of Python ${own.pyMinor}, in release order`;
  }
  return { abiYear, abiPatch, pyPatch, notes, derived };
}

/**
 * Build a profile from known facts; flags not given are inferred from the Emscripten version
 * (and listed in `inferred`), and year/patch/pypatch are derived as the module docs say.
 *
 * @example
 * ```ts
 * const p = buildProfile({ pyodideVersion: "0.27.7", releaseDate: "2025-06-09",
 *   python: "3.12.7", emscripten: "emscripten_3_1_58", abiVersion: "2024_0" });
 * p.emscripten; // "3.1.58"
 * p.abiYear; // 2024
 * p.flags.exceptions; // "js" (inferred from Emscripten < 4)
 * ```
 */
export function buildProfile(input: ProfileInput, options: ProfileOptions = {}): PlatformProfile {
  const emscripten = normalizeEmscripten(input.emscripten);
  const inferred: string[] = [];
  const notes: Record<string, string> = { ...options.notes };
  const given = input.flags ?? {};
  const em = emscripten ?? "unknown";

  const pick = <K extends keyof AbiFlags>(
    name: K,
    value: AbiFlags[K],
    why: string,
  ): AbiFlags[K] => {
    if (given[name] !== undefined) return given[name] as AbiFlags[K];
    inferred.push(`flags.${name}`);
    notes[`flags.${name}`] = why;
    return value;
  };
  // Why these inferences: Pyodide switched to wasm EH/SjLj with Emscripten 4.0.9 (0.28), the
  // setjmp runtime to __wasm_setjmp with 3.1.57, and has built with WASM_BIGINT since 0.21
  // (Emscripten 3.x); it never used pthreads, simd or memory64 (abi-history §2, §2.2).
  const em4 = emscriptenAtLeast(emscripten, [4, 0, 0]);
  const flags: AbiFlags = {
    exceptions: pick(
      "exceptions",
      emscripten ? (em4 ? "wasm" : "js") : "none",
      emscripten
        ? `inferred from Emscripten ${em}: Pyodide uses wasm exceptions from Emscripten 4, JS before`
        : "unknown Emscripten version: assumed none",
    ),
    setjmp: pick(
      "setjmp",
      !emscripten
        ? "none"
        : em4
        ? "wasm-tag"
        : emscriptenAtLeast(emscripten, [3, 1, 57])
        ? "wasm-sjlj"
        : "emscripten-js",
      `inferred from Emscripten ${em}: wasm-tag from 4.0, __wasm_setjmp from 3.1.57, saveSetjmp before`,
    ),
    bigint: pick(
      "bigint",
      emscriptenAtLeast(emscripten, [3, 0, 0]),
      `inferred from Emscripten ${em}: Pyodide links with WASM_BIGINT from Emscripten 3 (0.21) on`,
    ),
    threads: pick("threads", false, "inferred: Pyodide never supports pthreads"),
    simd: pick("simd", false, "inferred: simd is not part of any Pyodide platform"),
    memory64: pick("memory64", input.arch === "wasm64", "inferred from arch"),
  };
  const arch = input.arch ?? (flags.memory64 ? "wasm64" : "wasm32");
  if (!input.arch) {
    inferred.push("arch");
    notes.arch ??= `inferred: ${arch}`;
  }
  const self: ProfileInput = { ...input, emscripten };
  const ord = deriveOrdinals(
    self,
    (options.catalogue ?? []).map((c) => ({ ...c, emscripten: normalizeEmscripten(c.emscripten) })),
  );
  inferred.push(...ord.derived);
  const profile: PlatformProfile = {
    arch,
    flags,
    inferred,
    notes: { ...notes, ...ord.notes },
  };
  if (input.pyodideVersion) profile.pyodideVersion = input.pyodideVersion;
  if (input.releaseDate) profile.releaseDate = input.releaseDate;
  if (input.python) profile.python = input.python;
  if (emscripten) profile.emscripten = emscripten;
  if (input.abiVersion) profile.abiVersion = input.abiVersion;
  if (ord.abiYear !== undefined) profile.abiYear = ord.abiYear;
  if (ord.abiPatch !== undefined) profile.abiPatch = ord.abiPatch;
  if (ord.pyPatch !== undefined) profile.pyPatch = ord.pyPatch;
  return profile;
}

/** The parts of RuntimeFacts that say something about ABI flags. */
export type RuntimeFlagFacts = Partial<Pick<RuntimeFacts, "functions" | "tags" | "memory">> & {
  loader?: Pick<LoaderCapabilities, "exceptions">;
};

function usesType(types: FuncType[], t: string): boolean {
  return types.some((f) => f.params.includes(t) || f.results.includes(t));
}

/** ABI flags read from a runtime's main-module facts (only the fields the facts decide). */
function flagsFromRuntimeFacts(
  facts: RuntimeFlagFacts,
): { flags: Partial<AbiFlags>; notes: Record<string, string> } {
  const flags: Partial<AbiFlags> = {};
  const notes: Record<string, string> = {};
  if (facts.loader) {
    flags.exceptions = facts.loader.exceptions === "wasm" ? "wasm" : "js";
    notes["flags.exceptions"] = `from the glue's loader: ${facts.loader.exceptions}`;
  }
  if (facts.functions || facts.tags) {
    const names = new Set((facts.functions ?? []).map((f) => f.name));
    const tags = new Set((facts.tags ?? []).map((t) => t.name));
    flags.setjmp = tags.has("__c_longjmp")
      ? "wasm-tag"
      : names.has("__wasm_setjmp")
      ? "wasm-sjlj"
      : names.has("saveSetjmp")
      ? "emscripten-js"
      : "none";
    notes["flags.setjmp"] =
      "from main module: tag __c_longjmp, else export __wasm_setjmp, else saveSetjmp";
  }
  if (facts.functions) {
    const types = facts.functions.map((f) => f.type);
    // Same rule as side modules: a main module built without WASM_BIGINT also exports `orig$`
    // i64 originals next to its legalized exports, so "some i64 export" alone is not BigInt.
    const i64 = deriveI64Interface({
      exports: facts.functions.map((f) => ({ name: f.name, kind: "func", func: f.type })),
    });
    flags.bigint = i64.i64Interface === "bigint";
    flags.simd = usesType(types, "v128");
    notes["flags.bigint"] = `from main module exports: i64 ${i64.i64Interface} (${i64.evidence})`;
    notes["flags.simd"] = "from main module: an exported function has v128 in its type";
  }
  if (facts.memory) {
    flags.threads = facts.memory.shared;
    flags.memory64 = facts.memory.is64;
    notes["flags.threads"] = "from main module memory: shared";
    notes["flags.memory64"] = "from main module memory: 64-bit";
  }
  return { flags, notes };
}

/**
 * Profile of a catalogue runtime. Flags come from its facts (loader, main module) when given,
 * else they are inferred from its Emscripten version and listed in `inferred`.
 *
 * @example
 * ```ts
 * const p = profileFromRuntime(entry, { loader: { exceptions: "js" }, catalogue: allEntries });
 * p.flags.exceptions; // "js", not inferred
 * ```
 */
export function profileFromRuntime(
  entry: RuntimeEntry,
  options: {
    facts?: RuntimeFlagFacts;
    loader?: Pick<LoaderCapabilities, "exceptions">;
    catalogue?: RuntimeEntry[];
  } = {},
): PlatformProfile {
  const facts: RuntimeFlagFacts = { ...options.facts };
  if (options.loader) facts.loader = options.loader;
  const read = flagsFromRuntimeFacts(facts);
  return buildProfile(
    {
      pyodideVersion: entry.version,
      releaseDate: entry.releaseDate,
      python: entry.python,
      emscripten: entry.emscripten,
      abiVersion: entry.abiVersion,
      arch: read.flags.memory64 ? "wasm64" : "wasm32",
      flags: read.flags,
    },
    {
      notes: read.notes,
      catalogue: (options.catalogue ?? []).filter((c) => c.version !== entry.version).map((c) => ({
        pyodideVersion: c.version,
        releaseDate: c.releaseDate,
        python: c.python,
        emscripten: c.emscripten,
        abiVersion: c.abiVersion,
      })),
    },
  );
}

/**
 * Flag bits (FLAG_BITS) that a wheel's side modules require, the union over all modules.
 *
 * @example
 * ```ts
 * requiredFlagBits([{ exceptions: "wasm", setjmp: "none", i64Interface: "bigint", bigint: true,
 *   threads: false, simd128: false, memory64: false, tailCall: false, needsDataRelocs: true,
 *   needed: [], evidence: {} }]); // 0x5
 * ```
 */
export function requiredFlagBits(features: AbiFeatures[]): number {
  let bits = 0;
  for (const f of features) {
    bits |= flagBits({
      exceptions: f.exceptions,
      setjmp: f.setjmp,
      bigint: f.bigint,
      threads: f.threads,
      simd: f.simd128,
      memory64: f.memory64,
    });
  }
  return bits;
}

const PLATFORM_ABI_RE = /^(?:pyemscripten|pyodide)_(\d{4})_(\d+)_(wasm32|wasm64)$/;
const PLATFORM_EM_RE = /^emscripten_(\d+)_(\d+)_(\d+)_(wasm32|wasm64)$/;
const CP_RE = /^cp(\d)(\d+)$/;

/**
 * Infer the build profile of a wheel outside the catalogue from its tags (`interp-abi-platform`
 * triples or bare platform tags) and its side-module features. When a catalogue profile has
 * the same `abi_version` (or the same Emscripten version and Python minor), the earliest such
 * profile supplies the environment. Every field set is listed in `inferred`, with a note.
 *
 * @example
 * ```ts
 * const p = inferWheelProfile({ tags: ["cp312-cp312-pyodide_2024_0_wasm32"] });
 * p.abiVersion; // "2024_0"
 * p.inferred.includes("abiVersion"); // true
 * ```
 */
export function inferWheelProfile(
  input: { tags: string[]; features?: AbiFeatures[] },
  options: { catalogue?: PlatformProfile[] } = {},
): PlatformProfile {
  let abiVersion: string | undefined;
  let emscripten: string | undefined;
  let arch: "wasm32" | "wasm64" | undefined;
  let python: string | undefined;
  const notes: Record<string, string> = {};
  for (const t of input.tags) {
    const parts = t.split("-");
    const platform = parts[parts.length - 1];
    const a = PLATFORM_ABI_RE.exec(platform);
    const e = PLATFORM_EM_RE.exec(platform);
    if (a && !abiVersion) {
      abiVersion = `${a[1]}_${a[2]}`;
      arch = a[3] as "wasm32" | "wasm64";
      notes.abiVersion = `inferred from platform tag ${platform}`;
    } else if (e && !emscripten) {
      emscripten = `${e[1]}.${e[2]}.${e[3]}`;
      arch = e[4] as "wasm32" | "wasm64";
      notes.emscripten = `inferred from platform tag ${platform}`;
    }
    if (parts.length === 3 && !python) {
      const cp = CP_RE.exec(parts[0]);
      if (cp && parts[1] === parts[0]) {
        python = `${cp[1]}.${cp[2]}`;
        notes.python = `inferred from Python tag ${parts[0]}-${parts[1]}`;
      }
    }
  }
  const features = input.features ?? [];
  if (!python) {
    const v = features.find((f) => f.pythonVersion)?.pythonVersion;
    if (v) {
      python = v;
      notes.python = "inferred from side-module CPython symbols or suffix";
    }
  }
  const candidates = (options.catalogue ?? []).filter((c) =>
    abiVersion
      ? c.abiVersion === abiVersion
      : emscripten !== undefined && c.emscripten === emscripten &&
        (!python || pythonMinor(c.python) === pythonMinor(python))
  ).sort((x, y) =>
    (x.releaseDate ?? "9999") < (y.releaseDate ?? "9999")
      ? -1
      : (x.releaseDate ?? "9999") > (y.releaseDate ?? "9999")
      ? 1
      : compareVersions(x.pyodideVersion ?? "", y.pyodideVersion ?? "")
  );
  const match = candidates[0];
  let profile: PlatformProfile;
  if (match) {
    const why = `inferred: taken from catalogue runtime ${match.pyodideVersion ?? "?"} ` +
      (abiVersion ? `(same abi_version ${abiVersion})` : `(same Emscripten ${emscripten})`);
    profile = { ...structuredClone(match), inferred: [], notes: { ...notes } };
    for (
      const f of ["pyodideVersion", "releaseDate", "emscripten", "abiYear", "abiPatch", "pyPatch"]
    ) {
      if (f in profile) profile.notes[f] ??= why;
    }
    if (python && pythonMinor(python) !== pythonMinor(match.python)) profile.python = python;
    profile.notes.python ??= why;
    for (const f of Object.keys(profile.flags)) profile.notes[`flags.${f}`] = why;
  } else {
    const flags: Partial<AbiFlags> = {};
    if (features.length) {
      flags.exceptions = features.some((f) => f.exceptions === "wasm")
        ? "wasm"
        : features.some((f) => f.exceptions === "js")
        ? "js"
        : "none";
      flags.setjmp = features.map((f) => f.setjmp).find((s) => s !== "none") ?? "none";
      flags.bigint = features.some((f) => f.bigint);
      flags.threads = features.some((f) => f.threads);
      flags.simd = features.some((f) => f.simd128);
      flags.memory64 = features.some((f) => f.memory64);
      for (const f of Object.keys(flags)) {
        notes[`flags.${f}`] = "inferred from side-module features (what the modules use)";
      }
    }
    profile = buildProfile({ abiVersion, emscripten, arch, python, flags }, { notes });
  }
  const inferred = new Set<string>();
  for (
    const f of [
      "pyodideVersion",
      "releaseDate",
      "python",
      "emscripten",
      "abiVersion",
      "abiYear",
      "abiPatch",
      "pyPatch",
    ] as const
  ) {
    if (profile[f] !== undefined) inferred.add(f);
  }
  inferred.add("arch");
  for (const f of Object.keys(profile.flags)) inferred.add(`flags.${f}`);
  profile.inferred = [...inferred];
  profile.notes.arch ??= "inferred from platform tag";
  return profile;
}
