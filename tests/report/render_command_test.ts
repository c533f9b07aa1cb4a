import assert from "node:assert/strict";
import { run } from "../../src/cli/render_command.ts";
import { renderHtml } from "../../src/report/html.ts";
import { renderJson } from "../../src/report/json.ts";
import { renderJunit } from "../../src/report/junit.ts";
import { renderMarkdown } from "../../src/report/markdown.ts";
import { renderText } from "../../src/report/text.ts";
import { makeReport } from "./_make_report.ts";

const ROOT = new URL("../../", import.meta.url);

function memoryIo() {
  const files = new Map<string, string>();
  const out: string[] = [];
  const err: string[] = [];
  return {
    files,
    out,
    err,
    io: {
      out: (t: string) => void out.push(t),
      err: (l: string) => void err.push(l),
      writeFile: (p: string, t: string) => Promise.resolve(void files.set(p, t)),
      stdoutIsTerminal: () => false,
    },
  };
}

Deno.test("conform render writes every format from a saved JSON report", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "conform-render-" });
  try {
    const report = makeReport({ wheels: 8 });
    const file = `${dir}/conform.json`;
    await Deno.writeTextFile(file, renderJson(report));

    await t.step("--format/--out pairs", async () => {
      const m = memoryIo();
      const code = await run([
        file,
        ...["markdown", "html", "junit", "json", "text"].flatMap((
          f,
        ) => ["--format", f, "--out", `o.${f}`]),
      ], m.io);
      assert.equal(code, 0, m.err.join("\n"));
      assert.equal(m.files.get("o.markdown"), renderMarkdown(report));
      assert.equal(m.files.get("o.html"), renderHtml(report));
      assert.equal(m.files.get("o.junit"), renderJunit(report));
      assert.equal(m.files.get("o.json"), renderJson(report));
      assert.equal(m.files.get("o.text"), renderText(report));
      assert.equal(m.out.length, 0);
    });

    await t.step("one format to stdout; markdown --summary; text width", async () => {
      const m = memoryIo();
      assert.equal(await run([file, "--format", "markdown", "--summary"], m.io), 0);
      assert.equal(m.out.join(""), renderMarkdown(report, { detail: "summary" }));
      const w = memoryIo();
      assert.equal(await run([file, "--width", "60", "--color"], w.io), 0);
      assert.equal(w.out.join(""), renderText(report, { width: 60, color: true }));
    });

    await t.step("usage errors → 2", async () => {
      for (
        const args of [
          [],
          [file, "--format", "pdf"],
          [file, "--format", "html", "--format", "json"],
          [file, "--format", "html", "--out", "a", "--out", "b"],
          [file, "--width", "wide"],
        ]
      ) {
        const m = memoryIo();
        assert.equal(await run(args, m.io), 2, args.join(" "));
        assert.match(m.err[0]!, /^conform render: /);
      }
    });

    await t.step("an invalid report → 4 with the schema path", async () => {
      const bad = JSON.parse(renderJson(report));
      bad.wheels[2].tags = "cp312";
      await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify(bad));
      const m = memoryIo();
      assert.equal(await run([`${dir}/bad.json`, "--format", "html"], m.io), 4);
      assert.ok(m.err.some((l) => l.includes("/wheels/2/tags: must be array")), m.err.join("\n"));
    });

    await t.step("as a subprocess it writes the file and creates its directory", async () => {
      const out = `${dir}/nested/deeper/report.html`;
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "src/cli/render_command.ts",
          file,
          "--format",
          "html",
          "--out",
          out,
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      assert.equal(await Deno.readTextFile(out), renderHtml(report));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
