// Which of the three wire forms a request is (JSON 1.1 with its target header, the legacy REST
// query/form, the legacy SOAP envelope), recognised the way the codecs route (src/wire/index.ts).
import type { Api, SpecSet } from '../spec/types.ts';
import type { WireRequest } from '../wire/http-types.ts';
import { JSON11_API, json11Operation } from '../wire/json11.ts';
import { LEGACY_API, legacyOperation } from '../wire/legacy.ts';
import { soapOperation } from '../wire/soap.ts';

export type Wire = 'json' | 'rest' | 'soap';

export interface WireForm {
  api: Api;
  wire: Wire;
  operation: string;
}

/** The API version, wire form and operation of a request; undefined when it is no MTurk call. */
export function wireFormOf(set: SpecSet, req: WireRequest): WireForm | undefined {
  const json = json11Operation(set, req);
  if (json !== undefined) return { api: JSON11_API, wire: 'json', operation: json };
  const rest = legacyOperation(set, req);
  if (rest !== undefined) return { api: LEGACY_API, wire: 'rest', operation: rest };
  const soap = soapOperation(set, req);
  if (soap !== undefined) return { api: LEGACY_API, wire: 'soap', operation: soap };
  return undefined;
}
