// What the end-to-end client checks (`e2e.<rule id>`) share: the environment they run in, provider
// states created on the server, calls through the client with a transcript of every step,
// observations through the client or as the owner, the case loop, and the client audience of a
// rule-level check (e2eTarget). The checks themselves are written once by the rule kinds
// (src/rules/<kind>.ts, `checks`; src/checks/target.ts).
import type fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { caseLoop } from '../checks/cases.ts';
import { messageProblem } from '../checks/judge.ts';
import { ruleSource, selectMember } from '../checks/plan.ts';
import { observedIn, stateAnswerIds } from '../checks/session.ts';
import { type Called, RULE_CHECK_SHRINK_BUDGET, type RuleCheck, type RuleTarget } from '../checks/target.ts';
import { send } from '../http/transport.ts';
import type { ClientResult, ClientUnderTest } from '../mock/types.ts';
import { missingEntityErrors } from '../rules/index.ts';
import type { RuleContext } from '../rules/types.ts';
import { observeInputs } from '../rules/values.ts';
import { errorSpec } from '../spec/resolve.ts';
import { everyGroup } from '../spec/response-groups.ts';
import type { Api, EntitySpec, OperationSpec, RuleSpec, Severity, SpecSet } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { codecFor } from '../wire/index.ts';
import {
  type ClientCheckOutcome,
  type ClientFamilyCheckDef,
  clip,
  showJson,
  showResult,
} from './mock-checks.ts';

/** The server an e2e check drives the client against. */
export interface E2eServer {
  endpoint: string;
  statesUrl: string;
}

export interface E2eEnv {
  set: SpecSet;
  client: ClientUnderTest;
  server: E2eServer;
  /** The access key id the client signs with: the provider states are created for it. */
  requester: string;
  /**
   * Another requester the server knows (the emulator's other test requester): it owns the state of
   * an `owner` check, and the entity is observed with its credentials. Without it those checks are not-run.
   */
  otherRequester?: Credentials;
  runs: number;
  seed: number;
  timeoutMs: number;
}

export type E2eCheckDef = ClientFamilyCheckDef<E2eEnv>;

/** The check name prefix of the family. */
export const E2E_PREFIX = 'e2e.';

/** How much of a value the e2e family shows in a step or a failure. */
const SHOW_MAX = 1500;
export const show = (v: unknown) => showJson(v, SHOW_MAX);

/** A step of one case, kept for the failure's transcript. */
export type Transcript = string[];

export class E2eFailure extends Error {}

/** Something outside the client went wrong (the states endpoint): the check cannot judge the client. */
export class E2eNotRun extends Error {}

/** Creates a provider state owned by `requester` (default: the client's); the ids it returned, as strings. */
export async function createState(
  env: E2eEnv,
  state: string,
  log: Transcript,
  requester = env.requester,
): Promise<Record<string, string>> {
  const u = new URL(env.server.statesUrl);
  const body = JSON.stringify({ state, requester, params: {} });
  const r = await send(
    u.origin,
    {
      method: 'POST',
      path: u.pathname,
      query: u.search.replace(/^\?/, ''),
      headers: { 'content-type': 'application/json' },
      body,
    },
    { timeoutMs: Math.max(env.timeoutMs, 1000) },
  );
  // A states endpoint that breaks (5xx, no answer) is not one that lacks the state: say which.
  if (!r.ok)
    throw new E2eNotRun(
      `the state endpoint failed (${r.error === 'timeout' ? 'no answer in time' : r.error}: ${r.message}) setting up provider state ${state}; if it only fails under load, raise --timeout-ms`,
    );
  if (r.res.status >= 500)
    throw new E2eNotRun(
      `the state endpoint failed (HTTP ${r.res.status}) setting up provider state ${state}; if it only fails under load, raise --timeout-ms`,
    );
  if (r.res.status !== 200)
    throw new E2eNotRun(`provider state ${state} is not supported by the server (HTTP ${r.res.status})`);
  const { ids } = stateAnswerIds(env.set, state, r.res.body, (reason) => new E2eNotRun(reason));
  log.push(
    `provider state ${state}${requester === env.requester ? '' : ` owned by ${requester}`} → ${show(ids)}`,
  );
  return ids;
}

/** Calls through the client; a client that throws (a crashed driver) fails the case. */
export async function callClient(
  env: E2eEnv,
  operation: string,
  input: Record<string, unknown>,
  log: Transcript,
): Promise<ClientResult> {
  let r: ClientResult;
  try {
    // an operation with response groups is asked for every one, as the server checks do
    const op = env.set.apis[env.client.api]?.operations.get(operation);
    const responseGroups = op ? everyGroup(env.set, op) : undefined;
    r = await env.client.call(operation, input, responseGroups ? { responseGroups } : undefined);
  } catch (e) {
    log.push(`${operation} ${show(input)} → the client could not be run`);
    throw new E2eFailure(`the client could not be run: ${e instanceof Error ? e.message : String(e)}`);
  }
  log.push(`${operation} ${show(input)} → ${showResult(r, SHOW_MAX)}`);
  return r;
}

/** The error codes (errors.json `code`) of error ids. */
export function codesOf(set: SpecSet, ids: string[]): string[] {
  return ids.map((id) => errorSpec(set, id).code);
}

/** The code the client surfaced: the TurkErrorCode when it has one, else its code. */
export function surfaced(r: ClientResult): string[] {
  if (!('error' in r)) return [];
  return [r.error.turkErrorCode, r.error.code].filter((x): x is string => typeof x === 'string');
}

export interface Observation {
  present: boolean;
  entity?: Record<string, unknown>;
}

/** The observe operation of an entity in an API version (model.json) and its input for the ids. */
export function observation(
  set: SpecSet,
  api: Api,
  entityName: string,
  ids: Record<string, string>,
): { ent: EntitySpec; operation: string; inputs: Record<string, unknown>[]; missing: string[] } {
  const ent = set.model.entities[entityName];
  const o = ent?.observe?.[api];
  if (!ent || !o) throw new E2eFailure(`model.json names no observe operation for ${entityName} in ${api}`);
  // one input, or one per status when the observe operation shows one status at a time
  const inputs = observeInputs(ent, o.input, ids);
  // the error codes of the observe operation's missing-entity rules: the entity is not there
  const spec = set.apis[api].operations.get(o.operation);
  const missing = codesOf(set, spec ? missingEntityErrors(spec) : []);
  return { ent, operation: o.operation, inputs, missing };
}

/** Observes an entity through the client with its `observe` operation (model.json). */
export async function observeThroughClient(
  env: E2eEnv,
  entityName: string,
  ids: Record<string, string>,
  log: Transcript,
): Promise<Observation> {
  const api = env.client.api;
  const { ent, operation, inputs, missing } = observation(env.set, api, entityName, ids);
  let seen: Observation = { present: false };
  for (const input of inputs) {
    const r = await callClient(env, operation, input, log);
    if ('error' in r) {
      if (surfaced(r).some((c) => missing.includes(c))) continue;
      throw new E2eFailure(
        `observing the ${entityName} through ${operation} failed: the client surfaced ${show(r.error)}`,
      );
    }
    seen = observedIn(ent.observe![api]!, ent, r.output, ids);
    if (seen.present) return seen;
  }
  return seen;
}

/**
 * Observes an entity as its owner sees it: the observe operation signed with the owner's
 * credentials by the suite's own codec (the client under test holds other credentials).
 */
export async function observeAsOwner(
  env: E2eEnv,
  api: Api,
  owner: Credentials,
  entityName: string,
  ids: Record<string, string>,
  log: Transcript,
): Promise<Observation> {
  const { set } = env;
  const { inputs } = observation(set, api, entityName, ids);
  let seen: Observation = { present: false };
  for (const input of inputs) {
    seen = await observeAsOwnerWith(env, api, owner, entityName, ids, input, log);
    if (seen.present) return seen;
  }
  return seen;
}

async function observeAsOwnerWith(
  env: E2eEnv,
  api: Api,
  owner: Credentials,
  entityName: string,
  ids: Record<string, string>,
  input: Record<string, unknown>,
  log: Transcript,
): Promise<Observation> {
  const { set } = env;
  const { ent, operation, missing } = observation(set, api, entityName, ids);
  const endpoint = env.server.endpoint.replace(/\/+$/, '');
  const codec = codecFor(api);
  const req = codec.encodeRequest(set, operation, input, owner, {
    host: new URL(endpoint).host,
    now: new Date(),
  });
  const r = await send(endpoint, req, { timeoutMs: Math.max(env.timeoutMs, 1000) });
  const what = `${operation} ${show(input)} signed by the owner ${owner.accessKeyId}`;
  if (!r.ok) {
    log.push(`${what} → no answer: ${r.message}`);
    throw new E2eNotRun(`observing the ${entityName} as its owner: the server did not answer (${r.message})`);
  }
  const a = codec.decodeResponse(set, operation, r.res);
  if (a.kind === 'success') {
    const obs = observedIn(ent.observe![api]!, ent, a.output, ids);
    log.push(`${what} → ${show(obs.entity ?? { present: obs.present })}`);
    return obs;
  }
  if (a.kind === 'error' && a.code !== undefined && missing.includes(a.code)) {
    log.push(`${what} → error ${a.code} (no such ${entityName})`);
    return { present: false };
  }
  const got =
    a.kind === 'error' ? `error ${a.code ?? `HTTP ${a.status}`}: ${a.message ?? ''}` : a.problems.join('; ');
  log.push(`${what} → ${got}`);
  throw new E2eFailure(`observing the ${entityName} as its owner through ${operation} failed: ${got}`);
}

/**
 * The e2e family's cases through the shared case loop (src/checks/cases.ts): `caseCount(env, cap)`
 * values of `arb`, seeded; the first failing value is shrunk (every try costs a provider state and
 * real calls, so the budget is small) and the failure of the shrunk value is reported with its
 * transcript. `i` is the case's index (a shrunk value keeps the index of the case it came from).
 */
export async function forCases<T>(
  env: E2eEnv,
  cap: number,
  arb: fc.Arbitrary<T>,
  body: (value: T, log: Transcript, i: number) => Promise<void>,
  shrinkBudget = 10,
): Promise<ClientCheckOutcome> {
  const cases = caseCount(env, cap);
  let log: Transcript = [];
  const r = await caseLoop(
    arb,
    { seed: env.seed, numRuns: cases, shrinkBudget, cannotRun: (e) => e instanceof E2eNotRun },
    async (v, caseNo) => {
      log = [];
      await body(v, log, caseNo - 1);
    },
  );
  if (r.kind === 'passed')
    return { status: 'passed', detail: `${cases} case${cases === 1 ? '' : 's'} end to end`, cases };
  if (r.kind === 'not-run')
    return { status: 'not-run', detail: '', notRunReason: (r.error as Error).message };
  const transcript = log.map((l, n) => `  ${n + 1}. ${l}`).join('\n');
  const message = r.error instanceof Error ? r.error.message : String(r.error);
  const flaky = r.flaky ? ' (the shrunk case passed when replayed: the target is not deterministic)' : '';
  return {
    status: 'failed',
    detail: clip(
      `case ${r.caseNo} of ${cases}${flaky}: ${message}${transcript ? `\nSteps:\n${transcript}` : ''}`,
    ),
    ...(r.shown !== 'undefined'
      ? { counterexample: clip(r.shown) }
      : log.length
        ? { counterexample: clip(log.join('\n')) }
        : {}),
    cases: r.caseNo,
  };
}

/** Required members other than the selected entity's id (a case adds the ids of its provider state). */
export function requiredInput(set: SpecSet, op: OperationSpec): fc.Arbitrary<Record<string, unknown>> {
  return validInput(set, op, { requiredOnly: true, omit: [selectMember(set, op)] });
}

/** The client audience of a rule-level check (src/checks/target.ts): calls through the client. */
export function e2eTarget(env: E2eEnv, log: Transcript): RuleTarget {
  const other = () => {
    const o = env.otherRequester;
    if (!o || o.accessKeyId === env.requester)
      throw new E2eNotRun(
        'no second requester known to the server: the state cannot be owned by another one',
      );
    return o;
  };
  const result = (c: Called) => c.raw as ClientResult;
  return {
    audience: 'client-e2e',
    set: env.set,
    api: env.client.api,
    state: (name, owner) =>
      createState(env, name, log, owner === 'other' ? other().accessKeyId : env.requester),
    // the client under test signs as its own requester: its listings are what they are
    isolate: async () => false,
    async call(op, input) {
      const r = await callClient(env, op.operation, input, log);
      return { ok: !('error' in r), output: 'error' in r ? {} : r.output, raw: r };
    },
    refused(c, _op, errors, what) {
      const r = result(c);
      const codes = codesOf(env.set, errors);
      const want = `${what} must fail with ${codes.join(' or ')}`;
      if (!('error' in r)) throw new E2eFailure(`${want}, but the client returned success`);
      if (!surfaced(r).some((x) => codes.includes(x)))
        throw new E2eFailure(`${want}, but the client surfaced ${show(r.error)}`);
    },
    refusedAny(c, _op, what) {
      if (!('error' in result(c))) throw new E2eFailure(`${what} must fail, but the client returned success`);
    },
    messaged(c, _op, errors, what) {
      const r = result(c);
      if (!('error' in r))
        throw new E2eFailure(`${what} must fail with a message, but the client returned success`);
      const wrong = messageProblem(env.set, env.client.api, r.error.message, errors);
      if (wrong) throw new E2eFailure(`${what}: ${wrong} (as the client surfaced it)`);
    },
    succeeded(c, _op, what) {
      const r = result(c);
      if ('error' in r)
        throw new E2eFailure(`${what} must succeed, but the client surfaced ${show(r.error)}`);
      return r.output;
    },
    observe: (entity, ids, by) =>
      by === 'other'
        ? observeAsOwner(env, env.client.api, other(), entity, ids, log)
        : observeThroughClient(env, entity, ids, log),
    fail(message) {
      throw new E2eFailure(message);
    },
    notRun(reason) {
      throw new E2eNotRun(reason);
    },
    cover: () => undefined,
  };
}

/** A rule-level check (src/checks/target.ts) for the client audience. */
export function e2eCheck<T>(ctx: RuleContext, rc: RuleCheck<T>): E2eCheckDef {
  return {
    ...head(ctx.set, ctx.op, ctx.rule, rc.severity, rc.suffix),
    summary: rc.summary,
    run: (env) =>
      forCases(
        env,
        rc.cases.client,
        rc.arb,
        (v, log, i) => rc.run(e2eTarget(env, log), v, i),
        rc.shrinkBudget ?? RULE_CHECK_SHRINK_BUDGET,
      ),
  };
}

/** A few seeded cases per check: each case costs real requests and a provider state. */
export function caseCount(env: E2eEnv, cap: number): number {
  return Math.max(1, Math.min(env.runs, cap));
}

export function head(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  severity: Severity,
  suffix = '',
): Pick<E2eCheckDef, 'id' | 'api' | 'operation' | 'check' | 'severity' | 'rule'> {
  const check = `${E2E_PREFIX}${rule.id}${suffix}`;
  return {
    id: `${op.api}/${op.operation}/${check}`,
    api: op.api,
    operation: op.operation,
    check,
    severity,
    rule: ruleSource(set, op, rule),
  };
}
