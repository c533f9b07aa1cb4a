/**
 * Run `deno task conform …` as a subprocess, with exactly the permissions of the task definition
 * in deno.json, so the tests also prove that those permissions suffice.
 *
 * @module
 */
import { MIRROR, REPO_ROOT } from "../corpus/_mirror.ts";

/** Output and exit code of one run. */
export interface ConformRun {
  code: number;
  stdout: string;
  stderr: string;
}

const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));

/**
 * Run one task of deno.json (`deno task NAME …`) from the repository root, with exactly the
 * permissions of its definition, the given environment (added to this process's) and a time
 * limit after which the test fails instead of the whole suite hanging.
 */
export async function runDenoTask(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<ConformRun> {
  const task = config.tasks[name];
  const taskCommand: string = typeof task === "string" ? task : task.command;
  const [program, ...taskArgs] = taskCommand.trim().split(/\s+/);
  if (program !== "deno") throw new Error(`${name} task does not start with deno: ${taskCommand}`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs, ...args],
    cwd: REPO_ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Run the conform task with extra arguments from the repository root.
 *
 * @param args Arguments after `deno task conform`.
 * @param env Extra environment (the mirror and a fresh cache are set by default).
 */
export async function runConform(
  args: string[],
  env: Record<string, string> = {},
): Promise<ConformRun> {
  // Under .cache/: the task may write only there and in reports/.
  const scratch = `${REPO_ROOT.replace(/\/$/, "")}/.cache/tmp`;
  await Deno.mkdir(scratch, { recursive: true });
  const cacheDir = await Deno.makeTempDir({ dir: scratch, prefix: "cli-" });
  try {
    return await runDenoTask("conform", args, {
      NO_COLOR: "1",
      CONFORM_MIRROR: MIRROR,
      CONFORM_CACHE: cacheDir,
      ...env,
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
}
