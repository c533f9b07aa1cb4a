/**
 * The GOT: entries created per check, pre-filled from the main and loaded modules
 * (`updateGOT`), and filled by value (`reportUndefinedSymbols`).
 *
 * @module
 */
import type { GotEntry, LinkSession } from "./_session.ts";
import { type LoadContext, type ModuleRun, relocatedExport } from "./_load_state.ts";
import type { SymbolRecord } from "./_symbols.ts";

/** GOT entry for a symbol, pre-filled from the main's and already loaded modules' exports. */
export function gotEntry(ctx: LoadContext, r: ModuleRun, id: number, rec: SymbolRecord): GotEntry {
  const { state, session } = ctx;
  const name = rec.name;
  let entry = state.got.get(id);
  if (!entry) {
    // One Global per name and session, reused by every check (creating thousands is slow).
    const g = rec.got ??= new WebAssembly.Global({ value: "i32", mutable: true }, 0);
    entry = { name, global: g, required: false, filled: false };
    state.got.set(id, entry);
    if (!rec.internal) {
      // The main's updateGOT ran at startup; each loaded module's updateGOT ran after it.
      const constant = mainGotConstant(session, rec);
      if (constant !== undefined) {
        g.value = constant;
        entry.filled = true;
      } else if (rec.main) {
        fillGot(ctx, entry, name, session.symbol(name));
      }
      for (const m of state.loadedModules) {
        if (entry.filled) break;
        if (m.exportNames.has(name)) fillGotFrom(ctx, entry, name, m as ModuleRun);
      }
      if (!entry.filled) state.gotUnfilled.push(entry);
    }
    if (!entry.filled) g.value = 0;
  }
  if (r.weakImports.size === 0 || !r.weakImports.has(name)) entry.required = true;
  return entry;
}

/**
 * What the main's updateGOT puts in a GOT entry, when it is the same for every check of the
 * session: a main function's fixed table slot or a data symbol's address. Kept in the session's
 * record of the name; about half of all side-module imports are GOT entries, most naming the main.
 */
export function mainGotConstant(session: LinkSession, rec: SymbolRecord): number | undefined {
  if (rec.gotConstant === undefined) {
    // A main function's slot is fixed; main globals (data symbols as Globals, 314+) are
    // immutable.
    rec.gotConstant = rec.main
      ? gotNumber(session.symbol(rec.name), () => session.mainFunctionSlot(rec.name)) ?? null
      : null;
  }
  return rec.gotConstant ?? undefined;
}

/** The number a GOT entry holds for a value; `slotOf` places a function in the table. */
export function gotNumber(
  value: unknown,
  slotOf: (fn: unknown) => number | undefined,
): number | undefined {
  if (typeof value === "function") return slotOf(value);
  if (typeof value === "number") return value;
  if (value instanceof WebAssembly.Global && typeof value.value === "number") return value.value;
  return undefined;
}

export function fillGot(ctx: LoadContext, entry: GotEntry, name: string, value: unknown): boolean {
  const n = gotNumber(value, (fn) => ctx.session.addFunction(fn, name));
  if (n === undefined) return false;
  entry.global.value = n;
  entry.filled = true;
  return true;
}

/** Fill a GOT entry from a module's export; a dropped function export gets a placeholder. */
export function fillGotFrom(
  ctx: LoadContext,
  entry: GotEntry,
  name: string,
  r: ModuleRun,
  e = r.exportNames.get(name),
): void {
  const v = relocatedExport(r, ctx.runtime.loader.dataSymbolsAsGlobals, name, e);
  if (v !== undefined) {
    fillGot(ctx, entry, name, v);
    return;
  }
  if (e?.kind === "func" && e.func) {
    entry.global.value = ctx.session.placeholderSlot(e.func);
    entry.filled = true;
  }
}

/**
 * updateGOT: fill still-empty entries from a module's relocated exports. Only the entries nothing
 * has filled yet are visited (most are filled from the main when created); internal names never
 * join that list.
 */
export function updateGot(ctx: LoadContext, r: ModuleRun): void {
  const unfilled = ctx.state.gotUnfilled;
  let kept = 0;
  for (const entry of unfilled) {
    if (entry.filled) continue;
    const e = r.exportNames.get(entry.name);
    if (e !== undefined) fillGotFrom(ctx, entry, entry.name, r, e);
    if (!entry.filled) unfilled[kept++] = entry;
  }
  unfilled.length = kept;
}
