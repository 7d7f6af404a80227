import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/load.ts';
import {
  legacySigning,
  mturkLegacySignature,
  mturkStringToSign,
  querySignatureV1,
  signLegacyParams,
} from '../../src/wire/legacy-signature.ts';
import { legacyVerdict } from './legacy-verdict.ts';

const SERVICE = 'AWSMechanicalTurkRequester';
const SIGNING = legacySigning(loadSpecs().apis['2014-08-15'].protocol);
const CREDS = { accessKeyId: 'AKIDLEGACY', secretAccessKey: 'legacy/secret+key=' };
const lookup = (id: string) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined);
const hmacB64 = (secret: string, data: string) =>
  createHmac('sha1', secret).update(data, 'utf8').digest('base64');

describe("mturkLegacySignature over the spec's string to sign", () => {
  const sign = (secret: string, operation: string, timestamp: string) =>
    mturkLegacySignature(secret, mturkStringToSign(SIGNING, { Operation: operation, Timestamp: timestamp }));

  it('is Base64(HMAC-SHA1(secret, service + operation + timestamp))', () => {
    const timestamp = '2014-08-15T12:00:00Z';
    expect(mturkStringToSign(SIGNING, { Operation: 'GetAccountBalance', Timestamp: timestamp })).toBe(
      `${SERVICE}GetAccountBalance${timestamp}`,
    );
    expect(sign('secret', 'GetAccountBalance', timestamp)).toBe(
      hmacB64('secret', 'AWSMechanicalTurkRequesterGetAccountBalance2014-08-15T12:00:00Z'),
    );
  });

  it('uses the timestamp exactly as sent', () => {
    const a = sign('secret', 'GetHIT', '2014-08-15T12:00:00Z');
    const b = sign('secret', 'GetHIT', '2014-08-15T12:00:00.000Z');
    expect(a).not.toBe(b);
  });

  it('matches a fixed vector', () => {
    // Computed with `openssl dgst -sha1 -hmac secret -binary | base64` over the string above.
    expect(sign('secret', 'GetAccountBalance', '2014-08-15T12:00:00Z')).toBe('s9qowLOvSDnLeMcK9noMBE76cng=');
  });
});

describe('querySignatureV1', () => {
  it('concatenates key+value sorted case-insensitively, skipping Signature', () => {
    const params = {
      Operation: 'GetAccountBalance',
      AWSAccessKeyId: 'AKID',
      Timestamp: '2014-08-15T12:00:00Z',
      SignatureVersion: '1',
      Version: '2014-08-15',
      aBc: 'x y',
      Signature: 'ignored',
      ResponseGroup: 'Minimal',
    };
    // 'abc' sorts before 'awsaccesskeyid' once lower-cased.
    const expected =
      'aBcx y' +
      'AWSAccessKeyIdAKID' +
      'OperationGetAccountBalance' +
      'ResponseGroupMinimal' +
      'SignatureVersion1' +
      'Timestamp2014-08-15T12:00:00Z' +
      'Version2014-08-15';
    expect(querySignatureV1('secret', params, 'Signature')).toBe(hmacB64('secret', expected));
  });

  it('differs from a case-sensitive ordering', () => {
    const params = { b: '1', A: '2', a: '3', C: '4' };
    // Case-insensitive: A, a, b, C. A case-sensitive sort would give A, C, a, b.
    expect(querySignatureV1('k', params, 'Signature')).toBe(hmacB64('k', 'A2a3b1C4'));
    expect(querySignatureV1('k', params, 'Signature')).not.toBe(hmacB64('k', 'A2C4a3b1'));
  });

  it('matches a fixed vector', () => {
    // Computed with `openssl dgst -sha1 -hmac secret -binary | base64` over 'aBcx yAWSAccessKeyIdAKIDOperationGetAccountBalance'.
    const params = { Operation: 'GetAccountBalance', AWSAccessKeyId: 'AKID', aBc: 'x y' };
    expect(querySignatureV1('secret', params, 'Signature')).toBe('KN3SLk/0MwzLbRL1dP8Xy0SlVmg=');
  });

  it('signs non-ASCII values as UTF-8', () => {
    expect(querySignatureV1('k', { Title: 'Café 😀' }, 'Signature')).toBe(
      createHmac('sha1', 'k').update(Buffer.from('TitleCafé 😀', 'utf8')).digest('base64'),
    );
  });
});

describe('signLegacyParams, verified by the REST codec', () => {
  const base = {
    Service: SERVICE,
    Operation: 'GetAccountBalance',
    Timestamp: '2014-08-15T12:00:00Z',
    Version: '2014-08-15',
  };

  it('round-trips the MTurk scheme', () => {
    const signed = signLegacyParams(base, CREDS, SIGNING, 'mturk-hmac-sha1');
    expect(signed).toMatchObject({ ...base, AWSAccessKeyId: CREDS.accessKeyId });
    expect(signed.SignatureVersion).toBeUndefined();
    expect(signed.Signature).toBe(
      hmacB64(CREDS.secretAccessKey, `${SERVICE}GetAccountBalance2014-08-15T12:00:00Z`),
    );
    expect(legacyVerdict(signed, lookup)).toEqual({
      ok: true,
      accessKeyId: CREDS.accessKeyId,
      scheme: 'mturk-hmac-sha1',
    });
  });

  it('round-trips SignatureVersion 1', () => {
    const signed = signLegacyParams(base, CREDS, SIGNING, 'aws-query-v1');
    expect(signed.SignatureVersion).toBe('1');
    expect(legacyVerdict(signed, lookup)).toEqual({
      ok: true,
      accessKeyId: CREDS.accessKeyId,
      scheme: 'aws-query-v1',
    });
  });

  it('does not mutate its input and replaces an old Signature', () => {
    const input = { ...base, Signature: 'stale' };
    const signed = signLegacyParams(input, CREDS, SIGNING, 'mturk-hmac-sha1');
    expect(input.Signature).toBe('stale');
    expect(signed.Signature).not.toBe('stale');
  });

  it('needs Operation and Timestamp for the MTurk scheme', () => {
    expect(() => signLegacyParams({ Operation: 'GetHIT' }, CREDS, SIGNING, 'mturk-hmac-sha1')).toThrow(
      /Timestamp/,
    );
  });

  it('the MTurk scheme covers only service, Operation and Timestamp', () => {
    const signed = signLegacyParams({ ...base, HITId: 'A' }, CREDS, SIGNING, 'mturk-hmac-sha1');
    expect(legacyVerdict({ ...signed, HITId: 'B' }, lookup).ok).toBe(true);
    expect(legacyVerdict({ ...signed, Operation: 'GetHIT' }, lookup)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(legacyVerdict({ ...signed, Timestamp: '2014-08-15T12:00:01Z' }, lookup)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('SignatureVersion 1 covers every parameter', () => {
    const signed = signLegacyParams({ ...base, HITId: 'A' }, CREDS, SIGNING, 'aws-query-v1');
    expect(legacyVerdict({ ...signed, HITId: 'B' }, lookup)).toMatchObject({
      ok: false,
      reason: 'mismatch',
      accessKeyId: CREDS.accessKeyId,
    });
    expect(legacyVerdict({ ...signed, Extra: '' }, lookup)).toMatchObject({
      reason: 'mismatch',
    });
  });

  it('rejects a wrong secret and a different service name', () => {
    const wrongSecret = signLegacyParams(
      base,
      { ...CREDS, secretAccessKey: 'nope' },
      SIGNING,
      'mturk-hmac-sha1',
    );
    expect(legacyVerdict(wrongSecret, lookup)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    const otherService = signLegacyParams(
      base,
      CREDS,
      { ...SIGNING, service: 'AWSMechanicalTurkWorker' },
      'mturk-hmac-sha1',
    );
    expect(legacyVerdict(otherService, lookup)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects an unknown access key', () => {
    const signed = signLegacyParams(base, { ...CREDS, accessKeyId: 'AKIDOTHER' }, SIGNING, 'aws-query-v1');
    expect(legacyVerdict(signed, lookup)).toMatchObject({
      ok: false,
      reason: 'unknown-key',
      accessKeyId: 'AKIDOTHER',
    });
  });

  it.each(['AWSAccessKeyId', 'Signature', 'Operation', 'Timestamp'])('reports a missing %s', (name) => {
    const signed: Record<string, string> = signLegacyParams(base, CREDS, SIGNING, 'mturk-hmac-sha1');
    delete signed[name];
    const verdict = legacyVerdict(signed, lookup);
    expect(verdict).toMatchObject({ ok: false, reason: 'missing' });
    expect(verdict.ok ? '' : verdict.message).toContain(name);
  });

  it('SignatureVersion 1 signs whatever parameters there are; without its Signature it is missing', () => {
    const signed = signLegacyParams({ ...base, Foo: 'bar' }, CREDS, SIGNING, 'aws-query-v1');
    expect(legacyVerdict(signed, lookup)).toMatchObject({ ok: true, scheme: 'aws-query-v1' });
    const { Signature: _omit, ...unsigned } = signed;
    expect(legacyVerdict(unsigned, lookup)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('rejects signatures of the wrong length or encoding', () => {
    const signed = signLegacyParams(base, CREDS, SIGNING, 'mturk-hmac-sha1');
    for (const Signature of [
      signed.Signature!.slice(0, -1),
      `${signed.Signature}=`,
      signed.Signature!.replace(/\+/g, ' '),
    ]) {
      if (Signature === signed.Signature) continue;
      expect(legacyVerdict({ ...signed, Signature }, lookup)).toMatchObject({
        reason: 'mismatch',
      });
    }
  });

  it('property: any parameters round-trip under both schemes, and changing one breaks v1', () => {
    const key = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,15}$/)
      // the common parameters are the base's (a random Version or Timestamp is refused before the signature)
      .filter(
        (k) =>
          ![
            'Service',
            'Operation',
            'Timestamp',
            'Version',
            'Signature',
            'SignatureVersion',
            'AWSAccessKeyId',
          ].includes(k),
      );
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.string({ unit: 'grapheme', maxLength: 30 }), { minKeys: 1 }),
        (extra) => {
          for (const scheme of ['mturk-hmac-sha1', 'aws-query-v1'] as const) {
            const signed = signLegacyParams({ ...base, ...extra }, CREDS, SIGNING, scheme);
            expect(legacyVerdict(signed, lookup)).toMatchObject({ ok: true, scheme });
          }
          const v1 = signLegacyParams({ ...base, ...extra }, CREDS, SIGNING, 'aws-query-v1');
          const [first] = Object.keys(extra);
          expect(legacyVerdict({ ...v1, [first!]: `${v1[first!]}x` }, lookup).ok).toBe(false);
        },
      ),
    );
  });
});
