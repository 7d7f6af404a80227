// What the server-side rule checks (src/rules/<kind>.ts, src/checks/*.ts) share: fresh
// provider states, the Data of a legacy error; and a step of either audience, the entity as a
// provider state created it. ("The failed call changed nothing" is one too: target.ts `unchanged`.)
import type { createdFacts } from '../rules/values.ts';
import type { OperationSpec, ResolvedMember } from '../spec/types.ts';
import { summary } from './judge.ts';
import { givenFor } from './plan.ts';
import { type Answered, CheckFailure, type Session } from './session.ts';
import { type RuleTarget, serverTarget, succeeds } from './target.ts';

/** Ids for a valid call: a fresh provider state, or none when the operation needs no entity. */
export async function freshIds(
  s: Session,
  op: OperationSpec,
  state = givenFor(op),
  as = 0,
): Promise<Record<string, string>> {
  return state ? s.state(state, as) : {};
}

/** Calls `op`; the call (`what`) must succeed: its output (target.ts `succeeds`, on the wire). */
export async function callSucceeds(
  s: Session,
  op: OperationSpec,
  input: Record<string, unknown>,
  what: string,
  label?: string,
): Promise<Record<string, unknown>> {
  return succeeds(serverTarget(s, op.api), op, input, what, label);
}

/** A value for a counterexample line: short values as JSON, long strings by length and start. */
export function describeValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string' && v.length > 80) {
    const cps = [...v];
    return `${JSON.stringify(cps.slice(0, 24).join(''))}… (${cps.length} code points, ${Buffer.byteLength(v, 'utf8')} UTF-8 bytes)`;
  }
  return JSON.stringify(v);
}

/** The error must carry each Data key; keys that are input members carry the value sent; a
 * state error carries the entity's current status among its values. */
export function expectData(
  ex: Answered,
  keys: string[],
  input: Record<string, unknown>,
  status: string | undefined,
  what: string,
): void {
  const a = ex.answer;
  if (a.kind !== 'error')
    throw new CheckFailure(
      `${what} must fail with Data ${keys.join(', ')}, but the target answered ${summary(ex)}.`,
      ex,
    );
  const data = a.data ?? {};
  const missing = keys.filter((k) => data[k] === undefined);
  if (missing.length)
    throw new CheckFailure(
      `${what}: the error must carry the Data key(s) ${missing.join(', ')}, but it carries ${JSON.stringify(data)}.`,
      ex,
    );
  for (const k of keys)
    if (input[k] !== undefined && data[k] !== String(input[k]))
      throw new CheckFailure(
        `${what}: Data ${k} must be the ${k} sent (${String(input[k])}), but it is ${JSON.stringify(data[k])}.`,
        ex,
      );
  if (status !== undefined && !Object.values(data).includes(status))
    throw new CheckFailure(
      `${what}: the error's Data must name the current status ${status}, but it is ${JSON.stringify(data)}.`,
      ex,
    );
}

/** A timestamp as the audience hands it back, in ms: a server's codec makes a Date; a client (a
 * driver over JSON, above all) may hand back the ISO 8601 text instead. */
function timeOf(t: RuleTarget, v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
  return t.audience === 'client-e2e' && !Number.isNaN(ms) ? ms : undefined;
}

/** The entity in an output must show the ids it was created with and its timestamps, in the
 * order of their offsets; members its output shape does not have are skipped. */
export function expectAsCreated(
  t: RuleTarget,
  value: Record<string, unknown>,
  members: ResolvedMember[],
  facts: ReturnType<typeof createdFacts>,
  what: string,
  raw: unknown,
): void {
  const has = (f: string, types?: string[]) =>
    members.some((m) => m.name === f && (!types || types.includes(m.type)));
  for (const [field, want] of Object.entries(facts.equal))
    if (has(field, ['string', 'integer', 'long']) && String(value[field]) !== want)
      t.fail(
        `${what}: ${field} must be ${want} (as the provider state created it), but it is ${JSON.stringify(value[field])}`,
        raw,
      );
  const times = facts.times.filter((x) => has(x.field, ['timestamp']));
  for (const x of times)
    if (timeOf(t, value[x.field]) === undefined)
      t.fail(
        `${what}: ${x.field} must be there (the provider state created it), but it is ${JSON.stringify(value[x.field])}`,
        raw,
      );
  const sorted = [...times].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const [ta, tb] = [timeOf(t, value[a.field])!, timeOf(t, value[b.field])!];
    if (a.offset < b.offset && ta > tb)
      t.fail(
        `${what}: ${a.field} (${new Date(ta).toISOString()}) must not be later than ${b.field} (${new Date(tb).toISOString()}): the provider state created it ${b.offset - a.offset} s earlier`,
        raw,
      );
  }
}

/**
 * Runs `body` for every case and fails with all the cases that failed, not only the first: a
 * target may be right on one case and wrong on the next. A case that cannot run ends the check.
 */
export async function everyCase<T>(
  cases: readonly T[],
  label: (c: T) => string,
  body: (c: T) => Promise<void>,
  /** failures of another audience (a client's) besides CheckFailure */
  isFailure: (e: unknown) => boolean = () => false,
): Promise<void> {
  const failed: { c: T; f: Error }[] = [];
  for (const c of cases)
    try {
      await body(c);
    } catch (e) {
      if (!(e instanceof CheckFailure) && !isFailure(e)) throw e;
      failed.push({ c, f: e as Error });
    }
  if (!failed.length) return;
  const first = failed[0]!.f;
  if (failed.length === 1) throw first;
  const message = `${failed.length} of ${cases.length} cases fail. ${failed.map((x, i) => `(${i + 1}) ${label(x.c)}: ${x.f.message}`).join(' ')}`;
  if (!(first instanceof CheckFailure)) {
    first.message = message;
    throw first;
  }
  const f = new CheckFailure(message, first.exchange);
  if (first.counterexample) f.counterexample = first.counterexample;
  throw f;
}
