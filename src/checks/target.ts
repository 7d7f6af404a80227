// One check model for the rule-level checks: a check is written once against a RuleTarget and
// runs for every audience it applies to (as Smithy's protocol tests mark `appliesTo`):
//   server      the check's calls go on the wire to a server, its answers judged by judge.ts;
//   client-e2e  the calls go through a client under test to a server (the reference emulator or
//               any server with provider states); what the client hands back is judged.
// (The third audience, a client against the mock, has no provider states; its checks are the
// operation-level ones of src/client-checks/mock-checks.ts.) A failure is a CheckFailure (the
// client audience's E2eFailure), a check that cannot run a NotRun (E2eNotRun); nothing else.
import type fc from 'fast-check';
import type { Api, OperationSpec, Severity, SpecSet } from '../spec/types.ts';
import { expectError, expectMessage, expectRefused, expectSuccess } from './judge.ts';
import { expectedObservation, observed } from './plan.ts';
import { type Answered, CheckFailure, NotRun, type Session, snapshot } from './session.ts';

export type Audience = 'server' | 'client-e2e';

/** Who a provider state belongs to, who signs a call, who observes: the caller, or another requester. */
export type Party = 'caller' | 'other';

/** A call's result, as the audience sees it. */
export interface Called {
  ok: boolean;
  output: Record<string, unknown>;
  /** the audience's own record of the call (an exchange, a client result) */
  raw: unknown;
}

export interface Observed {
  present: boolean;
  entity?: Record<string, unknown> | undefined;
}

export interface RuleTarget {
  readonly audience: Audience;
  readonly set: SpecSet;
  readonly api: Api;
  /** A provider state owned by `owner` (default the caller); its ids. */
  state(name: string, owner?: Party): Promise<Record<string, string>>;
  /**
   * From now on the caller's unfiltered listings hold only what this check makes, where the
   * audience can do that (a server: a fresh requester as the caller; a client signs as itself).
   * True when it did.
   */
  isolate(): Promise<boolean>;
  call(op: OperationSpec, input: Record<string, unknown>, label?: string): Promise<Called>;
  /** The call must have failed with one of these errors (ids in errors.json). */
  refused(c: Called, op: OperationSpec, errors: string[], what: string): void;
  /** The call must have been refused, with any error. */
  refusedAny(c: Called, op: OperationSpec, what: string): void;
  /** The call must have failed with the documented message of one of these errors (errors.json):
   * a client hands back the server's message as it came (docs/driver-protocol.md). */
  messaged(c: Called, op: OperationSpec, errors: string[], what: string): void;
  /** The call must have succeeded; its output. */
  succeeded(c: Called, op: OperationSpec, what: string): Record<string, unknown>;
  /** The entity through its observe operation (model.json), as `by` sees it. */
  observe(entity: string, ids: Record<string, string>, by?: Party): Promise<Observed & { raw?: unknown }>;
  /** Fails the check; `at` is the call or observation to show. */
  fail(message: string, at?: unknown): never;
  notRun(reason: string): never;
  cover(key: string): void;
}

/**
 * A rule-level check written once: its name per audience (`rule.<id>…` for servers,
 * `e2e.<id>` through a client), its severity, its values and its body.
 */
export interface RuleCheck<T = unknown> {
  audiences: Audience[];
  /** the check name for the server audience (default `rule.<rule id>`) */
  name?: string;
  severity: Severity;
  /** the severity of the error codes its refusals expect, where it is below `severity` (the rule
   * is documented, its error only inferred): see `withCodeTwins` */
  codeSeverity?: Severity;
  /** appended to the check's name in every audience (`.code` for a code twin) */
  suffix?: string;
  /** what the check shows, for a client report */
  summary: string;
  /** the generated values of a case (shrunk on failure) */
  arb: fc.Arbitrary<T>;
  /** cases per audience (the server's never more than its `runs`) */
  cases: { server: number; client: number };
  /** tries fast-check may make while shrinking a failing value (each costs states and calls;
   * default RULE_CHECK_SHRINK_BUDGET), in every audience */
  shrinkBudget?: number;
  run(t: RuleTarget, value: T, i: number): Promise<void>;
}

export const RULE_CHECK_SHRINK_BUDGET = 10;

/** A rule-level check of any value type, as the registry holds it. */
export function ruleCheck<T>(rc: RuleCheck<T>): RuleCheck {
  return rc as unknown as RuleCheck;
}

/**
 * Severity follows evidence per assertion: "this call must be refused" and "…with exactly this
 * code" are two facts. Where the rule is documented but its error code only inferred, a check
 * that expects the code would let the inferred part decide whether a documented violation is
 * seen. Such a check becomes two: itself at the rule's severity, any refusal accepted (what it
 * observes around the call is still judged), and a `.code` twin at the code's severity that
 * expects the codes too. Where both weigh the same, the one check expects the codes.
 */
export function withCodeTwins(checks: RuleCheck[]): RuleCheck[] {
  return checks.flatMap((rc) =>
    rc.codeSeverity === undefined || rc.codeSeverity === rc.severity
      ? [rc]
      : [
          { ...rc, run: (t: RuleTarget, v: unknown, i: number) => rc.run(anyRefusal(t), v, i) },
          {
            ...rc,
            severity: rc.codeSeverity,
            suffix: `${rc.suffix ?? ''}.code`,
            summary: `${rc.summary} (The error codes it expects.)`,
          },
        ],
  );
}

function anyRefusal(t: RuleTarget): RuleTarget {
  return { ...t, refused: (c, op, _errors, what) => t.refusedAny(c, op, what) };
}

/** The server audience over a check session. */
export function serverTarget(s: Session, api: Api): RuleTarget {
  const as = (p: Party = 'caller') => (p === 'caller' ? 0 : 1);
  const ex = (c: Called) => c.raw as Answered;
  return {
    audience: 'server',
    set: s.set,
    api,
    state: (name, owner) => s.state(name, as(owner)),
    isolate: () => s.isolate(),
    async call(op, input, label) {
      const e = await s.call(api, op.operation, input, label ? { label } : {});
      return {
        ok: e.answer.kind === 'success',
        output: e.answer.kind === 'success' ? e.answer.output : {},
        raw: e,
      };
    },
    refused: (c, _op, errors, what) => expectError(s.set, api, ex(c), errors, what),
    refusedAny: (c, _op, what) => expectRefused(api, ex(c), what),
    messaged: (c, _op, errors, what) => expectMessage(s.set, api, ex(c), errors, what),
    succeeded: (c, op, what) => expectSuccess(s.set, op, ex(c), what),
    async observe(entity, ids, by) {
      const o = await s.observe(api, entity, ids, as(by));
      return { present: o.present, entity: o.entity, raw: o.exchange };
    },
    fail(message, at) {
      throw new CheckFailure(`${message}.`, at as Answered | undefined);
    },
    notRun(reason) {
      throw new NotRun(reason);
    },
    cover: (key) => s.cover(key),
  };
}

/**
 * The step most rule checks share, for either audience: the call (`what`) must be refused with one
 * of `errors` and leave the operation's entity as it was (see `unchanged`).
 */
export function refusedUnchanged(
  t: RuleTarget,
  op: OperationSpec,
  ids: Record<string, string>,
  input: Record<string, unknown>,
  errors: string[],
  what: string,
  opts: { label?: string } & Parameters<typeof unchanged>[5] = {},
): Promise<void> {
  const act = async () => t.refused(await t.call(op, input, opts.label), op, errors, what);
  return unchanged(t, op, ids, act, what, opts);
}

/**
 * Observe, act (a call that must fail: `act` judges it), observe again: the entity must be as it
 * was, as `by` observes it (where the API can observe it and the state's ids name it). With
 * `made`, the status a provider state made it in, it must also show what the model says of that.
 */
export async function unchanged(
  t: RuleTarget,
  op: OperationSpec,
  ids: Record<string, string>,
  act: () => Promise<void>,
  what: string,
  opts: { by?: Party; made?: string | undefined } = {},
): Promise<void> {
  const entity = op.behaviour.entity;
  const ent = t.set.model.entities[entity];
  const observable = ent?.observe?.[t.api] !== undefined && ids[ent.id] !== undefined;
  const before = observable ? await t.observe(entity, ids, opts.by) : undefined;
  await act();
  if (!before || !ent) return;
  const after = await t.observe(entity, ids, opts.by);
  if ('made' in opts) {
    const want = expectedObservation(t.set, t.api, entity, opts.made);
    const got = observed(ent, after);
    if (got.present !== want.present || (want.status !== undefined && got.status !== want.status))
      t.fail(
        `after the refused ${op.operation}, ${opts.by === 'other' ? 'the owner' : 'the caller'} must still observe the ${entity} as ${JSON.stringify(want)}, but observes ${JSON.stringify(got)}`,
        after.raw,
      );
  }
  sameObservation(t, entity, before, after, what);
}

/** The call (`what`) must succeed: its output. */
export async function succeeds(
  t: RuleTarget,
  op: OperationSpec,
  input: Record<string, unknown>,
  what: string,
  label?: string,
): Promise<Record<string, unknown>> {
  return t.succeeded(await t.call(op, input, label), op, what);
}

/** The entity observed after a refused call must be as it was before. */
export function sameObservation(
  t: RuleTarget,
  entity: string,
  before: Observed,
  after: Observed & { raw?: unknown },
  what: string,
): void {
  if (snapshot(before) !== snapshot(after))
    t.fail(
      `${what} failed, but it changed the ${entity}: before ${snapshot(before)}, after ${snapshot(after)}`,
      after.raw,
    );
}
