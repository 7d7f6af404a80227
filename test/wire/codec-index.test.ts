import { describe, expect, it } from 'vitest';
import { wireFormOf } from '../../src/record/wire-form.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';
import type { WireRequest } from '../../src/wire/http-types.ts';
import { codecFor, codecs, codecsFor } from '../../src/wire/index.ts';

/** The API a request is for, as the recorder and the servers route it. */
const detectApi = (req: WireRequest, specs = set) => wireFormOf(specs, req)?.api;

const set = loadSpecs();
const creds = { accessKeyId: 'AKIAX', secretAccessKey: 's' };

describe('codec index', () => {
  it('has one codec per API version and wire form, in routing order', () => {
    // 2014-08-15 has two wire forms: REST (its default) and SOAP
    expect(codecs.map((c) => `${c.api} ${c.wire ?? ''}`).sort()).toEqual(
      [...APIS.map((a) => (a === '2014-08-15' ? `${a} rest` : `${a} `)), '2014-08-15 soap'].sort(),
    );
    expect(codecFor('2014-08-15').wire).toBe('rest');
    expect(codecFor('2014-08-15', 'soap').wire).toBe('soap');
    for (const api of APIS) expect(codecFor(api).api).toBe(api);
    expect(() => codecFor('1999-01-01' as never)).toThrow();
  });
  it('detects the API of each codec’s own requests, and nothing else', () => {
    for (const api of APIS) {
      const op = [...set.apis[api].operations.keys()][0]!;
      const req = codecFor(api).encodeRequest(set, op, {}, creds, { host: 'h', now: new Date() });
      expect(detectApi(req)).toBe(api);
      expect(codecs.filter((c) => c.claims(req)).map((c) => c.api)).toEqual([api]);
    }
    expect(detectApi({ method: 'POST', path: '/', query: '', headers: {}, body: '{}' })).toBeUndefined();
    expect(detectApi({ method: 'GET', path: '/', query: 'Foo=1', headers: {}, body: '' })).toBeUndefined();
  });
  it('codecsFor reads the claiming rules from the given spec set', () => {
    const copy = structuredClone({ ...set, files: undefined }) as unknown as typeof set;
    copy.files = new Map();
    copy.apis['2017-01-17'].protocol.targetPrefix = 'OtherPrefix';
    const [json] = codecsFor(copy);
    const req = codecFor('2017-01-17').encodeRequest(set, 'GetAssignment', {}, creds, {
      host: 'h',
      now: new Date(),
    });
    expect(codecFor('2017-01-17').claims(req)).toBe(true);
    expect(json!.claims(req)).toBe(false);
    expect(detectApi(req, copy)).toBeUndefined();
  });
});
