/**
 * Main-module functions the stub EMULATES instead of trapping: the allocation, string and
 * locking primitives that C/C++ static constructors routinely call. A trap in `operator new`
 * during `__wasm_call_ctors` says nothing about the ABI, so these run a minimal JS version over
 * the stub's memory. Each is used only when the real main exports it with exactly this type.
 *
 * @module
 */

/** What an emulation may use: the stub's memory and a scratch allocator (zeroed blocks). */
export interface EmulationHost {
  memory(): WebAssembly.Memory;
  alloc(size: number, align: number): number;
}

type Impl = (host: EmulationHost) => (...args: number[]) => number | void;

interface Emulation {
  /** The function type as `formatFuncType` writes it. */
  type: string;
  impl: Impl;
}

const u8 = (h: EmulationHost) => new Uint8Array(h.memory().buffer);

const strlen = (h: EmulationHost, p: number) => {
  const m = u8(h);
  let e = p >>> 0;
  while (e < m.length && m[e] !== 0) e++;
  return e - (p >>> 0);
};

const alloc = (h: EmulationHost, size: number) => h.alloc(Math.max(1, size >>> 0), 16);

const returnZero: Impl = () => () => 0;
const returnNothing: Impl = () => () => undefined;
const newOp: Impl = (h) => (size) => alloc(h, size);

/** The emulated functions, by main export name. */
export const EMULATED_FUNCTIONS: Readonly<Record<string, Emulation>> = {
  malloc: { type: "(i32) -> i32", impl: newOp },
  _Znwm: { type: "(i32) -> i32", impl: newOp },
  _Znam: { type: "(i32) -> i32", impl: newOp },
  _Znwj: { type: "(i32) -> i32", impl: newOp },
  _Znaj: { type: "(i32) -> i32", impl: newOp },
  calloc: { type: "(i32, i32) -> i32", impl: (h) => (n, s) => alloc(h, (n >>> 0) * (s >>> 0)) },
  realloc: {
    type: "(i32, i32) -> i32",
    impl: (h) => (p, s) => {
      const q = alloc(h, s);
      // The old size is unknown; copying `s` bytes stays inside memory and keeps the old data.
      if (p) u8(h).copyWithin(q, p >>> 0, Math.min((p >>> 0) + (s >>> 0), u8(h).length));
      return q;
    },
  },
  aligned_alloc: {
    type: "(i32, i32) -> i32",
    impl: (h) => (a, s) => h.alloc(Math.max(1, s >>> 0), Math.max(16, a >>> 0)),
  },
  posix_memalign: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (out, a, s) => {
      new DataView(h.memory().buffer).setUint32(
        out >>> 0,
        h.alloc(Math.max(1, s >>> 0), Math.max(16, a >>> 0)),
        true,
      );
      return 0;
    },
  },
  free: { type: "(i32) -> ()", impl: returnNothing },
  _ZdlPv: { type: "(i32) -> ()", impl: returnNothing },
  _ZdaPv: { type: "(i32) -> ()", impl: returnNothing },
  _ZdlPvm: { type: "(i32, i32) -> ()", impl: returnNothing },
  _ZdaPvm: { type: "(i32, i32) -> ()", impl: returnNothing },
  strlen: { type: "(i32) -> i32", impl: (h) => (p) => strlen(h, p) },
  memcpy: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (d, s, n) => (u8(h).copyWithin(d >>> 0, s >>> 0, (s >>> 0) + (n >>> 0)), d),
  },
  memmove: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (d, s, n) => (u8(h).copyWithin(d >>> 0, s >>> 0, (s >>> 0) + (n >>> 0)), d),
  },
  memset: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (d, c, n) => (u8(h).fill(c & 0xff, d >>> 0, (d >>> 0) + (n >>> 0)), d),
  },
  memcmp: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (a, b, n) => {
      const m = u8(h);
      for (let i = 0; i < n >>> 0; i++) {
        const d = m[(a >>> 0) + i] - m[(b >>> 0) + i];
        if (d) return d;
      }
      return 0;
    },
  },
  strcmp: {
    type: "(i32, i32) -> i32",
    impl: (h) => (a, b) => {
      const m = u8(h);
      for (let i = 0;; i++) {
        const x = m[(a >>> 0) + i], y = m[(b >>> 0) + i];
        if (x !== y || x === 0) return x - y;
      }
    },
  },
  strncmp: {
    type: "(i32, i32, i32) -> i32",
    impl: (h) => (a, b, n) => {
      const m = u8(h);
      for (let i = 0; i < n >>> 0; i++) {
        const x = m[(a >>> 0) + i], y = m[(b >>> 0) + i];
        if (x !== y || x === 0) return x - y;
      }
      return 0;
    },
  },
  strcpy: {
    type: "(i32, i32) -> i32",
    impl: (h) => (d, s) => (u8(h).copyWithin(d >>> 0, s >>> 0, (s >>> 0) + strlen(h, s) + 1), d),
  },
  strdup: {
    type: "(i32) -> i32",
    impl: (h) => (s) => {
      const n = strlen(h, s) + 1;
      const d = alloc(h, n);
      u8(h).copyWithin(d, s >>> 0, (s >>> 0) + n);
      return d;
    },
  },
  getpid: { type: "() -> i32", impl: () => () => 42 },
  __syscall_getpid: { type: "() -> i32", impl: () => () => 42 },
  pthread_mutex_init: { type: "(i32, i32) -> i32", impl: returnZero },
  pthread_mutex_lock: { type: "(i32) -> i32", impl: returnZero },
  pthread_mutex_unlock: { type: "(i32) -> i32", impl: returnZero },
  pthread_mutex_destroy: { type: "(i32) -> i32", impl: returnZero },
  pthread_mutexattr_init: { type: "(i32) -> i32", impl: returnZero },
  pthread_mutexattr_settype: { type: "(i32, i32) -> i32", impl: returnZero },
  pthread_mutexattr_destroy: { type: "(i32) -> i32", impl: returnZero },
  // libc++ mutex constructors: wasm C++ constructors return `this`.
  _ZNSt3__215recursive_mutexC1Ev: { type: "(i32) -> i32", impl: () => (self) => self },
  _ZNSt3__215recursive_mutexC2Ev: { type: "(i32) -> i32", impl: () => (self) => self },
  // Function-local statics: first acquire says "initialise", release marks it done.
  __cxa_guard_acquire: {
    type: "(i32) -> i32",
    impl: (h) => (g) => (u8(h)[g >>> 0] === 0 ? 1 : 0),
  },
  __cxa_guard_release: { type: "(i32) -> ()", impl: (h) => (g) => void (u8(h)[g >>> 0] = 1) },
  __cxa_guard_abort: { type: "(i32) -> ()", impl: returnNothing },
};
