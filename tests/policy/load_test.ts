import assert from "node:assert/strict";
import {
  FLAG_BITS,
  formatPolicyError,
  loadPolicies,
  MAX_POLICY_TEXT,
  PolicyError,
  TEMPLATE_FIELDS,
} from "../../src/policy/mod.ts";
import { POLICY_DIR } from "./_fixtures.ts";

const GOOD = `id: good
title: Good
description: A valid policy loaded next to broken ones.
source:
  - title: somewhere
    ref: here
tag: "pyodide_{year}_{patch}_{arch}"
installable:
  rule: exact
`;

function find(errors: PolicyError[], file: string, keyPath: string): PolicyError {
  const e = errors.find((x) => x.file === file && x.keyPath === keyPath);
  assert.ok(e, `no error at ${file} ${keyPath}; got:\n${errors.map(formatPolicyError).join("\n")}`);
  return e;
}

Deno.test("loadPolicies() loads every shipped policy with zero errors", async () => {
  const files: { path: string; text: string }[] = [];
  for await (const entry of Deno.readDir(POLICY_DIR)) {
    if (/\.ya?ml$/.test(entry.name)) {
      files.push({
        path: entry.name,
        text: await Deno.readTextFile(new URL(entry.name, POLICY_DIR)),
      });
    }
  }
  assert.ok(files.length >= 11, `only ${files.length} policy files`);
  const { policies, errors } = loadPolicies(files);
  assert.deepEqual(errors.map(formatPolicyError), []);
  assert.equal(policies.length, files.length);
  for (const p of policies) {
    assert.ok(p.source.length > 0, `${p.id} cites a source`);
    assert.ok(p.source.every((s) => s.url || s.ref), `${p.id} sources have url or ref`);
  }
});

Deno.test("policies/schema.json documents exactly the template fields and flag bits of the code", async () => {
  const schema = JSON.parse(await Deno.readTextFile(new URL("schema.json", POLICY_DIR)));
  assert.deepEqual(
    [...schema.definitions.templateField.enum].sort(),
    Object.keys(TEMPLATE_FIELDS).sort(),
  );
  const bits = Object.fromEntries(
    Object.entries(schema.definitions.flagBits.properties).map((
      [k, v],
    ) => [k, (v as { const: number }).const]),
  );
  assert.deepEqual(bits, { ...FLAG_BITS });
});

Deno.test("loadPolicies() reports malformed policies with file:line:column and key path", async (t) => {
  const files = [
    { path: "a-good.yaml", text: GOOD },
    // Unclosed flow mapping on line 4.
    {
      path: "syntax.yaml",
      text:
        "id: s\ntitle: t\ndescription: d\nsource: [{title: a, ref: b\ninstallable: {rule: exact}\n",
    },
    {
      path: "unknown-key.yaml",
      text: GOOD.replace("id: good", "id: unknown-key").replace(
        "installable:",
        "tagz: x\ninstallable:",
      ),
    },
    {
      path: "bad-field.yaml",
      text: GOOD.replace("id: good", "id: bad-field").replace("{patch}", "{ptach}"),
    },
    {
      path: "wrong-type.yaml",
      text: GOOD.replace("id: good", "id: wrong-type").replace("title: Good", "title: [1, 2]"),
    },
    { path: "z-duplicate.yaml", text: GOOD.replace("title: Good", "title: Again") },
    {
      path: "combo.yaml",
      text: GOOD.replace("id: good", "id: combo").replace(
        "rule: exact",
        "rule: subset\n  field: flag_bits",
      ),
    },
  ];
  const { policies, errors } = loadPolicies(files);

  await t.step("the valid policy still loads", () => {
    assert.deepEqual(policies.map((p) => p.id), ["good"]);
  });
  await t.step("syntax error", () => {
    const e = errors.find((x) => x.file === "syntax.yaml");
    assert.ok(e);
    assert.equal(e.code, "syntax");
    assert.ok(e.line >= 4, `line ${e.line}`);
  });
  await t.step("unknown key: at the key, with a suggestion", () => {
    const e = find(errors, "unknown-key.yaml", "tagz");
    assert.deepEqual([e.line, e.column, e.code], [8, 1, "schema"]);
    assert.match(e.detail, /unknown key "tagz" \(did you mean "tag"\?\)/);
  });
  await t.step("unknown template field: column of the field inside the string", () => {
    const e = find(errors, "bad-field.yaml", "tag");
    const line = GOOD.split("\n")[6];
    // `tag: "pyodide_{year}_{ptach}_{arch}"`: 1-based column of "ptach".
    assert.deepEqual([e.line, e.column], [7, line.indexOf("{patch}") + 2]);
    assert.match(e.detail, /unknown template field "\{ptach\}" \(did you mean "patch"\?\)/);
    assert.equal(e.code, "semantic");
  });
  await t.step("wrong type: at the value", () => {
    const e = find(errors, "wrong-type.yaml", "title");
    assert.deepEqual([e.line, e.column], [2, 8]);
    assert.equal(e.detail, "must be a string");
  });
  await t.step("duplicate id: at the later file's id, naming the first", () => {
    const e = find(errors, "z-duplicate.yaml", "id");
    assert.deepEqual([e.line, e.column, e.code], [1, 5, "duplicate-id"]);
    assert.match(e.detail, /first defined at a-good\.yaml:1:5/);
  });
  await t.step("invalid rule combination: subset field not in the tag", () => {
    const e = find(errors, "combo.yaml", "installable.field");
    assert.match(e.detail, /does not appear in tag/);
    assert.equal(e.line, 10);
  });
  await t.step("formatPolicyError() prints file:line:column: keyPath: message", () => {
    const e = find(errors, "wrong-type.yaml", "title");
    assert.equal(formatPolicyError(e), "wrong-type.yaml:2:8: title: must be a string");
    assert.ok(e instanceof PolicyError && e instanceof SyntaxError);
  });
});

Deno.test("loadPolicies() reports all problems of one file at once", () => {
  const text = `id: Bad_Id
title: t
description: d
source:
  - title: no url or ref
tag: "pyodide_{arch}"
installable:
  rule: aliases
relabel:
  to: "x_{nope}"
  when: sometimes
`;
  const { policies, errors } = loadPolicies([{ path: "many.yaml", text }]);
  assert.equal(policies.length, 0);
  const got = errors.map((e) => `${e.line}:${e.column} ${e.keyPath}`);
  assert.deepEqual(got, [
    "1:5 id",
    "5:5 source[0]",
    "8:3 installable",
    "10:11 relabel.to", // the field name inside the string
    "11:9 relabel.when",
  ]);
  assert.match(errors[2].detail, /missing key "aliases"/);
});

Deno.test("loadPolicies() checks filename mode and version ranges", () => {
  const text = `id: fname
title: t
description: d
source: [{title: a, url: "https://example.org/x"}]
wheel_tag: filename
tag: "x_{arch}"
installable:
  rule: accepts
  accepts:
    - tag: "pyodide_{abi_version}_{arch}"
      pyodide: ">=0.26.0,<zz"
`;
  const { errors } = loadPolicies([{ path: "f.yaml", text }]);
  const byPath = Object.fromEntries(errors.map((e) => [e.keyPath, e.detail]));
  assert.match(byPath["tag"], /not used when wheel_tag is filename/);
  assert.match(byPath["installable.accepts[0].pyodide"], /malformed version range/);
});

Deno.test("loadPolicies() refuses an oversized file without parsing it", () => {
  const text = GOOD + "#".repeat(MAX_POLICY_TEXT);
  const { policies, errors } = loadPolicies([{ path: "big.yaml", text }, {
    path: "ok.yaml",
    text: GOOD,
  }]);
  assert.deepEqual(policies.map((p) => p.id), ["good"]);
  assert.deepEqual([errors.length, errors[0].code, errors[0].line], [1, "input", 1]);
});

Deno.test("loadPolicies() refuses deep nesting by position, before the parser recurses", () => {
  const flow = GOOD + `extra: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`;
  const block = GOOD + "extra:\n" +
    Array.from({ length: 200 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n") + " 1\n";
  for (const [name, text] of [["flow.yaml", flow], ["block.yaml", block]]) {
    const { policies, errors } = loadPolicies([{ path: name, text }]);
    assert.equal(policies.length, 0);
    assert.equal(errors.length, 1, errors.map(formatPolicyError).join("\n"));
    assert.match(errors[0].message, /nested \d+ levels deep here; a policy may nest at most \d+/);
    assert.doesNotMatch(errors[0].message, /call stack/);
    // The place is the line where it got too deep (after GOOD's lines), not the start.
    assert.ok(errors[0].line > GOOD.split("\n").length - 1, formatPolicyError(errors[0]));
  }
});

Deno.test("loadPolicies() resolves YAML merge keys", () => {
  const text = GOOD.replace("installable:\n  rule: exact\n", "installable:\n  <<: {rule: exact}\n");
  assert.ok(text.includes("<<"));
  const { policies, errors } = loadPolicies([{ path: "merge.yaml", text }]);
  assert.deepEqual(errors.map(formatPolicyError), []);
  assert.equal(policies[0].installable.rule, "exact");
});
