/**
 * Readers for the custom sections whose contents are facts: `dylink.0`, legacy `dylink`,
 * `target_features` and `producers`. Each gets a cursor over the section payload after its name.
 *
 * @module
 */
import type { DylinkInfo, ProducersInfo, TargetFeature } from "./types.ts";
import { type Cursor, hex } from "./_cursor.ts";
import {
  MAX_NEEDED,
  MAX_PRODUCER_FIELDS,
  MAX_PRODUCER_VALUES,
  MAX_RUNTIME_PATHS,
  MAX_SUBSECTIONS,
  MAX_SYMBOL_INFOS,
  MAX_TARGET_FEATURES,
} from "./_limits.ts";

/** dylink.0 subsection ids (tool-conventions DynamicLinking.md). */
const DYLINK_SUBSECTION_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "MEM_INFO"],
  [2, "NEEDED"],
  [3, "EXPORT_INFO"],
  [4, "IMPORT_INFO"],
  [5, "RUNTIME_PATH"],
]);

/**
 * Reads `dylink.0`: a sequence of `{type: u8, size: u32, payload}`. Known subsections must use
 * exactly their size; unknown ones are skipped and their ids kept. Repeated subsections behave as
 * in Emscripten's loader (`getDylinkMetadata`): lists accumulate, the last MEM_INFO wins.
 */
export function readDylink0(c: Cursor): DylinkInfo {
  const info: DylinkInfo = {
    format: "dylink.0",
    memorySize: 0,
    memoryAlign: 0,
    tableSize: 0,
    tableAlign: 0,
    needed: [],
    exportInfo: [],
    importInfo: [],
    runtimePath: [],
    unknownSubsections: [],
  };
  let count = 0;
  while (c.remaining > 0) {
    const start = c.offset;
    if (++count > MAX_SUBSECTIONS) {
      c.fail(`Cannot read subsection: more than ${MAX_SUBSECTIONS} subsections`, start);
    }
    const type = c.readU8("subsection type");
    const known = DYLINK_SUBSECTION_NAMES.get(type);
    const label = known === undefined ? `subsection ${type}` : `subsection ${type} (${known})`;
    const sizeOffset = c.offset;
    const size = c.readVarU32(`${label} size`);
    const s = c.window(size, label, sizeOffset, `${label} of section "dylink.0"`, c.section);
    switch (type) {
      case 1:
        info.memorySize = s.readVarU32("memory size");
        info.memoryAlign = s.readVarU32("memory alignment");
        info.tableSize = s.readVarU32("table size");
        info.tableAlign = s.readVarU32("table alignment");
        break;
      case 2: {
        const n = s.readCount("needed library count", MAX_NEEDED, 1);
        for (let i = 0; i < n; i++) info.needed.push(s.readName("needed library name"));
        break;
      }
      case 3: {
        const n = s.readCount("export info count", MAX_SYMBOL_INFOS, 2);
        for (let i = 0; i < n; i++) {
          const name = s.readName("export info name");
          info.exportInfo.push({ name, flags: s.readVarU32("export info flags") });
        }
        break;
      }
      case 4: {
        const n = s.readCount("import info count", MAX_SYMBOL_INFOS, 3);
        for (let i = 0; i < n; i++) {
          const module = s.readName("import info module name");
          const name = s.readName("import info name");
          info.importInfo.push({ module, name, flags: s.readVarU32("import info flags") });
        }
        break;
      }
      case 5: {
        const n = s.readCount("runtime path count", MAX_RUNTIME_PATHS, 1);
        for (let i = 0; i < n; i++) info.runtimePath.push(s.readName("runtime path"));
        break;
      }
      default:
        info.unknownSubsections.push(type);
        continue;
    }
    s.expectEnd();
  }
  return info;
}

/** Reads the legacy flat `dylink` section (Emscripten before 2.0.30). */
export function readLegacyDylink(c: Cursor): DylinkInfo {
  const memorySize = c.readVarU32("memory size");
  const memoryAlign = c.readVarU32("memory alignment");
  const tableSize = c.readVarU32("table size");
  const tableAlign = c.readVarU32("table alignment");
  const n = c.readCount("needed library count", MAX_NEEDED, 1);
  const needed: string[] = [];
  for (let i = 0; i < n; i++) needed.push(c.readName("needed library name"));
  c.expectEnd();
  return {
    format: "dylink",
    memorySize,
    memoryAlign,
    tableSize,
    tableAlign,
    needed,
    exportInfo: [],
    importInfo: [],
    runtimePath: [],
    unknownSubsections: [],
  };
}

/** Reads `target_features`: `{prefix: '+' | '-' | '=', name}*`. */
export function readTargetFeatures(c: Cursor): TargetFeature[] {
  const n = c.readCount("target feature count", MAX_TARGET_FEATURES, 2);
  const features: TargetFeature[] = [];
  for (let i = 0; i < n; i++) {
    const start = c.offset;
    const p = c.readU8("target feature prefix");
    if (p !== 0x2b && p !== 0x2d && p !== 0x3d) {
      c.fail(`Cannot read target feature prefix: unknown prefix ${hex(p)}`, start);
    }
    const prefix = p === 0x2b ? "+" : p === 0x2d ? "-" : "=";
    features.push({ prefix, name: c.readName("target feature name") });
  }
  c.expectEnd();
  return features;
}

/** Reads `producers`: fields, each a list of `{name, version}`. A repeated field appends. */
export function readProducers(c: Cursor): ProducersInfo {
  const producers: ProducersInfo = {};
  const n = c.readCount("producers field count", MAX_PRODUCER_FIELDS, 2);
  for (let i = 0; i < n; i++) {
    const field = c.readName("producers field name");
    const m = c.readCount("producers value count", MAX_PRODUCER_VALUES, 2);
    if (!Object.hasOwn(producers, field)) {
      // defineProperty: a field called "__proto__" must stay a plain own key.
      Object.defineProperty(producers, field, {
        value: [],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const values = producers[field];
    for (let j = 0; j < m; j++) {
      const name = c.readName("producers value name");
      values.push({ name, version: c.readName("producers value version") });
    }
  }
  c.expectEnd();
  return producers;
}
