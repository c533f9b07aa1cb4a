/**
 * Link executors for the runner. Placeholder wiring: in-process until the worker pool lands.
 *
 * @module
 */
import { executeLinksInProcess, type LinkExecutor } from "./run_conform.ts";

/** An executor plus a way to release its workers. */
export interface LinkPoolExecutor {
  execute: LinkExecutor;
  close(): Promise<void>;
}

/** Create the executor for `conform`. */
export function createLinkPoolExecutor(_options: { workers: number }): LinkPoolExecutor {
  return { execute: executeLinksInProcess, close: () => Promise.resolve() };
}
