import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { freshCache, MIRROR, REPO } from "./_run.ts";

/** Every cached outcome file with its modification time. */
async function outcomeFiles(cacheDir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const root = join(cacheDir, "outcomes");
  try {
    for await (const dir of Deno.readDir(root)) {
      for await (const f of Deno.readDir(join(root, dir.name))) {
        if (!f.name.endsWith(".json")) continue;
        const path = join(root, dir.name, f.name);
        out.set(path, (await Deno.stat(path)).mtime!.getTime());
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

/** Where a run's report goes: under reports/, never in a cache (`--out` refuses that). */
async function reportPath(cacheDir: string): Promise<string> {
  const dir = join(REPO, "reports", "test-artifacts", `resume-${basename(cacheDir)}`);
  await Deno.mkdir(dir, { recursive: true });
  return join(dir, "report.json");
}

function conform(cacheDir: string, out: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${cacheDir},${dirname(out)}`,
      "--allow-env",
      "--allow-run=npm,deno",
      join(REPO, "src", "cli", "main.ts"),
      join(REPO, "corpus"),
      "--oracle",
      "none",
      "--quiet",
      "--offline",
      "--cache-dir",
      cacheDir,
      "--mirror",
      MIRROR,
      "--runtime",
      "0.23.4,0.27.7,0.28.3",
      "--format",
      "json",
      "--out",
      out,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
}

Deno.test("a conform run killed midway keeps its finished pairs and the next run reuses them", async () => {
  const cacheDir = await freshCache();
  const out = await reportPath(cacheDir);
  const first = conform(cacheDir, out).spawn();
  // Wait until some pairs are finished (but not all), then kill without warning.
  const deadline = Date.now() + 240_000;
  let before = new Map<string, number>();
  while (Date.now() < deadline) {
    before = await outcomeFiles(cacheDir);
    if (before.size >= 40) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  first.kill("SIGKILL");
  await first.status;
  before = await outcomeFiles(cacheDir);
  assert.ok(before.size >= 40, `only ${before.size} pairs finished before the kill`);
  await assert.rejects(Deno.stat(out), "the killed run wrote no report");

  const second = await conform(cacheDir, out).output();
  assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
  const report = JSON.parse(await Deno.readTextFile(out));
  const after = await outcomeFiles(cacheDir);
  // Each scored pair, and each wheel on its own runtime where the selection leaves that out.
  const selected = new Set(report.runtimes.map((r: { version: string }) => r.version));
  const ownApart =
    report.wheels.filter((w: { builtFor?: string; builtForOutcome?: string }) =>
      w.builtForOutcome && w.builtFor && !selected.has(w.builtFor)
    ).length;
  assert.ok(ownApart > 0, "some wheels were built for a runtime the run did not select");
  assert.equal(after.size, report.outcomes.length + ownApart, "one cached outcome per pair");
  assert.ok(before.size < after.size, "the first run was killed before it finished");
  for (const [path, mtime] of before) {
    // Reused, not recomputed: the file the killed run wrote is untouched.
    assert.equal(after.get(path), mtime, `${path} was rewritten`);
  }
  await Deno.remove(cacheDir, { recursive: true });
  await Deno.remove(dirname(out), { recursive: true });
});

Deno.test("a corrupt cached outcome is detected by its digest and recomputed", async () => {
  const cacheDir = await freshCache();
  const out = await reportPath(cacheDir);
  const run1 = await conform(cacheDir, out).output();
  assert.equal(run1.code, 0, new TextDecoder().decode(run1.stderr));
  const report1 = JSON.parse(await Deno.readTextFile(out));
  const files = [...(await outcomeFiles(cacheDir)).keys()];
  // Flip the verdict inside one cached entry, keeping valid JSON: only the digest can tell.
  const victim = files[0];
  const doc = JSON.parse(await Deno.readTextFile(victim));
  const original = doc.outcome.outcome;
  doc.outcome.outcome = original === "links" ? "link-error" : "links";
  await Deno.writeTextFile(victim, JSON.stringify(doc));
  const run2 = await conform(cacheDir, out).output();
  assert.equal(run2.code, 0);
  const report2 = JSON.parse(await Deno.readTextFile(out));
  const pick = (r: { outcomes: { wheel: string; runtime: string; outcome: string }[] }) =>
    r.outcomes.map((o) => `${o.wheel}@${o.runtime}=${o.outcome}`).sort();
  assert.deepEqual(pick(report2), pick(report1), "the tampered verdict did not leak");
  const rebuilt = JSON.parse(await Deno.readTextFile(victim));
  assert.equal(rebuilt.outcome.outcome, original);
  await Deno.remove(cacheDir, { recursive: true });
  await Deno.remove(dirname(out), { recursive: true });
});
