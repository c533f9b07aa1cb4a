/**
 * The allow-list: symbols a strict link check would call unresolved although the real runtime
 * copes (a package injects them at run time, or they are never called). Kept as data in
 * `allow_list.json`; every entry carries its reason and the public source that shows it.
 *
 * @module
 */
import bundled from "./allow_list.json" with { type: "json" };

/** Upper bound on entries and on symbols per entry. */
export const MAX_ALLOW_ENTRIES = 10_000;
export const MAX_ALLOW_SYMBOLS = 100_000;

/** Where an entry applies. Every given field must match; an empty scope matches nothing. */
export interface AllowScope {
  /**
   * Package name pattern (`*` wildcard), compared with the wheel's METADATA `Name`, normalised as
   * PEP 503 does (lower case, runs of `-_.` become `-`).
   */
  package?: string;
  /** Member path pattern (`*` matches within a path segment, `**` across segments). */
  member?: string;
}

export interface AllowEntry {
  /** Symbol names or patterns (`*` wildcard). */
  symbols: string[];
  scope: AllowScope;
  /** Which unresolved kind it covers: functions, GOT entries, or both (default). */
  kind?: "function" | "got" | "any";
  reason: string;
  /** Public source backing the reason (repository path, issue, changelog line). */
  source: string;
}

export interface AllowList {
  version: 1;
  entries: AllowEntry[];
}

/** The allow-list is malformed. */
export class AllowListFormatError extends SyntaxError {
  readonly path: string;
  constructor(reason: string, path: string) {
    super(`${reason} (at ${path})`);
    this.name = "AllowListFormatError";
    this.path = path;
  }
}

/** PEP 503 normalisation of a project name.  *
 * @example
 * ```ts
 * import { normalizeProjectName } from "./allow_list.ts";
 * console.assert(normalizeProjectName("Zope.Interface_x") === "zope-interface-x");
 * ```
 */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function globToRegExp(pattern: string, pathMode: boolean): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pathMode && pattern[i + 1] === "*") {
        re += ".*";
        i++;
        if (pattern[i + 1] === "/") i++;
      } else re += pathMode ? "[^/]*" : ".*";
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Validate parsed allow-list JSON.
 *
 * @throws {AllowListFormatError} when a field is missing or of the wrong type
 * @example
 * ```ts
 * import { parseAllowList } from "./allow_list.ts";
 * const list = parseAllowList({ version: 1, entries: [] });
 * console.assert(list.entries.length === 0);
 * ```
 */
export function parseAllowList(json: unknown): AllowList {
  const o = json as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new AllowListFormatError("Must be an object", "$");
  if (o.version !== 1) throw new AllowListFormatError("Unsupported version", "$.version");
  if (!Array.isArray(o.entries)) throw new AllowListFormatError("Must be an array", "$.entries");
  if (o.entries.length > MAX_ALLOW_ENTRIES) {
    throw new AllowListFormatError(`More than ${MAX_ALLOW_ENTRIES} entries`, "$.entries");
  }
  const entries = o.entries.map((e: Record<string, unknown>, i: number): AllowEntry => {
    const at = `$.entries[${i}]`;
    if (
      !Array.isArray(e.symbols) || e.symbols.length === 0 || e.symbols.length > MAX_ALLOW_SYMBOLS
    ) {
      throw new AllowListFormatError("Must be a non-empty array of symbols", `${at}.symbols`);
    }
    for (const s of e.symbols) {
      if (typeof s !== "string" || !s) {
        throw new AllowListFormatError("Must be a string", `${at}.symbols`);
      }
    }
    const scope = e.scope as Record<string, unknown>;
    if (typeof scope !== "object" || scope === null || (!scope.package && !scope.member)) {
      throw new AllowListFormatError("Must name a package or member pattern", `${at}.scope`);
    }
    for (const k of ["reason", "source"]) {
      if (typeof e[k] !== "string" || !(e[k] as string).trim()) {
        throw new AllowListFormatError("Must be a non-empty string", `${at}.${k}`);
      }
    }
    if (e.kind !== undefined && !["function", "got", "any"].includes(e.kind as string)) {
      throw new AllowListFormatError("Must be function, got or any", `${at}.kind`);
    }
    return {
      symbols: e.symbols as string[],
      scope: {
        package: scope.package as string | undefined,
        member: scope.member as string | undefined,
      },
      kind: e.kind as AllowEntry["kind"],
      reason: e.reason as string,
      source: e.source as string,
    };
  });
  return { version: 1, entries };
}

/** The allow-list shipped with the harness (`src/link/allow_list.json`). */
export const DEFAULT_ALLOW_LIST: AllowList = parseAllowList(bundled);

/** A compiled allow-list, asked per (package, member, symbol). */
export class AllowMatcher {
  readonly #entries: {
    entry: AllowEntry;
    pkg?: RegExp;
    member?: RegExp;
    symbols: RegExp[];
  }[];

  constructor(list: AllowList) {
    this.#entries = list.entries.map((entry) => ({
      entry,
      pkg: entry.scope.package
        ? globToRegExp(normalizeProjectName(entry.scope.package), false)
        : undefined,
      member: entry.scope.member ? globToRegExp(entry.scope.member, true) : undefined,
      symbols: entry.symbols.map((s) => globToRegExp(s, false)),
    }));
  }

  /**
   * The entry allowing `symbol` for this package/member, if any.
   *
   * @example
   * ```ts
   * import { AllowMatcher } from "./allow_list.ts";
   * const m = new AllowMatcher({ version: 1, entries: [{
   *   symbols: ["zengl_gl*"], scope: { package: "zengl" }, reason: "injected", source: "x",
   * }] });
   * console.assert(m.match({ packageName: "ZenGL", member: "_zengl.so", symbol: "zengl_glClear", kind: "function" }) !== undefined);
   * ```
   */
  match(q: {
    packageName?: string;
    member: string;
    symbol: string;
    kind: "function" | "got";
  }): AllowEntry | undefined {
    const pkg = q.packageName ? normalizeProjectName(q.packageName) : undefined;
    for (const e of this.#entries) {
      const kind = e.entry.kind ?? "any";
      if (kind !== "any" && kind !== q.kind) continue;
      if (e.pkg && (!pkg || !e.pkg.test(pkg))) continue;
      if (e.member && !e.member.test(q.member)) continue;
      if (e.symbols.some((r) => r.test(q.symbol))) return e.entry;
    }
    return undefined;
  }
}
