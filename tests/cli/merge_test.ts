/**
 * `conform merge` and `--shard K/N` on the command line: the shards of a run merge into its
 * report; reports that are not the shards of one run are refused with a reason, exit 4 and no
 * stack trace; a shard that names no part of a run is a usage error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../../src/cli/_args.ts";
import { parseShardSpec } from "../../src/cli/_pipeline.ts";
import { type MergeIo, run as runMerge } from "../../src/cli/merge_command.ts";
import { renderJson } from "../../src/report/json.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { createLinkPoolExecutor } from "../../src/runner/link_pool_executor.ts";
import { type ConformOptions, runConform } from "../../src/runner/run_conform.ts";
import { freshCache, runtimeCatalogue, shippedPolicies } from "../runner/_run.ts";
import { writeNeededPair } from "../runner/_shard_fixtures.ts";
import { runConform as runTask } from "./_run_conform.ts";

/** An io that keeps what the command printed. */
function captureIo(): MergeIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(text: string) {
      io.stdout += text;
    },
    err(line: string) {
      io.stderr += `${line}\n`;
    },
    writeFile: () => Promise.reject(new Error("no file output in these tests")),
    stdoutIsTerminal: () => false,
  };
  return io;
}

/** A report as its JSON file holds it, without the fields that describe one run. */
function comparable(report: ConformReport): Record<string, unknown> {
  const json = JSON.parse(renderJson(report));
  delete json.generatedAt;
  delete json.durationMs;
  return json;
}

Deno.test("--shard K/N: K and N whole numbers, 1 ≤ K ≤ N", async (t) => {
  await t.step("parseShardSpec", () => {
    assert.deepEqual(parseShardSpec("2/4"), { index: 2, count: 4 });
    assert.deepEqual(parseShardSpec("1/1"), { index: 1, count: 1 });
    for (const bad of ["0/2", "3/2", "1/0", "2", "a/b", "-1/2", "1.5/2", "1/2/3", ""]) {
      assert.throws(() => parseShardSpec(bad), UsageError, bad);
    }
    assert.throws(
      () => parseShardSpec("5/4"),
      (e: Error) => e instanceof UsageError && /index runs from 1 to 4/.test(e.message),
    );
  });
  await t.step("the conform task: exit 2 before any work", async () => {
    const bad = await runTask(["corpus/", "--shard", "5/4", "--oracle", "none"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--shard 5\/4: shard 5\/4 does not exist/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const help = await runTask(["--help"]);
    assert.match(help.stdout, /--shard K\/N/);
    assert.match(help.stdout, /merge\s+join the JSON reports of a sharded run/);
  });
});

Deno.test("conform merge: the shards of one run, and nothing else", async (t) => {
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const root = join(cacheDir, "merge");
  const pair = await writeNeededPair(root, 2);
  const base: ConformOptions = {
    paths: [join(root, "wheels"), join(root, "libs")],
    catalogue: await runtimeCatalogue(),
    runtimes: ["0.27.7"],
    policies: await shippedPolicies(),
    oracle: "none",
    cacheDir,
    allowNetwork: false,
    executeLinks: executor.execute,
  };
  /** Write a report where `merge` reads it; `edit` changes a copy first. */
  const write = async (name: string, report: ConformReport, edit?: (r: ConformReport) => void) => {
    const copy = JSON.parse(renderJson(report)) as ConformReport;
    edit?.(copy);
    const file = join(root, name);
    await Deno.writeTextFile(file, renderJson(copy));
    return file;
  };
  const merge = async (args: string[]) => {
    const io = captureIo();
    const code = await runMerge(args, io);
    assert.doesNotMatch(io.stderr, /\n\s+at |internal error/, io.stderr);
    return { code, ...io };
  };
  try {
    const whole = await runConform(base);
    const [one, two] = [
      await runConform({ ...base, shard: { index: 1, count: 2 } }),
      await runConform({ ...base, shard: { index: 2, count: 2 } }),
    ];
    assert.ok(one.wheels.length === 1 && two.wheels.length === 1);
    const s1 = await write("s1.json", one);
    const s2 = await write("s2.json", two);

    await t.step("both shards: the whole run's report", async () => {
      const r = await merge([s2, s1, "--format", "json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(comparable(JSON.parse(r.stdout)), comparable(whole));
      assert.equal(JSON.parse(r.stdout).shard, undefined);
    });

    await t.step("a shard given twice, the same both times, counts once", async () => {
      const again = await write("s1-again.json", one);
      const r = await merge([s1, s2, again, "--format", "json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(comparable(JSON.parse(r.stdout)), comparable(whole));
    });

    await t.step("text by default, like every command", async () => {
      const r = await merge([s1, s2]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /pyodide-plain/);
    });

    const refusals: {
      label: string;
      files: () => Promise<string[]>;
      message: RegExp;
    }[] = [
      {
        label: "a missing shard",
        files: () => Promise.resolve([s1]),
        message: /shard 2\/2 of the run is in no report/,
      },
      {
        label: "another harness version",
        files: async () => [s1, await write("v.json", two, (r) => r.harnessVersion = "0.0.1")],
        message: /different harness versions/,
      },
      {
        label: "another split",
        files: async () => [
          s1,
          await write("c.json", two, (r) => r.shard = { ...r.shard!, count: 3 }),
        ],
        message: /different shard counts/,
      },
      {
        label: "other inputs",
        files: async () => [
          s1,
          await write("i.json", two, (r) => r.shard!.inputs[0].shardKey = "0".repeat(64)),
        ],
        message: /different inputs/,
      },
      {
        label: "a runtime with other facts",
        files: async () => [
          s1,
          await write("r.json", two, (r) => r.runtimes[0].profile!.flags.simd = true),
        ],
        message: /different runtimes/,
      },
      {
        label: "another policy",
        files: async () => [
          s1,
          await write("p.json", two, (r) => r.policyDefinitions![0].title = "something else"),
        ],
        message: /different policies/,
      },
      {
        label: "other oracle options",
        files: async () => [
          s1,
          await write("o.json", two, (r) => r.shard!.oracle.mode = "sample"),
        ],
        message: /different oracle options/,
      },
      {
        label: "a shard given twice with a different outcome",
        files: async () => [
          s1,
          s2,
          await write("x.json", one, (r) => {
            r.outcomes[0].outcome = r.outcomes[0].outcome === "links" ? "link-error" : "links";
          }),
        ],
        message: /disagree on the pair /,
      },
      {
        label: "a row its shard does not own",
        files: async () => [
          s1,
          await write("m.json", two, (r) => r.wheels.push(...one.wheels)),
        ],
        message: /belongs to shard 1\/2/,
      },
      {
        label: "an unsharded report",
        files: async () => [await write("whole.json", whole), s1, s2],
        message: /is not a shard report/,
      },
    ];
    for (const refusal of refusals) {
      await t.step(`refused: ${refusal.label}`, async () => {
        const r = await merge([...await refusal.files(), "--format", "json"]);
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, refusal.message);
        assert.equal(r.stdout, "");
      });
    }

    await t.step("refused: a file that is no report", async () => {
      const junk = join(root, "junk.json");
      await Deno.writeTextFile(junk, "{}");
      const r = await merge([s1, junk]);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /does not follow the report schema/);
    });

    await t.step("usage: no report, or an unknown option", async () => {
      assert.equal((await merge([])).code, 2);
      assert.equal((await merge([s1, "--frobnicate"])).code, 2);
    });

    await t.step("the conform task runs merge with its permissions", async () => {
      const r = await runTask(["merge", s1, s2, "--format", "json"]);
      assert.equal(r.code, 0, r.stderr);
      const merged = JSON.parse(r.stdout) as ConformReport;
      assert.deepEqual(comparable(merged), comparable(whole));
      assert.ok(merged.outcomes.some((o) => o.wheel === pair.wheel && o.outcome === "links"));
    });
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
