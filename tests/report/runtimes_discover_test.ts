import assert from "node:assert/strict";
import {
  compareVersions,
  findMissingRuntimes,
  type NpmRunner,
  run,
} from "../../src/cli/runtimes_command.ts";

const PUBLISHED = [
  "0.20.0",
  "0.21.0",
  "0.21.3",
  "0.27.6",
  "0.27.7",
  "0.27.8",
  "0.30.0-alpha.1",
  "0.30.0",
  "0.31.1",
  "314.0.7",
  "315.0.0-alpha.2",
  "315.0.0-alpha.10",
  "0.24.0",
];
const CATALOGUE = ["0.21.3", "0.27.7", "314.0.7", "315.0.0-alpha.2", "0.26.4"];

function integrityOf(v: string): string {
  // A syntactically valid sha512 integrity derived from the version (fixture only).
  const body = btoa(v.padEnd(64, "#")).slice(0, 86);
  return `sha512-${body}==`;
}

/** npm as the command calls it, answering from PUBLISHED; records every call. */
function fakeNpm(calls: string[][], options: { fail?: boolean } = {}): NpmRunner {
  return (args) => {
    calls.push(args);
    if (options.fail) {
      return Promise.resolve({
        code: 1,
        stdout: "",
        stderr: "npm ERR! code E404\nnpm ERR! 404 Not Found",
      });
    }
    const [verb, spec, field, json] = args;
    assert.equal(verb, "view");
    if (spec === "pyodide" && field === "versions" && json === "--json") {
      return Promise.resolve({ code: 0, stdout: JSON.stringify(PUBLISHED), stderr: "" });
    }
    if (spec === "pyodide" && field === "time" && json === "--json") {
      const times: Record<string, string> = {
        created: "2020-01-01T00:00:00.000Z",
        modified: "2026-09-01T00:00:00.000Z",
      };
      PUBLISHED.forEach((v, i) => (times[v] = new Date(Date.UTC(2021, 0, 1 + i)).toISOString()));
      return Promise.resolve({ code: 0, stdout: JSON.stringify(times), stderr: "" });
    }
    const m = /^pyodide@(.+)$/.exec(spec ?? "");
    if (m && field === "dist.integrity") {
      return Promise.resolve({ code: 0, stdout: `${integrityOf(m[1]!)}\n`, stderr: "" });
    }
    throw new Error(`unexpected npm ${args.join(" ")}`);
  };
}

function catalogueText(): Promise<string> {
  return Promise.resolve(JSON.stringify({
    runtimes: CATALOGUE.map((version) => ({
      version,
      integrity: integrityOf(version),
      python: "3.12.7",
      emscripten: "3.1.58",
      platformTag: "pyodide_2024_0_wasm32",
      releaseDate: "",
      releaseDateSource: "fixture",
    })),
  }));
}

function io(calls: string[][], options: { fail?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => void out.push(t),
      err: (l: string) => void err.push(l),
      npm: fakeNpm(calls, options),
      readTextFile: () => catalogueText(),
    },
  };
}

Deno.test("compareVersions() orders by semver precedence", () => {
  const sorted = ["315.0.0-alpha.10", "0.27.10", "315.0.0", "0.27.9", "315.0.0-alpha.2", "0.9.0"]
    .sort(compareVersions);
  assert.deepEqual(sorted, [
    "0.9.0",
    "0.27.9",
    "0.27.10",
    "315.0.0-alpha.2",
    "315.0.0-alpha.10",
    "315.0.0",
  ]);
});

Deno.test("findMissingRuntimes() lists what the catalogue lacks", async (t) => {
  const times = { "0.31.1": "2026-01-02T03:04:05.000Z" };
  await t.step("by default: stable, not older than the catalogue's pick in their series", () => {
    const missing = findMissingRuntimes({ versions: PUBLISHED, times }, CATALOGUE);
    assert.deepEqual(missing.map((m) => [m.version, m.relation]), [
      ["0.31.1", "new-series"],
      ["0.30.0", "new-series"],
      ["0.27.8", "newer-patch"],
      ["0.24.0", "new-series"],
    ]);
    assert.equal(missing[0]!.npmPublishTime, "2026-01-02T03:04:05.000Z");
    assert.equal(missing[1]!.npmPublishTime, undefined);
  });
  await t.step("--all adds pre-releases, older patches and older series", () => {
    const all = findMissingRuntimes({ versions: PUBLISHED, times: {} }, CATALOGUE, { all: true });
    const rel = Object.fromEntries(all.map((m) => [m.version, m.relation]));
    assert.equal(rel["315.0.0-alpha.10"], "newer-than-catalogue");
    assert.equal(rel["0.30.0-alpha.1"], "new-series");
    assert.equal(rel["0.27.6"], "older-patch");
    assert.equal(rel["0.21.0"], "older-patch");
    assert.equal(rel["0.20.0"], "older-than-catalogue");
    assert.ok(all.find((m) => m.version === "315.0.0-alpha.10")?.prerelease);
    assert.equal(all.length, PUBLISHED.filter((v) => !CATALOGUE.includes(v)).length);
  });
  await t.step("an empty catalogue lacks everything stable", () => {
    assert.equal(
      findMissingRuntimes({ versions: PUBLISHED, times: {} }, []).length,
      PUBLISHED.filter((v) => !v.includes("-")).length,
    );
  });
});

Deno.test("conform runtimes --discover asks npm and prints what is needed", async (t) => {
  await t.step("text: versions, integrity, publish time labelled as such", async () => {
    const calls: string[][] = [];
    const h = io(calls);
    assert.equal(await run(["--discover", "--catalogue", "runtimes.json"], h.io), 0);
    const text = h.out.join("");
    assert.match(text, /npm publishes 13 versions of "pyodide"; the catalogue has 5/);
    assert.match(text, /npm publish time \(NOT a release date\)/);
    for (const v of ["0.31.1", "0.30.0", "0.27.8", "0.24.0"]) {
      assert.ok(text.includes(integrityOf(v)), v);
    }
    assert.ok(!text.includes("0.27.6"));
    assert.deepEqual(calls.slice(0, 2), [
      ["view", "pyodide", "versions", "--json"],
      ["view", "pyodide", "time", "--json"],
    ]);
    assert.deepEqual(calls.slice(2).map((c) => c[1]), [
      "pyodide@0.31.1",
      "pyodide@0.30.0",
      "pyodide@0.27.8",
      "pyodide@0.24.0",
    ]);
  });
  await t.step("json with --all", async () => {
    const h = io([]);
    assert.equal(await run(["--discover", "--all", "--json", "--catalogue", "x"], h.io), 0);
    const doc = JSON.parse(h.out.join(""));
    assert.equal(doc.missing.length, PUBLISHED.filter((v) => !CATALOGUE.includes(v)).length);
    assert.equal(doc.missing[0].version, "315.0.0-alpha.10");
    assert.equal(doc.missing[0].integrity, integrityOf("315.0.0-alpha.10"));
    assert.match(doc.note, /not a release date/);
  });
  await t.step("npm failing → exit 5 with npm's reason", async () => {
    const h = io([], { fail: true });
    assert.equal(await run(["--discover", "--catalogue", "x"], h.io), 5);
    assert.match(h.err.join("\n"), /404 Not Found/);
  });
  await t.step("without --discover: the catalogue, sorted, no npm call", async () => {
    const calls: string[][] = [];
    const h = io(calls);
    assert.equal(await run(["--catalogue", "x"], h.io), 0);
    assert.equal(calls.length, 0);
    const versions = h.out.join("").split("\n").slice(1, 6).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(versions, ["0.21.3", "0.26.4", "0.27.7", "314.0.7", "315.0.0-alpha.2"]);
  });
  await t.step("usage and unreadable catalogue", async () => {
    assert.equal(await run(["--all"], io([]).io), 2);
    assert.equal(await run(["extra"], io([]).io), 2);
    const h = io([]);
    h.io.readTextFile = () => Promise.resolve("{}");
    assert.equal(await run(["--catalogue", "x"], h.io), 4);
  });
});
