import assert from "node:assert/strict";
import { renderJson } from "../../src/report/json.ts";
import { REPORT_SCHEMA, validateReport } from "../../src/report/validate.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { makeReport } from "./_make_report.ts";

/** Deep copy with the keys of every object shuffled (reversed), to test the stable order. */
function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
}

Deno.test("renderJson() writes version 1 first, in a stable key order", async (t) => {
  const report = makeReport();
  const text = renderJson(report);

  await t.step("starts with version 1 and round-trips", () => {
    assert.ok(text.startsWith('{\n  "version": 1,\n'));
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
  });

  await t.step("the order does not depend on how the object was built", () => {
    const shuffled = reverseKeys(report) as ConformReport;
    assert.notEqual(JSON.stringify(shuffled), JSON.stringify(report));
    assert.equal(renderJson(shuffled), text);
  });

  await t.step("keys follow the schema's property order", () => {
    const top = Object.keys(JSON.parse(text));
    const schemaOrder = Object.keys(REPORT_SCHEMA.properties as object).filter((k) =>
      top.includes(k)
    );
    assert.deepEqual(top, schemaOrder);
    const policy = Object.keys(JSON.parse(text).policies[0]);
    assert.deepEqual(policy.slice(0, 3), ["id", "title", "file"]);
  });

  await t.step("byClass maps are sorted by key", () => {
    const keys = Object.keys(JSON.parse(text).agreement.byClass);
    assert.deepEqual(keys, [...keys].sort());
  });
});

Deno.test("validateReport() accepts generated reports and explains invalid ones", async (t) => {
  await t.step("generated reports of several shapes are valid", () => {
    for (
      const spec of [
        {},
        { wheels: 1, policies: 1, oracleEvery: 0 },
        { unavailable: [], inputErrors: [], defective: [] },
        { wheels: 40 },
      ]
    ) {
      const result = validateReport(JSON.parse(renderJson(makeReport(spec))));
      assert.equal(result.valid, true, JSON.stringify(result.errors));
    }
  });

  // deno-lint-ignore no-explicit-any
  const invalid: [string, (r: Record<string, any>) => void, string, RegExp][] = [
    ["a missing field", (r) => delete r.policies[1].rank, "/policies/1/rank", /required/],
    [
      "a wrong type",
      (r) => (r.policies[0].unsafeAccepts = "3"),
      "/policies/0/unsafeAccepts",
      /integer/,
    ],
    [
      "an unknown outcome class",
      (r) => (r.outcomes[2].outcome = "maybe"),
      "/outcomes/2/outcome",
      /allowed values/,
    ],
    ["the wrong version", (r) => (r.version = 2), "/version", /constant/],
    [
      "a bad verdict",
      (r) => (r.policies[0].predictions[4].verdict = "fine"),
      "/policies/0/predictions/4/verdict",
      /allowed values/,
    ],
    ["an unknown top-level key", (r) => (r.extra = true), "/extra", /not a property/],
    ["a bad date", (r) => (r.generatedAt = "yesterday"), "/generatedAt", /date-time/],
    ["a bad sha256", (r) => (r.wheels[0].sha256 = "xyz"), "/wheels/0/sha256", /pattern/],
  ];
  for (const [what, mutate, path, message] of invalid) {
    await t.step(`${what} fails at ${path}`, () => {
      const json = JSON.parse(renderJson(makeReport({ wheels: 6 })));
      mutate(json);
      const result = validateReport(json);
      assert.equal(result.valid, false);
      const hit = result.errors.find((e) => e.path === path);
      assert.ok(hit, `no error at ${path}: ${JSON.stringify(result.errors)}`);
      assert.match(hit.message, message);
    });
  }

  await t.step("non-objects are rejected, not thrown on", () => {
    for (const v of [null, 42, "report", []]) assert.equal(validateReport(v).valid, false);
  });
});
