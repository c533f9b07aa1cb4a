/**
 * Where a side module's NEEDED libraries come from (`librariesFor`): the archive itself, the
 * lock, the run's other inputs, and archives beside a wheel given by path, named or not. Checked
 * through the library API and through `conform link` against the real 0.27.7 runtime facts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createLibraryRun, librariesFor, type RunArchive } from "../../src/corpus/mod.ts";
import type { InputFile } from "../../src/corpus/collect_inputs.ts";
import { checkLink, readLinkInput } from "../../src/link/mod.ts";
import type { LinkOutcome } from "../../src/link/types.ts";
import { makeLibfoo, makeNeedingWheel } from "./_needed_wheel.ts";
import { makeZip } from "../wheel/_make_zip.ts";
import { runtime, TEST_CACHE } from "../link/_fixtures.ts";
import { runConform } from "../cli/_run_conform.ts";

const WHEEL = "the-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl";
const LIBFOO = "libfoo-1.0.zip";

async function zipOf(member: string, data: Uint8Array): Promise<Uint8Array> {
  return (await makeZip([{ name: member, data }])).bytes;
}

/** A temporary directory under the test cache (the conform task may read anywhere). */
async function scratch(): Promise<string> {
  await Deno.mkdir(join(TEST_CACHE, "tmp"), { recursive: true });
  return await Deno.makeTempDir({ dir: join(TEST_CACHE, "tmp"), prefix: "libraries-" });
}

function pathInput(file: string): InputFile {
  return { file, source: "path", read: () => Deno.readFile(file) };
}

async function archive(file: string): Promise<RunArchive> {
  return { input: pathInput(file), link: await readLinkInput(await Deno.readFile(file), { file }) };
}

/** Link-check `archives[0]` with the libraries `librariesFor` chooses, against 0.27.7. */
async function check(archives: RunArchive[]): Promise<LinkOutcome> {
  const run = await createLibraryRun(archives, { catalogue: [], allowNetwork: false });
  const { libraries } = await librariesFor(archives[0], run);
  return await checkLink(
    { ...archives[0].link!, libraries: libraries.map((l) => l.library) },
    await runtime("0.27.7"),
  );
}

function evidenceKinds(o: LinkOutcome): string[] {
  return [...o.evidence, ...o.modules.flatMap((m) => m.evidence)].map((e) => e.kind);
}

Deno.test("librariesFor: a library beside the wheel counts, named or not", async (t) => {
  const dir = await scratch();
  try {
    const wheel = join(dir, WHEEL);
    await Deno.writeFile(wheel, await makeNeedingWheel());

    await t.step("alone: missing-dependency (needed-missing)", async () => {
      const o = await check([await archive(wheel)]);
      assert.equal(o.outcome, "missing-dependency");
      assert.ok(evidenceKinds(o).includes("needed-missing"), evidenceKinds(o).join());
      const cli = await runConform(
        ["link", wheel, "--runtime", "0.27.7", "--json"],
        { CONFORM_CACHE: TEST_CACHE },
      );
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(JSON.parse(cli.stdout).outcomes[0].outcome, "missing-dependency");
    });

    // A broken archive beside it is neither an input nor a reason to fail.
    await Deno.writeTextFile(join(dir, "broken-1.0.zip"), "not a zip");
    await Deno.writeFile(join(dir, LIBFOO), await zipOf("lib/libfoo.so", makeLibfoo()));

    await t.step("with libfoo beside it: links (library API)", async () => {
      const archives = [await archive(wheel)];
      const run = await createLibraryRun(archives, { catalogue: [], allowNetwork: false });
      const choice = await librariesFor(archives[0], run);
      assert.deepEqual(choice.libraries.map((l) => [l.input.file, l.origin]), [
        [join(dir, LIBFOO), "beside"],
      ]);
      assert.deepEqual(choice.missing, []);
      const o = await check(archives);
      assert.equal(o.outcome, "links", JSON.stringify(o.evidence));
    });

    await t.step("with libfoo beside it: links (conform link PATH --json)", async () => {
      const cli = await runConform(
        ["link", wheel, "--runtime", "0.27.7", "--json"],
        { CONFORM_CACHE: TEST_CACHE },
      );
      assert.equal(cli.code, 0, cli.stderr);
      const parsed = JSON.parse(cli.stdout);
      assert.equal(parsed.outcomes.length, 1);
      assert.equal(parsed.outcomes[0].outcome, "links", cli.stdout);
    });

    await t.step("a libfoo whose module is empty fails the wheel (needed-failed)", async () => {
      await Deno.writeFile(join(dir, LIBFOO), await zipOf("lib/libfoo.so", new Uint8Array()));
      const o = await check([await archive(wheel)]);
      // The wheel fares as the library does: invalid, with the library named in the evidence.
      assert.equal(o.outcome, "invalid");
      assert.ok(evidenceKinds(o).includes("needed-failed"), evidenceKinds(o).join());
      const cli = await runConform(
        ["link", wheel, "--runtime", "0.27.7", "--json"],
        { CONFORM_CACHE: TEST_CACHE },
      );
      assert.equal(cli.code, 0, cli.stderr);
      const out = JSON.parse(cli.stdout).outcomes[0] as LinkOutcome;
      assert.equal(out.outcome, o.outcome);
      assert.ok(evidenceKinds(out).includes("needed-failed"));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("librariesFor: the run's inputs come before the files beside the wheel", async () => {
  const dir = await scratch();
  try {
    await Deno.mkdir(join(dir, "wheels"));
    await Deno.mkdir(join(dir, "libs"));
    const wheel = join(dir, "wheels", WHEEL);
    await Deno.writeFile(wheel, await makeNeedingWheel());
    // Beside the wheel: a broken libfoo; given in the run from elsewhere: a good one.
    await Deno.writeFile(join(dir, "wheels", LIBFOO), await zipOf("libfoo.so", new Uint8Array()));
    const good = join(dir, "libs", LIBFOO);
    await Deno.writeFile(good, await zipOf("libfoo.so", makeLibfoo()));
    const archives = [await archive(wheel), await archive(good)];
    const run = await createLibraryRun(archives, { catalogue: [], allowNetwork: false });
    const choice = await librariesFor(archives[0], run);
    assert.deepEqual(choice.libraries.map((l) => [l.input.file, l.origin]), [[good, "run"]]);
    assert.equal((await check(archives)).outcome, "links");
    // The library itself needs nothing.
    assert.deepEqual((await librariesFor(archives[1], run)).libraries, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
