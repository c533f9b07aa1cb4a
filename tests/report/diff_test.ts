import assert from "node:assert/strict";
import { run } from "../../src/cli/diff_command.ts";
import { diffReports, isEmptyDiff, renderDiffText } from "../../src/report/diff.ts";
import { renderJson } from "../../src/report/json.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { makeReport, RUNTIMES, wheelBuiltFor } from "./_make_report.ts";

const ROOT = new URL("../../", import.meta.url);

/** A pair that links today between two runtimes of one ABI group (0.24.1 → 0.25.1). */
function sameGroupPair(report: ConformReport): { index: number; runtime: string } {
  const index = wheelBuiltFor(report, "0.24.1");
  assert.ok(index >= 0);
  return { index, runtime: "0.25.1" };
}

async function conform(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-env", "src/cli/main.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("diffReports() finds what moved and which unsafe accepts are new", async (t) => {
  const base = makeReport();
  const { index, runtime } = sameGroupPair(base);
  const wheel = base.wheels[index]!.file;

  await t.step("identical reports: empty diff", () => {
    const d = diffReports(base, makeReport());
    assert.ok(isEmptyDiff(d));
    assert.equal(renderDiffText(d), "No change.\n");
  });

  await t.step(
    "a pair that stops linking is a new unsafe accept for every policy that installs it",
    () => {
      const broken = makeReport({ overrides: { [`${index}|${runtime}`]: "link-error" } });
      const d = diffReports(base, broken);
      const before = base.outcomes.find((o) => o.wheel === wheel && o.runtime === runtime)!.outcome;
      assert.ok(before === "links" || before === "soft");
      assert.deepEqual(d.outcomes, [{ wheel, runtime, old: before, new: "link-error" }]);
      const installers = base.policies.filter((p) =>
        p.predictions.some((x) => x.wheel === wheel && x.runtime === runtime && x.install)
      ).map((p) => p.id).sort();
      assert.ok(installers.length > 0);
      assert.deepEqual([...new Set(d.newUnsafeAccepts.map((u) => u.policy))].sort(), installers);
      for (const u of d.newUnsafeAccepts) {
        assert.equal(u.wheel, wheel);
        assert.equal(u.outcome, "link-error");
        assert.equal(u.was, "correct-accept");
      }
      const flipped = d.policies.filter((p) => p.verdictChanged).map((p) => p.id);
      assert.ok(flipped.length > 0, "a correct policy became unsafe");
      assert.match(renderDiffText(d), /^GATE: POLICIES NOW UNSAFE \(were correct\) \(\d+\):/);
      assert.match(renderDiffText(d), /^NEW UNSAFE ACCEPTS \(\d+\):/m);
    },
  );

  await t.step("a new runtime brings the unsafe accepts of lax policies as new", () => {
    const extra = { ...RUNTIMES[1]!, version: "0.22.2", releaseDate: "2023-03-01" };
    const grown = makeReport({ runtimes: [...RUNTIMES, extra] });
    const d = diffReports(base, grown);
    assert.deepEqual(d.runtimes.added, ["0.22.2"]);
    assert.ok(d.newUnsafeAccepts.every((u) => u.runtime === "0.22.2" && u.was === undefined));
    assert.ok(d.newUnsafeAccepts.some((u) => u.policy === "pyodide-plain"));
    // The gate: only schemes that lose CORRECT count, not more unsafe accepts of unsafe ones.
    const lostCorrect = base.policies.filter((p) =>
      p.correct && !grown.policies.find((x) => x.id === p.id)!.correct
    ).map((p) => p.id).sort();
    assert.deepEqual([...d.gate.nowUnsafe].sort(), lostCorrect);
    const alreadyUnsafe = new Set(base.policies.filter((p) => !p.correct).map((p) => p.id));
    assert.ok(
      d.newUnsafeAccepts.some((u) => alreadyUnsafe.has(u.policy)),
      "the new runtime adds unsafe accepts to an already unsafe scheme",
    );
    for (const id of d.gate.nowUnsafe) assert.ok(!alreadyUnsafe.has(id));
  });

  await t.step("a wheel newly broken on its own runtime fails the gate", () => {
    const w = base.wheels.find((x) => x.builtFor && !x.defective)!;
    const wi = base.wheels.indexOf(w);
    const broken = makeReport({ overrides: { [`${wi}|${w.builtFor}`]: "link-error" } });
    const bw = broken.wheels[wi]!;
    bw.builtForOutcome = "link-error";
    const d = diffReports(base, broken);
    assert.deepEqual(d.gate.newOwnBreaks.map((b) => [b.wheel, b.runtime]), [[w.file, w.builtFor]]);
    // Broken before and after: not new.
    assert.deepEqual(diffReports(broken, broken).gate.newOwnBreaks, []);
  });

  await t.step("a runtime that becomes unavailable, a removed wheel, a new policy", () => {
    const fewer = makeReport({ policies: 10 });
    const bigger = makeReport({ unavailable: ["315.0.0-alpha.2", "0.29.5"], wheels: 13 });
    const d = diffReports(fewer, bigger);
    assert.deepEqual(d.runtimes.nowUnavailable, ["0.29.5"]);
    assert.deepEqual(d.wheels.removed, [base.wheels[13]!.file]);
    assert.deepEqual(d.policies.filter((p) => p.change === "added").map((p) => p.id), [
      "pep783-pyemscripten",
    ]);
    assert.equal(d.newUnsafeAccepts.length, 0, "a new policy's unsafe accepts are not regressions");
  });
});

Deno.test("conform diff: exit 6 when a correct scheme turns unsafe, 0 otherwise, 4 and 2 on bad input", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "conform-diff-" });
  try {
    const base = makeReport();
    const { index, runtime } = sameGroupPair(base);
    const oldFile = `${dir}/old.json`;
    await Deno.writeTextFile(oldFile, renderJson(base));

    await t.step("a correct scheme turned unsafe → 6, its new unsafe accepts listed", async () => {
      const newFile = `${dir}/regressed.json`;
      await Deno.writeTextFile(
        newFile,
        renderJson(makeReport({ overrides: { [`${index}|${runtime}`]: "unresolved" } })),
      );
      const r = await conform(["diff", oldFile, newFile]);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stdout, /NEW UNSAFE ACCEPTS/);
      assert.ok(r.stdout.includes(`${base.wheels[index]!.file} on ${runtime}`));
      assert.match(r.stderr, /now unsafe .*new unsafe accepts/);
      assert.match(r.stdout, /GATE: POLICIES NOW UNSAFE/);
    });

    await t.step("outcomes that move between broken classes, a removed wheel → 0", async () => {
      const broken = base.outcomes.find((o) => o.outcome === "link-error")!;
      const wi = base.wheels.findIndex((w) => w.file === broken.wheel);
      const newFile = `${dir}/moved.json`;
      const moved = makeReport({ overrides: { [`${wi}|${broken.runtime}`]: "trap" } });
      moved.wheels.pop();
      const gone = base.wheels[base.wheels.length - 1]!.file;
      moved.outcomes = moved.outcomes.filter((o) => o.wheel !== gone);
      for (const p of moved.policies) p.predictions = p.predictions.filter((x) => x.wheel !== gone);
      await Deno.writeTextFile(newFile, renderJson(moved));
      const r = await conform(["diff", oldFile, newFile]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`${broken.wheel} on ${broken.runtime}: link-error → trap`));
      assert.ok(r.stdout.includes(`Wheels removed (1):\n  ${gone}`));
      const json = await conform(["diff", "--json", oldFile, newFile]);
      assert.equal(json.code, 0);
      assert.deepEqual(JSON.parse(json.stdout).wheels.removed, [gone]);
    });

    // Bad input is checked in-process (the exit code is run()'s return value, as main() uses it).
    const inProcess = async (args: string[]) => {
      const err: string[] = [];
      const code = await run(args, { out: () => {}, err: (l) => void err.push(l) });
      return { code, stderr: err.join("\n") };
    };

    await t.step("unreadable or invalid JSON → 4 with the schema path", async () => {
      await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
      const r1 = await inProcess([oldFile, `${dir}/broken.json`]);
      assert.equal(r1.code, 4);
      assert.match(r1.stderr, /not JSON/);
      const invalid = JSON.parse(renderJson(base));
      delete invalid.policies[0].rank;
      await Deno.writeTextFile(`${dir}/invalid.json`, JSON.stringify(invalid));
      const r2 = await inProcess([`${dir}/invalid.json`, oldFile]);
      assert.equal(r2.code, 4);
      assert.match(r2.stderr, /\/policies\/0\/rank: is required/);
      const r3 = await inProcess([oldFile, `${dir}/missing.json`]);
      assert.equal(r3.code, 4);
    });

    await t.step("usage errors → 2", async () => {
      assert.equal((await inProcess([oldFile])).code, 2);
      assert.equal((await inProcess(["--bogus", oldFile, oldFile])).code, 2);
      assert.equal((await conform(["diff", oldFile])).code, 2, "also through main.ts");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
