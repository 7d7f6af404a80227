// Protocol checks per operation: envelopes, content types, request ids, error
// type forms, unknown operations, signatures and refused common parameters.
// The protocol file of the API version says what each must look like.
import fc from 'fast-check';
import { errorSpec } from '../spec/resolve.ts';
import type { Api, OperationSpec, SpecSet } from '../spec/types.ts';
import { headerValue, parseQuery, type WireRequest } from '../wire/http-types.ts';
import { typeFormPatterns } from '../wire/json11.ts';
import { legacyParam } from '../wire/legacy.ts';
import { signSigV4 } from '../wire/sigv4.ts';
import { expectError, expectSuccess, mediaType, summary } from './judge.ts';
import {
  basisText,
  givenFor,
  makeCheck,
  minimalInput,
  protocolFile,
  ruleOf,
  selectMember,
  sev,
  unknownIdArb,
} from './plan.ts';
import { type Answered, CheckFailure, type Session } from './session.ts';
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

async function successCall(s: Session, set: SpecSet, op: OperationSpec): Promise<Answered> {
  const given = givenFor(op);
  const ids = given ? await s.state(given) : {};
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

export function protocolChecks(set: SpecSet, op: OperationSpec): Check[] {
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
          const given = givenFor(op);
          const ids = given ? await s.state(given) : {};
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
          const given = givenFor(op);
          const ids = given ? await s.state(given) : {};
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            scheme: scheme.name,
            label: `signed with ${scheme.name}`,
          });
          expectSuccess(set, op, ex, `A valid ${op.operation} request signed with ${scheme.name}`);
        }
      },
    );

  // unknown operation: the operation's name with a suffix no spec uses
  const unknownOp = p.protocolErrors.unknownOperation;
  if (unknownOp) {
    let bogus = `${op.operation}Unknown`;
    while (set.apis[api].operations.has(bogus)) bogus += 'X';
    add(
      'protocol.unknown-operation',
      sev(errorSpec(set, unknownOp).basis),
      `${file}#/protocolErrors/unknownOperation: an operation no spec names fails with ${unknownOp} (${errorSpec(set, unknownOp).code})${basisText(errorSpec(set, unknownOp).basis)}`,
      async (s) => {
        await s.requireApi(api);
        const ex = await s.call(api, bogus, {}, { label: `unknown operation ${bogus}` });
        expectError(set, api, ex, [unknownOp], `A call of the unknown operation ${bogus}`);
      },
    );
  }

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
  ) => {
    const errId = p.protocolErrors[errorKey];
    if (!errId) return;
    add(
      check,
      'should',
      `${file}#/protocolErrors/${errorKey} and #/signing: ${what} fails with ${errId} (${errorSpec(set, errId).code}) and changes nothing${basisText(p.signing.basis)}`,
      async (s) => {
        await s.requireApi(api);
        const given = givenFor(op);
        const ids = given ? await s.state(given) : {};
        const input = minimalInput(set, op, ids, s.config.seed);
        const ent = set.model.entities[op.behaviour.entity];
        const observable = ent?.observe?.[api] && ids[ent.id] !== undefined;
        const before = observable ? await s.observe(api, op.behaviour.entity, ids) : undefined;
        const ex = await s.call(api, op.operation, input, { mutate, label: what });
        expectError(set, api, ex, [errId], `${withArticle(op.operation)} request with ${what}`);
        if (before) {
          const after = await s.observe(api, op.behaviour.entity, ids);
          if (
            JSON.stringify(before.entity) !== JSON.stringify(after.entity) ||
            before.present !== after.present
          )
            throw new CheckFailure(
              `A request with ${what} was refused but changed the ${op.behaviour.entity}.`,
              after.exchange,
            );
        }
      },
    );
  };
  signatureCheck('protocol.missing-signature', 'missingAuthentication', stripSignature, 'no signature');
  signatureCheck('protocol.bad-signature', 'signatureMismatch', spoilSignature, 'a wrong signature');
  const unknownKey = p.protocolErrors.unknownAccessKey;
  if (unknownKey)
    add(
      'protocol.unknown-access-key',
      'should',
      `${file}#/protocolErrors/unknownAccessKey: a request signed with an access key id the server does not know fails with ${unknownKey} (${errorSpec(set, unknownKey).code})${basisText(errorSpec(set, unknownKey).basis)}`,
      async (s) => {
        await s.requireApi(api);
        const known = new Set(s.config.credentials.map((c) => c.accessKeyId));
        let keyId = 'AKIAUNKNOWNCONFORMANCE';
        while (known.has(keyId)) keyId += 'X';
        const ex = await s.call(api, op.operation, minimalInput(set, op, {}, s.config.seed), {
          as: { accessKeyId: keyId, secretAccessKey: `${keyId}-secret` },
          label: 'unknown access key',
        });
        expectError(set, api, ex, [unknownKey], `A request signed with an unknown access key id`);
      },
    );

  // a body the protocol cannot parse (JSON protocols), signed correctly
  const malformed = p.protocolErrors.malformedBody;
  if (malformed && p.request?.body === 'json-object' && p.signing.scheme === 'sigv4')
    add(
      'protocol.malformed-body',
      sev(errorSpec(set, malformed).basis),
      `${file}#/protocolErrors/malformedBody: a correctly signed request whose body is not a JSON object fails with ${malformed} (${errorSpec(set, malformed).code})${basisText(errorSpec(set, malformed).basis)}`,
      async (s) => {
        await s.requireApi(api);
        const creds = s.creds(0);
        const ex = await s.call(
          api,
          op.operation,
          {},
          {
            label: 'malformed body',
            mutate: (r) => {
              const headers = { ...r.headers };
              delete headers.authorization;
              return signSigV4(
                { ...r, headers, body: '{"unterminated": ' },
                creds,
                { service: p.signing.service ?? '', region: p.signing.region ?? '' },
                new Date(),
              );
            },
          },
        );
        expectError(
          set,
          api,
          ex,
          [malformed],
          `${withArticle(op.operation)} request with a body that is not JSON`,
        );
      },
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
          const given = givenFor(op);
          const ids = given ? await s.state(given) : {};
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            mutate: (r) => editParams(r, (m) => m.set(name, value)),
            label: `${name}=${value}`,
          });
          expectError(set, api, ex, [errId], `${withArticle(op.operation)} request with ${name}=${value}`);
        }
        if (!param.required) {
          const given = givenFor(op);
          const ids = given ? await s.state(given) : {};
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
