// The legacy checks run over each wire form the target speaks: REST checks, their SOAP twins
// (`soap.<check>`) and the SOAP-only rules; `--legacy-wire` narrows to one form.
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { parseLegacyWire } from '../../src/cli/commands/server.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { serverCatalogue } from '../support/catalogue.ts';

const set = loadSpecs();
const legacyIds = (legacyWires?: string[]) =>
  serverCatalogue(set, { ...(legacyWires ? { legacyWires } : {}) })
    .filter((c) => c.api === '2014-08-15' || c.check.includes('cross.'))
    .map((c) => c.id);

describe('legacy wire forms in the catalogue', () => {
  test('by default every legacy check has a SOAP twin, except those acting on the REST form', () => {
    const ids = new Set(legacyIds());
    const rest = [...ids].filter((id) => !id.split('/')[2]!.startsWith('soap.'));
    const missing = rest.filter((id) => {
      const [api, op, check] = id.split('/') as [string, string, string];
      return !ids.has(`${api}/${op}/soap.${check}`);
    });
    // the REST-only ones: HTTP methods, SignatureVersion 1, Version, the Signature parameter, recorded REST exchanges
    // (the SOAP forms of the signature refusals are SOAP-only checks; their .code parts stay REST)
    for (const id of missing)
      expect(id).toMatch(
        /\/(protocol\.(methods|signature-schemes|version)(\.code)?|protocol\.(missing|bad)-signature\.code|fixtures\..*)$/,
      );
    for (const check of ['namespace', 'soapaction', 'fault-placement', 'envelope-fault', 'batch'])
      expect(ids.has(`2014-08-15/RejectAssignment/soap.${check}`)).toBe(true);
    expect(ids.has('2014-08-15/RejectAssignment/soap.protocol.bad-signature')).toBe(true);
    expect(ids.has('2014-08-15/RejectAssignment/soap.protocol.methods')).toBe(false);
  });

  test('--legacy-wire rest keeps the REST checks only, soap the SOAP checks only; 2017 checks stay', () => {
    expect(legacyIds(['rest']).filter((id) => id.includes('/soap.'))).toEqual([]);
    const soap = legacyIds(['soap']);
    expect(soap.length).toBeGreaterThan(0);
    expect(soap.filter((id) => !id.includes('/soap.'))).toEqual([]);
    const json = (w: string[]) =>
      serverCatalogue(set, { legacyWires: w }).filter(
        (c) => c.api === '2017-01-17' && !c.check.includes('cross.'),
      ).length;
    expect(json(['soap'])).toBe(json(['rest']));
  });

  test('parseLegacyWire', () => {
    expect(parseLegacyWire(undefined)).toBeUndefined();
    expect(parseLegacyWire('both')).toEqual(['rest', 'soap']);
    expect(parseLegacyWire('soap')).toEqual(['soap']);
    expect(() => parseLegacyWire('xml')).toThrow(UsageError);
  });
});
