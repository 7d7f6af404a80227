// The children rule kind: the call is refused while the selected entity has a child of `entity`
// in one of `statuses` (a HIT with a submission nobody reviewed cannot be deleted). Check
// rule.<id>: from each `violatedBy` state (which makes such a child) the call is refused with
// the rule's error and changes nothing.

import { validInput } from '../arbitraries/input.ts';
import { expectError } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { freshIds, unchanged } from '../checks/rule-support.ts';
import {
  caseCount,
  createState,
  errorRuleHead,
  expectRefusal,
  runCases,
  sample,
} from '../client-checks/e2e-support.ts';
import type { SpecProblem } from '../spec/load.ts';
import { errorSpec } from '../spec/resolve.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';

export function childrenChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  if (!rule.error || !rule.violatedBy?.length) return;
  const api = op.api;
  const accepted = [rule.error, ...(rule.acceptErrors ?? [])];
  ctx.add(`rule.${rule.id}`, sev(rule.basis, errorSpec(set, rule.error).basis), async (s) => {
    await s.requireApi(api);
    for (const state of rule.violatedBy ?? []) {
      const ids = await freshIds(s, op, state);
      s.cover(`rule:${rule.id}:${state}`);
      const what = `${op.operation} on the ${op.behaviour.entity} of provider state ${state}, which has a ${rule.entity} in ${(rule.statuses ?? []).join(', ')}`;
      const input = minimalInput(set, op, ids, s.config.seed);
      await unchanged(
        s,
        op,
        ids,
        async () =>
          expectError(set, api, await s.call(api, op.operation, input, { label: state }), accepted, what),
        what,
      );
    }
  });
}

export const children: RuleKindModule = {
  kind: 'children',
  schema: {
    required: ['entity', 'statuses', 'error', 'given', 'violatedBy'],
    properties: {
      entity: { type: 'string' },
      statuses: { type: 'array', items: { type: 'string' }, minItems: 1 },
      violatedBy: { type: 'array', items: { type: 'string' } },
    },
  },
  validate(ctx) {
    const { rule, op, set } = ctx;
    const out: SpecProblem[] = [];
    const problem = (pointer: string, message: string) =>
      out.push({ file: ctx.file, pointer: `${ctx.pointer}${pointer}`, message });
    const child = set.model.entities[rule.entity ?? ''];
    if (!child || child.parent?.entity !== op.behaviour.entity) {
      problem('/entity', `${rule.entity} is not a child of ${op.behaviour.entity}`);
      return out;
    }
    for (const st of rule.statuses ?? [])
      if (!child.status?.values.includes(st)) problem('/statuses', `${st} is not a status of ${rule.entity}`);
    (rule.violatedBy ?? []).forEach((state, j) => {
      const made = ctx.states[state]?.creates.some(
        (c) => c.entity === rule.entity && c.status !== undefined && (rule.statuses ?? []).includes(c.status),
      );
      if (!made)
        problem(
          `/violatedBy/${j}`,
          `state ${state} does not create a ${rule.entity} in ${(rule.statuses ?? []).join(', ')}`,
        );
    });
    return out;
  },
  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    const { rule, store, op } = ctx;
    const statuses = rule.statuses ?? [];
    const rec = ctx.rec!;
    if (!store.childrenOf(rec, rule.entity!).some((c) => statuses.includes(String(store.statusOf(c)))))
      return undefined;
    const allowed = op.behaviour.rules.find((x) => x.kind === 'status')?.allowed ?? [];
    return ctx.error(rule.error!, {
      ...ctx.idValues,
      CurrentState: store.statusOf(rec),
      allowed: allowed.join(', '),
    });
  },
  // refused while the model knows of a child in one of the statuses; unknown children: it may be
  predict(ctx) {
    const errors = [ctx.rule.error!, ...(ctx.rule.acceptErrors ?? [])];
    if (!ctx.children) return { maybe: errors };
    const statuses = ctx.rule.statuses ?? [];
    return (ctx.children[ctx.rule.entity ?? ''] ?? []).some((s) => statuses.includes(s))
      ? { refuse: errors }
      : undefined;
  },
  clientChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    const violated = rule.violatedBy ?? [];
    if (!rule.error || !violated.length) return [];
    const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
    return [
      {
        ...errorHead,
        summary: `Through the client, ${op.operation} on the ${entity} of provider state ${violated.join(', ')} surfaces ${codes.join(' or ')}.`,
        run: (env) =>
          runCases(caseCount(env, violated.length), async (i, log) => {
            const state = violated[i % violated.length]!;
            const ids = await createState(env, state, log);
            const input = sample(validInput(set, op, { ids, requiredOnly: true, fixed: {} }), env.seed + i);
            await expectRefusal(env, op.operation, input, log, {
              what: `${op.operation} on the ${entity} of provider state ${state}`,
              codes,
            });
          }),
      },
    ];
  },
  serverChecks: childrenChecks,
};
