import { loadSpecs } from '../spec/load.ts';
import { escapeRegExp, fillMessage, resolveMembers } from '../spec/resolve.ts';
import type { ProtocolFile, ResolvedMember, SoapBinding, SpecSet } from '../spec/types.ts';
import {
  type Codec,
  type Credentials,
  type DecodedAnswer,
  type DecodedCall,
  type DecodeResult,
  type Outcome,
  protocolPointer,
  type ServerCodecOptions,
} from './codec.ts';
import { headerValue, requestPath, type WireRequest, type WireResponse } from './http-types.ts';
import { errorFor, errorMessage, JSON11_API, mediaType, targetHeader } from './json11.ts';
import {
  decodeLegacyDocument,
  isoSeconds,
  LEGACY_API,
  type LegacyCredentials,
  legacyAuthentication,
  legacyFail,
  legacyProtocol,
  legacyResponseDocument,
  legacyResultName,
  legacyRootName,
  parseScalar,
  toXml,
} from './legacy.ts';
import { legacySigning, mturkLegacySignature, mturkStringToSign } from './legacy-signature.ts';
import { buildXml, parseXmlSafe, XML_ATTRIBUTE_PREFIX, XML_TEXT_KEY } from './xml.ts';

export const SOAP_WIRE = 'soap';

const protocolOf = legacyProtocol;

/** The SOAP binding of the legacy protocol; throws when the specs have none. */
export function soapBinding(set: SpecSet): SoapBinding {
  const b = protocolOf(set).soap;
  if (!b) throw new Error(`specs/protocols/${LEGACY_API}.json has no soap binding`);
  return b;
}

const pointer = (set: SpecSet, path: string) => protocolPointer(set, LEGACY_API, `/soap${path}`);

/** The SOAPAction header value a request carries per the binding (quoted when the spec says so). */
export function soapActionValue(b: SoapBinding): string {
  return b.soapAction.quoted ? `"${b.soapAction.value}"` : b.soapAction.value;
}

// ---------------------------------------------------------------------------
// namespace-aware elements over the hardened parser's plain objects

export interface SoapElement {
  /** local name */
  name: string;
  /** namespace URI, undefined when the element is in no namespace */
  ns: string | undefined;
  children: SoapElement[];
  text: string;
}

const NS_ATTR = `${XML_ATTRIBUTE_PREFIX}xmlns`;

function splitName(q: string): [string | undefined, string] {
  const i = q.indexOf(':');
  return i < 0 ? [undefined, q] : [q.slice(0, i), q.slice(i + 1)];
}

/** The elements `qname` stands for in a parsed document (one per array item), namespaces resolved. */
function elementsOf(qname: string, value: unknown, scope: Map<string, string>, depth = 0): SoapElement[] {
  if (depth > 64) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => {
    // the scope is copied only where an element declares namespaces
    let local = scope;
    const obj = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    if (obj)
      for (const [k, x] of Object.entries(obj)) {
        if (k !== NS_ATTR && !k.startsWith(`${NS_ATTR}:`)) continue;
        if (local === scope) local = new Map(scope);
        local.set(k === NS_ATTR ? '' : k.slice(NS_ATTR.length + 1), String(x));
      }
    const [prefix, name] = splitName(qname);
    const ns = local.get(prefix ?? '') || undefined;
    const children: SoapElement[] = [];
    let text = typeof v === 'string' ? v : '';
    if (obj)
      for (const [k, x] of Object.entries(obj)) {
        if (k === XML_TEXT_KEY) text = String(x);
        else if (!k.startsWith(XML_ATTRIBUTE_PREFIX)) children.push(...elementsOf(k, x, local, depth + 1));
      }
    return { name, ns, children, text };
  });
}

/** The element tree with namespaces dropped: local names as keys, repeated elements as arrays. */
function plain(el: SoapElement): unknown {
  if (el.children.length === 0) return el.text;
  const out: Record<string, unknown> = {};
  for (const c of el.children) {
    const v = plain(c);
    const prev = out[c.name];
    if (prev === undefined) out[c.name] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[c.name] = [prev, v];
  }
  return out;
}

type ParsedEnvelope =
  | { ok: true; envelope: SoapElement; body: SoapElement; content: SoapElement | undefined }
  | { ok: false; fault: 'client' | 'versionMismatch'; reason: string };

/** Reads an Envelope with the hardened parser: Envelope in the SOAP namespace, one Body, its element. */
export function parseEnvelope(set: SpecSet, text: string, maxBytes?: number): ParsedEnvelope {
  const b = soapBinding(set);
  const parsed = parseXmlSafe(text, maxBytes === undefined ? {} : { maxBytes });
  if (!parsed.ok) return { ok: false, fault: 'client', reason: parsed.message };
  const [envelope] = elementsOf(parsed.root, (parsed.doc as Record<string, unknown>)[parsed.root], new Map());
  if (!envelope || envelope.name !== b.envelope.envelope)
    return {
      ok: false,
      fault: 'client',
      reason: `the document element is ${parsed.root}, not a SOAP Envelope`,
    };
  if (envelope.ns !== b.envelope.namespace)
    return {
      ok: false,
      fault: 'versionMismatch',
      reason: `the Envelope is in namespace ${envelope.ns ?? '(none)'}, not ${b.envelope.namespace}`,
    };
  const bodies = envelope.children.filter((c) => c.name === b.envelope.body && c.ns === b.envelope.namespace);
  if (bodies.length !== 1)
    return { ok: false, fault: 'client', reason: `the Envelope holds ${bodies.length} Body elements` };
  const body = bodies[0]!;
  return { ok: true, envelope, body, content: body.children[0] };
}

// ---------------------------------------------------------------------------
// server side

/** Does this request look like a SOAP call: a SOAPAction header, or text/xml holding an Envelope? */
export function isSoapRequest(set: SpecSet, req: WireRequest): boolean {
  const b = protocolOf(set).soap;
  if (!b) return false;
  const t = targetHeader(set.apis[JSON11_API].protocol);
  if (t && headerValue(req.headers, t.name) !== undefined) return false;
  if (headerValue(req.headers, b.soapAction.header) !== undefined) return true;
  return (
    mediaType(headerValue(req.headers, 'content-type')) === mediaType(b.http.contentType) &&
    ENVELOPE_START.test(req.body.slice(0, 2048))
  );
}

/** An Envelope start tag near the top of a body (after an XML declaration and comments). */
const ENVELOPE_START = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*:)?Envelope[\s>/]/;

/** What a client's SOAP request gets wrong about the binding's HTTP side (SOAPAction, Content-Type); [] for other requests. */
export function soapWireProblems(set: SpecSet, req: WireRequest): string[] {
  if (!isSoapRequest(set, req)) return [];
  const b = soapBinding(set);
  const out: string[] = [];
  const action = headerValue(req.headers, b.soapAction.header);
  if (action === undefined)
    out.push(`${pointer(set, '/soapAction')}: header ${b.soapAction.header} is missing`);
  else if (action.trim() !== soapActionValue(b))
    out.push(
      `${pointer(set, '/soapAction')}: header ${b.soapAction.header} is ${JSON.stringify(action)}, expected ${JSON.stringify(soapActionValue(b))}`,
    );
  const ct = headerValue(req.headers, 'content-type');
  if (mediaType(ct) !== mediaType(b.http.contentType))
    out.push(
      `${pointer(set, '/http/contentType')}: Content-Type is ${ct ?? '(none)'}, expected ${b.http.contentType}`,
    );
  return out;
}

/** The operation a SOAP request names (its body element), without checking anything else. */
export function soapOperation(set: SpecSet, req: WireRequest): string | undefined {
  if (!isSoapRequest(set, req)) return undefined;
  const env = parseEnvelope(set, req.body);
  return env.ok ? operationOfElement(soapBinding(set), env.content) : undefined;
}

// The operation element's pattern per template (read on every request; bounded: templates come
// from the specs).
const operationPatterns = new Map<string, RegExp>();

function operationOfElement(b: SoapBinding, el: SoapElement | undefined): string | undefined {
  if (!el) return undefined;
  const template = b.operationElement.name;
  let re = operationPatterns.get(template);
  if (!re) {
    re = new RegExp(`^${template.split('{operation}').map(escapeRegExp).join('([A-Za-z_][A-Za-z0-9_]*)')}$`);
    if (operationPatterns.size >= 64) operationPatterns.clear();
    operationPatterns.set(template, re);
  }
  return re.exec(el.name)?.[1];
}

const fail = legacyFail;

/** Value key under which a refused envelope carries the fault it is answered with. */
const FAULT_KEY = 'soapFault';

type ReadItem = { value?: unknown; error?: { member: string; reason: string } };

/** Reads a member from a Request item's children (structures nested, lists as repeated elements). */
function readElement(els: SoapElement[], m: ResolvedMember, path: string, depth = 0): ReadItem {
  if (depth > 8 || els.length === 0) return {};
  if (m.type === 'list') {
    const out: unknown[] = [];
    for (const el of els) {
      const r = readElement([el], m.item!, path, depth + 1);
      if (r.error) return r;
      if (r.value !== undefined) out.push(r.value);
    }
    return out.length ? { value: out } : {};
  }
  const el = els[0]!;
  if (m.type === 'structure') {
    const out: Record<string, unknown> = {};
    for (const mm of m.members ?? []) {
      const r = readElement(
        el.children.filter((c) => c.name === mm.name),
        mm,
        `${path}.${mm.name}`,
        depth + 1,
      );
      if (r.error) return r;
      if (r.value !== undefined) out[mm.name] = r.value;
    }
    return { value: out };
  }
  const r = parseScalar(el.text, m);
  return 'error' in r ? { error: { member: path, reason: r.error } } : { value: r.value };
}

/** A malformed SOAP request: the protocol's malformed-body error with the fault it is answered with. */
function malformedBody(
  errs: ProtocolFile['protocolErrors'],
  reason: string,
  fault: 'client' | 'versionMismatch' = 'client',
): DecodeResult {
  return fail(errs.malformedBody!, { reason, [FAULT_KEY]: fault });
}

/** An element in the binding's namespace (any element, when the binding is unqualified). */
function inNs(b: SoapBinding, c: SoapElement): boolean {
  return !b.namespace.qualified || c.ns === b.namespace.uri;
}

/** The first child element of that name in the binding's namespace. */
function childIn(b: SoapBinding, el: SoapElement, name: string): SoapElement | undefined {
  return el.children.find((c) => c.name === name && inNs(b, c));
}

/** The element name the binding gives a role (the access key, signature, timestamp). */
function byRole(b: SoapBinding, role: string): string {
  return b.elements.find((e) => e.role === role)?.name ?? role;
}

/** The refusal of an element with an invalid value. */
function invalidElement(
  p: ProtocolFile,
  op: string,
  member: string,
  reason: string,
): DecodeResult & { ok: false } {
  return fail(p.validation.invalid, { member, reason, Parameter: member }, op);
}

/** A SOAP call's credentials (a class: its methods are not closures made on every request). */
class SoapCredentials implements LegacyCredentials {
  readonly iso = true;
  constructor(
    private readonly set: SpecSet,
    private readonly p: ProtocolFile,
    private readonly op: string,
    readonly names: { key: string; sig: string; ts: string },
    readonly accessKeyId: string | undefined,
    readonly signature: string | undefined,
    readonly timestamp: string | undefined,
    private readonly signed: boolean,
  ) {}
  invalid(member: string, reason: string): DecodeResult & { ok: false } {
    return invalidElement(this.p, this.op, member, reason);
  }
  expected(secret: string): string | undefined {
    return this.signed && this.timestamp ? signSoap(this.set, secret, this.op, this.timestamp) : undefined;
  }
}

function decodeRequest(set: SpecSet, req: WireRequest, opts: ServerCodecOptions): DecodeResult {
  const p = protocolOf(set);
  const b = soapBinding(set);
  const errs = p.protocolErrors;
  if (req.method.toUpperCase() !== b.http.method)
    return malformedBody(errs, `method ${req.method} is not ${b.http.method}`);
  if (requestPath(req) !== b.http.path) return malformedBody(errs, `path must be ${b.http.path}`);
  const env = parseEnvelope(set, req.body);
  if (!env.ok) return malformedBody(errs, env.reason, env.fault);
  const el = env.content;
  if (!el) return malformedBody(errs, 'the Body is empty');
  const op = operationOfElement(b, el);
  if (op === undefined) return malformedBody(errs, `the Body element ${el.name} names no operation`);
  if (b.namespace.qualified && el.ns !== b.namespace.uri)
    return malformedBody(
      errs,
      `the ${el.name} element is in namespace ${el.ns ?? '(none)'}, not ${b.namespace.uri}`,
    );

  const tsName = byRole(b, 'timestamp');
  const timestamp = childIn(b, el, tsName)?.text.trim();
  const schemes = (p.signing.schemes ?? []).filter((s) => b.signing.schemes.includes(s.name));
  const scheme = schemes[0];
  const keyName = byRole(b, 'accessKey');
  const sigName = byRole(b, 'signature');
  const accessKeyId = legacyAuthentication(
    set,
    op,
    opts,
    new SoapCredentials(
      set,
      p,
      op,
      { key: keyName, sig: sigName, ts: tsName },
      childIn(b, el, keyName)?.text.trim(),
      childIn(b, el, sigName)?.text.trim(),
      timestamp,
      scheme !== undefined,
    ),
  );
  if (typeof accessKeyId !== 'string') return accessKeyId;

  const spec = set.apis[LEGACY_API].operations.get(op);
  if (!spec) return fail(errs.unknownOperation!, { operation: op }, op);

  const items = el.children.filter((c) => c.name === b.request.element && inNs(b, c));
  if (items.length > b.batch.maxItems)
    return invalidElement(p, op, b.request.element, `${items.length} items, more than ${b.batch.maxItems}`);
  const shape = resolveMembers(set, LEGACY_API, spec.input.members);
  const calls: DecodedCall[] = [];
  for (const item of items.length ? items : [undefined]) {
    const kids = (item?.children ?? []).filter((c) => inNs(b, c));
    const input: Record<string, unknown> = {};
    const params: Record<string, string> = {};
    for (const m of shape) {
      const mine = kids.filter((c) => c.name === m.name);
      const r = readElement(mine, m, m.name);
      if (r.error) return invalidElement(p, op, r.error.member, r.error.reason);
      if (r.value !== undefined) input[m.name] = r.value;
      if (mine.length === 1 && mine[0]!.children.length === 0) params[m.name] = mine[0]!.text;
    }
    const responseGroups = kids.filter((c) => c.name === b.request.responseGroup).map((c) => c.text.trim());
    calls.push({
      api: LEGACY_API,
      operation: op,
      input,
      accessKeyId,
      responseGroups,
      params,
      ...(scheme ? { signatureScheme: scheme.name } : {}),
    });
  }
  return { ok: true, call: calls[0]!, calls };
}

/** The MTurk scheme over a SOAP call: service + operation element name + Timestamp as sent. */
export function signSoap(set: SpecSet, secret: string, operation: string, timestamp: string): string {
  const p = protocolOf(set);
  const signing = legacySigning(p);
  const scheme = (p.signing.schemes ?? []).find((s) => soapBinding(set).signing.schemes.includes(s.name));
  if (scheme?.name !== 'mturk-hmac-sha1')
    throw new Error(`no signer for the SOAP scheme ${scheme?.name ?? '(none)'}`);
  const params = { [signing.names.operation]: operation, [signing.names.timestamp]: timestamp };
  return mturkLegacySignature(
    secret,
    mturkStringToSign(
      { ...signing, service: scheme.service ?? '', stringToSign: scheme.stringToSign ?? '' },
      params,
    ),
  );
}

// ---------------------------------------------------------------------------
// answers

function qualify(b: SoapBinding, name: string): string {
  return `${b.envelope.prefix}:${name}`;
}

function envelopeOf(b: SoapBinding, content: Record<string, unknown>): string {
  return buildXml(qualify(b, b.envelope.envelope), {
    [`${XML_ATTRIBUTE_PREFIX}xmlns:${b.envelope.prefix}`]: b.envelope.namespace,
    [qualify(b, b.envelope.body)]: content,
  });
}

/** A SOAP Fault answer; `detail` holds the MTurk Errors element when the fault carries an error. */
function faultResponse(
  set: SpecSet,
  code: 'client' | 'server' | 'versionMismatch',
  text: string,
  error?: { code: string; message: string },
): WireResponse {
  const b = soapBinding(set);
  const f = b.fault;
  const fields = protocolOf(set).errorEnvelope.fields!;
  const fault: Record<string, unknown> = {
    [f.codeElement]: qualify(b, f.codes[code]),
    [f.stringElement]: text,
  };
  if (error)
    fault[f.detailElement] = {
      [fields.list]: {
        [`${XML_ATTRIBUTE_PREFIX}xmlns`]: b.namespace.uri,
        [fields.item]: { [fields.code]: error.code, [fields.message]: error.message },
      },
    };
  return {
    status: f.status,
    headers: { 'content-type': b.http.contentType },
    body: envelopeOf(b, { [qualify(b, f.element)]: fault }),
  };
}

function encodeResponse(
  set: SpecSet,
  operation: string | undefined,
  outcome: Outcome,
  ctx: { requestId: string; now: Date; call?: DecodedCall },
): WireResponse {
  const b = soapBinding(set);
  if (outcome.kind === 'error') {
    const e = errorFor(set, protocolOf(set), outcome.error);
    const message = errorMessage(
      set,
      e,
      outcome.values,
      protocolOf(set).errorEnvelope.messageSuffix,
      ctx.now,
    );
    const fault = outcome.values[FAULT_KEY];
    // what cannot be read as a call of an operation, and service faults, are SOAP faults
    if (fault === 'client' || fault === 'versionMismatch' || operation === undefined)
      return faultResponse(set, fault === 'versionMismatch' ? 'versionMismatch' : 'client', message, {
        code: e.code,
        message,
      });
    if (e.fault) return faultResponse(set, 'server', message, { code: e.code, message });
  }
  const d = legacyResponseDocument(set, operation, outcome, ctx);
  return wrapDocument(b, d.root, d.doc, d.status);
}

function wrapDocument(
  b: SoapBinding,
  root: string,
  doc: Record<string, unknown>,
  status: number,
): WireResponse {
  const content = { [`${XML_ATTRIBUTE_PREFIX}xmlns`]: b.namespace.uri, ...doc };
  return {
    status,
    headers: { 'content-type': b.http.contentType },
    body: envelopeOf(b, { [root]: content }),
  };
}

/** One answer for a batch: OperationRequest once, then one Result per item, in order. */
function encodeBatch(
  set: SpecSet,
  operation: string,
  items: { call: DecodedCall; outcome: Outcome }[],
  ctx: { requestId: string; now: Date },
): WireResponse {
  const b = soapBinding(set);
  const p = protocolOf(set);
  const result = legacyResultName(set, operation);
  const fields = p.errorEnvelope.fields!;
  const opKey = (p.success.requestIdPath ?? '').split('/').filter(Boolean)[0] ?? '';
  let status = p.success.status;
  let opRequest: Record<string, unknown> | undefined;
  const opErrors: unknown[] = [];
  const results: unknown[] = [];
  for (const { call, outcome } of items) {
    // a service fault ends the whole call
    if (outcome.kind === 'error' && errorFor(set, p, outcome.error).fault)
      return encodeResponse(set, operation, outcome, { ...ctx, call });
    const d = legacyResponseDocument(set, operation, outcome, { ...ctx, call });
    if (outcome.kind === 'error' && status === p.success.status) status = d.status;
    if (d.doc[result] !== undefined) results.push(d.doc[result]);
    const { [fields.list]: errors, ...rest } = (d.doc[opKey] ?? {}) as Record<string, unknown>;
    opRequest ??= rest;
    if (errors) opErrors.push(...[(errors as Record<string, unknown>)[fields.item]].flat());
  }
  const doc: Record<string, unknown> = {
    [opKey]: opErrors.length ? { ...opRequest, [fields.list]: { [fields.item]: opErrors } } : opRequest,
  };
  if (results.length) doc[result] = results;
  return wrapDocument(b, legacyRootName(set, operation), doc, status);
}

// ---------------------------------------------------------------------------
// client side

/** Typed members → child elements of a Request item, in the spec's member order. */
function requestItem(
  set: SpecSet,
  operation: string,
  input: Record<string, unknown>,
  responseGroups: string[] | undefined,
): Record<string, unknown> {
  const b = soapBinding(set);
  const spec = set.apis[LEGACY_API].operations.get(operation);
  const shape = spec ? resolveMembers(set, LEGACY_API, spec.input.members) : [];
  const item: Record<string, unknown> = {};
  for (const m of shape) {
    const x = toXml(input[m.name], m);
    if (x !== undefined) item[m.name] = x;
  }
  // members the spec does not name still go on the wire (a check may send what no spec allows)
  for (const [k, v] of Object.entries(input))
    if (!(k in item) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      const x = toXml(v, undefined);
      if (x !== undefined) item[k] = x;
    }
  if (responseGroups?.length) item[b.request.responseGroup] = responseGroups;
  return item;
}

export interface SoapRequestOptions {
  host: string;
  now: Date;
  responseGroups?: string[];
}

/** A SOAP request with one Request item per input (a batch when there are several). */
export function encodeSoapBatch(
  set: SpecSet,
  operation: string,
  inputs: Record<string, unknown>[],
  creds: Credentials | undefined,
  ctx: SoapRequestOptions,
): WireRequest {
  const b = soapBinding(set);
  const timestamp = isoSeconds(ctx.now);
  const opEl: Record<string, unknown> = { [`${XML_ATTRIBUTE_PREFIX}xmlns`]: b.namespace.uri };
  if (creds) opEl[byRole(b, 'accessKey')] = creds.accessKeyId;
  opEl[byRole(b, 'timestamp')] = timestamp;
  if (creds) opEl[byRole(b, 'signature')] = signSoap(set, creds.secretAccessKey, operation, timestamp);
  opEl[b.request.element] = inputs.map((i) => requestItem(set, operation, i, ctx.responseGroups));
  const name = fillMessage(b.operationElement.name, { operation });
  return {
    method: b.http.method,
    path: b.http.path,
    query: '',
    headers: {
      host: ctx.host,
      'content-type': `${b.http.contentType}; charset=utf-8`,
      [b.soapAction.header.toLowerCase()]: soapActionValue(b),
    },
    body: envelopeOf(b, { [name]: opEl }),
  };
}

function encodeRequest(
  set: SpecSet,
  operation: string,
  input: Record<string, unknown>,
  creds: Credentials | undefined,
  ctx: { host: string; now: Date; responseGroups?: string[] },
): WireRequest {
  return encodeSoapBatch(set, operation, [input], creds, ctx);
}

/** What a SOAP answer's body holds: a Fault, or the answer document (namespace checked). */
type ReadBody =
  | { kind: 'garbage'; problems: string[] }
  | { kind: 'fault'; code: string; text: string; error?: { code?: string; message?: string } }
  | { kind: 'document'; root: string; doc: unknown; problems: string[] };

function readAnswer(set: SpecSet, res: WireResponse): ReadBody {
  const b = soapBinding(set);
  const env = parseEnvelope(set, res.body);
  if (!env.ok) return { kind: 'garbage', problems: [`${pointer(set, '/envelope')}: ${env.reason}`] };
  const el = env.content;
  if (!el) return { kind: 'garbage', problems: [`${pointer(set, '/envelope')}: the Body is empty`] };
  if (el.name === b.fault.element && el.ns === b.envelope.namespace) {
    const f = b.fault;
    const fields = protocolOf(set).errorEnvelope.fields!;
    const get = (name: string) => el.children.find((c) => c.name === name);
    const detailErr = get(f.detailElement)
      ?.children.find((c) => c.name === fields.list)
      ?.children.find((c) => c.name === fields.item);
    const field = (n: string) => detailErr?.children.find((c) => c.name === n)?.text;
    const code = field(fields.code);
    const message = field(fields.message);
    return {
      kind: 'fault',
      code: splitName(get(f.codeElement)?.text.trim() ?? '')[1],
      text: get(f.stringElement)?.text ?? '',
      ...(detailErr
        ? { error: { ...(code ? { code } : {}), ...(message !== undefined ? { message } : {}) } }
        : {}),
    };
  }
  // the namespace is judged on its own (soapNamespaceProblems), so that every other check reads on
  const problems: string[] = [];
  return { kind: 'document', root: el.name, doc: { [el.name]: plain(el) }, problems };
}

function decodeResponse(set: SpecSet, operation: string, res: WireResponse): DecodedAnswer {
  const b = soapBinding(set);
  const r = readAnswer(set, res);
  if (r.kind === 'garbage') return { kind: 'garbage', status: res.status, problems: r.problems };
  const ct = headerValue(res.headers, 'content-type');
  const ctProblem =
    mediaType(ct) === mediaType(b.http.contentType)
      ? []
      : [`${pointer(set, '/http/contentType')}: expected ${b.http.contentType}, got ${ct ?? '(none)'}`];
  if (r.kind === 'fault') {
    const problems = [...ctProblem];
    if (res.status !== b.fault.status)
      problems.push(
        `${pointer(set, '/fault/status')}: a Fault comes with HTTP ${b.fault.status}, got ${res.status}`,
      );
    const code = r.error?.code;
    // only service faults are answered as a fault: any other error belongs in the answer document
    const isFault =
      code !== undefined && Object.values(set.errors.errors).some((e) => e.code === code && e.fault);
    if (code !== undefined && !isFault)
      problems.push(
        `${pointer(set, '/response')}: ${code} is not a service fault; it belongs in the ${legacyRootName(set, operation)} document, not in a SOAP Fault`,
      );
    return {
      kind: 'error',
      status: res.status,
      code: code ?? `${b.envelope.prefix}:${r.code}`,
      message: r.error?.message ?? r.text,
      problems,
    };
  }
  const a = decodeLegacyDocument(set, operation, res, r, [...r.problems]);
  // the binding's Content-Type rule replaces the REST form's
  a.problems = a.problems.filter((x) => !/#\/(success|errorEnvelope)\/contentType:/.test(x));
  a.problems.push(...ctProblem);
  return a;
}

/** Every Result of a (batched) answer, decoded one by one, in order. */
export function decodeSoapBatch(set: SpecSet, operation: string, res: WireResponse): DecodedAnswer[] {
  const r = readAnswer(set, res);
  if (r.kind !== 'document') return [decodeResponse(set, operation, res)];
  const result = legacyResultName(set, operation);
  const root = (r.doc as Record<string, unknown>)[r.root];
  const rootObj = root && typeof root === 'object' ? (root as Record<string, unknown>) : {};
  const items = rootObj[result] === undefined ? [] : [rootObj[result]].flat();
  return items.map((item) =>
    decodeLegacyDocument(
      set,
      operation,
      res,
      { root: r.root, doc: { [r.root]: { ...rootObj, [result]: item } } },
      [...r.problems],
    ),
  );
}

/** Answer elements outside the binding's namespace (elementFormDefault=qualified): one line per problem. */
export function soapNamespaceProblems(set: SpecSet, res: WireResponse): string[] {
  const b = soapBinding(set);
  const env = parseEnvelope(set, res.body);
  // an unreadable answer has no namespace to be right about: it fails this rule as well
  if (!env.ok) return [`${pointer(set, '/envelope')}: not a SOAP envelope: ${env.reason}`];
  if (!env.content) return [`${pointer(set, '/envelope')}: the Body is empty`];
  if (!b.namespace.qualified) return [];
  if (env.content.name === b.fault.element && env.content.ns === b.envelope.namespace) return [];
  const stray: string[] = [];
  const walk = (e: SoapElement, depth = 0) => {
    if (depth > 64) return;
    if (e.ns !== b.namespace.uri) stray.push(`${e.name} (${e.ns ?? 'no namespace'})`);
    for (const c of e.children) walk(c, depth + 1);
  };
  walk(env.content);
  return stray.length
    ? [
        `${pointer(set, '/namespace')}: every answer element must be in ${b.namespace.uri}; ${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ` and ${stray.length - 3} more` : ''} are not`,
      ]
    : [];
}

/** Is this answer a SOAP Fault (and not an answer document)? */
export function isSoapFault(set: SpecSet, res: WireResponse): boolean {
  return readAnswer(set, res).kind === 'fault';
}

/** The 2014-08-15 SOAP codec; `claims` reads the binding from `specs` (default: the bundled specs). */
export function createSoapCodec(specs?: SpecSet): Codec {
  return {
    api: LEGACY_API,
    wire: SOAP_WIRE,
    claims: (req) => isSoapRequest(specs ?? loadSpecs(), req),
    decodeRequest,
    encodeResponse,
    encodeRequest,
    decodeResponse,
    encodeBatch,
    answerDocument: (set, res) => {
      const r = readAnswer(set, res);
      return r.kind === 'document'
        ? { ok: true, root: r.root, doc: r.doc }
        : { ok: false, message: r.kind === 'fault' ? `a SOAP Fault: ${r.text}` : r.problems.join('; ') };
    },
  };
}

export const soapCodec: Codec = createSoapCodec();
