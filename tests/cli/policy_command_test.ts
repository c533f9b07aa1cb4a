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
