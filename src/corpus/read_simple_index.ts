/**
 * Read the pages of a Python package index's simple repository API: the PEP 691 JSON form
 * (`application/vnd.pypi.simple.v1+json`) and the PEP 503 HTML form it grew from (anchors with
 * `href`, a `#sha256=` fragment and `data-yanked`). Pure functions over page text: no file system,
 * no network. Every malformed page throws {@linkcode IndexPageError} with the page URL and where in
 * the page the problem is, never an untyped error.
 *
 * @module
 */
import { IndexPageError, type IndexPageFormat } from "./errors.ts";
import { canonicalizeName } from "../wheel/parse_wheel_filename.ts";

/** Media type of the JSON simple API (PEP 691), version 1. */
export const SIMPLE_JSON_TYPE = "application/vnd.pypi.simple.v1+json";
/** Media type of the HTML simple API (PEP 691's name for PEP 503 pages), version 1. */
export const SIMPLE_HTML_TYPE = "application/vnd.pypi.simple.v1+html";
/** The `Accept` header a client sends: JSON preferred, HTML as the fallback (PEP 691). */
export const SIMPLE_ACCEPT = `${SIMPLE_JSON_TYPE}, ${SIMPLE_HTML_TYPE};q=0.2, text/html;q=0.01`;

/** Largest page text read (characters): the project list of a large public index fits. */
export const MAX_INDEX_PAGE_CHARS = 128 * 1024 * 1024;
/** Most projects one project list may name. */
export const MAX_INDEX_PROJECTS = 2_000_000;
/** Most files one project page may list. */
export const MAX_INDEX_FILES = 200_000;

/** Where a page came from: its URL (relative links resolve against it) and `Content-Type`. */
export interface IndexPageSource {
  /** The page URL after redirects. */
  url: string;
  /** The response's `Content-Type`; JSON when it names JSON, HTML otherwise. */
  contentType?: string | null;
}

/** One project of the project list. */
export interface IndexProject {
  /** The name as the index lists it. */
  name: string;
  /** Absolute URL of its project page. */
  url: string;
}

/** The project list (`/simple/`). */
export interface IndexProjectList {
  format: IndexPageFormat;
  /** `meta.api-version` (JSON) or `pypi:repository-version` (HTML), when the page states it. */
  apiVersion?: string;
  projects: IndexProject[];
}

/** One file of a project page. */
export interface IndexFile {
  filename: string;
  /** Absolute URL, without the fragment. */
  url: string;
  /** sha256 the index states, 64 lower-case hex digits; absent when it gives none. */
  sha256?: string;
  /** Size in bytes (PEP 700), when the index gives it. */
  size?: number;
  /** Upload time (PEP 700) as an ISO 8601 UTC string, when the index gives it. */
  uploadTime?: string;
  /** Yanked (PEP 592): installers skip it unless it is pinned. */
  yanked: boolean;
  /** The reason given for the yank, when there is one. */
  yankedReason?: string;
  requiresPython?: string;
}

/** A project page (`/simple/<project>/`). */
export interface IndexProjectPage {
  format: IndexPageFormat;
  apiVersion?: string;
  /** The project name the page states (JSON `name`); absent for HTML. */
  name?: string;
  files: IndexFile[];
}

/**
 * Which format a response is, from its `Content-Type`: JSON when it names a JSON type (the PEP
 * 691 type or plain `application/json`), HTML otherwise (PEP 503 servers send `text/html`).
 *
 * @example
 * ```ts
 * import { formatOfContentType } from "./read_simple_index.ts";
 * console.assert(formatOfContentType("application/vnd.pypi.simple.v1+json") === "json");
 * console.assert(formatOfContentType("text/html; charset=utf-8") === "html");
 * ```
 */
export function formatOfContentType(contentType: string | null | undefined): IndexPageFormat {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json") ? "json" : "html";
}

/**
 * Read a project list page, JSON or HTML by its `Content-Type`.
 *
 * @param text The page text.
 * @param source The page URL (project URLs resolve against it) and `Content-Type`.
 * @returns The projects in page order, each with an absolute page URL.
 * @throws {IndexPageError} When the page is malformed or larger than the bounds.
 *
 * @example A PEP 691 project list
 * ```ts
 * import { readProjectList } from "./read_simple_index.ts";
 * const list = readProjectList(
 *   '{"meta":{"api-version":"1.1"},"projects":[{"name":"Frob_Nicate"}]}',
 *   { url: "https://i.example/simple/", contentType: "application/vnd.pypi.simple.v1+json" },
 * );
 * console.assert(list.projects[0].url === "https://i.example/simple/frob-nicate/");
 * ```
 */
export function readProjectList(text: string, source: IndexPageSource): IndexProjectList {
  const format = formatOfContentType(source.contentType);
  checkSize(text, source.url, format);
  return format === "json"
    ? readJsonProjectList(text, source.url)
    : readHtmlProjectList(text, source.url);
}

/**
 * Read a project page, JSON or HTML by its `Content-Type`.
 *
 * @param text The page text.
 * @param source The page URL (file URLs resolve against it) and `Content-Type`.
 * @returns The files in page order with absolute URLs and what the index states of each.
 * @throws {IndexPageError} When the page is malformed or larger than the bounds.
 *
 * @example A PEP 503 project page
 * ```ts
 * import { readProjectPage } from "./read_simple_index.ts";
 * const page = readProjectPage(
 *   '<a href="../../files/a-1.0.tar.gz#sha256=' + "ab".repeat(32) + '" data-yanked="">a-1.0.tar.gz</a>',
 *   { url: "https://i.example/simple/a/", contentType: "text/html" },
 * );
 * console.assert(page.files[0].url === "https://i.example/files/a-1.0.tar.gz");
 * console.assert(page.files[0].sha256 === "ab".repeat(32) && page.files[0].yanked);
 * ```
 */
export function readProjectPage(text: string, source: IndexPageSource): IndexProjectPage {
  const format = formatOfContentType(source.contentType);
  checkSize(text, source.url, format);
  return format === "json"
    ? readJsonProjectPage(text, source.url)
    : readHtmlProjectPage(text, source.url);
}

function checkSize(text: string, url: string, format: IndexPageFormat): void {
  if (text.length > MAX_INDEX_PAGE_CHARS) {
    throw new IndexPageError(
      url,
      format,
      `page is larger than MAX_INDEX_PAGE_CHARS (${MAX_INDEX_PAGE_CHARS})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// JSON (PEP 691, with the PEP 700 additions)

type Json = Record<string, unknown>;

/** Line and column (1-based) of a character offset, for messages. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** A character for a message: printable as itself, anything else as a `\uXXXX` escape. */
function showChar(c: string): string {
  return /^[\x21-\x7e]$/.test(c) ? `'${c}'` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Where JSON text stops being JSON. Only called after `JSON.parse` failed: V8's message gives no
 * position and quotes the page, which may be anything. Iterative, so deep nesting cannot
 * overflow the stack.
 */
function locateJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) {
      i++;
    }
  };
  const fail = (reason?: string) => ({
    offset: i,
    reason: reason ??
      (i >= n ? "unexpected end of JSON" : `unexpected character ${showChar(text[i])}`),
  });
  const string = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  // Each stack item is the container being read: "{" or "[".
  const stack: string[] = [];
  for (;;) {
    // Read one value.
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      i++;
      ws();
      if (text[i] === (c === "{" ? "}" : "]")) {
        i++;
      } else {
        stack.push(c);
        if (c === "{") {
          if (text[i] !== '"' || !string()) return fail();
          ws();
          if (text[i] !== ":") return fail();
          i++;
        }
        continue;
      }
    } else if (c === '"') {
      if (!string()) return fail();
    } else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail();
      i = NUMBER.lastIndex;
    }
    // After a value: close containers or go on to the next member.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return i < n ? fail() : { offset: i, reason: "not valid JSON" };
      }
      if (text[i] === ",") {
        i++;
        if (top === "{") {
          ws();
          if (text[i] !== '"' || !string()) return fail();
          ws();
          if (text[i] !== ":") return fail();
          i++;
        }
        break;
      }
      if (text[i] === (top === "{" ? "}" : "]")) {
        i++;
        stack.pop();
        continue;
      }
      return fail();
    }
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const { offset, reason } = locateJsonError(text);
    throw new IndexPageError(url, "json", `not JSON: ${reason}`, {
      offset,
      ...lineColumn(text, offset),
    });
  }
}

/** Type checks over one JSON page; each failure names the key path. */
class JsonReader {
  constructor(readonly pageUrl: string) {}

  fail(path: string, reason: string): never {
    throw new IndexPageError(this.pageUrl, "json", reason, { path });
  }

  object(value: unknown, path: string): Json {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Json;
    return this.fail(path, value === undefined ? "is missing" : "must be an object");
  }

  array(value: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(value)) {
      return this.fail(path, value === undefined ? "is missing" : "must be an array");
    }
    if (value.length > max) this.fail(path, `has more than ${max} entries`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value === "string" && value.length > 0) return value;
    return this.fail(path, value === undefined ? "is missing" : "must be a non-empty string");
  }

  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.fail(path, "must be a string");
    return value as string;
  }

  /** `meta.api-version`: PEP 691 clients must refuse a major version they do not know. */
  apiVersion(root: Json): string {
    const meta = this.object(root.meta, "meta");
    const version = this.string(meta["api-version"], "meta.api-version");
    const major = /^(\d+)\.\d+$/.exec(version)?.[1];
    if (major === undefined) {
      this.fail("meta.api-version", `"${version.slice(0, 20)}" is not MAJOR.MINOR`);
    }
    if (major !== "1") {
      this.fail(
        "meta.api-version",
        `API version ${version.slice(0, 20)} is not supported (1.x is)`,
      );
    }
    return version;
  }

  link(value: unknown, path: string, base: string): string {
    const text = this.string(value, path);
    try {
      const url = new URL(text, base);
      url.hash = "";
      return url.href;
    } catch {
      return this.fail(path, "is not a valid URL");
    }
  }
}

function readJsonProjectList(text: string, url: string): IndexProjectList {
  const r = new JsonReader(url);
  const root = r.object(parseJson(text, url), "$");
  const apiVersion = r.apiVersion(root);
  const projects = r.array(root.projects, "projects", MAX_INDEX_PROJECTS).map((item, i) => {
    const name = r.string(r.object(item, `projects[${i}]`).name, `projects[${i}].name`);
    // PEP 691 gives names only: a project's page is the normalized name under the list's URL.
    return { name, url: new URL(`${encodeURIComponent(canonicalizeName(name))}/`, url).href };
  });
  return { format: "json", apiVersion, projects };
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

function readJsonFile(r: JsonReader, value: unknown, path: string, base: string): IndexFile {
  const o = r.object(value, path);
  const file: IndexFile = {
    filename: r.string(o.filename, `${path}.filename`),
    url: r.link(o.url, `${path}.url`, base),
    yanked: false,
  };
  // PEP 691 requires `hashes`; an index that leaves it out gives no hash, and one is computed.
  if (o.hashes !== undefined) {
    const sha256 = r.object(o.hashes, `${path}.hashes`).sha256;
    if (sha256 !== undefined) {
      if (typeof sha256 !== "string" || !SHA256.test(sha256)) {
        r.fail(`${path}.hashes.sha256`, "must be 64 hex digits");
      }
      file.sha256 = (sha256 as string).toLowerCase();
    }
  }
  if (o.size !== undefined && o.size !== null) {
    if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) {
      r.fail(`${path}.size`, "must be a non-negative integer");
    }
    file.size = o.size as number;
  }
  const uploaded = r.optionalString(o["upload-time"], `${path}.upload-time`);
  if (uploaded !== undefined) {
    // PEP 700: ISO 8601 `yyyy-mm-ddThh:mm:ss.ffffffZ`; the fraction is optional.
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(uploaded)
      ? Date.parse(uploaded)
      : Number.NaN;
    if (Number.isNaN(ms)) r.fail(`${path}.upload-time`, "must be an ISO 8601 time with a zone");
    file.uploadTime = new Date(ms).toISOString();
  }
  const yanked = o.yanked;
  if (yanked !== undefined && yanked !== null) {
    if (typeof yanked === "string") {
      file.yanked = true;
      if (yanked !== "") file.yankedReason = yanked;
    } else if (typeof yanked === "boolean") file.yanked = yanked;
    else r.fail(`${path}.yanked`, "must be a boolean or a string");
  }
  const requiresPython = r.optionalString(o["requires-python"], `${path}.requires-python`);
  if (requiresPython !== undefined) file.requiresPython = requiresPython;
  return file;
}

function readJsonProjectPage(text: string, url: string): IndexProjectPage {
  const r = new JsonReader(url);
  const root = r.object(parseJson(text, url), "$");
  const apiVersion = r.apiVersion(root);
  const name = r.optionalString(root.name, "name");
  const files = r.array(root.files, "files", MAX_INDEX_FILES)
    .map((item, i) => readJsonFile(r, item, `files[${i}]`, url));
  return { format: "json", apiVersion, ...(name ? { name } : {}), files };
}

// ---------------------------------------------------------------------------------------------
// HTML (PEP 503, with PEP 592 `data-yanked` and PEP 629 `pypi:repository-version`)

/** One start tag of interest, its attributes (lower-case names, decoded values) and text. */
interface Tag {
  name: "a" | "base" | "meta";
  offset: number;
  attributes: Map<string, string>;
  /** Text content up to `</a>`, tags removed and entities decoded (anchors only). */
  text: string;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Decode character references: the named ones a simple page uses, and every numeric one. */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g,
    (whole, ref: string) => {
      if (ref[0] !== "#") return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
      const code = ref[1] === "x" || ref[1] === "X"
        ? Number.parseInt(ref.slice(2), 16)
        : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : "\ufffd";
    },
  );
}

const SPACE = /[\s]/;

/**
 * Scan a page for `<a>`, `<base>` and `<meta>` start tags. A linear scan with `indexOf`, no
 * backtracking regular expression: a hostile page costs time proportional to its length.
 */
function scanTags(text: string, url: string, maxAnchors: number): Tag[] {
  const tags: Tag[] = [];
  let anchors = 0;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt === -1) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      i = end === -1 ? text.length : end + 3;
      continue;
    }
    // Without the `u` flag, `i` folds ASCII letters only: offsets stay those of `text`.
    const name = /^<(a|base|meta)[\s>/]/i.exec(text.slice(lt, lt + 6))?.[1]?.toLowerCase() as
      | Tag["name"]
      | undefined;
    if (name === undefined) {
      i = lt + 1;
      continue;
    }
    if (name === "a" && ++anchors > maxAnchors) {
      throw new IndexPageError(url, "html", `has more than ${maxAnchors} anchors`, {
        offset: lt,
        ...lineColumn(text, lt),
      });
    }
    const { attributes, end } = readAttributes(text, lt + 1 + name.length, url, lt);
    i = end;
    let tagText = "";
    if (name === "a") {
      const close = closingAnchor(text, end);
      tagText = decodeEntities(stripTags(text.slice(end, close))).trim();
      i = close;
    }
    tags.push({ name, offset: lt, attributes, text: tagText });
  }
  return tags;
}

/** Offset of the `</a` that closes an anchor whose content starts at `from`, else the end. */
function closingAnchor(text: string, from: number): number {
  for (let j = text.indexOf("</", from); j !== -1; j = text.indexOf("</", j + 2)) {
    if ((text[j + 2] === "a" || text[j + 2] === "A") && /^[\s>]?$/.test(text[j + 3] ?? "")) {
      return j;
    }
  }
  return text.length;
}

/** Text without its tags, in one pass (an unclosed `<` drops the rest). */
function stripTags(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt === -1) return out + text.slice(i);
    out += text.slice(i, lt);
    const gt = text.indexOf(">", lt);
    if (gt === -1) return out;
    i = gt + 1;
  }
  return out;
}

/** Attributes of a start tag from `at` (just after its name) to its `>`. */
function readAttributes(
  text: string,
  at: number,
  url: string,
  tagOffset: number,
): { attributes: Map<string, string>; end: number } {
  const attributes = new Map<string, string>();
  let i = at;
  const n = text.length;
  for (;;) {
    while (i < n && (SPACE.test(text[i]) || text[i] === "/")) i++;
    if (i >= n) {
      throw new IndexPageError(url, "html", "tag is not closed", {
        offset: tagOffset,
        ...lineColumn(text, tagOffset),
      });
    }
    if (text[i] === ">") return { attributes, end: i + 1 };
    const start = i;
    while (i < n && !SPACE.test(text[i]) && !"/>=".includes(text[i])) i++;
    const key = text.slice(start, i).toLowerCase();
    while (i < n && SPACE.test(text[i])) i++;
    let value = "";
    if (text[i] === "=") {
      i++;
      while (i < n && SPACE.test(text[i])) i++;
      const quote = text[i];
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, i + 1);
        if (close === -1) {
          throw new IndexPageError(url, "html", `attribute ${key.slice(0, 40)} is not closed`, {
            offset: i,
            ...lineColumn(text, i),
          });
        }
        value = text.slice(i + 1, close);
        i = close + 1;
      } else {
        const s = i;
        while (i < n && !SPACE.test(text[i]) && text[i] !== ">") i++;
        value = text.slice(s, i);
      }
    }
    // The first of a repeated attribute wins, as in an HTML parser.
    if (key !== "" && !attributes.has(key)) attributes.set(key, decodeEntities(value));
  }
}

/** PEP 629: a page states its API version in a meta tag; a major version other than 1 is refused. */
function htmlApiVersion(tags: Tag[], text: string, url: string): string | undefined {
  const meta = tags.find((t) =>
    t.name === "meta" && t.attributes.get("name")?.toLowerCase() === "pypi:repository-version"
  );
  if (!meta) return undefined;
  const version = meta.attributes.get("content") ?? "";
  const major = /^(\d+)\.\d+$/.exec(version)?.[1];
  if (major !== "1") {
    throw new IndexPageError(
      url,
      "html",
      `repository version "${version.slice(0, 20)}" is not supported (1.x is)`,
      { offset: meta.offset, ...lineColumn(text, meta.offset) },
    );
  }
  return version;
}

/** The base URL links resolve against: the first `<base href>`, else the page URL. */
function baseOf(tags: Tag[], url: string): string {
  const href = tags.find((t) => t.name === "base" && t.attributes.has("href"))?.attributes.get(
    "href",
  );
  if (href === undefined) return url;
  try {
    return new URL(href, url).href;
  } catch {
    return url;
  }
}

function anchorUrl(tag: Tag, base: string, text: string, pageUrl: string): URL {
  const href = tag.attributes.get("href");
  const where = { offset: tag.offset, ...lineColumn(text, tag.offset) };
  if (href === undefined || href.trim() === "") {
    throw new IndexPageError(pageUrl, "html", "anchor has no href", where);
  }
  try {
    return new URL(href.trim(), base);
  } catch {
    throw new IndexPageError(pageUrl, "html", "anchor href is not a valid URL", where);
  }
}

function lastSegment(url: URL): string {
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const last = segments[segments.length - 1] ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function readHtmlProjectList(text: string, url: string): IndexProjectList {
  const tags = scanTags(text, url, MAX_INDEX_PROJECTS);
  const apiVersion = htmlApiVersion(tags, text, url);
  const base = baseOf(tags, url);
  const projects: IndexProject[] = [];
  for (const tag of tags) {
    if (tag.name !== "a") continue;
    const href = anchorUrl(tag, base, text, url);
    href.hash = "";
    const name = tag.text || lastSegment(href);
    if (name === "") {
      throw new IndexPageError(url, "html", "anchor names no project", {
        offset: tag.offset,
        ...lineColumn(text, tag.offset),
      });
    }
    projects.push({ name, url: href.href });
  }
  return { format: "html", ...(apiVersion ? { apiVersion } : {}), projects };
}

function readHtmlProjectPage(text: string, url: string): IndexProjectPage {
  const tags = scanTags(text, url, MAX_INDEX_FILES);
  const apiVersion = htmlApiVersion(tags, text, url);
  const base = baseOf(tags, url);
  const files: IndexFile[] = [];
  for (const tag of tags) {
    if (tag.name !== "a") continue;
    const href = anchorUrl(tag, base, text, url);
    // PEP 503: the fragment `#<hashname>=<hexdigest>` carries the hash; only sha256 is used.
    const fragment = /^#([a-z0-9]+)=([0-9a-fA-F]+)$/.exec(href.hash);
    href.hash = "";
    // PEP 503: the anchor text must be the file name; the URL's last segment is the fallback.
    const filename = tag.text || lastSegment(href);
    if (filename === "") {
      throw new IndexPageError(url, "html", "anchor names no file", {
        offset: tag.offset,
        ...lineColumn(text, tag.offset),
      });
    }
    const file: IndexFile = { filename, url: href.href, yanked: false };
    if (fragment && fragment[1] === "sha256") {
      if (!SHA256.test(fragment[2])) {
        throw new IndexPageError(url, "html", "sha256 fragment is not 64 hex digits", {
          offset: tag.offset,
          ...lineColumn(text, tag.offset),
        });
      }
      file.sha256 = fragment[2].toLowerCase();
    }
    const yanked = tag.attributes.get("data-yanked");
    if (yanked !== undefined) {
      file.yanked = true;
      if (yanked !== "") file.yankedReason = yanked;
    }
    const requiresPython = tag.attributes.get("data-requires-python");
    if (requiresPython !== undefined) file.requiresPython = requiresPython;
    files.push(file);
  }
  return { format: "html", ...(apiVersion ? { apiVersion } : {}), files };
}
