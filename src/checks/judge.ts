// Judging answers against the specs: success envelopes, documented errors,
// output shapes, messages. Everything expected is read from the SpecSet.
import { errorMessagePattern, errorSpec, outputMembers, violationOf } from '../spec/resolve.ts';
import type { Api, OperationSpec, ProtocolFile, ResolvedMember, SpecSet } from '../spec/types.ts';
import { headerValue } from '../wire/http-types.ts';
import { type Answered, CheckFailure } from './session.ts';

function quote(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export function summary(ex: Answered): string {
  const a = ex.answer;
  if (a.kind === 'success') return `a success (HTTP ${a.status})`;
  if (a.kind === 'error')
    return `an error ${a.code ?? '(no code)'}${a.typeName ? ` of type ${a.typeName}` : ''} (HTTP ${a.status})${a.message ? `: "${a.message}"` : ''}`;
  return `something unreadable (HTTP ${a.status}: ${a.problems.join('; ')})`;
}

/** Problems about the envelope parts that have checks of their own (content type, request id, INF status). */
function separatelyChecked(set: SpecSet, api: Api, problem: string): boolean {
  const p = set.apis[api].protocol;
  if (/#\/(success\/contentType|errorEnvelope\/contentType|success\/requestId(Header|Path))\b/.test(problem))
    return true;
  if (/#\/errorEnvelope\/status\b/.test(problem) && p.errorEnvelope.statusBasis?.tag === 'INF') return true;
  // a document element naming another operation is judged by every check when its name is a fact
  if (/#\/success\/root\b/.test(problem) && p.success.rootBasis && p.success.rootBasis.tag !== 'INF')
    return false;
  // an inferred success envelope is judged by protocol.success-envelope (should), not by every check
  if (/#\/success\//.test(problem) && p.success.basis.tag === 'INF') return true;
  return false;
}

export function coreProblems(set: SpecSet, api: Api, problems: string[]): string[] {
  return problems.filter((x) => !separatelyChecked(set, api, x));
}

/** The answer must be a success with a well-formed envelope and an output that fits the output spec. */
export function expectSuccess(
  set: SpecSet,
  op: OperationSpec,
  ex: Answered,
  what: string,
): Record<string, unknown> {
  const a = ex.answer;
  if (a.kind !== 'success')
    throw new CheckFailure(`${what} must succeed, but the target answered ${summary(ex)}.`, ex);
  const problems = coreProblems(set, op.api, a.problems);
  if (problems.length)
    throw new CheckFailure(
      `${what} succeeded, but the success envelope is malformed: ${problems.join('; ')}.`,
      ex,
    );
  const shape = validateOutput(outputMembers(set, op), a.output, '', 0, set.apis[op.api].protocol.timestamps);
  if (shape.length)
    throw new CheckFailure(
      `${what} succeeded, but its output does not fit the output spec: ${shape.join('; ')}.`,
      ex,
    );
  return a.output;
}

/** The wire type (2017 __type) an error should carry, when the protocol has one. */
export function expectedWireType(set: SpecSet, api: Api, errorId: string): string | undefined {
  const env = set.apis[api].protocol.errorEnvelope;
  const e = errorSpec(set, errorId);
  const kind = e.fault ? env.fault : env.request;
  return e.wireType?.[api] ?? kind?.type;
}

export function expectedErrorStatus(set: SpecSet, api: Api, errorId: string): number | undefined {
  const env = set.apis[api].protocol.errorEnvelope;
  const e = errorSpec(set, errorId);
  if (env.request) return e.fault ? env.fault?.status : env.request.status;
  if (env.statusBasis?.tag === 'INF') return undefined;
  return e.fault ? (env.faultStatus ?? env.status) : env.status;
}

/** The answer must be one of the documented errors, in a well-formed error envelope. */
export function expectError(set: SpecSet, api: Api, ex: Answered, errorIds: string[], what: string): void {
  const a = ex.answer;
  const codes = errorIds.map((id) => errorSpec(set, id).code);
  const wanted = codes.length === 1 ? codes[0] : `one of ${codes.join(', ')}`;
  if (a.kind !== 'error')
    throw new CheckFailure(`${what} must fail with ${wanted}, but the target answered ${summary(ex)}.`, ex);
  const i =
    a.code === undefined
      ? // an AWS-wide error named by its type only (UnknownOperationException without TurkErrorCode)
        errorIds.findIndex(
          (e) => a.typeName !== undefined && errorSpec(set, e).wireType?.[api] === a.typeName,
        )
      : codes.indexOf(a.code);
  if (i < 0)
    throw new CheckFailure(`${what} must fail with ${wanted}, but the target answered ${summary(ex)}.`, ex);
  const id = errorIds[i]!;
  const type = expectedWireType(set, api, id);
  if (type !== undefined && a.typeName !== type)
    throw new CheckFailure(
      `${what} failed with ${a.code} as expected, but the error type is ${quote(a.type)} where ${type} is documented.`,
      ex,
    );
  const status = expectedErrorStatus(set, api, id);
  if (status !== undefined && a.status !== status)
    throw new CheckFailure(
      `${what} failed with ${a.code}, but with HTTP ${a.status} where ${status} is documented.`,
      ex,
    );
  const problems = coreProblems(set, api, a.problems);
  if (problems.length)
    throw new CheckFailure(
      `${what} failed with ${a.code}, but the error envelope is malformed: ${problems.join('; ')}.`,
      ex,
    );
}

/** A request that breaks a rule must be refused: a readable error answer of the protocol, not a
 * success, not a server fault, not a page of another format. Which code it carries is another fact. */
export function expectRefused(api: Api, ex: Answered, what: string): void {
  const a = ex.answer;
  if (a.kind === 'success')
    throw new CheckFailure(`${what} must be refused, but the target answered ${summary(ex)}.`, ex);
  if (a.kind === 'garbage')
    throw new CheckFailure(
      `${what} must be refused with an error of the ${api} protocol, but the target answered ${summary(ex)}.`,
      ex,
    );
  if (a.status >= 500)
    throw new CheckFailure(
      `${what} must be refused as a bad request, but the target answered with a server fault: ${summary(ex)}.`,
      ex,
    );
}

/** The error's message must match the template of the error (placeholders free, suffix optional). */
export function expectMessage(set: SpecSet, api: Api, ex: Answered, errorIds: string[], what: string): void {
  const a = ex.answer;
  if (a.kind !== 'error' || a.message === undefined)
    throw new CheckFailure(`${what} must fail with a message, but the target answered ${summary(ex)}.`, ex);
  const wrong = messageProblem(set, api, a.message, errorIds);
  if (wrong) throw new CheckFailure(`${what}: ${wrong}.`, ex);
}

/** What is wrong with an error's message against the templates of `errorIds`, if anything
 * (a server's answer and a client's surfaced error are judged alike). */
export function messageProblem(
  set: SpecSet,
  api: Api,
  message: string,
  errorIds: string[],
): string | undefined {
  const suffix = set.apis[api].protocol.errorEnvelope.messageSuffixPattern;
  if (errorIds.some((id) => errorMessagePattern(errorSpec(set, id), suffix).test(message))) return undefined;
  return `the message ${quote(message)} does not match the documented template ${errorIds
    .map((id) => quote(errorSpec(set, id).message))
    .join(' or ')} followed by a suffix matching /${suffix}/`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** What is wrong with a value that should be a timestamp, in the wire format of the protocol. */
export function timestampProblem(v: unknown, format: Timestamps = 'epoch-seconds'): string {
  const want = format === 'epoch-seconds' ? 'epoch seconds' : 'an ISO 8601 date-time';
  if (v === undefined || v === null) return `${want} expected, got nothing`;
  const got = typeof v === 'string' ? `the string ${quote(v)}` : `the ${typeof v} ${quote(v)}`;
  return `${want} expected, got ${got}`;
}

type Timestamps = ProtocolFile['timestamps'];

/** Walks an output against the resolved output members; returns what does not fit. */
export function validateOutput(
  members: ResolvedMember[],
  output: unknown,
  path = '',
  depth = 0,
  timestamps: Timestamps = 'epoch-seconds',
): string[] {
  const out: string[] = [];
  if (!isPlainObject(output)) return [`${path || 'the output'} is not a structure`];
  for (const m of members) {
    const v = output[m.name];
    const p = path ? `${path}.${m.name}` : m.name;
    if (v === undefined || v === null) {
      if (m.required) out.push(`${p} is missing`);
      continue;
    }
    out.push(...validateValue(m, v, p, depth, timestamps));
  }
  return out;
}

function validateValue(
  m: ResolvedMember,
  v: unknown,
  p: string,
  depth: number,
  timestamps: Timestamps,
): string[] {
  if (depth > 8) return [];
  switch (m.type) {
    case 'string': {
      if (typeof v !== 'string') return [`${p} should be a string, got ${quote(v)}`];
      const bad = violationOf(v, m);
      return bad ? [`${p} ${quote(v)} ${bad.reason}`] : [];
    }
    case 'integer':
    case 'long': {
      if (typeof v !== 'number' || !Number.isInteger(v))
        return [`${p} should be a whole number, got ${quote(v)}`];
      const bad = violationOf(v, m);
      return bad ? [`${p} ${v} ${bad.reason}`] : [];
    }
    case 'boolean':
      return typeof v === 'boolean' ? [] : [`${p} should be a boolean, got ${quote(v)}`];
    case 'timestamp':
      return v instanceof Date && !Number.isNaN(v.getTime())
        ? []
        : [`${p} should be a timestamp: ${timestampProblem(v, timestamps)}`];
    case 'structure':
      return validateOutput(m.members ?? [], v, p, depth + 1, timestamps);
    case 'list':
      if (!Array.isArray(v)) return [`${p} should be a list, got ${quote(v)}`];
      return m.item
        ? v.flatMap((x, i) => validateValue(m.item!, x, `${p}[${i}]`, depth + 1, timestamps))
        : [];
  }
}

export function mediaType(ct: string | undefined): string {
  return (ct ?? '').split(';')[0]!.trim().toLowerCase();
}

export function contentTypeOf(ex: Answered): string | undefined {
  return headerValue(ex.res.headers, 'content-type');
}
