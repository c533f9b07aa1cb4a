/**
 * Exit codes of `conform` and its subcommands, one meaning each so CI can tell them apart.
 *
 * @module
 */

/** The run completed. */
export const EXIT_OK = 0;
/** An internal error (a bug): the run did not complete. */
export const EXIT_INTERNAL = 1;
/** Bad command line: unknown option, missing argument, unknown or unavailable command. */
export const EXIT_USAGE = 2;
/** A policy file does not load or validate. */
export const EXIT_POLICY_ERROR = 3;
/** At least one input could not be read (malformed, hash mismatch, unavailable). */
export const EXIT_UNREADABLE_INPUT = 4;
/** A runtime could not be obtained. */
export const EXIT_RUNTIME_UNAVAILABLE = 5;
/** `--fail-on unsafe` and a selected policy has unsafe accepts. */
export const EXIT_UNSAFE_ACCEPTS = 6;
