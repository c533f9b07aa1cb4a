/**
 * The text link matrix (`conform link` over several archives and runtimes) and the legend of its
 * outcome codes.
 */
import assert from "node:assert/strict";
import {
  describeOutcomeCodes,
  OUTCOME_CODES,
  renderOutcomeMatrix,
} from "../../src/link/describe_outcome.ts";
import { OUTCOME_CLASS_INFO, OUTCOME_CLASSES } from "../../src/link/outcome_classes.ts";

Deno.test("renderOutcomeMatrix() prints a legend for every code it uses", async (t) => {
  const lines = renderOutcomeMatrix(
    [
      {
        name: "orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl",
        outcomes: ["python-mismatch", "links"],
      },
      {
        name: "MarkupSafe-2.1.2-cp311-cp311-emscripten_3_1_32_wasm32.whl",
        outcomes: ["links", undefined],
      },
      { name: "openssl-1.1.1n.zip", outcomes: ["link-error", "unresolved"] },
    ],
    ["0.23.4", "0.27.7"],
  );

  await t.step("archives down, runtimes across, one code per cell", () => {
    assert.match(lines[0]!, /0\.23\.4 0\.27\.7$/);
    assert.match(lines[1]!, /^orjson-3\.10\.1\S+ +py +ok$/);
    assert.match(lines[2]!, /^MarkupSafe-2\.1\.2\S+ +ok +\?$/);
    assert.match(lines[3]!, /^openssl-1\.1\.1n\.zip +ERR +unres$/);
    assert.equal(lines[5], "links 2, python-mismatch 1, unresolved 1, link-error 1");
  });

  await t.step("the legend: each code used, best first, and what it means", () => {
    const legend = lines.slice(lines.indexOf("Codes:") + 1);
    assert.deepEqual(legend.map((l) => l.trim().split(/\s+/)[0]), [
      "ok",
      "py",
      "unres",
      "ERR",
      "?",
    ]);
    for (const l of legend.slice(0, -1)) {
      const code = l.trim().split(/\s+/)[0]!;
      const cls = OUTCOME_CLASSES.find((c) => OUTCOME_CODES[c] === code)!;
      assert.equal(l.trim(), `${code.padEnd(8)}${cls}: ${OUTCOME_CLASS_INFO[cls].meaning}`);
    }
    assert.match(legend[legend.length - 1]!, /^ {2}\? +not checked/);
  });

  await t.step("describeOutcomeCodes() covers every class by default", () => {
    const all = describeOutcomeCodes();
    assert.equal(all.length, OUTCOME_CLASSES.length);
    assert.deepEqual(
      all.map((l) => l.split(/\s+/)[0]),
      OUTCOME_CLASSES.map((c) => OUTCOME_CODES[c]),
    );
  });
});

Deno.test("renderOutcomeMatrix() tells a Python mismatch first, the link outcome after it", () => {
  const lines = renderOutcomeMatrix(
    [{ name: "a.whl", outcomes: ["link-error", "links"], python: [true, false] }],
    ["0.27.7", "0.28.3"],
  );
  assert.match(lines[1]!, /^a\.whl +py\/ERR +ok$/);
  assert.ok(
    lines.some((l) => /^ {2}py\/X +the Python version disagrees/.test(l)),
    lines.join("\n"),
  );
  // Without the flag, the class alone.
  const plain = renderOutcomeMatrix([{ name: "a.whl", outcomes: ["link-error"] }], ["0.28.3"]);
  assert.match(plain[1]!, /^a\.whl +ERR$/);
});
