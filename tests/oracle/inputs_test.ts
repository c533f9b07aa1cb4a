import assert from "node:assert/strict";
import { classifyFailure } from "../../src/oracle/_pair_runner.ts";
import { resolveOracleDependencies } from "../../src/oracle/resolve_dependencies.ts";
import {
  loadSmokeChecks,
  packageNameOf,
  SmokeChecksFormatError,
} from "../../src/oracle/run_oracle.ts";
import { entryOf, readCatalogue, REPO_ROOT } from "../corpus/_mirror.ts";

Deno.test("corpus/smoke_checks.json loads and names corpus packages", async () => {
  const checks = loadSmokeChecks(await Deno.readTextFile(`${REPO_ROOT}/corpus/smoke_checks.json`));
  const catalogue = await readCatalogue();
  const names = new Set(
    catalogue.files.map((f) => f.path.split("/").pop()!).map(packageNameOf).filter(Boolean),
  );
  assert.ok(Object.keys(checks).length >= 20);
  for (const [name, check] of Object.entries(checks)) {
    assert.ok(names.has(name), `${name} is no corpus package`);
    assert.ok(check.proves && check.proves.length > 10, `${name} says what it proves`);
    assert.ok(check.imports.length > 0 || check.importRaises, `${name} imports or expects a raise`);
  }
  assert.equal(checks["markupsafe"].expect, "'&lt;a&gt;'");
});

Deno.test("loadSmokeChecks rejects malformed entries", () => {
  assert.throws(() => loadSmokeChecks("{}"), SmokeChecksFormatError);
  assert.throws(
    () => loadSmokeChecks({ checks: { x: { imports: ["x"], value: "1\n2", expect: "1" } } }),
    /one line/,
  );
  assert.throws(() => loadSmokeChecks({ checks: { x: { value: "1", expect: "1" } } }), /imports/);
});

Deno.test("packageNameOf reads wheel and .zip names", () => {
  assert.equal(
    packageNameOf("/x/pydantic_core-2.27.2-cp312-cp312-pyodide_2024_0_wasm32.whl"),
    "pydantic-core",
  );
  assert.equal(packageNameOf("sharedlib-test-1.0.zip"), "sharedlib-test");
  assert.equal(packageNameOf("CLAPACK-3.2.1.zip"), "clapack");
  assert.equal(packageNameOf("README.md"), undefined);
});

Deno.test("resolveOracleDependencies follows the lock within the distribution folder", async () => {
  const catalogue = await readCatalogue();
  const crypto = entryOf(
    catalogue,
    "pyodide-0.21.3/cryptography-37.0.3-cp310-cp310-emscripten_3_1_14_wasm32.whl",
  );
  const { deps, missing } = resolveOracleDependencies(crypto, catalogue.files);
  const paths = deps.map((d) => d.path);
  // openssl is a shared library: first. cffi's own dependency pycparser is not in the corpus.
  assert.equal(paths[0], "pyodide-0.21.3/openssl-1.1.1n.zip");
  assert.ok(paths.some((p) => p.startsWith("pyodide-0.21.3/six-")));
  assert.ok(paths.some((p) => p.startsWith("pyodide-0.21.3/cffi-")));
  assert.ok(missing.includes("pycparser"));
  assert.ok(deps.every((d) => d.distribution === "pyodide-0.21.3"));
});

Deno.test("classifyFailure reads the loader messages of every generation", () => {
  // Message shapes as documented in ../shared/notes (link-check-findings §5, §7; oracle-findings).
  assert.deepEqual(
    classifyFailure("Error: Dynamic linking error: cannot resolve symbol _PyUnicode_Ready"),
    { status: "unresolved", symbol: "_PyUnicode_Ready" },
  );
  assert.deepEqual(
    classifyFailure(
      `LinkError: WebAssembly.Instance(): Import #35 "env" "_PyLong_AsByteArray": imported function does not match the expected type`,
    ),
    { status: "link-error", symbol: "_PyLong_AsByteArray" },
  );
  assert.deepEqual(classifyFailure("Error: bad export type for 'X': undefined"), {
    status: "got-undefined",
    symbol: "X",
  });
  assert.deepEqual(classifyFailure("bad export type for `Y`: undefined"), {
    status: "got-undefined",
    symbol: "Y",
  });
  assert.deepEqual(classifyFailure("Dynamic linking error: undefined symbol 'Z'"), {
    status: "got-undefined",
    symbol: "Z",
  });
  assert.deepEqual(
    classifyFailure("TypeError: Cannot read properties of undefined (reading 'apply')"),
    {
      status: "unresolved",
    },
  );
  assert.deepEqual(classifyFailure("RuntimeError: memory access out of bounds"), {
    status: "fatal",
  });
  assert.equal(classifyFailure("ValueError: nope"), undefined);
});
