/**
 * Least privilege (issue 8, point 3): every task in deno.json runs with the narrowest Deno
 * permissions it needs, and code from wheels runs in workers without any permission.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));

/** The only tasks that may start subprocesses, and which programs. `"any"`: the test suite. */
const RUN_ALLOWED: Record<string, readonly string[] | "any"> = {
  // npm pack/view for runtimes; deno for the oracle's child processes.
  conform: ["npm", "deno"],
  // issue 3: the bench compares against `unzip -p` plus `wasm-objdump -x`, and times a cold
  // `deno run` of the CLI; npm obtains runtimes that are not cached yet.
  bench: ["unzip", "wasm-objdump", "deno", "sh", "npm"],
  // The brief runs the suite under plain --allow-run (tests spawn deno, npm, the CLI).
  test: "any",
};
/**
 * Tasks that may hold an unscoped --allow-net: the suite (its flags are fixed by the brief) and
 * `discover`, which reaches the index the user names and the hosts its pages link files on.
 */
const FETCHING = new Set(["test", "discover"]);
/** Tasks exempt from scoping env and write (the suite's flags are fixed by the brief). */
const TEST_TASKS = new Set(["test"]);
/** Where non-test tasks may write: the cache and the report/output directories. */
const WRITABLE_ROOTS = [".cache", "reports"];

const DENO_SUBCOMMANDS = new Set(["run", "test", "bench", "serve", "eval", "compile", "repl"]);
/** Single-letter aliases of Deno's permission flags. */
const SHORT: Record<string, string> = {
  A: "all",
  R: "read",
  W: "write",
  N: "net",
  E: "env",
  S: "sys",
};

/** One Deno permission flag of one task: `allow-run` with its list, if any. */
interface Grant {
  task: string;
  name: string;
  list?: string[];
  raw: string;
}

function taskCommand(value: unknown): string {
  if (typeof value === "string") return value;
  const command = (value as { command?: unknown })?.command;
  return typeof command === "string" ? command : "";
}

/** Every Deno invocation in a task (split at `&&`, `||`, `;`, `|`) and the permission flags it passes. */
function grantsOf(task: string, command: string): { grants: Grant[]; unreadable: string[] } {
  const grants: Grant[] = [];
  const unreadable: string[] = [];
  for (const part of command.split(/&&|\|\||;|\|/)) {
    const words = part.trim().split(/\s+/).map((w) => w.replace(/^(["'])(.*)\1$/, "$2"));
    const exe = words[0]?.split("/").pop();
    if (exe !== "deno" || !DENO_SUBCOMMANDS.has(words[1] ?? "")) continue;
    const runLike = words[1] !== "test" && words[1] !== "bench";
    for (const word of words.slice(2)) {
      if (word === "--") break;
      // For `deno run` everything after the script belongs to the script.
      if (!word.startsWith("-")) {
        if (runLike) break;
        continue;
      }
      if (word === "-P" || word.startsWith("--permission-set") || word.startsWith("-P=")) {
        unreadable.push(word);
        continue;
      }
      const long = /^--allow-([a-z-]+)(?:=(.*))?$/.exec(word);
      if (long !== null) {
        const grant: Grant = { task, name: long[1]!, raw: word };
        if (long[2] !== undefined) grant.list = long[2].split(",").filter((x) => x !== "");
        grants.push(grant);
        continue;
      }
      const short = /^-([A-Za-z]+)(?:=(.*))?$/.exec(word);
      if (short !== null) {
        for (const letter of short[1]!) {
          const name = SHORT[letter];
          if (name === undefined) continue;
          const grant: Grant = { task, name, raw: word };
          if (short[2] !== undefined && short[1]!.length === 1) grant.list = short[2].split(",");
          grants.push(grant);
        }
      }
    }
  }
  return { grants, unreadable };
}

const TASKS: [string, string][] = Object.entries(CONFIG.tasks ?? {}).map((
  [name, value],
) => [name, taskCommand(value)]);
const ALL: Grant[] = [];
for (const [name, command] of TASKS) {
  const { grants, unreadable } = grantsOf(name, command);
  ALL.push(...grants);
  if (unreadable.length > 0) {
    Deno.test(`permissions: task "${name}" uses a permission set this test cannot read`, () => {
      assert.fail(`${unreadable.join(" ")}: extend tests/permissions_test.ts to resolve it`);
    });
  }
}
const named = (name: string) => ALL.filter((g) => g.name === name);
const show = (g: Grant) => `task "${g.task}": ${g.raw}`;

Deno.test("task permissions are the narrowest each task needs", async (t) => {
  await t.step("deno.json has tasks, and this test sees their Deno flags", () => {
    for (const name of ["conform", "test", "fuzz"]) {
      assert.ok(TASKS.some(([n]) => n === name), `task "${name}" is missing`);
    }
    assert.ok(ALL.length > 0);
  });

  await t.step("a tool task never stops to ask for a permission (--no-prompt)", () => {
    // On a terminal Deno would ask, e.g. for the env variable an npm dependency reads at load.
    // The suite's own flags are fixed by the brief.
    const bad = TASKS.filter(([name, command]) =>
      name !== "test" && /\bdeno run\b/.test(command) && !/(^|\s)--no-prompt(\s|$)/.test(command)
    ).map(([name]) => name);
    assert.deepEqual(bad, [], "add --no-prompt to these tasks");
  });

  await t.step("no task grants everything (--allow-all, -A)", () => {
    const bad = named("all").map(show);
    assert.deepEqual(bad, [], "grant only what the task needs instead");
  });

  await t.step("no task grants FFI", () => {
    assert.deepEqual(named("ffi").map(show), []);
  });

  await t.step("--allow-run: explicit programs, only where subprocesses are needed", () => {
    const bad: string[] = [];
    for (const g of named("run")) {
      const allowed = RUN_ALLOWED[g.task];
      if (allowed === undefined) {
        bad.push(`${show(g)}: this task must not start subprocesses`);
      } else if (allowed !== "any") {
        if (g.list === undefined || g.list.length === 0) {
          bad.push(`${show(g)}: list the programs, e.g. --allow-run=${allowed.join(",")}`);
        } else {
          const extra = g.list.filter((p) => !allowed.includes(p));
          if (extra.length > 0) bad.push(`${show(g)}: ${extra.join(", ")} not needed`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  await t.step("--allow-net: scoped to hosts, or only in tasks that fetch", () => {
    const bad = named("net").filter((g) => !FETCHING.has(g.task) && (g.list ?? []).length === 0)
      .map((g) => `${show(g)}: scope it (--allow-net=host) or drop it`);
    assert.deepEqual(bad, []);
  });

  await t.step("conform may reach exactly the hosts of the catalogue's URLs", async () => {
    const catalogue = JSON.parse(
      await Deno.readTextFile(join(REPO_ROOT, "corpus", "wheels.json")),
    );
    const hosts = [
      ...new Set(
        catalogue.files.flatMap((f: { url?: string }) => f.url ? [new URL(f.url).host] : []),
      ),
    ].sort();
    assert.ok(hosts.length > 0);
    const net = named("net").filter((g) => g.task === "conform");
    assert.equal(net.length, 1);
    assert.deepEqual([...(net[0].list ?? [])].sort(), hosts);
  });

  await t.step("--allow-env: explicit variable lists outside the test task", () => {
    const bad = named("env").filter((g) => !TEST_TASKS.has(g.task) && (g.list ?? []).length === 0)
      .map((g) => `${show(g)}: list the variables it reads`);
    assert.deepEqual(bad, []);
  });

  await t.step("--allow-write: only the cache and output directories outside the test task", () => {
    const bad: string[] = [];
    for (const g of named("write")) {
      if (TEST_TASKS.has(g.task)) continue;
      if (g.list === undefined || g.list.length === 0) {
        bad.push(`${show(g)}: scope it, e.g. --allow-write=${WRITABLE_ROOTS.join(",")}`);
        continue;
      }
      for (const path of g.list) {
        const p = path.replace(/^\.\//, "").replace(/\/$/, "");
        if (!WRITABLE_ROOTS.some((root) => p === root || p.startsWith(`${root}/`))) {
          bad.push(`${show(g)}: ${path} is neither the cache nor an output directory`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  await t.step("the fuzz task needs no subprocess, network or general write access", () => {
    const fuzz = ALL.filter((g) => g.task === "fuzz");
    assert.deepEqual(fuzz.filter((g) => g.name === "run" || g.name === "net").map(show), []);
    for (const g of fuzz.filter((g) => g.name === "write")) {
      assert.deepEqual(g.list, ["reports/fuzz"], show(g));
    }
  });
});

/** `new Worker(` calls in a file with the text of their argument lists. */
function workerCalls(text: string): string[] {
  const calls: string[] = [];
  for (let at = text.indexOf("new Worker("); at >= 0; at = text.indexOf("new Worker(", at + 1)) {
    let depth = 0;
    let end = at + "new Worker".length;
    for (; end < text.length; end++) {
      const c = text[end];
      if (c === "(" || c === "{" || c === "[") depth++;
      else if (c === ")" || c === "}" || c === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    calls.push(text.slice(at, end + 1));
  }
  return calls;
}

const NO_PERMISSIONS = /permissions:\s*["']none["']/;
const workerOptionsEnabled = (CONFIG.unstable ?? []).includes("worker-options");

Deno.test("link workers run without permissions", async (t) => {
  const dir = join(REPO_ROOT, "src", "link");
  const files: { path: string; calls: string[] }[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const path = join(dir, e.name);
    const calls = workerCalls(await Deno.readTextFile(path));
    if (calls.length > 0) files.push({ path, calls });
  }
  const ignore = files.length === 0;
  if (ignore) console.log("skipped: no Worker is created under src/link yet (no link pool)");
  await t.step({
    name: 'every Worker under src/link is created with permissions: "none"',
    ignore,
    fn: () => {
      for (const { path, calls } of files) {
        for (const call of calls) {
          assert.match(call, NO_PERMISSIONS, `${path}: ${call.replace(/\s+/g, " ")}`);
        }
      }
    },
  });
  await t.step({
    name: "the tasks that run link workers enable worker options",
    ignore,
    fn: () => {
      for (const [name, command] of TASKS) {
        if (name !== "conform" && name !== "test") continue;
        assert.ok(
          workerOptionsEnabled || command.includes("--unstable-worker-options"),
          `task "${name}": permissions: "none" needs --unstable-worker-options or ` +
            `"unstable": ["worker-options"] in deno.json`,
        );
      }
    },
  });
});

Deno.test("fuzz workers run without permissions", async () => {
  const text = await Deno.readTextFile(join(REPO_ROOT, "scripts", "fuzz.ts"));
  assert.ok(workerCalls(text).length > 0);
  assert.match(text, /deno\s*=\s*\{\s*permissions:\s*"none"\s*\}/);
  const fuzz = taskCommand(CONFIG.tasks.fuzz);
  assert.ok(workerOptionsEnabled || fuzz.includes("--unstable-worker-options"), fuzz);
});
