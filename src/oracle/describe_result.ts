/**
 * Oracle results as terminal text (`conform oracle`).
 *
 * @module
 */
import type { OracleResult } from "./types.ts";

/**
 * One result as lines: the verdict, then each load path with its status and smoke call.
 *
 * @example
 * ```ts ignore
 * console.log(describeOracleResult(result));
 * ```
 */
export function describeOracleResult(r: OracleResult): string {
  const verdict = r.works === null ? "inconclusive" : r.works ? "works" : "breaks";
  const lines = [
    `${r.runtime}  ${r.wheel}  ${verdict}  (${r.reason})${r.cached ? "  [cached]" : ""}`,
  ];
  for (const p of r.paths) {
    const smoke = p.smoke ? `  smoke ${p.smoke.status}: ${p.smoke.value}` : "";
    const symbol = p.symbol ? ` ${p.symbol}` : "";
    lines.push(
      `  ${p.path.padEnd(21)} ${p.status}${symbol}${smoke}  ${(p.ms.total / 1000).toFixed(1)} s`,
    );
    if (p.message) lines.push(`    ${p.message.split("\n").slice(0, 3).join("\n    ")}`);
  }
  if (r.pathsDisagree) lines.push("  note: the load-package and dlopen paths disagree");
  for (const e of r.runnerErrors) lines.push(`  runner: ${e}`);
  return lines.join("\n");
}

/**
 * One line of counts (work, break, inconclusive, cached) and mean times over results.
 *
 * @example
 * ```ts ignore
 * console.log(summarizeOracleResults(results)); // "3 pairs: 2 work, 1 break, …"
 * ```
 */
export function summarizeOracleResults(results: OracleResult[]): string {
  const count = (f: (r: OracleResult) => boolean) => results.filter(f).length;
  const ran = results.filter((r) => !r.cached);
  const mean = (xs: number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 1000 : 0;
  return `${results.length} pairs: ${count((r) => r.works === true)} work, ${
    count((r) => r.works === false)
  } break, ${count((r) => r.works === null)} inconclusive; ${
    count((r) => r.cached)
  } from the cache${
    ran.length
      ? `; ${mean(ran.map((r) => r.ms)).toFixed(1)} s per pair, ${
        mean(ran.flatMap((r) => r.msPerPath)).toFixed(1)
      } s per load path`
      : ""
  }`;
}
