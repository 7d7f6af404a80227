// The token rule kind (UniqueRequestToken): a call that repeats a token the caller already used
// with this operation within `window` seconds is refused with the rule's error and changes
// nothing. What the generators need from it: a token member must be fresh in every call, or two
// unrelated checks (or two runs against the same server within a day) would collide.

import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { givenFor, idInput } from '../checks/plan.ts';
import { ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import type { OperationSpec } from '../spec/types.ts';
import type { RuleKindModule } from './types.ts';

/** The input members that carry idempotency tokens. */
export function tokenMembers(op: OperationSpec): string[] {
  return op.behaviour.rules.flatMap((r) => {
    if (r.kind === 'token' && r.member) return [r.member];
    // a create rule's unique fields set from input members must be fresh in every call too
    if (r.kind === 'create' && r.unique)
      return r.unique.fields.flatMap((f) => {
        const v = r.set?.[f];
        return typeof v === 'string' && /^\$input\.[A-Za-z0-9]+$/.test(v) ? [v.slice('$input.'.length)] : [];
      });
    return [];
  });
}

const ONE_BYTE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A code point of the same UTF-8 width as `cp`, chosen at random. */
function sameWidth(cp: number): number {
  if (cp < 0x80) return ONE_BYTE.charCodeAt(randomInt(ONE_BYTE.length));
  if (cp < 0x800) return 0xc0 + randomInt(0x17f - 0xc0);
  if (cp < 0x10000) return 0x4e00 + randomInt(0x9fff - 0x4e00);
  return 0x1f600 + randomInt(0x4f);
}

/**
 * The same token shape (length in code points, UTF-8 width of each character) with new random
 * characters, so every call sends a token never used before.
 */
export function freshToken(value: string): string {
  const chars = [...value];
  // a token of one or two one-byte characters has only 62 or 3,844 values, which a server that keeps
  // tokens for 24 hours has soon seen: wider characters (as many code points, more bytes, so still
  // within a length minimum) make a repeat unlikely
  const widen = chars.length <= 2;
  return String.fromCodePoint(
    ...chars.map((c) => sameWidth(widen ? Math.max(c.codePointAt(0)!, 0x800) : c.codePointAt(0)!)),
  );
}

/**
 * A token for a valid call: long enough (20 characters, or the member's maximum) that fresh ones
 * never collide; `freshTokens` fills in its characters on every call.
 */
export function tokenValue(bounds: { min: number; max?: number }): fc.Arbitrary<string> {
  const max = bounds.max ?? 64;
  return fc.integer({ min: Math.max(bounds.min, Math.min(max, 20)), max }).map((n) => 'a'.repeat(n));
}

/** The input with every token member it holds freshened. */
export function freshTokens(
  op: OperationSpec,
  input: Record<string, unknown>,
  keepFields: string[] = [],
): Record<string, unknown> {
  // keepFields: unique fields (of create rules) whose input members keep their value
  const keep = new Set(
    op.behaviour.rules.flatMap((r) =>
      r.kind === 'create' ? keepFields.map((f) => String(r.set?.[f] ?? '').replace(/^\$input\./, '')) : [],
    ),
  );
  const members = tokenMembers(op).filter(
    (m) => !keep.has(m) && typeof input[m] === 'string' && input[m] !== '',
  );
  if (!members.length) return input;
  const out = { ...input };
  for (const m of members) out[m] = freshToken(String(input[m]));
  return out;
}

export const token: RuleKindModule = {
  kind: 'token',
  schema: {
    required: ['member', 'window', 'error'],
    properties: { member: { type: 'string' }, window: { type: 'integer', minimum: 1 } },
  },
  validate(ctx) {
    const m = ctx.rule.member;
    return m !== undefined && !(m in ctx.op.input.members)
      ? [ctx.problem('/member', `${m} is not an input member of ${ctx.op.operation}`)]
      : [];
  },
  execute(ctx) {
    const { rule, call, op } = ctx;
    const t = call.input[rule.member!];
    if (typeof t !== 'string') return undefined;
    const key = `${call.accessKeyId}\u0000${op.operation}\u0000${t}`;
    const seen = ctx.store.tokenSeen(key, ctx.now.getTime(), rule.window ?? 86400);
    if (seen)
      return ctx.error(rule.error!, {
        ...ctx.idValues,
        token: t,
        [rule.member!]: t,
        ...(seen.id ? { [ctx.ent.id]: seen.id } : {}),
      });
    ctx.after.token = key;
    return undefined;
  },
  // rule.<id> on a server, e2e.<id> through a client: from the state a valid call needs, one call
  // with a fresh token succeeds and the same call with the same token again is refused
  checks(ctx) {
    const { set, op, rule, accepted } = ctx;
    const member = rule.member;
    if (!member || !rule.error) return [];
    const given = rule.given ?? givenFor(op);
    return [
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        codeSeverity: ctx.codeSeverity,
        summary: `${op.operation} repeated with the same ${member} fails with ${accepted.join(' or ')}.`,
        arb: requiredInput(set, op),
        shrinkBudget: 3,
        cases: { server: 1, client: 2 },
        async run(t, extra) {
          const ids = given ? await t.state(given) : {};
          t.cover(`rule:${rule.id}`);
          const input = { ...extra, ...idInput(set, op, ids, extra), [member]: freshToken('t'.repeat(32)) };
          await succeeds(t, op, input, `${op.operation} with a new ${member}`, 'first call with the token');
          const again = await t.call(op, input, 'same call, same token');
          t.refused(again, op, accepted, `${op.operation} repeated with the same ${member}`);
        },
      }),
    ];
  },
};
