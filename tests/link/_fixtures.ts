/**
 * Test helpers for the link engine: real runtimes (obtained through the runtime stage into the
 * repo's `.cache/test-runtime/`, shared with the runtime tests), the shared corpus, and
 * hand-made side modules generated with the emitter.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadRuntimeCatalogue, obtainRuntimeFacts } from "../../src/runtime/mod.ts";
import type { RuntimeFacts } from "../../src/runtime/types.ts";
import { loadCatalogue } from "../../src/corpus/load_catalogue.ts";
import type { Catalogue, CatalogueEntry } from "../../src/corpus/types.ts";
import {
  buildModule,
  type DylinkSpec,
  encodeSLEB128,
  type ExportSpec,
  type FunctionSpec,
  type GlobalSpec,
  type ImportSpec,
  OP,
} from "../../src/wasm/build_module.ts";
import { parseWheelFilename } from "../../src/wheel/mod.ts";
import type { WheelFacts } from "../../src/wheel/types.ts";
import { type CheckLinkInput, readLinkInput, registerRealMainFile } from "../../src/link/mod.ts";
import {
  createLibraryRun,
  librariesFor,
  type LibraryRun,
  type RunArchive,
} from "../../src/corpus/libraries_for.ts";

export const REPO = new URL("../../", import.meta.url);
export const TEST_CACHE = fileURLToPath(new URL(".cache/test-runtime/", REPO));

/** The shared corpus: `CONFORM_MIRROR`, else `../shared/corpus` beside the checkout. */
export const MIRROR = Deno.env.get("CONFORM_MIRROR") ||
  fileURLToPath(new URL("../../../shared/corpus/", import.meta.url)).replace(/\/$/, "");

const runtimeCatalogue = loadRuntimeCatalogue(
  await Deno.readTextFile(new URL("corpus/runtimes.json", REPO)),
);

const facts = new Map<string, Promise<RuntimeFacts>>();

/** Facts of a real runtime (npm package obtained with its pinned integrity; cached on disk). */
export function runtime(version: string): Promise<RuntimeFacts> {
  let p = facts.get(version);
  if (!p) {
    // Register the real main as every command does, so that checks run against it on a clean
    // checkout too (not only where a conform run left `.cache/runtimes/` behind).
    let wasmPath = "";
    p = obtainRuntimeFacts(version, {
      cacheDir: TEST_CACHE,
      catalogue: runtimeCatalogue,
      onFiles: (files) => wasmPath = files.wasmPath,
    }).then((f) => {
      registerRealMainFile(f.mainSha256, () => Deno.readFile(wasmPath));
      return f;
    });
    facts.set(version, p);
  }
  return p;
}

/** Every catalogued runtime version. */
export const RUNTIME_VERSIONS = runtimeCatalogue.map((e) => e.version);

let catalogue: Catalogue | undefined;
/** The wheel catalogue (`corpus/wheels.json`). */
export async function wheelCatalogue(): Promise<Catalogue> {
  catalogue ??= loadCatalogue(await Deno.readTextFile(new URL("corpus/wheels.json", REPO)));
  return catalogue;
}

const inputs = new Map<string, Promise<CheckLinkInput>>();
/** Link input of a corpus file, by its catalogue path. */
export function corpusInput(path: string): Promise<CheckLinkInput> {
  let p = inputs.get(path);
  if (!p) {
    p = Deno.readFile(`${MIRROR}/${path}`).then((bytes) => readLinkInput(bytes, { file: path }));
    inputs.set(path, p);
  }
  return p;
}

/**
 * The link input of a corpus archive with the libraries it needs, chosen as every command
 * chooses them ({@linkcode librariesFor}: the lock's dependencies, then NEEDED names answered
 * by its own distribution folder).
 */
export async function corpusInputWithLibraries(entry: CatalogueEntry): Promise<CheckLinkInput> {
  const input = await corpusInput(entry.path);
  const cat = await wheelCatalogue();
  const archive: RunArchive = {
    input: {
      file: entry.path,
      source: "catalogue",
      entry,
      read: () => Deno.readFile(`${MIRROR}/${entry.path}`),
    },
    link: input,
  };
  libraryRun ??= await createLibraryRun([], {
    catalogue: cat.files,
    mirror: MIRROR,
    cacheDir: TEST_CACHE,
    allowNetwork: false,
  });
  const { libraries } = await librariesFor(archive, libraryRun);
  return { ...input, libraries: libraries.map((l) => l.library) };
}
let libraryRun: LibraryRun | undefined;

/** A hand-made side module: imports, exports, dylink.0 and optional function bodies. */
export interface SideSpec {
  imports?: ImportSpec[];
  functions?: FunctionSpec[];
  exports?: ExportSpec[];
  globals?: GlobalSpec[];
  dylink?: DylinkSpec;
  /** Skip the dylink.0 section (not a side module). */
  noDylink?: boolean;
  /** Index of a start function (runs during instantiation). */
  start?: number;
}

/** The `env.memory` import every Emscripten side module has. */
export const ENV_MEMORY: ImportSpec = {
  module: "env",
  name: "memory",
  kind: "memory",
  memory: { min: 0, shared: false, is64: false },
};

/** Emit a side module (with `env.memory` first unless the spec already imports a memory). */
export function sideModule(spec: SideSpec): Uint8Array {
  const imports = spec.imports ?? [];
  const hasMemory = imports.some((i) => i.kind === "memory");
  return buildModule({
    dylink: spec.noDylink ? undefined : (spec.dylink ?? { memorySize: 0 }),
    imports: hasMemory ? imports : [ENV_MEMORY, ...imports],
    functions: spec.functions,
    exports: spec.exports,
    globals: spec.globals,
    start: spec.start,
  });
}

/** A wheel holding the given modules, with facts left for the link check to read. */
export function syntheticWheel(
  modules: { member: string; bytes: Uint8Array }[],
  file = "synthetic-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
): CheckLinkInput {
  const wheel: WheelFacts = {
    file,
    sha256: `synthetic-${file}-${modules.map((m) => m.member).join(",")}`,
    size: modules.reduce((n, m) => n + m.bytes.length, 0),
    kind: file.endsWith(".whl") ? "wheel" : "shared-library",
    filename: file.endsWith(".whl") ? parseWheelFilename(file) : undefined,
    metadata: { name: file.split("-")[0], requiresDist: [] },
    topLevel: [],
    memberCount: modules.length,
    sideModules: [],
    findings: [],
  };
  return { wheel, modules };
}

/** The export a loader calls after instantiation. */
export const CALL_CTORS = { name: "__wasm_call_ctors", kind: "func" as const, index: 0 };
/** `() -> ()`. */
export const NO_PARAMS = { params: [], results: [] };

/** `i32.const pages; memory.grow 0; drop`: asks for more memory and ignores the answer. */
function growAndDrop(pages: number): number[] {
  return [OP.i32Const, ...encodeSLEB128(pages), 0x40, 0x00, OP.drop];
}

/** A side module whose `__wasm_call_ctors` runs `body`. */
function constructorModule(body: number[]): Uint8Array {
  return sideModule({ functions: [{ type: NO_PARAMS, body }], exports: [CALL_CTORS] });
}

/** Hostile side modules shared by the link-pool and the oracle tests. */
export const HOSTILE = {
  /** `__wasm_call_ctors` loops forever. */
  endlessConstructor(): Uint8Array {
    return constructorModule([OP.loop, OP.blockVoid, OP.br, 0, OP.end]);
  },
  /**
   * `__wasm_call_ctors` asks for `pages` more pages, drops the answer and stores at `address`:
   * a trap when the grow was refused.
   */
  growThenStore(pages: number, address: number): Uint8Array {
    return constructorModule([
      ...growAndDrop(pages),
      OP.i32Const,
      ...encodeSLEB128(address),
      OP.i32Const,
      1,
      OP.i32Store,
      2,
      0,
    ]);
  },
  /** `__wasm_call_ctors` grows by `pages` and fills `length` bytes at `address` (commits them). */
  growThenFill(pages: number, address: number, length: number): Uint8Array {
    // memory.fill 0 is 0xfc 0x0b 0x00.
    return constructorModule([
      ...growAndDrop(pages),
      OP.i32Const,
      ...encodeSLEB128(address),
      OP.i32Const,
      1,
      OP.i32Const,
      ...encodeSLEB128(length),
      0xfc,
      0x0b,
      0x00,
    ]);
  },
  /** A start function (runs during instantiation) with this body. */
  startFunction(body: number[]): Uint8Array {
    return sideModule({ functions: [{ type: NO_PARAMS, body }], start: 0 });
  },
};
