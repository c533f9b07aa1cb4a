/**
 * Fuzz cases: from (run seed, case id) to one input for one reader, and the reader's outcome
 * classified as facts, a typed error, or anything else (a finding). Pure: no file system here, so
 * workers run it without permissions.
 *
 * @module
 */
import {
  deriveAbiFeatures,
  formatFuncType,
  readWasmModule,
  WasmFormatError,
} from "../../src/wasm/mod.ts";
import {
  createInflateBudget,
  inflateMember,
  InvalidWheelFilename,
  parseWheelFilename,
  readMemberPrefix,
  readWheel,
  readWheelSync,
  readZipDirectory,
  ZipFormatError,
} from "../../src/wheel/mod.ts";
import { readGlue } from "../../src/runtime/read_glue.ts";
import { RuntimeFormatError } from "../../src/runtime/errors.ts";
import { readLinkInput } from "../../src/link/read_link_input.ts";
import { caseSeed, Rng } from "./bytes.ts";
import { generateWasmSeeds, mutateWasm } from "./wasm.ts";
import {
  type Bombs,
  generateLargeZipSeeds,
  generateZipSeeds,
  makeBombs,
  modelZip,
  mutateZip,
  type ZipModel,
} from "./zip.ts";
import {
  GENERATED_FILENAMES,
  type GlueSeed,
  indexImportTable,
  mutateFilename,
  mutateGlue,
} from "./text.ts";

/** The readers under test. `wheel-async` is `readWheel`, `wheel` is `readWheelSync`. */
export const TARGETS = [
  "wasm",
  "zip",
  "wheel",
  "wheel-async",
  "link-input",
  "filename",
  "glue",
] as const;
export type Target = typeof TARGETS[number];

/** Relative weight of each target in a run (glue is slow: ~100 ms per case). */
export const TARGET_WEIGHTS: Readonly<Record<Target, number>> = {
  wasm: 34,
  zip: 20,
  wheel: 22,
  "wheel-async": 6,
  "link-input": 6,
  filename: 11.5,
  glue: 0.5,
};

/** Seed inputs as loaded by the main thread (structured-cloneable). */
export interface SeedSet {
  wasm: { name: string; bytes: Uint8Array }[];
  archives: { name: string; bytes: Uint8Array }[];
  filenames: string[];
  glue: { name: string; text: string }[];
}

/** Seeds ready for mutation: archive models parsed, bomb payloads built, generated seeds added. */
export interface Prepared {
  wasm: { name: string; bytes: Uint8Array }[];
  wasmBytes: Uint8Array[];
  archives: { name: string; bytes: Uint8Array; model?: ZipModel; weight: number }[];
  archiveWeights: (readonly [Prepared["archives"][number], number])[];
  filenames: string[];
  glue: GlueSeed[];
  bombs: Bombs;
  targets: [Target, number][];
}

/** Adds the generated seeds to the loaded ones and parses what mutations need. */
export function prepareSeeds(seeds: SeedSet, targets: readonly Target[] = TARGETS): Prepared {
  const wasm = [...generateWasmSeeds(), ...seeds.wasm];
  const archives: Prepared["archives"] = [...generateZipSeeds(), ...seeds.archives].map((a) => {
    const model = modelZip(a.bytes);
    return model === undefined ? { ...a, weight: 1 } : { ...a, model, weight: 1 };
  });
  // Rare: each such case reads 70,000+ entries.
  for (const a of generateLargeZipSeeds()) archives.push({ ...a, weight: 0.02 });
  const archiveWeights = archives.map((a) => [a, a.weight] as const);
  const glue = seeds.glue.map((g) => ({ ...g, tableIndex: indexImportTable(g.text) }));
  const enabled = targets.filter((t) => t !== "glue" || glue.length > 0);
  return {
    wasm,
    wasmBytes: wasm.map((w) => w.bytes),
    archives,
    archiveWeights,
    filenames: [...GENERATED_FILENAMES, ...seeds.filenames],
    glue,
    bombs: makeBombs(),
    targets: enabled.map((t) => [t, TARGET_WEIGHTS[t]]),
  };
}

/** One generated input. */
export interface FuzzCase {
  id: number;
  target: Target;
  /** Name passed to the reader as `file` (for `filename`: the tested string itself). */
  file: string;
  bytes?: Uint8Array;
  text?: string;
  /** `deriveAbiFeatures` option for `wasm` cases. */
  cpythonSuffix?: string;
  /** What was done to the seed, in order. */
  ops: string[];
  /** The seed it came from. */
  seedName: string;
}

/**
 * Builds case `id` of the run with seed `seed`: deterministic in (seed, id).
 *
 * @example
 * ```ts ignore
 * const prepared = prepareSeeds({ wasm: [], archives: [], filenames: [], glue: [] });
 * const c = makeCase(prepared, 1, 42);
 * console.log(c.target, c.ops, await runCase(c));
 * ```
 */
export function makeCase(p: Prepared, seed: number, id: number): FuzzCase {
  const rng = new Rng(caseSeed(seed, id));
  const target = rng.weighted(p.targets);
  const ops: string[] = [];
  switch (target) {
    case "wasm": {
      const s = rng.pick(p.wasm);
      const bytes = mutateWasm(s.bytes, rng, p.wasmBytes, ops);
      const suffixes = [
        "312",
        "cpython-313-wasm32-emscripten",
        "",
        "3",
        "cpython-",
        "99999",
        undefined,
      ];
      const cpythonSuffix = rng.pick(suffixes);
      const c: FuzzCase = { id, target, file: s.name, bytes, ops, seedName: s.name };
      if (cpythonSuffix !== undefined) c.cpythonSuffix = cpythonSuffix;
      return c;
    }
    case "zip":
    case "wheel":
    case "wheel-async":
    case "link-input": {
      const s = rng.weighted(p.archiveWeights);
      const bytes = mutateZip(s, rng, { wasm: p.wasmBytes, bombs: p.bombs }, ops);
      let file = s.name;
      if (target !== "zip" && rng.chance(0.1)) {
        file = mutateFilename(file, rng, ops);
      } else if (target !== "zip" && rng.chance(0.05)) {
        file = file.endsWith(".whl") ? file.replace(/\.whl$/, ".zip") : `${file}.whl`;
        ops.push("swap extension");
      }
      return { id, target, file, bytes, ops, seedName: s.name };
    }
    case "filename": {
      const s = rng.pick(p.filenames);
      const text = mutateFilename(s, rng, ops);
      return { id, target, file: text, text, ops, seedName: s };
    }
    case "glue": {
      const s = rng.pick(p.glue);
      return { id, target, file: s.name, text: mutateGlue(s, rng, ops), ops, seedName: s.name };
    }
  }
}

/** How a case ended. */
export type Outcome =
  | { kind: "facts" }
  | { kind: "typed"; errorClass: string; reason: string }
  | { kind: "other"; errorClass: string; message: string; stack: string };

const TYPED_CLASSES: readonly (abstract new (...args: never[]) => SyntaxError)[] = [
  WasmFormatError,
  ZipFormatError,
  InvalidWheelFilename,
  RuntimeFormatError,
];

function isOffset(v: unknown, max: number): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max;
}

/**
 * Why a typed error breaks its contract (issue 3: typed errors carry file, member and absolute
 * byte offset), or `undefined` when it keeps it.
 */
function locatorProblem(e: SyntaxError, c: FuzzCase): string | undefined {
  const size = c.bytes?.length ?? 0;
  if (e instanceof WasmFormatError) {
    if (c.target === "wasm") {
      if (!isOffset(e.offset, size)) return `offset ${e.offset} outside the module (${size} bytes)`;
      if (e.file !== c.file) {
        return `file ${JSON.stringify(e.file)}, expected ${JSON.stringify(c.file)}`;
      }
    } else {
      if (!isOffset(e.offset, Number.MAX_SAFE_INTEGER)) {
        return `offset ${e.offset} is not a byte offset`;
      }
      if (e.member === undefined) return "a wasm error inside an archive without its member";
    }
  } else if (e instanceof ZipFormatError) {
    if (!isOffset(e.offset, size)) return `offset ${e.offset} outside the archive (${size} bytes)`;
    if (e.file !== c.file) {
      return `file ${JSON.stringify(e.file)}, expected ${JSON.stringify(c.file)}`;
    }
  } else if (e instanceof InvalidWheelFilename) {
    // Over-long names are kept shortened (`…`) so messages stay readable.
    const shown = e.filename.endsWith("…") ? e.filename.slice(0, -1) : e.filename;
    if (c.target === "filename" && !c.text!.startsWith(shown)) {
      return "filename differs from the input";
    }
  }
  return undefined;
}

/** Classifies what a reader threw. */
export function classifyError(e: unknown, c: FuzzCase): Outcome {
  if (e instanceof SyntaxError && TYPED_CLASSES.some((k) => e instanceof k)) {
    const problem = locatorProblem(e, c);
    if (problem === undefined) {
      const reason = (e as { reason?: unknown }).reason;
      return {
        kind: "typed",
        errorClass: e.name,
        reason: typeof reason === "string" ? reason : e.message,
      };
    }
    return {
      kind: "other",
      errorClass: `${e.name} (bad locator)`,
      message: `${problem}: ${e.message}`,
      stack: e.stack ?? "",
    };
  }
  const err = e instanceof Error ? e : undefined;
  return {
    kind: "other",
    errorClass: err?.constructor?.name ?? typeof e,
    message: err?.message ?? String(e),
    stack: err?.stack ?? "",
  };
}

const FACTS: Outcome = { kind: "facts" };

function runZip(c: FuzzCase): Outcome {
  const bytes = c.bytes!;
  const dir = readZipDirectory(bytes, { file: c.file });
  const budget = createInflateBudget();
  let typed: Outcome | undefined;
  // Every member is tried, so one bad member does not hide the others.
  for (const entry of dir.entries) {
    if (entry.isDirectory) continue;
    try {
      readMemberPrefix(bytes, entry, 4, { file: c.file, budget });
      inflateMember(bytes, entry, { file: c.file, budget });
    } catch (e) {
      const out = classifyError(e, c);
      if (out.kind === "other") return out;
      typed ??= out;
    }
  }
  return typed ?? FACTS;
}

function runWasm(c: FuzzCase): Outcome {
  const facts = readWasmModule(c.bytes!, { file: c.file });
  deriveAbiFeatures(facts, c.cpythonSuffix === undefined ? {} : { cpythonSuffix: c.cpythonSuffix });
  for (const imp of facts.imports) if (imp.func !== undefined) formatFuncType(imp.func);
  for (const exp of facts.exports) if (exp.func !== undefined) formatFuncType(exp.func);
  return FACTS;
}

/**
 * Runs one case against its reader; never throws.
 *
 * @example
 * ```ts ignore
 * const out = await runCase(makeCase(prepared, 1, 42));
 * if (out.kind === "other") console.log(out.errorClass, out.message);
 * ```
 */
export function runCase(c: FuzzCase): Outcome | Promise<Outcome> {
  try {
    switch (c.target) {
      case "wasm":
        return runWasm(c);
      case "zip":
        return runZip(c);
      case "wheel":
        readWheelSync(c.bytes!, { file: c.file });
        return FACTS;
      case "wheel-async":
        return readWheel(c.bytes!, { file: c.file }).then(() => FACTS, (e) => classifyError(e, c));
      case "link-input":
        return readLinkInput(c.bytes!, { file: c.file }).then(
          () => FACTS,
          (e) => classifyError(e, c),
        );
      case "filename":
        parseWheelFilename(c.text!);
        return FACTS;
      case "glue":
        readGlue(c.text!, { file: c.file });
        return FACTS;
    }
  } catch (e) {
    return classifyError(e, c);
  }
}

/** A reason with numbers and quoted strings blanked, to count distinct kinds of typed errors. */
export function reasonShape(reason: string): string {
  return reason.replace(/"(?:[^"\\]|\\.)*"/g, "S").replace(/0x[0-9a-f]+|\d+/gi, "N").slice(0, 160);
}

/** Same finding: same error class and message shape. */
function sameFailure(a: Outcome, b: Outcome): boolean {
  return a.kind === "other" && b.kind === "other" && a.errorClass === b.errorClass &&
    reasonShape(a.message) === reasonShape(b.message);
}

/** Limits of {@link minimizeCase}. */
export interface MinimizeLimits {
  maxAttempts: number;
  maxMillis: number;
  /** Called before each attempt (the worker's heartbeat, so the watchdog sees progress). */
  onAttempt?: () => void;
}

/**
 * Shrinks a failing case's input (bytes or text) by removing chunks, halving the chunk size when
 * nothing more can go, while the same failure (class and message shape) persists.
 */
export async function minimizeCase(
  c: FuzzCase,
  failure: Outcome,
  limits: MinimizeLimits,
): Promise<FuzzCase> {
  const started = performance.now();
  let attempts = 0;
  const stillFails = async (candidate: FuzzCase): Promise<boolean> => {
    attempts++;
    limits.onAttempt?.();
    return sameFailure(await runCase(candidate), failure);
  };
  const budgetLeft = () =>
    attempts < limits.maxAttempts && performance.now() - started < limits.maxMillis;
  const isText = c.bytes === undefined;
  let current: Uint8Array | string = isText ? c.text! : c.bytes!;
  const withInput = (input: Uint8Array | string): FuzzCase => {
    const next: FuzzCase = { ...c };
    if (typeof input === "string") {
      next.text = input;
      if (c.target === "filename") next.file = input;
    } else next.bytes = input;
    return next;
  };
  const cut = (input: Uint8Array | string, at: number, len: number): Uint8Array | string => {
    if (typeof input === "string") return input.slice(0, at) + input.slice(at + len);
    const out = new Uint8Array(input.length - Math.min(len, input.length - at));
    out.set(input.subarray(0, at));
    out.set(input.subarray(at + len), at);
    return out;
  };
  let chunk = Math.max(1, Math.floor(current.length / 2));
  while (chunk >= 1 && budgetLeft()) {
    let progress = false;
    for (let at = 0; at < current.length && budgetLeft();) {
      const candidate = cut(current, at, chunk);
      if (await stillFails(withInput(candidate))) {
        current = candidate;
        progress = true;
      } else {
        at += chunk;
      }
    }
    if (!progress) {
      if (chunk === 1) break;
      chunk = Math.floor(chunk / 2);
    }
  }
  return withInput(current);
}
