/**
 * The two signature schemes legacy (2014-08-15) MTurk REST clients used, both HMAC-SHA1 + Base64:
 * - 'mturk-hmac-sha1': over service + Operation + Timestamp (the MTurk API's own scheme);
 * - 'aws-query-v1':    AWS query SignatureVersion 1 (boto2), over every parameter but Signature.
 * The service name comes from the spec, not from here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LegacyScheme = 'mturk-hmac-sha1' | 'aws-query-v1';

export interface LegacyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type LegacyVerdict =
  | { ok: true; accessKeyId: string; scheme: LegacyScheme }
  | { ok: false; reason: 'missing' | 'unknown-key' | 'mismatch'; message: string; accessKeyId?: string };

function hmacSha1Base64(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}

/** Base64(HMAC-SHA1(secret, service + operation + timestamp)); `timestamp` exactly as sent. */
export function mturkLegacySignature(
  secret: string,
  service: string,
  operation: string,
  timestamp: string,
): string {
  return hmacSha1Base64(secret, service + operation + timestamp);
}

/** SignatureVersion 1: key+value of every parameter except Signature, keys ordered case-insensitively. */
export function querySignatureV1(secret: string, params: Record<string, string>): string {
  const keys = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort(compareCaseInsensitive);
  return hmacSha1Base64(secret, keys.map((key) => key + params[key]).join(''));
}

// Keys equal but for case have no documented order; fall back to code-unit order for determinism.
function compareCaseInsensitive(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Returns a copy of `params` with AWSAccessKeyId and Signature set (plus SignatureVersion=1 for
 * 'aws-query-v1'). The MTurk scheme needs Operation and Timestamp in `params`.
 */
export function signLegacyParams(
  params: Record<string, string>,
  creds: LegacyCredentials,
  service: string,
  scheme: LegacyScheme,
): Record<string, string> {
  const signed: Record<string, string> = { ...params, AWSAccessKeyId: creds.accessKeyId };
  delete signed.Signature;
  if (scheme === 'aws-query-v1') {
    signed.SignatureVersion = '1';
    signed.Signature = querySignatureV1(creds.secretAccessKey, signed);
    return signed;
  }
  const { Operation: operation, Timestamp: timestamp } = signed;
  if (operation === undefined || timestamp === undefined) {
    throw new Error('signLegacyParams: the mturk-hmac-sha1 scheme needs Operation and Timestamp');
  }
  // A leftover SignatureVersion=1 would make verifiers pick the other scheme.
  if (signed.SignatureVersion === '1') delete signed.SignatureVersion;
  signed.Signature = mturkLegacySignature(creds.secretAccessKey, service, operation, timestamp);
  return signed;
}

/** Picks SignatureVersion 1 when the request says so, else the MTurk scheme, and checks the signature. */
export function verifyLegacySignature(
  params: Record<string, string>,
  lookupSecret: (accessKeyId: string) => string | undefined,
  service: string,
): LegacyVerdict {
  const scheme: LegacyScheme = params.SignatureVersion === '1' ? 'aws-query-v1' : 'mturk-hmac-sha1';
  const {
    AWSAccessKeyId: accessKeyId,
    Signature: signature,
    Operation: operation,
    Timestamp: timestamp,
  } = params;
  const absent = Object.entries({ AWSAccessKeyId: accessKeyId, Signature: signature })
    .concat(
      scheme === 'mturk-hmac-sha1' ? Object.entries({ Operation: operation, Timestamp: timestamp }) : [],
    )
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (!accessKeyId || !signature || absent.length > 0) {
    const message = `Request is missing required parameter(s): ${absent.join(', ')}.`;
    return accessKeyId
      ? { ok: false, reason: 'missing', message, accessKeyId }
      : { ok: false, reason: 'missing', message };
  }
  const secret = lookupSecret(accessKeyId);
  if (secret === undefined) {
    return {
      ok: false,
      reason: 'unknown-key',
      message: `The access key id '${accessKeyId}' is not recognised.`,
      accessKeyId,
    };
  }
  const expected =
    scheme === 'aws-query-v1'
      ? querySignatureV1(secret, params)
      : mturkLegacySignature(secret, service, operation ?? '', timestamp ?? '');
  if (!constantTimeEqual(expected, signature)) {
    return {
      ok: false,
      reason: 'mismatch',
      message: `The request signature (${scheme}) does not match the signature we calculated.`,
      accessKeyId,
    };
  }
  return { ok: true, accessKeyId, scheme };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // The length of a Base64 HMAC-SHA1 is public, so leaking a length mismatch costs nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}
