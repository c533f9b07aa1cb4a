/**
 * The CLI behaves like the tools people know: `--format`/`--out` pairs bind by position, one
 * format at most on stdout, `NO_COLOR` and `--color`, full lines into a pipe, a closed pipe ends
 * quietly, a mistyped command is no path, and the top-level help lists the main job's options.
 */
import assert from "node:assert/strict";
import { parseOutputRequests, textStyleFrom } from "../../src/cli/_outputs.ts";
import { UsageError } from "../../src/cli/_args.ts";
import { renderJson } from "../../src/report/json.ts";
import { renderText } from "../../src/report/text.ts";
import { REPO_ROOT } from "../corpus/_mirror.ts";
import { makeReport } from "../report/_make_report.ts";
import { runConform } from "./_run_conform.ts";

Deno.test("--format/--out pairs bind by position", () => {
  assert.deepEqual(parseOutputRequests(["--format", "json", "--out", "a.json", "--format=html"]), [
    { format: "json", out: "a.json" },
    { format: "html" },
  ]);
  assert.deepEqual(parseOutputRequests(["corpus/"]), [{ format: "text" }]);
  // An --out before its --format, or two formats for stdout: usage errors that say why.
  assert.throws(
    () => parseOutputRequests(["--out", "reports/a.md", "--format", "markdown"]),
    (e: Error) => e instanceof UsageError && /no --format of its own/.test(e.message),
  );
  assert.throws(
    () => parseOutputRequests(["--format", "json", "--format", "text"]),
    (e: Error) =>
      e instanceof UsageError && /json and text would both go to stdout/.test(e.message),
  );
  assert.throws(() => parseOutputRequests(["--format", "pdf"]), UsageError);
});

Deno.test("colour: --color=always|never|auto and NO_COLOR; width only on a terminal", () => {
  const noColor = Deno.env.get("NO_COLOR");
  try {
    Deno.env.delete("NO_COLOR");
    assert.equal(textStyleFrom({}, true).color, true);
    assert.equal(textStyleFrom({}, false).color, false);
    assert.equal(textStyleFrom({ color: "always" }, false).color, true);
    assert.equal(textStyleFrom({ color: "never" }, true).color, false);
    assert.equal(textStyleFrom({ "no-color": true }, true).color, false);
    Deno.env.set("NO_COLOR", "1");
    assert.equal(textStyleFrom({}, true).color, false, "NO_COLOR wins over auto");
    assert.equal(textStyleFrom({ color: "always" }, true).color, true, "--color=always wins");
    assert.throws(() => textStyleFrom({ color: "sometimes" }, true), UsageError);
    assert.equal(textStyleFrom({}, false).width, undefined, "full lines into a pipe");
    assert.equal(textStyleFrom({ width: "72" }, false).width, 72);
  } finally {
    if (noColor === undefined) Deno.env.delete("NO_COLOR");
    else Deno.env.set("NO_COLOR", noColor);
  }
});

Deno.test("text never cuts off a counter-example's runtime or verdict", () => {
  const report = makeReport({ wheels: 6 });
  const long = "x".repeat(150);
  for (const p of report.policies) {
    for (const c of p.counterExamples) c.wheel = `some/deep/dir/${long}-1.0-cp312-cp312-w.whl`;
  }
  const text = renderText(report, { width: 80 });
  const lines = text.split("\n").filter((l) => /^ {4}[!×] /.test(l));
  assert.ok(lines.length > 0, text);
  const runtimes = report.runtimes.map((r) => r.version);
  for (const l of lines) {
    assert.ok([...l].length <= 80, l);
    // Each counter-example ends with its runtime, whole.
    const end = / on (\S+)$/.exec(l);
    assert.ok(end && runtimes.includes(end[1]), l);
  }
  // Full lines when no width is given: the whole name is there.
  assert.ok(renderText(report).includes(long));
});

Deno.test("subprocess conventions", async (t) => {
  await t.step("a mistyped command is a usage error, not a path", async () => {
    const run = await runConform(["explian"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /unknown command "explian"; did you mean "explain"\?/);
  });
  await t.step("every command's help lists its exit codes", async () => {
    const main = await Deno.readTextFile(`${REPO_ROOT}/src/cli/main.ts`);
    const commands = [...main.matchAll(/^ {2}(\w+): \{\n {4}summary:/gm)].map((m) => m[1]);
    assert.ok(commands.length >= 10, commands.join(", "));
    for (const command of commands) {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/main.ts", command, "--help"],
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(r.stdout);
      assert.equal(r.code, 0, `${command}: ${new TextDecoder().decode(r.stderr)}`);
      assert.match(text, /Exit codes: 0 /, `${command} --help`);
    }
  });
  await t.step("every command takes --color and --no-color", async () => {
    const main = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/main.ts", ...args],
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
    for (const command of ["check", "link", "oracle", "explain", "inspect", "diff", "policy"]) {
      for (const flag of ["--no-color", "--color=never", "--color"]) {
        const r = await main([command, flag, "--help"]);
        assert.equal(r.code, 0, `${command} ${flag}: ${new TextDecoder().decode(r.stderr)}`);
      }
    }
    const bad = await main(["check", "--color=sometimes", "x.whl"]);
    assert.equal(bad.code, 2);
    assert.match(new TextDecoder().decode(bad.stderr), /--color takes auto, always or never/);
  });
  await t.step("the top-level help lists the main job's options", async () => {
    const run = await runConform(["--help"]);
    assert.equal(run.code, 0);
    for (const option of ["--oracle MODE", "--policy", "--format", "--jobs", "--color"]) {
      assert.ok(run.stdout.includes(option), option);
    }
  });
  await t.step("a closed pipe ends quietly", async () => {
    const dir = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "pipe-" });
    try {
      const file = `${dir}/r.json`;
      // Far more than a pipe buffer holds: the writer meets the closed pipe.
      await Deno.writeTextFile(file, renderJson(makeReport({ wheels: 400 })));
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/main.ts", "render", file, "--format", "json"],
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read();
      await reader.cancel();
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      assert.doesNotMatch(stderr, /internal error|BrokenPipe/, stderr);
      assert.equal(status.code, 0, stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test({
  name: "NO_COLOR on a pseudo-terminal: no escape sequence at all",
  // `script` (util-linux) gives the command a pseudo-terminal.
  ignore: !(await new Deno.Command("sh", { args: ["-c", "command -v script"] }).output()).success,
}, async () => {
  const dir = await Deno.makeTempDir({ dir: `${REPO_ROOT}/.cache/tmp`, prefix: "pty-" });
  try {
    const file = `${dir}/r.json`;
    await Deno.writeTextFile(file, renderJson(makeReport({ wheels: 6 })));
    const onTerminal = async (env: Record<string, string>) => {
      const command = `'${Deno.execPath()}' run -A src/cli/main.ts render '${file}'`;
      const r = await new Deno.Command("script", {
        args: ["-qec", command, "/dev/null"],
        cwd: REPO_ROOT,
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(r.stdout);
    };
    const base = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp" };
    const coloured = await onTerminal({ ...base, TERM: "xterm" });
    assert.ok(coloured.includes("\u001b["), "a terminal gets colour by default");
    const plain = await onTerminal({ ...base, TERM: "xterm", NO_COLOR: "1" });
    assert.ok(plain.includes("Policies, ranked"), plain.slice(0, 200));
    assert.ok(!plain.includes("\u001b"), "no ESC with NO_COLOR");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
