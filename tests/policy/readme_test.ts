/**
 * The README's "Writing a policy" section describes every key of the policy schema and every
 * template field, so a new key or field cannot ship undocumented.
 */
import assert from "node:assert/strict";
import { loadPolicies, previewPolicy, TEMPLATE_FIELDS } from "../../src/policy/mod.ts";
import { loadRuntimeCatalogue } from "../../src/runtime/mod.ts";

const ROOT = new URL("../../", import.meta.url);

async function section(): Promise<string> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const start = readme.indexOf("\n## Writing a policy\n");
  assert.ok(start >= 0, "README has a Writing a policy section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** First cells of the Markdown table rows of a text, split on `, ` and stripped of backticks. */
function firstCells(text: string): string[] {
  return text.split("\n").filter((l) => /^\| `/.test(l)).flatMap((l) =>
    l.split("|")[1]!.trim().split(/,\s*/).map((c) => c.replaceAll("`", ""))
  );
}

Deno.test("README: every policy key of the schema is explained", async () => {
  const text = await section();
  const schema = JSON.parse(await Deno.readTextFile(new URL("policies/schema.json", ROOT)));
  const keys = firstCells(text);
  for (const k of Object.keys(schema.properties)) {
    assert.ok(keys.some((c) => c === k || c.startsWith(`${k}.`)), `key ${k} is not in the table`);
  }
  for (const k of Object.keys(schema.properties.installable.properties)) {
    assert.ok(keys.includes(`installable.${k}`), `installable.${k} is not in the table`);
  }
  for (const rule of schema.properties.installable.properties.rule.enum as string[]) {
    assert.match(text, new RegExp(`^- \`${rule}\`: `, "m"), `rule ${rule} is not explained`);
  }
});

Deno.test("README: every template field is listed", async () => {
  const cells = firstCells(await section());
  for (const field of Object.keys(TEMPLATE_FIELDS)) {
    assert.ok(cells.includes(field), `template field ${field} is not in the table`);
  }
});

Deno.test("README: the worked example is a valid policy whose preview the README shows", async () => {
  const text = await section();
  const yaml = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(yaml);
  const { policies, errors } = loadPolicies([{ path: "example.yaml", text: yaml }]);
  assert.deepEqual(errors, []);
  const catalogue = loadRuntimeCatalogue(
    await Deno.readTextFile(new URL("corpus/runtimes.json", ROOT)),
    { file: "corpus/runtimes.json" },
  );
  const preview = previewPolicy(policies[0]!, catalogue);
  for (const row of preview.rows) {
    const line = text.split("\n").find((l) => l.startsWith(`${row.runtime} `));
    if (line) assert.match(line, new RegExp(` ${row.wheelTag} +${row.accepts.join(" ")}$`));
  }
  const shared = preview.groups.filter((g) => g.length > 1).map((g) => g.join(" = ")).join("; ");
  assert.ok(text.includes(`runtimes sharing a tag: ${shared}`));
});
