// The project's own small legacy SOAP client (2014-08-15 over SOAP 1.1), built on the SOAP
// codec's encodeRequest/decodeResponse: everything it knows about the wire (envelope, namespace,
// SOAPAction, signature elements, faults) comes from specs/protocols/2014-08-15.json#/soap.
import type { ClientUnderTest } from '../mock/types.ts';
import type { SpecSet } from '../spec/types.ts';
import { codecsFor } from '../wire/index.ts';
import { LEGACY_API } from '../wire/legacy.ts';
import { SOAP_WIRE } from '../wire/soap.ts';
import { createLegacyClient, type LegacyRestOptions } from './legacy-rest.ts';

export type LegacySoapOptions = Omit<LegacyRestOptions, 'scheme' | 'method'>;

export function createLegacySoapClient(set: SpecSet, opts: LegacySoapOptions): ClientUnderTest {
  const codec = codecsFor(set).find((c) => c.api === LEGACY_API && c.wire === SOAP_WIRE);
  if (!codec) throw new Error(`specs/protocols/${LEGACY_API}.json binds no SOAP form`);
  return createLegacyClient(set, opts, codec, 'legacy-soap');
}
