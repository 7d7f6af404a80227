// The server check catalogue, built from the specs: for each selected API
// version and operation, the valid/invalid/rule/protocol checks, then the
// model-based, cross-version and fixture checks. Filtered by config.checks.
import { APIS, type SpecSet } from '../spec/types.ts';
import { crossChecks } from './cross.ts';
import { fixtureChecks } from './fixtures.ts';
import { operationChecks } from './operation-checks.ts';
import { protocolChecks, protocolSample } from './protocol-checks.ts';
import { soapServerChecks } from './soap-checks.ts';
import { statefulChecks } from './stateful.ts';
import type { Check, ServerTargetConfig } from './types.ts';

export function serverChecks(set: SpecSet, config: ServerTargetConfig): Check[] {
  const only = config.operations?.length ? new Set(config.operations) : undefined;
  const out: Check[] = [];
  for (const api of APIS) {
    if (!config.apis.includes(api)) continue;
    const selected = [...set.apis[api].operations.values()].filter((op) => !only || only.has(op.operation));
    const family = protocolSample(
      selected.map((op) => op.operation),
      config.seed,
      api,
    );
    for (const op of selected)
      out.push(
        ...operationChecks(set, op, config),
        ...protocolChecks(set, op, { family: family.has(op.operation) }),
      );
    out.push(...statefulChecks(set, api, config, only));
  }
  out.push(...crossChecks(set, config, only), ...fixtureChecks(set, config, only));
  out.splice(0, out.length, ...soapServerChecks(set, config, out, only));
  const wanted = selector(config.checks);
  const seen = new Set<string>();
  return out.filter((c) => {
    if (seen.has(c.id)) throw new Error(`duplicate check id ${c.id}`);
    seen.add(c.id);
    return wanted(c.id);
  });
}

/** config.checks: exact ids or globs (`*` matches any run of non-space characters). */
function selector(patterns: string[] | undefined): (id: string) => boolean {
  const list = (patterns ?? []).map((p) => p.trim()).filter(Boolean);
  if (!list.length) return () => true;
  const exact = new Set(list.filter((p) => !p.includes('*')));
  const globs = list
    .filter((p) => p.includes('*'))
    .map(
      (p) =>
        new RegExp(
          `^${p
            .split('*')
            .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('\\S*')}$`,
        ),
    );
  return (id) => exact.has(id) || globs.some((re) => re.test(id));
}
