// stateful.model: fast-check model-based testing over one entity of one API
// version. Commands: set up a provider state that creates the entity or call an
// operation that creates one, call a transition or a delete (as the owner or
// another requester), observe. The model
// is built from the rules: each kind predicts (src/rules/<kind>.ts, `predict`)
// a refusal or the status the call leaves; the first refusal decides.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { findId, freshUniques, lifetimeMembers } from '../rules/create.ts';
import { ruleKind, rulesWith } from '../rules/index.ts';
import { freshTokens } from '../rules/token.ts';
import { errorSpec, inputMembers, stateValueFor } from '../spec/resolve.ts';
import type { Api, OperationSpec, SpecSet } from '../spec/types.ts';
import { expectError, expectSuccess } from './judge.ts';
import { expectedObservation, makeCheck, observed, opFile, sev, stateChildren, stateStatus } from './plan.ts';
import { CheckFailure, forAll, NotRun, Session } from './session.ts';
import type { Check, ServerTargetConfig } from './types.ts';

interface ModelEntity {
  ids: Record<string, string>;
  status: string | undefined;
  /** the provider state or the operation that made it */
  state: string;
  /** the last operation called on it (an observation that disagrees is that call's failure) */
  lastOp?: string;
  /** a call deleted it: what later calls on it may answer besides does-not-exist */
  gone?: string[];
  /** the last call left it in one of these statuses (the next observation tells which) */
  either?: string[];
  /** the statuses of its children by entity (from its provider state; none when a call made it) */
  children: Record<string, string[]>;
}
interface Model {
  entities: ModelEntity[];
}

type Step =
  | { kind: 'setup'; state: string }
  | { kind: 'create'; op: string; extra: Record<string, unknown> }
  | { kind: 'call'; op: string; target: number; as: number; extra: Record<string, unknown> }
  | { kind: 'observe'; target: number };

export { allowedFor } from '../rules/status.ts';

const article = (w: string) => (/^[AEIOU]/.test(w) ? 'an' : 'a');

/**
 * The model runs of an API version: one per entity that can be observed, over the operations that
 * make it (create, no selected entity), change it (transition) and delete it, as owner or not,
 * from its provider states. The model's expectations come from the rule kinds' `predict`.
 */
export function statefulChecks(
  set: SpecSet,
  api: Api,
  config: ServerTargetConfig,
  only?: Set<string>,
): Check[] {
  const usable = [...set.apis[api].operations.values()].filter((o) => !rulesWith(o, 'namesOther').length);
  const calls = usable.filter((o) => o.behaviour.kind === 'transition' || o.behaviour.kind === 'delete');
  const makers = usable.filter((o) => o.behaviour.kind === 'create' && !o.behaviour.select);
  const out: Check[] = [];
  for (const entity of new Set([...calls, ...makers].map((o) => o.behaviour.entity))) {
    const ent = set.model.entities[entity];
    const obs = ent?.observe?.[api];
    if (!ent || !obs || !set.apis[api].operations.has(obs.operation)) continue;
    const transitions = calls.filter((o) => o.behaviour.entity === entity);
    const creators = makers.filter((o) => o.behaviour.entity === entity);
    // without a status, presence is all the model follows: it needs calls that make or delete
    if (!ent.status && !creators.length && !transitions.some((o) => o.behaviour.kind === 'delete')) continue;
    const states = Object.entries(set.model.states)
      .filter(([, st]) => st.creates.some((c) => c.entity === entity))
      .map(([n]) => n);
    if (!states.length && !creators.length) continue;
    const modelOps = [...creators, ...transitions];
    const sorted = [...modelOps].sort((a, b) =>
      a.role === b.role ? a.operation.localeCompare(b.operation) : a.role === 'seed' ? -1 : 1,
    );
    const filed = sorted.filter((o) => !only || only.has(o.operation));
    if (!filed.length) continue;
    const bases = modelOps.flatMap((o) => o.behaviour.rules.map((r) => r.basis));
    const signerMatters = transitions.some((o) => rulesWith(o, 'signer').length);
    const maxAs = signerMatters && config.credentials.length > 1 ? 1 : 0;
    const templates = new Map(
      modelOps.map((o) => {
        // the entity's own id, and what every state returns, are always filled in; another id (a
        // Worker's) is generated when the entity at hand has none
        const idMembers = creators.includes(o)
          ? []
          : inputMembers(set, o)
              .map((m) => m.name)
              .filter(
                (n) =>
                  n === ent.id ||
                  (states.length > 0 && states.every((st) => n in (set.model.states[st]?.returns ?? {}))),
              );
        // what a create makes lives as long as it may: the model follows no clock
        const longest: Record<string, unknown> = {};
        for (const name of creators.includes(o) ? lifetimeMembers(o) : []) {
          const m = inputMembers(set, o).find((x) => x.name === name);
          const max = m?.constraints.find((c) => c.kind === 'range')?.max;
          if (typeof max === 'number') longest[name] = max;
        }
        return [o.operation, validInput(set, o, { omit: idMembers, fixed: longest })] as const;
      }),
    );
    const setup = states.length
      ? fc.constantFrom(...states).map((state): Step => ({ kind: 'setup', state }))
      : undefined;
    const create = creators.length
      ? fc
          .constantFrom(...creators.map((o) => o.operation))
          .chain((op) => templates.get(op)!.map((extra): Step => ({ kind: 'create', op, extra })))
      : undefined;
    const makeOne = fc.oneof(...[setup, create].filter((x): x is fc.Arbitrary<Step> => x !== undefined));
    // a target counts back from the latest entity, mostly the latest: calls pile up on one entity
    // and reach deep into its lifecycle
    const target = fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.nat(7), weight: 1 });
    const call = transitions.length
      ? fc
          .tuple(
            fc.constantFrom(...transitions.map((o) => o.operation)),
            target,
            // mostly the owner: another requester's calls are refused and change nothing
            maxAs
              ? fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(1), weight: 1 })
              : fc.constant(0),
          )
          .chain(([op, target, as]) =>
            templates.get(op)!.map((extra): Step => ({ kind: 'call', op, target, as, extra })),
          )
      : undefined;
    const observe = target.map((t): Step => ({ kind: 'observe', target: t }));
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: makeOne, weight: 2 },
      ...(call ? [{ arbitrary: call, weight: 4 }] : []),
      { arbitrary: observe, weight: 1 },
    );
    // every sequence starts with a provider state or a create, so calls have something to act on
    const sequence = fc
      .tuple(makeOne, fc.array(step, { minLength: 1, maxLength: 12, size: 'max' }))
      .map(([first, rest]) => [first, ...rest]);
    const made = [...(states.length ? ['provider states'] : []), ...creators.map((o) => o.operation)];
    const rule = `${modelOps.map((o) => `${opFile(set, o)}#/behaviour/rules`).join(', ')} with model.json#/entities/${entity}: any sequence of ${made.join(', ')}, ${transitions.map((o) => o.operation).join('/') || 'no'} calls and ${obs.operation} observations agrees with the model built from the rules`;
    // One model run per entity, shared by the checks of its operations: a failure is filed under
    // the operation whose call failed (or whose call the failing observation followed).
    const model = (s: Session) =>
      sharedRun(config, `${api}/${entity}`, async () => {
        const check = { ...s.check, operation: sorted[0]!.operation };
        const run = new Session(set, config, check);
        await run.requireApi(api);
        const numRuns = Math.max(20, Math.floor(config.runs / 5));
        try {
          await forAll(run, sequence, async (steps) => runSteps(run, set, api, entity, modelOps, steps), {
            numRuns,
            shrinkBudget: 20,
          });
          return { run };
        } catch (e) {
          return { run, error: e };
        }
      });
    for (const op of filed)
      out.push(
        makeCheck(api, op.operation, 'stateful.model', sev(...bases), rule, async (s) => {
          const { run, error } = await model(s);
          const mine = error instanceof CheckFailure ? (error.operation ?? sorted[0]!.operation) : undefined;
          if (error && !(error instanceof CheckFailure)) throw error;
          for (const [k, n] of Object.entries(run.coverage))
            if (!k.startsWith('model:') || k === `model:${op.operation}`) s.cover(k, n);
          if (mine === op.operation) {
            s.log.push(...run.log);
            throw error;
          }
          if (!run.coverage[`model:${op.operation}`])
            throw new NotRun(
              mine
                ? `the model run stopped at a failure of ${mine} (${api}/${mine}/stateful.model) before it called ${op.operation}`
                : `no generated sequence called ${op.operation}`,
            );
        }),
      );
  }
  return out;
}

/** What the rules of an operation predict for a call, in order (the first refusal decides). */
function predictAll(
  set: SpecSet,
  op: OperationSpec,
  e: ModelEntity | undefined,
  as: number,
  input: Record<string, unknown>,
) {
  const ent = set.model.entities[op.behaviour.entity]!;
  return op.behaviour.rules.map((rule) => ({
    rule,
    p: ruleKind(rule.kind).predict?.({
      set,
      op,
      rule,
      ent,
      status: e?.status,
      as,
      input,
      children: e?.children ?? {},
      ...(e?.gone ? { gone: e.gone } : {}),
    }),
  }));
}

async function runSteps(
  s: Session,
  set: SpecSet,
  api: Api,
  entity: string,
  modelOps: OperationSpec[],
  steps: Step[],
): Promise<void> {
  const model: Model = { entities: [] };
  const ent = set.model.entities[entity]!;
  // each sequence as a fresh requester where the target has them: an observation that walks the
  // owner's listing (ListWorkerBlocks) then reads this sequence's entities only, not the thousands
  // the rest of the suite made, and its charges draw on a balance no other check spent
  await s.isolate();
  const check = async (e: ModelEntity, when: string) => {
    const obs = await s.observe(api, entity, e.ids);
    const got = observed(ent, obs);
    if (e.either && !e.gone) {
      const either = e.either;
      e.either = undefined;
      // a rule read a field the model does not follow: the target shows which status it left
      const fits = either.filter((st) => {
        const w = expectedObservation(set, api, entity, st);
        return got.present === w.present && (w.status === undefined || got.status === w.status);
      });
      if (!fits.length)
        throw new CheckFailure(
          `${when}: the model expects the ${entity} ${e.ids[ent.id]} in status ${either.join(' or ')}, but the target shows ${JSON.stringify(got)}.`,
          obs.exchange,
        );
      e.status = fits[0];
      return;
    }
    const want = e.gone ? { present: false } : expectedObservation(set, api, entity, e.status);
    if (got.present !== want.present || (want.status !== undefined && got.status !== want.status))
      throw new CheckFailure(
        `${when}: the model expects the ${entity} ${e.ids[ent.id]} to be ${JSON.stringify(want)} (${e.gone ? 'deleted' : `status ${e.status}`}), but the target shows ${JSON.stringify(got)}.`,
        obs.exchange,
      );
  };
  for (const st of steps) {
    if (st.kind === 'setup') {
      const ids = await s.state(st.state);
      model.entities.push({
        ids,
        status: stateStatus(set, st.state, entity),
        state: st.state,
        children: stateChildren(set, st.state, entity),
      });
      continue;
    }
    if (st.kind === 'create') {
      const op = modelOps.find((o) => o.operation === st.op)!;
      await blame(op.operation, async () => {
        // new tokens and unique names on every call: a replay while shrinking meets nothing of its own
        const input = freshUniques(set, op, freshTokens(op, st.extra));
        const what = `${op.operation} by the owner`;
        s.cover(`model:${op.operation}`);
        const ex = await s.call(api, op.operation, input, { label: what });
        const predictions = predictAll(set, op, undefined, 0, input);
        const refusal = predictions.find((x) => x.p && 'refuse' in x.p);
        if (refusal?.p && 'refuse' in refusal.p) {
          s.cover(`rule:${refusal.rule.id}`);
          expectError(set, api, ex, refusal.p.refuse, what);
          return;
        }
        const output = expectSuccess(set, op, ex, what);
        let status: string | undefined;
        for (const { rule, p } of predictions)
          if (p && 'next' in p) {
            s.cover(`rule:${rule.id}`);
            if (p.next !== undefined) status = p.next;
          }
        // the new entity's id: in the answer, or (a block: the Worker's) the id sent
        const id =
          findId(output, ent.id) ?? (typeof input[ent.id] === 'string' ? String(input[ent.id]) : undefined);
        if (id === undefined)
          throw new CheckFailure(`${what} succeeded, but its answer names no ${ent.id}.`, ex);
        const e: ModelEntity = {
          ids: { [ent.id]: id },
          status,
          state: op.operation,
          children: {},
          lastOp: op.operation,
        };
        model.entities.push(e);
        await check(e, `After ${what}`);
      });
      continue;
    }
    if (!model.entities.length) continue;
    const e = model.entities[model.entities.length - 1 - (st.target % model.entities.length)]!;
    if (st.kind === 'observe') {
      await blame(e.lastOp, () => check(e, `Observation`));
      continue;
    }
    const op = modelOps.find((o) => o.operation === st.op)!;
    e.lastOp = op.operation;
    await blame(op.operation, async () => {
      const input: Record<string, unknown> = freshTokens(op, { ...st.extra });
      for (const m of inputMembers(set, op)) {
        const id = stateValueFor(set, op.api, m.name, e.ids);
        if (id !== undefined) input[m.name] = id;
      }
      const what = `${op.operation} ${st.as === 0 ? 'by the owner' : 'by another requester'} on ${article(entity)} ${entity} ${e.gone ? 'already deleted ' : e.status === undefined ? '' : `in status ${e.status} `}(made by ${e.state})`;
      s.cover(`model:${op.operation}`);
      const ex = await s.call(api, op.operation, input, { as: st.as, label: what });
      // the rules in order: the first that refuses decides; otherwise the call succeeds with their changes
      const predictions = predictAll(set, op, e, st.as, input);
      const refusal = predictions.find((x) => x.p && 'refuse' in x.p);
      const maybe = predictions.flatMap((x) => (x.p && 'maybe' in x.p ? x.p.maybe : []));
      const code = ex.answer.kind === 'error' ? ex.answer.code : undefined;
      if (
        !(refusal?.p && 'refuse' in refusal.p) &&
        code !== undefined &&
        maybe.some((id) => errorSpec(set, id).code === code)
      ) {
        // a refusal the model cannot foresee, allowed by its rule: the entity stays as it was
        await check(e, `After ${what}`);
        return;
      }
      if (refusal?.p && 'refuse' in refusal.p) {
        s.cover(`rule:${refusal.rule.id}`);
        expectError(set, api, ex, refusal.p.refuse, what);
      } else {
        expectSuccess(set, op, ex, what);
        for (const { rule, p } of predictions) {
          if (p && 'next' in p) {
            s.cover(`rule:${rule.id}`);
            if (p.next !== undefined) e.status = p.next;
          }
          if (p && 'gone' in p) {
            s.cover(`rule:${rule.id}`);
            e.gone = p.gone;
          }
          if (p && 'either' in p) {
            s.cover(`rule:${rule.id}`);
            e.either = p.either;
          }
        }
      }
      await check(e, `After ${what}`);
    });
  }
}

/** Runs one step; a failure in it is the failure of `operation`'s call. */
async function blame(operation: string | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof CheckFailure && operation !== undefined) e.operation = operation;
    throw e;
  }
}

/** One model run per target config and key, shared by the checks that report on it. */
const shared = new WeakMap<ServerTargetConfig, Map<string, Promise<SharedRun>>>();
interface SharedRun {
  run: Session;
  error?: unknown;
}
function sharedRun(
  config: ServerTargetConfig,
  key: string,
  start: () => Promise<SharedRun>,
): Promise<SharedRun> {
  const m = shared.get(config) ?? new Map<string, Promise<SharedRun>>();
  shared.set(config, m);
  const p = m.get(key) ?? start();
  m.set(key, p);
  return p;
}
