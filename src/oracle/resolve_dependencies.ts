/**
 * Which corpus files the oracle must load before a wheel: its lock-file dependencies found in the
 * same distribution folder (see `src/corpus/lock_dependencies.ts`, which the link check uses too).
 *
 * @module
 */
export {
  lockDependencies as resolveOracleDependencies,
  MAX_DEPENDENCY_DEPTH,
} from "../corpus/lock_dependencies.ts";
