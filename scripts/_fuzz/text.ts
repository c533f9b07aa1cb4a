/**
 * String inputs for the fuzzer: wheel filenames (character edits, tag games, pathological
 * repetitions aimed at the version regex) and JS glue text (unbalanced brackets, strings and
 * comments near the import table).
 *
 * @module
 */
import type { Rng } from "./bytes.ts";

/** Filenames written from scratch, valid and not. */
export const GENERATED_FILENAMES: readonly string[] = [
  "pkg-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pkg-1.0-1-cp312-cp312-pyodide_2024_0_wasm32.whl",
  "pkg-1.0-1abc-py2.py3-none-any.whl",
  "Pkg_Name-2!1.0rc1.post2.dev3+local.1-cp313-cp313-pyemscripten_2026_0_wasm32.whl",
  "a-0-py3-none-any.whl",
  "x-1.0-cp310.cp311-abi3.none-emscripten_3_1_14_wasm32.linux_x86_64.whl",
  "numpy-2.0.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
];

const ALPHABET: readonly string[] = [
  "-",
  "_",
  ".",
  "+",
  "!",
  "0",
  "1",
  "9",
  "a",
  "z",
  "A",
  "Z",
  " ",
  "\t",
  "\n",
  "\u0000",
  "/",
  "\\",
  "\u00e9",
  "\u01c5",
  "\u0301",
  "\u0661",
  "\u00a0",
  "\ufeff",
  "\ud835\udfd8",
  "\ud800",
  "\u00df",
  "\u0130",
  "\u212a",
  "\u2160",
  "\uff11",
];

const TOKENS: readonly string[] = [
  "-1-",
  "-01-",
  "-1abc-",
  "-abc-",
  "--",
  "__",
  "py2.py3",
  "cp312.cp313",
  ".none",
  ".any",
  "-none-any",
  ".whl",
  ".WHL",
  ".zip",
  "pyodide_2024_0_wasm32",
  "emscripten_3_1_58_wasm32",
  "v1",
  "1!",
  "rc",
  "post",
  "dev",
  "+local",
  "+",
  ".post-1",
];

/** Long or repetitive strings that stress linear-time assumptions in the parsers. */
function pathological(rng: Rng): string {
  const unit = rng.pick(["1.", "1-", "a", "0", ".", "-", "_", "1", "1.0", "a.", "\u0301", "-1"]);
  const n = rng.pick([100, 1000, 2047, 2048, 4095, 4096, 5000, 20_000]);
  const body = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  return rng.pick([
    `pkg-${body}-py3-none-any.whl`,
    `pkg-1.0-${body}-py3-none-any.whl`,
    `${body}-1.0-py3-none-any.whl`,
    `pkg-1.0-${body}-none-any.whl`,
    `pkg-1.0-py3-none-${body}.whl`,
    `pkg-1${body}!-py3-none-any.whl`,
    `${body}.whl`,
    body,
  ]);
}

/** Mutates a filename 1 to 4 times. */
export function mutateFilename(name: string, rng: Rng, log: string[]): string {
  if (rng.chance(0.04)) {
    log.push("pathological filename");
    return pathological(rng);
  }
  let s = name;
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(8)) {
      case 0:
        s = s.slice(0, at) + rng.pick(ALPHABET) + s.slice(at);
        log.push("insert char");
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + rng.range(1, 8));
        log.push("delete chars");
        break;
      case 2:
        s = s.slice(0, at) + rng.pick(ALPHABET) + s.slice(at + 1);
        log.push("replace char");
        break;
      case 3:
        s = s.slice(0, at) + rng.pick(TOKENS) + s.slice(at);
        log.push("insert token");
        break;
      case 4: {
        const len = rng.range(1, 12);
        s = s.slice(0, at) + s.slice(at, at + len).repeat(rng.range(2, 50)) + s.slice(at + len);
        log.push("repeat span");
        break;
      }
      case 5:
        s = rng.chance(0.5) ? s.replaceAll("-", "_") : s.replace("_", "-");
        log.push("swap separators");
        break;
      case 6:
        s = rng.chance(0.5)
          ? s.toUpperCase()
          : s.replace(/\.whl$/i, rng.pick(["", ".zip", ".whl.whl", ".Whl"]));
        log.push("case or extension");
        break;
      default: {
        const parts = s.split("-");
        const j = rng.int(parts.length);
        if (rng.chance(0.5)) parts.splice(j, 1);
        else parts.splice(j, 0, rng.pick(["1", "1abc", "", "py3", "none", "any"]));
        s = parts.join("-");
        log.push("add or drop a part");
      }
    }
  }
  return s;
}

const GLUE_PIECES: readonly string[] = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  '"',
  "'",
  "`",
  "${",
  "/*",
  "*/",
  "//",
  "\n",
  "\\",
  ",",
  "...",
  "var wasmImports={",
  "var asmLibraryArg = {",
  'x.sig="iii";',
  'Module["_foo"]=',
  "a:b,",
  '"quoted key":v,',
  "/regex[/]*/",
  "function(){",
  "=>",
];

/** A glue text to mutate, with the index of its import table (where mutations cluster). */
export interface GlueSeed {
  name: string;
  text: string;
  tableIndex: number;
}

/** Finds where the import table starts (or -1). */
export function indexImportTable(text: string): number {
  const m = /\bvar\s+(wasmImports|asmLibraryArg)\s*=\s*\{/.exec(text);
  return m === null ? -1 : m.index;
}

/** Mutates glue text 1 to 3 times, mostly within 20,000 characters of the import table. */
export function mutateGlue(seed: GlueSeed, rng: Rng, log: string[]): string {
  let s = seed.text;
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) {
    const around = seed.tableIndex >= 0 && rng.chance(0.6);
    const at = around
      ? Math.max(0, Math.min(s.length, seed.tableIndex + rng.range(-2000, 20_000)))
      : rng.int(s.length + 1);
    switch (rng.int(5)) {
      case 0:
        s = s.slice(0, at) + rng.pick(GLUE_PIECES) + s.slice(at);
        log.push(`insert token at ${at}`);
        break;
      case 1: {
        const len = rng.pick([1, 10, 100, 10_000, 1_000_000]);
        s = s.slice(0, at) + s.slice(at + len);
        log.push(`delete ${len} chars at ${at}`);
        break;
      }
      case 2: {
        const len = rng.range(1, 2000);
        s = s.slice(0, at) + s.slice(at, at + len).repeat(rng.range(2, 5)) + s.slice(at);
        log.push(`duplicate span at ${at}`);
        break;
      }
      case 3:
        s = s.slice(0, at);
        log.push(`truncate at ${at}`);
        break;
      default:
        s = s.slice(0, at) + rng.pick(GLUE_PIECES).repeat(rng.pick([100, 10_000])) + s.slice(at);
        log.push(`repeat a token at ${at}`);
    }
  }
  return s;
}
