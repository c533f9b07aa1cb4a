/**
 * The session's answer for an import name (glue first, then main exports), kept per session by
 * symbol number.
 *
 * @module
 */
import type { LinkSession, SymbolInfo } from "./_session.ts";
import { isInternalSym, type Provided, SPECIAL_ENV } from "./_load_state.ts";
import { describe, providedFromInfo } from "./_precheck.ts";

/**
 * A name of the base table (glue, then main exports) with what it hands over. `provided` is
 * absent for memories and tables, whose current size is read at each check.
 */
export interface BaseEntry {
  value: unknown;
  provided?: Provided;
}

/** What a session answers about one import name, whatever module imports it. */
export interface SymbolRecord {
  readonly name: string;
  /** The base table's answer (glue, then main exports); null when it lacks the name. */
  readonly base: BaseEntry | null;
  /** `__memory_base` or `__table_base`: answered per module. */
  readonly special: boolean;
  /** `isInternalSym`: never filled into the GOT from exports. */
  readonly internal: boolean;
  /** A main export (not a glue name). */
  readonly main: boolean;
  /** The main's constant GOT value (see `mainGotConstant`); null: none; undefined: not yet. */
  gotConstant?: number | null;
  /** The GOT Global of this name, reused by every check of the session. */
  got?: WebAssembly.Global;
}

export function symbolRecord(session: LinkSession, name: string): SymbolRecord {
  const info = session.symbolInfo(name);
  return {
    name,
    base: baseEntry(session, name, info),
    special: SPECIAL_ENV.has(name),
    internal: isInternalSym(name),
    main: info?.origin === "main",
  };
}

/** The base table's answer for a name (the symbols of a session never change). */
export function baseEntry(
  session: LinkSession,
  name: string,
  info: SymbolInfo | undefined,
): BaseEntry | null {
  const value = session.symbol(name);
  if (value === undefined) return null;
  if (value instanceof WebAssembly.Memory || value instanceof WebAssembly.Table) return { value };
  return {
    value,
    provided: (info && providedFromInfo(info)) ?? describe(session, value, new Map()),
  };
}
