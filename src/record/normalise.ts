// Turning one exchange seen by `record` into a fixture (fixtures/README.md format) that holds no
// secret and no value that changes from run to run: entity ids become references that are the
// same across the whole session (<id:N>), timestamps become <timestamp> tokens (request members
// keep their offset from the moment of the call, so a replay can send a time as far in the past
// or future), request ids <request-id>, and the signing material (Authorization, security
// tokens, the legacy access key and Signature parameters and SOAP elements) placeholders or
// nothing. Which names are ids, clocks, signatures and timestamps is read from the specs.

import type { Fixture } from '../fixtures/load.ts';
import { mapStrings } from '../fixtures/normalise.ts';
import { Normaliser as MockNormaliser, normaliserRules } from '../mock/normalise.ts';
import { inputMembers, outputMembers } from '../spec/resolve.ts';
import type { ResolvedMember, SpecSet } from '../spec/types.ts';
import { APIS } from '../spec/types.ts';
import { headerValue, parseQuery, type WireRequest, type WireResponse } from '../wire/http-types.ts';
import { LEGACY_API } from '../wire/legacy.ts';
import { legacySigning } from '../wire/legacy-signature.ts';
import { soapBinding } from '../wire/soap.ts';
import type { WireForm } from './wire-form.ts';

export const REQUEST_ID = '<request-id>';
/** A timestamp written as a string (ISO 8601: legacy XML, parameters). */
export const TIMESTAMP = '<timestamp>';
/** A timestamp the JSON protocol writes as a number (epoch seconds): the token keeps its type known. */
export const EPOCH_TIMESTAMP = '<timestamp:epoch>';
export const placeholder = (name: string) => `<placeholder:${name}>`;

/** Every token a recorded fixture may hold; group 1 of <id:N> is N, group 3 a request timestamp's offset. */
export const TOKEN =
  /<id:(\d+)>|<timestamp(:epoch)?(?::([+-]\d+))?>|<request-id>|<placeholder:[A-Za-z0-9_.-]+>/g;

/** Tokens inside XML text are escaped, so the document stays well-formed (its parsed text is the token). */
export function escapeTokens(xmlText: string): string {
  return xmlText.replace(TOKEN, (t) => `&lt;${t.slice(1, -1)}&gt;`);
}

/** The tokens of an XML body unescaped (the body is then no XML until they are filled). */
export function unescapeTokens(xml: string): string {
  return xml.replace(
    /&lt;((?:id:\d+|timestamp(?::epoch)?(?::[+-]\d+)?|request-id|placeholder:[A-Za-z0-9_.-]+))&gt;/g,
    '<$1>',
  );
}

/** Headers that sign or authorise a request: never written. */
const SIGNING_HEADERS = new Set([
  'authorization',
  'x-amz-security-token',
  'x-amz-date',
  'x-amz-content-sha256',
]);
/** Headers about the connection, the client's version or the proxy hop: not part of the exchange. */
const HOP_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'date',
  'user-agent',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'accept-encoding',
  'accept',
  'cookie',
  'set-cookie',
  'expect',
]);

type Json = unknown;

function collectTimestampNames(members: ResolvedMember[], out: Set<string>, depth = 0): void {
  if (depth > 32) return;
  for (const m of members) {
    if (m.type === 'timestamp') out.add(m.name);
    if (m.members) collectTimestampNames(m.members, out, depth + 1);
    if (m.item) collectTimestampNames([m.item], out, depth + 1);
  }
}

/** What the specs say about names: which carry ids, request ids, clocks, signing values, timestamps. */
export interface NameRules {
  ids: RegExp;
  /** paging token members (rules' `pagination.token`), referenced like ids */
  tokens: Set<string>;
  requestIds: Set<string>;
  timestamps: Set<string>;
  /** legacy parameter / SOAP element names by role */
  accessKey: Set<string>;
  signature: Set<string>;
  clock: Set<string>;
}

const rulesCache = new WeakMap<SpecSet, NameRules>();

export function nameRules(set: SpecSet): NameRules {
  const hit = rulesCache.get(set);
  if (hit) return hit;
  const base = normaliserRules(set);
  const requestIds = new Set<string>();
  for (const api of APIS) {
    const p = set.apis[api].protocol;
    if (p.success.requestIdHeader) requestIds.add(p.success.requestIdHeader.toLowerCase());
    const last = p.success.requestIdPath?.split('/').at(-1);
    if (last) requestIds.add(last.toLowerCase());
  }
  const timestamps = new Set<string>();
  // paging tokens are opaque values the server hands out and the next call sends back: like ids
  const tokens = new Set<string>();
  for (const api of APIS)
    for (const op of set.apis[api].operations.values()) {
      collectTimestampNames(inputMembers(set, op), timestamps);
      collectTimestampNames(outputMembers(set, op), timestamps);
      for (const r of op.behaviour.rules) if (r.pagination?.token) tokens.add(r.pagination.token);
    }
  const names = legacySigning(set.apis[LEGACY_API].protocol).names;
  const accessKey = new Set([names.accessKey]);
  const signature = new Set([names.signature]);
  const clock = new Set([names.timestamp]);
  const soap = set.apis[LEGACY_API].protocol.soap ? soapBinding(set) : undefined;
  for (const e of soap?.elements ?? []) {
    if (e.role === 'accessKey') accessKey.add(e.name);
    if (e.role === 'signature') signature.add(e.name);
    if (e.role === 'timestamp') clock.add(e.name);
  }
  const rules: NameRules = { ids: base.ids, tokens, requestIds, timestamps, accessKey, signature, clock };
  rulesCache.set(set, rules);
  return rules;
}

/** The last segment of a legacy parameter name (HIT.1.HITTypeId → HITTypeId). */
function leaf(name: string): string {
  return (
    name
      .split('.')
      .filter((s) => !/^\d+$/.test(s))
      .at(-1) ?? name
  );
}

function offsetToken(epochSeconds: number, at: Date, epoch: boolean): string {
  const offset = Math.round(epochSeconds - at.getTime() / 1000);
  return `<timestamp${epoch ? ':epoch' : ''}:${offset >= 0 ? '+' : ''}${offset}>`;
}

/** The normaliser of one recording session: references are shared by all its exchanges. */
export class SessionNormaliser {
  private readonly refs = new Map<string, string>();
  private readonly text = new MockNormaliser();
  readonly rules: NameRules;

  constructor(readonly set: SpecSet) {
    this.rules = nameRules(set);
  }

  /** The reference of an id value: <id:1>, <id:2>… in order of first appearance in the session. */
  ref(value: string): string {
    let r = this.refs.get(value);
    if (!r) {
      r = `<id:${this.refs.size + 1}>`;
      this.refs.set(value, r);
    }
    return r;
  }

  private isId(name: string): boolean {
    if (this.rules.tokens.has(name)) return true;
    return this.rules.ids.test(name) && !this.rules.requestIds.has(name.toLowerCase());
  }

  /** One named scalar (a JSON member, a parameter, an XML element's text). */
  private scalar(name: string, v: string, at: Date | undefined, secrets: Set<string>): string {
    if (v === '') return v;
    if (this.rules.accessKey.has(name) || this.rules.signature.has(name)) {
      secrets.add(v);
      return placeholder(name);
    }
    if (this.rules.clock.has(name)) return TIMESTAMP;
    if (this.rules.requestIds.has(name.toLowerCase())) return REQUEST_ID;
    if (this.isId(name)) return this.ref(v);
    if (this.rules.timestamps.has(name)) {
      const t = Date.parse(v);
      if (at && !Number.isNaN(t)) return offsetToken(t / 1000, at, false);
      return TIMESTAMP;
    }
    return this.text.text(v);
  }

  /** A parsed JSON value; `at` is set for requests (timestamps keep their offset from it). */
  json(v: Json, key: string, at: Date | undefined, secrets: Set<string>, depth = 0): Json {
    if (depth > 64) return v;
    if (typeof v === 'number' && this.rules.timestamps.has(key))
      return at ? offsetToken(v, at, true) : EPOCH_TIMESTAMP;
    if (typeof v === 'string') return this.scalar(key, v, at, secrets);
    if (Array.isArray(v)) return v.map((x) => this.json(x, key, at, secrets, depth + 1));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [
          k,
          this.json(x, k, at, secrets, depth + 1),
        ]),
      );
    return v;
  }

  /** XML text: each leaf element's text by its local name (namespace prefixes and attributes allowed). */
  xml(body: string, at: Date | undefined, secrets: Set<string>): string {
    return body.replace(
      /<((?:[\w.-]+:)?([\w.-]+))(\s[^<>]*)?>([^<]*)<\/\1>/g,
      (whole, qname: string, name: string, attrs: string | undefined, inner: string) => {
        const out = this.scalar(name, inner, at, secrets);
        return out === inner ? whole : `<${qname}${attrs ?? ''}>${escapeTokens(out)}</${qname}>`;
      },
    );
  }

  body(body: string, contentType: string | undefined, at: Date | undefined, secrets: Set<string>): string {
    if (body === '') return body;
    const t = (contentType ?? '').toLowerCase();
    if (t.includes('json') || /^\s*[{[]/.test(body)) {
      try {
        return JSON.stringify(this.json(JSON.parse(body), '', at, secrets));
      } catch {
        return this.text.text(body);
      }
    }
    if (t.includes('xml') || body.trimStart().startsWith('<')) return this.xml(body, at, secrets);
    return this.text.text(body);
  }

  headers(h: Record<string, string>, secrets: Set<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of Object.keys(h).sort()) {
      const name = k.toLowerCase();
      const v = h[k]!;
      if (SIGNING_HEADERS.has(name)) {
        // the access key id and signature may be echoed elsewhere: remember them to scrub
        for (const m of v.matchAll(/(?:Credential=([^/,\s]+)|Signature=([^,\s]+))/g))
          secrets.add(m[1] ?? m[2]!);
        if (name === 'authorization' || name === 'x-amz-security-token') secrets.add(v);
        // a placeholder keeps the fact that the request was signed (replay signs it again)
        if (name === 'authorization') out[name] = placeholder('Authorization');
        if (name === 'x-amz-security-token') out[name] = placeholder('X-Amz-Security-Token');
        continue;
      }
      if (HOP_HEADERS.has(name)) continue;
      out[name] = this.rules.requestIds.has(name) ? REQUEST_ID : v;
    }
    return out;
  }

  /** The normalised legacy parameters, in the order sent. */
  params(pairs: [string, string][], at: Date, secrets: Set<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of pairs) out[k] = this.scalar(leaf(k), v, at, secrets);
    return out;
  }

  /** Every id value the session has a reference for, longest first (for free text). */
  knownIds(): [string, string][] {
    return [...this.refs.entries()].sort((a, b) => b[0].length - a[0].length);
  }
}

export interface RecordedExchange {
  seq: number;
  session: string;
  at: Date;
  /** the target's base URL, as given to record */
  target: string;
  form: WireForm;
  request: WireRequest;
  response: WireResponse;
}

/** The fixture of one recorded exchange (normalised; holds no secret). */
export function exchangeFixture(n: SessionNormaliser, x: RecordedExchange, toolVersion: string): Fixture {
  const secrets = new Set<string>();
  const { request: req, response: res, at } = x;
  const origin = new URL(x.target);
  const base = `${origin.protocol}//${origin.host}`;
  const headers = n.headers(req.headers, secrets);
  let request: Fixture['request'];
  if (x.form.wire === 'rest') {
    const form = (headerValue(req.headers, 'content-type') ?? '').includes('x-www-form-urlencoded');
    const pairs = [...parseQuery(req.query), ...(form ? parseQuery(req.body) : [])];
    const params = n.params(pairs, at, secrets);
    const query =
      req.query === '' ? '' : `?${new URLSearchParams(n.params(parseQuery(req.query), at, secrets))}`;
    request = { method: req.method, url: `${base}${req.path}${query}`, params, headers };
  } else {
    // a query on a JSON or SOAP call is unusual; presigned-style signing parameters never stay
    const pairs = parseQuery(req.query).filter(([k, v]) => {
      if (!/^x-amz-(signature|credential|security-token)$/i.test(k)) return true;
      secrets.add(v);
      return false;
    });
    const query = pairs.length ? `?${new URLSearchParams(n.params(pairs, at, secrets))}` : '';
    request = {
      method: req.method,
      url: `${base}${req.path}${query}`,
      headers,
      body: n.body(req.body, headerValue(req.headers, 'content-type'), at, secrets),
    };
  }
  const resHeaders = n.headers(res.headers, secrets);
  const response: Fixture['response'] = {
    status: res.status,
    headers: resHeaders,
    body: n.body(res.body, headerValue(res.headers, 'content-type'), undefined, secrets),
  };
  const fixture: Fixture = {
    provenance: {
      source: 'RECORDED',
      file: `${base}/`,
      note: `exchange ${x.seq} of recording session ${x.session}: ${x.form.api} ${x.form.operation} over ${x.form.wire}, recorded by mturk-conformance${toolVersion ? ` ${toolVersion}` : ''} record; ids, timestamps and request ids normalised, signing material removed`,
      reRecordable: true,
      why: 'record the same session again through mturk-conformance record',
    },
    request,
    response,
    normalise: [],
    session: { id: x.session, seq: x.seq },
  };
  // Free text (messages, echoed parameters) may still name an id or a secret: by value, everywhere.
  const scrub: [string, string][] = [
    ...[...secrets]
      .filter((s) => s.length >= 4)
      .flatMap((s): [string, string][] => [
        [s, '<redacted>'],
        [encodeURIComponent(s), '<redacted>'],
      ]),
    ...n.knownIds().filter(([id]) => id.length >= 8),
  ];
  return mapStrings(fixture, (v) =>
    scrub.reduce((s, [from, to]) => (s.includes(from) ? s.split(from).join(to) : s), v),
  ) as Fixture;
}
