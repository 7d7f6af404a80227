// The threshold rule kind: an entity whose `field` is below `below` cannot be raised by the input
// member `input` to `below` or more (a HIT made with fewer than 10 assignments cannot be
// extended to 10 or more). Check rule.<id>: from each `violatedBy` state, asking for exactly
// enough to reach the bound is refused with the rule's error and changes nothing.

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
import { stateField } from './context.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';

export function thresholdChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const { field, input: member, below, error } = rule;
  if (!field || typeof member !== 'string' || below === undefined || !error) return;
  const api = op.api;
  const accepted = [error, ...(rule.acceptErrors ?? [])];
  ctx.add(`rule.${rule.id}`, sev(rule.basis, errorSpec(set, error).basis), async (s) => {
    await s.requireApi(api);
    for (const state of rule.violatedBy ?? []) {
      const current = Number(stateField(set, state, op.behaviour.entity, field));
      const ids = await freshIds(s, op, state);
      const more = below - current;
      s.cover(`rule:${rule.id}:${state}`);
      const input = minimalInput(set, op, ids, s.config.seed, { [member]: more });
      const what = `${op.operation} with ${member} ${more} on the ${op.behaviour.entity} of provider state ${state} (${field} ${current}, which may not reach ${below})`;
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

export const threshold: RuleKindModule = {
  kind: 'threshold',
  schema: {
    required: ['field', 'input', 'below', 'error', 'given', 'violatedBy'],
    properties: {
      field: { type: 'string' },
      input: { type: 'string' },
      below: { type: 'number' },
      violatedBy: { type: 'array', items: { type: 'string' } },
    },
  },
  validate(ctx) {
    const { rule, op } = ctx;
    const out: SpecProblem[] = [];
    if (typeof rule.input === 'string' && !(rule.input in op.input.members))
      out.push({
        file: ctx.file,
        pointer: `${ctx.pointer}/input`,
        message: `${rule.input} is not an input member of ${op.operation}`,
      });
    (rule.violatedBy ?? []).forEach((state, j) => {
      const value = stateField(ctx.set, state, op.behaviour.entity, rule.field ?? '');
      if (typeof value !== 'number' || value >= (rule.below ?? 0))
        out.push({
          file: ctx.file,
          pointer: `${ctx.pointer}/violatedBy/${j}`,
          message: `state ${state} does not create a ${op.behaviour.entity} with ${rule.field} below ${rule.below}`,
        });
    });
    return out;
  },
  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    const { rule, call } = ctx;
    const current = Number(ctx.rec!.fields[rule.field!] ?? 0);
    const more = Number(call.input[rule.input as string] ?? 0);
    const below = rule.below ?? Number.POSITIVE_INFINITY;
    return current < below && current + more >= below
      ? ctx.error(rule.error!, { ...ctx.idValues })
      : undefined;
  },
  // the model follows statuses, not MaxAssignments: the refusal may come
  predict: (ctx) => ({ maybe: [ctx.rule.error!, ...(ctx.rule.acceptErrors ?? [])] }),
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
            const input = sample(
              validInput(set, op, {
                ids,
                requiredOnly: true,
                fixed: {
                  [rule.input as string]:
                    (rule.below ?? 0) - Number(stateField(set, state, op.behaviour.entity, rule.field ?? '')),
                },
              }),
              env.seed + i,
            );
            await expectRefusal(env, op.operation, input, log, {
              what: `${op.operation} on the ${entity} of provider state ${state}`,
              codes,
            });
          }),
      },
    ];
  },
  serverChecks: thresholdChecks,
};
