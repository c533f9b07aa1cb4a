/**
 * A small, strict XML 1.0 parser for tests: it checks well-formedness (one root, proper nesting,
 * quoted unique attributes, legal characters, known entity and character references, no `<` or
 * stray `&` in text or attributes, no `]]>` in text) and returns an element tree. No DTDs, no
 * namespaces processing: JUnit output needs neither. Every error names its offset.
 *
 * @module
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (CDATA included). */
  text: string;
  offset: number;
}

export class XmlSyntaxError extends SyntaxError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = "XmlSyntaxError";
    this.offset = offset;
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9._:\u00B7\u00C0-\uFFFD]*/y;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Parse a whole XML document.
 *
 * @throws {XmlSyntaxError} on the first well-formedness error
 */
export function parseXml(src: string): XmlElement {
  let pos = 0;
  const fail = (msg: string, at = pos): never => {
    throw new XmlSyntaxError(msg, at);
  };

  // Characters: every code point must be an XML Char (lone surrogates are not).
  for (let i = 0; i < src.length; i++) {
    const cp = src.codePointAt(i) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) fail("lone surrogate", i);
    if (!isXmlChar(cp)) fail(`character U+${cp.toString(16).padStart(4, "0")} is not allowed`, i);
    if (cp > 0xffff) i++;
  }

  const skipSpace = () => {
    while (pos < src.length && /[ \t\r\n]/.test(src[pos] as string)) pos++;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (!m) return fail("expected a name");
    pos += m[0].length;
    return m[0];
  };
  const decode = (raw: string, at: number, inAttr: boolean): string => {
    if (raw.includes("<")) fail("'<' in character data", at + raw.indexOf("<"));
    if (!inAttr && raw.includes("]]>")) fail("']]>' in character data", at + raw.indexOf("]]>"));
    return raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined, off: number) => {
      if (ref === undefined) return fail("'&' that starts no reference", at + off);
      if (ref.startsWith("#x")) {
        if (!/^#x[0-9A-Fa-f]+$/.test(ref)) fail(`bad character reference &${ref};`, at + off);
        const cp = parseInt(ref.slice(2), 16);
        if (!isXmlChar(cp)) fail(`character reference to a non-character &${ref};`, at + off);
        return String.fromCodePoint(cp);
      }
      if (ref.startsWith("#")) {
        if (!/^#[0-9]+$/.test(ref)) fail(`bad character reference &${ref};`, at + off);
        const cp = Number(ref.slice(1));
        if (!isXmlChar(cp)) fail(`character reference to a non-character &${ref};`, at + off);
        return String.fromCodePoint(cp);
      }
      const e = ENTITIES[ref];
      if (e === undefined) fail(`unknown entity &${ref};`, at + off);
      return e ?? m;
    });
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (src.startsWith("<!--", pos)) {
        const end = src.indexOf("-->", pos + 4);
        if (end < 0) fail("unterminated comment");
        if (src.slice(pos + 4, end).includes("--")) fail("'--' inside a comment");
        pos = end + 3;
      } else if (src.startsWith("<?", pos) && !src.startsWith("<?xml ", pos)) {
        const end = src.indexOf("?>", pos);
        if (end < 0) fail("unterminated processing instruction");
        pos = end + 2;
      } else return;
    }
  };

  if (src.startsWith("\ufeff")) pos = 1;
  if (src.startsWith("<?xml", pos)) {
    const end = src.indexOf("?>", pos);
    if (end < 0) fail("unterminated XML declaration");
    const decl = src.slice(pos, end);
    if (
      !/^<\?xml\s+version=(["'])1\.[0-9]\1(\s+encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone=(["'])(yes|no)\5)?\s*$/
        .test(decl)
    ) {
      fail("malformed XML declaration");
    }
    pos = end + 2;
  }
  skipMisc();
  if (src.startsWith("<!DOCTYPE", pos)) fail("DTDs are not supported by this checker");

  const parseElement = (): XmlElement => {
    const start = pos;
    if (src[pos] !== "<") fail("expected '<'");
    pos++;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = pos;
      skipSpace();
      if (src.startsWith("/>", pos)) {
        pos += 2;
        return { name, attrs, children: [], text: "", offset: start };
      }
      if (src[pos] === ">") {
        pos++;
        break;
      }
      if (pos === before) fail("expected whitespace before an attribute");
      const attrAt = pos;
      const an = readName();
      skipSpace();
      if (src[pos] !== "=") fail(`expected '=' after attribute ${an}`);
      pos++;
      skipSpace();
      const q = src[pos];
      if (q !== '"' && q !== "'") fail(`attribute ${an} value is not quoted`);
      const end = src.indexOf(q as string, pos + 1);
      if (end < 0) fail(`unterminated value of attribute ${an}`);
      if (Object.hasOwn(attrs, an)) fail(`duplicate attribute ${an}`, attrAt);
      attrs[an] = decode(src.slice(pos + 1, end), pos + 1, true);
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (pos >= src.length) fail(`element <${name}> is not closed`, start);
      if (src.startsWith("</", pos)) {
        pos += 2;
        const close = readName();
        if (close !== name) fail(`</${close}> closes <${name}>`);
        skipSpace();
        if (src[pos] !== ">") fail("expected '>'");
        pos++;
        return { name, attrs, children, text, offset: start };
      }
      if (src.startsWith("<!--", pos)) {
        skipMisc();
        continue;
      }
      if (src.startsWith("<![CDATA[", pos)) {
        const end = src.indexOf("]]>", pos + 9);
        if (end < 0) fail("unterminated CDATA section");
        text += src.slice(pos + 9, end);
        pos = end + 3;
        continue;
      }
      if (src.startsWith("<?", pos)) {
        const end = src.indexOf("?>", pos);
        if (end < 0) fail("unterminated processing instruction");
        pos = end + 2;
        continue;
      }
      if (src[pos] === "<") {
        children.push(parseElement());
        continue;
      }
      const next = src.indexOf("<", pos);
      const end = next < 0 ? src.length : next;
      text += decode(src.slice(pos, end), pos, false);
      pos = end;
    }
  };

  const root = parseElement();
  skipMisc();
  if (pos !== src.length) fail("content after the root element");
  return root;
}
