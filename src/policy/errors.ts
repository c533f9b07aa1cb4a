/**
 * Errors of policy loading: every problem names its file, line, column and key path.
 *
 * @module
 */

/** What kind of check found the problem. */
export type PolicyErrorCode = "syntax" | "schema" | "semantic" | "duplicate-id" | "input";

/**
 * A problem in one policy file. `loadPolicies` returns these rather than throwing them, so
 * that one malformed file never stops the others.
 *
 * @example
 * ```ts
 * const e = new PolicyError("unknown key \"tagg\"", {
 *   file: "policies/x.yaml", line: 3, column: 1, keyPath: "tagg", code: "schema",
 * });
 * formatPolicyError(e); // "policies/x.yaml:3:1: tagg: unknown key \"tagg\""
 * ```
 */
export class PolicyError extends SyntaxError {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Dotted key path with indices, e.g. `installable.aliases[1]`; `(root)` for the document. */
  readonly keyPath: string;
  readonly code: PolicyErrorCode;
  /** The bare message, without the location prefix. */
  readonly detail: string;

  constructor(
    detail: string,
    where: { file: string; line: number; column: number; keyPath: string; code: PolicyErrorCode },
  ) {
    super(`${where.file}:${where.line}:${where.column}: ${where.keyPath}: ${detail}`);
    this.name = "PolicyError";
    this.detail = detail;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.keyPath = where.keyPath;
    this.code = where.code;
  }
}

/**
 * Format a policy error as `file:line:column: keyPath: message`.
 *
 * @example
 * ```ts
 * const e = new PolicyError("must be a string", {
 *   file: "a.yaml", line: 2, column: 7, keyPath: "title", code: "schema",
 * });
 * formatPolicyError(e); // "a.yaml:2:7: title: must be a string"
 * ```
 */
export function formatPolicyError(error: PolicyError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.keyPath}: ${error.detail}`;
}
