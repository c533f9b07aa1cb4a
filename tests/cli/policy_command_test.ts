import assert from "node:assert/strict";
import { run } from "../../src/cli/policy_command.ts";
import { UsageError } from "../../src/cli/_args.ts";
import { EXIT_OK, EXIT_POLICY_ERROR, EXIT_UNREADABLE_INPUT } from "../../src/cli/_exit_codes.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const POLICIES = new URL("../../policies/", import.meta.url).pathname;

Deno.test("conform policy check", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "policy-check-" });
  try {
    await t.step("the shipped policies are valid: exit 0", async () => {
      const c = capture();
      assert.equal(await run(["check", POLICIES], c.io), EXIT_OK);
      assert.deepEqual(c.out, []);
      assert.match(c.err[0], /^(\d+) of \1 policy file\(s\) valid, 0 problem\(s\)$/);
    });
    await t.step("a broken policy: file:line:column: keyPath: message, exit 3", async () => {
      const bad = `${dir}/bad.yaml`;
      await Deno.writeTextFile(
        bad,
        'id: bad\ntitle: t\ndescription: d\nsource: [{title: a, ref: b}]\ntag: "x_{yeer}"\ninstallable: {rule: exact}\n',
      );
      const c = capture();
      assert.equal(await run(["check", bad, POLICIES], c.io), EXIT_POLICY_ERROR);
      assert.deepEqual(c.out, [
        `${bad}:5:10: tag: unknown template field "{yeer}" (did you mean "year"?)`,
      ]);
    });
    await t.step("an unreadable file: exit 4", async () => {
      const c = capture();
      assert.equal(await run(["check", `${dir}/missing.yaml`], c.io), EXIT_UNREADABLE_INPUT);
      assert.match(c.out[0], /missing\.yaml: cannot read/);
    });
    await t.step("usage errors throw UsageError (main maps it to exit 2)", async () => {
      await assert.rejects(() => run(["check"], capture().io), UsageError);
      await assert.rejects(() => run(["lint", POLICIES], capture().io), UsageError);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("conform policy preview", async (t) => {
  await t.step(
    "every catalogue runtime with the tag its wheels get and the tags it accepts",
    async () => {
      const c = capture();
      assert.equal(await run(["preview", `${POLICIES}pep783.yaml`], c.io), EXIT_OK);
      const text = c.out.join("\n");
      const catalogue = JSON.parse(
        await Deno.readTextFile(new URL("../../corpus/runtimes.json", import.meta.url)),
      ) as { runtimes?: { version: string }[] } | { version: string }[];
      const versions = (Array.isArray(catalogue) ? catalogue : catalogue.runtimes ?? []).map((r) =>
        r.version
      );
      assert.ok(versions.length >= 11);
      for (const v of versions) {
        assert.match(
          text,
          new RegExp(`^${v.replaceAll(".", "\\.")} `, "m"),
        );
      }
      assert.match(
        text,
        /^0\.29\.5 +3\.13\.\d+ +4\.0\.9 +pyemscripten_2025_0_wasm32 +pyemscripten_2025_0_wasm32 pyodide_2025_0_wasm32$/m,
      );
      assert.match(text, /^runtimes sharing a tag: 0\.26\.4 = 0\.27\.7; 0\.28\.3 = 0\.29\.5/m);
    },
  );
  await t.step("--json: one preview per policy, a directory expands", async () => {
    const c = capture();
    assert.equal(await run(["preview", POLICIES, "--json"], c.io), EXIT_OK);
    const previews = JSON.parse(c.out.join("\n"));
    assert.ok(previews.length >= 12);
    const pep = previews.find((p: { policy: { id: string } }) => p.policy.id === "pep783");
    assert.equal(pep.rule, "aliases");
  });
  await t.step(
    "a broken policy: its problem on stderr, exit 3; the others still previewed",
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "policy-preview-" });
      try {
        const bad = `${dir}/bad.yaml`;
        await Deno.writeTextFile(bad, "id: bad\ntitle: t\n");
        const c = capture();
        assert.equal(
          await run(["preview", bad, `${POLICIES}pep783.yaml`], c.io),
          EXIT_POLICY_ERROR,
        );
        assert.ok(c.err.some((l) => l.startsWith(bad)));
        assert.match(c.out.join("\n"), /^pep783: /m);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
  await t.step("--json belongs to preview", async () => {
    await assert.rejects(() => run(["check", POLICIES, "--json"], capture().io), UsageError);
    await assert.rejects(() => run(["preview"], capture().io), UsageError);
  });
});

Deno.test("conform policy show is preview under the issue's name", async () => {
  const shown = capture();
  const previewed = capture();
  assert.equal(await run(["show", `${POLICIES}pep783.yaml`], shown.io), EXIT_OK);
  assert.equal(await run(["preview", `${POLICIES}pep783.yaml`], previewed.io), EXIT_OK);
  assert.deepEqual(shown.out, previewed.out);
  assert.ok(shown.out.join("\n").includes("pyemscripten_"), shown.out.join("\n"));
});

Deno.test("conform policy compare: the pairs two policies decide differently", async (t) => {
  const { comparePolicies } = await import("../../src/report/compare_policies.ts");
  const { makeReport } = await import("../report/_make_report.ts");
  const report = makeReport({ wheels: 12 });
  const [a, b] = report.policies;
  await t.step("pure: every difference is a pair one installs and the other refuses", () => {
    const c = comparePolicies(report, a, b);
    const key = (p: { wheel: string; runtime: string }) => `${p.wheel} ${p.runtime}`;
    const expected = a.predictions.filter((pa) =>
      b.predictions.some((pb) => key(pb) === key(pa) && pb.install !== pa.install)
    ).map(key).sort();
    assert.deepEqual(c.differences.map(key).sort(), expected);
    for (const d of c.differences) assert.notEqual(d.a.install, d.b.install);
    assert.ok(c.rightA + c.rightB <= c.differences.length);
    // A policy compared with itself differs nowhere.
    assert.equal(comparePolicies(report, a, a).differences.length, 0);
  });
  await t.step("--report: from a saved report, exit 0; an unknown id, exit 3", async () => {
    const dir = await Deno.makeTempDir({ prefix: "policy-compare-" });
    try {
      const file = `${dir}/r.json`;
      const { renderJson } = await import("../../src/report/json.ts");
      await Deno.writeTextFile(file, renderJson(report));
      const cmd = (args: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "src/cli/main.ts", "policy", "compare", ...args],
          cwd: new URL("../../", import.meta.url),
          stdout: "piped",
          stderr: "piped",
        }).output();
      const ok = await cmd([a.id, b.id, "--report", file, "--json"]);
      assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
      const parsed = JSON.parse(new TextDecoder().decode(ok.stdout));
      assert.equal(parsed.differences.length, comparePolicies(report, a, b).differences.length);
      // A policy file stands for the id inside it, whatever the file is called.
      const renamed = `${dir}/renamed.yaml`;
      await Deno.copyFile(`${POLICIES}pyodide-plain.yaml`, renamed);
      const byFile = await cmd(["pyodide-plain", renamed, "--report", file, "--json"]);
      assert.equal(byFile.code, 0, new TextDecoder().decode(byFile.stderr));
      assert.equal(JSON.parse(new TextDecoder().decode(byFile.stdout)).b, "pyodide-plain");
      const unknown = await cmd([a.id, "no-such-policy", "--report", file]);
      assert.equal(unknown.code, 3);
      assert.match(new TextDecoder().decode(unknown.stderr), /no policy no-such-policy/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
