/**
 * Facts of one Pyodide runtime: its main module, its JS glue's loader, and its lock file.
 *
 * @module
 */
import type { FuncType, GlobalType, Limits, TableType, TagType } from "../wasm/types.ts";

/** One entry of the runtime catalogue (`corpus/runtimes.json`). */
export interface RuntimeEntry {
  /** npm `pyodide` version, e.g. "0.27.7". */
  version: string;
  /** npm integrity (`sha512-…`) of the package tarball, pinned. */
  integrity: string;
  python: string;
  emscripten: string;
  /** Lock file `info.abi_version`, absent before 0.26. */
  abiVersion?: string;
  /** Platform tag of the distribution's binary wheels, e.g. `pyodide_2024_0_wasm32`. */
  platformTag: string;
  /** Release date (YYYY-MM-DD) and where it was read. */
  releaseDate: string;
  releaseDateSource: string;
  /** Lock file name in the package: `pyodide-lock.json` (0.24+) or `repodata.json`. */
  lockFile?: string;
  /** JS glue file name in the package: `pyodide.asm.js`, or `pyodide.asm.mjs` from 314. */
  glueFile?: string;
}

/** The files of one obtained runtime (an extracted npm package or a local distribution dir). */
export interface RuntimeFiles {
  version: string;
  /** Directory holding the whole distribution (python_stdlib.zip etc. for the oracle). */
  dir: string;
  wasmPath: string;
  gluePath: string;
  lockPath: string;
  /** Catalogue entry, when the version is catalogued. */
  entry?: RuntimeEntry;
}

/** What the JS glue's dynamic loader does, read from the glue text itself. */
export interface LoaderCapabilities {
  /** Name of the table of JS functions handed to side modules: `wasmImports` or `asmLibraryArg`. */
  importTableName: "wasmImports" | "asmLibraryArg" | string;
  /** `invoke_*` and `__cxa_find_matching_catch_N` are synthesised on demand (JS exceptions). */
  synthesizesInvokes: boolean;
  /** The loader calls a side module's `__wasm_apply_data_relocs`. */
  appliesDataRelocs: boolean;
  /** Main data symbols reach side modules as immutable `WebAssembly.Global`s (else numbers). */
  dataSymbolsAsGlobals: boolean;
  /** The loader reads `dylink.0` (else only the legacy `dylink`). */
  readsDylink0: boolean;
  /** The loader honours RUNTIME_PATH. */
  honoursRuntimePath: boolean;
  /** Unresolved functions: message style of this loader generation. */
  unresolvedStyle: "typeerror-on-call" | "dynamic-linking-error";
  /**
   * Unresolved `env` functions get a stub that fails only when called, so a missing function
   * that no load step calls does not stop the load (`latent`).
   */
  lazyFunctionStubs: boolean;
  /** `reportUndefinedSymbols` throws for a required GOT entry nothing defines (load fails). */
  checksGotAtLoad: boolean;
  /** Exceptions: JS (`invoke_*`) or wasm tags. */
  exceptions: "js" | "wasm";
  /** `resolveGlobalSymbol` also looks up `Module["_X"]` (0.21, 0.22). */
  resolvesModuleSymbols?: boolean;
  /** Evidence: which glue text decided each field. */
  evidence: Record<string, string>;
}

export interface MainExportFunc {
  name: string;
  type: FuncType;
}

/** Facts of a runtime, plain data, cacheable by the hash of its files. */
export interface RuntimeFacts {
  version: string;
  python: string;
  emscripten: string;
  abiVersion?: string;
  platformTag: string;
  /** sha256 of the main module. */
  mainSha256: string;
  /** The main is relocatable (imports env.memory/table/__memory_base); false from Emscripten 4.0.19. */
  relocatable: boolean;
  functions: MainExportFunc[];
  /** Exported globals with type and constant value (data symbols: addresses). */
  globals: { name: string; type: GlobalType; value?: number | string }[];
  /** Memory: the main's `env.memory` import limits (relocatable) or its own memory. */
  memory: Limits;
  table: TableType;
  /** Tags: imported by the main (0.28/0.29, created by JS) or exported (314+). */
  tags: { name: string; type: TagType; origin: "imported" | "exported" }[];
  /** dylink.0 memory info of the main (memorySize 0 for a fixed main). */
  mainMemorySize: number;
  /** Names the JS glue hands to side modules (keys of its import table). */
  glueNames: string[];
  loader: LoaderCapabilities;
  /** `.sig` strings of glue functions, by import-table key (warnings only; JS is untyped). */
  glueSignatures?: Record<string, string>;
  /** sha256 of the JS glue text (UTF-8). */
  glueSha256?: string;
  /** Main module function imports (`env.invoke_*` in the JS-EH era, …): module, name, type. */
  mainFunctionImports?: { module: string; name: string; type: FuncType }[];
  /** Symbols the loader also resolves as `Module["_X"]` (0.21, 0.22; see `loader.resolvesModuleSymbols`). */
  glueModuleSymbols?: string[];
  /** Version of the fact reader that produced these facts (cache key part). */
  factsVersion?: number;
}
