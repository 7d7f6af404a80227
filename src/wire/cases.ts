// The golden wire cases of specs/protocols/<api>.cases.json, for the codec tests and the
// checks: a case whose members no operation spec has yet gets a stand-in operation, so the
// codecs can encode and decode it like any other.
import { isDeepStrictEqual } from 'node:util';
import type { Api, OperationSpec, SpecSet, WireCase } from '../spec/types.ts';
import { headerValue, type WireRequest } from './http-types.ts';
import { LEGACY_API, legacyParams } from './legacy.ts';

/** The cases of an API version that apply to this audience ('both' applies to each). */
export function wireCases(set: SpecSet, api: Api, audience?: 'client' | 'server'): WireCase[] {
  return (set.apis[api].cases?.cases ?? []).filter(
    (c) => !audience || c.appliesTo === 'both' || c.appliesTo === audience,
  );
}

/** The operation a case is about: its spec, or a stand-in holding the case's own members. */
export function caseOperation(set: SpecSet, api: Api, c: WireCase): OperationSpec {
  const known = set.apis[api].operations.get(c.operation);
  if (known && !c.members) return known;
  const side = { members: c.members ?? {} };
  return {
    kind: 'operation',
    api,
    operation: c.operation,
    role: 'support',
    summary: `stand-in for wire case ${c.id}`,
    basis: c.basis,
    input: c.type === 'request' ? side : { members: {} },
    output: c.type === 'response' ? side : { members: {} },
    behaviour: { kind: 'read', entity: '', rules: [] },
  };
}

/** The specs with a stand-in operation for every case whose members no operation spec has. */
export function withCaseOperations(set: SpecSet, api: Api): SpecSet {
  const extra = wireCases(set, api).filter((c) => c.members && !set.apis[api].operations.has(c.operation));
  if (!extra.length) return set;
  const operations = new Map(set.apis[api].operations);
  for (const c of extra) operations.set(c.operation, caseOperation(set, api, c));
  return { ...set, apis: { ...set.apis, [api]: { ...set.apis[api], operations } } };
}

/** A case header value with {targetPrefix} and {operation} filled in. */
export function caseHeader(set: SpecSet, api: Api, template: string, operation: string): string {
  return template
    .replaceAll('{targetPrefix}', set.apis[api].protocol.targetPrefix ?? '')
    .replaceAll('{operation}', operation);
}

/** The parameters a legacy request carries beyond the common ones and the signing markers (the input's own). */
export function ownLegacyParams(set: SpecSet, req: WireRequest): Record<string, string> {
  const p = set.apis[LEGACY_API].protocol;
  const common = [
    ...Object.keys(p.commonParameters ?? {}),
    ...(p.signing.schemes ?? []).flatMap((x) => Object.keys(x.marker ?? {})),
  ];
  return Object.fromEntries(
    [...legacyParams(set, req)].filter(([k]) => !common.some((c) => k === c || k.startsWith(`${c}.`))),
  );
}

/** How a request differs from a request case (empty: it is the case). */
export function caseRequestProblems(set: SpecSet, api: Api, c: WireCase, req: WireRequest): string[] {
  const out: string[] = [];
  if (c.params) {
    const got = ownLegacyParams(set, req);
    for (const [k, v] of Object.entries(c.params))
      if (got[k] === undefined) out.push(`parameter ${k} is missing (expected ${JSON.stringify(v)})`);
      else if (got[k] !== v)
        out.push(`parameter ${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(v)}`);
    for (const k of Object.keys(got)) if (!(k in c.params)) out.push(`parameter ${k} is not in the case`);
  }
  for (const [h, v] of Object.entries(c.headers ?? {})) {
    const want = caseHeader(set, api, v, c.operation);
    const got = headerValue(req.headers, h);
    if (got?.split(';')[0]?.trim() !== want)
      out.push(`header ${h} is ${JSON.stringify(got ?? null)}, expected ${JSON.stringify(want)}`);
  }
  if (c.body !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = req.body;
    }
    if (!isDeepStrictEqual(body, c.body))
      out.push(`the body is ${JSON.stringify(body)}, expected ${JSON.stringify(c.body)}`);
  }
  return out;
}
