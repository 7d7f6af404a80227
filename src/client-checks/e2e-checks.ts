// The end-to-end client check family, `<api>/<Operation>/e2e.<rule id>`: a client under test
// against a real server (the reference emulator, or any server with a provider-states endpoint)
// instead of the mock. Each rule kind (src/rules/<kind>.ts) writes its checks once (`checks`,
// src/checks/target.ts); those for the client audience run here through e2e-support.ts. Nothing
// here names an operation, a member, an error code, a state or a rule kind.

import { withCodeTwins } from '../checks/target.ts';
import { ruleContext, ruleKind } from '../rules/index.ts';
import type { SpecSet } from '../spec/types.ts';
import { type E2eCheckDef, e2eCheck } from './e2e-support.ts';
import { type CatalogueOptions, selectedOperations } from './mock-checks.ts';

export { createState, E2E_PREFIX, type E2eCheckDef, type E2eEnv, type E2eServer } from './e2e-support.ts';

/** Selection as for the mock family; `checks` holds check names (`e2e.rejects`) or ids to keep. */
export type E2eCatalogueOptions = CatalogueOptions;

/** Every e2e check for the given API versions and operations, in a stable order. */
export function e2eCheckCatalogue(set: SpecSet, opts: E2eCatalogueOptions = {}): E2eCheckDef[] {
  const out: E2eCheckDef[] = [];
  for (const op of selectedOperations(set, opts)) {
    for (const rule of op.behaviour.rules) {
      const ctx = ruleContext(set, op, rule);
      const kind = ruleKind(rule.kind);
      const written = withCodeTwins(kind.checks?.(ctx) ?? []).filter((rc) =>
        rc.audiences.includes('client-e2e'),
      );
      for (const def of written.map((rc) => e2eCheck(ctx, rc))) {
        if (opts.checks?.length && !opts.checks.includes(def.check) && !opts.checks.includes(def.id))
          continue;
        out.push(def);
      }
    }
  }
  return out;
}
