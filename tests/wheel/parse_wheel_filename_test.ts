import assert from "node:assert/strict";
import {
  expandWheelTag,
  formatWheelTag,
  InvalidWheelFilename,
  normalizeVersion,
  parseWheelFilename,
} from "../../src/wheel/mod.ts";
import type { WheelFilename } from "../../src/wheel/mod.ts";
import { catchError } from "./_assert.ts";
import { readManifest } from "./_corpus.ts";

/** Valid names: expected [name, version, build, tags]; values as `packaging` 26.2 parses them. */
const VALID: [string, string, string, [number, string] | undefined, string[]][] = [
  ["foo-1.0-py3-none-any.whl", "foo", "1.0", undefined, ["py3-none-any"]],
  // compressed tag set, build tag with a suffix, name normalised
  ["Foo_Bar-1.0-2b-py2.py3-none-any.whl", "foo-bar", "1.0", [2, "b"], [
    "py2-none-any",
    "py3-none-any",
  ]],
  // build tag with leading zeros keeps the integer value
  ["foo-1.0-007x-py3-none-any.whl", "foo", "1.0", [7, "x"], ["py3-none-any"]],
  ["foo-1.0-1-py3-none-any.whl", "foo", "1.0", [1, ""], ["py3-none-any"]],
  ["foo.bar-1.0-py3-none-any.whl", "foo-bar", "1.0", undefined, ["py3-none-any"]],
  // tags are lower-cased
  ["foo-1.0-PY3-NONE-ANY.whl", "foo", "1.0", undefined, ["py3-none-any"]],
  // PEP 440 normalisation
  [
    "foo-v1.0RC1.post2.DEV3+Local_7-py3-none-any.whl",
    "foo",
    "1.0rc1.post2.dev3+local.7",
    undefined,
    [
      "py3-none-any",
    ],
  ],
  ["foo-1!1.0-py3-none-any.whl", "foo", "1!1.0", undefined, ["py3-none-any"]],
  // the platform tags of every Pyodide generation
  ["msgpack-1.0.4-cp310-cp310-emscripten_3_1_14_wasm32.whl", "msgpack", "1.0.4", undefined, [
    "cp310-cp310-emscripten_3_1_14_wasm32",
  ]],
  ["orjson-3.10.1-cp312-cp312-pyodide_2024_0_wasm32.whl", "orjson", "3.10.1", undefined, [
    "cp312-cp312-pyodide_2024_0_wasm32",
  ]],
  ["pyxel-1.9.10-cp37-abi3-pyemscripten_2026_0_wasm32.whl", "pyxel", "1.9.10", undefined, [
    "cp37-abi3-pyemscripten_2026_0_wasm32",
  ]],
  // every component compressed: 2 x 2 x 2 tags
  ["foo-1.0-cp312.cp313-abi3.none-any.linux_x86_64.whl", "foo", "1.0", undefined, [
    "cp312-abi3-any",
    "cp312-abi3-linux_x86_64",
    "cp312-none-any",
    "cp312-none-linux_x86_64",
    "cp313-abi3-any",
    "cp313-abi3-linux_x86_64",
    "cp313-none-any",
    "cp313-none-linux_x86_64",
  ]],
];

/** Invalid names and the exact reason, in packaging's order of checks. */
const INVALID: [string, string][] = [
  // not a wheel
  ["foo-1.0-py3-none-any.zip", 'extension must be ".whl"'],
  // packaging compares the extension case-sensitively
  ["Foo-1.0-py3-none-any.WHL", 'extension must be ".whl"'],
  // 3 dashes
  ["foo-1.0-py3-none.whl", "wrong number of parts"],
  // 6 dashes
  ["foo-1.0-1-2-py3-none-any.whl", "wrong number of parts"],
  // no dash at all
  ["foo.whl", "wrong number of parts"],
  // `__` is not a valid escaped name
  ["foo__bar-1.0-py3-none-any.whl", 'invalid project name "foo__bar"'],
  ["foo+bar-1.0-py3-none-any.whl", 'invalid project name "foo+bar"'],
  // empty name (packaging accepts it; we do not)
  ["-1.0-py3-none-any.whl", 'invalid project name ""'],
  ["foo-1.0.x-py3-none-any.whl", 'invalid version "1.0.x"'],
  ["foo--py3-none-any.whl", 'invalid version ""'],
  ["foo-1.0-abc-py3-none-any.whl", 'build tag "abc" must start with a digit'],
  ["foo-1.0--py3-none-any.whl", 'build tag "" must start with a digit'],
  // empty tag components (packaging 26.3 InvalidTag)
  ["foo-1.0--none-any.whl", 'empty tag component ""'],
  ["foo-1.0-py3-none-.whl", 'empty tag component ""'],
  ["foo-1.0-py3..py2-none-any.whl", 'empty tag component "py3..py2"'],
  // interpreter must be an identifier (packaging 26.3 InvalidTag)
  ["foo-1.0-3py-none-any.whl", 'invalid interpreter tag "3py"'],
];

Deno.test("parseWheelFilename() parses valid names as packaging does", async (t) => {
  for (const [filename, name, version, build, tags] of VALID) {
    await t.step(filename, () => {
      const parsed = parseWheelFilename(filename);
      const expected: WheelFilename = { filename, name, version, tags: [] };
      if (build !== undefined) expected.build = build;
      assert.deepEqual({ ...parsed, tags: [] }, expected);
      assert.deepEqual(parsed.tags.map(formatWheelTag).sort(), tags);
    });
  }
});

Deno.test("parseWheelFilename() rejects invalid names with the reason", async (t) => {
  for (const [filename, reason] of INVALID) {
    await t.step(filename, () => {
      const error = catchError(() => parseWheelFilename(filename), InvalidWheelFilename);
      assert.ok(error instanceof SyntaxError);
      assert.equal(error.reason, reason);
      assert.equal(error.filename, filename);
      assert.equal(
        error.message,
        `Invalid wheel filename (${reason}): ${JSON.stringify(filename)}`,
      );
    });
  }
});

Deno.test("parseWheelFilename() bounds compressed tag sets", () => {
  const many = Array.from({ length: 11 }, (_, i) => `p${i}`).join(".");
  const filename = `foo-1.0-${many}-${many}-${many}.whl`;
  const error = catchError(() => parseWheelFilename(filename), InvalidWheelFilename);
  assert.equal(error.reason, "compressed tag set expands to 1331 tags, over 1024");
});

Deno.test("expandWheelTag() and normalizeVersion() edge cases", () => {
  assert.deepEqual(expandWheelTag("py3.py3-none-any")?.map(formatWheelTag), ["py3-none-any"]);
  assert.equal(expandWheelTag("py3-none-any-extra"), undefined);
  assert.equal(normalizeVersion(" 1.0 "), "1.0");
  assert.equal(normalizeVersion("1.0-r"), "1.0.post0");
  assert.equal(normalizeVersion("1.0alpha"), "1.0a0");
  assert.equal(normalizeVersion("0!01.02"), "1.2");
  assert.equal(normalizeVersion("1.0+"), undefined);
});

Deno.test("parseWheelFilename() reads the platform tag the manifest gives for every corpus wheel", async (t) => {
  const manifest = await readManifest();
  for (const entry of manifest.filter((e) => e.file.endsWith(".whl"))) {
    await t.step(entry.file, () => {
      const parsed = parseWheelFilename(entry.file.split("/").pop()!);
      assert.deepEqual(
        [...new Set(parsed.tags.map((tag) => tag.platform))],
        [entry.platform_tag_in_filename],
      );
      // `parseWheelFilename` must give back the pieces the filename was composed of.
      const t0 = parsed.tags[0]!;
      const stem = entry.file.split("/").pop()!.slice(0, -4);
      assert.ok(
        stem.endsWith(`-${t0.interpreter}-${t0.abi}-${t0.platform}`) || parsed.tags.length > 1,
      );
    });
  }
});
