// Codec selection: by API version and wire form (what a request itself is: src/record/wire-form.ts).
import type { Api, SpecSet } from '../spec/types.ts';
import type { Codec } from './codec.ts';
import { createJson11Codec, json11Codec } from './json11.ts';
import { createLegacyCodec, LEGACY_API, legacyCodec } from './legacy.ts';
import { createSoapCodec, SOAP_WIRE, soapCodec } from './soap.ts';

export type * from './codec.ts';
export { json11Codec, legacyCodec, SOAP_WIRE, soapCodec };

/**
 * The codecs, in routing order: the JSON target header, then the legacy Operation parameter, then
 * the SOAP envelope. The first codec of an API version is its default form (REST for 2014-08-15).
 * Read on use, not when this module is evaluated: the spec loader reaches the check code (through
 * the rule kinds), which reaches this module back, possibly while a codec module is still being
 * evaluated.
 */
const all = (): readonly Codec[] => [json11Codec, legacyCodec, soapCodec];
export const codecs: readonly Codec[] = new Proxy([] as Codec[], {
  get: (_t, k) => Reflect.get(all(), k),
  has: (_t, k) => Reflect.has(all(), k),
});

/** The codec of an API version; `wire` picks a form other than the default (2014-08-15: 'soap'). */
export function codecFor(api: Api, wire?: string): Codec {
  const c = all().find((x) => x.api === api && (wire === undefined || (x.wire ?? 'rest') === wire));
  if (!c) throw new Error(`no codec for API ${api}`);
  return c;
}

/** Codecs whose `claims` read the given specs (for spec sets other than the bundled one). */
export function codecsFor(set: SpecSet): readonly Codec[] {
  let hit = codecsCache.get(set);
  if (!hit) {
    hit = [
      createJson11Codec(set),
      createLegacyCodec(set),
      ...(set.apis[LEGACY_API].protocol.soap ? [createSoapCodec(set)] : []),
    ];
    codecsCache.set(set, hit);
  }
  return hit;
}

/** The codecs hold nothing but the spec set: one pair per set is enough. */
const codecsCache = new WeakMap<SpecSet, readonly Codec[]>();
