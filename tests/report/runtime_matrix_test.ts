/**
 * The runtime × runtime matrix (src/report/_runtime_matrix.ts) on a hand-made report whose every
 * cell is known, and the tag groups of a scheme drawn over it.
 */
import assert from "node:assert/strict";
import type { OutcomeClass } from "../../src/link/types.ts";
import {
  buildRuntimeMatrix,
  groupRuntimesOfPolicy,
  isPlatformIndependent,
  pairWorks,
} from "../../src/report/_runtime_matrix.ts";
import type {
  ConformReport,
  ReportOracleResult,
  ReportOutcome,
  ReportPolicy,
  ReportWheel,
} from "../../src/report/types.ts";
import { makeReport } from "./_make_report.ts";

const RUNTIMES = ["0.26.4", "0.27.7", "0.28.3"];

function wheel(file: string, builtFor: string | undefined, extra: Partial<ReportWheel> = {}) {
  return {
    file,
    sha256: "0".repeat(64),
    kind: "wheel",
    ...(builtFor ? { builtFor } : {}),
    tags: [file.endsWith("-any.whl") ? "py3-none-any" : "cp312-cp312-pyodide_2024_0_wasm32"],
    inferred: [],
    ...extra,
  };
}

function outcome(
  w: string,
  runtime: string,
  cls: OutcomeClass,
  oracle?: Partial<ReportOracleResult>,
): ReportOutcome {
  return {
    wheel: w,
    runtime,
    outcome: cls,
    summary: cls,
    evidence: [],
    ...(oracle
      ? { oracle: { works: null, status: "ok", message: "", agrees: true, ...oracle } }
      : {}),
  };
}

/** Three runtimes; every kind of wheel the matrix counts or leaves out. */
function handMade(): ConformReport {
  const base = makeReport({ wheels: 0, policies: 0, oracleEvery: 0 });
  const wheels: ReportWheel[] = [
    wheel("a.whl", "0.26.4"), // links on its ABI, breaks on 0.28.3
    wheel("b.whl", "0.26.4"), // latent on 0.27.7; the oracle overturns 0.28.3
    wheel("c.whl", "0.28.3"), // breaks on the others; missing-dependency on 0.27.7
    wheel("pure-1.0-py3-none-any.whl", "0.26.4"), // platform any: left out
    wheel("defective.whl", "0.27.7", { defective: true }), // left out
    wheel("lib-1.0.zip", "0.26.4", { kind: "shared-library" }), // lock package: left out
    wheel("unknown.whl", undefined), // no built-for runtime: left out
  ];
  const outcomes: ReportOutcome[] = [
    outcome("a.whl", "0.26.4", "links"),
    outcome("a.whl", "0.27.7", "soft"),
    outcome("a.whl", "0.28.3", "link-error"),
    outcome("b.whl", "0.26.4", "links"),
    outcome("b.whl", "0.27.7", "latent"),
    outcome("b.whl", "0.28.3", "unresolved", { works: true, agrees: false }),
    outcome("c.whl", "0.26.4", "python-mismatch"),
    outcome("c.whl", "0.27.7", "missing-dependency"),
    outcome("c.whl", "0.28.3", "links", { works: false, status: "timeout", agrees: false }),
  ];
  for (const w of ["pure-1.0-py3-none-any.whl", "defective.whl", "lib-1.0.zip", "unknown.whl"]) {
    for (const r of RUNTIMES) outcomes.push(outcome(w, r, "links"));
  }
  return {
    ...base,
    runtimes: base.runtimes.filter((r) => RUNTIMES.includes(r.version)).map((r) => {
      const { unavailable: _, ...rest } = r;
      return rest;
    }),
    wheels,
    outcomes,
  };
}

/** `works/total` per cell, rows by built-for runtime. */
function shares(report: ConformReport, j: "load" | "strict"): string[][] {
  return buildRuntimeMatrix(report, j).cells.map((row) => row.map((c) => `${c.works}/${c.total}`));
}

Deno.test("buildRuntimeMatrix(): the share of a runtime's wheels that work on each runtime", async (t) => {
  const report = handMade();

  await t.step("under load: the oracle decides where it ran, latent works", () => {
    const m = buildRuntimeMatrix(report, "load");
    assert.deepEqual(m.runtimes, RUNTIMES);
    assert.deepEqual(m.wheels, [2, 0, 1], "pure, defective, lock and unplaced wheels left out");
    assert.deepEqual(shares(report, "load"), [
      ["2/2", "2/2", "1/2"], // b on 0.28.3: unresolved, but the real runtime loads it
      ["0/0", "0/0", "0/0"],
      ["0/1", "0/0", "0/1"], // c: inconclusive on 0.27.7; the oracle says it breaks on 0.28.3
    ]);
  });

  await t.step("under strict: a latent pair does not work", () => {
    assert.deepEqual(shares(report, "strict"), [
      ["2/2", "1/2", "1/2"],
      ["0/0", "0/0", "0/0"],
      ["0/1", "0/0", "0/1"],
    ]);
  });

  await t.step("pairWorks() reads the evidence ladder from report data", () => {
    assert.equal(pairWorks({ outcome: "unresolved", oracle: undefined }, "load"), false);
    const loads = { works: true, status: "ok", message: "", agrees: false };
    assert.equal(pairWorks({ outcome: "unresolved", oracle: loads }, "load"), true);
    assert.equal(pairWorks({ outcome: "latent", oracle: loads }, "strict"), false);
    assert.equal(pairWorks({ outcome: "missing-dependency", oracle: undefined }, "load"), null);
    const unknown = { ...loads, works: null };
    assert.equal(pairWorks({ outcome: "links", oracle: unknown }, "strict"), true);
  });

  await t.step("isPlatformIndependent(): only when every tag is platform any", () => {
    assert.equal(isPlatformIndependent({ tags: ["py3-none-any"] }), true);
    assert.equal(
      isPlatformIndependent({ tags: ["py3-none-any", "cp312-abi3-pyodide_2024_0_wasm32"] }),
      false,
    );
    assert.equal(isPlatformIndependent({ tags: [] }), false);
  });
});

Deno.test("groupRuntimesOfPolicy(): runtimes that accept a common tag under a scheme", () => {
  const prediction = (runtime: string, runtimeTags: string[]) => ({
    wheel: "a.whl",
    runtime,
    wheelTag: "x",
    runtimeTags,
    install: false,
    verdict: "correct-reject" as const,
    rule: "exact",
  });
  const policy: Pick<ReportPolicy, "predictions"> = {
    predictions: [
      prediction("0.26.4", ["pyemscripten_2024_0_wasm32", "pyodide_2024_0_wasm32"]),
      prediction("0.27.7", ["pyemscripten_2024_0_wasm32", "pyodide_2024_0_wasm32"]),
      prediction("0.28.3", ["emscripten_4_0_9_wasm32", "pyodide_2025_0_wasm32"]),
      prediction("0.29.5", ["emscripten_4_0_9_wasm32", "pyemscripten_2025_0_wasm32"]),
      prediction("0.29.5", ["emscripten_4_0_9_wasm32", "pyemscripten_2025_0_wasm32"]),
    ],
  };
  assert.deepEqual(
    groupRuntimesOfPolicy(policy, ["0.26.4", "0.27.7", "0.28.3", "0.29.5", "314.0.7"]),
    [["0.26.4", "0.27.7"], ["0.28.3", "0.29.5"], ["314.0.7"]],
    "0.28.3 and 0.29.5 share one of their tags; 314.0.7 has no prediction and stands alone",
  );
});
