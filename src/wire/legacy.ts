// The legacy 2014-08-15 wire protocol: REST query (GET) or form (POST) in, XML out, signed with
// the MTurk HMAC-SHA1 scheme or AWS query SignatureVersion 1. Parameter roles, element names,
// placements and statuses come from specs/protocols/2014-08-15.json.
import { timingSafeEqual } from 'node:crypto';
import { loadSpecs } from '../spec/load.ts';
import {
  escapeRegExp,
  fillMessage,
  isPlainObject,
  parameterByRole,
  resolveMembers,
} from '../spec/resolve.ts';
import type { Api, ParameterRole, ProtocolFile, ResolvedMember, SpecSet } from '../spec/types.ts';
import {
  type Codec,
  type Credentials,
  type DecodedAnswer,
  type DecodedCall,
  type DecodeResult,
  decodeFailure,
  type Outcome,
  protocolPointer,
  type ServerCodecOptions,
} from './codec.ts';
import { headerValue, parseQuery, requestPath, type WireRequest, type WireResponse } from './http-types.ts';
import { errorFor, errorMessage, JSON11_API, mediaType, targetHeader } from './json11.ts';
import {
  legacySigning,
  mturkLegacySignature,
  mturkStringToSign,
  querySignatureV1,
} from './legacy-signature.ts';
import { buildXml, getPath, parseXmlSafe } from './xml.ts';

export const LEGACY_API: Api = '2014-08-15';

function protocolOf(set: SpecSet): ProtocolFile {
  return set.apis[LEGACY_API].protocol;
}

/** The name of the common parameter that has `role` (specs/protocols/2014-08-15.json commonParameters.*.role). */
export function legacyParam(set: SpecSet, role: ParameterRole): string {
  return parameterByRole(protocolOf(set), role).name;
}

const pointer = (set: SpecSet, path: string) => protocolPointer(set, LEGACY_API, path);

/** An XML element name we are willing to build from a request's operation name. */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The root element of an answer about `operation` (a generic one when the name is unusable). */
export function legacyRootName(set: SpecSet, operation: string | undefined): string {
  const t = protocolOf(set).success.root ?? '{operation}';
  return fillMessage(t, { operation: operation && SAFE_NAME.test(operation) ? operation : 'Error' });
}

/** The operation's result placement, when its spec declares one (no `{operation}Result` wrapper). */
function placementOf(set: SpecSet, operation: string | undefined) {
  return operation === undefined ? undefined : set.apis[LEGACY_API].operations.get(operation)?.output.result;
}

/** The name of the answer's result element: the protocol's template, or the operation's own placement. */
export function legacyResultName(set: SpecSet, operation: string | undefined): string {
  const own = placementOf(set, operation);
  if (own) return (own.member ?? own.element)!;
  const t = protocolOf(set).success.result ?? '{operation}';
  return fillMessage(t, { operation: operation && SAFE_NAME.test(operation) ? operation : 'Error' });
}

function templateRegex(template: string): RegExp {
  const parts = template
    .split(/(\{[A-Za-z]+\})/g)
    .map((x) => (/^\{[A-Za-z]+\}$/.test(x) ? '[A-Za-z_][A-Za-z0-9_]*' : escapeRegExp(x)));
  return new RegExp(`^${parts.join('')}$`);
}

function isForm(set: SpecSet, req: WireRequest): boolean {
  const form = protocolOf(set).http.formContentType;
  return (
    req.method.toUpperCase() === 'POST' &&
    form !== undefined &&
    mediaType(headerValue(req.headers, 'content-type')) === mediaType(form)
  );
}

/** All parameters of a legacy request, query first then form body; the first occurrence of a name wins. */
export function legacyParams(set: SpecSet, req: WireRequest): Map<string, string> {
  // the server reads a request's parameters twice (which codec claims it, then its decoding):
  // the last request's are kept while its parts are the same strings
  const form = isForm(set, req);
  // no query and no form body (a SOAP or JSON request the legacy codec is asked about): nothing to read
  if (!form && req.query === '' && !req.path.includes('?')) return new Map();
  const last = lastParams.get(req);
  if (
    last &&
    last.query === req.query &&
    last.path === req.path &&
    last.form === form &&
    last.body === req.body
  )
    return new Map(last.params);
  const params = readParams(req, form);
  lastParams.set(req, { query: req.query, path: req.path, form, body: req.body, params });
  return new Map(params);
}

const lastParams = new WeakMap<
  WireRequest,
  { query: string; path: string; form: boolean; body: string; params: Map<string, string> }
>();

function readParams(req: WireRequest, form: boolean): Map<string, string> {
  const out = new Map<string, string>();
  addParams(out, req.query);
  const q = req.path.indexOf('?');
  if (q !== -1) addParams(out, req.path.slice(q + 1));
  if (form) addParams(out, req.body);
  return out;
}

/** The pairs of a query string or form body, each name's first value kept (no closure per request). */
function addParams(out: Map<string, string>, raw: string): void {
  for (const [k, v] of parseQuery(raw)) if (!out.has(k)) out.set(k, v);
}

/** The Operation parameter of a legacy request, or undefined when the request is not one. */
export function legacyOperation(set: SpecSet, req: WireRequest): string | undefined {
  const t = targetHeader(set.apis[JSON11_API].protocol);
  if (t && headerValue(req.headers, t.name) !== undefined) return undefined;
  return legacyParams(set, req).get(legacyParam(set, 'operation'));
}

const fail = (error: string, values: Record<string, unknown>, operation?: string) =>
  decodeFailure(LEGACY_API, error, values, operation);

type Scheme = NonNullable<ProtocolFile['signing']['schemes']>[number];

/** The scheme a request uses: the first whose marker parameters it carries, else the first without a marker. */
function schemeFor(p: ProtocolFile, params: Map<string, string>): Scheme | undefined {
  const schemes = p.signing.schemes ?? [];
  return (
    schemes.find((s) => s.marker && Object.entries(s.marker).every(([k, v]) => params.get(k) === v)) ??
    schemes.find((s) => !s.marker)
  );
}

const SIGNERS: Record<
  string,
  (secret: string, s: Scheme, params: Record<string, string>, set: SpecSet) => string
> = {
  'mturk-hmac-sha1': (secret, s, params, set) =>
    mturkLegacySignature(
      secret,
      mturkStringToSign(
        { ...legacySigning(protocolOf(set)), service: s.service ?? '', stringToSign: s.stringToSign ?? '' },
        params,
      ),
    ),
  'aws-query-v1': (secret, _s, params, set) =>
    querySignatureV1(secret, params, legacyParam(set, 'signature')),
};

const INTEGER = /^[-+]?\d{1,16}$/;

/** A legacy string → typed value per shape; `{error}` when it cannot be read as that type. */
export function parseScalar(raw: string, m: ResolvedMember): { value: unknown } | { error: string } {
  switch (m.type) {
    case 'integer':
    case 'long':
      return INTEGER.test(raw.trim())
        ? { value: Number(raw.trim()) }
        : { error: `'${raw}' is not a whole number` };
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      return t === 'true' || t === 'false'
        ? { value: t === 'true' }
        : { error: `'${raw}' is not true or false` };
    }
    case 'timestamp': {
      const d = new Date(raw.trim());
      return ISO_DATE.test(raw.trim()) && !Number.isNaN(d.getTime())
        ? { value: d }
        : { error: `'${raw}' is not an ISO-8601 date-time` };
    }
    default:
      return { value: raw };
  }
}

type Read = { value?: unknown; error?: { member: string; reason: string } };

/** Reads a member from flattened parameters: Name, Name.1.Field (structures), Name.N (lists),
 * Name.N.Field (a structure in a list: the item's index is its only index). */
function readMember(
  params: Map<string, string>,
  key: string,
  m: ResolvedMember,
  depth = 0,
  inList = false,
): Read {
  if (depth > 6) return {};
  if (m.type === 'structure') {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const mm of m.members ?? []) {
      for (const k of inList ? [`${key}.${mm.name}`] : [`${key}.1.${mm.name}`, `${key}.${mm.name}`]) {
        const r = readMember(params, k, mm, depth + 1);
        if (r.error) return r;
        if (r.value !== undefined) {
          out[mm.name] = r.value;
          any = true;
          break;
        }
      }
    }
    return any ? { value: out } : {};
  }
  if (m.type === 'list') {
    const item = m.item!;
    const out: unknown[] = [];
    for (let i = 1; i <= 1000; i++) {
      const r = readMember(params, `${key}.${i}`, item, depth + 1, true);
      if (r.error) return r;
      if (r.value === undefined) break;
      out.push(r.value);
    }
    if (out.length === 0 && item.type !== 'structure' && params.has(key)) {
      const r = readMember(params, key, item, depth + 1);
      if (r.error) return r;
      if (r.value !== undefined) out.push(r.value);
    }
    return out.length ? { value: out } : {};
  }
  const raw = params.get(key);
  if (raw === undefined) return {};
  const r = parseScalar(raw, m);
  return 'error' in r ? { error: { member: key, reason: r.error } } : { value: r.value };
}

/** The refusal of a parameter with an invalid value (the value named as sent). */
function invalidParam(
  p: ProtocolFile,
  params: Map<string, string>,
  op: string,
  member: string,
  reason: string,
): DecodeResult & { ok: false } {
  return fail(p.validation.invalid, { member, reason, Parameter: member, [member]: params.get(member) }, op);
}

/** A REST request's credentials (a class: its methods are not closures made on every request). */
class RestCredentials implements LegacyCredentials {
  readonly accessKeyId: string | undefined;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  constructor(
    private readonly set: SpecSet,
    private readonly p: ProtocolFile,
    private readonly op: string,
    private readonly params: Map<string, string>,
    readonly names: { key: string; sig: string; ts: string },
    readonly iso: boolean,
    private readonly scheme: Scheme | undefined,
    private readonly signer:
      | ((secret: string, s: Scheme, params: Record<string, string>, set: SpecSet) => string)
      | undefined,
  ) {
    this.accessKeyId = params.get(names.key);
    this.signature = params.get(names.sig);
    this.timestamp = params.get(names.ts);
  }
  invalid(member: string, reason: string): DecodeResult & { ok: false } {
    return invalidParam(this.p, this.params, this.op, member, reason);
  }
  expected(secret: string): string | undefined {
    return this.signer && this.scheme
      ? this.signer(secret, this.scheme, Object.fromEntries(this.params), this.set)
      : undefined;
  }
}

function decodeRequest(set: SpecSet, req: WireRequest, opts: ServerCodecOptions): DecodeResult {
  const p = protocolOf(set);
  const errs = p.protocolErrors;
  const common = p.commonParameters ?? {};
  const params = legacyParams(set, req);
  const opName = legacyParam(set, 'operation');
  const operation = params.get(opName);
  const op = operation === undefined || operation === '' ? undefined : operation;
  if (!p.http.methods.includes(req.method.toUpperCase()))
    return fail(errs.malformedBody!, { reason: `method ${req.method} is not allowed` }, op);
  if (requestPath(req) !== p.http.path)
    return fail(errs.malformedBody!, { reason: `path must be ${p.http.path}` }, op);
  if (op === undefined)
    return fail(p.validation.missing, { member: opName, Parameter: opName, operation: '' }, op);

  // Service and Version: fixed values, listed values, refused values.
  const serviceName = legacyParam(set, 'service');
  const service = params.get(serviceName);
  if (
    service !== undefined &&
    common[serviceName]?.value !== undefined &&
    service !== common[serviceName]!.value
  )
    return invalidParam(p, params, op, serviceName, `must be ${common[serviceName]!.value}`);
  const versionName = legacyParam(set, 'version');
  const version = params.get(versionName);
  if (version !== undefined) {
    const spec = common[versionName]!;
    const refused = spec.refuse?.[version];
    if (refused) return fail(refused, { version, [versionName]: version }, op);
    if (spec.values && !spec.values.includes(version))
      return invalidParam(p, params, op, versionName, `not one of ${spec.values.join(', ')}`);
  }

  const sigName = legacyParam(set, 'signature');
  const tsName = legacyParam(set, 'timestamp');
  const scheme = schemeFor(p, params);
  const signer = scheme ? SIGNERS[scheme.name] : undefined;
  const accessKeyId = legacyAuthentication(
    set,
    op,
    opts,
    new RestCredentials(
      set,
      p,
      op,
      params,
      { key: legacyParam(set, 'accessKey'), sig: sigName, ts: tsName },
      common[tsName]?.format === 'date-time',
      scheme,
      signer,
    ),
  );
  if (typeof accessKeyId !== 'string') return accessKeyId;

  const spec = set.apis[LEGACY_API].operations.get(op);
  if (!spec) return fail(errs.unknownOperation!, { operation: op }, op);

  const input: Record<string, unknown> = {};
  for (const m of resolveMembers(set, LEGACY_API, spec.input.members)) {
    const r = readMember(params, m.name, m);
    if (r.error) return invalidParam(p, params, op, r.error.member, r.error.reason);
    if (r.value !== undefined) input[m.name] = r.value;
  }
  const rgName = legacyParam(set, 'responseGroup');
  const responseGroups: string[] = [];
  for (const [k, v] of params)
    if (k === rgName || (k.startsWith(`${rgName}.`) && /^\d+$/.test(k.slice(rgName.length + 1))))
      responseGroups.push(v);
  const echoed: Record<string, string> = {};
  for (const [k, v] of params) if (Object.hasOwn(spec.input.members, k.split('.')[0]!)) echoed[k] = v;
  const undeclared = undeclaredParams(p, params, spec.input.members);
  const call: DecodedCall = {
    api: LEGACY_API,
    operation: op,
    input,
    accessKeyId,
    responseGroups,
    params: echoed,
    ...(scheme ? { signatureScheme: scheme.name } : {}),
    ...(undeclared.length ? { undeclared } : {}),
  };
  return { ok: true, call };
}

export { fail as legacyFail, protocolOf as legacyProtocol };

/** The credentials a legacy request carries, as its wire form (REST parameters, SOAP elements) reads them. */
export interface LegacyCredentials {
  /** the names of the access key, signature and timestamp, for messages */
  names: { key: string; sig: string; ts: string };
  accessKeyId: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
  /** the timestamp must be an ISO-8601 date-time */
  iso: boolean;
  /** the refusal of a member with an invalid value */
  invalid(member: string, reason: string): DecodeResult & { ok: false };
  /** the signature the request must carry under `secret` (undefined: no scheme signs it) */
  expected(secret: string): string | undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The authentication both legacy wire forms judge, in this order: the access key, the signature,
 * the timestamp, the key's secret, the signature's value. The caller's access key id ('' for an
 * operation whose credentials are optional, Help, called unsigned: it is served as nobody's), or
 * the refusal.
 */
export function legacyAuthentication(
  set: SpecSet,
  op: string,
  opts: ServerCodecOptions,
  c: LegacyCredentials,
): string | (DecodeResult & { ok: false }) {
  const p = protocolOf(set);
  const errs = p.protocolErrors;
  const { key, sig, ts } = c.names;
  const anonymous = set.apis[LEGACY_API].operations.get(op)?.unsigned !== undefined && !c.signature;
  const accessKeyId = anonymous ? '' : c.accessKeyId;
  if (!accessKeyId && !anonymous)
    return fail(errs.missingAuthentication!, { reason: `${key} is missing` }, op);
  if (!opts.acceptAnySignature && !anonymous && !c.signature)
    return fail(errs.missingAuthentication!, { reason: `${sig} is missing`, accessKeyId }, op);
  if (!anonymous && !c.timestamp) return fail(p.validation.missing, { member: ts, Parameter: ts }, op);
  if (c.timestamp && c.iso && !ISO_DATE.test(c.timestamp)) return c.invalid(ts, 'not an ISO-8601 date-time');
  if (!opts.acceptAnySignature && !anonymous && accessKeyId) {
    const secret = opts.lookupSecret(accessKeyId);
    if (secret === undefined) return fail(errs.unknownAccessKey!, { accessKeyId }, op);
    const want = c.expected(secret);
    const x = Buffer.from(want ?? '', 'utf8');
    const y = Buffer.from(c.signature!, 'utf8');
    if (want === undefined || x.length !== y.length || !timingSafeEqual(x, y))
      return fail(errs.signatureMismatch!, { accessKeyId, reason: 'the signature does not match' }, op);
  }
  return accessKeyId!;
}

/** The common parameters and marker parameters of a protocol document, once per document. */
const knownParams = new WeakMap<ProtocolFile, Set<string>>();

/** Parameters that are neither common parameters (or a signing scheme's marker) nor under an input member. */
function undeclaredParams(
  p: ProtocolFile,
  params: Map<string, string>,
  members: Record<string, unknown>,
): string[] {
  let known = knownParams.get(p);
  if (!known) {
    known = new Set([
      ...Object.keys(p.commonParameters ?? {}),
      ...(p.signing.schemes ?? []).flatMap((x) => Object.keys(x.marker ?? {})),
    ]);
    knownParams.set(p, known);
  }
  return [...params.keys()].filter((k) => {
    const top = k.split('.')[0]!;
    return !known.has(top) && !Object.hasOwn(members, top);
  });
}

/** ISO-8601 without milliseconds, as the legacy service wrote dates. */
export function isoSeconds(d: Date): string {
  const iso = d.toISOString();
  // toISOString always ends in .sssZ (every request carries a timestamp: no regular expression)
  return iso.endsWith('Z') && iso.charCodeAt(iso.length - 5) === 46 ? `${iso.slice(0, -5)}Z` : iso;
}

/** Typed value → XML content per shape (lists become repeated elements under the member's name). */
export function toXml(v: unknown, m: ResolvedMember | undefined, depth = 0): unknown {
  if (v === undefined || v === null || depth > 10) return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : isoSeconds(v);
  if (Array.isArray(v)) return v.map((x) => toXml(x, m?.item, depth + 1)).filter((x) => x !== undefined);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    if (m?.members) {
      for (const mm of m.members) {
        const x = toXml(v[mm.name], mm, depth + 1);
        if (x !== undefined) out[mm.name] = x;
      }
    } else
      for (const [k, x] of Object.entries(v))
        if (SAFE_NAME.test(k)) {
          const y = toXml(x, undefined, depth + 1);
          if (y !== undefined) out[k] = y;
        }
    return out;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('/').filter(Boolean);
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function parentPath(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.slice(0, -1).join('/');
}

function outputShape(set: SpecSet, operation: string | undefined): readonly ResolvedMember[] | undefined {
  const spec = operation === undefined ? undefined : set.apis[LEGACY_API].operations.get(operation);
  return spec ? resolveMembers(set, LEGACY_API, spec.output.members) : undefined;
}

/** The Request element's echo of the call's parameters, when the call asked for it (its response group). */
function echoOf(
  s: ProtocolFile['success'],
  call: DecodedCall | undefined,
): readonly [string, Record<string, string>] | undefined {
  if (!call || !s.echo || !call.responseGroups.includes(s.echo.responseGroup)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.params ?? {})) if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k)) out[k] = v;
  return [fillMessage(s.echo.element, { operation: call.operation }), out] as const;
}

/** The answer document (root name and content) of a legacy answer, before serialisation (the SOAP form wraps it). */
export interface LegacyDocument {
  root: string;
  doc: Record<string, unknown>;
  status: number;
  contentType: string;
}

function encodeResponse(
  set: SpecSet,
  operation: string | undefined,
  outcome: Outcome,
  ctx: { requestId: string; now: Date; call?: DecodedCall },
): WireResponse {
  const d = legacyResponseDocument(set, operation, outcome, ctx);
  return { status: d.status, headers: { 'content-type': d.contentType }, body: buildXml(d.root, d.doc) };
}

export function legacyResponseDocument(
  set: SpecSet,
  operation: string | undefined,
  outcome: Outcome,
  ctx: { requestId: string; now: Date; call?: DecodedCall },
): LegacyDocument {
  const p = protocolOf(set);
  const s = p.success;
  const env = p.errorEnvelope;
  const root = legacyRootName(set, operation);
  const result = legacyResultName(set, operation);
  const doc: Record<string, unknown> = {};
  setPath(doc, s.requestIdPath!, ctx.requestId);
  const requestPath = parentPath(s.isValidPath!);

  if (outcome.kind === 'success') {
    const res: Record<string, unknown> = {};
    setPath(res, s.isValidPath!, s.isValid);
    const e = echoOf(s, ctx.call);
    if (e) setPath(res, `${requestPath}/${e[0]}`, e[1]);
    const shape = outputShape(set, operation);
    const bare = placementOf(set, operation)?.member;
    if (bare !== undefined) {
      // no wrapper: the member's own element is the result, Request/IsValid first inside it
      const m = shape?.find((x) => x.name === bare);
      const x = toXml(outcome.output[bare], m);
      Object.assign(res, isPlainObject(x) ? x : {});
    } else if (shape) {
      for (const m of shape) {
        const x = toXml(outcome.output[m.name], m);
        if (x !== undefined) res[m.name] = x;
      }
    } else Object.assign(res, toXml(outcome.output, undefined) as Record<string, unknown>);
    doc[result] = res;
    return { root, doc, status: s.status, contentType: s.contentType };
  }

  const e = errorFor(set, p, outcome.error);
  const f = env.fields!;
  const error: Record<string, unknown> = {
    [f.code]: e.code,
    [f.message]: errorMessage(set, e, outcome.values, env.messageSuffix, ctx.now),
  };
  const data = (e.data ?? [])
    .filter((k) => outcome.values[k] !== undefined && outcome.values[k] !== null)
    .map((k) => ({ [f.key]: k, [f.value]: String(outcome.values[k]) }));
  if (data.length) error[f.data] = data;
  const errors = { [f.item]: [error] };
  const at =
    env.placement?.find((pl) => new RegExp(pl.codePattern, 'u').test(e.code))?.at ?? 'operationRequest';
  if (at === 'result') {
    const res: Record<string, unknown> = {};
    setPath(res, s.isValidPath!, env.isValid);
    const ec = echoOf(s, ctx.call);
    if (ec) setPath(res, `${requestPath}/${ec[0]}`, ec[1]);
    setPath(res, `${requestPath}/${f.list}`, errors);
    doc[result] = res;
  } else setPath(doc, `${parentPath(s.requestIdPath!)}/${f.list}`, errors);
  const status = e.fault ? (env.faultStatus ?? env.status ?? s.status) : (env.status ?? s.status);
  return { root, doc, status, contentType: env.contentType };
}

function encodeQuery(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** Typed value → flattened parameters (Name, Name.1.Field, Name.N, Name.N.Field for a structure in a list). */
function flatten(
  out: Record<string, string>,
  key: string,
  v: unknown,
  m: ResolvedMember | undefined,
  inList = false,
): void {
  if (v === undefined || v === null) return;
  if (v instanceof Date) out[key] = isoSeconds(v);
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) flatten(out, `${key}.${i + 1}`, x, m?.item, true);
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v))
      flatten(
        out,
        inList ? `${key}.${k}` : `${key}.1.${k}`,
        x,
        m?.members?.find((mm) => mm.name === k),
      );
  } else if (typeof v === 'boolean') out[key] = v ? 'true' : 'false';
  else out[key] = String(v);
}

function encodeRequest(
  set: SpecSet,
  operation: string,
  input: Record<string, unknown>,
  creds: Credentials | undefined,
  ctx: { host: string; now: Date; responseGroups?: string[]; method?: 'GET' | 'POST'; scheme?: string },
): WireRequest {
  const p = protocolOf(set);
  const common = p.commonParameters ?? {};
  let params: Record<string, string> = {};
  const service = common[legacyParam(set, 'service')]?.value;
  if (service !== undefined) params[legacyParam(set, 'service')] = service;
  if (creds) params[legacyParam(set, 'accessKey')] = creds.accessKeyId;
  const version = common[legacyParam(set, 'version')]?.values?.[0];
  if (version !== undefined) params[legacyParam(set, 'version')] = version;
  params[legacyParam(set, 'operation')] = operation;
  params[legacyParam(set, 'timestamp')] = isoSeconds(ctx.now);
  const spec = set.apis[LEGACY_API].operations.get(operation);
  const shape = spec ? resolveMembers(set, LEGACY_API, spec.input.members) : [];
  for (const [k, v] of Object.entries(input))
    flatten(
      params,
      k,
      v,
      shape.find((m) => m.name === k),
    );
  (ctx.responseGroups ?? []).forEach((g, i) => {
    params[`${legacyParam(set, 'responseGroup')}.${i + 1}`] = g;
  });
  if (creds) {
    const schemes = p.signing.schemes ?? [];
    const scheme =
      (ctx.scheme ? schemes.find((s) => s.name === ctx.scheme) : schemes.find((s) => !s.marker)) ??
      schemes[0];
    if (!scheme) throw new Error('the legacy protocol names no signature scheme');
    const signer = SIGNERS[scheme.name];
    if (!signer) throw new Error(`no signer for scheme ${scheme.name}`);
    params = { ...params, ...(scheme.marker ?? {}) };
    params[legacyParam(set, 'signature')] = signer(creds.secretAccessKey, scheme, params, set);
  }
  const method = ctx.method ?? (p.http.methods[0] as 'GET' | 'POST');
  const headers: Record<string, string> = { host: ctx.host };
  if (method === 'POST') {
    headers['content-type'] = p.http.formContentType ?? '';
    return { method, path: p.http.path, query: '', headers, body: encodeQuery(params) };
  }
  return { method, path: p.http.path, query: encodeQuery(params), headers, body: '' };
}

/** Every element at `path` (the last segment may repeat), not only the first as getPath gives. */
function getAll(doc: unknown, path: string): unknown {
  const parts = path.split('/').filter(Boolean);
  const last = parts.pop();
  const parent = parts.length ? getPath(doc, parts.join('/')) : doc;
  if (last === undefined || parent === null || typeof parent !== 'object' || Array.isArray(parent))
    return undefined;
  return Object.hasOwn(parent, last) ? (parent as Record<string, unknown>)[last] : undefined;
}

function asArray(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isPlainObject(v) && typeof v['#text'] === 'string') return v['#text'];
  return undefined;
}

/** Parsed XML → typed value per shape. */
export function fromXml(v: unknown, m: ResolvedMember, depth = 0): unknown {
  if (depth > 10) return undefined;
  if (m.type === 'list') return asArray(v).map((x) => fromXml(x, m.item!, depth + 1));
  if (m.type === 'structure') {
    const src = isPlainObject(v) ? v : {};
    const out: Record<string, unknown> = {};
    for (const mm of m.members ?? [])
      if (src[mm.name] !== undefined)
        out[mm.name] =
          mm.type === 'list'
            ? fromXml(src[mm.name], mm, depth + 1)
            : fromXml(asArray(src[mm.name])[0], mm, depth + 1);
    return out;
  }
  const t = text(v) ?? '';
  const r = parseScalar(t, m);
  return 'error' in r ? t : r.value;
}

function decodeResponse(set: SpecSet, operation: string, res: WireResponse): DecodedAnswer {
  const parsed = parseXmlSafe(res.body);
  if (!parsed.ok)
    return {
      kind: 'garbage',
      status: res.status,
      problems: [`${pointer(set, '/success/contentType')}: ${parsed.message}`],
    };
  return decodeLegacyDocument(set, operation, res, parsed);
}

/** Reads a parsed answer document (REST body, or the SOAP body's element with namespaces removed). */
export function decodeLegacyDocument(
  set: SpecSet,
  operation: string,
  res: WireResponse,
  parsed: { root: string; doc: unknown },
  problems: string[] = [],
): DecodedAnswer {
  const p = protocolOf(set);
  const s = p.success;
  const env = p.errorEnvelope;
  const f = env.fields!;
  const known = SAFE_NAME.test(operation);
  if (
    known
      ? parsed.root !== legacyRootName(set, operation)
      : !templateRegex(s.root ?? '{operation}').test(parsed.root)
  )
    problems.push(
      `${pointer(set, '/success/root')}: expected ${known ? legacyRootName(set, operation) : s.root}, got ${parsed.root}`,
    );
  const ct = headerValue(res.headers, 'content-type');
  /** The answer's Content-Type against the envelope it turned out to be (success or error). */
  const checkContentType = (want: string, at: string) => {
    if (mediaType(ct) !== mediaType(want))
      problems.push(`${pointer(set, at)}: expected ${want}, got ${ct ?? '(none)'}`);
  };
  const rootEl = (parsed.doc as Record<string, unknown>)[parsed.root];
  const requestId = text(getPath(rootEl, s.requestIdPath!));
  if (!requestId) problems.push(`${pointer(set, '/success/requestIdPath')}: missing ${s.requestIdPath}`);

  let resultKey: string | undefined = known ? legacyResultName(set, operation) : undefined;
  if (!known && isPlainObject(rootEl)) {
    const re = templateRegex(s.result ?? '{operation}');
    resultKey = Object.keys(rootEl).find((k) => re.test(k));
  }
  const resultEl = isPlainObject(rootEl) && resultKey ? asArray(rootEl[resultKey])[0] : undefined;
  const requestPath = parentPath(s.isValidPath!);
  const errorsAtResult = asArray(getPath(resultEl, `${requestPath}/${f.list}/${f.item}`));
  const errorsAtOp = asArray(getPath(rootEl, `${parentPath(s.requestIdPath!)}/${f.list}/${f.item}`));
  const isValid = text(getPath(resultEl, s.isValidPath!));
  // a document with none of the envelope's parts (no OperationRequest, no result, no errors: an HTML
  // page, an empty root) is not an answer of the protocol: neither a success nor an error, whatever
  // the (inferred, hence lenient) success envelope would forgive
  const operationRequest = getPath(rootEl, parentPath(s.requestIdPath!));
  if (
    operationRequest === undefined &&
    resultEl === undefined &&
    !errorsAtResult.length &&
    !errorsAtOp.length
  )
    return {
      kind: 'garbage',
      status: res.status,
      problems: [
        `${pointer(set, '/success/root')}: not an answer document of the protocol: a <${parsed.root}> element with neither ${parentPath(s.requestIdPath!)}, ${resultKey ?? s.result} nor ${f.list} (Content-Type ${ct ?? '(none)'})`,
        ...problems,
      ],
    };

  if (errorsAtResult.length || errorsAtOp.length || (isValid !== undefined && isValid !== s.isValid)) {
    checkContentType(env.contentType, '/errorEnvelope/contentType');
    const foundAt = errorsAtResult.length ? 'result' : 'operationRequest';
    const first = (errorsAtResult.length ? errorsAtResult : errorsAtOp)[0];
    const code = text(getPath(first, f.code));
    const message = text(getPath(first, f.message));
    if (!first)
      problems.push(
        `${pointer(set, '/errorEnvelope/fields/list')}: ${s.isValidPath} is ${isValid} but there is no ${f.list}/${f.item}`,
      );
    else {
      if (!code) problems.push(`${pointer(set, '/errorEnvelope/fields/code')}: missing ${f.code}`);
      if (message === undefined)
        problems.push(`${pointer(set, '/errorEnvelope/fields/message')}: missing ${f.message}`);
    }
    const data: Record<string, string> = {};
    // getPath picks the first of repeated elements; an error may carry several Data elements
    for (const d of asArray(getAll(first, f.data))) {
      const k = text(getPath(d, f.key));
      if (k !== undefined) data[k] = text(getPath(d, f.value)) ?? '';
    }
    if (code) {
      const i = (env.placement ?? []).findIndex((pl) => new RegExp(pl.codePattern, 'u').test(code));
      const want = env.placement?.[i]?.at;
      if (want && want !== foundAt)
        problems.push(
          `${pointer(set, `/errorEnvelope/placement/${i}`)}: ${code} belongs in ${want}, found in ${foundAt}`,
        );
    }
    if (foundAt === 'result' && isValid !== env.isValid)
      problems.push(
        `${pointer(set, '/errorEnvelope/isValid')}: expected ${env.isValid}, got ${isValid ?? '(none)'}`,
      );
    const fault = Object.values(set.errors.errors).some((e) => e.code === code && e.fault);
    const wantStatus = fault ? (env.faultStatus ?? env.status) : env.status;
    if (wantStatus !== undefined && res.status !== wantStatus)
      problems.push(
        `${pointer(set, fault ? '/errorEnvelope/faultStatus' : '/errorEnvelope/status')}: expected ${wantStatus}, got ${res.status}`,
      );
    return {
      kind: 'error',
      status: res.status,
      ...(code ? { code } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(Object.keys(data).length ? { data } : {}),
      ...(requestId ? { requestId } : {}),
      problems,
    };
  }

  checkContentType(s.contentType, '/success/contentType');
  if (resultEl === undefined)
    problems.push(`${pointer(set, '/success/result')}: missing ${resultKey ?? s.result}`);
  else if (isValid !== s.isValid)
    problems.push(
      `${pointer(set, '/success/isValidPath')}: expected ${s.isValid}, got ${isValid ?? '(none)'}`,
    );
  if (res.status !== s.status)
    problems.push(`${pointer(set, '/success/status')}: expected ${s.status}, got ${res.status}`);
  const output: Record<string, unknown> = {};
  const shape = outputShape(set, operation);
  const bare = known ? placementOf(set, operation)?.member : undefined;
  const bareMember = bare === undefined ? undefined : shape?.find((m) => m.name === bare);
  if (bareMember && isPlainObject(resultEl)) {
    // the element is there anyway (it holds Request/IsValid): only members of its own make an output
    const v = fromXml(resultEl, bareMember);
    if (isPlainObject(v) && Object.keys(v).length) output[bareMember.name] = v;
  } else if (shape && isPlainObject(resultEl))
    for (const m of shape)
      if (resultEl[m.name] !== undefined)
        output[m.name] =
          m.type === 'list' ? fromXml(resultEl[m.name], m) : fromXml(asArray(resultEl[m.name])[0], m);
  // elements of the result beyond the output members and the request element (attributes start with @)
  // (for a bare result, the member's own structure declares what its element may hold)
  const envelope = requestPath.split('/')[0];
  const declared = bareMember ? (bareMember.members ?? []) : shape;
  const undeclared =
    declared && isPlainObject(resultEl)
      ? Object.keys(resultEl).filter(
          (k) => k !== envelope && !k.startsWith('@') && k !== '#text' && !declared.some((m) => m.name === k),
        )
      : [];
  return {
    kind: 'success',
    status: res.status,
    output,
    ...(requestId ? { requestId } : {}),
    problems,
    ...(undeclared.length ? { undeclared } : {}),
  };
}

/** The 2014-08-15 codec. `claims` reads parameter names from `specs` (default: the bundled specs). */
export function createLegacyCodec(specs?: SpecSet): Codec {
  return {
    api: LEGACY_API,
    wire: 'rest',
    claims: (req) => legacyOperation(specs ?? loadSpecs(), req) !== undefined,
    decodeRequest,
    encodeResponse,
    encodeRequest,
    decodeResponse,
  };
}

export const legacyCodec: Codec = createLegacyCodec();
