// The server check catalogue, built from the specs: for each selected API
// version and operation, the valid/invalid/rule/protocol checks, then the
// model-based, cross-version and fixture checks. Filtered by config.checks.
import { APIS, type SpecSet } from '../spec/types.ts';
import { crossChecks } from './cross.ts';
import { fixtureChecks } from './fixtures.ts';
import { operationChecks } from './operation-checks.ts';
import { protocolChecks } from './protocol-checks.ts';
import { statefulChecks } from './stateful.ts';
import type { Check, ServerTargetConfig } from './types.ts';

export function serverChecks(set: SpecSet, config: ServerTargetConfig): Check[] {
  const only = config.operations?.length ? new Set(config.operations) : undefined;
  const out: Check[] = [];
  for (const api of APIS) {
    if (!config.apis.includes(api)) continue;
    for (const op of set.apis[api].operations.values()) {
      if (only && !only.has(op.operation)) continue;
      out.push(...operationChecks(set, op, config), ...protocolChecks(set, op));
    }
    out.push(...statefulChecks(set, api, config, only));
  }
  out.push(...crossChecks(set, config, only), ...fixtureChecks(set, config, only));
  const wanted = config.checks?.length ? new Set(config.checks) : undefined;
  const seen = new Set<string>();
  return out.filter((c) => {
    if (seen.has(c.id)) throw new Error(`duplicate check id ${c.id}`);
    seen.add(c.id);
    return !wanted || wanted.has(c.id);
  });
}
