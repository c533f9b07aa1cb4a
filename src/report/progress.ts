/**
 * Progress on stderr for long runs: a bar rewritten in place when stderr is a terminal, nothing
 * when it is not (logs and pipes stay clean) or with `quiet`; plain periodic lines to a stream
 * the caller gives that is no terminal. Time is injectable so tests need no timers.
 *
 * @module
 */
import { cleanForTerminal } from "./_common.ts";

/** Where progress goes: a byte stream (e.g. `Deno.stderr.writable`) or anything with `write(text)`. */
export type ProgressSink = WritableStream<Uint8Array> | { write(text: string): unknown };

/** Options of createProgress. */
export interface ProgressOptions {
  /** Number of units of work (pairs, wheels…). */
  total: number;
  label: string;
  /** Default: stderr. */
  stream?: ProgressSink;
  /** Draw a bar with `\r` (default: whether stderr is a terminal). */
  isTerminal?: boolean;
  /** Print nothing at all. */
  quiet?: boolean;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Terminal width in columns (default: stderr's when drawing there, else 80). */
  columns?: number;
  /** Minimum milliseconds between redraws of the bar (default 100). */
  redrawMs?: number;
  /** Plain mode: print a line at least every this many milliseconds (default 5000)… */
  lineEveryMs?: number;
  /** …and at every this fraction of the total (default 0.1). */
  lineEveryFraction?: number;
}

/** A running progress display. */
export interface Progress {
  /**
   * Count `n` more units done (default 1). `detail` (the file or project at hand) follows the
   * bar on a terminal, cut to its width, its control characters replaced (`cleanForTerminal`).
   */
  tick(n?: number, detail?: string): void;
  /** Erase the bar so a message can be printed; the next tick draws it again. */
  clear(): void;
  /** Final line; resolves when everything is written. Further ticks are ignored. */
  done(): Promise<void>;
  /** Units done so far. */
  readonly count: number;
}

/** Estimated time left is shown only after this much work, so the first guess is not wild. */
const MIN_ELAPSED_FOR_ESTIMATE_MS = 1000;

/**
 * A duration for people: `45 s`, `3 min 05 s`, `1 h 02 min`.
 *
 * @example
 * ```ts
 * formatEta(185_000); // "3 min 05 s"
 * ```
 */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

function sinkWriter(stream: ProgressSink): { write(text: string): void; flush(): Promise<void> } {
  if ("getWriter" in stream && typeof stream.getWriter === "function") {
    const writer = (stream as WritableStream<Uint8Array>).getWriter();
    const enc = new TextEncoder();
    let last: Promise<void> = Promise.resolve();
    return {
      write(text) {
        // Chain, so lines stay in order; errors (a closed pipe) must not crash the run.
        last = last.then(() => writer.write(enc.encode(text))).catch(() => {});
      },
      flush: async () => {
        await last;
        writer.releaseLock();
      },
    };
  }
  const plain = stream as { write(text: string): unknown };
  return { write: (text) => void plain.write(text), flush: () => Promise.resolve() };
}

function defaultStderr(): ProgressSink {
  const enc = new TextEncoder();
  return { write: (text: string) => Deno.stderr.writeSync(enc.encode(text)) };
}

/**
 * Create a progress display.
 *
 * @param options total, label, where to write and whether it is a terminal
 * @returns tick/done
 * @example
 * ```ts ignore
 * const p = createProgress({ total: pairs.length, label: "linking" });
 * for (const pair of pairs) { check(pair); p.tick(); }
 * await p.done();
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const total = Math.max(0, Math.floor(options.total));
  const start = now();
  let count = 0;
  let finished = false;
  // Progress is for people watching: on stderr only when it is a terminal (a log or a pipe
  // gets nothing), unless the caller gives its own stream.
  const quiet = options.quiet || (options.stream === undefined && !safeIsTerminal());
  if (quiet) {
    return {
      tick: (n = 1) => void (count += n),
      clear: () => {},
      done: () => Promise.resolve(),
      get count() {
        return count;
      },
    };
  }
  const terminal = options.isTerminal ?? safeIsTerminal();
  const out = sinkWriter(options.stream ?? defaultStderr());
  const columns = Math.max(
    40,
    options.columns ?? (terminal && options.stream === undefined ? terminalColumns() : 80),
  );
  const redrawMs = options.redrawMs ?? 100;
  const lineEveryMs = options.lineEveryMs ?? 5000;
  const fractionStep = options.lineEveryFraction ?? 0.1;
  let lastDraw = -Infinity;
  let lastLine = start;
  let lastFractionMark = 0;

  const eta = (t: number): string => {
    const elapsed = t - start;
    if (count <= 0 || elapsed < MIN_ELAPSED_FOR_ESTIMATE_MS) return "estimating…";
    const left = ((total - count) * elapsed) / count;
    return `${formatEta(left)} left`;
  };
  const pct = () => (total > 0 ? Math.floor((100 * Math.min(count, total)) / total) : 100);

  // \r and spaces over what is left of a longer line: no escape sequence ever (NO_COLOR asks
  // for none, and a terminal that ignores them would show them).
  let drawn = 0;
  const redraw = (line: string, end = "") => {
    const length = [...line].length;
    out.write(`\r${line}${" ".repeat(Math.max(0, drawn - length))}${end}`);
    drawn = end ? 0 : length;
  };
  let detail = "";
  const drawBar = (t: number) => {
    const counts = `${count}/${total} ${String(pct()).padStart(3)}% · ${eta(t)}`;
    const room = columns - 1 - options.label.length - counts.length - 5;
    const barWidth = Math.max(10, Math.min(40, room));
    const filled = total > 0 ? Math.round((barWidth * Math.min(count, total)) / total) : barWidth;
    const bar = `${"█".repeat(filled)}${"░".repeat(barWidth - filled)}`;
    const line = [...`${options.label} ${bar} ${counts}${detail ? ` ${detail}` : ""}`];
    redraw(line.slice(0, columns - 1).join(""));
    lastDraw = t;
  };
  const plainLine = (t: number) => {
    out.write(`${options.label}: ${count}/${total} (${pct()}%), ${eta(t)}\n`);
    lastLine = t;
  };

  if (terminal) drawBar(start);

  return {
    tick(n = 1, about?: string) {
      if (finished) return;
      count += n;
      if (about !== undefined) detail = cleanForTerminal(about);
      const t = now();
      if (terminal) {
        if (t - lastDraw >= redrawMs) drawBar(t);
        return;
      }
      const mark = total > 0 && fractionStep > 0
        ? Math.floor(Math.min(count, total) / total / fractionStep + 1e-9)
        : 0;
      const crossed = mark > lastFractionMark && count < total;
      if (crossed || t - lastLine >= lineEveryMs) {
        lastFractionMark = Math.max(lastFractionMark, mark);
        plainLine(t);
      }
    },
    clear() {
      if (!terminal || finished || drawn === 0) return;
      out.write(`\r${" ".repeat(drawn)}\r`);
      drawn = 0;
      lastDraw = -Infinity;
    },
    async done() {
      if (finished) return;
      finished = true;
      const t = now();
      const took = formatEta(t - start).replace(/^0 s$/, "under 1 s");
      if (terminal) {
        redraw(`${options.label}: ${count}/${total} done in ${took}`, "\n");
      } else {
        out.write(`${options.label}: ${count}/${total} done in ${took}\n`);
      }
      await out.flush();
    },
    get count() {
      return count;
    },
  };
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

function safeIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
