/**
 * Reads the facts of one WebAssembly module from its bytes.
 *
 * Strict: anything that is not a well-formed module is a {@linkcode WasmFormatError} located at
 * the start of the bad item. Code and data bodies are skipped, never copied.
 *
 * Custom sections: `dylink.0`, legacy `dylink`, `target_features` and `producers` are read and must
 * be well-formed (they carry ABI facts; a malformed one is an error, and so is a second copy of
 * one of them). Every other custom section (`name`, `external_debug_info`, …) is recorded by name
 * only and never causes an error, except when its own name is malformed, which breaks the section
 * framing itself.
 *
 * @module
 */
import type {
  DefinedGlobal,
  ExternKind,
  FuncType,
  GlobalType,
  Limits,
  SectionInfo,
  TableType,
  TagType,
  WasmExport,
  WasmImport,
  WasmModuleFacts,
} from "./types.ts";
import { Cursor, hex, plural, type ReadContext } from "./_cursor.ts";
import { readConstExpr } from "./_const_expr.ts";
import {
  readDylink0,
  readLegacyDylink,
  readProducers,
  readTargetFeatures,
} from "./_custom_sections.ts";
import { readFuncType, readRefType, readValType } from "./_value_types.ts";
import {
  MAX_DATA_SEGMENTS,
  MAX_ELEMENT_ITEMS,
  MAX_ELEMENT_SEGMENTS,
  MAX_EXPORTS,
  MAX_FUNCTIONS,
  MAX_GLOBALS,
  MAX_IMPORTS,
  MAX_MEMORIES,
  MAX_MODULE_BYTES,
  MAX_SECTIONS,
  MAX_TABLES,
  MAX_TAGS,
  MAX_TYPES,
} from "./_limits.ts";

/** Options of {@linkcode readWasmModule}: names used in error messages. */
export interface ReadWasmOptions {
  /** The file read (a `.so`, or the archive holding it). */
  file?: string;
  /** Path of the module inside `file` when `file` is an archive. */
  member?: string;
}

/** Section names by id, as used in messages and `WasmFormatError.section`. */
export const SECTION_NAMES: readonly string[] = [
  "custom",
  "type",
  "import",
  "function",
  "table",
  "memory",
  "global",
  "export",
  "start",
  "element",
  "code",
  "data",
  "data count",
  "tag",
];

// Position of each non-custom section id in the required order (tag after memory, data count
// before code).
const SECTION_RANK: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];
const EXTERN_KINDS: readonly ExternKind[] = ["func", "table", "memory", "global", "tag"];
const GC_FORMS: ReadonlyMap<number, string> = new Map([
  [0x4e, "rec"],
  [0x50, "sub"],
  [0x4f, "sub final"],
  [0x5f, "struct"],
  [0x5e, "array"],
  [0x5d, "cont"],
]);
const FACT_SECTIONS: ReadonlySet<string> = new Set([
  "dylink.0",
  "dylink",
  "target_features",
  "producers",
]);
const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Reads a module's types, imports, functions, tables, memories, tags, globals, exports (with
 * their types resolved through the index spaces), start, element/code/data counts and the
 * fact-carrying custom sections.
 *
 * @param bytes the whole module; only viewed, never copied or changed
 * @throws {WasmFormatError} when the bytes are not a well-formed module
 * @example
 * ```ts
 * import { formatFuncType, readWasmModule } from "./mod.ts";
 * const bytes = await Deno.readFile("orjson.cpython-312-wasm32-emscripten.so");
 * const facts = readWasmModule(bytes, { file: "orjson.so" });
 * for (const imp of facts.imports) {
 *   if (imp.func) console.log(`${imp.module}.${imp.name}: ${formatFuncType(imp.func)}`);
 * }
 * ```
 */
export function readWasmModule(bytes: Uint8Array, options: ReadWasmOptions = {}): WasmModuleFacts {
  const ctx: ReadContext = {};
  if (options.file !== undefined) ctx.file = options.file;
  if (options.member !== undefined) ctx.member = options.member;
  return new ModuleReader(bytes, ctx).read();
}

class ModuleReader {
  readonly c: Cursor;
  readonly facts: WasmModuleFacts;
  // Index spaces: imports first, then definitions.
  readonly funcTypes: FuncType[] = [];
  readonly tableTypes: TableType[] = [];
  readonly memoryTypes: Limits[] = [];
  readonly globalTypes: GlobalType[] = [];
  readonly tagTypes: TagType[] = [];
  importedGlobals = 0;
  codeCountOffset = -1;
  dataCountOffset = -1;
  sawData = false;
  functionSectionOffset = -1;
  /** Offset of the first `dylink.0`/`dylink`, `target_features`, `producers` section. */
  readonly factSectionOffsets = new Map<string, number>();

  constructor(bytes: Uint8Array, ctx: ReadContext) {
    this.c = new Cursor(bytes, 0, "the module", undefined, ctx);
    this.facts = {
      size: bytes.length,
      sections: [],
      types: [],
      imports: [],
      functions: [],
      tables: [],
      memories: [],
      globals: [],
      tags: [],
      exports: [],
      codeCount: 0,
      dataSegmentCount: 0,
      customSections: [],
    };
  }

  read(): WasmModuleFacts {
    const c = this.c;
    const bytes = c.bytes;
    if (bytes.length > MAX_MODULE_BYTES) {
      c.fail(
        `Cannot read module: ${bytes.length} bytes exceeds the limit of ${MAX_MODULE_BYTES}`,
        0,
      );
    }
    // A short file that does not even start like wasm is "not wasm", not "truncated wasm".
    for (let i = 0; i < 4 && i < bytes.length; i++) {
      if (bytes[i] !== MAGIC[i]) {
        const found = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
        c.fail(`Not a wasm module: bad magic number ${found.join(" ")}, expected 00 61 73 6d`, 0);
      }
    }
    if (bytes.length < 8) {
      c.fail(`Cannot read module header: found ${bytes.length} bytes, expected 8`, 0);
    }
    const version = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
    if (version !== 1) c.fail(`Unsupported wasm version: found ${version}, expected 1`, 4);
    c.pos = 8;

    const firstOffset: number[] = new Array(14).fill(-1);
    let lastRank = 0;
    let lastId = 0;
    const facts = this.facts;
    while (c.remaining > 0) {
      const idOffset = c.offset;
      const id = c.readU8("section id");
      if (id > 13) c.fail(`Cannot read section header: unknown section id ${id}`, idOffset);
      const name = SECTION_NAMES[id];
      if (facts.sections.length >= MAX_SECTIONS) {
        c.fail(`Cannot read section "${name}": more than ${MAX_SECTIONS} sections`, idOffset);
      }
      c.section = name;
      if (id !== 0) {
        const rank = SECTION_RANK[id];
        if (rank === lastRank) {
          c.fail(
            `Cannot read section "${name}": duplicate section, the first is at offset 0x${
              firstOffset[id].toString(16)
            }`,
            idOffset,
          );
        }
        if (rank < lastRank) {
          c.fail(
            `Cannot read section "${name}": out of order, it must come before section "${
              SECTION_NAMES[lastId]
            }"`,
            idOffset,
          );
        }
        lastRank = rank;
        lastId = id;
        firstOffset[id] = idOffset;
      }
      const sizeOffset = c.offset;
      const size = c.readVarU32(`section "${name}" size`);
      const s = c.window(size, `section "${name}"`, sizeOffset, `section "${name}"`, name);
      c.section = undefined;
      const info: SectionInfo = { id, offset: s.base, size };
      facts.sections.push(info);
      if (id === 0) {
        this.readCustom(s, info, idOffset);
        continue;
      }
      this.readSection(id, s);
      s.expectEnd();
    }
    this.checkCounts();
    return facts;
  }

  sectionFail(section: string, reason: string, offset: number): never {
    this.c.section = section;
    return this.c.fail(reason, offset);
  }

  readSection(id: number, s: Cursor): void {
    switch (id) {
      case 1:
        return this.readTypes(s);
      case 2:
        return this.readImports(s);
      case 3:
        return this.readFunctions(s);
      case 4:
        return this.readTables(s);
      case 5:
        return this.readMemories(s);
      case 6:
        return this.readGlobals(s);
      case 7:
        return this.readExports(s);
      case 8: {
        const start = s.offset;
        const index = s.readVarU32("start function index");
        if (index >= this.funcTypes.length) {
          s.fail(
            `Cannot read start function index: function ${index} does not exist (${this.funcTypes.length} functions)`,
            start,
          );
        }
        this.facts.start = index;
        return;
      }
      case 9:
        return this.readElements(s);
      case 10:
        return this.readCode(s);
      case 11:
        return this.readData(s);
      case 12:
        this.dataCountOffset = s.offset;
        this.facts.dataCount = s.readVarU32("data count");
        return;
      case 13:
        return this.readTags(s);
    }
  }

  readCustom(s: Cursor, info: SectionInfo, idOffset: number): void {
    const name = s.readName("custom section name");
    info.name = name;
    this.facts.customSections.push(name);
    if (!FACT_SECTIONS.has(name)) return;
    const scope = `section ${JSON.stringify(name)}`;
    const p = new Cursor(s.bytes.subarray(s.pos), s.base + s.pos, scope, name, s.ctx);
    const facts = this.facts;
    // dylink.0 and legacy dylink are one fact: a module carrying both is as ambiguous as two copies.
    const group = name === "dylink" ? "dylink.0" : name;
    const first = this.factSectionOffsets.get(group);
    if (first !== undefined) {
      p.fail(
        `Cannot read ${scope}: duplicate section, the first is at offset 0x${first.toString(16)}`,
        idOffset,
      );
    }
    this.factSectionOffsets.set(group, idOffset);
    if (name === "dylink.0") facts.dylink = readDylink0(p);
    else if (name === "dylink") facts.dylink = readLegacyDylink(p);
    else if (name === "target_features") facts.targetFeatures = readTargetFeatures(p);
    else facts.producers = readProducers(p);
  }

  readTypeIndex(s: Cursor, what: string): FuncType {
    const start = s.offset;
    const index = s.readVarU32(what);
    const types = this.facts.types;
    if (index >= types.length) {
      s.fail(
        `Cannot read ${what}: type ${index} does not exist (${types.length} types)`,
        start,
      );
    }
    return types[index];
  }

  readTypes(s: Cursor): void {
    const n = s.readCount("type count", MAX_TYPES, 3);
    const types: FuncType[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const start = s.offset;
      const form = s.readU8("type form");
      if (form !== 0x60) {
        const gc = GC_FORMS.get(form);
        s.fail(
          gc === undefined
            ? `Cannot read type form: unknown form ${hex(form)}`
            : `Cannot read type form: unsupported GC form ${hex(form)} (${gc})`,
          start,
        );
      }
      types[i] = readFuncType(s);
    }
    this.facts.types = types;
  }

  readLimits(s: Cursor, what: string): Limits {
    const start = s.offset;
    const flags = s.readU8(`${what} limits flags`);
    if (flags > 7) s.fail(`Cannot read ${what} limits flags: unknown flags ${hex(flags)}`, start);
    const is64 = (flags & 4) !== 0;
    const minOffset = s.offset;
    const min = is64 ? s.readVarU64Number(`${what} minimum`) : s.readVarU32(`${what} minimum`);
    const limits: Limits = { min, shared: (flags & 2) !== 0, is64 };
    if (flags & 1) {
      const max = is64 ? s.readVarU64Number(`${what} maximum`) : s.readVarU32(`${what} maximum`);
      if (max < min) {
        s.fail(
          `Cannot read ${what} limits: minimum ${min} is larger than maximum ${max}`,
          minOffset,
        );
      }
      limits.max = max;
    }
    return limits;
  }

  readTableType(s: Cursor): TableType {
    const element = readRefType(s, "table element type");
    return { element, limits: this.readLimits(s, "table") };
  }

  readGlobalType(s: Cursor): GlobalType {
    const type = readValType(s, "global type");
    const start = s.offset;
    const m = s.readU8("global mutability");
    if (m > 1) s.fail(`Cannot read global mutability: invalid value ${hex(m)}`, start);
    return { type, mutable: m === 1 };
  }

  readTagType(s: Cursor): TagType {
    const attribute = s.readU8("tag attribute");
    return { attribute, type: this.readTypeIndex(s, "tag type index") };
  }

  readImports(s: Cursor): void {
    const n = s.readCount("import count", MAX_IMPORTS, 4);
    const imports: WasmImport[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const module = s.readName("import module name");
      const name = s.readName("import name");
      const kindOffset = s.offset;
      const kind = s.readU8("import kind");
      const imp: WasmImport = { index: i, module, name, kind: EXTERN_KINDS[kind] };
      switch (kind) {
        case 0:
          imp.func = this.readTypeIndex(s, "import type index");
          this.funcTypes.push(imp.func);
          break;
        case 1:
          imp.table = this.readTableType(s);
          this.tableTypes.push(imp.table);
          break;
        case 2:
          imp.memory = this.readLimits(s, "memory");
          this.memoryTypes.push(imp.memory);
          break;
        case 3:
          imp.global = this.readGlobalType(s);
          this.globalTypes.push(imp.global);
          this.importedGlobals++;
          break;
        case 4:
          imp.tag = this.readTagType(s);
          this.tagTypes.push(imp.tag);
          break;
        default:
          s.fail(`Cannot read import kind: unknown kind ${hex(kind)}`, kindOffset);
      }
      imports[i] = imp;
    }
    this.facts.imports = imports;
  }

  readFunctions(s: Cursor): void {
    this.functionSectionOffset = s.offset;
    const n = s.readCount("function count", MAX_FUNCTIONS, 1);
    const functions: number[] = new Array(n);
    const types = this.facts.types;
    for (let i = 0; i < n; i++) {
      const start = s.offset;
      const index = s.readVarU32("function type index");
      if (index >= types.length) {
        s.fail(
          `Cannot read function type index: type ${index} does not exist (${types.length} types)`,
          start,
        );
      }
      functions[i] = index;
      this.funcTypes.push(types[index]);
    }
    this.facts.functions = functions;
  }

  readTables(s: Cursor): void {
    const n = s.readCount("table count", MAX_TABLES, 3);
    for (let i = 0; i < n; i++) {
      let table: TableType;
      if (s.pos < s.bytes.length && s.bytes[s.pos] === 0x40) {
        // Table with an explicit initialiser (function-references proposal): 0x40 0x00 type expr.
        s.pos++;
        const start = s.offset;
        const zero = s.readU8("table prefix");
        if (zero !== 0) {
          s.fail(`Cannot read table prefix: expected 0x00, found ${hex(zero)}`, start);
        }
        table = this.readTableType(s);
        readConstExpr(s, "table initialiser");
      } else {
        table = this.readTableType(s);
      }
      this.facts.tables.push(table);
      this.tableTypes.push(table);
    }
  }

  readMemories(s: Cursor): void {
    const n = s.readCount("memory count", MAX_MEMORIES, 2);
    for (let i = 0; i < n; i++) {
      const m = this.readLimits(s, "memory");
      this.facts.memories.push(m);
      this.memoryTypes.push(m);
    }
  }

  readTags(s: Cursor): void {
    const n = s.readCount("tag count", MAX_TAGS, 2);
    for (let i = 0; i < n; i++) {
      const t = this.readTagType(s);
      this.facts.tags.push(t);
      this.tagTypes.push(t);
    }
  }

  readGlobals(s: Cursor): void {
    const n = s.readCount("global count", MAX_GLOBALS, 3);
    const globals: DefinedGlobal[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const type = this.readGlobalType(s);
      const init = readConstExpr(s, "global initialiser");
      const g: DefinedGlobal = { index: this.importedGlobals + i, type };
      if (init.value !== undefined) g.value = init.value;
      if (init.initGlobal !== undefined) g.initGlobal = init.initGlobal;
      globals[i] = g;
      this.globalTypes.push(type);
    }
    this.facts.globals = globals;
  }

  readExports(s: Cursor): void {
    const n = s.readCount("export count", MAX_EXPORTS, 3);
    const exports: WasmExport[] = new Array(n);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const nameOffset = s.offset;
      const name = s.readName("export name");
      // One hash lookup per name: a duplicate leaves the set's size behind the count.
      seen.add(name);
      if (seen.size !== i + 1) {
        s.fail(`Cannot read export name: duplicate export ${JSON.stringify(name)}`, nameOffset);
      }
      const kindOffset = s.offset;
      const kind = s.readU8("export kind");
      if (kind > 4) s.fail(`Cannot read export kind: unknown kind ${hex(kind)}`, kindOffset);
      const indexOffset = s.offset;
      const index = s.readVarU32("export index");
      const space: readonly unknown[] = kind === 0
        ? this.funcTypes
        : kind === 1
        ? this.tableTypes
        : kind === 2
        ? this.memoryTypes
        : kind === 3
        ? this.globalTypes
        : this.tagTypes;
      if (index >= space.length) {
        const noun = kind === 2
          ? "memories"
          : `${EXTERN_KINDS[kind]}s`.replace("funcs", "functions");
        s.fail(
          `Cannot read export index: ${
            kind === 0 ? "function" : EXTERN_KINDS[kind]
          } ${index} does not exist (${space.length} ${noun})`,
          indexOffset,
        );
      }
      // One literal per kind, every field at once: adding `func` to a made object changed its
      // shape for each of a module's thousands of exports.
      let ex: WasmExport;
      switch (kind) {
        case 0:
          ex = { name, kind: "func", index, func: this.funcTypes[index] };
          break;
        case 1:
          ex = { name, kind: "table", index, table: this.tableTypes[index] };
          break;
        case 2:
          ex = { name, kind: "memory", index, memory: this.memoryTypes[index] };
          break;
        case 3: {
          ex = { name, kind: "global", index, global: this.globalTypes[index] };
          if (index >= this.importedGlobals) {
            const value = this.facts.globals[index - this.importedGlobals].value;
            if (value !== undefined) ex.value = value;
          }
          break;
        }
        default:
          ex = { name, kind: "tag", index, tag: this.tagTypes[index] };
      }
      exports[i] = ex;
    }
    this.facts.exports = exports;
  }

  readElements(s: Cursor): void {
    const n = s.readCount("element segment count", MAX_ELEMENT_SEGMENTS, 1);
    for (let i = 0; i < n; i++) {
      const start = s.offset;
      const flags = s.readVarU32("element segment flags");
      if (flags > 7) {
        s.fail(`Cannot read element segment flags: unknown flags ${flags}`, start);
      }
      // Bit 0: passive/declarative; bit 1: explicit table (active) or declarative; bit 2: exprs.
      const active = (flags & 1) === 0;
      if (active && (flags & 2)) s.readVarU32("element table index");
      if (active) readConstExpr(s, "element segment offset");
      if (flags & 3) {
        if (flags & 4) {
          readRefType(s, "element type");
        } else {
          const kindOffset = s.offset;
          const kind = s.readU8("element kind");
          if (kind !== 0) s.fail(`Cannot read element kind: unknown kind ${hex(kind)}`, kindOffset);
        }
      }
      if (flags & 4) {
        const m = s.readCount("element expression count", MAX_ELEMENT_ITEMS, 2);
        for (let j = 0; j < m; j++) readConstExpr(s, "element expression");
      } else {
        const m = s.readCount("element function count", MAX_ELEMENT_ITEMS, 1);
        for (let j = 0; j < m; j++) s.readVarU32("element function index");
      }
    }
  }

  readCode(s: Cursor): void {
    this.codeCountOffset = s.offset;
    const n = s.readCount("function body count", MAX_FUNCTIONS, 1);
    const declared = this.facts.functions.length;
    if (n !== declared) {
      s.fail(
        `Cannot read function body count: ${plural(n, "body", "bodies")} for ${
          plural(declared, "declared function")
        }`,
        this.codeCountOffset,
      );
    }
    for (let i = 0; i < n; i++) s.skipSized("function body");
    this.facts.codeCount = n;
  }

  readData(s: Cursor): void {
    const countOffset = s.offset;
    const n = s.readCount("data segment count", MAX_DATA_SEGMENTS, 1);
    const declared = this.facts.dataCount;
    if (declared !== undefined && declared !== n) {
      s.fail(
        `Cannot read data segment count: ${
          plural(n, "segment")
        } but the data count section says ${declared}`,
        countOffset,
      );
    }
    for (let i = 0; i < n; i++) {
      const start = s.offset;
      const flags = s.readVarU32("data segment flags");
      if (flags > 2) s.fail(`Cannot read data segment flags: unknown flags ${flags}`, start);
      if (flags === 2) s.readVarU32("data memory index");
      if (flags !== 1) readConstExpr(s, "data segment offset");
      s.skipSized("data segment");
    }
    this.facts.dataSegmentCount = n;
    this.sawData = true;
  }

  /** Whole-module checks that need every section seen. */
  checkCounts(): void {
    const facts = this.facts;
    if (facts.functions.length > 0 && this.codeCountOffset < 0) {
      this.sectionFail(
        "function",
        `Cannot read section "function": ${
          plural(facts.functions.length, "function")
        } declared but there is no code section`,
        this.functionSectionOffset,
      );
    }
    if (facts.dataCount !== undefined && facts.dataCount !== 0 && !this.sawData) {
      this.sectionFail(
        "data count",
        `Cannot read section "data count": ${
          plural(facts.dataCount, "data segment")
        } declared but there is no data section`,
        this.dataCountOffset,
      );
    }
  }
}
