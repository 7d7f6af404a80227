/**
 * The two signature schemes legacy (2014-08-15) MTurk REST clients used, both HMAC-SHA1 + Base64:
 * - 'mturk-hmac-sha1': over service + Operation + Timestamp (the MTurk API's own scheme);
 * - 'aws-query-v1':    AWS query SignatureVersion 1 (boto2), over every parameter but Signature.
 * The service name, the scheme markers and every parameter name come from the protocol spec
 * (`legacySigning`): parameters are found by their role, never by a name written here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parameterByRole } from '../spec/resolve.ts';
import type { ProtocolFile } from '../spec/types.ts';

export type LegacyScheme = 'mturk-hmac-sha1' | 'aws-query-v1';

export interface LegacyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What signing a legacy request needs from the protocol spec. */
export interface LegacySigning {
  /** The service name the MTurk scheme signs (signing.schemes[mturk-hmac-sha1].service). */
  service: string;
  /** The common parameters by role. */
  names: { accessKey: string; signature: string; operation: string; timestamp: string };
  /** The parameters that mark a request as signed with a scheme (aws-query-v1: SignatureVersion=1). */
  markers: Partial<Record<LegacyScheme, Record<string, string>>>;
}

/** The signing facts of a legacy protocol spec. */
export function legacySigning(protocol: ProtocolFile): LegacySigning {
  const schemes = protocol.signing.schemes ?? [];
  const markers: LegacySigning['markers'] = {};
  for (const s of schemes) if (s.marker) markers[s.name as LegacyScheme] = s.marker;
  const name = (role: 'accessKey' | 'signature' | 'operation' | 'timestamp') =>
    parameterByRole(protocol, role).name;
  return {
    service: schemes.find((s) => s.name === 'mturk-hmac-sha1')?.service ?? '',
    names: {
      accessKey: name('accessKey'),
      signature: name('signature'),
      operation: name('operation'),
      timestamp: name('timestamp'),
    },
    markers,
  };
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

/** SignatureVersion 1: key+value of every parameter except the signature, keys ordered case-insensitively. */
export function querySignatureV1(
  secret: string,
  params: Record<string, string>,
  signatureName: string,
): string {
  const keys = Object.keys(params)
    .filter((key) => key !== signatureName)
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

function hasMarker(params: Record<string, string>, marker: Record<string, string> | undefined): boolean {
  return marker !== undefined && Object.entries(marker).every(([k, v]) => params[k] === v);
}

/**
 * Returns a copy of `params` with the access key and the signature set (plus the scheme's marker,
 * e.g. SignatureVersion=1, for 'aws-query-v1'). The MTurk scheme needs the operation and the
 * timestamp in `params`.
 */
export function signLegacyParams(
  params: Record<string, string>,
  creds: LegacyCredentials,
  signing: LegacySigning,
  scheme: LegacyScheme,
): Record<string, string> {
  const n = signing.names;
  const signed: Record<string, string> = { ...params, [n.accessKey]: creds.accessKeyId };
  delete signed[n.signature];
  if (scheme === 'aws-query-v1') {
    Object.assign(signed, signing.markers[scheme] ?? {});
    signed[n.signature] = querySignatureV1(creds.secretAccessKey, signed, n.signature);
    return signed;
  }
  const operation = signed[n.operation];
  const timestamp = signed[n.timestamp];
  if (operation === undefined || timestamp === undefined) {
    throw new Error(`signLegacyParams: the mturk-hmac-sha1 scheme needs ${n.operation} and ${n.timestamp}`);
  }
  // A leftover marker of another scheme would make verifiers pick that scheme.
  for (const [other, marker] of Object.entries(signing.markers))
    if (other !== scheme && hasMarker(signed, marker)) for (const k of Object.keys(marker)) delete signed[k];
  signed[n.signature] = mturkLegacySignature(creds.secretAccessKey, signing.service, operation, timestamp);
  return signed;
}

/** Picks SignatureVersion 1 when the request carries its marker, else the MTurk scheme, and checks the signature. */
export function verifyLegacySignature(
  params: Record<string, string>,
  lookupSecret: (accessKeyId: string) => string | undefined,
  signing: LegacySigning,
): LegacyVerdict {
  const n = signing.names;
  const scheme: LegacyScheme = hasMarker(params, signing.markers['aws-query-v1'])
    ? 'aws-query-v1'
    : 'mturk-hmac-sha1';
  const accessKeyId = params[n.accessKey];
  const signature = params[n.signature];
  const operation = params[n.operation];
  const timestamp = params[n.timestamp];
  const absent = [
    [n.accessKey, accessKeyId],
    [n.signature, signature],
    ...(scheme === 'mturk-hmac-sha1'
      ? [
          [n.operation, operation],
          [n.timestamp, timestamp],
        ]
      : []),
  ]
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
      ? querySignatureV1(secret, params, n.signature)
      : mturkLegacySignature(secret, signing.service, operation ?? '', timestamp ?? '');
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
