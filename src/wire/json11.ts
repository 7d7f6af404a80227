// The 2017-01-17 wire protocol (awsJson1_1): POST /, X-Amz-Target, JSON bodies, SigV4.
// Every name, status, header and envelope field comes from specs/protocols/2017-01-17.json
// and specs/errors.json; this file only knows how JSON 1.1 works in general.
import { loadSpecs } from '../spec/load.ts';
import {
  escapeRegExp,
  fillErrorMessage,
  fillMessage,
  isPlainObject,
  outputMembers,
  resolveMembers,
} from '../spec/resolve.ts';
import type { Api, ErrorSpec, ProtocolFile, ResolvedMember, SpecSet } from '../spec/types.ts';
import {
  type Codec,
  type Credentials,
  type DecodedAnswer,
  type DecodeResult,
  decodeFailure,
  type ErrorOutcome,
  type Outcome,
  protocolPointer,
  type ServerCodecOptions,
} from './codec.ts';
import { headerValue, requestPath, type WireRequest, type WireResponse } from './http-types.ts';
import { signSigV4, verifySigV4 } from './sigv4.ts';

export const JSON11_API: Api = '2017-01-17';

function protocolOf(set: SpecSet): ProtocolFile {
  return set.apis[JSON11_API].protocol;
}

const pointer = (set: SpecSet, path: string) => protocolPointer(set, JSON11_API, path);

/** targetHeader's answer per protocol document (it is asked on every request). */
const targetHeaders = new WeakMap<ProtocolFile, { name: string; template: string } | undefined>();

/** The request header that names the operation (its value template contains {operation}). */
export function targetHeader(p: ProtocolFile): { name: string; template: string } | undefined {
  if (targetHeaders.has(p)) return targetHeaders.get(p);
  let found: { name: string; template: string } | undefined;
  for (const [name, h] of Object.entries(p.request?.headers ?? {}))
    if (h.value.includes('{operation}')) {
      found = { name, template: fillMessage(h.value, { targetPrefix: p.targetPrefix ?? '' }) };
      break;
    }
  targetHeaders.set(p, found);
  return found;
}

/** The operation named by the target header, or undefined when the request does not carry this protocol's target. */
export function json11Operation(set: SpecSet, req: WireRequest): string | undefined {
  const t = targetHeader(protocolOf(set));
  if (!t) return undefined;
  const value = headerValue(req.headers, t.name);
  if (value === undefined) return undefined;
  const [before, after] = templateParts(t.template);
  if (!value.startsWith(before) || !value.endsWith(after) || value.length < before.length + after.length)
    return undefined;
  return value.slice(before.length, value.length - after.length);
}

/** The target template around its {operation}, split once per template (asked on every request). */
const templateSplits = new Map<string, [string, string]>();
function templateParts(template: string): [string, string] {
  let hit = templateSplits.get(template);
  if (!hit) {
    const [before, after = ''] = template.split('{operation}') as [string, string?];
    hit = [before, after];
    if (templateSplits.size >= 64) templateSplits.clear();
    templateSplits.set(template, hit);
  }
  return hit;
}

const fixedHeaderLists = new WeakMap<ProtocolFile, [string, string][]>();

/** Fixed-value request headers (no placeholder), e.g. the content type (per protocol document). */
function fixedHeaders(p: ProtocolFile): [string, string][] {
  let hit = fixedHeaderLists.get(p);
  if (!hit) {
    hit = Object.entries(p.request?.headers ?? {})
      .filter(([, h]) => !h.value.includes('{'))
      .map(([n, h]) => [n, h.value]);
    fixedHeaderLists.set(p, hit);
  }
  return hit;
}

export function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

const fail = (error: string, values: Record<string, unknown>, operation?: string) =>
  decodeFailure(JSON11_API, error, values, operation);

/** JSON value → typed value per shape. Values of the wrong type are kept as they are: the engine judges them. */
export function fromJsonValue(v: unknown, m: ResolvedMember | undefined): unknown {
  if (v === null || v === undefined || !m) return v;
  switch (m.type) {
    case 'timestamp': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return v;
      const d = new Date(v * 1000);
      return Number.isNaN(d.getTime()) ? v : d;
    }
    case 'structure': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const mm of m.members ?? [])
        if (Object.hasOwn(v, mm.name)) out[mm.name] = fromJsonValue(v[mm.name], mm);
      return out;
    }
    case 'list':
      return Array.isArray(v) ? v.map((x) => fromJsonValue(x, m.item)) : v;
    default:
      return v;
  }
}

/** Paths of the members a JSON value carries that its shape does not declare (fromJsonValue drops them). */
export function undeclaredMembers(v: unknown, m: ResolvedMember | undefined, path = '', depth = 0): string[] {
  const out: string[] = [];
  collectUndeclared(v, m, path, depth, out);
  return out;
}

// into one array, without a closure or an array per member: every call's input is walked
function collectUndeclared(
  v: unknown,
  m: ResolvedMember | undefined,
  path: string,
  depth: number,
  out: string[],
): void {
  if (!m || depth > 10) return;
  if (m.type === 'list' && Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) collectUndeclared(v[i], m.item, `${path}[${i}]`, depth + 1, out);
    return;
  }
  if (m.type !== 'structure' || !isPlainObject(v)) return;
  for (const k of Object.keys(v)) {
    let mm: ResolvedMember | undefined;
    for (const y of m.members ?? [])
      if (y.name === k) {
        mm = y;
        break;
      }
    const p = path ? `${path}.${k}` : k;
    if (mm) collectUndeclared(v[k], mm, p, depth + 1, out);
    else out.push(p);
  }
}

/** Typed value → JSON value per shape: timestamps become epoch seconds; unknown members are dropped. */
export function toJsonValue(v: unknown, m: ResolvedMember | undefined): unknown {
  if (v === undefined) return undefined;
  if (v instanceof Date) return v.getTime() / 1000;
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, m?.item));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    if (m?.members) {
      for (const mm of m.members) if (v[mm.name] !== undefined) out[mm.name] = toJsonValue(v[mm.name], mm);
    } else for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x, undefined);
    return out;
  }
  return v;
}

const structureCache = new WeakMap<readonly ResolvedMember[], ResolvedMember>();

/** An operation's input or output members as one structure member (cached with the members). */
function membersObject(set: SpecSet, members: Record<string, { shape: string }>): ResolvedMember {
  const resolved = resolveMembers(set, JSON11_API, members);
  let hit = structureCache.get(resolved);
  if (!hit) {
    hit = {
      name: '',
      type: 'structure',
      shape: '',
      required: false,
      constraints: [],
      members: [...resolved],
    };
    structureCache.set(resolved, hit);
  }
  return hit;
}

/** Looks up an error, falling back to the protocol's internal error for an unknown id. */
export function errorFor(set: SpecSet, p: ProtocolFile, id: string): ErrorSpec {
  return (
    set.errors.errors[id] ??
    set.errors.errors[p.protocolErrors.internal ?? ''] ??
    Object.values(set.errors.errors).find((e) => e.fault)!
  );
}

/** The message an error answer carries: the filled template plus the protocol's suffix. */
export function errorMessage(
  set: SpecSet,
  e: ErrorSpec,
  values: Record<string, unknown>,
  suffix: string,
  now: Date,
): string {
  return (
    fillErrorMessage(e, values, set.errors.listSeparator) + fillMessage(suffix, { epochMs: now.getTime() })
  );
}

function decodeRequest(set: SpecSet, req: WireRequest, opts: ServerCodecOptions): DecodeResult {
  const p = protocolOf(set);
  const errs = p.protocolErrors;
  const operation = json11Operation(set, req);
  if (operation === undefined) return fail(errs.unknownOperation!, { operation: '' });
  if (!p.http.methods.includes(req.method.toUpperCase()))
    return fail(errs.malformedBody!, { reason: `method ${req.method} is not allowed` }, operation);
  if (requestPath(req) !== p.http.path)
    return fail(errs.malformedBody!, { reason: `path must be ${p.http.path}` }, operation);
  for (const [name, value] of fixedHeaders(p)) {
    const got = headerValue(req.headers, name);
    if (mediaType(got) !== mediaType(value))
      return fail(
        (name.toLowerCase() === 'content-type' ? errs.wrongContentType : undefined) ?? errs.malformedBody!,
        { reason: `${name} must be ${value}` },
        operation,
      );
  }
  // a SigV4 request dates itself in X-Amz-Date (or Date): without either it cannot be verified
  if (
    errs.missingDate &&
    headerValue(req.headers, 'authorization') !== undefined &&
    headerValue(req.headers, 'x-amz-date') === undefined &&
    headerValue(req.headers, 'date') === undefined
  )
    return fail(errs.missingDate, { reason: 'no X-Amz-Date' }, operation);

  // Authentication.
  let accessKeyId: string;
  if (opts.acceptAnySignature) {
    const auth = headerValue(req.headers, 'authorization') ?? '';
    const m = /Credential=([^/,\s]+)\//.exec(auth);
    if (!m) return fail(errs.missingAuthentication!, { reason: 'no credential' }, operation);
    accessKeyId = m[1]!;
  } else {
    const verdict = verifySigV4(req, opts.lookupSecret, {
      service: p.signing.service ?? '',
      region: p.signing.region ?? '',
    });
    if (!verdict.ok) {
      const values = { accessKeyId: verdict.accessKeyId ?? '', reason: verdict.message };
      if (verdict.reason === 'missing' || (verdict.reason === 'malformed' && !verdict.accessKeyId))
        return fail(errs.missingAuthentication!, values, operation);
      if (verdict.reason === 'unknown-key') return fail(errs.unknownAccessKey!, values, operation);
      return fail(errs.signatureMismatch!, values, operation);
    }
    accessKeyId = verdict.accessKeyId;
  }

  // Body.
  let body: unknown;
  const text = req.body.trim();
  if (text === '') body = {};
  else {
    try {
      body = JSON.parse(text);
    } catch (e) {
      return fail(errs.malformedBody!, { reason: (e as Error).message }, operation);
    }
  }
  if (!isPlainObject(body))
    return fail(errs.malformedBody!, { reason: 'the body is not a JSON object' }, operation);

  const spec = set.apis[JSON11_API].operations.get(operation);
  if (!spec) return fail(errs.unknownOperation!, { operation }, operation);
  const shape = membersObject(set, spec.input.members);
  const input = fromJsonValue(body, shape) as Record<string, unknown>;
  const undeclared = undeclaredMembers(body, shape);
  return {
    ok: true,
    call: {
      api: JSON11_API,
      operation,
      input,
      accessKeyId,
      responseGroups: [],
      ...(undeclared.length ? { undeclared } : {}),
    },
  };
}

function encodeResponse(
  set: SpecSet,
  operation: string | undefined,
  outcome: Outcome,
  ctx: { requestId: string; now: Date },
): WireResponse {
  const p = protocolOf(set);
  const idHeader = (p.success.requestIdHeader ?? '').toLowerCase();
  if (outcome.kind === 'success') {
    const spec = operation === undefined ? undefined : set.apis[JSON11_API].operations.get(operation);
    const shape = spec ? membersObject(set, spec.output.members) : undefined;
    const body = toJsonValue(outcome.output, shape) ?? {};
    const headers: Record<string, string> = { 'content-type': p.success.contentType };
    if (idHeader) headers[idHeader] = ctx.requestId;
    return { status: p.success.status, headers, body: JSON.stringify(body) };
  }
  const withId = (h: Record<string, string>) => (idHeader ? { ...h, [idHeader]: ctx.requestId } : h);
  return encodeError(set, outcome, ctx, withId);
}

function encodeError(
  set: SpecSet,
  outcome: ErrorOutcome,
  ctx: { now: Date },
  withId: (h: Record<string, string>) => Record<string, string>,
): WireResponse {
  const p = protocolOf(set);
  const env = p.errorEnvelope;
  const e = errorFor(set, p, outcome.error);
  const kind = e.fault ? env.fault! : env.request!;
  const type = e.wireType?.[JSON11_API] ?? kind.type;
  const f = env.body!;
  const body = {
    [f.typeField]: type,
    [f.messageField]: errorMessage(set, e, outcome.values, env.messageSuffix, ctx.now),
    [f.codeField]: e.code,
  };
  return {
    status: kind.status,
    headers: withId({ 'content-type': env.contentType }),
    body: JSON.stringify(body),
  };
}

function encodeRequest(
  set: SpecSet,
  operation: string,
  input: Record<string, unknown>,
  creds: Credentials | undefined,
  ctx: { host: string; now: Date },
): WireRequest {
  const p = protocolOf(set);
  const headers: Record<string, string> = { host: ctx.host };
  for (const [name, h] of Object.entries(p.request?.headers ?? {}))
    headers[name.toLowerCase()] = fillMessage(h.value, { targetPrefix: p.targetPrefix ?? '', operation });
  const spec = set.apis[JSON11_API].operations.get(operation);
  const body = JSON.stringify(toJsonValue(input, spec ? membersObject(set, spec.input.members) : undefined));
  const req: WireRequest = { method: p.http.methods[0]!, path: p.http.path, query: '', headers, body };
  if (!creds) return req;
  return signSigV4(req, creds, { service: p.signing.service ?? '', region: p.signing.region ?? '' }, ctx.now);
}

/** Regular expressions for the __type forms; group 1 is the bare type name. */
export function typeFormPatterns(p: ProtocolFile): RegExp[] {
  return (p.errorEnvelope.typeForms ?? ['{type}']).map((form) => {
    const parts = form.split(/(\{[A-Za-z]+\})/g).map((part) => {
      if (part === '{type}') return '([A-Za-z_][A-Za-z0-9_]*)';
      if (part === '{namespace}') return '[^#]+';
      if (/^\{[A-Za-z]+\}$/.test(part)) return '.+';
      return escapeRegExp(part);
    });
    return new RegExp(`^${parts.join('')}$`, 's');
  });
}

/** The bare type name of a __type value, or undefined when it matches none of the forms. */
export function typeNameOf(p: ProtocolFile, type: string): string | undefined {
  for (const re of typeFormPatterns(p)) {
    const m = re.exec(type);
    if (m) return m[1];
  }
  return undefined;
}

function decodeResponse(set: SpecSet, operation: string, res: WireResponse): DecodedAnswer {
  const p = protocolOf(set);
  const env = p.errorEnvelope;
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    return {
      kind: 'garbage',
      status: res.status,
      problems: [`${pointer(set, '/success/contentType')}: the body is not JSON`],
    };
  }
  if (!isPlainObject(doc))
    return {
      kind: 'garbage',
      status: res.status,
      problems: [`${pointer(set, '/success/contentType')}: the body is not a JSON object`],
    };
  const idHeader = p.success.requestIdHeader;
  const requestId = idHeader ? headerValue(res.headers, idHeader) : undefined;
  if (idHeader && !requestId)
    problems.push(`${pointer(set, '/success/requestIdHeader')}: missing ${idHeader}`);
  const ct = headerValue(res.headers, 'content-type');
  const f = env.body!;
  const isError = Object.hasOwn(doc, f.typeField) || res.status !== p.success.status;
  if (!isError) {
    if (mediaType(ct) !== mediaType(p.success.contentType))
      problems.push(
        `${pointer(set, '/success/contentType')}: expected ${p.success.contentType}, got ${ct ?? '(none)'}`,
      );
    const spec = set.apis[JSON11_API].operations.get(operation);
    const output = spec
      ? (fromJsonValue(doc, membersObject(set, spec.output.members)) as Record<string, unknown>)
      : doc;
    if (spec)
      for (const m of outputMembers(set, spec))
        if (m.type === 'timestamp' && output[m.name] !== undefined && !(output[m.name] instanceof Date))
          problems.push(`${pointer(set, '/timestamps')}: ${m.name} is not epoch seconds`);
    const undeclared = spec ? undeclaredMembers(doc, membersObject(set, spec.output.members)) : [];
    return {
      kind: 'success',
      status: res.status,
      output,
      ...(requestId ? { requestId } : {}),
      problems,
      ...(undeclared.length ? { undeclared } : {}),
    };
  }
  const expectedCt = env.contentType;
  if (mediaType(ct) !== mediaType(expectedCt))
    problems.push(
      `${pointer(set, '/errorEnvelope/contentType')}: expected ${expectedCt}, got ${ct ?? '(none)'}`,
    );
  const rawType = doc[f.typeField];
  let type: string | undefined;
  let typeName: string | undefined;
  if (typeof rawType !== 'string')
    problems.push(`${pointer(set, '/errorEnvelope/body/typeField')}: missing ${f.typeField}`);
  else {
    type = rawType;
    typeName = typeNameOf(p, rawType);
    if (typeName === undefined)
      problems.push(
        `${pointer(set, '/errorEnvelope/typeForms')}: ${f.typeField} ${JSON.stringify(rawType)} matches no form`,
      );
  }
  const code = doc[f.codeField];
  // an AWS-wide error (UnknownOperationException, SerializationException) may come without an MTurk code
  const awsWide = Object.values(set.errors.errors).some(
    (e) => typeName !== undefined && e.wireType?.[JSON11_API] === typeName,
  );
  if ((typeof code !== 'string' || code === '') && !awsWide)
    problems.push(`${pointer(set, '/errorEnvelope/body/codeField')}: missing ${f.codeField}`);
  const message = doc[f.messageField];
  if (typeof message !== 'string')
    problems.push(`${pointer(set, '/errorEnvelope/body/messageField')}: missing ${f.messageField}`);
  if (typeName !== undefined) {
    const wireFaults = new Set<string>([env.fault!.type]);
    const wireRequests = new Set<string>([env.request!.type]);
    for (const e of Object.values(set.errors.errors)) {
      const w = e.wireType?.[JSON11_API];
      if (w) (e.fault ? wireFaults : wireRequests).add(w);
    }
    if (wireFaults.has(typeName)) {
      if (res.status !== env.fault!.status)
        problems.push(
          `${pointer(set, '/errorEnvelope/fault/status')}: expected ${env.fault!.status}, got ${res.status}`,
        );
    } else if (wireRequests.has(typeName)) {
      if (res.status !== env.request!.status)
        problems.push(
          `${pointer(set, '/errorEnvelope/request/status')}: expected ${env.request!.status}, got ${res.status}`,
        );
    } else problems.push(`${pointer(set, '/errorEnvelope/request/type')}: unknown error type ${typeName}`);
  }
  return {
    kind: 'error',
    status: res.status,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(typeName !== undefined ? { typeName } : {}),
    ...(requestId ? { requestId } : {}),
    problems,
  };
}

/** The 2017-01-17 codec. `claims` reads the target prefix from `specs` (default: the bundled specs). */
export function createJson11Codec(specs?: SpecSet): Codec {
  return {
    api: JSON11_API,
    claims: (req) => json11Operation(specs ?? loadSpecs(), req) !== undefined,
    decodeRequest,
    encodeResponse,
    encodeRequest,
    decodeResponse,
  };
}

export const json11Codec: Codec = createJson11Codec();
