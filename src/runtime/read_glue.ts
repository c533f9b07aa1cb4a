/**
 * Read an Emscripten JS glue (`pyodide.asm.js` / `.mjs`): the names of its import table (what it
 * hands to side modules), their `.sig` strings, and what its dynamic loader (`library_dylink.js` as
 * compiled into this very glue) does. Every capability is decided from the glue text, never from
 * a version number, and carries the matched snippet as evidence. Pure.
 *
 * @module
 */
import { RuntimeFormatError } from "./errors.ts";
import type { LoaderCapabilities } from "./types.ts";

/** Upper bound on the glue text size (characters). */
export const MAX_GLUE_CHARS = 64 * 1024 * 1024;
/** Upper bound on import-table entries. */
export const MAX_GLUE_NAMES = 200_000;
/** Longest evidence snippet kept per capability. */
export const MAX_EVIDENCE_CHARS = 80;

/** What {@link readGlue} returns. */
export interface GlueFacts {
  /** Keys of the glue's import table, in source order, without duplicates. */
  glueNames: string[];
  /** `.sig` string per import-table key, where the glue sets one on the function. */
  signatures: Record<string, string>;
  loader: LoaderCapabilities;
  /**
   * Symbols the loader also finds as `Module["_X"]` (demangled to `X`), only when
   * `loader.resolvesModuleSymbols` (0.21, 0.22): JS library functions the main never imported.
   */
  moduleSymbolNames?: string[];
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A window of at most {@link MAX_EVIDENCE_CHARS} around `index`, whitespace collapsed. */
function snippet(text: string, index: number, matchLength = 0): string {
  const pad = Math.max(
    0,
    Math.floor((MAX_EVIDENCE_CHARS - Math.min(matchLength, MAX_EVIDENCE_CHARS)) / 2),
  );
  const start = Math.max(0, index - pad);
  return text.slice(start, start + MAX_EVIDENCE_CHARS).replace(/\s+/g, " ");
}

/**
 * Index just past the bracket that closes the one at `open`, skipping strings, template literals
 * and comments. Returns -1 when unbalanced.
 */
function matchBracket(text: string, open: number, limit = text.length): number {
  const stack: string[] = [];
  const closer: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = skipString(text, i, c);
      if (i < 0) return -1;
    } else if (c === "`") {
      i = skipTemplate(text, i);
      if (i < 0) return -1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i + 2);
      i = end < 0 ? limit : end;
    } else if (c === "/" && startsRegex(text, i)) {
      i = skipRegex(text, i);
      if (i < 0) return -1;
    } else if (c === "{" || c === "[" || c === "(") {
      stack.push(closer[c]);
    } else if (c === "}" || c === "]" || c === ")") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/** A `/` at `i` starts a regular expression literal when it follows an operator or bracket. */
function startsRegex(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(text[j])) j--;
  return j < 0 || "(,=:[!&|?{};+-*%<>~^".includes(text[j]);
}

/** Index of the `/` closing the regular expression literal starting at `start`. */
function skipRegex(text: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "\n") return -1;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "/") return i;
  }
  return -1;
}

/** Index of the closing quote of the string starting at `start`. */
function skipString(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === quote) return i;
    else if (c === "\n") return -1;
  }
  return -1;
}

/** Index of the closing backtick of the template literal starting at `start`. */
function skipTemplate(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "`") return i;
    else if (c === "$" && text[i + 1] === "{") {
      const end = matchBracket(text, i + 1);
      if (end < 0) return -1;
      i = end - 1;
    }
  }
  return -1;
}

/** Split the body of an object literal (between its braces) at top-level commas. */
function splitTopLevel(text: string, from: number, to: number): { start: number; end: number }[] {
  const parts: { start: number; end: number }[] = [];
  let partStart = from;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '"' || c === "'") i = skipString(text, i, c);
    else if (c === "`") i = skipTemplate(text, i);
    else if (c === "{" || c === "[" || c === "(") i = matchBracket(text, i, to) - 1;
    else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? -1 : end + 1;
    } else if (c === "/" && text[i + 1] !== "/" && startsRegex(text, i)) {
      i = skipRegex(text, i);
    } else if (c === ",") {
      parts.push({ start: partStart, end: i });
      partStart = i + 1;
    }
    if (i < 0) return parts; // unbalanced: keep what was read
  }
  parts.push({ start: partStart, end: to });
  return parts;
}

/** Decode a JS string literal's simple escapes (keys are plain identifiers in practice). */
function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, "$1");
}

interface ImportTable {
  name: string;
  /** key → value identifier (when the value is a plain identifier). */
  entries: { key: string; value?: string }[];
}

function readImportTable(text: string, file: string): ImportTable {
  const re = /\bvar\s+(wasmImports|asmLibraryArg)\s*=\s*\{/g;
  const m = re.exec(text);
  if (!m) {
    throw new RuntimeFormatError(
      "Glue has no import table (var wasmImports = {…} or var asmLibraryArg = {…})",
      file,
    );
  }
  const open = m.index + m[0].length - 1;
  const close = matchBracket(text, open);
  if (close < 0) {
    throw new RuntimeFormatError(
      `Glue import table ${m[1]} is not a balanced object`,
      file,
      m[1],
      open,
    );
  }
  const entries: { key: string; value?: string }[] = [];
  for (const part of splitTopLevel(text, open + 1, close - 1)) {
    // Leading comments belong to no key.
    const raw = text.slice(part.start, part.end).replace(
      /^(?:\s*\/\*[\s\S]*?\*\/|\s*\/\/[^\n]*\n)*/,
      "",
    )
      .trim();
    if (raw.length === 0 || raw.startsWith("...")) continue;
    if (entries.length >= MAX_GLUE_NAMES) {
      throw new RuntimeFormatError(
        `Glue import table has more than ${MAX_GLUE_NAMES} entries`,
        file,
        m[1],
        part.start,
      );
    }
    let key: string | undefined;
    let rest = "";
    const quoted = /^(["'])(?:\\.|(?!\1)[^\\])*\1/.exec(raw);
    if (quoted) {
      key = unquote(quoted[0]);
      rest = raw.slice(quoted[0].length).trim();
    } else {
      const ident = /^[A-Za-z_$][\w$]*/.exec(raw);
      if (!ident) continue; // computed key or something exotic: not a symbol name
      key = ident[0];
      rest = raw.slice(ident[0].length).trim();
    }
    if (rest === "") {
      entries.push({ key, value: IDENT.test(key) ? key : undefined }); // shorthand `{name}`
    } else if (rest.startsWith(":")) {
      const value = rest.slice(1).trim();
      entries.push({ key, value: IDENT.test(value) ? value : undefined });
    } else if (rest.startsWith("(")) {
      entries.push({ key }); // method shorthand `name(){…}`
    }
  }
  return { name: m[1], entries };
}

/** Text of the `resolveGlobalSymbol` function (library_dylink.js), or undefined. */
function resolveGlobalSymbolBody(text: string): { start: number; body: string } | undefined {
  const m = /(?:function\s+resolveGlobalSymbol\s*\(|(?:var|let|const)\s+resolveGlobalSymbol\s*=)/
    .exec(text);
  if (!m) return undefined;
  const open = text.indexOf("{", m.index);
  if (open < 0) return undefined;
  const close = matchBracket(text, open);
  if (close < 0) return undefined;
  return { start: m.index, body: text.slice(m.index, close) };
}

/** Objects whose `__wasm_apply_data_relocs` is the main module's own, not a side module's. */
const MAIN_EXPORT_OBJECT = /(?:wasmExports|Module\s*\[\s*["']asm["']\s*\]|Module\.asm|\basm)\s*$/;

function readLoader(text: string, importTableName: string): LoaderCapabilities {
  const evidence: Record<string, string> = {};
  const rgs = resolveGlobalSymbolBody(text);

  // invoke_* synthesised on demand: resolveGlobalSymbol's `startsWith("invoke_")` branch that
  // creates the function (createInvokeFunction in 3.1.x, Module.createInvoke in Pyodide 0.25+).
  let synthesizesInvokes = false;
  const invokeRe = /startsWith\(\s*["']invoke_["']\s*\)/g;
  const scope = rgs ? rgs.body : text;
  const scopeStart = rgs ? rgs.start : 0;
  for (let m = invokeRe.exec(scope); m; m = invokeRe.exec(scope)) {
    const after = scope.slice(m.index, m.index + 200);
    if (/createInvoke/.test(after)) {
      synthesizesInvokes = true;
      evidence.synthesizesInvokes = snippet(text, scopeStart + m.index, m[0].length);
      break;
    }
  }
  if (!synthesizesInvokes) {
    evidence.synthesizesInvokes = rgs
      ? `no invoke_ branch: ${snippet(rgs.body, 0).slice(0, MAX_EVIDENCE_CHARS - 18)}`
      : "no resolveGlobalSymbol and no invoke_ synthesis in glue";
  }

  let resolvesModuleSymbols = false;
  const modRe = /Module\s*\[\s*asmjsMangle\s*\(/;
  const mm = rgs ? modRe.exec(rgs.body) : null;
  if (rgs && mm) {
    resolvesModuleSymbols = true;
    evidence.resolvesModuleSymbols = snippet(text, rgs.start + mm.index, mm[0].length);
  } else {
    evidence.resolvesModuleSymbols = "resolveGlobalSymbol does not read Module[asmjsMangle(…)]";
  }

  // The loader applies a side module's data relocations when it reads
  // `__wasm_apply_data_relocs` off a module's exports other than the main's own.
  let appliesDataRelocs = false;
  let firstMention = -1;
  const relocRe = /__wasm_apply_data_relocs/g;
  for (let m = relocRe.exec(text); m; m = relocRe.exec(text)) {
    if (firstMention < 0) firstMention = m.index;
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    const bracket = /([\w$\])])\s*\[\s*["']$/.exec(before);
    const dot = /([\w$\])])\s*\.$/.exec(before);
    const access = bracket ?? dot;
    if (!access) continue; // a string in a list (isInternalSym), not a read
    const object = before.slice(0, before.length - access[0].length + 1);
    if (MAIN_EXPORT_OBJECT.test(object)) continue;
    appliesDataRelocs = true;
    evidence.appliesDataRelocs = snippet(text, m.index - 20, 44);
    break;
  }
  if (!appliesDataRelocs) {
    evidence.appliesDataRelocs = firstMention < 0
      ? "glue never mentions __wasm_apply_data_relocs"
      : `only main/list uses: ${snippet(text, firstMention - 10, 34).slice(0, 60)}`;
  }

  const immutable = /(?:var|let|const|function)\s+isImmutableGlobal\b/.exec(text);
  const dataSymbolsAsGlobals = immutable !== null;
  evidence.dataSymbolsAsGlobals = immutable
    ? snippet(text, immutable.index, immutable[0].length)
    : "no isImmutableGlobal: data symbols are relocated as numbers";

  const dylink0 = /["']dylink\.0["']/.exec(text);
  const readsDylink0 = dylink0 !== null;
  evidence.readsDylink0 = dylink0
    ? snippet(text, dylink0.index, dylink0[0].length)
    : 'no "dylink.0" in glue';

  const rpathParse = /RUNTIME_PATH/.exec(text);
  // Parsing the subsection is not enough: the paths must reach the library lookup (rpath flag).
  const rpathUse = /paths\s*:\s*[\w$.]*\.runtimePaths\b/.exec(text);
  const honoursRuntimePath = rpathParse !== null && rpathUse !== null;
  evidence.honoursRuntimePath = honoursRuntimePath
    ? snippet(text, rpathUse!.index, rpathUse![0].length)
    : rpathParse
    ? `RUNTIME_PATH parsed but never used: ${snippet(text, rpathParse.index, 12).slice(0, 45)}`
    : "no RUNTIME_PATH handling in glue";

  const dle = /Dynamic linking error: cannot resolve symbol/.exec(text);
  const unresolvedStyle: LoaderCapabilities["unresolvedStyle"] = dle
    ? "dynamic-linking-error"
    : "typeerror-on-call";
  evidence.unresolvedStyle = dle
    ? snippet(text, dle.index, dle[0].length)
    : 'no "Dynamic linking error: cannot resolve symbol" text';

  // The env proxy's answer for a name it cannot resolve: a stub that resolves on its first call
  // (`stubs[prop] = function () { … resolveSymbol(prop) … }`). Instantiation then succeeds and
  // the missing function fails only when something calls it.
  const lazy =
    /stubs\s*\[\s*prop\s*\]\s*=\s*(?:function\s*\(|\([^)]*\)\s*=>)[^}]{0,200}resolveSymbol\s*\(\s*prop\s*\)/
      .exec(text);
  const lazyFunctionStubs = lazy !== null;
  evidence.lazyFunctionStubs = lazy
    ? snippet(text, lazy.index, lazy[0].length)
    : "no lazy stub for unresolved env functions in the loader's proxy";

  // reportUndefinedSymbols refuses a required GOT entry that nothing defines ("bad export type"):
  // the load itself fails on a missing data symbol or function address.
  const badExport = /bad export type for/.exec(text);
  const checksGotAtLoad = badExport !== null;
  evidence.checksGotAtLoad = badExport
    ? snippet(text, badExport.index, badExport[0].length)
    : 'no "bad export type" check of GOT entries in the glue';

  let exceptions: LoaderCapabilities["exceptions"] = "js";
  const tagNew = /_?__cpp_exception\s*=\s*new\s+WebAssembly\.Tag/.exec(text);
  const tagExported = /wasmExports\s*\[\s*["']__cpp_exception["']\s*\]/.exec(text);
  if (synthesizesInvokes) {
    evidence.exceptions = `js: ${evidence.synthesizesInvokes}`.slice(0, MAX_EVIDENCE_CHARS);
  } else if (tagNew || tagExported) {
    exceptions = "wasm";
    const hit = (tagNew ?? tagExported)!;
    evidence.exceptions = snippet(text, hit.index, hit[0].length);
  } else {
    evidence.exceptions = "no invoke_ synthesis and no __cpp_exception tag in glue";
  }

  for (const key of Object.keys(evidence)) {
    evidence[key] = evidence[key].slice(0, MAX_EVIDENCE_CHARS);
  }
  return {
    importTableName,
    synthesizesInvokes,
    appliesDataRelocs,
    dataSymbolsAsGlobals,
    readsDylink0,
    honoursRuntimePath,
    unresolvedStyle,
    lazyFunctionStubs,
    checksGotAtLoad,
    exceptions,
    resolvesModuleSymbols,
    evidence,
  };
}

/**
 * Read a JS glue: its import table's keys (`var wasmImports = {…}` from 0.23, `var asmLibraryArg =
 * {…}` in 0.21/0.22; quoted, bare and shorthand keys), the `.sig` strings of those functions, and
 * the loader capabilities. Throws {@link RuntimeFormatError} when no import table is found.
 *
 * @example A tiny glue
 * ```ts
 * import { readGlue } from "./read_glue.ts";
 * const facts = readGlue(
 *   'function _abort(){} _abort.sig="v"; var wasmImports={"abort":_abort,exit:_exit,getentropy};' +
 *     'var resolveGlobalSymbol=(n)=>{if(n.startsWith("invoke_")){return createInvokeFunction(n)}};',
 * );
 * console.assert(facts.glueNames.join() === "abort,exit,getentropy");
 * console.assert(facts.signatures.abort === "v" && facts.loader.synthesizesInvokes);
 * ```
 */
export function readGlue(glueText: string, options: { file?: string } = {}): GlueFacts {
  const file = options.file ?? "<glue>";
  if (glueText.length > MAX_GLUE_CHARS) {
    throw new RuntimeFormatError(
      `Glue is ${glueText.length} characters, more than ${MAX_GLUE_CHARS}`,
      file,
    );
  }
  const table = readImportTable(glueText, file);
  const sigOf = new Map<string, string>();
  const sigRe = /([A-Za-z_$][\w$]*)\.sig\s*=\s*(["'])([^"'\\]*)\2/g;
  for (let m = sigRe.exec(glueText); m; m = sigRe.exec(glueText)) {
    if (!sigOf.has(m[1])) sigOf.set(m[1], m[3]);
  }
  const seen = new Set<string>();
  const glueNames: string[] = [];
  const signatures: Record<string, string> = {};
  for (const { key, value } of table.entries) {
    if (seen.has(key)) continue;
    seen.add(key);
    glueNames.push(key);
    const sig = value === undefined ? undefined : sigOf.get(value);
    if (sig !== undefined) signatures[key] = sig;
  }
  const loader = readLoader(glueText, table.name);
  const facts: GlueFacts = { glueNames, signatures, loader };
  if (loader.resolvesModuleSymbols) facts.moduleSymbolNames = readModuleSymbols(glueText, file);
  return facts;
}

/** Names `X` of every `Module["_X"] = …` assignment (asmjsMangle undone), in source order. */
function readModuleSymbols(text: string, file: string): string[] {
  const names = new Set<string>();
  const re =
    /Module\[\s*["'](_[\w$]+|dynCall_[\w$]+|stackAlloc|stackSave|stackRestore)["']\s*\]\s*=(?!=)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const name = m[1].startsWith("_") ? m[1].slice(1) : m[1];
    names.add(name);
    if (names.size > MAX_GLUE_NAMES) {
      throw new RuntimeFormatError(
        `Glue assigns more than ${MAX_GLUE_NAMES} Module symbols`,
        file,
        "Module",
        m.index,
      );
    }
  }
  return [...names];
}
