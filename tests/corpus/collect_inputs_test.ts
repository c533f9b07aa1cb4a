import assert from "node:assert/strict";
import { collectInputs, readInputLink, verifiedSha256 } from "../../src/corpus/mod.ts";
import { readWheel } from "../../src/wheel/mod.ts";
import { CATALOGUE_PATH, MIRROR, readCatalogue, REPO_ROOT, sha256Of } from "./_mirror.ts";

const catalogue = await readCatalogue();
const archives = catalogue.files.filter((e) => e.kind !== "lockfile");

Deno.test("collectInputs()", async (t) => {
  await t.step("a directory is searched recursively for .whl and .zip, sorted", async () => {
    const dir = await Deno.makeTempDir();
    const picks = [
      archives.find((e) => e.path.endsWith(".whl"))!,
      archives.find((e) => e.path.endsWith(".zip"))!,
    ];
    await Deno.mkdir(`${dir}/b/deeper`, { recursive: true });
    await Deno.mkdir(`${dir}/a`);
    const wheelName = picks[0].path.split("/")[1];
    const zipName = picks[1].path.split("/")[1];
    await Deno.copyFile(`${MIRROR}/${picks[0].path}`, `${dir}/b/deeper/${wheelName}`);
    await Deno.copyFile(`${MIRROR}/${picks[1].path}`, `${dir}/a/${zipName}`);
    await Deno.writeTextFile(`${dir}/a/notes.txt`, "not an archive");
    await Deno.writeTextFile(`${dir}/b/repodata.json`, "{}");

    const inputs = await collectInputs([dir, `${dir}/a`], { allowNetwork: false });
    assert.deepEqual(inputs.map((i) => i.file), [
      `${dir}/a/${zipName}`,
      `${dir}/b/deeper/${wheelName}`,
    ]);
    assert.ok(inputs.every((i) => i.source === "path" && i.entry === undefined));
    assert.equal(sha256Of(await inputs[1].read()), picks[0].sha256);
    // Nothing hashed a file given by path: the reader must.
    assert.ok(inputs.every((i) => verifiedSha256(i) === undefined));
    assert.equal((await readInputLink(inputs[1])).wheel.sha256, picks[0].sha256);
    await Deno.remove(dir, { recursive: true });
  });

  for (const path of [`${REPO_ROOT}/corpus`, `${REPO_ROOT}/corpus/`, CATALOGUE_PATH]) {
    await t.step(
      `the catalogue (${path.slice(REPO_ROOT.length + 1)}) expands to its archives`,
      async () => {
        const cacheDir = await Deno.makeTempDir();
        const inputs = await collectInputs([path], {
          mirror: MIRROR,
          cacheDir,
          allowNetwork: false,
        });
        assert.deepEqual(inputs.map((i) => i.file), archives.map((e) => e.path));
        assert.ok(inputs.every((i) => i.source === "catalogue" && i.entry?.path === i.file));
        const sample = inputs.find((i) => i.file.includes("orjson"))!;
        assert.equal(sha256Of(await sample.read()), sample.entry!.sha256);
        // A catalogue read verifies the entry's hash, so the reader can take it as is.
        assert.equal(verifiedSha256(sample), sample.entry!.sha256);
        const facts = await readWheel(await sample.read(), {
          file: sample.file,
          sha256: verifiedSha256(sample),
        });
        assert.equal(facts.sha256, sha256Of(await sample.read()));
        const link = await readInputLink(sample, { shared: true });
        assert.equal(link.wheel.sha256, sample.entry!.sha256);
        assert.ok(link.modules.length > 0);
        assert.ok(link.modules.every((m) => m.bytes.buffer instanceof SharedArrayBuffer));
        await Deno.remove(cacheDir, { recursive: true });
      },
    );
  }

  await t.step("lock files only when asked for", async () => {
    const inputs = await collectInputs([CATALOGUE_PATH], {
      mirror: MIRROR,
      allowNetwork: false,
      kinds: ["lockfile"],
    });
    assert.equal(inputs.length, catalogue.files.filter((e) => e.kind === "lockfile").length);
  });

  await t.step("a missing path becomes an input that fails to read", async () => {
    const inputs = await collectInputs(["/nonexistent/x.whl"], { allowNetwork: false });
    assert.equal(inputs.length, 1);
    await assert.rejects(() => inputs[0].read(), Deno.errors.NotFound);
  });
});

Deno.test("a catalogue read refuses bytes that do not match the hash readers then trust", async () => {
  // verifiedSha256 is only sound because read() checks every call: a swapped mirror file fails.
  const pick = archives.find((e) => e.path.endsWith(".whl"))!;
  const mirror = await Deno.makeTempDir();
  const cacheDir = await Deno.makeTempDir();
  try {
    const [dist, name] = pick.path.split("/");
    await Deno.mkdir(`${mirror}/${dist}`);
    const bytes = await Deno.readFile(`${MIRROR}/${pick.path}`);
    bytes[bytes.length >> 1] ^= 0xff;
    await Deno.writeFile(`${mirror}/${dist}/${name}`, bytes);
    const inputs = await collectInputs([CATALOGUE_PATH], { mirror, cacheDir, allowNetwork: false });
    const input = inputs.find((i) => i.file === pick.path)!;
    assert.equal(verifiedSha256(input), pick.sha256);
    await assert.rejects(() => input.read(), (e) => /sha256/i.test(String((e as Error).message)));
  } finally {
    await Deno.remove(mirror, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
