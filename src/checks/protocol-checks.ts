// Protocol checks per operation: envelopes, content types, request ids, error
// type forms, unknown operations, signatures and refused common parameters.
// The protocol file of the API version says what each must look like.
import fc from 'fast-check';
import { errorSpec } from '../spec/resolve.ts';
import type { Api, OperationSpec, SpecSet } from '../spec/types.ts';
import { ownLegacyParams, wireCases } from '../wire/cases.ts';
import { headerValue, parseQuery, type WireRequest } from '../wire/http-types.ts';
import { typeFormPatterns } from '../wire/json11.ts';
import { legacyParam } from '../wire/legacy.ts';
import { signSigV4 } from '../wire/sigv4.ts';
import { expectError, expectRefused, expectSuccess, mediaType, summary } from './judge.ts';
import {
  basisText,
  makeCheck,
  minimalInput,
  opFile,
  protocolFile,
  ruleOf,
  selectMember,
  sev,
  unknownIdArb,
} from './plan.ts';
import { freshIds } from './rule-support.ts';
import { type Answered, CheckFailure, type Observation, type Session } from './session.ts';
import type { Check } from './types.ts';

/** `an ApproveAssignment`, `a GetHIT`: the article an operation name takes when read aloud. */
function withArticle(name: string): string {
  return `${/^[AEIOU]/.test(name) ? 'An' : 'A'} ${name}`;
}

/** A legacy request's parameters (query or form body) rewritten; the MTurk scheme does not sign them. */
export function editParams(req: WireRequest, edit: (p: Map<string, string>) => void): WireRequest {
  const inBody = req.body !== '' && !req.query;
  const params = new Map(parseQuery(inBody ? req.body : req.query));
  edit(params);
  const enc = [...params].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return inBody ? { ...req, body: enc } : { ...req, query: enc };
}

/** The common parameter that carries the signature (legacy), as the codec names it. */
function legacySignatureParam(set: SpecSet, api: Api): string | undefined {
  if (!set.apis[api].protocol.commonParameters) return undefined;
  try {
    return legacyParam(set, 'signature');
  } catch {
    return undefined;
  }
}

/** The same text with its last character replaced by another of the same kind (hex stays hex). */
function flipChar(s: string): string {
  if (!s) return 'x';
  const last = s[s.length - 1]!;
  const next = /[0-9]/.test(last)
    ? last === '0'
      ? '1'
      : '0'
    : /[a-f]/.test(last)
      ? last === 'a'
        ? 'b'
        : 'a'
      : /[A-Z]/.test(last)
        ? last === 'A'
          ? 'B'
          : 'A'
        : /[a-z]/.test(last)
          ? last === 'x'
            ? 'y'
            : 'x'
          : 'A';
  // a trailing '=' of base64 padding: change the character before it instead
  if (last === '=') return flipChar(s.slice(0, -1)) + last;
  return s.slice(0, -1) + next;
}

/** Edit a SigV4 request, then sign it again: only the edit is wrong, never the signature. */
function resign(
  s: Session,
  api: Api,
  edit: (r: WireRequest) => WireRequest,
): (r: WireRequest) => WireRequest {
  const p = s.set.apis[api].protocol;
  return (r) => {
    const headers = { ...r.headers };
    delete headers.authorization;
    return signSigV4(
      edit({ ...r, headers }),
      s.creds(0),
      { service: p.signing.service ?? '', region: p.signing.region ?? '' },
      new Date(),
    );
  };
}

function withoutHeader(r: WireRequest, name: string): WireRequest {
  const headers = { ...r.headers };
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
  return { ...r, headers };
}

type Refusal = (
  check: string,
  refuseSeverity: ReturnType<typeof sev>,
  errorKey: string,
  what: string,
  rule: string,
  send: (s: Session) => Promise<Answered>,
  after?: (s: Session, ex: Answered) => Promise<void>,
) => void;

/** JSON protocols: a request without the operation header, with another content type, or
 * without its signing date (each otherwise correctly signed) must be refused. */
function headerChecks(set: SpecSet, op: OperationSpec, refusal: Refusal): void {
  const api = op.api;
  const p = set.apis[api].protocol;
  if (p.signing.scheme !== 'sigv4' || !p.request) return;
  const headers = Object.entries(p.request.headers);
  const target = headers.find(([, h]) => h.value.includes('{operation}'));
  const ct = headers.find(([n]) => n.toLowerCase() === 'content-type');
  // a minimal valid call from the operation's state, edited on the wire
  const edited =
    (label: string, edit: (s: Session) => (r: WireRequest) => WireRequest) => async (s: Session) =>
      (await editedCall(s, op, api, edit(s), label)).ex;
  if (target)
    refusal(
      'protocol.missing-target',
      sev(target[1].basis),
      'missingTarget',
      `${withArticle(op.operation)} request without ${target[0]}`,
      `a signed request without the ${target[0]} header${basisText(target[1].basis)}`,
      edited(`without ${target[0]}`, (s) => resign(s, api, (r) => withoutHeader(r, target[0]))),
    );
  if (ct)
    refusal(
      'protocol.wrong-content-type',
      sev(ct[1].basis),
      'wrongContentType',
      `${withArticle(op.operation)} request with Content-Type application/json`,
      `a signed request whose Content-Type is not ${ct[1].value}${basisText(ct[1].basis)}`,
      edited('another content type', (s) =>
        resign(s, api, (r) => {
          const x = withoutHeader(r, ct[0]);
          return { ...x, headers: { ...x.headers, 'content-type': 'application/json' } };
        }),
      ),
    );
  refusal(
    'protocol.missing-date',
    sev(p.signing.basis),
    'missingDate',
    `${withArticle(op.operation)} request without X-Amz-Date`,
    `a request signed with SigV4 but sent without its X-Amz-Date header${basisText(p.signing.basis)}`,
    edited('without X-Amz-Date', () => (r) => withoutHeader(r, 'x-amz-date')),
  );
}

/** The golden request cases of the operation that apply to servers (specs/protocols/<api>.cases.json):
 * sent as written (signed for the session), the server must understand them: whatever it answers,
 * not a protocol or validation refusal, and a readable envelope. */
function serverCaseChecks(set: SpecSet, op: OperationSpec): Check[] {
  const api = op.api;
  const p = set.apis[api].protocol;
  const all = set.apis[api].cases?.cases ?? [];
  const file = set.files.get(set.apis[api].cases ?? {}) ?? `protocols/${api}.cases.json`;
  const refusalIds = [...Object.values(p.protocolErrors), p.validation.missing, p.validation.invalid].filter(
    (e) => !errorSpec(set, e).fault,
  );
  const refusals = new Set(refusalIds.map((e) => errorSpec(set, e).code));
  // AWS-wide refusals may come with their type only (UnknownOperationException)
  const refusalTypes = new Set(refusalIds.flatMap((e) => errorSpec(set, e).wireType?.[api] ?? []));
  return wireCases(set, api, 'server')
    .filter((c) => c.type === 'request' && c.operation === op.operation && !c.members)
    .map((c) =>
      makeCheck(
        api,
        op.operation,
        `protocol.case.${c.id}`,
        sev(c.basis),
        `${file}#/cases/${all.indexOf(c)}: ${c.documentation}${basisText(c.basis)}`,
        async (s) => {
          await s.requireApi(api);
          const golden = (r: WireRequest): WireRequest =>
            c.params
              ? editParams(r, (m) => {
                  for (const k of Object.keys(ownLegacyParams(set, r))) m.delete(k);
                  for (const [k, v] of Object.entries(c.params ?? {})) m.set(k, v);
                })
              : resign(s, api, (x) => ({ ...x, body: JSON.stringify(c.body ?? {}) }))(r);
          const ex = await s.call(api, op.operation, c.input ?? {}, {
            mutate: golden,
            label: `case ${c.id}`,
          });
          const a = ex.answer;
          if (a.kind === 'garbage')
            throw new CheckFailure(
              `The request of case ${c.id} got an unreadable answer: ${summary(ex)}.`,
              ex,
            );
          if (
            a.kind === 'error' &&
            ((a.code !== undefined && refusals.has(a.code)) ||
              (a.code === undefined && a.typeName !== undefined && refusalTypes.has(a.typeName)))
          )
            throw new CheckFailure(
              `The request of case ${c.id} was not understood: the target refused it with ${summary(ex)}.`,
              ex,
            );
        },
      ),
    );
}

async function successCall(s: Session, set: SpecSet, op: OperationSpec): Promise<Answered> {
  const ids = await freshIds(s, op);
  return s.call(op.api, op.operation, minimalInput(set, op, ids, s.config.seed), { label: 'valid call' });
}

/** A call that must fail with a documented operation-level error (unknown id, else a missing member). */
function errorTrigger(
  set: SpecSet,
  op: OperationSpec,
): { errors: string[]; what: string; run: (s: Session) => Promise<Answered> } | undefined {
  const exists = ruleOf(op, 'exists');
  if (exists?.error) {
    return {
      errors: [exists.error],
      what: `${op.operation} for an unknown ${selectMember(set, op)}`,
      run: (s) => {
        const id = fc.sample(unknownIdArb(set, op), { seed: s.config.seed, numRuns: 1 })[0]!;
        return s.call(
          op.api,
          op.operation,
          minimalInput(set, op, {}, s.config.seed, { [selectMember(set, op)]: id }),
          {
            label: 'unknown id',
          },
        );
      },
    };
  }
  const required = Object.entries(op.input.members).find(([, m]) => m.required)?.[0];
  if (!required) return undefined;
  return {
    errors: [set.apis[op.api].protocol.validation.missing],
    what: `${op.operation} without its required members`,
    run: (s) => s.call(op.api, op.operation, {}, { label: 'missing required member' }),
  };
}

/** How many operations of an API version carry the protocol family (per seed). */
export const PROTOCOL_SAMPLE_SIZE = 2;

/**
 * The operations that carry the protocol family this run: the family (unknown operation, bad
 * signature, error envelope, …) is one code path of a server whatever the operation, so it runs on
 * a sample, a different one per seed and the same for the same seed and operations, while the
 * success envelope is checked on every operation.
 */
export function protocolSample(operations: string[], seed: number, api: Api): Set<string> {
  const names = [...new Set(operations)].sort();
  // mulberry32 over the seed and the API version: deterministic, and spread over the seeds
  let t = (seed ^ [...api].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261)) >>> 0;
  const next = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  return new Set(names.slice(0, PROTOCOL_SAMPLE_SIZE));
}

/**
 * A minimal valid call from the operation's provider state, edited on the wire by `mutate` (a
 * signature removed or spoilt); with `observe`, the entity as it was before (when it can be read).
 */
export async function editedCall(
  s: Session,
  op: OperationSpec,
  api: Api,
  mutate: (r: WireRequest) => WireRequest,
  label: string,
  observe = false,
): Promise<{ ex: Answered; ids: Record<string, string>; before?: Observation }> {
  const ids = await freshIds(s, op);
  const ent = s.set.model.entities[op.behaviour.entity];
  const observable = observe && ent?.observe?.[api] && ids[ent.id] !== undefined;
  const before = observable ? await s.observe(api, op.behaviour.entity, ids) : undefined;
  const ex = await s.call(api, op.operation, minimalInput(s.set, op, ids, s.config.seed), { mutate, label });
  return before ? { ex, ids, before } : { ex, ids };
}

/** After a refused call (`what`), the entity observed before it must be unchanged. */
export async function unchangedSince(
  s: Session,
  api: Api,
  op: OperationSpec,
  ids: Record<string, string>,
  before: Observation | undefined,
  what: string,
): Promise<void> {
  if (!before) return;
  const after = await s.observe(api, op.behaviour.entity, ids);
  if (JSON.stringify(before.entity) !== JSON.stringify(after.entity) || before.present !== after.present)
    throw new CheckFailure(`${what} was refused but changed the ${op.behaviour.entity}.`, after.exchange);
}

export function protocolChecks(set: SpecSet, op: OperationSpec, opts: { family?: boolean } = {}): Check[] {
  const api = op.api;
  const p = set.apis[api].protocol;
  const file = protocolFile(set, api);
  const out: Check[] = [];
  const add = (
    check: string,
    severity: ReturnType<typeof sev>,
    rule: string,
    run: (s: Session) => Promise<void>,
  ) => out.push(makeCheck(api, op.operation, check, severity, rule, run));
  const trigger = errorTrigger(set, op);
  // "must be refused" (the severity of what the request breaks) and "…with this error" (the
  // severity of the error's own basis) are two facts, so two checks: <check> and <check>.code
  const refusal: Refusal = (check, refuseSeverity, errorKey, what, rule, send, after) => {
    const errId = p.protocolErrors[errorKey];
    if (!errId) return;
    const err = errorSpec(set, errId);
    add(check, refuseSeverity, `${file}#/protocolErrors/${errorKey}: ${rule} must be refused`, async (s) => {
      await s.requireApi(api);
      const ex = await send(s);
      expectRefused(api, ex, what);
      await after?.(s, ex);
    });
    add(
      `${check}.code`,
      refuseSeverity === 'should' ? 'should' : sev(err.basis),
      `${file}#/protocolErrors/${errorKey}: ${rule} fails with ${errId} (${err.code}${err.wireType?.[api] ? `, type ${err.wireType[api]}` : ''})${basisText(err.basis)}`,
      async (s) => {
        await s.requireApi(api);
        expectError(set, api, await send(s), [errId], what);
      },
    );
  };

  add(
    'protocol.success-envelope',
    sev(p.success.basis),
    `${file}#/success: status ${p.success.status}, ${p.success.contentType}${p.success.root ? `, root ${p.success.root}, ${p.success.result}/${p.success.isValidPath} = ${p.success.isValid}` : ''}${basisText(p.success.basis)}`,
    async (s) => {
      await s.requireApi(api);
      const ex = await successCall(s, set, op);
      expectSuccess(set, op, ex, `A valid ${op.operation} request`);
      const a = ex.answer;
      if (a.kind === 'success' && a.problems.length)
        throw new CheckFailure(
          `The success envelope does not follow the protocol: ${a.problems.join('; ')}.`,
          ex,
        );
      if (ex.res.status !== p.success.status)
        throw new CheckFailure(
          `A success must come with HTTP ${p.success.status}, got ${ex.res.status}.`,
          ex,
        );
    },
  );

  // members the documentation does not list: inferred to be none (the output shape is complete)
  add(
    'output.undeclared-members',
    'should',
    `${opFile(set, op)}#/output: a success carries only the members the output declares [INF: the documented output is taken as complete]`,
    async (s) => {
      await s.requireApi(api);
      const ex = await successCall(s, set, op);
      expectSuccess(set, op, ex, `A valid ${op.operation} request`);
      const extra = ex.answer.kind === 'success' ? (ex.answer.undeclared ?? []) : [];
      if (extra.length)
        throw new CheckFailure(
          `${withArticle(op.operation)} success carries ${extra.join(', ')}, which ${opFile(set, op)}#/output does not declare${Object.keys(op.output.members).length ? '' : ' (its output is empty)'}.`,
          ex,
        );
    },
  );

  out.push(...serverCaseChecks(set, op));

  if (opts.family === false) return out;

  if (trigger) {
    const env = p.errorEnvelope;
    const bases = [env.request?.basis, ...(env.placement ?? []).map((x) => x.basis)];
    add(
      'protocol.error-envelope',
      sev(...bases),
      `${file}#/errorEnvelope: ${env.body ? `fields ${env.body.typeField}, ${env.body.codeField}, ${env.body.messageField}` : `${env.fields?.list}/${env.fields?.item} with ${env.fields?.code} and ${env.fields?.message}, ${p.success.isValidPath} = ${env.isValid}, placed per code`}${basisText(env.request?.basis ?? env.placement?.[0]?.basis)}`,
      async (s) => {
        await s.requireApi(api);
        const ex = await trigger.run(s);
        expectError(set, api, ex, trigger.errors, trigger.what);
      },
    );
    const statusBasis = env.request?.basis ?? env.statusBasis;
    const wantStatus = env.request?.status ?? env.status;
    if (wantStatus !== undefined)
      add(
        'protocol.error-status',
        sev(statusBasis),
        `${file}#/errorEnvelope/${env.request ? 'request/status' : 'status'}: an error comes with HTTP ${wantStatus}${basisText(statusBasis)}`,
        async (s) => {
          await s.requireApi(api);
          const ex = await trigger.run(s);
          if (ex.answer.kind !== 'error')
            throw new CheckFailure(`${trigger.what} must fail, but the target answered ${summary(ex)}.`, ex);
          if (ex.res.status !== wantStatus)
            throw new CheckFailure(
              `An error must come with HTTP ${wantStatus}, but it came with ${ex.res.status}.`,
              ex,
            );
        },
      );
    if (env.typeForms && env.body) {
      const forms = typeFormPatterns(p);
      add(
        'protocol.error-type-form',
        sev(env.typeFormsBasis),
        `${file}#/errorEnvelope/typeForms: ${env.body.typeField} is one of ${env.typeForms.join(', ')} naming the documented type${basisText(env.typeFormsBasis)}`,
        async (s) => {
          await s.requireApi(api);
          const ex = await trigger.run(s);
          let doc: Record<string, unknown> = {};
          try {
            doc = JSON.parse(ex.res.body) as Record<string, unknown>;
          } catch {
            throw new CheckFailure(`The error answer is not JSON.`, ex);
          }
          const raw = doc[env.body!.typeField];
          const m = typeof raw === 'string' ? forms.map((re) => re.exec(raw)).find(Boolean) : undefined;
          const want = trigger.errors.map((e) => errorSpec(set, e).wireType?.[api] ?? env.request?.type);
          if (!m || !want.includes(m[1]))
            throw new CheckFailure(
              `${env.body!.typeField} must be one of the forms ${env.typeForms!.join(', ')} with type ${want.join(' or ')}, but it is ${JSON.stringify(raw)}.`,
              ex,
            );
        },
      );
    }
  }

  add(
    'protocol.content-type',
    sev(p.success.basis, p.errorEnvelope.contentTypeBasis),
    `${file}#/success/contentType and #/errorEnvelope/contentType: successes are ${p.success.contentType}${basisText(p.success.basis)}; errors are ${p.errorEnvelope.contentType}${basisText(p.errorEnvelope.contentTypeBasis)}`,
    async (s) => {
      await s.requireApi(api);
      const ok = await successCall(s, set, op);
      const ct = headerValue(ok.res.headers, 'content-type');
      if (mediaType(ct) !== mediaType(p.success.contentType))
        throw new CheckFailure(
          `A success must be ${p.success.contentType}, but Content-Type is ${ct ?? '(none)'}.`,
          ok,
        );
      if (trigger) {
        const bad = await trigger.run(s);
        const want = p.errorEnvelope.contentType;
        const ct2 = headerValue(bad.res.headers, 'content-type');
        if (mediaType(ct2) !== mediaType(want))
          throw new CheckFailure(`An error must be ${want}, but Content-Type is ${ct2 ?? '(none)'}.`, bad);
      }
    },
  );

  const idWhere = p.success.requestIdHeader
    ? `header ${p.success.requestIdHeader}`
    : p.success.requestIdPath
      ? `element ${p.success.requestIdPath}`
      : undefined;
  if (idWhere)
    add(
      'protocol.request-id',
      sev(p.success.basis),
      `${file}#/success/${p.success.requestIdHeader ? 'requestIdHeader' : 'requestIdPath'}: every answer carries a request id in the ${idWhere}${basisText(p.success.basis)}`,
      async (s) => {
        await s.requireApi(api);
        const exs = [await successCall(s, set, op), ...(trigger ? [await trigger.run(s)] : [])];
        for (const ex of exs) {
          const id = p.success.requestIdHeader
            ? headerValue(ex.res.headers, p.success.requestIdHeader)
            : ex.answer.kind !== 'garbage'
              ? ex.answer.requestId
              : undefined;
          if (!id) throw new CheckFailure(`The answer carries no request id (${idWhere}).`, ex);
        }
      },
    );

  // every HTTP method the protocol allows serves the same call
  if (p.http.methods.length > 1)
    add(
      'protocol.methods',
      sev(p.basis),
      `${file}#/http/methods: a valid call is served over ${p.http.methods.join(' and ')}${basisText(p.basis)}`,
      async (s) => {
        await s.requireApi(api);
        for (const method of p.http.methods) {
          const ids = await freshIds(s, op);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            method: method as 'GET' | 'POST',
            label: `over ${method}`,
          });
          expectSuccess(set, op, ex, `A valid ${op.operation} request over ${method}`);
        }
      },
    );

  // every signature scheme the protocol lists is accepted
  const schemes = p.signing.schemes ?? [];
  if (schemes.length > 1)
    add(
      'protocol.signature-schemes',
      sev(p.signing.basis, ...schemes.map((x) => x.basis)),
      `${file}#/signing/schemes: requests signed with ${schemes.map((x) => x.name).join(' or ')} are served${basisText(p.signing.basis)}`,
      async (s) => {
        await s.requireApi(api);
        for (const scheme of schemes) {
          const ids = await freshIds(s, op);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            scheme: scheme.name,
            label: `signed with ${scheme.name}`,
          });
          expectSuccess(set, op, ex, `A valid ${op.operation} request signed with ${scheme.name}`);
        }
      },
    );

  // unknown operation: the operation's name with a suffix no spec uses
  if (p.protocolErrors.unknownOperation) {
    let bogus = `${op.operation}Unknown`;
    while (set.apis[api].operations.has(bogus)) bogus += 'X';
    refusal(
      'protocol.unknown-operation',
      sev(p.basis),
      'unknownOperation',
      `A call of the unknown operation ${bogus}`,
      'an operation no spec names',
      (s) => s.call(api, bogus, {}, { label: `unknown operation ${bogus}` }),
    );
  }
  headerChecks(set, op, refusal);

  const sigParam = legacySignatureParam(set, api);
  const stripSignature = (req: WireRequest): WireRequest => {
    if (p.signing.scheme) {
      const headers = { ...req.headers };
      delete headers.authorization;
      delete headers['x-amz-date'];
      return { ...req, headers };
    }
    return editParams(req, (m) => {
      if (sigParam) m.delete(sigParam);
    });
  };
  const spoilSignature = (req: WireRequest): WireRequest => {
    if (p.signing.scheme) {
      const auth = req.headers.authorization ?? '';
      return { ...req, headers: { ...req.headers, authorization: flipChar(auth) } };
    }
    return editParams(req, (m) => {
      if (sigParam) m.set(sigParam, flipChar(m.get(sigParam) ?? ''));
    });
  };
  const signatureCheck = (
    check: string,
    errorKey: string,
    mutate: (r: WireRequest) => WireRequest,
    what: string,
    refuseSeverity: ReturnType<typeof sev>,
  ) => {
    // what was observed before the call, per check session (the refusal and .code checks run apart)
    const seen = new WeakMap<Session, { ids: Record<string, string>; before?: Observation }>();
    refusal(
      check,
      refuseSeverity,
      errorKey,
      `${withArticle(op.operation)} request with ${what}`,
      `a request with ${what} (${basisText(p.signing.basis).trim()}), changing nothing,`,
      async (s) => {
        const { ex, ids, before } = await editedCall(s, op, api, mutate, what, true);
        seen.set(s, before ? { ids, before } : { ids });
        return ex;
      },
      async (s) => {
        const { ids, before } = seen.get(s) ?? { ids: {} };
        await unchangedSince(s, api, op, ids, before, `A request with ${what}`);
      },
    );
  };
  // an unsigned request is refused by the model's signing (must); verifying a signature is should.
  // An operation whose credentials are optional (Help) serves it instead.
  const unsigned = op.unsigned;
  if (unsigned)
    add(
      'protocol.unsigned',
      sev(unsigned.basis),
      `${opFile(set, op)}#/unsigned: a request without a signature is served${basisText(unsigned.basis)}`,
      async (s) => {
        await s.requireApi(api);
        const { ex } = await editedCall(s, op, api, stripSignature, 'no signature');
        expectSuccess(set, op, ex, `${withArticle(op.operation)} request without a signature`);
      },
    );
  else
    signatureCheck(
      'protocol.missing-signature',
      'missingAuthentication',
      stripSignature,
      'no signature',
      // legacy: the signature parameter is a required common parameter
      sev((sigParam ? p.commonParameters?.[sigParam]?.basis : undefined) ?? p.signing.basis),
    );
  signatureCheck(
    'protocol.bad-signature',
    'signatureMismatch',
    spoilSignature,
    'a wrong signature',
    'should',
  );
  refusal(
    'protocol.unknown-access-key',
    'should',
    'unknownAccessKey',
    'A request signed with an unknown access key id',
    'a request signed with an access key id the server does not know',
    async (s) => {
      const known = new Set(s.config.credentials.map((c) => c.accessKeyId));
      let keyId = 'AKIAUNKNOWNCONFORMANCE';
      while (known.has(keyId)) keyId += 'X';
      return s.call(api, op.operation, minimalInput(set, op, {}, s.config.seed), {
        as: { accessKeyId: keyId, secretAccessKey: `${keyId}-secret` },
        label: 'unknown access key',
      });
    },
  );

  // a body the protocol cannot parse (JSON protocols), signed correctly
  if (p.request?.body === 'json-object' && p.signing.scheme === 'sigv4')
    refusal(
      'protocol.malformed-body',
      sev(p.basis),
      'malformedBody',
      `${withArticle(op.operation)} request with a body that is not JSON`,
      'a correctly signed request whose body is not a JSON object',
      (s) =>
        s.call(
          api,
          op.operation,
          {},
          { label: 'malformed body', mutate: resign(s, api, (r) => ({ ...r, body: '{"unterminated": ' })) },
        ),
    );

  // refused and optional common parameters (legacy Version)
  for (const [name, param] of Object.entries(p.commonParameters ?? {})) {
    if (!param.refuse) continue;
    const refusals = Object.entries(param.refuse);
    const refuseBases = refusals.map(([, e]) => errorSpec(set, e).basis);
    add(
      `protocol.${name.toLowerCase()}`,
      sev(param.basis, ...refuseBases),
      `${file}#/commonParameters/${name}: ${refusals.map(([v, e]) => `${name}=${v} fails with ${e}`).join('; ')}${param.required ? '' : `; without ${name} the request is served`}${basisText(param.basis)}`,
      async (s) => {
        await s.requireApi(api);
        for (const [value, errId] of refusals) {
          const ids = await freshIds(s, op);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            mutate: (r) => editParams(r, (m) => m.set(name, value)),
            label: `${name}=${value}`,
          });
          expectError(set, api, ex, [errId], `${withArticle(op.operation)} request with ${name}=${value}`);
        }
        if (!param.required) {
          const ids = await freshIds(s, op);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            mutate: (r) => editParams(r, (m) => m.delete(name)),
            label: `without ${name}`,
          });
          expectSuccess(set, op, ex, `A valid ${op.operation} request without ${name}`);
        }
      },
    );
  }
  return out;
}
