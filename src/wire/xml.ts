/**
 * XML for the legacy (2014-08-15) protocol.
 * Parsing is defensive: no DTDs at all (so no entity bombs and no external entities), a size cap,
 * and every value stays a string. Building is hand-written so that escaping is exactly ours.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Prefix of attribute keys in parsed documents and in `buildXml` input. */
export const XML_ATTRIBUTE_PREFIX = '@_';
/** Key of an element's text when it also has attributes or children. */
export const XML_TEXT_KEY = '#text';
export const XML_DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export interface ParseXmlOptions {
  /** Refuse documents larger than this many UTF-8 bytes (default 5 MB). */
  maxBytes?: number;
  /** Element names that always parse as arrays, wherever they occur. */
  arrayNames?: Iterable<string>;
  /** Element paths ('Root/Parent/Child', root included) that always parse as arrays. */
  arrayPaths?: Iterable<string>;
}

export type ParseXmlResult = { ok: true; doc: unknown; root: string } | { ok: false; message: string };

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY_REFERENCE = /&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_][\w.-]*);/g;

/**
 * Decodes only what XML defines without a DTD: the five predefined entities and character
 * references. fast-xml-parser skips this for CDATA. DTD entities are never registered.
 */
const entityDecoder = {
  setExternalEntities(): void {},
  addInputEntities(): void {},
  reset(): void {},
  setXmlVersion(): void {},
  decode(text: string): string {
    if (!text.includes('&')) return text;
    return text.replace(ENTITY_REFERENCE, (whole, ref: string) => {
      if (!ref.startsWith('#')) {
        const named = PREDEFINED_ENTITIES[ref];
        if (named === undefined) throw new Error(`Undefined entity ${whole}`);
        return named;
      }
      const codePoint =
        ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!isXmlChar(codePoint)) throw new Error(`Character reference ${whole} is not a legal XML character`);
      return String.fromCodePoint(codePoint);
    });
  },
};

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function newParser(arrayNames: Set<string>, arrayPaths: Set<string>): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
    textNodeName: XML_TEXT_KEY,
    parseTagValue: false,
    parseAttributeValue: false,
    // Text values are kept exactly as sent (feedback may start or end with spaces);
    // the indentation between child elements is dropped after parsing instead.
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Entity handling is on only so that our restricted decoder runs; DTDs were refused above.
    processEntities: true,
    htmlEntities: false,
    entityDecoder,
    // callbacks get the path matcher itself, made into a string only when a path is asked about
    // (the string form of every element's path was a visible share of a parse)
    jPath: false,
    isArray: (name, jpath, _isLeaf, isAttribute) =>
      !isAttribute && (arrayNames.has(name) || (arrayPaths.size > 0 && arrayPaths.has(String(jpath)))),
  });
}

// A parser holds only its options (each parse makes its own state): one per set of array names
// and paths, as building the options was a visible share of parsing a small envelope.
const parsers = new Map<string, XMLParser>();
const MAX_PARSERS = 64;

let plainParser: XMLParser | undefined;

function parserFor(opts: ParseXmlOptions): XMLParser {
  if (opts.arrayNames === undefined && opts.arrayPaths === undefined) {
    plainParser ??= newParser(new Set(), new Set());
    return plainParser;
  }
  const arrayNames = new Set(opts.arrayNames ?? []);
  // fast-xml-parser reports paths with '.' separators; ours use '/' like getPath.
  const arrayPaths = new Set([...(opts.arrayPaths ?? [])].map((path) => path.split('/').join('.')));
  const key = JSON.stringify([[...arrayNames].sort(), [...arrayPaths].sort()]);
  let parser = parsers.get(key);
  if (!parser) {
    if (parsers.size >= MAX_PARSERS) parsers.clear();
    parser = newParser(arrayNames, arrayPaths);
    parsers.set(key, parser);
  }
  return parser;
}

/**
 * Parses `text` into plain objects: attributes under '@_name', text under '#text' when an element
 * also has attributes or children, repeated elements as arrays. Never throws.
 */
export function parseXmlSafe(text: string, opts: ParseXmlOptions = {}): ParseXmlResult {
  const maxBytes = opts.maxBytes ?? XML_DEFAULT_MAX_BYTES;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes)
    return { ok: false, message: `XML document is ${size} bytes, over the ${maxBytes}-byte limit.` };

  // most documents (every envelope the suites send) are plain elements, attributes and text:
  // read those in one pass; anything else goes through the validator and the full parser
  if (opts.arrayNames === undefined && opts.arrayPaths === undefined) {
    const simple = parseSimpleXml(text);
    if (simple) return { ok: true, ...simple };
  }

  const dtdProblem = findDtd(text);
  if (dtdProblem) return { ok: false, message: dtdProblem };

  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    return { ok: false, message: `XML is not well-formed: ${msg} (line ${line}, column ${col ?? '?'}).` };
  }

  const parser = parserFor(opts);
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (error) {
    return {
      ok: false,
      message: `XML could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  doc = dropLayoutText(doc);
  const roots = doc !== null && typeof doc === 'object' ? Object.keys(doc) : [];
  if (roots.length !== 1) {
    return { ok: false, message: `XML document must have exactly one root element, found ${roots.length}.` };
  }
  return { ok: true, doc, root: roots[0]! };
}

const SIMPLE_DECLARATION = /^<\?xml version="1\.0"(?: encoding="(?:UTF-8|utf-8)")?\?>/;
const SIMPLE_NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const SIMPLE_ATTRIBUTE =
  /([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)=(?:"([^"<&\u0000-\u001F]*)"|'([^'<&\u0000-\u001F]*)')/y;
/** Text the simple reader takes as it is: no reference, no '>', no control character but tab and LF. */
const SIMPLE_TEXT = /^[^&>\u0000-\u0008\u000B-\u001F]*$/;
/**
 * Text the simple reader decodes: as SIMPLE_TEXT, with complete references to the predefined
 * entities and characters (the escaped Question and Answer documents of most legacy answers).
 */
const SIMPLE_TEXT_WITH_REFERENCES =
  /^(?:[^&>\u0000-\u0008\u000B-\u001F]|&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)*$/;
const SIMPLE_MAX_DEPTH = 64;
/** Names the full parser renames or refuses (they are properties of every object). */
const reserved = (name: string) => name in Object.prototype || name === 'prototype';

/**
 * Reads a document of plain elements, attributes and text (no comments, CDATA, processing
 * instructions or DTD; references only to the predefined entities and characters, in text without
 * child elements; at most the usual XML declaration) into what parseXmlSafe gives
 * without array options: the same keys in the same order. Undefined for any other document (also
 * for one that is not well-formed): the full parser then reads it, or says what is wrong.
 */
export function parseSimpleXml(text: string): { doc: Record<string, unknown>; root: string } | undefined {
  const decl = SIMPLE_DECLARATION.exec(text);
  // the reader's state in one object, read by plain functions: no closures made per document
  const r: SimpleReader = { text, i: decl ? decl[0].length : 0 };
  skipSpace(r);
  const root = simpleElement(r, 0);
  skipSpace(r);
  if (!root || r.i !== text.length) return undefined;
  return { doc: { [root[0]]: root[1] }, root: root[0] };
}

interface SimpleReader {
  text: string;
  /** the position read up to */
  i: number;
}

function skipSpace(r: SimpleReader): boolean {
  const { text } = r;
  const from = r.i;
  let i = from;
  for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 9; c = text.charCodeAt(++i));
  r.i = i;
  return i > from;
}

function simpleElement(r: SimpleReader, depth: number): [string, unknown] | undefined {
  const { text } = r;
  if (text.charCodeAt(r.i) !== 60 || depth > SIMPLE_MAX_DEPTH) return undefined;
  SIMPLE_NAME.lastIndex = r.i + 1;
  const name = SIMPLE_NAME.exec(text)?.[0];
  if (name === undefined || reserved(name)) return undefined;
  r.i = SIMPLE_NAME.lastIndex;
  let attrs: [string, string][] | undefined;
  for (;;) {
    const spaced = skipSpace(r);
    const c = text.charCodeAt(r.i);
    if (c === 62) {
      r.i++;
      break;
    }
    if (c === 47 && text.charCodeAt(r.i + 1) === 62) {
      r.i += 2;
      return [name, simpleLeaf(attrs, '')];
    }
    if (!spaced) return undefined;
    SIMPLE_ATTRIBUTE.lastIndex = r.i;
    const a = SIMPLE_ATTRIBUTE.exec(text);
    if (!a) return undefined;
    if (reserved(a[1]!)) return undefined;
    const key = `${XML_ATTRIBUTE_PREFIX}${a[1]}`;
    if (attrs?.some(([k]) => k === key)) return undefined;
    attrs ??= [];
    attrs.push([key, a[2] ?? a[3] ?? '']);
    r.i = SIMPLE_ATTRIBUTE.lastIndex;
  }
  let content = '';
  let references = false;
  let kids: Record<string, unknown> | undefined;
  for (;;) {
    const lt = text.indexOf('<', r.i);
    if (lt < 0) return undefined;
    const chunk = text.slice(r.i, lt);
    if (!SIMPLE_TEXT.test(chunk)) {
      if (!SIMPLE_TEXT_WITH_REFERENCES.test(chunk)) return undefined;
      references = true;
    }
    content += chunk;
    r.i = lt;
    if (text.charCodeAt(lt + 1) === 47) {
      if (!text.startsWith(name, lt + 2) || text.charCodeAt(lt + 2 + name.length) !== 62) return undefined;
      r.i = lt + name.length + 3;
      break;
    }
    const kid = simpleElement(r, depth + 1);
    if (!kid) return undefined;
    kids ??= {};
    const [k, v] = kid;
    const prev = kids[k];
    if (prev === undefined) kids[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else kids[k] = [prev, v];
  }
  if (!kids) {
    if (!references) return [name, simpleLeaf(attrs, content)];
    // the full parser's decoder, which refuses a reference to a character XML does not allow
    try {
      return [name, simpleLeaf(attrs, entityDecoder.decode(content))];
    } catch {
      return undefined;
    }
  }
  // text beside child elements: layout (dropped, as dropLayoutText does) or mixed content (not simple)
  if (references || content.trim() !== '') return undefined;
  for (const [k, v] of attrs ?? []) kids[k] = v;
  return [name, kids];
}

function simpleLeaf(attrs: [string, string][] | undefined, content: string): unknown {
  if (!attrs) return content;
  const out: Record<string, unknown> = {};
  if (content !== '') out[XML_TEXT_KEY] = content;
  for (const [k, v] of attrs) out[k] = v;
  return out;
}

/** Whitespace-only text beside child elements is layout, not content: remove it. */
function dropLayoutText(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropLayoutText);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const entries = Object.entries(node as Record<string, unknown>);
  const hasChildren = entries.some(([k]) => k !== XML_TEXT_KEY && !k.startsWith(XML_ATTRIBUTE_PREFIX));
  for (const [k, v] of entries) {
    if (k === XML_TEXT_KEY && hasChildren && typeof v === 'string' && v.trim() === '') continue;
    out[k] = dropLayoutText(v);
  }
  return out;
}

/**
 * Refuses DOCTYPE and ENTITY declarations outside comments and CDATA sections (HTMLQuestion
 * content legitimately carries `<!DOCTYPE html>` inside CDATA). Linear scan, no regex backtracking.
 */
function findDtd(text: string): string | undefined {
  let i = text.indexOf('<!');
  while (i >= 0) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return 'XML is not well-formed: unterminated comment.';
      i = text.indexOf('<!', end + 3);
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) return 'XML is not well-formed: unterminated CDATA section.';
      i = text.indexOf('<!', end + 3);
    } else {
      const keyword = text.slice(i + 2, i + 9).toUpperCase();
      if (keyword.startsWith('DOCTYPE') || keyword.startsWith('ENTITY')) {
        return 'XML document type declarations (<!DOCTYPE>/<!ENTITY>) are not accepted.';
      }
      i = text.indexOf('<!', i + 2);
    }
  }
  return undefined;
}

/**
 * Serialises `value` as the document element `root`. Objects become child elements in key order,
 * arrays become repeated elements, '@_x' keys become attributes and '#text' the element's text;
 * undefined is omitted and null gives an empty element.
 */
export function buildXml(root: string, value: unknown): string {
  if (Array.isArray(value)) throw new TypeError('buildXml: the root value cannot be an array');
  return `<?xml version="1.0"?>${buildElement(root, value)}`;
}

const NAME_PATTERN = /^[A-Za-z_][\w.:-]*$/;

function buildElement(name: string, value: unknown): string {
  if (!NAME_PATTERN.test(name)) throw new TypeError(`buildXml: '${name}' is not a valid element name`);
  if (value === null) return `<${name}/>`;
  if (typeof value !== 'object' || value instanceof Date)
    return `<${name}>${escapeXml(scalarText(value))}</${name}>`;

  let attributes = '';
  let content = '';
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    if (key === XML_TEXT_KEY) {
      content += escapeXml(scalarText(child));
    } else if (key.startsWith(XML_ATTRIBUTE_PREFIX)) {
      const attribute = key.slice(XML_ATTRIBUTE_PREFIX.length);
      if (!NAME_PATTERN.test(attribute))
        throw new TypeError(`buildXml: '${attribute}' is not a valid attribute name`);
      attributes += ` ${attribute}="${escapeXml(scalarText(child))}"`;
    } else if (Array.isArray(child)) {
      for (const item of child) {
        if (item === undefined) continue;
        if (Array.isArray(item))
          throw new TypeError(`buildXml: nested arrays under '${key}' have no XML form`);
        content += buildElement(key, item);
      }
    } else {
      content += buildElement(key, child);
    }
  }
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      if (value instanceof Date) return value.toISOString();
      throw new TypeError(`buildXml: cannot serialise a ${value === null ? 'null' : typeof value} as text`);
  }
}

// Characters XML 1.0 cannot carry at all, escaped or not: C0 controls other than tab/LF/CR,
// lone surrogates, U+FFFE and U+FFFF.
const ILLEGAL_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A raw CR would be normalised to LF by conforming parsers; a reference survives.
  '\r': '&#13;',
};

/** Escapes text for element content or attribute values; illegal characters become U+FFFD. */
/** Whether text holds anything escapeXml changes (most values hold nothing of the kind). */
const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ILLEGAL_XML_CHARS, '\uFFFD').replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);
}

/**
 * Walks a parsed document: getPath(doc, 'Root/Result/Item[1]/Id'). A segment without an index
 * takes the first element of an array; indexes are 0-based. Undefined when anything is missing.
 */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('/')) {
    if (segment === '') continue;
    const indexed = /^(.+)\[(\d+)\]$/.exec(segment);
    const name = indexed ? indexed[1]! : segment;
    const index = indexed ? Number(indexed[2]) : 0;
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, name)) return undefined;
    const next: unknown = (current as Record<string, unknown>)[name];
    if (Array.isArray(next)) current = next[index];
    else current = index === 0 ? next : undefined;
  }
  return current;
}
