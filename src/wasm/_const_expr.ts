/**
 * Constant expressions (global initialisers, segment offsets): read to their `end` and evaluated
 * where that is possible without an instance.
 *
 * @module
 */
import { type Cursor, hex } from "./_cursor.ts";
import { MAX_CONST_EXPR_DEPTH } from "./_limits.ts";
import { readHeapType } from "./_value_types.ts";

/** What a constant expression is known to be. */
export interface ConstValue {
  /** Set when the value is known: i32/f32/f64 as a number, i64 as a bigint. */
  value?: number | bigint;
  /** Set when the whole expression is `global.get N`. */
  initGlobal?: number;
}

// Operand stack slots: a known number/bigint, or `undefined` for a value known only at run time
// (global.get, ref.null, ref.func, v128.const).
type Slot = number | bigint | undefined;

/**
 * Reads one constant expression: `i32/i64/f32/f64.const`, `global.get`, `ref.null`, `ref.func`,
 * `v128.const` and the extended-const `i32/i64.add/sub/mul`. Anything else is an error: without
 * knowing the instruction, its immediates and therefore the `end` cannot be found.
 */
export function readConstExpr(c: Cursor, what: string): ConstValue {
  const start = c.offset;
  const stack: Slot[] = [];
  let onlyGlobal: number | undefined;
  let count = 0;
  for (;;) {
    const opOffset = c.offset;
    const op = c.readU8(what);
    if (op === 0x0b) break;
    count++;
    switch (op) {
      case 0x41: // i32.const
        push(c.readVarS32(what));
        break;
      case 0x42: // i64.const
        push(c.readVarS64(what));
        break;
      case 0x43: // f32.const
        push(c.readF32(what));
        break;
      case 0x44: // f64.const
        push(c.readF64(what));
        break;
      case 0x23: // global.get
        onlyGlobal = c.readVarU32(what);
        push(undefined);
        break;
      case 0xd0: // ref.null
        readHeapType(c, what);
        push(undefined);
        break;
      case 0xd2: // ref.func
        c.readVarU32(what);
        push(undefined);
        break;
      case 0x6a: // i32.add
      case 0x6b: // i32.sub
      case 0x6c: // i32.mul
      case 0x7c: // i64.add
      case 0x7d: // i64.sub
      case 0x7e: { // i64.mul
        if (stack.length < 2) {
          c.fail(`Cannot read ${what}: instruction ${hex(op)} needs 2 operands`, opOffset);
        }
        const b = stack.pop();
        const a = stack.pop();
        push(evaluate(op, a, b));
        break;
      }
      case 0xfd: { // SIMD prefix: only v128.const (12) is constant
        const sub = c.readVarU32(what);
        if (sub !== 12) {
          c.fail(`Cannot read ${what}: unsupported instruction 0xfd ${sub}`, opOffset);
        }
        c.readBytes(16, what);
        push(undefined);
        break;
      }
      default:
        c.fail(`Cannot read ${what}: unsupported instruction ${hex(op)}`, opOffset);
    }
  }
  if (stack.length !== 1) {
    c.fail(`Cannot read ${what}: it leaves ${stack.length} values instead of 1`, start);
  }
  const out: ConstValue = {};
  if (stack[0] !== undefined) out.value = stack[0];
  else if (count === 1 && onlyGlobal !== undefined) out.initGlobal = onlyGlobal;
  return out;

  function push(v: Slot): void {
    if (stack.length >= MAX_CONST_EXPR_DEPTH) {
      c.fail(`Cannot read ${what}: more than ${MAX_CONST_EXPR_DEPTH} operands`, start);
    }
    stack.push(v);
  }
}

function evaluate(op: number, a: Slot, b: Slot): Slot {
  if (op <= 0x6c) {
    if (typeof a !== "number" || typeof b !== "number") return undefined;
    if (op === 0x6a) return (a + b) | 0;
    if (op === 0x6b) return (a - b) | 0;
    return Math.imul(a, b);
  }
  if (typeof a !== "bigint" || typeof b !== "bigint") return undefined;
  if (op === 0x7c) return BigInt.asIntN(64, a + b);
  if (op === 0x7d) return BigInt.asIntN(64, a - b);
  return BigInt.asIntN(64, a * b);
}
