import assert from "node:assert/strict";
import { groupRuntimesByTag } from "../../src/policy/mod.ts";

Deno.test("groupRuntimesByTag(): transitive groups in the order runtimes first appear", async (t) => {
  await t.step("one shared tag is enough, and sharing is transitive", () => {
    assert.deepEqual(
      groupRuntimesByTag([
        ["a", ["t1"]],
        ["b", ["t2"]],
        ["c", ["t1", "t3"]],
        ["d", ["t3", "t2"]],
        ["e", ["t4"]],
      ]),
      [["a", "b", "c", "d"], ["e"]],
    );
  });
  await t.step("a later runtime joining two earlier groups keeps the order", () => {
    assert.deepEqual(
      groupRuntimesByTag([["x", ["p"]], ["y", ["q"]], ["z", []], ["w", ["q", "p"]]]),
      [["x", "y", "w"], ["z"]],
    );
  });
  await t.step("no tags: every runtime alone; a repeated runtime counts once", () => {
    assert.deepEqual(groupRuntimesByTag([["a", []], ["b", []], ["a", ["t"]]]), [["a"], ["b"]]);
    assert.deepEqual(groupRuntimesByTag([]), []);
  });
});
