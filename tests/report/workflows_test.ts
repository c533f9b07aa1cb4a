import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../../", import.meta.url);
const USES = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/;

type Step = {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  id?: string;
};
type Job = {
  steps: Step[];
  needs?: string | string[];
  if?: string;
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
};

async function load(name: string): Promise<{ text: string; doc: Workflow }> {
  const text = await Deno.readTextFile(new URL(`.github/workflows/${name}`, ROOT));
  // yaml's parse throws on invalid YAML; `uniqueKeys` rejects duplicated keys too.
  return { text, doc: parse(text, { uniqueKeys: true, prettyErrors: true }) as Workflow };
}

function steps(doc: Workflow): Step[] {
  return Object.values(doc.jobs).flatMap((j) => j.steps);
}

function runText(doc: Workflow): string {
  return steps(doc).map((s) => s.run ?? "").join("\n");
}

Deno.test("workflow files are valid YAML and pin every action by commit", async (t) => {
  for (const name of ["nightly.yml", "tests.yml"]) {
    await t.step(name, async () => {
      const { text, doc } = await load(name);
      assert.ok(doc.jobs && Object.keys(doc.jobs).length > 0);
      assert.deepEqual(Object.keys(doc.permissions ?? {}).includes("contents"), true);
      const uses = text.split("\n").map((l) => USES.exec(l)).filter((m) => m !== null);
      assert.ok(uses.length >= 3);
      for (const m of uses) {
        const [, ref, rest] = m;
        // owner/name, or owner/name/sub-action (actions/cache/restore), at a full commit SHA.
        assert.match(
          ref!,
          /^[\w.-]+\/[\w.-]+(?:\/[\w.-]+)*@[0-9a-f]{40}$/,
          `not pinned by full SHA: ${ref}`,
        );
        assert.match(rest!, /^\s+# v\d+\.\d+\.\d+$/, `no exact version comment for ${ref}`);
      }
      // Every parsed `uses` is one of the lines checked above.
      assert.equal(steps(doc).filter((s) => s.uses).length, uses.length);
    });
  }
});

Deno.test("nightly.yml runs conform in shards, merges, discovers runtimes, uploads and diffs", async () => {
  const { doc } = await load("nightly.yml");
  const on = doc.on as { schedule?: { cron: string }[]; workflow_dispatch?: unknown };
  assert.ok(on.schedule?.length);
  for (const s of on.schedule ?? []) assert.equal(s.cron.trim().split(/\s+/).length, 5);
  assert.ok("workflow_dispatch" in on);
  const env = (doc as unknown as { env: Record<string, string> }).env;
  assert.equal(env.DENO_VERSION, "2.9.6");

  // The shards: a matrix over 1..SHARDS, none cancelling the others, each uploading its report.
  const shard = doc.jobs.shard;
  assert.ok(shard, "no shard job");
  const matrix = shard.strategy?.matrix?.shard;
  const count = Number(env.SHARDS);
  assert.ok(count >= 2, `SHARDS=${env.SHARDS}`);
  assert.deepEqual(matrix, [...Array(count).keys()].map((i) => i + 1));
  assert.equal(shard.strategy?.["fail-fast"], false);
  const shardRun = shard.steps.map((s) => s.run ?? "").join("\n");
  assert.match(
    shardRun,
    /deno@\$\{DENO_VERSION\}" task conform corpus\/ --oracle built-for --shard "\$\{\{ matrix\.shard \}\}\/\$\{SHARDS\}" --format json --out "reports\/shard-\$\{\{ matrix\.shard \}\}\.json"/,
  );
  // Its exit code travels with its report: the merge job fails the run on it.
  assert.match(shardRun, /echo "\$code" > "reports\/shard-\$\{\{ matrix\.shard \}\}\.exit"/);
  const shardUpload = shard.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
  assert.equal(shardUpload?.with?.name, "conform-shard-${{ matrix.shard }}");
  assert.equal(shardUpload?.with?.path, "reports/");
  assert.match(shardUpload?.if ?? "", /always\(\)/);
  const shardCache = shard.steps.find((s) => s.uses?.startsWith("actions/cache/restore@"));
  assert.match(String(shardCache?.with?.path), /\.cache\/deno/);
  assert.match(String(shardCache?.with?.path), /^\.cache$/m);
  const shardKey = shard.steps.find((s) => s.id === "cache-key");
  assert.match(String(shardKey?.run), /shard\$\{\{ matrix\.shard \}\}/);

  // The merge: after every shard (whatever became of them), joins the reports and does what the
  // single-job nightly did with its report.
  const merge = doc.jobs.merge;
  assert.ok(merge, "no merge job");
  assert.equal(merge.needs, "shard");
  assert.match(merge.if ?? "", /always\(\)/);
  const download = merge.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"));
  assert.equal(download?.with?.pattern, "conform-shard-*");
  assert.equal(download?.with?.path, "shards");
  assert.equal(download?.with?.["merge-multiple"], true);
  const run = merge.steps.map((s) => s.run ?? "").join("\n");
  assert.match(run, /deno@\$\{DENO_VERSION\}" task conform merge shards\/shard-\*\.json /);
  for (const fmt of ["json", "markdown", "html", "junit"]) {
    assert.match(run, new RegExp(`--format ${fmt} --out reports/conform\\.`));
  }
  assert.match(run, /shards\/shard-\$k\.exit/);
  assert.match(run, /conform runtimes --discover/);
  assert.match(run, /GITHUB_STEP_SUMMARY/);
  assert.match(run, /gh run download "\$id" --name conform-reports/);
  assert.match(run, /conform diff previous\/conform\.json reports\/conform\.json/);
  // The gate: a new unsafe accept, a merge that failed, or a shard that did not exit 0.
  assert.match(run, /steps\.diff\.outputs\.code \}\}" = "6"/);
  assert.match(run, /steps\.merge\.outputs\.code \}\}" != "0"/);
  assert.match(run, /steps\.merge\.outputs\.conform \}\}" != "0"/);
  const upload = merge.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
  assert.equal(upload?.with?.name, "conform-reports");
  assert.equal(upload?.with?.path, "reports/");
  assert.equal(
    steps(doc).some((s) => s.uses?.startsWith("actions/cache@")),
    false,
    "actions/cache saves only when the job succeeds",
  );
  // The subcommands the workflow calls exist in this checkout.
  for (const cmd of ["render", "diff", "runtimes", "merge"]) {
    await Deno.stat(new URL(`src/cli/${cmd}_command.ts`, ROOT));
  }
});

Deno.test("tests.yml runs the test command on push and pull request", async () => {
  const { doc } = await load("tests.yml");
  assert.ok("push" in doc.on && "pull_request" in doc.on);
  const run = runText(doc);
  assert.match(run, /\.ci\/run/);
  assert.match(run, /scripts\/ensure_chromium\.sh/);
  await Deno.stat(new URL("scripts/ensure_chromium.sh", ROOT));
});

Deno.test("nightly.yml caches across red nights without a new entry every night", async () => {
  const { doc } = await load("nightly.yml");
  // Each shard keeps its own cache (a shard always takes the same archives).
  const all = doc.jobs.shard.steps;
  const keyStep = all.find((s) => s.run?.includes("LINK_ENGINE_VERSION"));
  const restore = all.find((s) => s.uses?.startsWith("actions/cache/restore@"));
  const save = all.find((s) => s.uses?.startsWith("actions/cache/save@"));
  assert.ok(keyStep && restore && save);
  // The key is the content that decides the cache: catalogues, lock, engine; never the run.
  assert.match(
    keyStep.run!,
    /hashFiles\('deno\.lock', 'corpus\/runtimes\.json', 'corpus\/wheels\.json'\)/,
  );
  for (const s of [keyStep, restore, save]) {
    assert.doesNotMatch(JSON.stringify(s), /run_id|run_number|github\.sha/);
  }
  assert.equal(restore.with?.key, save.with?.key);
  assert.match(String(restore.with?.["restore-keys"]), /^conform-\$\{\{ runner\.os \}\}-$/m);
  assert.equal(restore.with?.path, save.with?.path);
  // Saved after a red night too, but not over an exact hit.
  assert.match(save.if ?? "", /always\(\)/);
  assert.match(save.if ?? "", /steps\.cache\.outputs\.cache-hit != 'true'/);
  assert.ok(all.indexOf(save) > all.findIndex((s) => s.id === "conform"));
  // The key step computes the engine version that exists in this checkout.
  const source = await Deno.readTextFile(new URL("src/link/check_link.ts", ROOT));
  assert.match(source, /LINK_ENGINE_VERSION = [0-9]+/);
});

Deno.test("nightly.yml publishes the JUnit results as a test summary", async () => {
  const { doc } = await load("nightly.yml");
  const publish = steps(doc).find((s) => s.run?.includes("scripts/junit_summary.ts"));
  assert.ok(publish, "a step renders the JUnit XML into the job summary");
  assert.match(publish.run!, /scripts\/junit_summary\.ts reports\/conform\.junit\.xml/);
  assert.match(publish.run!, />> "\$GITHUB_STEP_SUMMARY"/);
  assert.match(publish.if ?? "", /always\(\)/);
  assert.equal(publish.run!.trim().split("\n").length, 1, "one command, nothing else");
  await Deno.stat(new URL("scripts/junit_summary.ts", ROOT));
});
