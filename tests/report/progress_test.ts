import assert from "node:assert/strict";
import { createProgress, formatEta } from "../../src/report/progress.ts";

type ProgressOptions = Parameters<typeof createProgress>[0];

/** A sink that records every write, a clock the test moves, and a progress display on both. */
function harness() {
  const writes: string[] = [];
  let t = 1_000_000;
  const stream = { write: (s: string) => void writes.push(s) };
  const now = () => t;
  return {
    writes,
    now,
    advance: (ms: number) => void (t += ms),
    start: (options: Omit<ProgressOptions, "stream" | "now">) =>
      createProgress({ ...options, stream, now }),
  };
}

Deno.test("createProgress() on a terminal redraws one bar in place, throttled", async () => {
  const h = harness();
  const p = h.start({
    total: 200,
    label: "linking",
    isTerminal: true,
  });
  assert.equal(h.writes.length, 1, "an initial empty bar");
  assert.match(h.writes[0]!, /^\rlinking ░+ 0\/200 {3}0% · estimating…$/);
  p.tick(); // same instant: throttled
  assert.equal(h.writes.length, 1);
  h.advance(50);
  p.tick();
  assert.equal(h.writes.length, 1, "50 ms after the last draw is still throttled");
  h.advance(1950);
  p.tick(48); // 50 done after 2 s: 150 left at 25/s = 6 s
  assert.equal(h.writes.length, 2);
  // "6 s left" is shorter than "estimating…": spaces blank out what is left of it.
  assert.match(h.writes[1]!, /^\rlinking █+░+ 50\/200 {2}25% · 6 s left *$/);
  const bar = h.writes[1]!.match(/(█+)(░+)/)!;
  assert.equal(bar[1]!.length * 3, bar[2]!.length, "a quarter of the bar is filled");
  assert.ok(!h.writes.some((w) => w.includes("\n")), "never a new line before done");
  h.advance(6000);
  p.tick(150);
  await p.done();
  // The final line is shorter than the bar: spaces blank out the rest, never an escape.
  assert.match(h.writes.at(-1)!, /^\rlinking: 200\/200 done in 8 s {10,}\n$/);
  // deno-lint-ignore no-control-regex
  assert.ok(!h.writes.some((w) => /\u001b/.test(w)), "no escape sequence at all");
  p.tick();
  assert.equal(p.count, 200, "ticks after done are ignored");
});

Deno.test("createProgress() off a terminal prints a line every 10% or every 5 s", async () => {
  const h = harness();
  const p = h.start({
    total: 100,
    label: "pairs",
    isTerminal: false,
  });
  for (let i = 0; i < 100; i++) {
    h.advance(100);
    p.tick();
  }
  await p.done();
  const lines = h.writes.join("").split("\n").filter(Boolean);
  // 10%, 20% … 90% (100% is the final line), every one a full line, no \r.
  assert.equal(lines.length, 10);
  assert.equal(lines[0], "pairs: 10/100 (10%), 9 s left");
  assert.equal(lines[8], "pairs: 90/100 (90%), 1 s left");
  assert.equal(lines[9], "pairs: 100/100 done in 10 s");
  assert.ok(!h.writes.join("").includes("\r"));

  const slow = harness();
  const q = slow.start({ total: 1000, label: "slow", isTerminal: false });
  slow.advance(4000);
  q.tick();
  assert.equal(slow.writes.length, 0);
  slow.advance(1000);
  q.tick(); // 5 s since start, below 10%: 998 left at 2.5 s each = 2495 s
  assert.deepEqual(slow.writes, ["slow: 2/1000 (0%), 41 min 35 s left\n"]);
});

Deno.test("createProgress() with quiet writes nothing but still counts", async () => {
  const h = harness();
  const p = h.start({
    total: 5,
    label: "x",
    isTerminal: true,
    quiet: true,
  });
  p.tick(3);
  await p.done();
  assert.equal(p.count, 3);
  assert.deepEqual(h.writes, []);
});

Deno.test("createProgress() writes bytes in order to a WritableStream", async () => {
  const chunks: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
  const h = harness();
  const p = createProgress({ total: 2, label: "w", stream, isTerminal: false, now: h.now });
  h.advance(10);
  p.tick();
  await p.done();
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  assert.equal(text, "w: 1/2 (50%), estimating…\nw: 1/2 done in under 1 s\n");
});

Deno.test("formatEta() is short and human", () => {
  assert.equal(formatEta(400), "0 s");
  assert.equal(formatEta(59_400), "59 s");
  assert.equal(formatEta(185_000), "3 min 05 s");
  assert.equal(formatEta(3_720_000), "1 h 02 min");
});

Deno.test("createProgress() shows the item at hand after the bar, cut to the width", () => {
  const h = harness();
  const p = h.start({
    total: 4,
    label: "reading",
    isTerminal: true,
    columns: 100,
  });
  h.advance(200);
  p.tick(1, `wheels/${"x".repeat(100)}.whl`);
  const line = h.writes.at(-1)!;
  assert.match(line, /^\rreading █+░+ 1\/4 {2}25% · estimating… wheels\/x+/);
  assert.equal([...line].length, 1 + 99, "cut to the width, minus one column");
  h.advance(200);
  p.tick(1, "evil\u001b[2J\u0007name.whl");
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(h.writes.at(-1)!.slice(1)));
  assert.match(h.writes.at(-1)!, /evil\ufffd\[2J\ufffdname\.whl/);
});

Deno.test("createProgress() clear() erases the bar; the next tick draws it again", () => {
  const h = harness();
  const p = h.start({
    total: 4,
    label: "reading",
    isTerminal: true,
  });
  const barLength = [...h.writes[0]!].length - 1;
  p.clear();
  assert.equal(h.writes.at(-1), `\r${" ".repeat(barLength)}\r`);
  const writes = h.writes.length;
  p.clear();
  assert.equal(h.writes.length, writes, "nothing drawn, nothing to erase");
  p.tick(1, "a.whl"); // same instant as the last draw: drawn anyway after a clear
  assert.equal(h.writes.length, writes + 1);
  assert.match(h.writes.at(-1)!, /^\rreading █+░+ 1\/4 .* a\.whl$/);
});

Deno.test("createProgress() off a terminal: clear() writes nothing", () => {
  const h = harness();
  const p = h.start({
    total: 4,
    label: "r",
    isTerminal: false,
  });
  p.clear();
  assert.equal(h.writes.length, 0);
});
