// The Content-Type of an error answer is a spec fact (errorEnvelope.contentType, with its
// contentTypeBasis), for both API versions: the emulator writes it, the codecs check it, and a
// protocol without it does not load.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs, loadSpecsUncached } from '../../src/spec/load.ts';
import { APIS, type Api, type SpecSet } from '../../src/spec/types.ts';
import type { WireResponse } from '../../src/wire/http-types.ts';
import { codecsFor } from '../../src/wire/index.ts';
import { mediaType } from '../../src/wire/json11.ts';
import { stateIds } from '../emulator/helpers.ts';
import { copySpecs, editJson, problemsOf } from '../spec/helpers.ts';

const creds = TEST_REQUESTER_1;
const UNKNOWN_ID = 'A'.repeat(30);

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = copySpecs());
});
afterEach(() => cleanup());

const codec = (set: SpecSet, api: Api) => codecsFor(set).find((c) => c.api === api)!;

/** A success and an error (an unknown assignment) from an emulator over `set`. */
function answers(set: SpecSet, api: Api): { ok: WireResponse; bad: WireResponse } {
  const emulator = createEmulator({ specs: set });
  const ids = stateIds(emulator, 'HITWithSubmittedAssignment');
  const call = (AssignmentId: string) =>
    emulator.handleSync(
      codec(set, api).encodeRequest(set, 'GetAssignment', { AssignmentId }, creds, {
        host: '127.0.0.1',
        now: new Date(),
      }),
    );
  return { ok: call(ids.AssignmentId!), bad: call(UNKNOWN_ID) };
}

const OTHER: Record<Api, string> = { '2014-08-15': 'application/xml', '2017-01-17': 'application/json' };

describe.each(APIS)('%s errorEnvelope.contentType', (api) => {
  const file = `protocols/${api}.json`;

  it('the bundled emulator labels successes and errors as the spec says', () => {
    const set = loadSpecs();
    const p = set.apis[api].protocol;
    const { ok, bad } = answers(set, api);
    expect(mediaType(ok.headers['content-type'])).toBe(mediaType(p.success.contentType));
    expect(mediaType(bad.headers['content-type'])).toBe(mediaType(p.errorEnvelope.contentType));
    expect(codec(set, api).decodeResponse(set, 'GetAssignment', bad)).toMatchObject({
      kind: 'error',
      problems: [],
    });
  });

  it('changing the fact changes what the emulator writes for errors only, and what the codec expects', () => {
    editJson(dir, file, (d) => {
      d.errorEnvelope.contentType = OTHER[api];
    });
    const changed = loadSpecsUncached(dir);
    const { ok, bad } = answers(changed, api);
    expect(mediaType(bad.headers['content-type'])).toBe(OTHER[api]);
    expect(mediaType(ok.headers['content-type'])).toBe(
      mediaType(changed.apis[api].protocol.success.contentType),
    );

    // An error answer labelled as the bundled spec says no longer passes the changed spec.
    const bundled = answers(loadSpecs(), api).bad;
    const decoded = codec(changed, api).decodeResponse(changed, 'GetAssignment', bundled);
    expect(decoded.kind).toBe('error');
    expect(decoded.problems).toContain(
      `${file}#/errorEnvelope/contentType: expected ${OTHER[api]}, got ${bundled.headers['content-type']}`,
    );
  });

  it('an envelope without it, or without its basis, does not load', () => {
    editJson(dir, file, (d) => {
      delete d.errorEnvelope.contentType;
      delete d.errorEnvelope.contentTypeBasis;
      delete d.success.contentType;
    });
    const problems = problemsOf(() => loadSpecsUncached(dir));
    for (const [pointer, property] of [
      ['/errorEnvelope', 'contentType'],
      ['/errorEnvelope', 'contentTypeBasis'],
      ['/success', 'contentType'],
    ])
      expect(problems).toContainEqual({
        file,
        pointer,
        message: `must have required property '${property}'`,
      });
  });

  it('a basis naming an unknown source does not load', () => {
    editJson(dir, file, (d) => {
      d.errorEnvelope.contentTypeBasis.sources = ['NOWHERE'];
    });
    expect(problemsOf(() => loadSpecsUncached(dir))).toEqual([
      { file, pointer: '/errorEnvelope/contentTypeBasis/sources/0', message: 'unknown source NOWHERE' },
    ]);
  });
});
