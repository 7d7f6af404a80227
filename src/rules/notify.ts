// The notify rule kind: the call messages the Workers a list input member names (`member`). A
// Worker the caller has work from in `statuses` (an assignment of the caller's, approved or
// rejected) is messaged (the emulator records it in its outbox); any other Worker does not fail
// the call but comes back in the output list `show` as the rule's `failure` item, with
// `$worker` filled in. Checks:
//   rule.<id>          a Worker with reviewed work from provider state `given` is not reported;
//   rule.<id>.stranger a Worker who never worked for the caller is reported (the failure's basis).
import fc from 'fast-check';
import { patternString } from '../arbitraries/values.ts';
import { expectSuccess } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { freshIds } from '../checks/rule-support.ts';
import { type Answered, CheckFailure } from '../checks/session.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { RuleKindModule, ServerRuleContext } from './types.ts';

function listed(out: Record<string, unknown>, show: string, worker: string): boolean {
  const v = out[show];
  return Array.isArray(v) && v.some((x) => x && typeof x === 'object' && Object.values(x).includes(worker));
}

function notifyChecks(ctx: ServerRuleContext): void {
  const { set, op, rule } = ctx;
  const { member, show, given } = rule;
  if (!member || !show || !given) return;
  const api = op.api;
  const call = async (s: Parameters<Parameters<ServerRuleContext['add']>[2]>[0], stranger: string) => {
    const ids = await freshIds(s, op, given);
    const known = ids.WorkerId ?? '';
    const input = { ...minimalInput(set, op, ids, s.config.seed), [member]: [known, stranger] };
    const ex: Answered = await s.call(api, op.operation, input);
    return {
      known,
      out: expectSuccess(set, op, ex, `${op.operation} to a Worker with reviewed work and to a stranger`),
      ex,
    };
  };
  const strangerId = (seed: number) => {
    const item = inputMembers(set, op).find((m) => m.name === member)?.item;
    const pattern = item?.constraints.find((c) => c.kind === 'pattern');
    return String(
      fc.sample(
        pattern?.kind === 'pattern'
          ? patternString(pattern.pattern, { min: 14, max: 14 }, true)
          : fc.constant('A0STRANGER0000'),
        { seed, numRuns: 1 },
      )[0],
    );
  };
  ctx.add(`rule.${rule.id}`, sev(rule.basis), async (s) => {
    s.cover(`rule:${rule.id}`);
    const { known, out, ex } = await call(s, strangerId(s.config.seed));
    if (listed(out, show, known))
      throw new CheckFailure(
        `${op.operation} must message ${known}, who has reviewed work of the caller's (provider state ${given}), but reports a failure for it in ${show}.`,
        ex,
      );
  });
  ctx.add(`rule.${rule.id}.stranger`, sev(rule.basis, rule.failureBasis), async (s) => {
    const stranger = strangerId(s.config.seed + 1);
    const { out, ex } = await call(s, stranger);
    if (!listed(out, show, stranger))
      throw new CheckFailure(
        `${op.operation} must report ${stranger}, who never worked for the caller, in ${show}, but it does not.`,
        ex,
      );
  });
}

export const notify: RuleKindModule = {
  kind: 'notify',
  schema: {
    required: ['member', 'entity', 'statuses', 'show', 'failure', 'failureBasis', 'given'],
    properties: {
      member: { type: 'string' },
      entity: { type: 'string' },
      statuses: { type: 'array', items: { type: 'string' }, minItems: 1 },
      show: { type: 'string' },
      failure: { type: 'object', additionalProperties: { type: 'string' } },
      failureBasis: { $ref: '#/definitions/basis' },
    },
  },
  validate(ctx) {
    const { rule, op } = ctx;
    const out = [];
    if (rule.member && !(rule.member in op.input.members))
      out.push(ctx.problem('/member', `${rule.member} is not an input member of ${op.operation}`));
    if (rule.show && !(rule.show in op.output.members))
      out.push(ctx.problem('/show', `${rule.show} is not an output member of ${op.operation}`));
    return out;
  },
  execute(ctx) {
    const { rule, call, store, op } = ctx;
    const workers = call.input[rule.member!];
    if (!Array.isArray(workers)) return undefined;
    const statuses = rule.statuses ?? [];
    const failures: Record<string, unknown>[] = [];
    const messaged: string[] = [];
    for (const w of workers.map(String)) {
      const known = store
        .list(rule.entity!)
        .some(
          (a) =>
            a.fields.WorkerId === w &&
            statuses.includes(String(store.statusOf(a))) &&
            store.ownerOf(a) === call.accessKeyId,
        );
      if (known) messaged.push(w);
      else
        failures.push(
          Object.fromEntries(
            Object.entries(rule.failure ?? {}).map(([k, v]) => [k, v.replaceAll('$worker', w)]),
          ),
        );
    }
    ctx.output[rule.show!] = failures;
    ctx.commits.push(() => {
      for (const to of messaged)
        store.send({
          operation: op.operation,
          requester: call.accessKeyId,
          at: ctx.now,
          to,
          input: call.input,
        });
    });
    return undefined;
  },
  serverChecks: notifyChecks,
};
