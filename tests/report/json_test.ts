import assert from "node:assert/strict";
import { renderJson } from "../../src/report/json.ts";
import { REPORT_SCHEMA, validateReport } from "../../src/report/validate.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { JUDGEMENTS } from "../../src/link/outcome_classes.ts";
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
    [
      "a judgement missing",
      (r) => delete r.policies[0].scores.strict,
      "/policies/0/scores/strict",
      /required/,
    ],
    [
      "counts without inconclusive",
      (r) => delete r.policies[0].scores.load.withDefective.inconclusive,
      "/policies/0/scores/load/withDefective/inconclusive",
      /required/,
    ],
    [
      "an unknown judgement",
      (r) => (r.policies[0].scores.lenient = r.policies[0].scores.load),
      "/policies/0/scores/lenient",
      /not a property/,
    ],
    [
      "an unknown kind of evidence",
      (r) => (r.policies[0].predictions[0].evidence = "guess"),
      "/policies/0/predictions/0/evidence",
      /allowed values/,
    ],
    [
      "a defective pair scored as defective",
      (r) => {
        const p = r.policies[0].predictions.find((x: { withDefective?: unknown }) =>
          x.withDefective
        );
        p.withDefective.load = "defective";
      },
      // Wheel 5 is the fixture's defective wheel: its first pair is prediction 5 × 10 runtimes.
      "/policies/0/predictions/50/withDefective/load",
      /allowed values/,
    ],
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

  await t.step("a report from before the two judgements still validates", () => {
    const json = JSON.parse(renderJson(makeReport({ wheels: 6 })));
    for (const p of json.policies) {
      delete p.scores;
      for (const x of p.predictions) {
        delete x.evidence;
        delete x.strictVerdict;
        delete x.withDefective;
      }
    }
    assert.equal(validateReport(json).valid, true);
  });

  await t.step("non-objects are rejected, not thrown on", () => {
    for (const v of [null, 42, "report", []]) assert.equal(validateReport(v).valid, false);
  });
});

Deno.test("the JSON report: both judgements per policy, each pair once", async (t) => {
  const report = makeReport();
  const json = JSON.parse(renderJson(report)) as ConformReport;

  await t.step("the schema names exactly the judgements of outcome_classes.ts", () => {
    // deno-lint-ignore no-explicit-any
    const defs = (REPORT_SCHEMA as any).definitions;
    assert.deepEqual(Object.keys(defs.policy.properties.scores.properties), [...JUDGEMENTS]);
    assert.deepEqual(defs.policy.properties.scores.required, [...JUDGEMENTS]);
    assert.deepEqual(Object.keys(defs.prediction.properties.withDefective.properties), [
      ...JUDGEMENTS,
    ]);
  });

  await t.step("top-level figures are the load judgement without defective wheels", () => {
    for (const p of json.policies) {
      const load = p.scores!.load;
      assert.deepEqual(
        [p.rank, p.correct, p.unsafeAccepts, p.needlessRejects, p.correctAccepts, p.correctRejects],
        [
          load.rank,
          load.correct,
          load.withoutDefective.unsafeAccepts,
          load.withoutDefective.needlessRejects,
          load.withoutDefective.correctAccepts,
          load.withoutDefective.correctRejects,
        ],
      );
    }
  });

  await t.step("no (policy, wheel, runtime) is listed twice", () => {
    for (const p of json.policies) {
      const keys = p.predictions.map((x) => `${x.wheel}|${x.runtime}`);
      assert.equal(new Set(keys).size, keys.length, p.id);
    }
  });

  await t.step(
    "latent pairs carry their strict verdict; defective pairs how they would count",
    () => {
      const latent = json.outcomes.find((o) => o.outcome === "latent")!;
      for (const p of json.policies) {
        const x = p.predictions.find((y) =>
          y.wheel === latent.wheel && y.runtime === latent.runtime
        )!;
        assert.equal(x.evidence, "link");
        assert.deepEqual(
          [x.verdict, x.strictVerdict],
          x.install ? ["correct-accept", "unsafe-accept"] : ["needless-reject", "correct-reject"],
        );
        const defective = p.predictions.filter((y) => y.verdict === "defective");
        assert.ok(defective.length > 0 && defective.every((y) => y.withDefective !== undefined));
        const own = defective.filter((y) => y.withDefective!.load === "unsafe-accept").length;
        assert.equal(
          p.scores!.load.withDefective.unsafeAccepts,
          p.scores!.load.withoutDefective.unsafeAccepts + own,
        );
      }
    },
  );
});
