import { createHash, createHmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetAccountBalanceCommand, ListHITsCommand, MTurkClient } from '@aws-sdk/client-mturk';
import type { HttpRequest } from '@smithy/protocol-http';
import { HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireRequest } from '../../src/wire/http-types.ts';
import { sha256Hex, signSigV4, verifySigV4 } from '../../src/wire/sigv4.ts';

const SCOPE = { service: 'mturk-requester', region: 'us-east-1' };
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup = (id: string) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined);
const DATE = new Date('2024-01-01T12:34:56Z');

function jsonRequest(body: string, target = 'MTurkRequesterServiceV20170117.GetAccountBalance'): WireRequest {
  return {
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      host: 'mturk-requester.us-east-1.amazonaws.com',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
    },
    body,
  };
}

/** Signs with the SDK's own signer, then flattens the result into a WireRequest. */
async function signWithSmithy(
  req: WireRequest,
  opts: { applyChecksum?: boolean; date?: Date; query?: Record<string, string> } = {},
): Promise<WireRequest> {
  const signer = new SignatureV4({
    credentials: CREDS,
    region: SCOPE.region,
    service: SCOPE.service,
    sha256: Sha256,
    applyChecksum: opts.applyChecksum ?? true,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'https:',
      hostname: req.headers.host!,
      path: req.path,
      query: opts.query ?? {},
      headers: { ...req.headers },
      body: req.body,
    },
    { signingDate: opts.date ?? DATE },
  );
  return fromSmithy(signed as HttpRequest);
}

function fromSmithy(request: HttpRequest): WireRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const query = Object.entries(request.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value.map((v) => [key, v]) : [[key, value ?? '']]))
    .map(([key, value]) => `${encodeURIComponent(key!)}=${encodeURIComponent(value!)}`)
    .join('&');
  const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
  return { method: request.method, path: request.path, query, headers, body };
}

describe('verifySigV4 against @smithy/signature-v4', () => {
  it('accepts a request signed by smithy (with x-amz-content-sha256)', async () => {
    const signed = await signWithSmithy(jsonRequest('{}'));
    expect(signed.headers['x-amz-content-sha256']).toBe(sha256Hex('{}'));
    expect(verifySigV4(signed, lookup, SCOPE)).toEqual({ ok: true, accessKeyId: CREDS.accessKeyId });
  });

  it('accepts a request signed by smithy without a content hash header', async () => {
    const signed = await signWithSmithy(jsonRequest('{"MaxResults":10}'), { applyChecksum: false });
    expect(signed.headers['x-amz-content-sha256']).toBeUndefined();
    expect(verifySigV4(signed, lookup, SCOPE).ok).toBe(true);
  });

  it('canonicalises query strings the way smithy does', async () => {
    const query = { b: 'two words', a: "x/y!'()*~", A: '', ü: '😀' };
    const signed = await signWithSmithy(
      { ...jsonRequest(''), method: 'GET', path: '/a/./b/../c' },
      { query },
    );
    expect(verifySigV4(signed, lookup, SCOPE).ok).toBe(true);
  });

  it('accepts exactly what @aws-sdk/client-mturk sends', async () => {
    const captured: WireRequest[] = [];
    const client = new MTurkClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: CREDS,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: HttpRequest) => {
          captured.push(fromSmithy(request));
          const body = new TextEncoder().encode('{"AvailableBalance":"10000.00"}');
          return {
            response: new HttpResponse({
              statusCode: 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body,
            }),
          };
        },
      },
    });
    await client.send(new GetAccountBalanceCommand({}));
    await client.send(new ListHITsCommand({ MaxResults: 5, NextToken: 'ab+/=c d' }));
    expect(captured).toHaveLength(2);
    for (const request of captured) {
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
      expect(verifySigV4(request, lookup, SCOPE)).toEqual({ ok: true, accessKeyId: CREDS.accessKeyId });
      expect(verifySigV4({ ...request, body: `${request.body} ` }, lookup, SCOPE)).toMatchObject({
        ok: false,
        reason: 'mismatch',
      });
    }
  });
  it('accepts what the legacy aws-sdk v2 MTurk client sends', async () => {
    process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
    const { default: AWS } = await import('aws-sdk');
    const mturk = new AWS.MTurk({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: new AWS.Credentials(CREDS.accessKeyId, CREDS.secretAccessKey),
    });
    const request = mturk.listHITs({ MaxResults: 5 });
    // Run the pipeline up to, but not including, the network send. runTo is public in the v2 runtime
    // but missing from its typings.
    const pipeline = request as unknown as { runTo(state: string, done: (err: Error | null) => void): void };
    await new Promise<void>((resolve, reject) =>
      pipeline.runTo('send', (err) => (err ? reject(err) : resolve())),
    );
    const http = request.httpRequest;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(http.headers)) headers[name.toLowerCase()] = String(value);
    const wire: WireRequest = {
      method: http.method,
      path: http.path,
      query: '',
      headers,
      body: String(http.body),
    };
    expect(verifySigV4(wire, lookup, SCOPE)).toEqual({ ok: true, accessKeyId: CREDS.accessKeyId });
  });
});

describe('signSigV4', () => {
  it('produces the same Authorization header as smithy for the same date and headers', async () => {
    const req = jsonRequest('{"HITId":"3ABC"}', 'MTurkRequesterServiceV20170117.GetHIT');
    const smithy = await signWithSmithy(req, { applyChecksum: false });
    const ours = signSigV4(req, CREDS, SCOPE, DATE);
    expect(ours.headers['x-amz-date']).toBe('20240101T123456Z');
    expect(ours.headers.authorization).toBe(smithy.headers.authorization);
  });

  it('matches smithy when x-amz-content-sha256 is sent too', async () => {
    const req = jsonRequest('{"HITId":"3ABC"}');
    const smithy = await signWithSmithy(req);
    const ours = signSigV4(
      { ...req, headers: { ...req.headers, 'x-amz-content-sha256': sha256Hex(req.body) } },
      CREDS,
      SCOPE,
      DATE,
    );
    expect(ours.headers.authorization).toBe(smithy.headers.authorization);
  });

  it('matches a signature computed step by step from the SigV4 specification', () => {
    const req = jsonRequest('{}');
    const signed = signSigV4(req, CREDS, SCOPE, DATE);
    const canonical = [
      'POST',
      '/',
      '',
      'content-type:application/x-amz-json-1.1',
      'host:mturk-requester.us-east-1.amazonaws.com',
      'x-amz-date:20240101T123456Z',
      'x-amz-target:MTurkRequesterServiceV20170117.GetAccountBalance',
      '',
      'content-type;host;x-amz-date;x-amz-target',
      createHash('sha256').update('{}').digest('hex'),
    ].join('\n');
    const scope = '20240101/us-east-1/mturk-requester/aws4_request';
    const toSign = [
      'AWS4-HMAC-SHA256',
      '20240101T123456Z',
      scope,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    let key: Buffer = Buffer.from(`AWS4${CREDS.secretAccessKey}`);
    for (const part of scope.split('/')) key = createHmac('sha256', key).update(part).digest();
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    expect(signed.headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${signature}`,
    );
  });

  it('does not mutate its input and replaces a stale Authorization header', () => {
    const req = jsonRequest('{}');
    const before = structuredClone(req);
    const once = signSigV4(req, CREDS, SCOPE, DATE);
    expect(req).toEqual(before);
    const twice = signSigV4(once, CREDS, SCOPE, DATE);
    expect(twice.headers.authorization).toBe(once.headers.authorization);
    expect(verifySigV4(twice, lookup, SCOPE).ok).toBe(true);
  });

  it('requires a host header', () => {
    const req = jsonRequest('{}');
    delete req.headers.host;
    expect(() => signSigV4(req, CREDS, SCOPE, DATE)).toThrow(/host/);
  });
});

describe('verifySigV4 rejections', () => {
  const signed = () => signSigV4(jsonRequest('{"MaxResults":10}'), CREDS, SCOPE, DATE);
  const withHeaders = (req: WireRequest, headers: Record<string, string | undefined>): WireRequest => {
    const merged: Record<string, string> = { ...req.headers };
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) delete merged[name];
      else merged[name] = value;
    }
    return { ...req, headers: merged };
  };

  it('rejects a one-byte body change', () => {
    const req = signed();
    expect(verifySigV4({ ...req, body: '{"MaxResults":11}' }, lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'mismatch',
      accessKeyId: 'AKIDEXAMPLE',
    });
  });

  it('rejects a body that disagrees with x-amz-content-sha256', async () => {
    const req = await signWithSmithy(jsonRequest('{}'));
    expect(verifySigV4({ ...req, body: '{ }' }, lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects UNSIGNED-PAYLOAD unless allowed', () => {
    const req = signSigV4(
      {
        ...jsonRequest('{}'),
        headers: { ...jsonRequest('{}').headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      CREDS,
      SCOPE,
      DATE,
    );
    expect(verifySigV4(req, lookup, SCOPE)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifySigV4({ ...req, body: 'anything' }, lookup, SCOPE, { allowUnsignedPayload: true }).ok).toBe(
      true,
    );
  });

  it('rejects a wrong secret', () => {
    const req = signSigV4(jsonRequest('{}'), { ...CREDS, secretAccessKey: 'not-the-secret' }, SCOPE, DATE);
    expect(verifySigV4(req, lookup, SCOPE)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects an unknown access key', () => {
    const req = signSigV4(jsonRequest('{}'), { ...CREDS, accessKeyId: 'AKIDUNKNOWN' }, SCOPE, DATE);
    expect(verifySigV4(req, lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'unknown-key',
      accessKeyId: 'AKIDUNKNOWN',
    });
  });

  it('rejects a wrong region or service', () => {
    const wrongRegion = signSigV4(jsonRequest('{}'), CREDS, { ...SCOPE, region: 'us-west-2' }, DATE);
    const wrongService = signSigV4(jsonRequest('{}'), CREDS, { ...SCOPE, service: 'sqs' }, DATE);
    expect(verifySigV4(wrongRegion, lookup, SCOPE)).toMatchObject({ ok: false, reason: 'wrong-scope' });
    expect(verifySigV4(wrongService, lookup, SCOPE)).toMatchObject({ ok: false, reason: 'wrong-scope' });
  });

  it('rejects a credential date that differs from x-amz-date', () => {
    const req = signed();
    expect(verifySigV4(withHeaders(req, { 'x-amz-date': '20240102T123456Z' }), lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'wrong-scope',
    });
  });

  it('rejects a changed x-amz-date on the same day', () => {
    const req = signed();
    expect(verifySigV4(withHeaders(req, { 'x-amz-date': '20240101T123457Z' }), lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('reports a missing Authorization header as missing', () => {
    expect(verifySigV4(jsonRequest('{}'), lookup, SCOPE)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifySigV4(withHeaders(signed(), { authorization: '  ' }), lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it('rejects a signed header that was dropped or changed', () => {
    const req = signed();
    expect(verifySigV4(withHeaders(req, { 'x-amz-target': undefined }), lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'mismatch',
      message: expect.stringContaining('x-amz-target'),
    });
    expect(
      verifySigV4(
        withHeaders(req, { 'x-amz-target': 'MTurkRequesterServiceV20170117.DeleteHIT' }),
        lookup,
        SCOPE,
      ),
    ).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('ignores unsigned headers and tolerates header-name case', () => {
    const req = signed();
    const extra = withHeaders(req, { 'user-agent': 'x', 'x-forwarded-for': '10.0.0.1' });
    expect(verifySigV4(extra, lookup, SCOPE).ok).toBe(true);
    const { authorization, ...rest } = req.headers;
    expect(
      verifySigV4({ ...req, headers: { ...rest, Authorization: authorization! } }, lookup, SCOPE).ok,
    ).toBe(true);
  });

  it('reports a missing x-amz-date as malformed', () => {
    expect(verifySigV4(withHeaders(signed(), { 'x-amz-date': undefined }), lookup, SCOPE)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(
      verifySigV4(withHeaders(signed(), { 'x-amz-date': '2024-01-01T12:34:56Z' }), lookup, SCOPE),
    ).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    'garbage',
    'Basic dXNlcjpwYXNz',
    'AWS4-HMAC-SHA256',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester, SignedHeaders=host;x-amz-date, Signature=' +
      'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2024011/us-east-1/mturk-requester/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
      'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request, SignedHeaders=Host;X-Amz-Date, Signature=' +
      'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request, SignedHeaders=content-type, Signature=' +
      'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request, Credential=x, SignedHeaders=host, Signature=' +
      'a'.repeat(64),
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/mturk-requester/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
      'a'.repeat(64) +
      ', Extra=1',
  ])('reports a garbage Authorization header as malformed: %s', (authorization) => {
    const verdict = verifySigV4(withHeaders(signed(), { authorization }), lookup, SCOPE);
    expect(verdict).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verdict.ok || verdict.message.length > 0).toBe(true);
  });

  it('enforces clock skew only when asked', () => {
    const req = signed();
    const later = new Date(DATE.getTime() + 10 * 60_000);
    expect(verifySigV4(req, lookup, SCOPE, { now: later }).ok).toBe(true);
    expect(verifySigV4(req, lookup, SCOPE, { now: later, maxSkewMs: 15 * 60_000 }).ok).toBe(true);
    expect(verifySigV4(req, lookup, SCOPE, { now: later, maxSkewMs: 5 * 60_000 })).toMatchObject({
      ok: false,
      reason: 'clock-skew',
    });
  });
});

describe('SigV4 properties', () => {
  const body = fc.string({ unit: 'binary', maxLength: 200 });
  const target = fc.stringMatching(/^MTurkRequesterServiceV20170117\.[A-Za-z]{1,30}$/);

  it('sign then verify is ok', () => {
    fc.assert(
      fc.property(
        body,
        target,
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2099-12-31') }),
        (b, t, d) => {
          const req = signSigV4(jsonRequest(b, t), CREDS, SCOPE, d);
          expect(verifySigV4(req, lookup, SCOPE)).toEqual({ ok: true, accessKeyId: CREDS.accessKeyId });
        },
      ),
    );
  });

  it('a single-character body change is a mismatch', () => {
    fc.assert(
      fc.property(
        body,
        target,
        fc.nat(),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        (b, t, at, replacement) => {
          const chars = [...b];
          const index = chars.length === 0 ? 0 : at % chars.length;
          fc.pre(chars[index] !== replacement);
          chars[index] = replacement;
          const req = signSigV4(jsonRequest(b, t), CREDS, SCOPE, DATE);
          expect(verifySigV4({ ...req, body: chars.join('') }, lookup, SCOPE)).toMatchObject({
            ok: false,
            reason: 'mismatch',
          });
        },
      ),
    );
  });
});
