import { describe, expect, it } from 'vitest';
import { fillMessage, inputMembers } from '../../src/spec/resolve.ts';
import type { WireRequest } from '../../src/wire/http-types.ts';
import type { DecodedCall } from '../../src/wire/index.ts';
import { LEGACY_API, legacyRootName } from '../../src/wire/legacy.ts';
import { parseXmlSafe } from '../../src/wire/xml.ts';
import { codecFixture, describeRoundTrips, sampler } from './round-trip.ts';

const fixture = codecFixture(LEGACY_API, { accessKeyId: 'AKIATESTLEGACY', secretAccessKey: 'secret-legacy' });
const { set, codec, p, creds, lookupSecret, now } = fixture;
const schemes = (p.signing.schemes ?? []).map((s) => s.name);

const ops = [...set.apis[LEGACY_API].operations.values()];
const legacyErrorValues: Record<string, string> = {
  AssignmentId: 'X1',
  allowed: 'Submitted',
  CurrentState: 'Approved',
  member: 'M',
  Parameter: 'M',
  Version: 'v',
};

it('has more than one signature scheme to test', () => expect(schemes.length).toBeGreaterThan(1));

describeRoundTrips({
  ...fixture,
  name: 'legacy',
  sample: sampler({
    string: (m) => `v-${m.name} & <more>`,
    integer: 42,
    boolean: false,
    timestamp: new Date(Date.UTC(2024, 5, 6, 7, 8, 9)),
    maxDepth: 4,
    listLength: 2,
  }),
  requests: (['GET', 'POST'] as const).flatMap((method) =>
    schemes.map((scheme) => ({
      title: `${method} ${scheme}`,
      ctx: { host: 'h', now, method, scheme, responseGroups: ['Minimal', 'Request'] },
      check: (req: WireRequest, call: DecodedCall) => {
        expect(req.method).toBe(method);
        expect(call.responseGroups).toEqual(['Minimal', 'Request']);
        expect(call.signatureScheme).toBe(scheme);
      },
    })),
  ),
  responseTitle: 'success, with the echoed request',
  responseContext: (op, input) => {
    const req = codec.encodeRequest(set, op.operation, input, creds, {
      host: 'h',
      now,
      responseGroups: ['Request'],
    });
    const d = codec.decodeRequest(set, req, { lookupSecret });
    if (!d.ok) throw new Error('decode failed');
    return { requestId: 'rid', now, call: d.call };
  },
  checkSuccess: (op, res, a) => {
    expect(res.body.startsWith('<?xml version="1.0"?>')).toBe(true);
    const doc = parseXmlSafe(res.body);
    expect(doc.ok && doc.root).toBe(fillMessage(p.success.root!, { operation: op.operation }));
    const echo = fillMessage(p.success.echo!.element, { operation: op.operation });
    expect(res.body).toContain(`<${echo}>`);
    // Without ResponseGroup=Request, no echo.
    const plain = codec.encodeResponse(
      set,
      op.operation,
      { kind: 'success', output: a.output },
      { requestId: 'rid', now },
    );
    expect(plain.body).not.toContain(`<${echo}>`);
  },
  errorValues: legacyErrorValues,
  checkError: (e, res, a) => {
    expect(res.status).toBe(e.fault ? p.errorEnvelope.faultStatus : p.errorEnvelope.status);
    for (const k of e.data ?? []) {
      if (k in legacyErrorValues) expect(a.data?.[k]).toBe(legacyErrorValues[k]);
    }
  },
});

describe('legacy codec: error envelopes, placement and root', () => {
  it('decodes every Data pair of an error, not only the first', () => {
    // an error whose errors.json entry names two Data keys
    const [id, e] = Object.entries(set.errors.errors).find(([, x]) => (x.data ?? []).length > 1)!;
    const values = Object.fromEntries((e.data ?? []).map((k, i) => [k, `V${i}`]));
    const res = codec.encodeResponse(
      set,
      'GetAssignment',
      { kind: 'error', error: id, values },
      { requestId: 'r', now },
    );
    const a = codec.decodeResponse(set, 'GetAssignment', res);
    expect(a.kind === 'error' ? a.data : undefined).toEqual(values);
  });
  it('places AWS.MechanicalTurk.* errors in the Result and other codes in OperationRequest', () => {
    for (const [id, e] of Object.entries(set.errors.errors)) {
      const res = codec.encodeResponse(
        set,
        'GetAssignment',
        { kind: 'error', error: id, values: {} },
        { requestId: 'r', now },
      );
      const at = p.errorEnvelope.placement!.find((pl) => new RegExp(pl.codePattern).test(e.code))!.at;
      const f = p.errorEnvelope.fields!;
      const inResult = res.body.includes(
        `<${fillMessage(p.success.result!, { operation: 'GetAssignment' })}>`,
      );
      expect(inResult).toBe(at === 'result');
      expect(res.body).toContain(`<${f.list}><${f.item}><${f.code}>${e.code}</${f.code}>`);
    }
  });
  it('an operation with output.result.member answers the bare member element, Request/IsValid inside it', () => {
    const op = ops.find((o) => o.output.result?.member !== undefined)!;
    const member = op.output.result!.member!;
    const res = codec.encodeResponse(
      set,
      op.operation,
      { kind: 'success', output: { [member]: { [`${member}Id`]: 'ID1' } } },
      { requestId: 'r', now },
    );
    const parsed = parseXmlSafe(res.body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const root = (parsed.doc as Record<string, Record<string, unknown>>)[parsed.root]!;
    expect(Object.keys(root)).not.toContain(fillMessage(p.success.result!, { operation: op.operation }));
    expect(root[member]).toMatchObject({ Request: { IsValid: p.success.isValid }, [`${member}Id`]: 'ID1' });
    const back = codec.decodeResponse(set, op.operation, res);
    expect(back).toMatchObject({
      kind: 'success',
      problems: [],
      output: { [member]: { [`${member}Id`]: 'ID1' } },
    });
    // wrapped the protocol's way, it is missing its result element
    const wrapped = res.body
      .replace(`<${member}>`, `<${op.operation}Result>`)
      .replace(`</${member}>`, `</${op.operation}Result>`);
    const bad = codec.decodeResponse(set, op.operation, { ...res, body: wrapped });
    expect(bad.problems.join('\n')).toMatch(new RegExp(`missing ${member}`));
  });
  it('uses a generic root for an unknown or unusable operation name', () => {
    const bad = codec.encodeResponse(
      set,
      'x<y',
      { kind: 'error', error: p.protocolErrors.unknownOperation!, values: {} },
      { requestId: 'r', now },
    );
    expect(parseXmlSafe(bad.body).ok).toBe(true);
    expect(bad.body).toContain(`<${legacyRootName(set, undefined)}>`);
    expect(codec.decodeResponse(set, '', bad).problems).toEqual([]);
    const named = codec.encodeResponse(
      set,
      'Frobnicate',
      { kind: 'error', error: p.protocolErrors.unknownOperation!, values: {} },
      { requestId: 'r', now },
    );
    expect(named.body).toContain(`<${fillMessage(p.success.root!, { operation: 'Frobnicate' })}>`);
  });
});

describe('legacy codec: decodeRequest failures', () => {
  const input = { AssignmentId: 'A1', RequesterFeedback: 'f' };
  const make = (extra: Partial<Parameters<typeof codec.encodeRequest>[4]> = {}, c = creds) =>
    codec.encodeRequest(set, 'RejectAssignment', input, c, { host: 'h', now, ...extra });
  const errorOf = (req: WireRequest) => {
    const d = codec.decodeRequest(set, req, { lookupSecret });
    return d.ok ? undefined : d.outcome;
  };
  const withParam = (req: WireRequest, k: string, v: string | undefined) => {
    const q = new URLSearchParams(req.query);
    if (v === undefined) q.delete(k);
    else q.set(k, v);
    return { ...req, query: q.toString() };
  };
  it('Version=2017-01-17 is refused as the spec says', () => {
    const refuse = p.commonParameters!.Version!.refuse!;
    for (const [version, error] of Object.entries(refuse)) {
      const e = errorOf(withParam(make(), 'Version', version));
      expect(e?.error).toBe(error);
      expect(e?.values.version).toBe(version);
    }
  });
  it('a missing Version and a missing Service are tolerated', () => {
    let req = withParam(make(), 'Version', undefined);
    expect(errorOf(req)).toBeUndefined();
    req = withParam(make(), 'Service', undefined);
    expect(errorOf(req)).toBeUndefined();
  });
  it('an unlisted Version is invalid', () => {
    expect(errorOf(withParam(make(), 'Version', '2005-10-01'))?.error).toBe(p.validation.invalid);
  });
  it('missing AWSAccessKeyId or Signature → missingAuthentication; missing Timestamp → validation.missing', () => {
    expect(errorOf(withParam(make(), 'AWSAccessKeyId', undefined))?.error).toBe(
      p.protocolErrors.missingAuthentication,
    );
    expect(errorOf(withParam(make(), 'Signature', undefined))?.error).toBe(
      p.protocolErrors.missingAuthentication,
    );
    expect(errorOf(withParam(make(), 'Timestamp', undefined))?.error).toBe(p.validation.missing);
  });
  it('unknown key, wrong secret, tampered parameters → the signature errors, for both schemes', () => {
    for (const scheme of schemes) {
      expect(errorOf(make({ scheme }, { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' }))?.error).toBe(
        p.protocolErrors.unknownAccessKey,
      );
      expect(errorOf(make({ scheme }, { ...creds, secretAccessKey: 'nope' }))?.error).toBe(
        p.protocolErrors.signatureMismatch,
      );
      expect(errorOf(withParam(make({ scheme }), 'Timestamp', '2025-01-02T03:04:06Z'))?.error).toBe(
        p.protocolErrors.signatureMismatch,
      );
    }
    // SigV1 covers every parameter, the MTurk scheme only Operation and Timestamp.
    const v1 = schemes.find((s) => p.signing.schemes!.find((x) => x.name === s)?.marker)!;
    expect(errorOf(withParam(make({ scheme: v1 }), 'AssignmentId', 'OTHER'))?.error).toBe(
      p.protocolErrors.signatureMismatch,
    );
  });
  it('unknown operation → unknownOperation (after authentication)', () => {
    const req = codec.encodeRequest(set, 'NoSuchOperation', {}, creds, { host: 'h', now });
    expect(errorOf(req)?.error).toBe(p.protocolErrors.unknownOperation);
  });
  it('an unparseable integer → validation.invalid naming the parameter', () => {
    const op = ops.find((o) => inputMembers(set, o).some((m) => m.type === 'integer'))!;
    const m = inputMembers(set, op).find((x) => x.type === 'integer')!;
    const req = codec.encodeRequest(set, op.operation, { [m.name]: 'twelve' }, creds, { host: 'h', now });
    const e = errorOf(req);
    expect(e?.error).toBe(p.validation.invalid);
    expect(e?.values.Parameter).toBe(m.name);
  });
  it('wrong method or path → malformedBody', () => {
    expect(errorOf({ ...make(), method: 'PUT' })?.error).toBe(p.protocolErrors.malformedBody);
    expect(errorOf({ ...make(), path: '/onca/xml' })?.error).toBe(p.protocolErrors.malformedBody);
  });
  it('does not claim a request that carries the 2017 target header or no Operation', () => {
    const req = make();
    expect(codec.claims({ ...req, headers: { ...req.headers, 'x-amz-target': 'x' } })).toBe(false);
    expect(codec.claims(withParam(req, 'Operation', undefined))).toBe(false);
    const post = make({ method: 'POST' });
    expect(codec.claims({ ...post, headers: { host: 'h', 'content-type': 'text/plain' } })).toBe(false);
  });
});

describe('legacy codec: decodeResponse judges the envelope', () => {
  const ok = (body: string, status = 200, ct = p.success.contentType) =>
    codec.decodeResponse(set, 'RejectAssignment', { status, headers: { 'content-type': ct }, body });
  const good =
    '<?xml version="1.0"?><RejectAssignmentResponse><OperationRequest><RequestId>r</RequestId></OperationRequest><RejectAssignmentResult><Request><IsValid>True</IsValid></Request></RejectAssignmentResult></RejectAssignmentResponse>';
  it('accepts the captured success shape', () => {
    const a = ok(good);
    expect(a.kind).toBe('success');
    expect(a.problems).toEqual([]);
  });
  it('flags a wrong root, a missing RequestId, a missing Result, a wrong content type', () => {
    expect(ok(good.replaceAll('RejectAssignmentResponse', 'OtherResponse')).problems.join('\n')).toMatch(
      /#\/success\/root/,
    );
    expect(ok(good.replace('<RequestId>r</RequestId>', '')).problems.join('\n')).toMatch(
      /#\/success\/requestIdPath/,
    );
    expect(ok(good.replaceAll('RejectAssignmentResult', 'Other')).problems.join('\n')).toMatch(
      /#\/success\/result/,
    );
    expect(ok(good, 200, 'text/html').problems.join('\n')).toMatch(/#\/success\/contentType/);
  });
  it('flags an AWS.MechanicalTurk.* error found in OperationRequest', () => {
    const body =
      '<?xml version="1.0"?><RejectAssignmentResponse><OperationRequest><RequestId>r</RequestId><Errors><Error><Code>AWS.MechanicalTurk.AssignmentDoesNotExist</Code><Message>m</Message></Error></Errors></OperationRequest></RejectAssignmentResponse>';
    const a = ok(body);
    expect(a.kind).toBe('error');
    expect(a.problems.join('\n')).toMatch(/#\/errorEnvelope\/placement\/0/);
  });
  it('calls non-XML garbage', () => {
    expect(ok('{"a":1}').kind).toBe('garbage');
    expect(ok('<a><b></a>').kind).toBe('garbage');
  });
});
