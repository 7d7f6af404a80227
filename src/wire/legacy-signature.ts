/**
 * The two signature schemes legacy (2014-08-15) MTurk REST clients used, both HMAC-SHA1 + Base64:
 * - 'mturk-hmac-sha1': over the scheme's `stringToSign` (service + operation + timestamp, the MTurk
 *   API's own scheme);
 * - 'aws-query-v1':    AWS query SignatureVersion 1 (boto2), over every parameter but the signature.
 * The service name, the string to sign, the scheme markers and every parameter name come from the
 * protocol spec (`legacySigning`): parameters are found by their role, never by a name written here.
 */
import { createHmac } from 'node:crypto';
import { fillMessage, parameterByRole, templatePlaceholders } from '../spec/resolve.ts';
import { PARAMETER_ROLES, type ParameterRole, type ProtocolFile } from '../spec/types.ts';

export type LegacyScheme = 'mturk-hmac-sha1' | 'aws-query-v1';

export interface LegacyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What signing a legacy request needs from the protocol spec. */
export interface LegacySigning {
  /** The service name the MTurk scheme signs (signing.schemes[mturk-hmac-sha1].service). */
  service: string;
  /**
   * The MTurk scheme's string to sign: `{service}` is `service`, any other `{role}` the value of
   * the common parameter with that role (signing.schemes[mturk-hmac-sha1].stringToSign).
   */
  stringToSign: string;
  /** The common parameters by role. */
  names: Record<ParameterRole, string>;
  /** The parameters that mark a request as signed with a scheme (aws-query-v1: SignatureVersion=1). */
  markers: Partial<Record<LegacyScheme, Record<string, string>>>;
}

const signingCache = new WeakMap<ProtocolFile, LegacySigning>();

/** The signing facts of a legacy protocol spec (cached: specs are read-only once loaded). */
export function legacySigning(protocol: ProtocolFile): LegacySigning {
  const hit = signingCache.get(protocol);
  if (hit) return hit;
  const schemes = protocol.signing.schemes ?? [];
  const markers: LegacySigning['markers'] = {};
  for (const s of schemes) if (s.marker) markers[s.name as LegacyScheme] = s.marker;
  const mturk = schemes.find((s) => s.name === 'mturk-hmac-sha1');
  const signing: LegacySigning = {
    service: mturk?.service ?? '',
    stringToSign: mturk?.stringToSign ?? '',
    names: Object.fromEntries(
      PARAMETER_ROLES.map((role) => [role, parameterByRole(protocol, role).name]),
    ) as Record<ParameterRole, string>,
    markers,
  };
  signingCache.set(protocol, signing);
  return signing;
}

const signedRolesCache = new Map<string, ParameterRole[]>();

/** The roles whose parameters the MTurk scheme signs, in the order of the string to sign. */
export function signedRoles(stringToSign: string): ParameterRole[] {
  let roles = signedRolesCache.get(stringToSign);
  if (!roles) {
    roles = templatePlaceholders(stringToSign).filter(
      (n): n is ParameterRole => n !== 'service' && (PARAMETER_ROLES as readonly string[]).includes(n),
    );
    signedRolesCache.set(stringToSign, roles);
  }
  return roles;
}

/** The MTurk scheme's string to sign for `params`, values exactly as sent. */
export function mturkStringToSign(
  signing: Pick<LegacySigning, 'service' | 'stringToSign' | 'names'>,
  params: Record<string, string>,
): string {
  const values: Record<string, string> = { service: signing.service };
  for (const role of signedRoles(signing.stringToSign)) values[role] = params[signing.names[role]] ?? '';
  return fillMessage(signing.stringToSign, values);
}

function hmacSha1Base64(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64');
}

/** The MTurk scheme: Base64(HMAC-SHA1(secret, stringToSign)) (see `mturkStringToSign`). */
export function mturkLegacySignature(secret: string, stringToSign: string): string {
  return hmacSha1Base64(secret, stringToSign);
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
 * e.g. SignatureVersion=1, for 'aws-query-v1'). The MTurk scheme needs the parameters its string
 * to sign names (the operation and the timestamp) in `params`.
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
  const needed = signedRoles(signing.stringToSign).map((role) => n[role]);
  if (needed.some((name) => signed[name] === undefined))
    throw new Error(`signLegacyParams: the mturk-hmac-sha1 scheme needs ${needed.join(' and ')}`);
  // A leftover marker of another scheme would make verifiers pick that scheme.
  for (const [other, marker] of Object.entries(signing.markers))
    if (other !== scheme && hasMarker(signed, marker)) for (const k of Object.keys(marker)) delete signed[k];
  signed[n.signature] = mturkLegacySignature(creds.secretAccessKey, mturkStringToSign(signing, signed));
  return signed;
}
