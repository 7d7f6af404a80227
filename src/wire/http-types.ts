/**
 * Transport-neutral HTTP shapes shared by clients, servers and checks.
 * Header names are lower-case by convention; `headerValue` tolerates callers that forget.
 */

export interface WireRequest {
  method: string;
  /** Path as sent on the wire (still percent-encoded), e.g. "/". */
  path: string;
  /** Raw query string without the leading '?'; '' when there is none. */
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request's path without its query (a path may still carry one). */
export function requestPath(req: WireRequest): string {
  const q = req.path.indexOf('?');
  return q === -1 ? req.path : req.path.slice(0, q);
}

/** Case-insensitive header lookup; the exact lower-case key wins when both exist. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (Object.hasOwn(headers, lower)) return headers[lower];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key];
  }
  return undefined;
}

/**
 * Decodes a raw query string (or an application/x-www-form-urlencoded body) into ordered pairs.
 * Form semantics: '+' is a space; malformed percent escapes are kept literally rather than throwing.
 */
export function parseQuery(raw: string): Array<[string, string]> {
  // decodeURIComponent where it can tell (every legacy request is read so): it throws on what
  // URLSearchParams would read leniently (a stray '%', bytes that are not UTF-8), and a surrogate
  // URLSearchParams would replace; those strings go to URLSearchParams itself
  if (!SURROGATE.test(raw))
    try {
      const out: Array<[string, string]> = [];
      for (const piece of (raw.charCodeAt(0) === 63 ? raw.slice(1) : raw).split('&')) {
        if (piece === '') continue;
        const eq = piece.indexOf('=');
        out.push(
          eq === -1
            ? [formDecode(piece), '']
            : [formDecode(piece.slice(0, eq)), formDecode(piece.slice(eq + 1))],
        );
      }
      return out;
    } catch {}
  return [...new URLSearchParams(raw)];
}

const SURROGATE = /[\uD800-\uDFFF]/;

function formDecode(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  return spaced.includes('%') ? decodeURIComponent(spaced) : spaced;
}

/**
 * A wire form no codec of this suite speaks, named from the request itself (a SOAP envelope),
 * or undefined when the request looks like one of the suite's forms (then it is judged, not skipped).
 */
export function foreignWireForm(req: WireRequest): string | undefined {
  const ct = (headerValue(req.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const action = headerValue(req.headers, 'soapaction');
  const body = req.body.trimStart();
  const soap =
    action !== undefined ||
    ct === 'application/soap+xml' ||
    /^(<\?xml[^>]*>\s*)?<([\w-]+:)?Envelope\b/.test(body);
  if (!soap) return undefined;
  return `SOAP (Content-Type ${ct || '(none)'}${action !== undefined ? `, SOAPAction ${JSON.stringify(action)}` : ''})`;
}

/** Every header of a Node message by lower-case name, a repeated one joined with ', ' (as fetch's Headers does). */
export function joinedHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const seen = headers[name];
    headers[name] = seen === undefined ? raw[i + 1]! : `${seen}, ${raw[i + 1]!}`;
  }
  return headers;
}
