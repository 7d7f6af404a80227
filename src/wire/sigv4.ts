/**
 * AWS Signature Version 4 (header form) with node:crypto only.
 * Signing and verification share one canonicalisation so they cannot drift apart; tests pin both
 * against @smithy/signature-v4, which is what @aws-sdk/client-mturk uses.
 */
import { createHmac, hash } from 'node:crypto';
import type { WireRequest } from './http-types.ts';
import { headerValue, parseQuery } from './http-types.ts';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Scope {
  service: string;
  region: string;
}

export type SigV4FailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown-key'
  | 'wrong-scope'
  | 'mismatch'
  | 'clock-skew';

export type SigV4Verdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; reason: SigV4FailureReason; message: string; accessKeyId?: string };

export interface SigV4VerifyOptions {
  /** Reject when |now - x-amz-date| exceeds this (reason 'clock-skew'). Off by default. */
  maxSkewMs?: number;
  /** Clock used for the skew check; defaults to the current time. */
  now?: Date;
  /** Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD`, leaving the body unprotected. Off by default. */
  allowUnsignedPayload?: boolean;
}

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const SCOPE_TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const CONTENT_SHA256_HEADER = 'x-amz-content-sha256';
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEADER_NAME_PATTERN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

export function sha256Hex(text: string): string {
  // the one-shot form: no Hash object per call (two per verified request)
  return hash('sha256', text, 'hex');
}

/**
 * Returns a copy of `req` carrying `x-amz-date` and `authorization`. Signs host, content-type,
 * content-md5 and every x-amz-* header present. The caller must have set `host`.
 */
export function signSigV4(
  req: WireRequest,
  creds: SigV4Credentials,
  scope: SigV4Scope,
  now: Date = new Date(),
): WireRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization') headers[lower] = value;
  }
  if (headers.host === undefined) throw new Error('signSigV4: the host header must be set before signing');

  const amzDate = formatAmzDate(now);
  headers['x-amz-date'] = amzDate;
  const signedHeaders = Object.keys(headers)
    .filter(
      (name) =>
        name === 'host' || name === 'content-type' || name === 'content-md5' || name.startsWith('x-amz-'),
    )
    .sort();
  // Like the SDK: an explicit content hash header is trusted as the payload hash.
  const payloadHash = headers[CONTENT_SHA256_HEADER] ?? sha256Hex(req.body);
  const credentialScope = `${amzDate.slice(0, 8)}/${scope.region}/${scope.service}/${SCOPE_TERMINATOR}`;
  const signature = computeSignature(
    { ...req, headers },
    signedHeaders,
    payloadHash,
    amzDate,
    credentialScope,
    creds.secretAccessKey,
  );
  headers.authorization =
    `${SIGV4_ALGORITHM} Credential=${creds.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return { ...req, headers };
}

/** Verifies the Authorization header of `req` against the secret that `lookupSecret` returns. */
export function verifySigV4(
  req: WireRequest,
  lookupSecret: (accessKeyId: string) => string | undefined,
  scope: SigV4Scope,
  opts: SigV4VerifyOptions = {},
): SigV4Verdict {
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return fail('missing', 'Request is missing the Authorization header.');
  }
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === 'string') return fail('malformed', parsed);
  const { accessKeyId, date, region, service, signedHeaders, signature } = parsed;

  if (region !== scope.region) {
    return fail(
      'wrong-scope',
      `Credential should be scoped to region '${scope.region}', not '${region}'.`,
      accessKeyId,
    );
  }
  if (service !== scope.service) {
    return fail(
      'wrong-scope',
      `Credential should be scoped to service '${scope.service}', not '${service}'.`,
      accessKeyId,
    );
  }
  const secret = lookupSecret(accessKeyId);
  if (secret === undefined) {
    return fail('unknown-key', `The access key id '${accessKeyId}' is not recognised.`, accessKeyId);
  }

  const amzDate = headerValue(req.headers, 'x-amz-date');
  if (amzDate === undefined)
    return fail('malformed', 'Request is missing the X-Amz-Date header.', accessKeyId);
  const requestTime = parseAmzDate(amzDate);
  if (requestTime === undefined) {
    return fail('malformed', `X-Amz-Date '${amzDate}' is not in the form YYYYMMDDTHHMMSSZ.`, accessKeyId);
  }
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return fail('malformed', 'SignedHeaders must include host and x-amz-date.', accessKeyId);
  }
  if (date !== amzDate.slice(0, 8)) {
    return fail(
      'wrong-scope',
      `Credential date '${date}' does not match the date of X-Amz-Date '${amzDate}'.`,
      accessKeyId,
    );
  }
  if (opts.maxSkewMs !== undefined) {
    const now = (opts.now ?? new Date()).getTime();
    if (Math.abs(now - requestTime.getTime()) > opts.maxSkewMs) {
      return fail('clock-skew', `X-Amz-Date '${amzDate}' is too far from the server time.`, accessKeyId);
    }
  }
  for (const name of signedHeaders) {
    if (headerValue(req.headers, name) === undefined) {
      return fail('mismatch', `Signed header '${name}' is not present in the request.`, accessKeyId);
    }
  }

  const payloadHash = resolvePayloadHash(req, opts.allowUnsignedPayload === true);
  if (!payloadHash.ok) return fail(payloadHash.reason, payloadHash.message, accessKeyId);

  const expected = computeSignature(
    req,
    signedHeaders,
    payloadHash.value,
    amzDate,
    `${date}/${region}/${service}/${SCOPE_TERMINATOR}`,
    secret,
  );
  // Both are 64 lower-case hex digits here (parseAuthorization checked the format).
  if (!sameHex(expected, signature)) {
    return fail(
      'mismatch',
      'The request signature we calculated does not match the signature you provided.',
      accessKeyId,
    );
  }
  return { ok: true, accessKeyId };
}

/** Constant-time comparison of two hex strings of one length (no Buffers for 64 characters). */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Returns the parsed header, or a message saying what is wrong with it. */
function parseAuthorization(header: string): ParsedAuthorization | string {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return `Authorization header must start with '${SIGV4_ALGORITHM}', found '${truncate(algorithm)}'.`;
  }
  // three locals, not a Map: this runs on every verified request
  let credential: string | undefined;
  let signedHeaderList: string | undefined;
  let signature: string | undefined;
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = part.slice(eq + 1).trim();
    if (eq >= 0 && key === 'Credential' && credential === undefined) credential = value;
    else if (eq >= 0 && key === 'SignedHeaders' && signedHeaderList === undefined) signedHeaderList = value;
    else if (eq >= 0 && key === 'Signature' && signature === undefined) signature = value;
    else return `Authorization header has an unexpected component '${truncate(part.trim())}'.`;
  }
  if (credential === undefined || signedHeaderList === undefined || signature === undefined) {
    return 'Authorization header must contain Credential, SignedHeaders and Signature.';
  }
  const scopeParts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = scopeParts;
  if (
    scopeParts.length !== 5 ||
    !accessKeyId ||
    !date ||
    !/^\d{8}$/.test(date) ||
    !region ||
    !service ||
    terminator !== SCOPE_TERMINATOR
  ) {
    return `Credential '${truncate(credential)}' is not of the form <key>/<yyyymmdd>/<region>/<service>/${SCOPE_TERMINATOR}.`;
  }
  const signedHeaders = signedHeaderList.split(';');
  if (signedHeaders.some((name) => !HEADER_NAME_PATTERN.test(name))) {
    return `SignedHeaders '${truncate(signedHeaderList)}' must be lower-case header names separated by ';'.`;
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    return 'Signature must be 64 lower-case hexadecimal digits.';
  }
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

type PayloadHash =
  | { ok: true; value: string }
  | { ok: false; reason: 'malformed' | 'mismatch'; message: string };

/**
 * The SDK may send x-amz-content-sha256; it is what went into the signature, but it must also
 * match the body, or a signed request could carry any body at all.
 */
function resolvePayloadHash(req: WireRequest, allowUnsignedPayload: boolean): PayloadHash {
  const declared = headerValue(req.headers, CONTENT_SHA256_HEADER);
  if (declared === undefined) return { ok: true, value: sha256Hex(req.body) };
  if (declared === UNSIGNED_PAYLOAD) {
    return allowUnsignedPayload
      ? { ok: true, value: declared }
      : {
          ok: false,
          reason: 'malformed',
          message: 'UNSIGNED-PAYLOAD is not accepted: the body must be signed.',
        };
  }
  if (declared.toLowerCase() !== sha256Hex(req.body)) {
    return {
      ok: false,
      reason: 'mismatch',
      message: 'X-Amz-Content-SHA256 does not match the request body.',
    };
  }
  return { ok: true, value: declared };
}

function computeSignature(
  req: WireRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
  amzDate: string,
  credentialScope: string,
  secret: string,
): string {
  // concatenated, not joined from arrays: this runs on every verified request
  let canonicalRequest = `${req.method.toUpperCase()}\n${canonicalUri(req.path)}\n${canonicalQuery(req.query)}\n`;
  for (const name of signedHeaders)
    canonicalRequest += `${name}:${canonicalHeaderValue(headerValue(req.headers, name) ?? '')}\n`;
  canonicalRequest += `\n${signedHeaders.join(';')}\n${payloadHash}`;
  const stringToSign = `${SIGV4_ALGORITHM}\n${amzDate}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`;

  return createHmac('sha256', signingKey(secret, credentialScope)).update(stringToSign, 'utf8').digest('hex');
}

// Signing keys depend only on (secret, date, region, service): derived once per scope and day
// instead of four HMACs per request. Bounded, so a stream of forged scopes cannot grow it.
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 256;

function signingKey(secret: string, credentialScope: string): Buffer {
  const cacheKey = `${credentialScope}\n${secret}`;
  const hit = signingKeys.get(cacheKey);
  if (hit) return hit;
  const parts = credentialScope.split('/');
  let key: Buffer = hmac(`AWS4${secret}`, parts[0]!);
  for (const part of parts.slice(1)) key = hmac(key, part);
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (upper-case hex). */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Non-S3 services normalise the path and encode the (already encoded) segments once more. */
function canonicalUri(path: string): string {
  if (path === '/') return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(rfc3986).join('/')}${trailing}`;
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return parseQuery(query)
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** What canonicalHeaderValue changes: a line break, a tab, a run of spaces, an edge space. */
const NOT_CANONICAL = /[\r\n\t]| {2}|^ | $/;

function canonicalHeaderValue(value: string): string {
  if (!NOT_CANONICAL.test(value)) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The last X-Amz-Date read and what it read as (a burst of requests is dated within one second). */
let lastAmzDate: { text: string; date: Date | undefined } | undefined;

function parseAmzDate(text: string): Date | undefined {
  if (lastAmzDate?.text === text) return lastAmzDate.date && new Date(lastAmzDate.date.getTime());
  const date = readAmzDate(text);
  lastAmzDate = { text, date };
  return date && new Date(date.getTime());
}

function readAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20240230 over to March (and 24:00 over to the next day): a real timestamp
  // reads back the same fields. (Compared field by field: this runs on every request.)
  const real =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return real ? date : undefined;
}

function fail(reason: SigV4FailureReason, message: string, accessKeyId?: string): SigV4Verdict {
  return accessKeyId === undefined
    ? { ok: false, reason, message }
    : { ok: false, reason, message, accessKeyId };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
