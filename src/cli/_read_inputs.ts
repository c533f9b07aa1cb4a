/**
 * Read the facts of many inputs in order, overlapping file reads with parsing, and keeping each
 * failure with its input instead of stopping.
 *
 * @module
 */
import { type InputFile, openInput, verifiedSha256 } from "../corpus/collect_inputs.ts";
import { readWheel } from "../wheel/mod.ts";
import type { WheelFacts } from "../wheel/types.ts";

/** The outcome of reading one input: its facts, or the error that stopped it. */
export interface InputResult {
  input: InputFile;
  facts?: WheelFacts;
  error?: unknown;
}

/** How many inputs are in flight at once (reads overlap with parsing the previous one). */
export const READ_AHEAD = 4;

async function readOne(input: InputFile): Promise<InputResult> {
  try {
    // A large archive is read on demand, one member at a time (see openInput).
    const archive = await openInput(input);
    try {
      // The reader takes the base name for filename parsing and keeps the path for its errors.
      const facts = await readWheel(archive.bytes, {
        file: input.file,
        sha256: verifiedSha256(input),
      });
      return { input, facts };
    } finally {
      archive.close();
    }
  } catch (error) {
    return { input, error };
  }
}

/**
 * Yield the result of every input, in input order.
 *
 * @param inputs Inputs from `collectInputs`.
 * @returns An async iterator of results.
 *
 * @example
 * ```ts ignore
 * for await (const result of readInputs(inputs)) console.log(result.input.file, !!result.facts);
 * ```
 */
export async function* readInputs(inputs: InputFile[]): AsyncGenerator<InputResult> {
  const pending: Promise<InputResult>[] = [];
  let next = 0;
  while (next < inputs.length && pending.length < READ_AHEAD) pending.push(readOne(inputs[next++]));
  while (pending.length > 0) {
    const result = await pending.shift()!;
    if (next < inputs.length) pending.push(readOne(inputs[next++]));
    yield result;
  }
}
