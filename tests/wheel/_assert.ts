/** Test helper: catch an error of a given class and return it, so its fields can be asserted. */
import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
type ErrorClass<T extends Error> = new (...args: any[]) => T;

/** Runs `fn`, asserts it throws an instance of `cls`, and returns that error. */
export function catchError<T extends Error>(fn: () => unknown, cls: ErrorClass<T>): T {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${cls.name} to be thrown`);
}

/** Awaits `promise`, asserts it rejects with an instance of `cls`, and returns that error. */
export async function catchRejection<T extends Error>(
  promise: Promise<unknown>,
  cls: ErrorClass<T>,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${cls.name} to be thrown`);
}
