import assert from "node:assert/strict";
import {
  computeAgreement,
  decideOracle,
  judgePath,
  mulberry32,
  selectOracleSample,
} from "../../src/oracle/agreement.ts";
import type { OracleResult, PathResult } from "../../src/oracle/types.ts";

function path(over: Partial<PathResult> & Pick<PathResult, "path" | "status">): PathResult {
  return {
    message: "",
    loadMessages: [],
    loadErrors: [],
    imports: [],
    extensionsLoaded: [],
    extensionErrors: [],
    foreignSo: [],
    console: [],
    ms: { boot: 0, load: 0, import: 0, smoke: 0, total: 0 },
    ...over,
  };
}

function oracle(wheel: string, runtime: string, paths: PathResult[]): OracleResult {
  const d = decideOracle(paths);
  return {
    wheel,
    wheelSha256: "0".repeat(64),
    runtime,
    harnessVersion: "test",
    paths,
    ...(d.decisivePath ? { decisivePath: d.decisivePath } : {}),
    status: d.status,
    message: d.message,
    ...(d.symbol ? { symbol: d.symbol } : {}),
    ...(paths.find((p) => p.path === d.decisivePath)?.smoke
      ? { smoke: paths.find((p) => p.path === d.decisivePath)!.smoke }
      : {}),
    works: d.works,
    reason: d.reason,
    crossPython: paths.some((p) => p.path.endsWith("-renamed")),
    pathsDisagree: d.pathsDisagree,
    runnerErrors: [],
    ms: 0,
    msPerPath: [],
    cached: false,
  };
}

Deno.test("judgePath maps statuses to works / breaks / inconclusive", async (t) => {
  await t.step("ok with a passing smoke call works; a wrong value breaks", () => {
    const smoke = { status: "pass" as const, value: "'&lt;a&gt;'", expected: "'&lt;a&gt;'" };
    assert.equal(judgePath(path({ path: "load-package", status: "ok", smoke })).works, true);
    const wrong = { status: "fail" as const, value: "'<a>'", expected: "'&lt;a&gt;'" };
    const v = judgePath(path({ path: "load-package", status: "ok", smoke: wrong }));
    assert.equal(v.works, false);
    assert.match(v.reason, /'<a>'/);
  });
  await t.step("link-level failures and skipped extensions break", () => {
    for (
      const status of ["link-error", "unresolved", "got-undefined", "fatal", "skipped"] as const
    ) {
      assert.equal(judgePath(path({ path: "dlopen", status })).works, false, status);
    }
  });
  await t.step(
    "time-outs, harness failures and missing foreign dependencies are inconclusive",
    () => {
      assert.equal(judgePath(path({ path: "dlopen", status: "timeout" })).works, null);
      assert.equal(
        judgePath(path({ path: "dlopen", status: "other", stage: "dependency" })).works,
        null,
      );
      const missingDep = path({
        path: "dlopen",
        status: "python-exception",
        stage: "import",
        exceptionType: "ModuleNotFoundError",
        message: "ModuleNotFoundError: No module named 'numpy'",
        imports: [{ module: "shapely", ok: false }],
      });
      assert.equal(judgePath(missingDep).works, null);
      const ownModule = {
        ...missingDep,
        message: "ModuleNotFoundError: No module named 'shapely.lib'",
      };
      assert.equal(judgePath(ownModule).works, false);
    },
  );
  await t.step("a smoke error whose ImportError is only on stderr is inconclusive", () => {
    // pyo3 turns the ImportError into a panic; the missing module shows on stderr only.
    const panic = {
      status: "error" as const,
      value: "PanicException: Python API call failed",
      expected: "b'x'",
    };
    const withStderr = path({
      path: "load-package",
      status: "ok",
      smoke: panic,
      imports: [{ module: "cryptography", ok: true }],
      console: ["stderr: ModuleNotFoundError: No module named '_cffi_backend'"],
    });
    const v = judgePath(withStderr);
    assert.equal(v.works, null);
    assert.match(v.reason, /_cffi_backend/);
    // Without that line the same panic is a break.
    assert.equal(judgePath({ ...withStderr, console: [] }).works, false);
    // A missing module of the wheel itself is a break, not a missing dependency.
    const own = { ...withStderr, console: ["stderr: No module named 'cryptography'"] };
    assert.equal(judgePath(own).works, false);
  });
});

Deno.test("decideOracle: the package-loader family decides, renamed variant first", async (t) => {
  await t.step("cross-Python: load-package-renamed decides over the skipped load-package", () => {
    const d = decideOracle([
      path({ path: "load-package", status: "skipped" }),
      path({ path: "dlopen", status: "skipped" }),
      path({ path: "load-package-renamed", status: "link-error", symbol: "_PyLong_AsByteArray" }),
      path({ path: "dlopen-renamed", status: "link-error" }),
    ]);
    assert.equal(d.decisivePath, "load-package-renamed");
    assert.equal(d.works, false);
    assert.equal(d.symbol, "_PyLong_AsByteArray");
    assert.equal(d.pathsDisagree, false);
  });
  await t.step(
    "dlopen decides only without a package-loader path; disagreement is flagged",
    () => {
      const d = decideOracle([path({ path: "dlopen", status: "ok" })]);
      assert.equal(d.decisivePath, "dlopen");
      assert.equal(d.works, true);
      const timedOut = decideOracle([
        path({ path: "load-package", status: "timeout" }),
        path({ path: "dlopen", status: "ok" }),
      ]);
      assert.equal(timedOut.decisivePath, "load-package");
      assert.equal(timedOut.works, null);
      const e = decideOracle([
        path({ path: "load-package", status: "ok" }),
        path({ path: "dlopen", status: "got-undefined", symbol: "X" }),
      ]);
      assert.equal(e.decisivePath, "load-package");
      assert.equal(e.pathsDisagree, true);
    },
  );
  await t.step("no path: inconclusive", () => {
    assert.equal(decideOracle([]).works, null);
  });
});

Deno.test("computeAgreement classifies every disagreement", () => {
  const ev = (
    symbol: string,
  ) => [{
    kind: "unresolved-function" as const,
    symbol,
    message: `env.${symbol} resolves nowhere`,
  }];
  const pairs = [
    // agree: links / ok
    {
      link: { outcome: "links", evidence: [] },
      oracle: oracle("a.whl", "0.27.7", [path({ path: "load-package", status: "ok" })]),
    },
    // agree: link-error / link-error
    {
      link: {
        outcome: "link-error",
        evidence: [{ kind: "v8-link-error" as const, message: "Import #35" }],
      },
      oracle: oracle("b.whl", "0.28.3", [
        path({ path: "load-package-renamed", status: "link-error" }),
      ]),
    },
    // stub stricter: unresolved, real import works
    {
      link: { outcome: "unresolved", evidence: ev("saveSetjmp") },
      oracle: oracle("c.whl", "0.27.7", [path({ path: "load-package", status: "ok" })]),
    },
    // stub missed a break, invisible: links, smoke gives a wrong value
    {
      link: { outcome: "python-mismatch", evidence: [] },
      oracle: oracle("d.whl", "0.25.1", [
        path({
          path: "load-package-renamed",
          status: "ok",
          smoke: { status: "fail", value: "'<a>'", expected: "'&lt;a&gt;'" },
        }),
      ]),
    },
    // stub missed a break, visible to a link check: an engine gap
    {
      link: { outcome: "links", evidence: [] },
      oracle: oracle("e.whl", "0.28.3", [
        path({ path: "load-package", status: "unresolved", symbol: "invoke_vi" }),
      ]),
    },
    // other: link-error predicted, real works
    {
      link: { outcome: "link-error", evidence: [] },
      oracle: oracle("f.whl", "314.0.7", [path({ path: "load-package", status: "ok" })]),
    },
    // inconclusive
    {
      link: { outcome: "links", evidence: [] },
      oracle: oracle("g.whl", "0.27.7", [path({ path: "load-package", status: "timeout" })]),
    },
  ];
  const s = computeAgreement(pairs);
  assert.equal(s.pairs, 6);
  assert.equal(s.agreeing, 2);
  assert.equal(s.inconclusive.length, 1);
  assert.equal(s.inconclusive[0].wheel, "g.whl");
  assert.deepEqual(s.byKind, { "stub-stricter": 1, "stub-missed-break": 2, other: 1 });
  assert.deepEqual(s.byClass["links"], { pairs: 2, agreeing: 1, inconclusive: 1 });
  assert.deepEqual(s.byClass["link-error"], { pairs: 2, agreeing: 1, inconclusive: 0 });
  const byWheel = Object.fromEntries(s.disagreements.map((d) => [d.wheel, d]));
  assert.equal(byWheel["c.whl"].kind, "stub-stricter");
  assert.match(byWheel["c.whl"].explanation, /saveSetjmp/);
  assert.equal(byWheel["d.whl"].kind, "stub-missed-break");
  assert.equal(byWheel["d.whl"].invisibleToLinkCheck, true);
  assert.match(byWheel["d.whl"].oracleMessage, /'<a>'/);
  assert.equal(byWheel["e.whl"].invisibleToLinkCheck, false);
  assert.equal(byWheel["f.whl"].kind, "other");
});

Deno.test("selectOracleSample is seeded, order-independent and stratified", async (t) => {
  const pairs: { wheel: string; runtime: string; outcome: string; builtFor: string }[] = [];
  const runtimes = ["0.27.7", "0.28.3", "314.0.7"];
  for (let i = 0; i < 60; i++) {
    for (const runtime of runtimes) {
      pairs.push({
        wheel: `w${i}.whl`,
        runtime,
        outcome: i < 2 ? "link-error" : "links",
        builtFor: "0.27.7",
      });
    }
  }
  const a = selectOracleSample(pairs, { seed: 42, size: 12 });
  await t.step("same seed, input in another order: same sample", () => {
    const reordered = pairs.slice().reverse();
    const b = selectOracleSample(reordered, { seed: 42, size: 12 });
    assert.deepEqual(b.sample, a.sample);
    assert.equal(b.description, a.description);
  });
  await t.step("a rare class is represented and runtime pairs take turns", () => {
    assert.equal(a.sample.length, 12);
    const rare = a.sample.filter((p) => p.outcome === "link-error").length;
    assert.equal(rare, 6); // 2 wheels × 3 runtimes: the whole rare class
    const links = a.sample.filter((p) => p.outcome === "links");
    const perRuntime = runtimes.map((r) => links.filter((p) => p.runtime === r).length);
    assert.deepEqual(perRuntime, [2, 2, 2]);
    assert.match(a.description, /seed 42/);
    assert.equal(Object.keys(a.strata).length, 6);
  });
  await t.step("another seed picks other pairs", () => {
    const c = selectOracleSample(pairs, { seed: 7, size: 12 });
    assert.notDeepEqual(c.sample, a.sample);
  });
  await t.step("mulberry32 is deterministic and in [0, 1)", () => {
    const r = mulberry32(1);
    const xs = Array.from({ length: 1000 }, () => r());
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const again = mulberry32(1);
    assert.equal(again(), xs[0]);
  });
});

Deno.test("computeAgreement(): latent pairs work for the load; an import that calls a missing function is named", () => {
  const latent = (symbol: string) => [{
    kind: "latent-function" as const,
    symbol,
    module: "env",
    message: `env.${symbol} resolves nowhere; fails when called`,
  }];
  const s = computeAgreement([
    // The real runtime imports and smoke-tests it: agreement.
    {
      link: { outcome: "latent", evidence: latent("ZSTD_createThreadPool") },
      oracle: oracle("z.whl", "0.27.7", [path({ path: "load-package", status: "ok" })]),
    },
    // The load succeeds, then module init calls one of the missing functions.
    {
      link: { outcome: "latent", evidence: latent("invoke_vi") },
      oracle: oracle("p.whl", "0.29.5", [
        path({ path: "load-package", status: "unresolved", symbol: "invoke_vi" }),
      ]),
    },
    // A needed library was not supplied: nothing to compare.
    {
      link: { outcome: "missing-dependency", evidence: [] },
      oracle: oracle("m.whl", "0.27.7", [path({ path: "load-package", status: "ok" })]),
    },
  ]);
  assert.equal(s.pairs, 2);
  assert.equal(s.agreeing, 1);
  assert.equal(s.inconclusive.length, 1);
  assert.match(s.inconclusive[0].reason, /needed library was not supplied/);
  const [d] = s.disagreements;
  assert.equal(d.wheel, "p.whl");
  assert.equal(d.kind, "stub-missed-break");
  assert.match(d.explanation, /the import then calls invoke_vi/);
});
