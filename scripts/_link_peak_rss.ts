/**
 * `conform link ARGS…` in this process, then its peak RSS (the kernel's high-water mark, via
 * `process.resourceUsage`) as the last line on stderr: `peak-rss-bytes N`. The bench runs it in a
 * child with the conform task's flags, so the figure is that of one cold `conform link`.
 *
 * @module
 */
import process from "node:process";
import { run } from "../src/cli/link_command.ts";

const code = await run(Deno.args);
console.error(`peak-rss-bytes ${process.resourceUsage().maxRSS * 1024}`);
Deno.exit(code);
