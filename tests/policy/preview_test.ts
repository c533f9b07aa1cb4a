/**
 * `previewPolicy`: what each shipped policy does to each runtime of a catalogue, from the
 * scorer's own functions.
 */
import assert from "node:assert/strict";
import { previewPolicy, runtimeTagsFor, wheelTagsFor } from "../../src/policy/mod.ts";
import { CATALOGUE, runtime, shippedPolicies, wheelFor } from "./_fixtures.ts";

const policies = await shippedPolicies();

Deno.test("previewPolicy(): pep783 over the catalogue", () => {
  const preview = previewPolicy(policies.get("pep783")!, CATALOGUE);
  assert.equal(preview.rule, "aliases");
  assert.deepEqual(preview.rows.map((r) => r.runtime), CATALOGUE.map((e) => e.version));
  const row = (v: string) => preview.rows.find((r) => r.runtime === v)!;
  assert.equal(row("0.28.3").wheelTag, "pyemscripten_2025_0_wasm32");
  assert.deepEqual(row("0.29.5").accepts, ["pyemscripten_2025_0_wasm32", "pyodide_2025_0_wasm32"]);
  assert.equal(row("0.21.3").wheelTag, "pyemscripten_2022_0_wasm32", "derived year/patch");
  assert.deepEqual(preview.groups.filter((g) => g.length > 1), [
    ["0.26.4", "0.27.7"],
    ["0.28.3", "0.29.5"],
  ]);
  assert.equal(preview.distinctTags, 8);
  assert.ok(row("0.27.7").inferred.includes("flags.exceptions"), "flags are inferred, and say so");
});

Deno.test("previewPolicy(): the same tags the scorer gives, for every shipped policy", () => {
  for (const [id, policy] of policies) {
    const preview = previewPolicy(policy, CATALOGUE);
    for (const row of preview.rows) {
      assert.deepEqual(row.accepts, runtimeTagsFor(policy, runtime(row.runtime)).tags, id);
      if (policy.wheelTag === "filename") {
        assert.equal(row.wheelTag, "", id);
        assert.match(row.wheelTagReason, /file name/);
        continue;
      }
      // A wheel built for the runtime that passes a relabel audit on it.
      const wheel = { ...wheelFor(row.runtime, "x"), tags: [], builtForOutcome: "links" as const };
      assert.equal(
        row.wheelTag,
        wheelTagsFor(policy, wheel).tags.join("."),
        `${id} ${row.runtime}`,
      );
      assert.ok(row.wheelTag !== "", `${id} gives ${row.runtime} a tag`);
    }
  }
});

Deno.test("previewPolicy(): relabel and build-tag policies show both halves", async (t) => {
  await t.step("two-tier-relabel: the build's hash tag, then the blessed tag", () => {
    const row = previewPolicy(policies.get("two-tier-relabel")!, CATALOGUE).rows
      .find((r) => r.runtime === "0.28.3")!;
    assert.match(row.buildTimeTag ?? "", /^emscripten_[0-9a-f]{8}_wasm32$/);
    assert.equal(row.wheelTag, "pyemscripten_2025_0_wasm32");
    assert.deepEqual(row.accepts, [row.buildTimeTag, row.wheelTag]);
  });
  await t.step("pyodide-plain-build-tag: one platform tag, the build tag splits the groups", () => {
    const preview = previewPolicy(policies.get("pyodide-plain-build-tag")!, CATALOGUE);
    assert.ok(preview.rows.every((r) => r.wheelTag === "pyodide_wasm32"));
    const build = (v: string) => preview.rows.find((r) => r.runtime === v)!.buildTag;
    assert.match(build("0.26.4") ?? "", /^0[0-9a-f]{8}$/);
    assert.equal(build("0.26.4"), build("0.27.7"));
    assert.notEqual(build("0.27.7"), build("0.28.3"));
    assert.deepEqual(preview.groups.find((g) => g.includes("0.26.4")), ["0.26.4", "0.27.7"]);
  });
});
