import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_FUZZ_OPTIONS, formatSummary, loadSeeds, runFuzz } from "../../scripts/fuzz.ts";
import {
  classifyError,
  type FuzzCase,
  makeCase,
  prepareSeeds,
  TARGETS,
} from "../../scripts/_fuzz/cases.ts";
import { WasmFormatError } from "../../src/wasm/mod.ts";
import { ZipFormatError } from "../../src/wheel/mod.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONFIG = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
// Workers without permissions need the worker-options unstable feature; `deno test` has it only
// through deno.json (a worker created without it would end the whole test process).
const WORKER_PERMISSIONS: "none" | "inherit" = (CONFIG.unstable ?? []).includes("worker-options")
  ? "none"
  : "inherit";

Deno.test("fuzz smoke: 2,000 cases with a fixed seed", async (t) => {
  const reportDir = await Deno.makeTempDir({ prefix: "fuzz-smoke-" });
  try {
    const summary = await runFuzz({
      seed: 7,
      cases: 2_000,
      seconds: 600,
      workers: 2,
      workerPermissions: WORKER_PERMISSIONS,
      quiet: true,
      reportDir,
    });

    await t.step("every case ends in facts or a typed error, none hangs", () => {
      assert.equal(summary.cases, 2_000, formatSummary(summary));
      assert.equal(summary.other, 0, formatSummary(summary));
      assert.equal(summary.hangs, 0, formatSummary(summary));
      assert.equal(summary.memoryBlowups, 0, formatSummary(summary));
      assert.equal(summary.facts + summary.typed, summary.cases);
      assert.deepEqual(summary.failures, []);
    });

    await t.step("the mutations reach both outcomes in every target", () => {
      for (const target of TARGETS) {
        if (target === "glue" && summary.seedCounts.glue === 0) continue;
        const c = summary.perTarget[target];
        assert.ok(c !== undefined && c.cases > 0, `${target}: no cases`);
        // Glue cases are rare (0.5 %); the others must show both facts and typed errors.
        if (target !== "glue") {
          assert.ok(c.facts > 0 && c.typed > 0, `${target}: ${JSON.stringify(c)}`);
        }
      }
      for (const cls of ["WasmFormatError", "ZipFormatError", "InvalidWheelFilename"]) {
        assert.ok(
          (summary.typedByClass[cls] ?? 0) > 0,
          `no ${cls} in ${JSON.stringify(summary.typedByClass)}`,
        );
      }
    });
  } finally {
    await Deno.remove(reportDir, { recursive: true });
  }
});

Deno.test("fuzz cases are reproducible from (seed, case id)", async () => {
  const { seeds } = await loadSeeds({ ...DEFAULT_FUZZ_OPTIONS, targets: [...TARGETS] });
  const a = prepareSeeds(seeds);
  const b = prepareSeeds(seeds);
  const inputOf = (c: FuzzCase) => c.bytes ?? c.text;
  let differing = 0;
  for (let id = 0; id < 200; id++) {
    const x = makeCase(a, 11, id);
    const y = makeCase(b, 11, id);
    assert.equal(x.target, y.target);
    assert.deepEqual(x.ops, y.ops);
    assert.deepEqual(inputOf(x), inputOf(y), `case ${id}`);
    const z = makeCase(a, 12, id);
    if (z.target !== x.target || String(inputOf(z)) !== String(inputOf(x))) differing++;
  }
  assert.ok(differing > 150, `another seed changed only ${differing} of 200 cases`);
});

Deno.test("fuzz outcome classification", async (t) => {
  const c: FuzzCase = {
    id: 0,
    target: "wasm",
    file: "x.so",
    bytes: new Uint8Array(10),
    ops: [],
    seedName: "x.so",
  };
  await t.step("a typed error with a valid locator is typed", () => {
    const out = classifyError(new WasmFormatError("Bad", { offset: 10, file: "x.so" }), c);
    assert.deepEqual(out, { kind: "typed", errorClass: "WasmFormatError", reason: "Bad" });
  });
  await t.step("a plain exception is an other exception", () => {
    const out = classifyError(new TypeError("x is undefined"), c);
    assert.equal(out.kind, "other");
    assert.equal(out.kind === "other" && out.errorClass, "TypeError");
    assert.equal(classifyError(new SyntaxError("JSON"), c).kind, "other");
    assert.equal(classifyError(new RangeError("Invalid array length"), c).kind, "other");
  });
  await t.step("a typed error pointing outside the input or at another file is not typed", () => {
    const past = classifyError(new WasmFormatError("Bad", { offset: 11, file: "x.so" }), c);
    assert.equal(past.kind, "other");
    assert.match(past.kind === "other" ? past.errorClass : "", /bad locator/);
    const zip = { ...c, target: "zip" as const };
    assert.equal(
      classifyError(new ZipFormatError("Bad", { offset: 3, file: "y.zip" }), zip).kind,
      "other",
    );
    assert.equal(
      classifyError(new ZipFormatError("Bad", { offset: -1, file: "x.so" }), zip).kind,
      "other",
    );
  });
});

Deno.test("fuzz watchdog and reproducers", async (t) => {
  const reportDir = await Deno.makeTempDir({ prefix: "fuzz-inject-" });
  try {
    await t.step("a hung case is ended, counted, and the run goes on", async () => {
      const s = await runFuzz({
        seed: 3,
        cases: 300,
        workers: 1,
        chunkSize: 100,
        caseTimeoutMs: 500,
        corpusDir: null,
        targets: ["wasm", "zip", "filename"],
        workerPermissions: WORKER_PERMISSIONS,
        quiet: true,
        reportDir,
        inject: { hangAt: 123 },
      });
      assert.equal(s.hangs, 1);
      assert.equal(s.cases, 300);
      assert.equal(s.facts + s.typed + s.hangs, 300);
      assert.equal(s.failures.length, 1);
      assert.equal(s.failures[0]!.caseId, 123);
      assert.equal(s.failures[0]!.kind, "hang");
      assert.equal(s.failures[0]!.files.length, 1);
      assert.ok((await Deno.stat(s.failures[0]!.files[0]!)).size > 0);
    });
    await t.step(
      "a slow but finite case is retried with more time, not called a hang",
      async () => {
        const s = await runFuzz({
          seed: 3,
          cases: 100,
          workers: 1,
          caseTimeoutMs: 300,
          corpusDir: null,
          targets: ["filename"],
          workerPermissions: WORKER_PERMISSIONS,
          quiet: true,
          reportDir,
          inject: { slowAt: { caseId: 50, ms: 700 } },
        });
        assert.equal(s.hangs, 0);
        assert.equal(s.cases, 100);
        assert.equal(s.facts + s.typed, 100);
        assert.equal(s.slowCases.length, 1);
        assert.equal(s.slowCases[0]!.caseId, 50);
        assert.ok(s.slowCases[0]!.ms >= 700);
      },
    );
    await t.step("an other exception gets its input, minimized input and replay line", async () => {
      const s = await runFuzz({
        seed: 3,
        cases: 200,
        workers: 2,
        corpusDir: null,
        targets: ["wasm", "zip", "filename"],
        workerPermissions: WORKER_PERMISSIONS,
        quiet: true,
        reportDir,
        inject: { crashAt: 42 },
      });
      assert.equal(s.other, 1);
      assert.equal(s.cases, 200);
      const f = s.failures.find((x) => x.caseId === 42);
      assert.ok(f !== undefined && f.errorClass === "InjectedError");
      const meta = f.files.find((p) => p.endsWith(".json"))!;
      const json = JSON.parse(await Deno.readTextFile(meta));
      assert.equal(json.caseId, 42);
      assert.equal(json.replay, "deno task fuzz --seed 3 --replay 42");
      assert.equal(f.files.length, 3);
    });
  } finally {
    await Deno.remove(reportDir, { recursive: true });
  }
});

Deno.test("deno task fuzz runs with the task's own permissions", async () => {
  const words = (CONFIG.tasks.fuzz as string).split(/\s+/);
  assert.equal(words[0], "deno");
  {
    // The task's flags with a short run; workers get no permissions (`--unstable-worker-options`).
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        ...words.slice(1),
        ...["--seed", "5", "--cases", "400", "--targets", "wasm,filename,zip", "--no-report"],
      ],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
    assert.match(text, /^ {2}cases +400$/m);
    assert.match(text, /^ {2}other exceptions +0$/m);
    assert.match(text, /^ {2}hangs +0$/m);
    assert.match(text, /^ {2}peak memory +\d+ MiB RSS$/m);
    const bad = await new Deno.Command(Deno.execPath(), {
      args: [...words.slice(1), "--cases", "many"],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(bad.code, 2);
  }
});
