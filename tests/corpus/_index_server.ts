/**
 * A package index served by the test itself (Deno.serve on 127.0.0.1, port 0): the PEP 691 JSON
 * simple API when the request's Accept header asks for it, PEP 503 HTML otherwise (or always,
 * for an index that only speaks HTML), and the files. Nothing here touches the real network.
 *
 * @module
 */
import { createHash } from "node:crypto";
import JSZip from "jszip";
import { makeWasm } from "../wheel/_make_wasm.ts";

/** One file of a fixture project. */
export interface FixtureFile {
  filename: string;
  bytes: Uint8Array;
  /** PEP 700 upload time; absent: the JSON page gives none. */
  uploadTime?: string;
  /** `true` or a reason. */
  yanked?: boolean | string;
  /** Leave the sha256 out of the page (the client must hash the download). */
  noHash?: boolean;
  /** Leave the size out of the JSON page. */
  noSize?: boolean;
  /** State this sha256 instead of the real one. */
  statedSha256?: string;
}

/** What the server serves; mutable between requests (a nightly sees new uploads). */
export interface FixtureIndex {
  /** Project name as listed → its files. */
  projects: Record<string, FixtureFile[]>;
  /** Answer only in HTML, whatever the Accept header says. */
  htmlOnly?: boolean;
  /** Raw bodies that replace a page: path (`/simple/frob/`) → [content type, body]. */
  override?: Record<string, [string, string]>;
  /** Paths answered only after this many milliseconds (a server that stalls). */
  stall?: Record<string, number>;
}

/** A running fixture index. */
export interface IndexServer {
  /** `http://127.0.0.1:<port>/simple/` */
  url: string;
  index: FixtureIndex;
  /** Paths of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");
const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;");

/**
 * A small wheel: one Python module and, for a platform wheel, one side module (valid wasm with
 * `dylink.0`) named for its Python.
 */
export async function makeFixtureWheel(filename: string): Promise<Uint8Array> {
  const [name, version, python, , platform] = filename.slice(0, -4).split("-");
  const zip = new JSZip();
  const dist = `${name}-${version}.dist-info`;
  zip.file(`${name}/__init__.py`, "VALUE = 1\n");
  if (platform !== "any") {
    const suffix = /^cp(\d+)$/.test(python) ? python.slice(2) : "312";
    zip.file(`${name}/_speedups.cpython-${suffix}-wasm32-emscripten.so`, makeWasm());
  }
  zip.file(`${dist}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  zip.file(
    `${dist}/WHEEL`,
    `Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: ${
      filename.slice(0, -4).split("-").slice(2).join("-")
    }\n`,
  );
  zip.file(`${dist}/RECORD`, "");
  return await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" });
}

function jsonProjectPage(name: string, files: FixtureFile[]): string {
  return JSON.stringify({
    meta: { "api-version": "1.1", "_last-serial": 7 },
    name: normalize(name),
    versions: [],
    files: files.map((f) => ({
      filename: f.filename,
      // Relative, as PEP 691 allows: resolved against the page URL.
      url: `../../files/${encodeURIComponent(f.filename)}`,
      hashes: f.noHash ? {} : { sha256: f.statedSha256 ?? sha256Of(f.bytes) },
      ...(f.noSize ? {} : { size: f.bytes.length }),
      ...(f.uploadTime ? { "upload-time": f.uploadTime } : {}),
      ...(f.yanked !== undefined ? { yanked: f.yanked } : {}),
      "requires-python": ">=3.10",
      "core-metadata": false,
    })),
  });
}

function htmlProjectPage(name: string, files: FixtureFile[]): string {
  const anchors = files.map((f) => {
    const hash = f.noHash ? "" : `#sha256=${f.statedSha256 ?? sha256Of(f.bytes)}`;
    const yanked = f.yanked === undefined || f.yanked === false
      ? ""
      : ` data-yanked="${typeof f.yanked === "string" ? escapeHtml(f.yanked) : ""}"`;
    // Root-relative hrefs and entity-encoded attributes, as real PEP 503 pages have them.
    return `    <a href="/files/${encodeURIComponent(f.filename)}${hash}" ` +
      `data-requires-python="&gt;=3.10"${yanked}>${escapeHtml(f.filename)}</a><br/>`;
  });
  return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.0">\n` +
    `    <title>Links for ${escapeHtml(name)}</title>\n  </head>\n  <body>\n` +
    `    <h1>Links for ${escapeHtml(name)}</h1>\n${anchors.join("\n")}\n  </body>\n</html>\n`;
}

function jsonProjectList(index: FixtureIndex): string {
  return JSON.stringify({
    meta: { "api-version": "1.1" },
    projects: Object.keys(index.projects).map((name) => ({ name })),
  });
}

function htmlProjectList(index: FixtureIndex): string {
  const anchors = Object.keys(index.projects).map((name) =>
    `<a href="${normalize(name)}/">${escapeHtml(name)}</a>`
  );
  return `<!DOCTYPE html><html><body>\n${anchors.join("\n")}\n</body></html>\n`;
}

const JSON_TYPE = "application/vnd.pypi.simple.v1+json";
const HTML_TYPE = "text/html; charset=utf-8";

/** Serve `index` on 127.0.0.1 with an ephemeral port. */
export function serveIndex(index: FixtureIndex): Promise<IndexServer> {
  const requests: string[] = [];
  return new Promise((resolveServer) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => {
        resolveServer({
          url: `http://127.0.0.1:${port}/simple/`,
          index,
          requests,
          close: () => server.shutdown(),
        });
      },
    }, (request) => {
      const path = new URL(request.url).pathname;
      requests.push(path);
      const stall = index.stall?.[path];
      if (stall !== undefined) {
        return new Promise((answer) =>
          setTimeout(() => answer(new Response("late", { status: 404 })), stall)
        );
      }
      const override = index.override?.[path];
      if (override) {
        return new Response(override[1], { headers: { "content-type": override[0] } });
      }
      const json = !index.htmlOnly &&
        (request.headers.get("accept") ?? "").includes(JSON_TYPE);
      const page = (body: string) =>
        new Response(body, { headers: { "content-type": json ? JSON_TYPE : HTML_TYPE } });
      if (path === "/simple/") return page(json ? jsonProjectList(index) : htmlProjectList(index));
      const project = /^\/simple\/([^/]+)\/$/.exec(path)?.[1];
      if (project !== undefined) {
        const name = Object.keys(index.projects).find((n) => normalize(n) === project);
        if (name === undefined) return new Response("not found", { status: 404 });
        const files = index.projects[name];
        return page(json ? jsonProjectPage(name, files) : htmlProjectPage(name, files));
      }
      const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
      if (file !== undefined) {
        const filename = decodeURIComponent(file);
        const found = Object.values(index.projects).flat().find((f) => f.filename === filename);
        if (found) return new Response(found.bytes as BodyInit);
      }
      return new Response("not found", { status: 404 });
    });
  });
}
