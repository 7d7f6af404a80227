// What the emulator makes of legacy parameters signed by signLegacyParams: the REST codec's own
// authentication (legacyAuthentication), the verifier a server runs, asked through decodeRequest.
import { loadSpecs } from '../../src/spec/load.ts';
import type { SpecSet } from '../../src/spec/types.ts';
import { createLegacyCodec, LEGACY_API } from '../../src/wire/legacy.ts';

export type LegacyVerdict =
  | { ok: true; accessKeyId: string; scheme: string | undefined }
  | {
      ok: false;
      reason: 'missing' | 'unknown-key' | 'mismatch' | string;
      message: string;
      accessKeyId?: string;
    };

/**
 * The verdict on `params` sent as a GET query: ok with the caller and the scheme the codec read, or
 * the refusal (missing: a missing key, signature or signed parameter; unknown-key; mismatch; else
 * the error id of another refusal), its message the values the error was filled with.
 */
export function legacyVerdict(
  params: Record<string, string>,
  lookupSecret: (accessKeyId: string) => string | undefined,
  set: SpecSet = loadSpecs(),
): LegacyVerdict {
  const p = set.apis[LEGACY_API].protocol;
  const query = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const r = createLegacyCodec(set).decodeRequest(
    set,
    { method: 'GET', path: p.http.path, query, headers: { host: 'h' }, body: '' },
    { lookupSecret },
  );
  if (r.ok) return { ok: true, accessKeyId: r.call.accessKeyId, scheme: r.call.signatureScheme };
  const errs = p.protocolErrors;
  const reasons: Record<string, string> = {
    [errs.missingAuthentication!]: 'missing',
    [p.validation.missing]: 'missing',
    [errs.unknownAccessKey!]: 'unknown-key',
    [errs.signatureMismatch!]: 'mismatch',
  };
  const { values, error } = r.outcome;
  const accessKeyId = typeof values.accessKeyId === 'string' ? { accessKeyId: values.accessKeyId } : {};
  return { ok: false, reason: reasons[error] ?? error, message: JSON.stringify(values), ...accessKeyId };
}
