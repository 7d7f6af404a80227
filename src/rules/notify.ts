// The notify rule kind: the call messages the Workers a list input member names (`member`). A
// Worker the caller has work from in `statuses` (an assignment of the caller's, approved or
// rejected) is messaged (the emulator records it in its outbox); any other Worker does not fail
// the call but comes back in the output list `show` as the rule's `failure` item, with
// `$worker` filled in. Checks (e2e.<id>… the same through a client, whose output shows it too):
//   rule.<id>          a Worker with reviewed work from provider state `given` is not reported;
//   rule.<id>.stranger a Worker who never worked for the caller is reported (the failure's basis).
import fc from 'fast-check';
import { patternString } from '../arbitraries/values.ts';
import { idInput, sev } from '../checks/plan.ts';
import { type Audience, type RuleCheck, type RuleTarget, ruleCheck } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { RuleContext, RuleKindModule } from './types.ts';

function listed(out: Record<string, unknown>, show: string, worker: string): boolean {
  const v = out[show];
  return Array.isArray(v) && v.some((x) => x && typeof x === 'object' && Object.values(x).includes(worker));
}

/** A Worker id nobody worked as: the member's item pattern, else a fixed one. */
function strangerId(ctx: RuleContext): fc.Arbitrary<string> {
  const item = inputMembers(ctx.set, ctx.op).find((m) => m.name === ctx.rule.member)?.item;
  const pattern = item?.constraints.find((c) => c.kind === 'pattern');
  return pattern?.kind === 'pattern'
    ? patternString(pattern.pattern, { min: 14, max: 14 }, true)
    : fc.constant('A0STRANGER0000');
}

function notifyChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const { member, show, given } = rule;
  if (!member || !show || !given) return [];
  // one call from `given` to its Worker (with reviewed work) and to a stranger: the output
  const call = async (t: RuleTarget, stranger: string, extra: Record<string, unknown>) => {
    const ids = await t.state(given);
    const known = ids.WorkerId ?? '';
    const input = { ...extra, ...idInput(set, op, ids, extra), [member]: [known, stranger] };
    const c = await t.call(op, input);
    const what = `${op.operation} to a Worker with reviewed work and to a stranger`;
    return { known, out: t.succeeded(c, op, what), raw: c.raw };
  };
  const head = {
    audiences: ['server', 'client-e2e'] as Audience[],
    // the message itself bears on nothing checked: its long texts are not shrunk (every try costs
    // a state, and fast-check would walk their every candidate past the budget)
    arb: fc.tuple(strangerId(ctx), fc.noShrink(requiredInput(set, op))),
    cases: { server: 1, client: 1 },
    shrinkBudget: 3,
  };
  return [
    ruleCheck({
      ...head,
      severity: ctx.sev,
      summary: `${op.operation} messages a Worker with reviewed work of the caller's (provider state ${given}): ${show} reports no failure for it.`,
      async run(t, [stranger, extra]) {
        t.cover(`rule:${rule.id}`);
        const { known, out, raw } = await call(t, stranger, extra);
        if (listed(out, show, known))
          t.fail(
            `${op.operation} must message ${known}, who has reviewed work of the caller's (provider state ${given}), but reports a failure for it in ${show}`,
            raw,
          );
      },
    }),
    ruleCheck({
      ...head,
      severity: sev(rule.basis, rule.failureBasis),
      suffix: '.stranger',
      summary: `${op.operation} reports a Worker who never worked for the caller in ${show}.`,
      async run(t, [stranger, extra]) {
        const { out, raw } = await call(t, stranger, extra);
        if (!listed(out, show, stranger))
          t.fail(
            `${op.operation} must report ${stranger}, who never worked for the caller, in ${show}, but it does not`,
            raw,
          );
      },
    }),
  ];
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
  checks: notifyChecks,
};
