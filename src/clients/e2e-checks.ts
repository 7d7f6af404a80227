// The end-to-end client check family, `<api>/<Operation>/e2e.<rule id>`: a client under test
// against a real server (the reference emulator, or any server with a provider-states endpoint)
// instead of the mock. Generated from the operations' behaviour rules:
//   effect → create the rule's `given` state, call with a valid input, expect success, observe the
//            entity through the client (model.json `observe`) and compare with the rule's `observe`
//            (and `$input.<member>` fields of its `set` where the observation shows them);
//   status → for each `violatedBy` state, the call must surface the rule's error (or one of its
//            `acceptErrors`) and leave the entity as the state created it;
//   exists → an id that names no entity surfaces the rule's error;
//   read   → the `given` state's entity (and parent) come back with its ids and `observe` values;
//   list   → filtered on the `given` state's ids, the list holds its entity;
//   owner  → the `given` state is created for another requester (the emulator's other test
//            requester) than the one the client signs as: the call must surface the rule's error,
//            and the entity, observed with the owner's credentials, must be unchanged.
// Nothing here names an operation, a member, an error code or a state.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import {
  expectedObservation,
  observed,
  ruleSource,
  selectMember,
  sev,
  stateStatus,
  unknownIdArb,
} from '../checks/plan.ts';
import { allowedFor } from '../checks/stateful.ts';
import { send } from '../http/transport.ts';
import {
  type CatalogueOptions,
  type ClientCheckOutcome,
  type ClientFamilyCheckDef,
  clip,
  selectedOperations,
  showJson,
  showResult,
} from '../mock/checks.ts';
import type { ClientResult, ClientUnderTest } from '../mock/types.ts';
import { errorSpec, inputMembers, ruleInput } from '../spec/resolve.ts';
import type { Api, EntitySpec, OperationSpec, RuleSpec, Severity, SpecSet } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { codecFor } from '../wire/index.ts';

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
const show = (v: unknown) => showJson(v, SHOW_MAX);

/** A step of one case, kept for the failure's transcript. */
type Transcript = string[];

class E2eFailure extends Error {}

/** Something outside the client went wrong (the states endpoint): the check cannot judge the client. */
class E2eNotRun extends Error {}

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
  if (!r.ok) throw new E2eNotRun(`provider state ${state} could not be set up: ${r.message}`);
  if (r.res.status !== 200)
    throw new E2eNotRun(`provider state ${state} is not supported by the server (HTTP ${r.res.status})`);
  let doc: unknown;
  try {
    doc = JSON.parse(r.res.body);
  } catch {
    throw new E2eNotRun(`provider state ${state}: the states endpoint answered something other than JSON`);
  }
  const src = (
    doc && typeof doc === 'object' && 'ids' in doc && typeof doc.ids === 'object' ? doc.ids : doc
  ) as Record<string, unknown> | null;
  const ids: Record<string, string> = {};
  for (const [k, v] of Object.entries(src ?? {}))
    if (typeof v === 'string' || typeof v === 'number') ids[k] = String(v);
  for (const key of Object.keys(env.set.model.states[state]?.returns ?? {}))
    if (ids[key] === undefined)
      throw new E2eNotRun(`provider state ${state}: the states endpoint did not return ${key}`);
  log.push(
    `provider state ${state}${requester === env.requester ? '' : ` owned by ${requester}`} → ${show(ids)}`,
  );
  return ids;
}

/** Calls through the client; a client that throws (a crashed driver) fails the case. */
async function callClient(
  env: E2eEnv,
  operation: string,
  input: Record<string, unknown>,
  log: Transcript,
): Promise<ClientResult> {
  let r: ClientResult;
  try {
    r = await env.client.call(operation, input);
  } catch (e) {
    log.push(`${operation} ${show(input)} → the client could not be run`);
    throw new E2eFailure(`the client could not be run: ${e instanceof Error ? e.message : String(e)}`);
  }
  log.push(`${operation} ${show(input)} → ${showResult(r, SHOW_MAX)}`);
  return r;
}

/** The error codes (errors.json `code`) of error ids. */
function codesOf(set: SpecSet, ids: string[]): string[] {
  return ids.map((id) => errorSpec(set, id).code);
}

/**
 * The head of a check of an error rule (its severity also weighs the error's basis) and the codes
 * it accepts: the rule's error and its acceptErrors.
 */
function errorRuleHead(set: SpecSet, op: OperationSpec, rule: RuleSpec, error: string) {
  return {
    ...head(set, op, rule, sev(rule.basis, errorSpec(set, error).basis)),
    codes: codesOf(set, [error, ...(rule.acceptErrors ?? [])]),
  };
}

/** Calls the client and demands that it surfaces one of `codes`; `what` (the call) opens the failure. */
async function expectRefusal(
  env: E2eEnv,
  operation: string,
  input: Record<string, unknown>,
  log: Transcript,
  expected: { what: string; codes: string[] },
): Promise<void> {
  const { what, codes } = expected;
  const r = await callClient(env, operation, input, log);
  if (!('error' in r))
    throw new E2eFailure(`${what} must fail with ${codes.join(' or ')}, but the client returned success`);
  if (!surfaced(r).some((c) => codes.includes(c)))
    throw new E2eFailure(
      `${what} must fail with ${codes.join(' or ')}, but the client surfaced ${show(r.error)}`,
    );
}

/** The code the client surfaced: the TurkErrorCode when it has one, else its code. */
function surfaced(r: ClientResult): string[] {
  if (!('error' in r)) return [];
  return [r.error.turkErrorCode, r.error.code].filter((x): x is string => typeof x === 'string');
}

interface Observation {
  present: boolean;
  entity?: Record<string, unknown>;
}

/** The observe operation of an entity in an API version (model.json) and its input for the ids. */
function observation(
  set: SpecSet,
  api: Api,
  entityName: string,
  ids: Record<string, string>,
): { ent: EntitySpec; operation: string; input: Record<string, unknown>; missing: string[] } {
  const ent = set.model.entities[entityName];
  const o = ent?.observe?.[api];
  if (!ent || !o) throw new E2eFailure(`model.json names no observe operation for ${entityName} in ${api}`);
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.input)) {
    if (v === '$id') input[k] = ids[ent.id];
    else if (v === '$parent') input[k] = ent.parent ? ids[ent.parent.via] : undefined;
    else input[k] = v;
  }
  // the error codes of the observe operation's exists rules: the entity is not there
  const spec = set.apis[api].operations.get(o.operation);
  const missing = codesOf(
    set,
    (spec?.behaviour.rules ?? []).filter((x) => x.kind === 'exists' && x.error).map((x) => x.error!),
  );
  return { ent, operation: o.operation, input, missing };
}

/** The entity in the output of its observe operation (the `path`, and the `find` item of a list). */
function observedIn(
  api: Api,
  ent: EntitySpec,
  output: Record<string, unknown>,
  ids: Record<string, string>,
): Observation {
  const o = ent.observe![api]!;
  let value: unknown = output;
  for (const seg of o.path.split(/[/.]/))
    if (seg) value = (value as Record<string, unknown> | undefined)?.[seg];
  if (o.find) {
    const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    const item = list.find(
      (x) => x && typeof x === 'object' && String((x as Record<string, unknown>)[o.find!]) === ids[ent.id],
    ) as Record<string, unknown> | undefined;
    return item ? { present: true, entity: item } : { present: false };
  }
  return value && typeof value === 'object'
    ? { present: true, entity: value as Record<string, unknown> }
    : { present: false };
}

/** Observes an entity through the client with its `observe` operation (model.json). */
async function observeThroughClient(
  env: E2eEnv,
  entityName: string,
  ids: Record<string, string>,
  log: Transcript,
): Promise<Observation> {
  const api = env.client.api;
  const { ent, operation, input, missing } = observation(env.set, api, entityName, ids);
  const r = await callClient(env, operation, input, log);
  if ('error' in r) {
    if (surfaced(r).some((c) => missing.includes(c))) return { present: false };
    throw new E2eFailure(
      `observing the ${entityName} through ${operation} failed: the client surfaced ${show(r.error)}`,
    );
  }
  return observedIn(api, ent, r.output, ids);
}

/**
 * Observes an entity as its owner sees it: the observe operation signed with the owner's
 * credentials by the suite's own codec (the client under test holds other credentials).
 */
async function observeAsOwner(
  env: E2eEnv,
  api: Api,
  owner: Credentials,
  entityName: string,
  ids: Record<string, string>,
  log: Transcript,
): Promise<Observation> {
  const { set } = env;
  const { ent, operation, input, missing } = observation(set, api, entityName, ids);
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
    const obs = observedIn(api, ent, a.output, ids);
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

function sample<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { seed, numRuns: 1 })[0]!;
}

/** Runs `cases` cases; the first failing one fails the check with its transcript. */
async function runCases(
  cases: number,
  body: (i: number, log: Transcript) => Promise<void>,
): Promise<ClientCheckOutcome> {
  for (let i = 0; i < cases; i++) {
    const log: Transcript = [];
    try {
      await body(i, log);
    } catch (e) {
      const transcript = log.map((l, n) => `  ${n + 1}. ${l}`).join('\n');
      if (e instanceof E2eNotRun) return { status: 'not-run', detail: '', notRunReason: e.message };
      const message = e instanceof Error ? e.message : String(e);
      return {
        status: 'failed',
        detail: clip(`case ${i + 1} of ${cases}: ${message}${transcript ? `\nSteps:\n${transcript}` : ''}`),
        ...(log.length ? { counterexample: clip(log.join('\n')) } : {}),
        cases: i + 1,
      };
    }
  }
  return { status: 'passed', detail: `${cases} case${cases === 1 ? '' : 's'} end to end`, cases };
}

/** A few seeded cases per check: each case costs real requests and a provider state. */
function caseCount(env: E2eEnv, cap: number): number {
  return Math.max(1, Math.min(env.runs, cap));
}

function effectCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  const entity = op.behaviour.entity;
  if (!rule.given || !set.model.entities[entity]?.observe?.[op.api]) return undefined;
  const given = rule.given;
  return {
    ...head(set, op, rule, sev(rule.basis)),
    summary: `Through the client, ${op.operation} on the ${entity} of provider state ${given} succeeds and an observation through the client shows ${show(rule.observe ?? {})}.`,
    run: (env) =>
      runCases(caseCount(env, 3), async (i, log) => {
        const ids = await createState(env, given, log);
        // the rule's own input (e.g. Revert, a future ExpireAt) over a generated valid one
        const input = { ...sample(validInput(set, op, { ids }), env.seed + i), ...ruleInput(rule) };
        const r = await callClient(env, op.operation, input, log);
        if ('error' in r)
          throw new E2eFailure(
            `${op.operation} on the ${entity} of provider state ${given} must succeed, but the client surfaced ${show(r.error)}`,
          );
        const obs = await observeThroughClient(env, entity, ids, log);
        for (const [k, want] of Object.entries(rule.observe ?? {})) {
          const got = k === 'present' ? obs.present : obs.entity?.[k];
          if (String(got) !== String(want))
            throw new E2eFailure(
              `after a successful ${op.operation}, the ${entity} must show ${k} = ${show(want)}, but the client observes ${show(got)}`,
            );
        }
        if (obs.present && obs.entity)
          for (const [field, v] of Object.entries(rule.set ?? {})) {
            const m = typeof v === 'string' ? /^\$input\.(.+)$/.exec(v) : null;
            if (!m || input[m[1]!] === undefined || !(field in obs.entity)) continue;
            if (!sameValue(obs.entity[field], input[m[1]!]))
              throw new E2eFailure(
                `after a successful ${op.operation}, the ${entity}'s ${field} must be the ${m[1]} sent (${show(input[m[1]!])}), but the client observes ${show(obs.entity[field])}`,
              );
          }
      }),
  };
}

function statusCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  const violated = rule.violatedBy ?? [];
  if (!rule.error || violated.length === 0) return undefined;
  const entity = op.behaviour.entity;
  const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
  const observable = set.model.entities[entity]?.observe?.[op.api] !== undefined;
  return {
    ...errorHead,
    summary: `Through the client, ${op.operation} on the ${entity} of provider state${violated.length > 1 ? 's' : ''} ${violated.join(', ')} surfaces ${codes.join(' or ')} and leaves the ${entity} as it was.`,
    run: (env) =>
      runCases(caseCount(env, violated.length), async (i, log) => {
        const state = violated[i % violated.length]!;
        const ids = await createState(env, state, log);
        const status = stateStatus(set, state, entity);
        const input = sample(validInput(set, op, { ids, requiredOnly: true }), env.seed + i);
        if (status !== undefined && allowedFor(rule, input).includes(status))
          throw new E2eNotRun(
            `the generated input allows status ${status} (allowedWhen); no violating input for ${state}`,
          );
        const what = `${op.operation} on the ${entity} of provider state ${state} (allowed: ${(rule.allowed ?? []).join(', ')})`;
        await expectRefusal(env, op.operation, input, log, { what, codes });
        if (!observable) return;
        const want = expectedObservation(set, env.client.api, entity, status);
        const got = observed(set.model.entities[entity]!, await observeThroughClient(env, entity, ids, log));
        if (got.present !== want.present || (want.status !== undefined && got.status !== want.status))
          throw new E2eFailure(
            `after the refused ${op.operation}, the ${entity} must still be ${show(want)}, but the client observes ${show(got)}`,
          );
      }),
  };
}

function existsCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  if (!rule.error) return undefined;
  const entity = op.behaviour.entity;
  const select = selectMember(set, op);
  const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
  return {
    ...errorHead,
    summary: `Through the client, ${op.operation} with a ${select} that names no ${entity} surfaces ${codes.join(' or ')}.`,
    run: (env) =>
      runCases(caseCount(env, 3), async (i, log) => {
        const id = sample(unknownIdArb(set, op), env.seed + i);
        const input = sample(
          validInput(set, op, { requiredOnly: true, fixed: { [select]: id } }),
          env.seed + i,
        );
        const what = `${op.operation} for ${select} ${id}, which names no ${entity},`;
        await expectRefusal(env, op.operation, input, log, { what, codes });
      }),
  };
}

function readCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  if (!rule.given || !rule.output) return undefined;
  const given = rule.given;
  const output = rule.output;
  const entity = op.behaviour.entity;
  const ent = set.model.entities[entity];
  if (!ent) return undefined;
  return {
    ...head(set, op, rule, sev(rule.basis)),
    summary: `Through the client, ${op.operation} of the ${entity} of provider state ${given} hands back ${Object.keys(output).join(', ')} with the ids of the state${rule.observe ? ` and ${show(rule.observe)}` : ''}.`,
    run: (env) =>
      runCases(caseCount(env, 1), async (i, log) => {
        const ids = await createState(env, given, log);
        const input = sample(validInput(set, op, { ids, requiredOnly: true }), env.seed + i);
        const r = await callClient(env, op.operation, input, log);
        if ('error' in r)
          throw new E2eFailure(
            `${op.operation} of the ${entity} of provider state ${given} must succeed, but the client surfaced ${show(r.error)}`,
          );
        for (const [key, what] of Object.entries(output)) {
          if (what.startsWith('$entity.')) {
            if (r.output[key] === undefined) throw new E2eFailure(`the client hands back no ${key}`);
            continue;
          }
          const value = r.output[key] as Record<string, unknown> | undefined;
          if (!value || typeof value !== 'object')
            throw new E2eFailure(`the client hands back no ${key} (the ${what.slice(1)})`);
          const idName =
            what === '$entity' ? ent.id : ent.parent ? set.model.entities[ent.parent.entity]?.id : undefined;
          const idWant = what === '$entity' ? ids[ent.id] : ent.parent ? ids[ent.parent.via] : undefined;
          if (idName && idWant !== undefined && String(value[idName]) !== idWant)
            throw new E2eFailure(
              `${key}.${idName} must be ${idWant}, but the client hands back ${show(value[idName])}`,
            );
          if (what === '$entity')
            for (const [k, want] of Object.entries(rule.observe ?? {}))
              if (String(value[k]) !== String(want))
                throw new E2eFailure(
                  `${key}.${k} must be ${show(want)}, but the client hands back ${show(value[k])}`,
                );
        }
      }),
  };
}

function listCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  if (!rule.given || !rule.items) return undefined;
  const given = rule.given;
  const items = rule.items;
  const entity = op.behaviour.entity;
  const ent = set.model.entities[entity];
  if (!ent) return undefined;
  return {
    ...head(set, op, rule, sev(rule.basis)),
    summary: `Through the client, ${op.operation} filtered on the ids of provider state ${given} lists its ${entity} in ${items}.`,
    run: (env) =>
      runCases(caseCount(env, 1), async (i, log) => {
        const ids = await createState(env, given, log);
        const filter: Record<string, unknown> = {};
        for (const [member, idName] of Object.entries(rule.filter ?? {}))
          if ((ids[idName] ?? ids[member]) !== undefined) filter[member] = ids[idName] ?? ids[member];
        let input = sample(
          validInput(set, op, { ids, requiredOnly: true, fixed: { ...ruleInput(rule), ...filter } }),
          env.seed + i,
        );
        // token pages are followed (up to 50) while the entity is not listed: a listing without a
        // filter holds all of the caller's entities
        const token = rule.pagination?.style === 'token' ? rule.pagination.token : undefined;
        const sizeName = rule.pagination?.size;
        const range = inputMembers(set, op)
          .find((m) => m.name === sizeName)
          ?.constraints.find((c) => c.kind === 'range');
        const maxSize = range?.kind === 'range' ? range.max : undefined;
        let value: unknown;
        let found = false;
        for (let page = 1; page <= 50 && !found; page++) {
          const r = await callClient(env, op.operation, input, log);
          if ('error' in r)
            throw new E2eFailure(
              `${op.operation} for the ${entity} of provider state ${given} must succeed, but the client surfaced ${show(r.error)}`,
            );
          value = r.output[items];
          const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
          found = list.some(
            (x) =>
              x && typeof x === 'object' && String((x as Record<string, unknown>)[ent.id]) === ids[ent.id],
          );
          const next = token ? r.output[token] : undefined;
          if (typeof next !== 'string' || next === '') break;
          // later pages as large as the model allows
          input = { ...input, [token!]: next, ...(sizeName && maxSize ? { [sizeName]: maxSize } : {}) };
        }
        if (!found)
          throw new E2eFailure(
            `${op.operation} must list the ${entity} ${ids[ent.id]} in ${items}, but the client hands back ${show(value)}`,
          );
      }),
  };
}

function ownerCheck(set: SpecSet, op: OperationSpec, rule: RuleSpec): E2eCheckDef | undefined {
  if (!rule.error || !rule.given) return undefined;
  const given = rule.given;
  const entity = op.behaviour.entity;
  const { codes, ...errorHead } = errorRuleHead(set, op, rule, rule.error);
  const observable = set.model.entities[entity]?.observe?.[op.api] !== undefined;
  return {
    ...errorHead,
    summary: `Through the client, ${op.operation} on the ${entity} of provider state ${given} owned by another requester than the client's surfaces ${codes.join(' or ')}${observable ? `, and the owner still observes the ${entity} as it was` : ''}.`,
    run: (env) =>
      runCases(caseCount(env, 2), async (i, log) => {
        const owner = env.otherRequester;
        if (!owner || owner.accessKeyId === env.requester)
          throw new E2eNotRun(
            'no second requester known to the server: the state cannot be owned by another one',
          );
        const ids = await createState(env, given, log, owner.accessKeyId);
        const api = env.client.api;
        const before = observable ? await observeAsOwner(env, api, owner, entity, ids, log) : undefined;
        const input = sample(validInput(set, op, { ids, requiredOnly: true }), env.seed + i);
        const what = `${op.operation} on the ${entity} of provider state ${given}, owned by ${owner.accessKeyId} while the client signs as ${env.requester},`;
        await expectRefusal(env, op.operation, input, log, { what, codes });
        if (!before) return;
        const status = stateStatus(set, given, entity);
        const want = expectedObservation(set, api, entity, status);
        const after = await observeAsOwner(env, api, owner, entity, ids, log);
        const norm = observed(set.model.entities[entity]!, after);
        if (norm.present !== want.present || (want.status !== undefined && norm.status !== want.status))
          throw new E2eFailure(
            `after the refused ${op.operation}, the owner must still observe the ${entity} as ${show(want)}, but observes ${show(norm)}`,
          );
        if (show(before) !== show(after))
          throw new E2eFailure(
            `the refused ${op.operation} changed the ${entity}: the owner observed ${show(before)} before and ${show(after)} after`,
          );
      }),
  };
}

/** Equal values; timestamps (a Date or its text) to the second. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = new Date(a as string | number | Date).getTime();
    const tb = new Date(b as string | number | Date).getTime();
    return Math.abs(ta - tb) < 1000;
  }
  return String(a) === String(b);
}

function head(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  severity: Severity,
): Pick<E2eCheckDef, 'id' | 'api' | 'operation' | 'check' | 'severity' | 'rule'> {
  const check = `${E2E_PREFIX}${rule.id}`;
  return {
    id: `${op.api}/${op.operation}/${check}`,
    api: op.api,
    operation: op.operation,
    check,
    severity,
    rule: ruleSource(set, op, rule),
  };
}

/** Selection as for the mock family; `checks` holds check names (`e2e.rejects`) or ids to keep. */
export type E2eCatalogueOptions = CatalogueOptions;

/** Every e2e check for the given API versions and operations, in a stable order. */
export function e2eCheckCatalogue(set: SpecSet, opts: E2eCatalogueOptions = {}): E2eCheckDef[] {
  const out: E2eCheckDef[] = [];
  for (const op of selectedOperations(set, opts)) {
    for (const rule of op.behaviour.rules) {
      const def =
        rule.kind === 'effect'
          ? effectCheck(set, op, rule)
          : rule.kind === 'status'
            ? statusCheck(set, op, rule)
            : rule.kind === 'exists'
              ? existsCheck(set, op, rule)
              : rule.kind === 'owner'
                ? ownerCheck(set, op, rule)
                : rule.kind === 'read'
                  ? readCheck(set, op, rule)
                  : rule.kind === 'list'
                    ? listCheck(set, op, rule)
                    : undefined;
      if (!def) continue;
      if (opts.checks?.length && !opts.checks.includes(def.check) && !opts.checks.includes(def.id)) continue;
      out.push(def);
    }
  }
  return out;
}
