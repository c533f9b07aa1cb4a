/**
 * Load policies from YAML text: syntax, JSON Schema (policies/schema.json) and semantic checks,
 * every problem reported at once with `file:line:column` and the key path. Pure: the caller
 * reads the files.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import * as ajvModule from "ajv";
import schema from "../../policies/schema.json" with { type: "json" };
import { PolicyError, type PolicyErrorCode } from "./errors.ts";
import { TEMPLATE_FIELDS, templateFields } from "./fields.ts";
import { parseRange } from "./version.ts";
import type { AcceptEntry, InstallRule, Policy, PolicySource } from "./types.ts";

/** Most policy files loaded in one call. */
export const MAX_POLICY_FILES = 1000;
/** Largest policy file accepted (bytes of text). */
export const MAX_POLICY_TEXT = 256 * 1024;
/** YAML alias expansion limit (guards against alias bombs). */
const MAX_ALIAS_COUNT = 100;

type Path = (string | number)[];

// CJS interop: the Ajv class is the module's default export.
const AjvClass = ajvModule.default as unknown as typeof ajvModule.Ajv;
let validator: ajvModule.ValidateFunction | undefined;
function getValidator(): ajvModule.ValidateFunction {
  validator ??= new AjvClass({ allErrors: true, verbose: true, strict: false }).compile(schema);
  return validator;
}

/** Format a path as `installable.aliases[1]`; the empty path is `(root)`. */
function formatKeyPath(path: Path): string {
  let s = "";
  for (const seg of path) s += typeof seg === "number" ? `[${seg}]` : s ? `.${seg}` : seg;
  return s || "(root)";
}

interface FileContext {
  file: string;
  text: string;
  lc: LineCounter;
  doc: ReturnType<typeof parseDocument>;
  errors: PolicyError[];
}

function nodeAt(ctx: FileContext, path: Path): { node: Node | undefined; depth: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0
      ? (ctx.doc.contents as Node | null) ?? undefined
      : (ctx.doc.getIn(path.slice(0, depth), true) as Node | undefined);
    if (node && typeof node === "object" && "range" in node && node.range) {
      return { node, depth };
    }
  }
  return { node: undefined, depth: 0 };
}

function report(
  ctx: FileContext,
  code: PolicyErrorCode,
  path: Path,
  message: string,
  opts: { offset?: number; keyOf?: string; inString?: number } = {},
): void {
  let offset = opts.offset;
  if (offset === undefined) {
    const { node } = nodeAt(ctx, path);
    offset = node?.range?.[0] ?? 0;
    if (node && opts.keyOf !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === opts.keyOf);
      const key = pair?.key as Node | undefined;
      if (key?.range) offset = key.range[0];
    }
    if (node && opts.inString !== undefined && isScalar(node)) {
      // Point inside a one-line plain or quoted string; other styles keep the node start.
      if (node.type === "PLAIN") offset += opts.inString;
      else if (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") {
        offset += 1 + opts.inString;
      }
    }
  }
  const pos = ctx.lc.linePos(offset);
  ctx.errors.push(
    new PolicyError(message, {
      file: ctx.file,
      line: pos.line,
      column: pos.col,
      keyPath: formatKeyPath(opts.keyOf !== undefined ? [...path, opts.keyOf] : path),
      code,
    }),
  );
}

/** Key path of the innermost map pair or sequence item whose range contains `offset`. */
function pathAtOffset(ctx: FileContext, offset: number): Path {
  const path: Path = [];
  let node: unknown = ctx.doc.contents;
  for (let guard = 0; guard < 64 && node; guard++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const k = p.key as Node | null;
        const v = p.value as Node | null;
        const start = k?.range?.[0] ?? v?.range?.[0];
        const end = v?.range?.[2] ?? k?.range?.[2];
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => {
        const r = (it as Node | null)?.range;
        return r != null && offset >= r[0] && offset <= r[2];
      });
      if (i < 0) break;
      path.push(i);
      node = node.items[i];
    } else break;
  }
  return path;
}

function pointerToPath(ctx: FileContext, pointer: string): Path {
  if (!pointer) return [];
  const path: Path = [];
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const parent = path.length ? ctx.doc.getIn(path, true) : ctx.doc.contents;
    path.push(isSeq(parent) && /^\d+$/.test(seg) ? Number(seg) : seg);
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  array: "a list",
  object: "a mapping",
  number: "a number",
  integer: "an integer",
  boolean: "true or false",
};

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}

function suggest(word: string, candidates: string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

function reportSchemaErrors(ctx: FileContext, errors: ajvModule.ErrorObject[]): void {
  const seen = new Set<string>();
  for (const e of errors) {
    // `if` failures only say which branch applied; anyOf branch failures are summarised once.
    if (e.keyword === "if" || (e.keyword === "required" && e.schemaPath.includes("/anyOf/"))) {
      continue;
    }
    const path = pointerToPath(ctx, e.instancePath);
    let message = e.message ?? "is invalid";
    let keyOf: string | undefined;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case "additionalProperties": {
        keyOf = String(p.additionalProperty);
        const known = Object.keys(
          (e.parentSchema as { properties?: Record<string, unknown> })?.properties ?? {},
        );
        message = `unknown key "${keyOf}"${suggest(keyOf, known)}`;
        break;
      }
      case "required":
        message = `missing key "${p.missingProperty}"` +
          (e.schemaPath.includes("/then/") ? " (needed by this rule)" : "");
        break;
      case "type":
        message = `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}`;
        break;
      case "enum":
        message = e.schemaPath.includes("templateField")
          ? `unknown template field "${String(e.data)}"` +
            suggest(String(e.data), Object.keys(TEMPLATE_FIELDS))
          : `must be one of: ${(p.allowedValues as unknown[]).join(", ")}`;
        break;
      case "anyOf":
        message = `needs a "url" or a "ref"`;
        break;
      case "pattern":
        if (e.schemaPath.includes("template")) {
          message = `malformed template "${String(e.data)}": use lower-case letters, digits, _ ` +
            `and {field}`;
        } else if (path[path.length - 1] === "pyodide") {
          message = `malformed version range "${
            String(e.data)
          }": use clauses like >=0.26.0,<0.29.4`;
        } else if (path[path.length - 1] === "url") message = "must start with http:// or https://";
        else message = `must match ${String(p.pattern)}`;
        break;
    }
    const key = `${formatKeyPath(keyOf ? [...path, keyOf] : path)}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report(ctx, "schema", path, message, { keyOf });
  }
}

const RULE_KEYS: Record<string, string> = {
  aliases: "aliases",
  subset: "field",
  ordered: "key",
  accepts: "accepts",
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks JSON Schema cannot express. Defensive about types: the schema may have failed. */
function semanticChecks(ctx: FileContext, data: Record<string, unknown>): void {
  const templates: Path[] = [["tag"], ["python_tag"], ["build_tag", "tag"], ["relabel", "to"]];
  const inst = isRecord(data.installable) ? data.installable : undefined;
  if (inst && Array.isArray(inst.aliases)) {
    inst.aliases.forEach((_, i) => templates.push(["installable", "aliases", i]));
  }
  if (inst && Array.isArray(inst.accepts)) {
    inst.accepts.forEach((a, i) => {
      if (!isRecord(a)) return;
      templates.push(["installable", "accepts", i, "tag"]);
      const path: Path = ["installable", "accepts", i, "pyodide"];
      const seen = ctx.errors.some((e) => e.keyPath === formatKeyPath(path));
      if (typeof a.pyodide === "string" && !seen) {
        const { error } = parseRange(a.pyodide);
        if (error) report(ctx, "semantic", path, `malformed version range: ${error}`);
      }
    });
  }
  const known = Object.keys(TEMPLATE_FIELDS);
  for (const path of templates) {
    const value = ctx.doc.getIn(path);
    if (typeof value !== "string") continue;
    for (const { field, offset } of templateFields(value)) {
      if (!(field in TEMPLATE_FIELDS)) {
        report(
          ctx,
          "semantic",
          path,
          `unknown template field "{${field}}"${suggest(field, known)}`,
          {
            inString: offset + 1,
          },
        );
      }
    }
  }
  const mode = data.wheel_tag ?? "template";
  const rule = inst && typeof inst.rule === "string" ? inst.rule : undefined;
  const tag = typeof data.tag === "string" ? data.tag : undefined;
  if (mode === "template" && data.tag === undefined) {
    report(ctx, "semantic", [], `missing key "tag" (needed when wheel_tag is template)`);
  }
  if (mode === "filename") {
    if (data.tag !== undefined) {
      report(ctx, "semantic", ["tag"], `"tag" is not used when wheel_tag is filename`);
    }
    if (data.relabel !== undefined) {
      report(ctx, "semantic", ["relabel"], `"relabel" is not used when wheel_tag is filename`);
    }
    if (rule && rule !== "accepts") {
      report(ctx, "semantic", ["installable", "rule"], `wheel_tag filename needs rule accepts`);
    }
  }
  if (inst && rule) {
    for (const [r, key] of Object.entries(RULE_KEYS)) {
      if (r !== rule && inst[key] !== undefined) {
        report(ctx, "semantic", ["installable", key], `"${key}" is not used by rule ${rule}`);
      }
    }
    const used = new Set(tag ? templateFields(tag).map((f) => f.field) : []);
    if (rule === "subset" && typeof inst.field === "string" && tag && !used.has(inst.field)) {
      report(
        ctx,
        "semantic",
        ["installable", "field"],
        `subset field "${inst.field}" does not appear in tag "${tag}"`,
      );
    }
    if (rule === "ordered" && Array.isArray(inst.key)) {
      inst.key.forEach((k, i) => {
        if (typeof k !== "string" || !(k in TEMPLATE_FIELDS)) return;
        if (TEMPLATE_FIELDS[k].kind !== "number") {
          report(ctx, "semantic", ["installable", "key", i], `ordered key "${k}" is not numeric`);
        } else if (tag && !used.has(k)) {
          report(ctx, "semantic", ["installable", "key", i], `ordered key "${k}" is not in tag`);
        }
      });
    }
    if (data.relabel !== undefined && rule !== "exact" && rule !== "aliases") {
      report(ctx, "semantic", ["relabel"], `relabel needs rule exact or aliases, not ${rule}`);
    }
  }
  const bt = isRecord(data.build_tag) ? data.build_tag.tag : undefined;
  if (typeof bt === "string" && bt.length) {
    const first = templateFields(bt)[0];
    const startsWithField = first?.offset === 0;
    const ok = startsWithField
      ? TEMPLATE_FIELDS[first.field]?.kind === "number"
      : /^[0-9]/.test(bt);
    if (!ok) report(ctx, "semantic", ["build_tag", "tag"], "a build tag must start with a digit");
  }
}

function toPolicy(file: string, d: Record<string, unknown>): Policy {
  const inst = d.installable as Record<string, unknown>;
  let installable: InstallRule;
  switch (inst.rule) {
    case "aliases":
      installable = { rule: "aliases", aliases: inst.aliases as string[] };
      break;
    case "subset":
      installable = { rule: "subset", field: inst.field as string };
      break;
    case "ordered":
      installable = { rule: "ordered", key: inst.key as string[] };
      break;
    case "accepts":
      installable = { rule: "accepts", accepts: inst.accepts as AcceptEntry[] };
      break;
    default:
      installable = { rule: "exact" };
  }
  const policy: Policy = {
    id: d.id as string,
    title: d.title as string,
    description: d.description as string,
    source: d.source as PolicySource[],
    file,
    wheelTag: (d.wheel_tag as Policy["wheelTag"] | undefined) ?? "template",
    installable,
  };
  if (typeof d.tag === "string") policy.tag = d.tag;
  if (typeof d.python_tag === "string") policy.pythonTag = d.python_tag;
  if (isRecord(d.build_tag)) policy.buildTag = { tag: d.build_tag.tag as string };
  if (isRecord(d.relabel)) {
    policy.relabel = {
      to: d.relabel.to as string,
      when: d.relabel.when as "link-ok-on-target" | "always",
    };
  }
  return policy;
}

/** Deepest nesting a policy may have (block indentation levels plus flow brackets). */
export const MAX_POLICY_NESTING = 64;

/**
 * Where a text first nests deeper than {@linkcode MAX_POLICY_NESTING} (block indentation levels
 * plus open `[`/`{`), before the parser recurses into it; undefined when it never does. Quotes
 * and comments are skipped roughly: a policy is small and plain.
 */
function tooDeepAt(text: string): { offset: number; depth: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let offset = 0;
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    const body = line.trimStart();
    if (body && !body.startsWith("#") && flow === 0) {
      while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
    }
    let quote = "";
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "#" && (i === 0 || line[i - 1] === " ")) break;
      else if (c === "[" || c === "{") {
        flow++;
        if (indents.length + flow > MAX_POLICY_NESTING) {
          return { offset: offset + i, depth: indents.length + flow };
        }
      } else if (c === "]" || c === "}") flow = Math.max(0, flow - 1);
    }
    if (indents.length + flow > MAX_POLICY_NESTING) {
      return { offset: offset + indent, depth: indents.length + flow };
    }
    offset += line.length + 1;
  }
  return undefined;
}

function loadOne(
  file: string,
  text: string,
): { policy?: Policy; id?: string; idOffset?: number; ctx: FileContext } {
  const lc = new LineCounter();
  // Check the size before parsing: the limit guards the parser itself.
  const tooBig = typeof text !== "string" || text.length > MAX_POLICY_TEXT;
  // So is nesting: the parser recurses once per level.
  const deep = tooBig ? undefined : tooDeepAt(text);
  const doc = parseDocument(tooBig || deep ? "" : text, {
    lineCounter: lc,
    prettyErrors: true,
    uniqueKeys: true,
    // YAML 1.1 merge keys (`<<: *defaults`): authors share blocks between rules.
    merge: true,
  });
  const ctx: FileContext = { file, text, lc, doc, errors: [] };
  if (tooBig) {
    const what = typeof text !== "string"
      ? "file text is not a string"
      : `file is larger than ${MAX_POLICY_TEXT} characters`;
    report(ctx, "input", [], what, { offset: 0 });
    return { ctx };
  }
  if (deep) {
    // Not parsed: the line counter learns the lines here, so the position is right.
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lc.addNewLine(i + 1);
    report(
      ctx,
      "input",
      [],
      `nested ${deep.depth} levels deep here; a policy may nest at most ${MAX_POLICY_NESTING}`,
      { offset: deep.offset },
    );
    return { ctx };
  }
  for (const e of doc.errors) {
    const offset = e.pos[0];
    const path = pathAtOffset(ctx, offset);
    const message = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    report(ctx, "syntax", path, message, { offset });
  }
  if (ctx.errors.length) return { ctx };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    report(ctx, "syntax", [], e instanceof Error ? e.message : String(e), { offset: 0 });
    return { ctx };
  }
  const validate = getValidator();
  if (!validate(data)) reportSchemaErrors(ctx, validate.errors ?? []);
  if (isRecord(data)) semanticChecks(ctx, data);
  ctx.errors.sort((a, b) => a.line - b.line || a.column - b.column);
  const idNode = doc.getIn(["id"], true) as Node | undefined;
  const id = isRecord(data) && typeof data.id === "string" ? data.id : undefined;
  if (ctx.errors.length || !isRecord(data)) return { id, idOffset: idNode?.range?.[0], ctx };
  return { policy: toPolicy(file, data), id, idOffset: idNode?.range?.[0], ctx };
}

/**
 * Load and check policy files. Never throws: every problem of every file is returned, and the
 * files without problems are loaded. A duplicate id is reported at the later file and that
 * policy is dropped.
 *
 * @example
 * ```ts
 * const { policies, errors } = loadPolicies([{ path: "policies/pep783.yaml", text }]);
 * for (const e of errors) console.log(formatPolicyError(e));
 * ```
 */
export function loadPolicies(
  files: { path: string; text: string }[],
): { policies: Policy[]; errors: PolicyError[] } {
  const policies: Policy[] = [];
  const errors: PolicyError[] = [];
  const firstById = new Map<string, { file: string; line: number; column: number }>();
  for (const [i, { path, text }] of files.entries()) {
    if (i >= MAX_POLICY_FILES) {
      errors.push(
        new PolicyError(`more than ${MAX_POLICY_FILES} policy files; the rest were not read`, {
          file: path,
          line: 1,
          column: 1,
          keyPath: "(root)",
          code: "input",
        }),
      );
      break;
    }
    const { policy, id, idOffset, ctx } = loadOne(path, text);
    errors.push(...ctx.errors);
    if (id === undefined) continue;
    const pos = ctx.lc.linePos(idOffset ?? 0);
    // Duplicates are reported for every later file, valid or not; only a loaded policy claims an id.
    const first = firstById.get(id);
    if (first) {
      errors.push(
        new PolicyError(
          `duplicate id "${id}": first defined at ${first.file}:${first.line}:${first.column}`,
          { file: path, line: pos.line, column: pos.col, keyPath: "id", code: "duplicate-id" },
        ),
      );
      continue;
    }
    if (!policy) continue;
    firstById.set(id, { file: path, line: pos.line, column: pos.col });
    policies.push(policy);
  }
  return { policies, errors };
}
