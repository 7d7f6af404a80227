// The golden wire cases of specs/protocols/<api>.cases.json against the codecs: a case that
// applies to clients is what the encoder must write, one that applies to servers is what the
// decoder must read (requests), and the other way round for answers.
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../../src/spec/load.ts';
import { APIS, type Api, type SpecSet, type WireCase } from '../../src/spec/types.ts';
import { caseRequestProblems, wireCases, withCaseOperations } from '../../src/wire/cases.ts';
import type { WireRequest } from '../../src/wire/http-types.ts';
import { codecFor } from '../../src/wire/index.ts';
import { signSigV4 } from '../../src/wire/sigv4.ts';

const creds = { accessKeyId: 'AKIATESTCASES', secretAccessKey: 'secret-cases' };
const lookupSecret = (id: string) => (id === creds.accessKeyId ? creds.secretAccessKey : undefined);
const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));

/** Dates as ISO strings, as cases write them. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

/** The golden request of a case, as a server would receive it (signed with the test key). */
function goldenRequest(set: SpecSet, api: Api, c: WireCase): WireRequest {
  const codec = codecFor(api);
  const encoded = codec.encodeRequest(set, c.operation, {}, creds, { host: 'h', now, method: 'POST' });
  if (c.params) {
    // the legacy signature covers the service, operation and timestamp only: the input's parameters are added as they are
    const extra = Object.entries(c.params).map(
      ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
    );
    return { ...encoded, body: [encoded.body, ...extra].filter(Boolean).join('&') };
  }
  const headers = { ...encoded.headers };
  delete headers.authorization;
  const p = set.apis[api].protocol;
  return signSigV4(
    { ...encoded, headers, body: JSON.stringify(c.body) },
    creds,
    { service: p.signing.service ?? '', region: p.signing.region ?? '' },
    now,
  );
}

for (const api of APIS) {
  const base = loadSpecs();
  const set = withCaseOperations(base, api);
  const codec = codecFor(api);
  describe(`${api} golden wire cases`, () => {
    it('has cases, the legacy list-of-structures form first among them', () => {
      expect(wireCases(base, api).length).toBeGreaterThan(0);
      if (api === '2014-08-15') expect(wireCases(base, api)[0]?.id).toBe('list-of-structures');
    });
    for (const c of wireCases(base, api, 'client').filter((x) => x.type === 'request'))
      it(`${c.id}: the encoder writes the case (what a client must send)`, () => {
        const req = codec.encodeRequest(set, c.operation, c.input ?? {}, creds, { host: 'h', now });
        expect(caseRequestProblems(set, api, c, req)).toEqual([]);
      });
    for (const c of wireCases(base, api, 'server').filter((x) => x.type === 'request'))
      it(`${c.id}: the decoder reads the case (what a server must understand)`, () => {
        const d = codec.decodeRequest(set, goldenRequest(set, api, c), { lookupSecret });
        if (!d.ok) throw new Error(JSON.stringify(d.outcome));
        expect(d.call.operation).toBe(c.operation);
        expect(plain(d.call.input)).toEqual(c.input);
      });
    for (const c of wireCases(base, api).filter((x) => x.type === 'response'))
      it(`${c.id}: the answer decodes to the case's output, and the encoder writes the case's body`, () => {
        const res = {
          status: c.status ?? 200,
          headers: { 'content-type': set.apis[api].protocol.success.contentType, 'x-amzn-requestid': 'r' },
          body: JSON.stringify(c.body),
        };
        const a = codec.decodeResponse(set, c.operation, res);
        if (a.kind !== 'success') throw new Error(`decoded ${a.kind}`);
        expect(plain(a.output)).toEqual(c.output);
        if (c.appliesTo !== 'client') {
          const out = codec.encodeResponse(
            set,
            c.operation,
            { kind: 'success', output: a.output },
            { requestId: 'r', now },
          );
          expect(JSON.parse(out.body)).toEqual(c.body);
        }
      });
  });
}

it('the legacy list-of-structures case fails the encoder that repeats the .1. of a single structure', () => {
  const set = withCaseOperations(loadSpecs(), '2014-08-15');
  const c = wireCases(set, '2014-08-15')[0]!;
  expect(Object.keys(c.params ?? {}).some((k) => /\.\d+\.1\./.test(k))).toBe(false);
  // the doubled form is not read as the list: a server must not need it, a client must not send it
  const doubled = Object.fromEntries(
    Object.entries(c.params ?? {}).map(([k, v]) => [k.replace(/^(\w+\.\d+)\./, '$1.1.'), v]),
  );
  const d = codecFor('2014-08-15').decodeRequest(
    set,
    goldenRequest(set, '2014-08-15', { ...c, params: doubled }),
    {
      lookupSecret,
    },
  );
  expect(d.ok && plain(d.call.input)).not.toEqual(c.input);
});
