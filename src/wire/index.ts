// Codec selection: by API version, or by what a request looks like on the wire.
import { loadSpecs } from '../spec/load.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import type { Codec } from './codec.ts';
import type { WireRequest } from './http-types.ts';
import { createJson11Codec, JSON11_API, json11Codec, json11Operation } from './json11.ts';
import { createLegacyCodec, LEGACY_API, legacyCodec, legacyOperation } from './legacy.ts';

export type * from './codec.ts';
export { json11Codec, legacyCodec };

/** Both codecs, in routing order: the JSON target header is looked at before the legacy Operation parameter. */
export const codecs: readonly Codec[] = [json11Codec, legacyCodec];

export function codecFor(api: Api): Codec {
  // the list is built at call time: through the import cycle spec/load → rules → checks → here,
  // `codecs` can be read before legacy.ts has finished (a codec still undefined)
  const c = [json11Codec, legacyCodec].find((x) => x.api === api);
  if (!c) throw new Error(`no codec for API ${api}`);
  return c;
}

/** Codecs whose `claims` read the given specs (for spec sets other than the bundled one). */
export function codecsFor(set: SpecSet): readonly Codec[] {
  let hit = codecsCache.get(set);
  if (!hit) {
    hit = [createJson11Codec(set), createLegacyCodec(set)];
    codecsCache.set(set, hit);
  }
  return hit;
}

/** The codecs hold nothing but the spec set: one pair per set is enough. */
const codecsCache = new WeakMap<SpecSet, readonly Codec[]>();

/** Which API a request is for: 2017-01-17 by its target header, 2014-08-15 by its Operation parameter. */
export function detectApi(req: WireRequest, set: SpecSet = loadSpecs()): Api | undefined {
  if (json11Operation(set, req) !== undefined) return JSON11_API;
  if (legacyOperation(set, req) !== undefined) return LEGACY_API;
  return undefined;
}
