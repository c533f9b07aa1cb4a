/**
 * Facts of every archive of a catalogue directory, in rounds, in a process that holds nothing
 * else: the archives are read into memory first, then each round runs `readWheel` over all of
 * them. Prints one JSON line: `{"rounds":[ms…],"modules":N,"bytes":N}`.
 *
 * The bench runs it in a child so that the figure is the reader's own, not that of a process
 * still holding the link matrix's runtimes and sessions (their heap made every collection
 * during the rounds slower: 1090 ms in the bench's process against 930-1000 ms alone).
 *
 * Usage: `_facts_rounds.ts ROUNDS CATALOGUE_DIR CACHE_DIR [MIRROR_DIR]`
 *
 * @module
 */
import { collectInputs, verifiedSha256 } from "../src/corpus/mod.ts";
import { readWheel } from "../src/wheel/mod.ts";

const [roundsArg, catalogueDir, cacheDir, mirror] = Deno.args;
const rounds = Math.max(1, Number(roundsArg) || 1);
const inputs = await collectInputs([catalogueDir], { cacheDir, mirror, allowNetwork: false });
// As the runner reads them: a catalogue read verifies the sha256 the reader then takes as is.
const files: { file: string; bytes: Uint8Array; sha256?: string }[] = [];
for (const input of inputs) {
  try {
    files.push({ file: input.file, bytes: await input.read(), sha256: verifiedSha256(input) });
  } catch {
    // an archive that cannot be read is not part of the figure (the link matrix skips it too)
  }
}
const times: number[] = [];
let modules = 0;
for (let round = 0; round < rounds; round++) {
  const t = performance.now();
  modules = 0;
  for (const f of files) modules += (await readWheel(f.bytes, f)).sideModules.length;
  times.push(performance.now() - t);
}
console.log(JSON.stringify({
  rounds: times,
  modules,
  bytes: files.reduce((n, f) => n + f.bytes.length, 0),
}));
