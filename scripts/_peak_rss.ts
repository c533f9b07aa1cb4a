/**
 * `conform link ARGS…` or `conform oracle ARGS…` in this process, then its peak RSS (the kernel's
 * high-water mark, via `process.resourceUsage`) as the last line on stderr: `peak-rss-bytes N`.
 * The bench runs it in a child with the conform task's flags, so the figure is that of one cold
 * command (for `oracle`, the harness's own process: the real runtime runs in its child).
 *
 * Usage: `_peak_rss.ts link|oracle ARGS…`
 *
 * @module
 */
import process from "node:process";
import { run as runLink } from "../src/cli/link_command.ts";
import { run as runOracle } from "../src/cli/oracle_command.ts";

const [command, ...args] = Deno.args;
const code = await (command === "oracle" ? runOracle : runLink)(args);
console.error(`peak-rss-bytes ${process.resourceUsage().maxRSS * 1024}`);
Deno.exit(code);
