/**
 * Pyodide version ordering and version ranges, as policies use them (`pyodide: ">=0.29.4"`).
 * Versions look like `0.27.7`, `0.26.0.dev0`, `0.28.0a3`, `315.0.0-alpha.2`: release numbers,
 * then an optional pre-release, ordered as PEP 440 orders them (dev < a < b < rc < final).
 *
 * @module
 */

const PRE_RANK: Record<string, number> = {
  dev: 0,
  a: 1,
  alpha: 1,
  b: 2,
  beta: 2,
  rc: 3,
  c: 3,
  pre: 3,
};
const FINAL_RANK = 4;
const VERSION_RE = /^v?(\d+(?:\.\d+)*)(?:[-._]?(dev|alpha|beta|pre|rc|a|b|c)[-._]?(\d+)?)?$/i;
const RANGE_CLAUSE_RE = /^(>=|<=|==|!=|>|<)\s*(\S+)$/;

interface ParsedVersion {
  release: number[];
  preRank: number;
  preNumber: number;
}

function parseVersion(version: string): ParsedVersion | undefined {
  const m = VERSION_RE.exec(version.trim());
  if (!m) return undefined;
  return {
    release: m[1].split(".").map(Number),
    preRank: m[2] ? PRE_RANK[m[2].toLowerCase()] : FINAL_RANK,
    preNumber: m[3] ? Number(m[3]) : 0,
  };
}

/**
 * Compare two Pyodide versions: negative, zero or positive. Unparseable versions sort after
 * parseable ones, by plain string order.
 *
 * @example
 * ```ts
 * compareVersions("0.26.0.dev0", "0.26.0a5") < 0; // true
 * compareVersions("315.0.0-alpha.2", "314.0.7") > 0; // true
 * ["0.29.5", "0.21.3", "314.0.7"].sort(compareVersions); // ["0.21.3", "0.29.5", "314.0.7"]
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) {
    if (pa) return -1;
    if (pb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const n = Math.max(pa.release.length, pb.release.length);
  for (let i = 0; i < n; i++) {
    const d = (pa.release[i] ?? 0) - (pb.release[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa.preRank !== pb.preRank) return pa.preRank - pb.preRank;
  return pa.preNumber - pb.preNumber;
}

/** One clause of a range, e.g. `{ op: ">=", version: "0.29.4" }`. */
export interface RangeClause {
  op: ">=" | "<=" | "==" | "!=" | ">" | "<";
  version: string;
}

/**
 * Parse a comma-separated version range. Returns the clauses, or a message saying what is wrong.
 *
 * @example
 * ```ts
 * parseRange(">=0.26.0a5,<0.29.4"); // { clauses: [{op: ">=", version: "0.26.0a5"}, {op: "<", version: "0.29.4"}] }
 * parseRange("~0.1").error; // "clause \"~0.1\" is not OP VERSION (OP one of >=, <=, ==, !=, >, <)"
 * ```
 */
export function parseRange(range: string): { clauses: RangeClause[]; error?: string } {
  const clauses: RangeClause[] = [];
  for (const part of range.split(",")) {
    const text = part.trim();
    const m = RANGE_CLAUSE_RE.exec(text);
    if (!m) {
      return {
        clauses,
        error: `clause "${text}" is not OP VERSION (OP one of >=, <=, ==, !=, >, <)`,
      };
    }
    if (!parseVersion(m[2])) return { clauses, error: `"${m[2]}" is not a version` };
    clauses.push({ op: m[1] as RangeClause["op"], version: m[2] });
  }
  return { clauses };
}

/**
 * True when `version` lies in `range` (every clause holds). An unparseable range matches nothing.
 *
 * @example
 * ```ts
 * satisfiesRange("0.29.5", ">=0.29.4"); // true
 * satisfiesRange("0.29.3", ">=0.29.4"); // false
 * ```
 */
export function satisfiesRange(version: string, range: string): boolean {
  const { clauses, error } = parseRange(range);
  if (error) return false;
  return clauses.every(({ op, version: bound }) => {
    const c = compareVersions(version, bound);
    switch (op) {
      case ">=":
        return c >= 0;
      case "<=":
        return c <= 0;
      case ">":
        return c > 0;
      case "<":
        return c < 0;
      case "==":
        return c === 0;
      case "!=":
        return c !== 0;
    }
  });
}
