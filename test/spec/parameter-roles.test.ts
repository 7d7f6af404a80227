// The legacy common parameters are found by their `role` (protocols/2014-08-15.json), never by
// their names: renaming a parameter in the spec renames it on the wire, in the codec, the
// signers and the emulator; a role nobody holds, or held twice, fails loading.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { classifyLegacyVersion } from '../../src/fixtures/legacy-version.ts';
import { compareSeedWithSpec, readSeed, seedFiles } from '../../src/fixtures/seeds.ts';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import { PARAMETER_ROLES, type SpecSet } from '../../src/spec/types.ts';
import { parseQuery, type WireRequest } from '../../src/wire/http-types.ts';
import { createLegacyCodec, LEGACY_API, legacyParam } from '../../src/wire/legacy.ts';
import { legacySigning, signLegacyParams } from '../../src/wire/legacy-signature.ts';
import { legacyVerdict } from '../wire/legacy-verdict.ts';
import { copySpecs, editJson, problemsOf } from './helpers.ts';

const FILE = `protocols/${LEGACY_API}.json`;
const creds = TEST_REQUESTER_1;
const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

/** A copy of the specs in which each parameter named in `renames` has a new name, same role. */
function renamed(renames: Record<string, string>): SpecSet {
  editJson(dir, FILE, (d) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(d.commonParameters)) out[renames[k] ?? k] = v;
    d.commonParameters = out;
  });
  return loadSpecsUncached(dir);
}

function params(req: WireRequest): Map<string, string> {
  return new Map(parseQuery(req.query || req.body));
}

/** A signed GetAssignment of an assignment made by a provider state, encoded under `set`. */
function getAssignment(set: SpecSet, emulator: ReturnType<typeof createEmulator>): WireRequest {
  const ids = JSON.parse(
    emulator.handleStates(
      JSON.stringify({ state: 'HITWithSubmittedAssignment', requester: creds.accessKeyId }),
    ).body,
  ) as Record<string, string>;
  return createLegacyCodec(set).encodeRequest(
    set,
    'GetAssignment',
    { AssignmentId: ids.AssignmentId },
    creds,
    { host: '127.0.0.1', now, method: 'GET' },
  );
}

describe('the bundled legacy protocol', () => {
  it('gives every role to exactly one common parameter', () => {
    const p = loadSpecs().apis[LEGACY_API].protocol;
    for (const role of PARAMETER_ROLES)
      expect(Object.values(p.commonParameters ?? {}).filter((c) => c.role === role)).toHaveLength(1);
    expect(legacyParam(loadSpecs(), 'accessKey')).toBe('AWSAccessKeyId');
  });
});

describe('renaming a common parameter in the spec renames it everywhere', () => {
  it('the codec writes and reads the new names, and the emulator serves them', () => {
    const set = renamed({ AWSAccessKeyId: 'AccessKey', Signature: 'Sig', Timestamp: 'When' });
    const emulator = createEmulator({ specs: set });
    const req = getAssignment(set, emulator);
    const sent = params(req);
    expect([...sent.keys()]).toEqual(expect.arrayContaining(['AccessKey', 'Sig', 'When']));
    expect(sent.has('AWSAccessKeyId') || sent.has('Signature') || sent.has('Timestamp')).toBe(false);
    const res = emulator.handleSync(req);
    const answer = createLegacyCodec(set).decodeResponse(set, 'GetAssignment', res);
    expect(answer.kind).toBe('success');

    // The bundled names are now just unknown parameters: the access key is missing.
    const old = createLegacyCodec(loadSpecs()).encodeRequest(loadSpecs(), 'GetAssignment', {}, creds, {
      host: '127.0.0.1',
      now,
      method: 'GET',
    });
    const refused = createLegacyCodec(set).decodeResponse(set, 'GetAssignment', emulator.handleSync(old));
    const missingAuth =
      set.errors.errors[set.apis[LEGACY_API].protocol.protocolErrors.missingAuthentication!]!;
    expect(refused).toMatchObject({ kind: 'error', code: missingAuth.code });
  });

  it('the Operation parameter: claims, routing and the seed comparison follow the role', () => {
    const set = renamed({ Operation: 'Action' });
    const codec = createLegacyCodec(set);
    const req = codec.encodeRequest(set, 'GetAssignment', { AssignmentId: 'A1' }, creds, {
      host: 'h',
      now,
      method: 'POST',
    });
    expect(params(req).get('Action')).toBe('GetAssignment');
    expect(codec.claims(req)).toBe(true);
    const decoded = codec.decodeRequest(set, req, { lookupSecret: () => creds.secretAccessKey });
    expect(decoded).toMatchObject({ ok: true, call: { operation: 'GetAssignment' } });
    // The seeds still document `Operation`: the seed comparison now sees an unknown parameter.
    const seed = readSeed(seedFiles()[0]!);
    expect(compareSeedWithSpec(loadSpecs(), seed)).toEqual([]);
    expect(compareSeedWithSpec(set, seed)).toContain(
      `${seed.api}/${seed.operation}: the seed lists Operation, the spec has no such input member`,
    );
  });

  it('the signers sign and check the renamed parameters', () => {
    const set = renamed({ Signature: 'Sig', Operation: 'Action' });
    const signing = legacySigning(set.apis[LEGACY_API].protocol);
    expect(signing.names).toMatchObject({ signature: 'Sig', operation: 'Action' });
    for (const scheme of ['mturk-hmac-sha1', 'aws-query-v1'] as const) {
      const signed = signLegacyParams(
        { Action: 'GetHIT', Timestamp: now.toISOString() },
        creds,
        signing,
        scheme,
      );
      expect(signed.Sig).toBeDefined();
      expect(signed.Signature).toBeUndefined();
      const lookup = () => creds.secretAccessKey;
      expect(legacyVerdict(signed, lookup, set)).toMatchObject({ ok: true, scheme });
      // Under the bundled roles the same request (its operation named) has no signature at all.
      expect(legacyVerdict({ ...signed, Operation: 'GetHIT' }, lookup)).toMatchObject({
        ok: false,
        reason: 'missing',
      });
    }
  });

  it('the Version parameter: the refusal reads the parameter with the version role', () => {
    const set = renamed({ Version: 'ApiVersion' });
    const refused = Object.keys(set.apis[LEGACY_API].protocol.commonParameters!.ApiVersion!.refuse!)[0]!;
    expect(classifyLegacyVersion(set, { ApiVersion: refused })).toMatchObject({ verdict: 'refuse' });
    expect(classifyLegacyVersion(set, { Version: refused })).toEqual({
      verdict: 'accept',
      version: undefined,
    });
  });
});

describe('the MTurk string to sign names parameters by role', () => {
  it('changing the template changes the signature the codec writes and the emulator expects', () => {
    editJson(dir, FILE, (d) => {
      const mturk = d.signing.schemes.find((s: { name: string }) => s.name === 'mturk-hmac-sha1');
      mturk.stringToSign = '{timestamp}{operation}{service}';
    });
    const set = loadSpecsUncached(dir);
    const bundled = loadSpecs();
    const emulator = createEmulator({ specs: set });
    const encode = (s: SpecSet) =>
      createLegacyCodec(s).encodeRequest(s, 'GetAssignment', { AssignmentId: 'A'.repeat(30) }, creds, {
        host: 'h',
        now,
        method: 'GET',
        scheme: 'mturk-hmac-sha1',
      });
    const sig = (r: WireRequest) => params(r).get('Signature');
    expect(sig(encode(set))).not.toBe(sig(encode(bundled)));
    const p = set.apis[LEGACY_API].protocol;
    const codeOf = (id: string) => set.errors.errors[id]!.code;
    const answer = (r: WireRequest) =>
      createLegacyCodec(set).decodeResponse(set, 'GetAssignment', emulator.handleSync(r));
    // Its own requests get past signing (to the unknown assignment); the bundled ones do not.
    expect(answer(encode(set))).toMatchObject({ kind: 'error', code: codeOf('AssignmentDoesNotExist') });
    expect(answer(encode(bundled))).toMatchObject({
      kind: 'error',
      code: codeOf(p.protocolErrors.signatureMismatch!),
    });
  });

  it('a placeholder that is no role fails loading', () => {
    editJson(dir, FILE, (d) => {
      d.signing.schemes[0].stringToSign = '{service}{Operation}{timestamp}';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: FILE,
        pointer: '/signing/schemes/0/stringToSign',
        message: `{Operation} is neither {service} nor a parameter role (${PARAMETER_ROLES.join(', ')})`,
      },
    ]);
  });
});

describe('roles that dangle fail loading', () => {
  it('a role nobody holds', () => {
    editJson(dir, FILE, (d) => {
      delete d.commonParameters.AWSAccessKeyId.role;
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      {
        file: FILE,
        pointer: '/commonParameters',
        message: `no common parameter has the role accessKey (every role of ${PARAMETER_ROLES.join(', ')} needs one)`,
      },
    ]);
  });

  it('a role held twice', () => {
    editJson(dir, FILE, (d) => {
      d.commonParameters.Service.role = 'signature';
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    expect(problems).toContainEqual({
      file: FILE,
      pointer: '/commonParameters/Signature/role',
      message: 'role signature is already held by Service: a role names one parameter',
    });
    expect(problems).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/role service/) }),
    );
  });

  it('a role the format does not know', () => {
    editJson(dir, FILE, (d) => {
      d.commonParameters.Signature.role = 'mac';
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toContainEqual(
      expect.objectContaining({ file: FILE, pointer: '/commonParameters/Signature/role' }),
    );
  });
});
