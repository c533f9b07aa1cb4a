/**
 * Sharded runs (`--shard K/N`) and their merge: the shards of a run are disjoint and cover every
 * input, each pair gets the outcome the unsharded run gives it (libraries still come from every
 * input of the run), and the merged report equals the unsharded one but for the fields that
 * describe a run (`generatedAt`, `durationMs`). Over a real corpus subset with the real link
 * engine, split in two and in three.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { renderJson } from "../../src/report/json.ts";
import type { ConformReport } from "../../src/report/types.ts";
import { validateReport } from "../../src/report/validate.ts";
import { createLinkPoolExecutor } from "../../src/runner/link_pool_executor.ts";
import { mergeShardReports } from "../../src/runner/merge_reports.ts";
import { type ConformOptions, runConform } from "../../src/runner/run_conform.ts";
import {
  checkShard,
  InvalidShardError,
  shardKeyOf,
  shardOfKey,
  type ShardSpec,
} from "../../src/runner/shard.ts";
import { MIRROR } from "../corpus/_mirror.ts";
import { freshCache, runtimeCatalogue, shippedPolicies } from "./_run.ts";
import { copyCorpusSubset, CORPUS_SUBSET, writeNeededPair } from "./_shard_fixtures.ts";

/** The report as its JSON file holds it, without the fields that describe one run. */
function comparable(report: ConformReport): Record<string, unknown> {
  const json = JSON.parse(renderJson(report));
  delete json.generatedAt;
  delete json.durationMs;
  return json;
}

/** A report as read back from its JSON file. */
function reread(report: ConformReport): ConformReport {
  return JSON.parse(renderJson(report));
}

Deno.test("shardOfKey: equal ranges of the hash space, nested, and only real shards", () => {
  assert.equal(shardOfKey("0".repeat(64), 4), 1);
  assert.equal(shardOfKey(`3${"f".repeat(63)}`, 4), 1);
  assert.equal(shardOfKey(`4${"0".repeat(63)}`, 4), 2);
  assert.equal(shardOfKey("f".repeat(64), 4), 4);
  assert.equal(shardOfKey("f".repeat(64), 1), 1);
  // Uniform: 4096 hashes of counters spread within a few percent of 1/N each.
  const keys = [...Array(4096).keys()].map((i) => shardKeyOf({ file: `w${i}.whl` }));
  for (const n of [2, 3, 4, 7]) {
    const counts = new Array(n).fill(0);
    for (const k of keys) counts[shardOfKey(k, n) - 1]++;
    for (const c of counts) assert.ok(Math.abs(c - 4096 / n) < 4096 / n * 0.15, `${n}: ${counts}`);
  }
  // Nested: shard k of N is shards 2k-1 and 2k of 2N.
  for (const k of keys.slice(0, 512)) {
    assert.equal(Math.ceil(shardOfKey(k, 8) / 2), shardOfKey(k, 4));
  }
  // The key: the bytes' hash first, then the catalogue's, then the name's.
  assert.equal(shardKeyOf({ file: "a", bytesSha256: "b".repeat(64) }), "b".repeat(64));
  assert.equal(shardKeyOf({ file: "a", catalogueSha256: "c".repeat(64) }), "c".repeat(64));
  assert.notEqual(shardKeyOf({ file: "a" }), shardKeyOf({ file: "b" }));
  for (const bad of [{ index: 0, count: 2 }, { index: 3, count: 2 }, { index: 1, count: 0 }]) {
    assert.throws(() => checkShard(bad), InvalidShardError, JSON.stringify(bad));
  }
  assert.throws(() => checkShard({ index: 1.5, count: 2 }), InvalidShardError);
  assert.throws(() => shardOfKey("xyz", 2), TypeError);
});

Deno.test("a sharded run merges into the unsharded report (corpus subset)", async (t) => {
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const catalogue = await runtimeCatalogue();
  const policies = await shippedPolicies();
  const dir = join(cacheDir, "subset");
  await copyCorpusSubset(MIRROR, dir);
  const run = (shard?: ShardSpec, at = 0) =>
    runConform({
      paths: [dir],
      catalogue,
      runtimes: ["0.21.3", "0.27.7", "0.28.3"],
      policies,
      oracle: "none",
      cacheDir,
      mirror: MIRROR,
      allowNetwork: false,
      executeLinks: executor.execute,
      now: () => new Date(Date.UTC(2026, 0, 1) + at * 60_000),
      ...(shard ? { shard } : {}),
    });
  try {
    const whole = await run();
    await t.step("the unsharded run: every input read, every pair checked, scored", () => {
      assert.deepEqual(whole.errors, []);
      assert.equal(whole.shard, undefined);
      assert.equal(whole.wheels.length, CORPUS_SUBSET.length);
      assert.equal(whole.outcomes.length, whole.wheels.length * 3);
      assert.ok(whole.outcomes.some((o) => o.outcome !== "links"), "only links: a weak test");
      assert.ok(whole.policies.length > 5);
      assert.ok(whole.policies.some((p) => p.unsafeAccepts > 0));
      assert.ok(whole.wheels.some((w) => w.defective), "no defective wheel: a weak test");
      assert.ok(whole.wheels.every((w) => w.profile && w.requiredBits !== undefined));
      assert.ok(whole.runtimes.every((r) => r.profile));
      assert.equal(whole.policyDefinitions?.length, policies.length);
    });

    for (const count of [2, 3]) {
      const shards: ConformReport[] = [];
      for (let index = 1; index <= count; index++) shards.push(await run({ index, count }, index));

      await t.step(`${count} shards: valid reports that name their shard and every input`, () => {
        for (const [i, s] of shards.entries()) {
          const result = validateReport(JSON.parse(renderJson(s)));
          assert.ok(result.valid, JSON.stringify(!result.valid && result.errors.slice(0, 3)));
          assert.equal(s.shard?.index, i + 1);
          assert.equal(s.shard?.count, count);
          assert.deepEqual(
            s.shard?.inputs.map((x) => x.file),
            whole.wheels.map((w) => w.file),
          );
          assert.ok(s.wheels.length > 0, `shard ${i + 1}/${count} is empty: a weak test`);
          // Each pair of the shard's wheels, and no other.
          const mine = new Set(s.wheels.map((w) => w.file));
          assert.ok(s.outcomes.every((o) => mine.has(o.wheel)));
          assert.equal(s.outcomes.length, s.wheels.length * 3);
        }
      });

      await t.step(`${count} shards are disjoint and cover every input`, () => {
        const seen = new Map<string, number>();
        for (const s of shards) {
          for (const w of s.wheels) {
            assert.ok(
              !seen.has(w.file),
              `${w.file} in shards ${seen.get(w.file)} and ${s.shard?.index}`,
            );
            seen.set(w.file, s.shard!.index);
            const key = s.shard!.inputs.find((x) => x.file === w.file)!.shardKey;
            assert.equal(key, w.sha256);
            assert.equal(shardOfKey(key, count), s.shard!.index);
          }
        }
        assert.deepEqual([...seen.keys()].sort(), whole.wheels.map((w) => w.file).sort());
      });

      await t.step(`${count} shards: every pair's outcome and wheel row as unsharded`, () => {
        // As their JSON files hold them: a cached outcome has no `undefined` members.
        const json = reread(whole);
        const rowOf = new Map(json.wheels.map((w) => [w.file, w]));
        const pairOf = new Map(json.outcomes.map((o) => [`${o.wheel} ${o.runtime}`, o]));
        for (const s of shards.map(reread)) {
          for (const w of s.wheels) assert.deepEqual(w, rowOf.get(w.file));
          for (const o of s.outcomes) assert.deepEqual(o, pairOf.get(`${o.wheel} ${o.runtime}`));
        }
      });

      await t.step(`${count} shards merge into the unsharded report`, () => {
        // In reverse order, as read back from their files: neither may matter.
        const merged = mergeShardReports(
          shards.map((report, i) => ({ file: `shard-${i + 1}.json`, report: reread(report) }))
            .reverse(),
        );
        assert.equal(merged.shard, undefined);
        assert.deepEqual(comparable(merged), comparable(whole));
        assert.equal(merged.generatedAt, shards[count - 1].generatedAt);
        assert.equal(merged.durationMs, shards.reduce((n, s) => n + s.durationMs, 0));
        const result = validateReport(JSON.parse(renderJson(merged)));
        assert.ok(result.valid);
      });
    }

    await t.step("one shard of one is the whole run", async () => {
      const one = await run({ index: 1, count: 1 });
      const merged = mergeShardReports([{ file: "one.json", report: reread(one) }]);
      assert.deepEqual(comparable(merged), comparable(whole));
    });
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("a wheel whose NEEDED library another shard holds links as in the whole run", async (t) => {
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const catalogue = await runtimeCatalogue();
  const policies = await shippedPolicies();
  const root = join(cacheDir, "needed");
  const pair = await writeNeededPair(root, 2);
  const base: ConformOptions = {
    paths: [join(root, "wheels"), join(root, "libs")],
    catalogue,
    runtimes: ["0.27.7"],
    policies,
    oracle: "none",
    cacheDir,
    allowNetwork: false,
    executeLinks: executor.execute,
  };
  try {
    const whole = await runConform(base);
    const shards = [
      await runConform({ ...base, shard: { index: 1, count: 2 } }),
      await runConform({ ...base, shard: { index: 2, count: 2 } }),
    ];
    const outcomeOf = (r: ConformReport) => r.outcomes.find((o) => o.wheel === pair.wheel);

    await t.step("alone, the wheel misses its library (the control)", async () => {
      const alone = await runConform({ ...base, paths: [join(root, "wheels")] });
      assert.equal(outcomeOf(alone)?.outcome, "missing-dependency");
    });

    await t.step("the whole run finds it among its inputs: links", () => {
      assert.equal(outcomeOf(whole)?.outcome, "links", JSON.stringify(outcomeOf(whole)));
    });

    await t.step("the wheel and its library are in different shards", () => {
      const holder = (file: string) =>
        shards.filter((s) => s.wheels.some((w) => w.file === file)).map((s) => s.shard!.index);
      const wheelShard = holder(pair.wheel);
      const libraryShard = holder(pair.library);
      assert.equal(wheelShard.length, 1);
      assert.equal(libraryShard.length, 1);
      assert.notEqual(wheelShard[0], libraryShard[0]);
    });

    await t.step("its shard gives it the whole run's outcome and wheel row", () => {
      const mine = shards.find((s) => s.wheels.some((w) => w.file === pair.wheel))!;
      assert.deepEqual(outcomeOf(mine), outcomeOf(whole));
      assert.deepEqual(
        mine.wheels.find((w) => w.file === pair.wheel),
        whole.wheels.find((w) => w.file === pair.wheel),
      );
    });

    await t.step("and the shards merge into the whole run's report", () => {
      const merged = mergeShardReports(
        shards.map((report, i) => ({ file: `${i + 1}.json`, report: reread(report) })),
      );
      assert.deepEqual(comparable(merged), comparable(whole));
    });
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("with the oracle on, one shard of one merges into the whole run", async () => {
  // pyxel built for 0.27.7: on 0.28.3 the link check says `latent` (loads), the real runtime
  // fails at import; that decisive pair overturns the link evidence and moves the ranking.
  const cacheDir = await freshCache();
  const executor = createLinkPoolExecutor({ workers: 2 });
  const base: ConformOptions = {
    paths: [join(MIRROR, "pyodide-0.27.7/pyxel-1.9.10-cp37-abi3-pyodide_2024_0_wasm32.whl")],
    catalogue: await runtimeCatalogue(),
    runtimes: ["0.27.7", "0.28.3"],
    policies: await shippedPolicies(),
    oracle: "decisive",
    oracleBudgetMs: null,
    cacheDir,
    mirror: MIRROR,
    allowNetwork: false,
    executeLinks: executor.execute,
  };
  try {
    const whole = await runConform(base);
    assert.ok(whole.agreement?.decisive?.overturned.length, JSON.stringify(whole.agreement));
    assert.ok(whole.outcomes.some((o) => o.oracle?.works === false));
    // Same pairs (the shard is the whole run), their results from the oracle cache.
    const one = await runConform({ ...base, shard: { index: 1, count: 1 } });
    const merged = mergeShardReports([{ file: "one.json", report: reread(one) }]);
    // The scores come from the rows' per-pair results: what the run's own evidence ladder gave.
    assert.match(merged.agreement!.sample, /^shard 1\/1: /);
    const [a, b] = [comparable(merged), comparable(whole)] as {
      agreement: { sample?: string };
    }[];
    delete a.agreement.sample;
    delete b.agreement.sample;
    assert.deepEqual(a, b);
  } finally {
    await executor.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
