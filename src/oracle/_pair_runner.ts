/**
 * Child-process script of the oracle: boots the real Pyodide runtime under Deno and loads one wheel
 * through each requested load path, each in a fresh interpreter. Runs in its own `deno run` process
 * (spawned by `run_oracle.ts`) so that a fatal error, a crash or a hang never touches the parent.
 *
 * Self-contained on purpose: it imports nothing, so the child needs no import map, no npm cache and
 * no permission beyond reading the runtime directory, the wheel, its dependencies and a temp dir.
 *
 * Protocol: the only argument is the path of a JSON file holding a {@linkcode PairRunnerInput}.
 * The parent sends an HMAC key on stdin. Every protocol line on stdout is {@linkcode PROTOCOL_MARK},
 * the hex HMAC-SHA-256 of the JSON under that key, a space, and one JSON object
 * ({@linkcode PairRunnerEvent}); anything else on stdout/stderr, and any line whose MAC does not
 * verify, is noise (the wheel's code can print anything). The parent
 * resets its watchdog on every `start` event, so one hanging load path costs one time limit.
 *
 * How dependencies are handed over (documented choice): shared-library `.zip` packages are unpacked
 * into the runtime's dynlib directory (`/usr/lib`) and loaded with `ctypes.CDLL(name, RTLD_GLOBAL)`
 * (Emscripten `dlopen` with global scope), from that directory, so that NEEDED entries of later
 * modules hit the loader's cache by bare name. This is the same global scope Pyodide's loader gives a
 * lock-file shared library and is identical for every runtime version. One private touch: each
 * such library is also registered under its bare name in the loader's table (see `aliasDynlibs`).
 * Dependency wheels go through the same path as the wheel (loadPackage or unpacking).
 *
 * Every load path boots a fresh interpreter (`loadPyodide` again, in the same process): measured,
 * a `loadPackage` rejection in one interpreter does not leak into the next (0.21.3–0.23.4), and a
 * second boot costs about half the first.
 *
 * @module
 */
import type {
  ImportAttempt,
  LoadPath,
  OracleStatus,
  PairRunnerEvent,
  PairRunnerInput,
  PathResult,
  SmokeCheck,
  SmokeResult,
} from "./types.ts";

/** Prefix of every protocol line: a record separator plus a tag nobody else prints. */
export const PROTOCOL_MARK = "\u001eORACLE\u001f";

/** Named limits. */
const MAX_CONSOLE_LINES = 40;
const MAX_MESSAGE_CHARS = 2000;
const MAX_CALLBACK_MESSAGES = 200;

/**
 * The result channel. The wheel's code runs in this isolate and can write to stdout and replace
 * any global, so every protocol line carries an HMAC-SHA-256 of its JSON under a key the parent
 * sends on stdin before any wheel code runs. The key is a non-extractable CryptoKey held in this
 * closure, and every primitive the signing uses is captured here at start-up: a wheel that
 * replaces `JSON`, `crypto.subtle`, `Deno.stdout`, `Object.prototype.toJSON` or
 * `Function.prototype.call` later changes nothing that is signed.
 */
const channel = (() => {
  const apply = Reflect.apply;
  const subtle = crypto.subtle;
  const sign = subtle.sign;
  const importKey = subtle.importKey;
  const stringify = JSON.stringify;
  const JSONObject = JSON;
  const encoder = new TextEncoder();
  const encode = TextEncoder.prototype.encode;
  const stdout = Deno.stdout;
  const writeSync = Deno.stdout.writeSync;
  const isArray = Array.isArray;
  const keys = Object.keys;
  const create = Object.create;
  const setPrototypeOf = Object.setPrototypeOf;
  const U8 = Uint8Array;
  const HEX = "0123456789abcdef";
  let key: CryptoKey | undefined;

  /** A copy with no prototype anywhere, so no inherited `toJSON` or getter can run. */
  const plain = (v: unknown, depth = 0): unknown => {
    if (v === null || typeof v !== "object" || depth > 32) {
      return typeof v === "function" || typeof v === "symbol" || typeof v === "bigint"
        ? undefined
        : v;
    }
    if (isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) out[i] = plain(v[i], depth + 1);
      setPrototypeOf(out, null);
      return out;
    }
    const out = create(null) as Record<string, unknown>;
    const k = keys(v);
    for (let i = 0; i < k.length; i++) {
      out[k[i]] = plain((v as Record<string, unknown>)[k[i]], depth + 1);
    }
    return out;
  };

  return {
    /** Read the key from stdin (to its end, so nothing can read it again) and import it. */
    async open(): Promise<void> {
      const raw = new U8(await new Response(Deno.stdin.readable).arrayBuffer());
      key = await apply(importKey, subtle, [
        "raw",
        raw,
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      ]) as CryptoKey;
    },
    async emit(event: PairRunnerEvent): Promise<void> {
      const json = apply(stringify, JSONObject, [plain(event)]) as string;
      let mac = "";
      if (key) {
        const digest = new U8(
          await apply(sign, subtle, ["HMAC", key, apply(encode, encoder, [json])]) as ArrayBuffer,
        );
        for (let i = 0; i < digest.length; i++) mac += HEX[digest[i] >> 4] + HEX[digest[i] & 15];
      }
      apply(writeSync, stdout, [apply(encode, encoder, [`${PROTOCOL_MARK}${mac} ${json}\n`])]);
    },
  };
})();

function emit(event: PairRunnerEvent): Promise<void> {
  return channel.emit(event);
}

function trim(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length > max ? text.slice(0, max) + "…" : text;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    // Pyodide's PythonError message already holds the traceback; `stack` adds JS frames only.
    return String(e.message || e.stack || e);
  }
  return String(e);
}

/** Console output of the runtime goes here instead of the protocol stream. */
let consoleSink: string[] = [];
function captureConsole(): void {
  const push = (prefix: string) => (...args: unknown[]) => {
    const line = prefix +
      args.map((a) => (a instanceof Error ? errorText(a) : String(a))).join(" ");
    consoleSink.push(trim(line, 600));
    if (consoleSink.length > MAX_CONSOLE_LINES * 4) consoleSink.splice(0, MAX_CONSOLE_LINES * 2);
  };
  console.log = push("");
  console.info = push("");
  console.debug = push("");
  console.warn = push("warn: ");
  console.error = push("error: ");
}

// deno-lint-ignore no-explicit-any
type Pyodide = any;

/** Classifies a failure text. Order matters: the most specific evidence wins. */
export function classifyFailure(
  text: string,
): { status: OracleStatus; symbol?: string } | undefined {
  let m = text.match(/Dynamic linking error: cannot resolve symbol ([^\s'"`]+)/);
  if (m) return { status: "unresolved", symbol: m[1] };
  m = text.match(/bad export type for [`']([^`']+)[`']/);
  if (m) return { status: "got-undefined", symbol: m[1] };
  m = text.match(/Dynamic linking error: undefined symbol '([^']+)'/);
  if (m) return { status: "got-undefined", symbol: m[1] };
  m = text.match(/Import #\d+ "[^"]*" "([^"]+)"/);
  if (m && /LinkError|WebAssembly\.(instantiate|Instance)\(\)/.test(text)) {
    return { status: "link-error", symbol: m[1] };
  }
  if (/LinkError/.test(text)) return { status: "link-error" };
  // Emscripten <= 3.1.27 (0.21/0.22): calling an unresolved function hits an undefined stub.
  if (/Cannot read propert(y|ies) of undefined \(reading 'apply'\)/.test(text)) {
    return { status: "unresolved" };
  }
  if (
    /fatal error|fatally failed|RuntimeError: (memory access out of bounds|unreachable)/.test(text)
  ) {
    return { status: "fatal" };
  }
  return undefined;
}

const PY_HELPERS = String.raw`
import json, os, re, sys, sysconfig, zipfile, importlib, traceback
_EXT = sysconfig.get_config_var('EXT_SUFFIX') or ''
_m = re.match(r'\.cpython-(\d+)-', _EXT)
_RT = _m.group(1) if _m else ''
# Some versions report '//lib/python3.X/site-packages': normalise, paths are compared below.
_SITE = '/' + sysconfig.get_paths()['purelib'].lstrip('/')
_SO = re.compile(r'\.so(\.\d+)*$')
_CP = re.compile(r'\.cpython-(\d+)-[^/]*\.so$')

def _o_members(path):
    with zipfile.ZipFile(path) as z:
        return z.namelist()

def _o_foreign(names):
    out = []
    for n in names:
        m = _CP.search(n)
        if m and m.group(1) != _RT:
            out.append(n)
    return out

def _o_so(names):
    return [n for n in names if _SO.search(n)]

def _o_is_module(z, name):
    # A Python extension exports PyInit_<stem>; a library at the archive root does not.
    stem = os.path.basename(name).split('.')[0]
    return (b'PyInit_' + stem.encode()) in z.read(name)

def _o_is_module_at(path, name):
    with zipfile.ZipFile(path) as z:
        return _o_is_module(z, name)

def _o_top_level(path, given=None):
    names = _o_members(path)
    present = set()
    for n in names:
        first = n.split('/')[0]
        if first.endswith('.dist-info') or first.endswith('.data') or first == '__pycache__':
            continue
        if first.endswith('.libs'):
            continue
        if '/' in n:
            rest = n[len(first) + 1:]
            if rest.endswith('.py') or _SO.search(rest):
                present.add(first)
        elif first.endswith('.py'):
            present.add(first[:-3])
        elif _SO.search(first) and (_CP.search(first) or first.endswith('.abi3.so') or _o_is_module_at(path, first)):
            present.add(first.split('.')[0])
    # Names given by the caller or by top_level.txt count only when the archive has them
    # (cffi builds list '_openssl' etc. that are generated at build time and never shipped).
    if given:
        keep = [g for g in given if g.split('.')[0] in present]
        if keep:
            return sorted(set(keep))
    listed = None
    with zipfile.ZipFile(path) as z:
        for n in names:
            if n.endswith('.dist-info/top_level.txt') and n.count('/') == 1:
                listed = [l.strip().replace('/', '.') for l in z.read(n).decode('utf-8', 'replace').splitlines()]
                listed = [l for l in listed if l]
    if listed:
        keep = [l for l in listed if l.split('.')[0] in present]
        if keep:
            return sorted(set(keep))
    return sorted(present)

def _o_rename(name):
    m = _CP.search(name)
    if not m or m.group(1) == _RT:
        return name
    return name[:m.start()] + _EXT

def _o_extract(path, dest, rename):
    renamed = []
    os.makedirs(dest, exist_ok=True)
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            target = _o_rename(info.filename) if rename else info.filename
            if target != info.filename:
                renamed.append({'from': info.filename, 'to': target})
            full = os.path.join(dest, target)
            os.makedirs(os.path.dirname(full) or dest, exist_ok=True)
            with open(full, 'wb') as f:
                f.write(z.read(info))
    return renamed

def _o_rewrite(path, out):
    renamed = []
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            target = _o_rename(info.filename)
            if target != info.filename:
                renamed.append({'from': info.filename, 'to': target})
            w.writestr(target, z.read(info))
    return renamed

def _o_exc(e):
    text = str(e)
    cause = e.__cause__ or e.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text += '\n' + type(cause).__name__ + ': ' + str(cause)
    return {'type': type(e).__name__, 'message': text[:4000]}

# Extension modules that fail to load are recorded even when the package catches the ImportError
# and falls back to pure Python (msgpack, pyyaml, markupsafe do): the fallback hides the break.
import importlib.machinery as _im
_O_EXT_ERRORS = []
_o_orig_create = _im.ExtensionFileLoader.create_module
_o_orig_exec = _im.ExtensionFileLoader.exec_module

def _o_create(self, spec):
    try:
        return _o_orig_create(self, spec)
    except BaseException as e:
        r = {'module': spec.name, 'ok': False}
        r.update(_o_exc(e))
        _O_EXT_ERRORS.append(r)
        raise

def _o_exec(self, module):
    try:
        return _o_orig_exec(self, module)
    except BaseException as e:
        r = {'module': module.__name__, 'ok': False}
        r.update(_o_exc(e))
        _O_EXT_ERRORS.append(r)
        raise

_im.ExtensionFileLoader.create_module = _o_create
_im.ExtensionFileLoader.exec_module = _o_exec

def _o_ext_errors():
    out = list(_O_EXT_ERRORS)
    del _O_EXT_ERRORS[:]
    return json.dumps(out)

def _o_import(mods):
    out = []
    for name in mods:
        try:
            mod = importlib.import_module(name)
            f = getattr(mod, '__file__', None) or ''
            r = {'module': name, 'ok': True}
            if _SO.search(f):
                r['extension'] = f
            out.append(r)
        except BaseException as e:
            r = {'module': name, 'ok': False}
            r.update(_o_exc(e))
            out.append(r)
    return json.dumps(out)

def _o_shadow_check(mods, members, rename):
    import importlib.util
    out = {'shadowed': [], 'loaded': []}
    homes = (_SITE, os.getcwd(), '/home/pyodide', '/tmp')
    for name in mods:
        m = sys.modules.get(name)
        f = getattr(m, '__file__', None) if m is not None else None
        if not f or ('/' + f.lstrip('/')).startswith(homes):
            continue
        out['shadowed'].append(name + ' -> ' + f)
        for n in members:
            t = _o_rename(n) if rename else n
            if not _SO.search(t) or t.split('/')[0].split('.')[0] != name:
                continue
            for base in (_SITE, os.getcwd()):
                full = os.path.join(base, t)
                if not os.path.exists(full):
                    continue
                try:
                    spec = importlib.util.spec_from_file_location(t.split('.')[0].replace('/', '.'), full)
                    mod = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(mod)
                    out['loaded'].append(full)
                except BaseException:
                    pass  # recorded by the ExtensionFileLoader hooks
                break
    return json.dumps(out)

def _o_extensions():
    out = []
    for k, m in list(sys.modules.items()):
        f = getattr(m, '__file__', None) or ''
        if _SO.search(f) and ('site-packages' in f or f.startswith('/home/')):
            out.append(k)
    return json.dumps(sorted(out))

def _o_ext_modules(names, rename):
    mods = []
    for n in names:
        t = _o_rename(n) if rename else n
        if not (t.endswith(_EXT) or t.endswith('.abi3.so')):
            continue
        first = t.split('/')[0]
        if first.endswith('.libs') or first.endswith('.data') or first.endswith('.dist-info'):
            continue
        stem = t[:-len(_EXT)] if t.endswith(_EXT) else t[:-len('.abi3.so')]
        mods.append(stem.replace('/', '.'))
    return mods

def _o_install_flat(path, libdir):
    """Unpack every file of a shared-library package into libdir (flat, like Pyodide's dynlib dir)."""
    os.makedirs(libdir, exist_ok=True)
    names = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            base = os.path.basename(info.filename)
            with open(os.path.join(libdir, base), 'wb') as f:
                f.write(z.read(info))
            if _SO.search(base):
                names.append(base)
    return names

def _o_root_libraries(path):
    """Root-level .so members that are libraries, not Python modules (no PyInit_<stem> export)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if '/' not in n and _SO.search(n) and not _o_is_module(z, n):
                out.append(n)
    return out

def _o_dlopen_one(libdir, name):
    """dlopen one library with global scope, from libdir, by bare name."""
    import ctypes
    old = os.getcwd()
    os.chdir(libdir)
    try:
        ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
        return json.dumps({'ok': True})
    except OSError as e:
        return json.dumps({'ok': False, 'error': name + ': ' + str(e)})
    finally:
        os.chdir(old)

def _o_smoke(imports, value, expect):
    ns = {}
    try:
        for i in imports:
            ns[i.split('.')[0]] = importlib.import_module(i.split('.')[0])
            importlib.import_module(i)
        v = eval(value, ns)
        x = eval(expect, ns)
    except BaseException as e:
        r = _o_exc(e)
        return json.dumps({'status': 'error', 'value': r['type'] + ': ' + r['message'], 'expected': expect})
    return json.dumps({'status': 'pass' if v == x else 'fail', 'value': repr(v)[:500], 'expected': repr(x)[:500]})
`;

interface PathState {
  py?: Pyodide;
  dead: boolean;
  result: PathResult;
}

function newResult(path: LoadPath): PathResult {
  return {
    path,
    status: "ok",
    message: "",
    loadMessages: [],
    loadErrors: [],
    imports: [],
    extensionsLoaded: [],
    extensionErrors: [],
    foreignSo: [],
    console: [],
    ms: { boot: 0, load: 0, import: 0, smoke: 0, total: 0 },
  };
}

/** Records the first failure of a path; later failures only add evidence. */
function fail(
  state: PathState,
  stage: NonNullable<PathResult["stage"]>,
  text: string,
  fallback: OracleStatus,
  exceptionType?: string,
): void {
  const r = state.result;
  if (r.stage !== undefined) return;
  const consoleText = consoleSink.join("\n");
  const cls = classifyFailure(text) ?? classifyFailure(consoleText);
  r.stage = stage;
  r.status = cls?.status ?? fallback;
  if (cls?.symbol) r.symbol = cls.symbol;
  if (r.status === "python-exception" && exceptionType) r.exceptionType = exceptionType;
  r.message = trim(text.trim());
  if (/fatal error|fatally failed/.test(text + consoleText)) state.dead = true;
}

/** Runs Python code; a JS exception (fatal error) marks the interpreter dead. */
function runPy(state: PathState, code: string): { ok: true; value: string } | {
  ok: false;
  error: string;
} {
  try {
    const v = state.py.runPython(code);
    return { ok: true, value: String(v) };
  } catch (e) {
    const text = errorText(e);
    // A PythonError is an ordinary Python exception; anything else came from the JS/wasm side.
    if (!(e instanceof Error && e.constructor?.name === "PythonError")) state.dead = true;
    return { ok: false, error: text };
  }
}

const pyStr = (s: string): string => JSON.stringify(s);

async function boot(
  loadPyodide: (o: unknown) => Promise<Pyodide>,
  input: PairRunnerInput,
  state: PathState,
): Promise<boolean> {
  const t0 = performance.now();
  const dir = input.runtimeDir.endsWith("/") ? input.runtimeDir : input.runtimeDir + "/";
  try {
    state.py = await loadPyodide({
      // An explicit absolute indexURL with a trailing slash: 0.21–0.24 cannot find it in Deno.
      indexURL: dir,
      stdout: (s: string) => consoleSink.push(trim("stdout: " + s, 600)),
      stderr: (s: string) => consoleSink.push(trim("stderr: " + s, 600)),
      stdin: () => null,
      // Node-mode loadPackage creates its download cache (default: the runtime dir, which is
      // read-only here) even for local paths: point it at the temp dir.
      packageCacheDir: `${input.tmpDir}/package-cache/`,
    });
    const r = runPy(state, PY_HELPERS);
    if (!r.ok) throw new Error(r.error);
  } catch (e) {
    fail(state, "boot", errorText(e), "other");
    state.dead = true;
    return false;
  } finally {
    state.result.ms.boot = Math.round(performance.now() - t0);
  }
  return true;
}

function pyJson<T>(state: PathState, code: string): T | { error: string } {
  const r = runPy(state, code);
  if (!r.ok) return { error: r.error };
  return JSON.parse(r.value) as T;
}

function isError(v: unknown): v is { error: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "error" in v;
}

/** Copies a host file into the Pyodide FS and returns its FS path. */
async function stage(state: PathState, hostPath: string): Promise<string> {
  const bytes = await Deno.readFile(hostPath);
  const name = hostPath.split("/").pop()!;
  state.py.FS.mkdirTree("/tmp/oracle-in");
  const fsPath = "/tmp/oracle-in/" + name;
  state.py.FS.writeFile(fsPath, bytes);
  return fsPath;
}

/**
 * Libraries in load order: each after the libraries its NEEDED entries name (dylink.0, read by
 * the parent), ties by name. A failed dlopen leaves a half-registered library behind in newer
 * loaders, so loading a library before its NEEDED ones is not retried safely.
 */
function orderByNeeded(names: string[], needed: Record<string, string[]>): string[] {
  const base = (n: string) => n.split("/").pop()!;
  const byBase = new Map(names.map((n) => [base(n), n]));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return; // done, or a cycle: keep the order reached
    seen.add(n);
    for (const d of needed[base(n)] ?? []) {
      const dep = byBase.get(d);
      if (dep) visit(dep);
    }
    out.push(n);
  };
  for (const n of names.slice().sort()) visit(n);
  return out;
}

interface DlopenAll {
  loaded: string[];
  failed: string[];
  errors: string[];
}

/**
 * dlopen libraries globally, in rounds (a library whose NEEDED is not loaded yet fails and is
 * retried after the others), registering bare-name aliases after each (see `aliasDynlibs`), and
 * record a failure: a Python error of the harness itself is `other`; a JS error (the interpreter
 * died) is classified from its text, else `fatal`.
 */
function dlopenAll(
  state: PathState,
  at: "dependency" | "load",
  label: string,
  libdir: string,
  namesCode: string,
  needed: Record<string, string[]>,
): DlopenAll | undefined {
  const names = pyJson<string[]>(state, `json.dumps(${namesCode})`);
  if (isError(names)) {
    fail(state, at, `${label}: ${names.error}`, state.dead ? "fatal" : "other");
    return undefined;
  }
  const out: DlopenAll = { loaded: [], failed: [], errors: [] };
  let pending = orderByNeeded(names, needed);
  for (let round = 0; round <= names.length && pending.length > 0; round++) {
    const failed: string[] = [];
    for (const name of pending) {
      const r = pyJson<{ ok: boolean; error?: string }>(
        state,
        `_o_dlopen_one(${pyStr(libdir)}, ${pyStr(name)})`,
      );
      if (isError(r)) {
        fail(state, at, `${label}: ${r.error}`, state.dead ? "fatal" : "other");
        return undefined;
      }
      if (r.ok) {
        out.loaded.push(name);
        aliasDynlibs(state, libdir);
      } else {
        failed.push(name);
        out.errors.push(r.error ?? name);
      }
    }
    const progress = failed.length < pending.length;
    pending = failed;
    if (!progress) break;
  }
  out.failed = pending;
  if (pending.length > 0) {
    const last = out.errors.slice(-pending.length);
    fail(state, at, `${label}: ${last.join("\n")}`, state.dead ? "fatal" : "other");
    return undefined;
  }
  return out;
}

async function loadSharedDeps(state: PathState, input: PairRunnerInput): Promise<boolean> {
  for (const dep of input.deps.filter((d) => d.endsWith(".zip"))) {
    const fsPath = await stage(state, dep);
    const r = dlopenAll(
      state,
      "dependency",
      `loading ${dep.split("/").pop()}`,
      "/usr/lib",
      `_o_install_flat(${pyStr(fsPath)}, '/usr/lib')`,
      input.needed ?? {},
    );
    if (!r) return false;
  }
  return true;
}

/**
 * Emscripten >= 3.1.4x keys loaded libraries by absolute path, while a side module's NEEDED entry
 * (`libheif.so`) is looked up by bare name, and CPython's dlopen passes no search path: register
 * every library loaded from `libdir` under its bare name too, so NEEDED finds the copy already
 * loaded globally (as Pyodide's own loader does through its search directories). Older loaders
 * key by the name given, which is already bare.
 */
function aliasDynlibs(state: PathState, libdir: string): void {
  const byName = state.py?._module?.LDSO?.loadedLibsByName;
  if (!byName || typeof byName !== "object") return;
  const prefix = libdir.endsWith("/") ? libdir : libdir + "/";
  for (const key of Object.keys(byName)) {
    if (!key.startsWith(prefix)) continue;
    const base = key.slice(prefix.length);
    if (!base.includes("/") && !(base in byName)) byName[base] = byName[key];
  }
}

async function callLoadPackage(
  state: PathState,
  names: string[],
): Promise<{ messages: string[]; errors: string[]; rejected?: string }> {
  const messages: string[] = [];
  const errors: string[] = [];
  const msg = (s: unknown) => {
    if (messages.length < MAX_CALLBACK_MESSAGES) messages.push(trim(String(s)));
  };
  const err = (s: unknown) => {
    if (errors.length < MAX_CALLBACK_MESSAGES) errors.push(trim(String(s)));
  };
  let rejected: string | undefined;
  try {
    // <= 0.21 takes positional callbacks (an options object throws there); later versions take an
    // options object (0.22/0.23 still accept positional with a warning). Detect by arity.
    if (state.py.loadPackage.length >= 2) await state.py.loadPackage(names, msg, err);
    else await state.py.loadPackage(names, { messageCallback: msg, errorCallback: err });
  } catch (e) {
    rejected = trim(errorText(e));
  }
  return { messages, errors, rejected };
}

function importAndSmoke(
  state: PathState,
  modules: string[],
  smoke: SmokeCheck | undefined,
  members: string[],
  renamed: boolean,
): void {
  const r = state.result;
  const t0 = performance.now();
  const consoleMark = consoleSink.length;
  const imports = pyJson<ImportAttempt[]>(
    state,
    `_o_import(json.loads(${pyStr(JSON.stringify(modules))}))`,
  );
  r.ms.import = Math.round(performance.now() - t0);
  if (isError(imports)) {
    r.imports = modules.map((m) => ({
      module: m,
      ok: false,
      type: "JS",
      message: trim(imports.error, 500),
    }));
    fail(
      state,
      "import",
      imports.error + "\n" + consoleSink.slice(consoleMark).join("\n"),
      "fatal",
    );
    return;
  }
  r.imports = imports;
  const bad = imports.find((i) => !i.ok);
  if (!state.dead) {
    // A module of the runtime's own (314's built-in `_ssl` stub) can shadow the wheel's: then the
    // wheel's extension files are loaded from their path, so that they are linked after all.
    const shadow = pyJson<{ shadowed: string[]; loaded: string[] }>(
      state,
      `_o_shadow_check(json.loads(${pyStr(JSON.stringify(modules))}), json.loads(${
        pyStr(JSON.stringify(members))
      }), ${renamed ? "True" : "False"})`,
    );
    if (!isError(shadow) && shadow.shadowed.length > 0) r.shadowed = shadow.shadowed;
  }
  const extErrors = pyJson<ImportAttempt[]>(state, "_o_ext_errors()");
  r.extensionErrors = isError(extErrors) ? [] : extErrors;
  const extBad = r.extensionErrors[0];
  const ext = pyJson<string[]>(state, "_o_extensions()");
  if (!isError(ext)) r.extensionsLoaded = ext;
  if (smoke?.importRaises !== undefined && !state.dead) {
    // The designed failure: raised exactly as expected means the module's code ran correctly.
    const first = extBad ?? bad;
    const raised = first ? `${first.type}: ${first.message}` : "no exception";
    if (raised === smoke.importRaises) {
      r.smoke = { status: "pass", value: raised, expected: smoke.importRaises };
      return;
    }
    if (!first) {
      r.smoke = { status: "fail", value: raised, expected: smoke.importRaises };
      return;
    }
  }
  if (extBad) {
    // The extension's own failure is the cause, also when the top-level import then failed for
    // another reason or succeeded through a pure-Python fallback.
    const how = bad
      ? `import of ${bad.module} failed: ${bad.type}: ${bad.message}`
      : "the top-level imports succeeded through a fallback";
    fail(
      state,
      "import",
      `extension ${extBad.module}: ${extBad.type}: ${extBad.message}\n(${how})`,
      "python-exception",
      extBad.type,
    );
  } else if (bad) {
    fail(state, "import", `${bad.type}: ${bad.message}`, "python-exception", bad.type);
  }
  if (!smoke || smoke.value === undefined || bad || state.dead) return;
  const t1 = performance.now();
  const s = pyJson<SmokeResult>(
    state,
    `_o_smoke(json.loads(${pyStr(JSON.stringify(smoke.imports))}), ${pyStr(smoke.value)}, ${
      pyStr(smoke.expect ?? "None")
    })`,
  );
  r.ms.smoke = Math.round(performance.now() - t1);
  if (isError(s)) {
    const cls = classifyFailure(s.error + "\n" + consoleSink.slice(consoleMark).join("\n"));
    r.smoke = {
      status: "error",
      value: trim(s.error, 500),
      expected: smoke.expect ?? "",
      errorClass: cls?.status ?? (state.dead ? "fatal" : "python-exception"),
    };
    // The runtime died in the call (unresolved symbol, LinkError of a lazily loaded module, memory
    // fault): that is the path's outcome, found one stage later than the import.
    fail(state, "smoke", s.error, state.dead ? "fatal" : "other");
    return;
  }
  r.smoke = s;
  if (s.status === "error") {
    const cls = classifyFailure(s.value);
    r.smoke.errorClass = cls?.status ?? "python-exception";
  }
}

async function runLoadPackagePath(
  state: PathState,
  input: PairRunnerInput,
  members: string[],
  modules: string[],
  renamed: boolean,
): Promise<void> {
  const r = state.result;
  if (!(await loadSharedDeps(state, input))) return;
  const t0 = performance.now();
  const pyDeps = input.deps.filter((d) => d.endsWith(".whl"));
  if (pyDeps.length > 0) {
    const d = await callLoadPackage(state, pyDeps);
    if (d.rejected || d.errors.length > 0) {
      fail(state, "dependency", d.rejected ?? d.errors.join("\n"), "other");
      return;
    }
  }
  let wheelPath = input.wheel;
  if (renamed) {
    const fsIn = await stage(state, input.wheel);
    const fsOut = "/tmp/oracle-renamed/" + input.wheel.split("/").pop();
    state.py.FS.mkdirTree("/tmp/oracle-renamed");
    const ren = pyJson<{ from: string; to: string }[]>(
      state,
      `json.dumps(_o_rewrite(${pyStr(fsIn)}, ${pyStr(fsOut)}))`,
    );
    if (isError(ren)) {
      fail(state, "load", ren.error, "other");
      return;
    }
    r.renamed = ren;
    const hostDir = `${input.tmpDir}/renamed`;
    await Deno.mkdir(hostDir, { recursive: true });
    wheelPath = `${hostDir}/${input.wheel.split("/").pop()}`;
    await Deno.writeFile(wheelPath, state.py.FS.readFile(fsOut));
  }
  const consoleMark = consoleSink.length;
  const res = await callLoadPackage(state, [wheelPath]);
  r.ms.load = Math.round(performance.now() - t0);
  r.loadMessages = res.messages;
  r.loadErrors = res.errors;
  if (res.rejected) r.loadRejected = res.rejected;
  if (res.rejected || res.errors.length > 0) {
    const text = [res.rejected ?? "", ...res.errors].filter(Boolean).join("\n");
    fail(state, "load", text + "\n" + consoleSink.slice(consoleMark).join("\n"), "other");
  }
  if (state.dead) return;
  // Imports still run after a load error: they show what a user would see next.
  importAndSmoke(state, modules, input.smoke, members, renamed);
  if (!renamed) markSkipped(r, members);
}

/** Every `.so` had a foreign cpython suffix: the runtime never tried to link anything. */
function markSkipped(r: PathResult, members: string[]): void {
  const so = members.filter((m) => /\.so(\.\d+)*$/.test(m));
  if (so.length === 0 || r.foreignSo.length !== so.length) return;
  const detail = r.stage
    ? `${r.status}: ${r.message}`
    : r.imports.every((i) => i.ok)
    ? "imports succeeded without the extension (pure-Python fallback)"
    : "";
  r.status = "skipped";
  r.stage = "load";
  r.message = trim(
    `all ${so.length} .so files carry a foreign cpython suffix and were not loaded` +
      (detail ? `; ${detail}` : ""),
  );
}

async function runDlopenPath(
  state: PathState,
  input: PairRunnerInput,
  members: string[],
  modules: string[],
  renamed: boolean,
): Promise<void> {
  const r = state.result;
  if (!(await loadSharedDeps(state, input))) return;
  const t0 = performance.now();
  const sitePackages = runPy(state, "_SITE");
  if (!sitePackages.ok) {
    fail(state, "load", sitePackages.error, "other");
    return;
  }
  for (const dep of input.deps.filter((d) => d.endsWith(".whl"))) {
    const fsPath = await stage(state, dep);
    const d = runPy(state, `_o_extract(${pyStr(fsPath)}, _SITE, False) and None`);
    if (!d.ok) {
      fail(state, "dependency", d.error, "other");
      return;
    }
  }
  const fsPath = await stage(state, input.wheel);
  const isZip = input.wheel.endsWith(".zip");
  if (isZip && isSharedLibraryZip(members)) {
    // A shared-library package: "importing" it is loading every library globally, as Pyodide does.
    const res = dlopenAll(
      state,
      "load",
      "loading the libraries",
      "/usr/lib",
      `_o_install_flat(${pyStr(fsPath)}, '/usr/lib')`,
      input.needed ?? {},
    );
    r.ms.load = Math.round(performance.now() - t0);
    r.imports = res ? res.loaded.map((l) => ({ module: l, ok: true })) : [];
    return;
  }
  const ren = pyJson<{ from: string; to: string }[]>(
    state,
    `json.dumps(_o_extract(${pyStr(fsPath)}, _SITE, ${renamed ? "True" : "False"}))`,
  );
  if (isError(ren)) {
    fail(state, "load", ren.error, "other");
    return;
  }
  {
    // Libraries at the root of the archive (0.21's socketmodule.so next to _ssl.so, a wheel that
    // is one library such as libngspice.so) are loaded globally first, as Pyodide loads every .so
    // of a package before importing: otherwise nothing would ever link them on this path.
    const site = runPy(state, "_SITE");
    const libs = site.ok && dlopenAll(
      state,
      "load",
      "loading the package's libraries",
      site.value,
      `_o_root_libraries(${pyStr(fsPath)})`,
      input.needed ?? {},
    );
    if (!libs) return;
  }
  r.ms.load = Math.round(performance.now() - t0);
  if (renamed) r.renamed = ren;
  importAndSmoke(state, modules, input.smoke, members, renamed);
  if (!renamed) markSkipped(r, members);
  if (state.dead) return;
  // Extra evidence, after the verdict: every extension module by name (the link engine checks
  // every .so, the top-level import may never touch some of them).
  const extMods = pyJson<string[]>(
    state,
    `json.dumps(_o_ext_modules(json.loads(${pyStr(JSON.stringify(members))}), ${
      renamed ? "True" : "False"
    }))`,
  );
  if (isError(extMods) || extMods.length === 0) return;
  const probe: ImportAttempt[] = [];
  for (const m of extMods) {
    const one = pyJson<ImportAttempt[]>(state, `_o_import([${pyStr(m)}])`);
    if (isError(one)) {
      probe.push({ module: m, ok: false, type: "JS", message: trim(one.error, 500) });
      break;
    }
    probe.push(...one);
    if (state.dead) break;
  }
  r.extensionProbe = probe;
}

function isSharedLibraryZip(members: string[]): boolean {
  // Shared-library packages hold only libraries (and no Python module with a cpython suffix).
  return members.some((m) => /\.so(\.\d+)*$/.test(m)) &&
    !members.some((m) => /\.cpython-\d+-|\.abi3\.so$|\.py$/.test(m));
}

async function main(): Promise<void> {
  await channel.open();
  const input = JSON.parse(await Deno.readTextFile(Deno.args[0])) as PairRunnerInput;
  captureConsole();
  const dir = input.runtimeDir.endsWith("/") ? input.runtimeDir : input.runtimeDir + "/";
  let loadPyodide: (o: unknown) => Promise<Pyodide>;
  try {
    // pyodide.js is the CommonJS build (needs --unstable-detect-cjs): the ESM build of 0.21/0.22
    // imports `ws`, which an extracted tarball does not have.
    const mod = await import(new URL("pyodide.js", "file://" + dir).href);
    loadPyodide = mod.loadPyodide ?? mod.default?.loadPyodide;
    if (typeof loadPyodide !== "function") throw new Error("pyodide.js exports no loadPyodide");
  } catch (e) {
    await emit({ type: "error", message: "cannot import the runtime: " + errorText(e) });
    await emit({ type: "done" });
    return;
  }

  let paths = input.paths;
  let info: { members: string[]; foreign: string[]; topLevel: string[] } | undefined;
  for (let i = 0; paths === undefined || i < paths.length; i++) {
    // Zips cannot be loaded by path (loadPackage accepts only .whl): they start with dlopen.
    const path: LoadPath = paths?.[i] ?? (input.wheel.endsWith(".zip") ? "dlopen" : "load-package");
    await emit({ type: "start", path });
    consoleSink = [];
    const t0 = performance.now();
    const state: PathState = { dead: false, result: newResult(path) };
    if (await boot(loadPyodide, input, state)) {
      if (!info) {
        const fsPath = await stage(state, input.wheel);
        const got = pyJson<{ members: string[]; foreign: string[]; topLevel: string[] }>(
          state,
          `json.dumps({'members': _o_members(${pyStr(fsPath)}), 'foreign': _o_foreign(_o_members(${
            pyStr(fsPath)
          })), 'topLevel': _o_top_level(${pyStr(fsPath)}, json.loads(${
            pyStr(JSON.stringify(input.topLevel ?? []))
          }))})`,
        );
        if (isError(got)) {
          fail(state, "load", "cannot read the wheel: " + got.error, "other");
        } else {
          info = got;
          const meta = runPy(
            state,
            "json.dumps([sys.version.split()[0], _EXT, __import__('pyodide').__version__])",
          );
          const [python, extSuffix, pyodideVersion] = meta.ok
            ? JSON.parse(meta.value)
            : ["", "", ""];
          if (paths === undefined) {
            const zip = input.wheel.endsWith(".zip");
            paths = zip ? ["dlopen"] : ["load-package", "dlopen"];
            if (got.foreign.length > 0) {
              paths.push(
                ...(zip ? ["dlopen-renamed" as const] : [
                  "load-package-renamed" as const,
                  "dlopen-renamed" as const,
                ]),
              );
            }
          }
          await emit({ type: "info", python, extSuffix, pyodide: pyodideVersion, paths });
        }
      }
      if (info && !state.result.stage) {
        state.result.foreignSo = state.result.path.endsWith("renamed") ? [] : info.foreign;
        const modules = info.topLevel;
        const renamed = state.result.path.endsWith("-renamed");
        if (state.result.path.startsWith("load-package")) {
          await runLoadPackagePath(state, input, info.members, modules, renamed);
        } else {
          await runDlopenPath(state, input, info.members, modules, renamed);
        }
      }
    }
    state.result.console = consoleSink.slice(-MAX_CONSOLE_LINES);
    state.result.ms.total = Math.round(performance.now() - t0);
    await emit({ type: "path", result: state.result });
    if (paths === undefined) break;
  }
  await emit({ type: "done" });
}

if (import.meta.main) {
  await main();
  // Pending timers of a dead interpreter must not keep the process alive.
  Deno.exit(0);
}
