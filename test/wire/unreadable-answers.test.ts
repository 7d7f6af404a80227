// An answer that is no envelope of the protocol (an HTML page, plain text, an empty body, a bare root
// with none of the envelope's parts) decodes as garbage for every operation of both APIs and every
// wire form: never a success (an empty output fits an operation whose output members are all optional)
// and never an error. This is what keeps checks that expect a success or an error from passing garbage.
import { describe, expect, it } from 'vitest';
import { expectError, expectRefused, expectSuccess } from '../../src/checks/judge.ts';
import { type Answered, CheckFailure } from '../../src/checks/session.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { Api } from '../../src/spec/types.ts';
import { codecFor, SOAP_WIRE } from '../../src/wire/index.ts';
import { legacyRootName } from '../../src/wire/legacy.ts';
import { soapNamespaceProblems } from '../../src/wire/soap.ts';

const set = loadSpecs();
const APIS = Object.keys(set.apis) as Api[];

function bodies(api: Api, operation: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [
    ['an HTML page', 'text/html', '<html>oops</html>'],
    ['plain text', 'text/plain', 'oops'],
    ['an empty body', 'text/html', ''],
  ];
  if (api !== '2017-01-17') {
    const root = legacyRootName(set, operation);
    out.push(['the bare root element', 'text/xml', `<?xml version="1.0"?><${root}/>`]);
  }
  return out;
}

describe.each(APIS)('%s: unreadable answers are garbage', (api) => {
  const ops = [...set.apis[api].operations.values()];
  const wires = api === '2017-01-17' ? [undefined] : [undefined, SOAP_WIRE];
  it.each(wires.map((w) => [w ?? 'default wire', w] as const))('over %s, for every operation', (_, wire) => {
    const codec = codecFor(api, wire);
    for (const op of ops)
      for (const [what, ct, body] of bodies(api, op.operation)) {
        const res = { status: 200, headers: { 'content-type': ct }, body };
        const answer = codec.decodeResponse(set, op.operation, res);
        expect(answer.kind, `${op.operation}: ${what} → ${JSON.stringify(answer)}`).toBe('garbage');
        expect(answer.problems.length, `${op.operation}: ${what}`).toBeGreaterThan(0);
        const ex = { answer, res } as unknown as Answered;
        expect(() => expectSuccess(set, op, ex, 'a call')).toThrow(CheckFailure);
        expect(() => expectError(set, api, ex, [], 'a call')).toThrow(CheckFailure);
        expect(() => expectRefused(api, ex, 'a call')).toThrow(CheckFailure);
        if (wire === SOAP_WIRE)
          expect(soapNamespaceProblems(set, res), `${op.operation}: ${what}`).not.toEqual([]);
      }
  });
});
