/**
 * Named limits, checked before anything is allocated for a count or a size.
 *
 * Sized generously above real Pyodide main modules (about 10 MB, ~10k exports, ~9k defined
 * functions, ~8.7k table entries, ~1.1k global exports) and in line with the limits V8 and
 * wasmparser enforce, so only absurd (hostile or corrupt) inputs hit them.
 *
 * @module
 */

/** Largest module read at all (V8 refuses modules over 2 GiB; 1 GiB is plenty). */
export const MAX_MODULE_BYTES = 1024 * 1024 * 1024;
/** Sections of all kinds, custom ones included. */
export const MAX_SECTIONS = 100_000;
export const MAX_TYPES = 1_000_000;
export const MAX_IMPORTS = 100_000;
export const MAX_EXPORTS = 100_000;
export const MAX_FUNCTIONS = 1_000_000;
export const MAX_TABLES = 100_000;
export const MAX_MEMORIES = 100_000;
export const MAX_GLOBALS = 1_000_000;
export const MAX_TAGS = 1_000_000;
export const MAX_ELEMENT_SEGMENTS = 100_000;
export const MAX_ELEMENT_ITEMS = 10_000_000;
export const MAX_DATA_SEGMENTS = 100_000;
/** Bytes of one name (module, field, export, custom-section name, library name). */
export const MAX_NAME_BYTES = 100_000;
/** Parameters of one function type (V8: 1000). */
export const MAX_PARAMS = 1_000;
/** Results of one function type (V8: 1000). */
export const MAX_RESULTS = 1_000;
/** Operand stack depth of one constant expression. */
export const MAX_CONST_EXPR_DEPTH = 1_000;
/** Subsections of one `dylink.0` section. */
export const MAX_SUBSECTIONS = 1_000;
/** NEEDED libraries (dylink.0 subsection 2, legacy dylink). */
export const MAX_NEEDED = 10_000;
/** RUNTIME_PATH entries (dylink.0 subsection 5). */
export const MAX_RUNTIME_PATHS = 10_000;
/** EXPORT_INFO and IMPORT_INFO entries (dylink.0 subsections 3 and 4). */
export const MAX_SYMBOL_INFOS = 1_000_000;
/** `target_features` entries. */
export const MAX_TARGET_FEATURES = 10_000;
/** `producers` fields, and values per field. */
export const MAX_PRODUCER_FIELDS = 1_000;
export const MAX_PRODUCER_VALUES = 10_000;
