/**
 * A minimal headless-Chromium driver over the DevTools protocol, using Deno's built-in
 * WebSocket: launch, open a page, evaluate, click, press keys, screenshot, collect console
 * errors, exceptions and network requests. Test helper only.
 *
 * @module
 */

/** Where Chromium may be; `CONFORM_CHROMIUM` overrides. */
const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Path of a Chromium binary, or undefined when none is installed. */
export function findChromium(): string | undefined {
  const fromEnv = Deno.env.get("CONFORM_CHROMIUM");
  for (const p of fromEnv ? [fromEnv, ...CANDIDATES] : CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** What the page reported while it ran. */
export interface PageLog {
  consoleErrors: string[];
  exceptions: string[];
  logErrors: string[];
  requests: string[];
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
}

/** Wait for `p`, or give `fallback` after `ms`; the timer is always cleared (test sanitizers). */
async function within<T>(p: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback()), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const LAUNCH_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 60_000;

/** A running browser with one page attached. */
export class ChromiumPage {
  readonly log: PageLog = { consoleErrors: [], exceptions: [], logErrors: [], requests: [] };
  #ws: WebSocket;
  #child: Deno.ChildProcess;
  #dir: string;
  #session = "";
  #next = 1;
  #pending = new Map<number, Pending>();
  #waiters: { method: string; resolve: (p: Record<string, unknown>) => void }[] = [];

  private constructor(ws: WebSocket, child: Deno.ChildProcess, dir: string) {
    this.#ws = ws;
    this.#child = child;
    this.#dir = dir;
    ws.onmessage = (ev) => this.#onMessage(String(ev.data));
  }

  /** Launch Chromium headless and attach to a fresh blank page of the given size. */
  static async launch(
    binary: string,
    viewport = { width: 1400, height: 1000 },
  ): Promise<ChromiumPage> {
    const dir = await Deno.makeTempDir({ prefix: "conform-chromium-" });
    const child = new Deno.Command(binary, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        `--user-data-dir=${dir}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + LAUNCH_TIMEOUT_MS;
    let endpoint = "";
    while (!endpoint) {
      try {
        const [port, path] = (await Deno.readTextFile(`${dir}/DevToolsActivePort`)).split("\n");
        if (port && path) endpoint = `ws://127.0.0.1:${port}${path}`;
      } catch {
        // not written yet
      }
      if (!endpoint) {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          await child.status;
          throw new Error(`Chromium did not start within ${LAUNCH_TIMEOUT_MS} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const ws = new WebSocket(endpoint);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`Cannot connect to ${endpoint}`));
    });
    const page = new ChromiumPage(ws, child, dir);
    const { targetId } = await page.send("Target.createTarget", { url: "about:blank" }, false);
    const { sessionId } = await page.send(
      "Target.attachToTarget",
      { targetId, flatten: true },
      false,
    );
    page.#session = String(sessionId);
    for (const domain of ["Runtime", "Log", "Page", "Network"]) await page.send(`${domain}.enable`);
    await page.send("Emulation.setDeviceMetricsOverride", {
      ...viewport,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return page;
  }

  #onMessage(text: string): void {
    const msg = JSON.parse(text) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    if (msg.id !== undefined) {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
      return;
    }
    const params = msg.params ?? {};
    switch (msg.method) {
      case "Runtime.consoleAPICalled":
        if (params.type === "error" || params.type === "assert") {
          const args = (params.args as { value?: unknown; description?: string }[] | undefined) ??
            [];
          this.log.consoleErrors.push(args.map((a) => String(a.value ?? a.description)).join(" "));
        }
        break;
      case "Runtime.exceptionThrown": {
        const d = params.exceptionDetails as
          | { text?: string; exception?: { description?: string } }
          | undefined;
        this.log.exceptions.push(`${d?.text ?? ""} ${d?.exception?.description ?? ""}`.trim());
        break;
      }
      case "Log.entryAdded": {
        const e = params.entry as { level?: string; text?: string; url?: string } | undefined;
        if (e?.level === "error") this.log.logErrors.push(`${e.text ?? ""} ${e.url ?? ""}`.trim());
        break;
      }
      case "Network.requestWillBeSent": {
        const r = params.request as { url?: string } | undefined;
        if (r?.url) this.log.requests.push(r.url);
        break;
      }
    }
    for (const w of this.#waiters.filter((w) => w.method === msg.method)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(params);
    }
  }

  /** Send a DevTools command (to the page session unless `toPage` is false). */
  send(
    method: string,
    params: Record<string, unknown> = {},
    toPage = true,
  ): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const payload: Record<string, unknown> = { id, method, params };
    if (toPage) payload.sessionId = this.#session;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
      timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
    });
    this.#ws.send(JSON.stringify(payload));
    return reply.finally(() => clearTimeout(timer));
  }

  /** Resolve on the next event of that name. */
  waitFor(method: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.#waiters.push({ method, resolve }));
  }

  /** Navigate and wait for the load event. */
  async open(url: string): Promise<void> {
    const loaded = this.waitFor("Page.loadEventFired");
    await this.send("Page.navigate", { url });
    const ok = await within(loaded.then(() => true), CALL_TIMEOUT_MS, () => false);
    if (!ok) throw new Error(`${url} did not load within ${CALL_TIMEOUT_MS} ms`);
  }

  /** Evaluate an expression in the page and return its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const ex = r.exceptionDetails as
      | { text?: string; exception?: { description?: string } }
      | undefined;
    if (ex) throw new Error(`evaluate failed: ${ex.exception?.description ?? ex.text}`);
    return (r.result as { value: T }).value;
  }

  /** Poll an expression until it is truthy. */
  async until(expression: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A real mouse click at page coordinates (CSS pixels in the viewport). */
  async click(x: number, y: number): Promise<void> {
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
    await this.send("Input.dispatchMouseEvent", {
      type: "mousePressed",
      x,
      y,
      button: "left",
      clickCount: 1,
    });
    await this.send("Input.dispatchMouseEvent", {
      type: "mouseReleased",
      x,
      y,
      button: "left",
      clickCount: 1,
    });
  }

  /** Press one key (`ArrowRight`, `Enter`, …) on the focused element. */
  async press(key: string, keyCode: number): Promise<void> {
    const common = {
      key,
      code: key,
      windowsVirtualKeyCode: keyCode,
      nativeVirtualKeyCode: keyCode,
    };
    await this.send("Input.dispatchKeyEvent", { type: "rawKeyDown", ...common });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", ...common });
  }

  /** PNG of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    const bin = atob(String(data));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  /** Close the browser and remove its profile directory. */
  async close(): Promise<void> {
    try {
      await within(this.send("Browser.close", {}, false).catch(() => ({})), 3000, () => ({}));
    } finally {
      if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
        const closed = new Promise<void>((r) => (this.#ws.onclose = () => r()));
        this.#ws.close();
        await within(closed, 2000, () => undefined);
      }
      for (const [, p] of this.#pending) p.reject(new Error("browser closed"));
      this.#pending.clear();
      const exited = await within(this.#child.status.then(() => true), 5000, () => false);
      if (!exited) {
        this.#child.kill("SIGKILL");
        await this.#child.status;
      }
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    }
  }
}
