import { describe, expect, it } from 'vitest';
import { sampleFromPattern } from '../../src/emulator/store.ts';
import { fillMessage } from '../../src/spec/resolve.ts';
import type { WireRequest } from '../../src/wire/http-types.ts';
import { codecs } from '../../src/wire/index.ts';
import { JSON11_API } from '../../src/wire/json11.ts';
import { codecFixture, describeRoundTrips, sampler } from './round-trip.ts';

const fixture = codecFixture(JSON11_API, { accessKeyId: 'AKIATESTJSON11', secretAccessKey: 'secret-json11' });
const { set, codec, p, creds, lookupSecret, now } = fixture;
const ctx = { host: '127.0.0.1:1', now };

describeRoundTrips({
  ...fixture,
  name: 'json11',
  sample: sampler({
    string: (m) => {
      const pat = m.constraints.find((c) => c.kind === 'pattern');
      return pat?.kind === 'pattern' && /^\^[[\]A-Z0-9a-z\-{},+]*\$$/.test(pat.pattern)
        ? sampleFromPattern(pat.pattern, 8)
        : `v-${m.name}`;
    },
    integer: 7,
    boolean: true,
    timestamp: new Date(Date.UTC(2024, 5, 6, 7, 8, 9, 500)),
    maxDepth: 4,
    listLength: 2,
  }),
  requests: [{ title: '', ctx }],
  responseTitle: 'success',
  responseContext: () => ({ requestId: 'rid-1', now }),
  checkSuccess: (_op, res, a) => {
    expect(a.requestId).toBe('rid-1');
    if (Object.keys(a.output).length === 0) expect(res.body).toBe('{}');
  },
  errorValues: {
    AssignmentId: 'X1',
    allowed: 'Submitted',
    CurrentState: 'Approved',
    member: 'M',
    reason: 'r',
  },
  checkError: (e, res, a) => {
    const kind = e.fault ? p.errorEnvelope.fault! : p.errorEnvelope.request!;
    expect(res.status).toBe(kind.status);
    expect(a.typeName).toBe(e.wireType?.[JSON11_API] ?? kind.type);
    expect(a.message!.endsWith(fillMessage(p.errorEnvelope.messageSuffix, { epochMs: now.getTime() }))).toBe(
      true,
    );
  },
});

describe('json11 codec: decodeRequest failures', () => {
  const base = () =>
    codec.encodeRequest(set, 'RejectAssignment', { AssignmentId: 'A1', RequesterFeedback: 'x' }, creds, ctx);
  const errorOf = (req: WireRequest, opts = { lookupSecret }) => {
    const d = codec.decodeRequest(set, req, opts);
    return d.ok ? undefined : d.outcome.error;
  };
  it('missing Authorization → missingAuthentication', () => {
    const req = codec.encodeRequest(set, 'RejectAssignment', {}, undefined, ctx);
    expect(errorOf(req)).toBe(p.protocolErrors.missingAuthentication);
  });
  it('unknown access key → unknownAccessKey', () => {
    const req = codec.encodeRequest(
      set,
      'RejectAssignment',
      {},
      { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' },
      ctx,
    );
    expect(errorOf(req)).toBe(p.protocolErrors.unknownAccessKey);
  });
  it('wrong secret → signatureMismatch', () => {
    const req = codec.encodeRequest(set, 'RejectAssignment', {}, { ...creds, secretAccessKey: 'wrong' }, ctx);
    expect(errorOf(req)).toBe(p.protocolErrors.signatureMismatch);
  });
  it('body changed after signing → signatureMismatch', () => {
    const req = base();
    expect(errorOf({ ...req, body: req.body.replace('A1', 'A2') })).toBe(p.protocolErrors.signatureMismatch);
  });
  it('acceptAnySignature serves the credential named in the header', () => {
    const req = codec.encodeRequest(set, 'RejectAssignment', {}, { ...creds, secretAccessKey: 'wrong' }, ctx);
    const d = codec.decodeRequest(set, req, { lookupSecret, acceptAnySignature: true });
    expect(d.ok && d.call.accessKeyId).toBe(creds.accessKeyId);
  });
  it('malformed JSON, non-object JSON → malformedBody', () => {
    for (const body of ['{"AssignmentId":', '[1,2]', '"x"', 'null', '<xml/>']) {
      const req = codec.encodeRequest(set, 'RejectAssignment', {}, undefined, ctx);
      const signed = codec.encodeRequest(set, 'RejectAssignment', {}, creds, ctx);
      expect(errorOf({ ...signed, body }, { lookupSecret, acceptAnySignature: true } as never)).toBe(
        p.protocolErrors.malformedBody,
      );
      expect(req.body).toBe('{}');
    }
  });
  it('wrong content type or method → malformedBody', () => {
    const req = base();
    expect(
      errorOf({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } }, {
        lookupSecret,
        acceptAnySignature: true,
      } as never),
    ).toBe(p.protocolErrors.malformedBody);
    expect(errorOf({ ...req, method: 'GET' })).toBe(p.protocolErrors.malformedBody);
  });
  it('unknown operation → unknownOperation', () => {
    const req = codec.encodeRequest(set, 'NoSuchOperation', {}, creds, ctx);
    expect(codec.claims(req)).toBe(true);
    const d = codec.decodeRequest(set, req, { lookupSecret });
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.outcome.error).toBe(p.protocolErrors.unknownOperation);
      expect(d.outcome.values.operation).toBe('NoSuchOperation');
    }
  });
  it('wrong-typed members pass through for the engine to judge; timestamps come from epoch seconds', () => {
    const req = codec.encodeRequest(set, 'RejectAssignment', { AssignmentId: 5 as never }, creds, ctx);
    const d = codec.decodeRequest(set, req, { lookupSecret });
    expect(d.ok && d.call.input.AssignmentId).toBe(5);
  });
  it('does not claim requests without the target prefix', () => {
    const req = base();
    expect(
      codec.claims({ ...req, headers: { ...req.headers, 'x-amz-target': 'Other.RejectAssignment' } }),
    ).toBe(false);
    expect(codecs.map((c) => c.api)).toContain(JSON11_API);
  });
});

describe('json11 codec: decodeResponse judges the envelope', () => {
  const headers = {
    'content-type': p.errorEnvelope.contentType!,
    [p.success.requestIdHeader!.toLowerCase()]: 'r',
  };
  const f = p.errorEnvelope.body!;
  const err = (type: string, extra: Record<string, unknown> = {}) =>
    codec.decodeResponse(set, 'RejectAssignment', {
      status: p.errorEnvelope.request!.status,
      headers,
      body: JSON.stringify({
        [f.typeField]: type,
        [f.messageField]: 'm (1)',
        [f.codeField]: 'AWS.X',
        ...extra,
      }),
    });
  it('accepts every __type form and reports the bare name', () => {
    const t = p.errorEnvelope.request!.type;
    for (const form of [
      t,
      `com.amazonaws.mturk#${t}`,
      `${t}:http://internal.amazon.com/coral/com.amazonaws.mturk/`,
    ]) {
      const a = err(form);
      expect(a.problems).toEqual([]);
      expect(a.kind === 'error' && a.typeName).toBe(t);
      expect(a.kind === 'error' && a.type).toBe(form);
    }
  });
  it('flags a __type that matches no form, and a missing TurkErrorCode', () => {
    expect(err('not a type!').problems.join('\n')).toMatch(/#\/errorEnvelope\/typeForms/);
    const a = codec.decodeResponse(set, 'RejectAssignment', {
      status: 400,
      headers,
      body: JSON.stringify({ [f.typeField]: p.errorEnvelope.request!.type, [f.messageField]: 'm' }),
    });
    expect(a.problems.join('\n')).toMatch(/#\/errorEnvelope\/body\/codeField/);
  });
  it('flags a wrong success content type and a missing request id', () => {
    const a = codec.decodeResponse(set, 'RejectAssignment', {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '{}',
    });
    expect(a.kind).toBe('success');
    expect(a.problems).toContain(
      `protocols/2017-01-17.json#/success/contentType: expected ${p.success.contentType}, got text/html`,
    );
    expect(a.problems.join('\n')).toMatch(/#\/success\/requestIdHeader/);
  });
  it('flags a wrong status for the error type', () => {
    const a = codec.decodeResponse(set, 'RejectAssignment', {
      status: 200,
      headers,
      body: JSON.stringify({
        [f.typeField]: p.errorEnvelope.request!.type,
        [f.messageField]: 'm',
        [f.codeField]: 'c',
      }),
    });
    expect(a.kind).toBe('error');
    expect(a.problems.join('\n')).toMatch(/#\/errorEnvelope\/request\/status/);
  });
  it('calls a non-JSON body garbage', () => {
    const a = codec.decodeResponse(set, 'RejectAssignment', { status: 200, headers, body: '<html>' });
    expect(a.kind).toBe('garbage');
    expect(a.problems.length).toBeGreaterThan(0);
  });
});
