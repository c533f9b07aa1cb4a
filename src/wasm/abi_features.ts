/**
 * ABI features of a module, derived from its facts only (never from file names).
 *
 * How each flavour shows in a side module's imports (abi-history notes §4.2; Emscripten
 * `library_dylink.js`, `library_exceptions.js`):
 * - wasm exceptions: tag `env.__cpp_exception`; wasm setjmp/longjmp: tag `env.__c_longjmp`
 *   (with `__wasm_setjmp`, `__wasm_setjmp_test`, `__wasm_longjmp` from the main module);
 * - JS exceptions: `invoke_<sig>`, `__cxa_find_matching_catch_<N>`, `__resumeException`,
 *   `llvm_eh_typeid_for`;
 * - JS setjmp/longjmp: `invoke_<sig>` plus `saveSetjmp`/`testSetjmp` (Emscripten ≤ 3.1.56) or
 *   `__wasm_setjmp`/`__wasm_setjmp_test` (≥ 3.1.57), and `emscripten_longjmp`.
 *
 * `invoke_*` serves both JS exceptions and JS setjmp, so it counts as JS exceptions only together
 * with a C++ ABI import (`__cxa_throw`, `__cxa_begin_catch`, …) or when no JS setjmp import
 * explains it. `__cxa_throw` alone says nothing: a module that throws but never catches
 * imports it under both schemes.
 *
 * @module
 */
import type {
  AbiFeatures,
  ExternKind,
  FuncType,
  I64Interface,
  ValType,
  WasmModuleFacts,
} from "./types.ts";
import { formatFuncType } from "./func_type.ts";

/** Options of {@linkcode deriveAbiFeatures}. */
export interface DeriveAbiOptions {
  /**
   * CPython tag of the module's file name: `"312"` (from `.cpython-312-wasm32-emscripten.so`),
   * or the whole `cpython-312-…` suffix.
   */
  cpythonSuffix?: string;
}

const JS_EH_ONLY = /^(__cxa_find_matching_catch_\d+|__resumeException|llvm_eh_typeid_for)$/;
const CXA_ABI = /^(__cxa_throw|__cxa_rethrow|__cxa_begin_catch|__cxa_end_catch)$/;
const OLD_JS_SJLJ = new Set(["saveSetjmp", "testSetjmp"]);
const WASM_SJLJ = new Set(["__wasm_setjmp", "__wasm_setjmp_test", "__wasm_longjmp"]);

/**
 * Derives exception handling, setjmp/longjmp flavour, how i64 crosses the JS boundary
 * (`i64Interface`: bigint, legalized or none; `bigint` is true for the first only), threads, SIMD,
 * memory64, tail calls, data relocations, NEEDED libraries and the CPython version, each with the
 * evidence it came from. Never throws.
 *
 * @example
 * ```ts
 * import { deriveAbiFeatures, readWasmModule } from "./mod.ts";
 * const facts = readWasmModule(await Deno.readFile("_cext.cpython-313-wasm32-emscripten.so"));
 * const abi = deriveAbiFeatures(facts, { cpythonSuffix: "313" });
 * console.log(abi.exceptions, abi.evidence.exceptions); // "wasm" "import env.__cpp_exception (tag)"
 * ```
 */
export function deriveAbiFeatures(
  facts: WasmModuleFacts,
  options: DeriveAbiOptions = {},
): AbiFeatures {
  const evidence: Record<string, string> = {};

  // Function imports by name from env (where Emscripten routes every JS-runtime symbol).
  const envFuncs = new Set<string>();
  const envTags: string[] = [];
  const invokes: string[] = [];
  for (const imp of facts.imports) {
    if (imp.module !== "env") continue;
    if (imp.kind === "func") {
      envFuncs.add(imp.name);
      if (imp.name.startsWith("invoke_")) invokes.push(imp.name);
    } else if (imp.kind === "tag") {
      envTags.push(imp.name);
    }
  }
  const tagExports = facts.exports.filter((e) => e.kind === "tag").map((e) => e.name);
  const hasTag = (name: string) => envTags.includes(name) || tagExports.includes(name);

  // setjmp/longjmp
  let setjmp: AbiFeatures["setjmp"] = "none";
  const wasmSjlj = [...WASM_SJLJ].filter((n) => envFuncs.has(n));
  const oldSjlj = [...OLD_JS_SJLJ].filter((n) => envFuncs.has(n));
  const jsLongjmp = envFuncs.has("emscripten_longjmp");
  if (hasTag("__c_longjmp")) {
    setjmp = "wasm-tag";
    evidence.setjmp = `${tagWhere("__c_longjmp", envTags)}${listSuffix("with", wasmSjlj)}`;
  } else if (wasmSjlj.length > 0) {
    setjmp = "wasm-sjlj";
    evidence.setjmp =
      `import ${names(wasmSjlj)} without tag __c_longjmp (JS setjmp, Emscripten ≥ 3.1.57)` +
      (jsLongjmp ? ", with env.emscripten_longjmp" : "");
  } else if (oldSjlj.length > 0 || jsLongjmp) {
    setjmp = "emscripten-js";
    evidence.setjmp = oldSjlj.length > 0
      ? `import ${names(oldSjlj)} (JS setjmp, Emscripten ≤ 3.1.56)` +
        (jsLongjmp ? ", with env.emscripten_longjmp" : "")
      : "import env.emscripten_longjmp only (longjmp without setjmp; either JS setjmp naming)";
  } else {
    evidence.setjmp = "no __c_longjmp tag, no setjmp/longjmp runtime imports";
  }
  const jsSetjmp = setjmp === "wasm-sjlj" || setjmp === "emscripten-js";

  // Exceptions
  let exceptions: AbiFeatures["exceptions"] = "none";
  const otherTags = envTags.filter((n) => n !== "__c_longjmp" && n !== "__cpp_exception");
  const jsOnly = [...envFuncs].filter((n) => JS_EH_ONLY.test(n));
  const cxa = [...envFuncs].filter((n) => CXA_ABI.test(n));
  const jsSignals = jsOnly.length > 0 ||
    (invokes.length > 0 && (cxa.length > 0 || !jsSetjmp));
  if (hasTag("__cpp_exception")) {
    exceptions = "wasm";
    evidence.exceptions = tagWhere("__cpp_exception", envTags);
  } else if (otherTags.length > 0) {
    exceptions = "wasm";
    evidence.exceptions = `import ${otherTags.map((n) => `env.${n}`).join(", ")} (tag)`;
  }
  if (exceptions === "wasm") {
    if (jsSignals) {
      evidence.exceptions += `; also JS exception imports ${
        names(jsOnly.concat(invokes.slice(0, 1)))
      }`;
    }
  } else if (jsSignals) {
    exceptions = "js";
    const parts: string[] = [];
    if (jsOnly.length > 0) parts.push(names(jsOnly));
    if (invokes.length > 0) parts.push(`${invokes.length} invoke_* (e.g. env.${invokes[0]})`);
    if (jsOnly.length === 0 && cxa.length > 0) parts.push(names(cxa));
    evidence.exceptions = `import ${parts.join(", ")}`;
  } else if (cxa.length > 0) {
    evidence.exceptions = `import ${names(cxa)} only: throws but never catches, no flavour needed`;
  } else if (invokes.length > 0) {
    evidence.exceptions =
      `${invokes.length} invoke_* imports serve JS setjmp only, no C++ ABI imports`;
  } else {
    evidence.exceptions = "no exception tags, no invoke_*/__cxa_find_matching_catch_* imports";
  }

  // i64 across the JS boundary (BigInt or legalized): see deriveI64Interface.
  const i64 = deriveI64Interface(facts);
  evidence.i64Interface = i64.evidence;
  // The old key, same text: readers of `evidence.bigint` keep working.
  evidence.bigint = i64.evidence;

  // Target features
  const used = (facts.targetFeatures ?? [])
    .filter((f) => f.prefix === "+" || f.prefix === "=")
    .map((f) => f.name);
  const usedSet = new Set(used);
  const featuresNote = facts.targetFeatures === undefined
    ? "no target_features section"
    : `target_features ${used.length > 0 ? used.map((n) => `+${n}`).join(",") : "(none used)"}`;

  // Threads: the memory's shared flag is what V8 enforces at link time.
  const memories = [
    ...facts.imports.filter((i) => i.memory !== undefined).map((i) => ({
      where: `import ${i.module}.${i.name}`,
      limits: i.memory!,
    })),
    ...facts.memories.map((m, i) => ({ where: `memory ${i}`, limits: m })),
  ];
  const shared = memories.filter((m) => m.limits.shared);
  const threads = shared.length > 0;
  const atomics = usedSet.has("atomics");
  evidence.threads = threads
    ? `${shared[0].where} is shared`
    : memories.length === 0
    ? "no memory"
    : `${memories[0].where} is not shared`;
  evidence.atomics = atomics
    ? `target_features +atomics${threads ? "" : " (without shared memory)"}`
    : featuresNote;

  // SIMD
  const v128 = findV128(facts);
  const simd128 = usedSet.has("simd128") || v128 !== undefined;
  evidence.simd128 = usedSet.has("simd128")
    ? `target_features +simd128${v128 !== undefined ? `; ${v128}` : ""}`
    : v128 ?? `${featuresNote}; no v128 in types`;

  // memory64
  const mem64 = memories.find((m) => m.limits.is64);
  const memory64 = mem64 !== undefined || usedSet.has("memory64");
  evidence.memory64 = mem64 !== undefined
    ? `${mem64.where} has 64-bit limits`
    : usedSet.has("memory64")
    ? "target_features +memory64"
    : `no 64-bit memory; ${featuresNote}`;

  const tailCall = usedSet.has("tail-call");
  evidence.tailCall = tailCall ? "target_features +tail-call" : featuresNote;

  const relocs = facts.exports.find((e) => e.name === "__wasm_apply_data_relocs");
  const needsDataRelocs = relocs !== undefined && relocs.kind === "func";
  evidence.needsDataRelocs = needsDataRelocs
    ? "export __wasm_apply_data_relocs"
    : "no __wasm_apply_data_relocs export";

  const needed = facts.dylink ? [...facts.dylink.needed] : [];
  evidence.needed = facts.dylink === undefined
    ? "no dylink section"
    : `${facts.dylink.format} NEEDED: ${needed.length > 0 ? needed.join(", ") : "(none)"}`;

  const features: AbiFeatures = {
    exceptions,
    setjmp,
    i64Interface: i64.i64Interface,
    bigint: i64.i64Interface === "bigint",
    threads,
    atomics,
    simd128,
    memory64,
    tailCall,
    needsDataRelocs,
    needed,
    featuresUsed: used,
    evidence,
  };
  const suffix = options.cpythonSuffix;
  const m = suffix === undefined ? null : /^(?:cpython-)?(\d)(\d{1,2})(?:-.*)?$/.exec(suffix);
  if (m !== null) {
    features.pythonVersion = `${m[1]}.${Number(m[2])}`;
    evidence.pythonVersion = `file name suffix cpython-${m[1]}${m[2]}`;
  } else {
    evidence.pythonVersion = suffix === undefined
      ? "no cpython suffix given"
      : `unrecognised cpython suffix ${JSON.stringify(suffix)}`;
  }
  return features;
}

/** What {@linkcode deriveI64Interface} reads: imports and exports with their wasm types. */
export interface I64InterfaceInput {
  imports?: readonly { module: string; name: string; kind: ExternKind; func?: FuncType }[];
  exports?: readonly { name: string; kind: ExternKind; func?: FuncType }[];
}

/** The i64 interface of a module and the import or export that decided it. */
export interface I64InterfaceResult {
  i64Interface: I64Interface;
  evidence: string;
}

/**
 * Functions whose C type has a 64-bit integer whatever the Emscripten version, with their
 * unlegalized wasm32 type. `time`, `clock_gettime`, `off_t` users with 32-bit variants and the
 * like are left out: their width changed between versions, so a narrow type proves nothing.
 */
const KNOWN_I64: Record<string, string> = {
  PyLong_FromLongLong: "j>i",
  PyLong_FromUnsignedLongLong: "j>i",
  PyLong_AsLongLong: "i>j",
  PyLong_AsUnsignedLongLong: "i>j",
  PyLong_AsUnsignedLongLongMask: "i>j",
  PyLong_AsLongLongAndOverflow: "ii>j",
  strtoll: "iii>j",
  strtoull: "iii>j",
  atoll: "i>j",
  llabs: "j>j",
  lseek: "iji>j",
  fd_seek: "ijii>i",
  __syscall_ftruncate64: "ij>i",
  __multi3: "ijjjj>",
  __divti3: "ijjjj>",
  __udivti3: "ijjjj>",
  __modti3: "ijjjj>",
  __umodti3: "ijjjj>",
  __ashlti3: "ijji>",
  __lshrti3: "ijji>",
  __ashrti3: "ijji>",
};

// Binaryen's LegalizeJSInterface names: stubs around legalized exports and imports, and the
// `orig$` exports that keep the i64 originals for dynamic linking (library_dylink.js looks them up
// only `#if !WASM_BIGINT`).
const LEGALIZER_NAME = /^(legalstub|legalfunc|legalimport|orig)\$/;
// No `p`: a pointer is i64 on wasm64, so a `p` signature says nothing about legalization.
const SIG_CALL = /^(invoke|dynCall)_([vijfd]+)$/;
const SIG_LETTER: Record<string, ValType> = { i: "i32", j: "i64", f: "f32", d: "f64" };

/**
 * Decides how a module passes i64 across the JS boundary, from its imports and exports only.
 *
 * `"legalized"` when some import or export shows the legalization, the first of them as
 * evidence:
 * 1. a `legalstub$`/`legalfunc$`/`legalimport$`/`orig$` name;
 * 2. an env `invoke_<sig>` import or a `dynCall_<sig>` with `j` in `<sig>`, typed as the split
 *    form of the signature (the letters say what the unsplit type is);
 * 3. an env import of a function known to take or return a 64-bit integer, typed as the split
 *    form (e.g. `PyLong_FromLongLong (i32, i32) -> i32` for `(i64) -> i32`).
 *
 * Else `"bigint"` when an env function import or a function export has i64 (the first is the
 * evidence), else `"none"`. Legalized wins over i64: a legalized side module still imports
 * wasm functions with i64 (the loader resolves them to the main module's `orig$` exports).
 * `getTempRet0`/`setTempRet0` imports do not decide: JS exceptions and JS setjmp use them in
 * BigInt builds too. `target_features` has no BigInt feature, so it cannot decide either.
 *
 * @example
 * ```ts
 * import { deriveI64Interface } from "./mod.ts";
 * const fn = (params: string[], results: string[]) => ({ params, results });
 * deriveI64Interface({
 *   imports: [{ module: "env", name: "PyLong_FromLongLong", kind: "func", func: fn(["i32", "i32"], ["i32"]) }],
 * }); // { i64Interface: "legalized", evidence: "import env.PyLong_FromLongLong (i32, i32) -> i32 is (i64) -> i32 split into i32 pairs" }
 * ```
 */
export function deriveI64Interface(input: I64InterfaceInput): I64InterfaceResult {
  // Function imports and exports; `js` marks those JS can call or supply (env imports, exports):
  // GOT globals and other import modules never carry i64 through JS. One pass, and the text of
  // an entry is made only for the entries the evidence names: a module has thousands.
  const imports = input.imports ?? [];
  const exports = input.exports ?? [];
  const count = imports.length + exports.length;
  const where = (k: number) =>
    k < imports.length
      ? `import ${imports[k].module}.${imports[k].name}`
      : `export ${exports[k - imports.length].name}`;
  let legalized: string | undefined;
  let firstWide = -1;
  let wideCount = 0;
  let tempRet: number[] | undefined;
  for (let k = 0; k < count; k++) {
    const isImport = k < imports.length;
    const c = isImport ? imports[k] : exports[k - imports.length];
    const func = c.func;
    if (c.kind !== "func" || func === undefined) continue;
    const js = !isImport || imports[k].module === "env";
    if (legalized === undefined) {
      if (LEGALIZER_NAME.test(c.name)) {
        legalized = `${where(k)} ${formatFuncType(func)}: an i64 legalization name`;
      } else if (js) {
        const sig = SIG_CALL.exec(c.name);
        const real = sig !== null
          ? (sig[2].includes("j") ? typeOfSig(sig[2]) : undefined)
          : isImport && Object.hasOwn(KNOWN_I64, c.name)
          ? typeOfKnown(KNOWN_I64[c.name])
          : undefined;
        if (real !== undefined && sameType(func, legalize(real))) {
          legalized = `${where(k)} ${formatFuncType(func)} is ${
            formatFuncType(real)
          } split into i32 pairs`;
        }
      }
    }
    if (!js) continue;
    if (hasI64(func)) {
      if (firstWide < 0) firstWide = k;
      wideCount++;
    } else if (c.name === "getTempRet0" || c.name === "setTempRet0") {
      (tempRet ??= []).push(k);
    }
  }

  const first = firstWide >= 0
    ? `${where(firstWide)} ${formatFuncType(funcAt(imports, exports, firstWide))}${
      wideCount > 1 ? ` (+${wideCount - 1} more with i64)` : ""
    }`
    : "";
  if (legalized !== undefined) {
    return {
      i64Interface: "legalized",
      evidence: legalized + (first ? `; also i64 in ${first}` : ""),
    };
  }
  if (first) return { i64Interface: "bigint", evidence: first };
  return {
    i64Interface: "none",
    evidence: "no i64 in env function imports or function exports" +
      (tempRet !== undefined
        ? `; ${
          tempRet.map(where).join(", ")
        } only: JS exceptions and setjmp import it with BigInt too`
        : ""),
  };
}

function funcAt(
  imports: I64InterfaceInput["imports"] & object,
  exports: I64InterfaceInput["exports"] & object,
  k: number,
): FuncType {
  return (k < imports.length ? imports[k].func : exports[k - imports.length].func)!;
}

/** Unlegalized type of an `invoke_`/`dynCall_` signature: leading i32 callee, then the letters. */
function typeOfSig(sig: string): FuncType | undefined {
  const vals = [...sig].map((ch) => ch === "v" ? undefined : SIG_LETTER[ch]);
  if (sig.slice(1).includes("v")) return undefined;
  return {
    params: ["i32", ...vals.slice(1) as ValType[]],
    results: vals[0] === undefined ? [] : [vals[0]],
  };
}

/** `"ij>i"` → `(i32, i64) -> i32`. */
function typeOfKnown(spec: string): FuncType {
  const [p, r] = spec.split(">");
  return {
    params: [...p].map((ch) => SIG_LETTER[ch]),
    results: [...r].map((ch) => SIG_LETTER[ch]),
  };
}

/** Binaryen's legalized form: each i64 parameter becomes (low, high) i32, an i64 result an i32. */
function legalize(t: FuncType): FuncType {
  return {
    params: t.params.flatMap((v) => v === "i64" ? ["i32", "i32"] : [v]),
    results: t.results.map((v) => v === "i64" ? "i32" : v),
  };
}

function sameType(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length &&
    a.params.every((v, i) => v === b.params[i]) && a.results.every((v, i) => v === b.results[i]);
}

function hasI64(t: FuncType): boolean {
  return t.params.includes("i64") || t.results.includes("i64");
}

function findV128(facts: WasmModuleFacts): string | undefined {
  const i = facts.types.findIndex((t) => t.params.includes("v128") || t.results.includes("v128"));
  if (i >= 0) return `type ${i} ${formatFuncType(facts.types[i])} uses v128`;
  const g = facts.imports.find((x) => x.global?.type === "v128");
  if (g !== undefined) return `import ${g.module}.${g.name} is a v128 global`;
  const d = facts.globals.find((x) => x.type.type === "v128");
  if (d !== undefined) return `global ${d.index} is v128`;
  return undefined;
}

function tagWhere(name: string, envTags: readonly string[]): string {
  return envTags.includes(name) ? `import env.${name} (tag)` : `export ${name} (tag)`;
}

function names(list: readonly string[]): string {
  return list.map((n) => `env.${n}`).join(", ");
}

function listSuffix(word: string, list: readonly string[]): string {
  return list.length > 0 ? ` ${word} ${names(list)}` : "";
}
