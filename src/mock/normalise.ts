// LocalStack-style transformers for recorded wire exchanges: values that
// change from run to run (ids, clocks, signatures, hosts, client versions)
// are replaced by stable placeholders, so a fixture compares equal until the
// wire format itself changes. Ids are replaced by reference: the first id
// seen becomes <id:1>, and the same value is the same reference everywhere.
import { escapeRegExp } from '../spec/resolve.ts';
import type { SpecSet } from '../spec/types.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { parseQuery } from '../wire/http-types.ts';
import { LEGACY_API, legacyParam } from '../wire/legacy.ts';

export const TIMESTAMP = '<timestamp>';
export const SIGNATURE = '<signature>';

/** Headers left out of fixtures: they name the client's version or connection handling, not the wire format. */
const DROPPED_HEADERS = new Set([
  'user-agent',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'connection',
  'accept-encoding',
  'accept',
]);

/** Which keys (JSON members, parameters, headers, XML elements) carry ids, clocks and signatures. */
export interface NormaliserRules {
  ids: RegExp;
  clocks: Set<string>;
  signatures: Set<string>;
}

/** SigV4's own clock header (the algorithm's, not MTurk's) and the HTTP date. */
const GENERIC_CLOCKS = ['x-amz-date', 'date'];

/**
 * The rules for a spec set: member names ending in Id and the protocols' request-id header and
 * element are ids; the legacy Timestamp and Signature parameters come from the protocol spec.
 */
export function normaliserRules(set?: SpecSet): NormaliserRules {
  const idNames: string[] = [];
  const clocks = new Set(GENERIC_CLOCKS);
  const signatures = new Set<string>();
  if (set) {
    for (const a of Object.values(set.apis)) {
      const p = a.protocol;
      if (p.success.requestIdHeader) idNames.push(p.success.requestIdHeader.toLowerCase());
      const last = p.success.requestIdPath?.split('/').at(-1);
      if (last) idNames.push(last);
    }
    if (set.apis[LEGACY_API]) {
      clocks.add(legacyParam(set, 'timestamp').toLowerCase());
      signatures.add(legacyParam(set, 'signature').toLowerCase());
    }
  }
  const escaped = idNames.map(escapeRegExp);
  return { ids: new RegExp(`(${['Id', ...escaped].join('|')})$`), clocks, signatures };
}
/** The ` (<epoch-ms>)` / ` (<epoch-ms> s)` suffix of error messages. */
const MESSAGE_CLOCK = / \((\d{10,})( s)?\)/g;

export interface NormalisedRequest {
  method: string;
  path: string;
  query?: [string, string][];
  headers: Record<string, string>;
  body: unknown;
}

export interface NormalisedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface NormalisedExchange {
  request: NormalisedRequest;
  response: NormalisedResponse;
}

export class Normaliser {
  private readonly ids = new Map<string, string>();
  private readonly rules: NormaliserRules;

  constructor(rules: NormaliserRules = normaliserRules()) {
    this.rules = rules;
  }

  /** The reference for an id value: <id:1>, <id:2>, ... in order of first appearance. */
  id(value: string): string {
    let ref = this.ids.get(value);
    if (!ref) {
      ref = `<id:${this.ids.size + 1}>`;
      this.ids.set(value, ref);
    }
    return ref;
  }

  text(s: string): string {
    return s.replace(MESSAGE_CLOCK, (_m, _ms, unit: string | undefined) => ` (${TIMESTAMP}${unit ?? ''})`);
  }

  value(key: string, v: unknown): unknown {
    if (typeof v === 'string') {
      if (this.rules.signatures.has(key.toLowerCase())) return SIGNATURE;
      if (this.rules.clocks.has(key.toLowerCase())) return TIMESTAMP;
      if (this.rules.ids.test(key) && v !== '') return this.id(v);
      return this.text(v);
    }
    if (Array.isArray(v)) return v.map((x) => this.value(key, x));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, this.value(k, x)]),
      );
    return v;
  }

  pairs(raw: string): [string, string][] {
    return parseQuery(raw).map(([k, v]) => [k, this.value(k, v) as string]);
  }

  headers(h: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of Object.keys(h).sort()) {
      const name = k.toLowerCase();
      if (DROPPED_HEADERS.has(name)) continue;
      const v = h[k]!;
      if (name === 'host') out[name] = '<host>';
      else if (name === 'authorization')
        out[name] = v
          .replace(/Signature=[0-9a-fA-F]+/, `Signature=${SIGNATURE}`)
          .replace(/(Credential=[^/]+\/)\d{8}\//, `$1<date>/`);
      else if (name === 'x-amz-content-sha256') out[name] = v;
      else out[name] = this.value(name, v) as string;
    }
    return out;
  }

  body(body: string, contentType: string | undefined): unknown {
    if (body === '') return '';
    const type = (contentType ?? '').toLowerCase();
    if (type.includes('json') || /^\s*[{[]/.test(body)) {
      try {
        return this.value('', JSON.parse(body));
      } catch {
        return this.text(body);
      }
    }
    if (type.includes('x-www-form-urlencoded')) return this.pairs(body);
    if (type.includes('xml') || body.trimStart().startsWith('<'))
      return this.text(body).replace(/<(\w+)>([^<]*)<\/\1>/g, (whole, tag: string, inner: string) => {
        if (this.rules.signatures.has(tag.toLowerCase())) return `<${tag}>${SIGNATURE}</${tag}>`;
        if (this.rules.ids.test(tag) && inner) return `<${tag}>${this.id(inner)}</${tag}>`;
        return whole;
      });
    return this.text(body);
  }

  request(r: WireRequest): NormalisedRequest {
    return {
      method: r.method,
      path: r.path,
      ...(r.query ? { query: this.pairs(r.query) } : {}),
      headers: this.headers(r.headers),
      body: this.body(r.body, r.headers['content-type']),
    };
  }

  response(r: WireResponse): NormalisedResponse {
    const ct = Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    return { status: r.status, headers: this.headers(r.headers), body: this.body(r.body, ct) };
  }

  exchange(x: { request: WireRequest; response: WireResponse }): NormalisedExchange {
    return { request: this.request(x.request), response: this.response(x.response) };
  }
}
