// stateful.model: fast-check model-based testing over one entity of one API
// version. Commands: set up a provider state that creates the entity, call a
// transition operation (as the owner or another requester), observe. The model
// is built from the rules: each kind predicts (src/rules/<kind>.ts, `predict`)
// a refusal or the status the call leaves; the first refusal decides.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { ruleKind, rulesWith } from '../rules/index.ts';
import { errorSpec, inputMembers, stateValueFor } from '../spec/resolve.ts';
import type { Api, OperationSpec, SpecSet } from '../spec/types.ts';
import { expectError, expectSuccess } from './judge.ts';
import { expectedObservation, makeCheck, observed, opFile, sev, stateStatus } from './plan.ts';
import { CheckFailure, forAll, NotRun, Session } from './session.ts';
import type { Check, ServerTargetConfig } from './types.ts';

interface ModelEntity {
  ids: Record<string, string>;
  status: string | undefined;
  state: string;
  /** the last operation called on it (an observation that disagrees is that call's failure) */
  lastOp?: string;
}
interface Model {
  entities: ModelEntity[];
}

type Step =
  | { kind: 'setup'; state: string }
  | { kind: 'call'; op: string; target: number; as: number; extra: Record<string, unknown> }
  | { kind: 'observe'; target: number };

export { allowedFor } from '../rules/status.ts';

export function statefulChecks(
  set: SpecSet,
  api: Api,
  config: ServerTargetConfig,
  only?: Set<string>,
): Check[] {
  const ops = [...set.apis[api].operations.values()].filter(
    (o) => o.behaviour.kind === 'transition' && !rulesWith(o, 'namesOther').length,
  );
  const byEntity = new Map<string, OperationSpec[]>();
  for (const o of ops) byEntity.set(o.behaviour.entity, [...(byEntity.get(o.behaviour.entity) ?? []), o]);
  const out: Check[] = [];
  for (const [entity, transitions] of byEntity) {
    const ent = set.model.entities[entity]!;
    if (!ent.observe?.[api] || !ent.status) continue;
    const states = Object.entries(set.model.states)
      .filter(([, st]) => st.creates.some((c) => c.entity === entity))
      .map(([n]) => n);
    if (!states.length) continue;
    const sorted = [...transitions].sort((a, b) =>
      a.role === b.role ? a.operation.localeCompare(b.operation) : a.role === 'seed' ? -1 : 1,
    );
    const filed = sorted.filter((o) => !only || only.has(o.operation));
    if (!filed.length) continue;
    const bases = transitions.flatMap((o) => o.behaviour.rules.map((r) => r.basis));
    const signerMatters = transitions.some((o) => rulesWith(o, 'signer').length);
    const maxAs = signerMatters && config.credentials.length > 1 ? 1 : 0;
    const templates = new Map(
      transitions.map((o) => {
        const idMembers = inputMembers(set, o)
          .map((m) => m.name)
          .filter((n) => states.some((st) => n in (set.model.states[st]?.returns ?? {})));
        return [o.operation, validInput(set, o, { omit: idMembers })] as const;
      }),
    );
    const setup = fc.constantFrom(...states).map((state): Step => ({ kind: 'setup', state }));
    const call = fc
      .tuple(
        fc.constantFrom(...transitions.map((o) => o.operation)),
        fc.nat(7),
        fc.integer({ min: 0, max: maxAs }),
      )
      .chain(([op, target, as]) =>
        templates.get(op)!.map((extra): Step => ({ kind: 'call', op, target, as, extra })),
      );
    const observe = fc.nat(7).map((target): Step => ({ kind: 'observe', target }));
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: setup, weight: 2 },
      { arbitrary: call, weight: 4 },
      { arbitrary: observe, weight: 1 },
    );
    // every sequence starts with a provider state, so calls have something to act on
    const sequence = fc
      .tuple(setup, fc.array(step, { minLength: 1, maxLength: 12, size: 'medium' }))
      .map(([first, rest]) => [first, ...rest]);
    const rule = `${transitions.map((o) => `${opFile(set, o)}#/behaviour/rules`).join(', ')} with model.json#/entities/${entity}: any sequence of provider states, ${transitions.map((o) => o.operation).join('/')} calls and ${ent.observe[api]!.operation} observations agrees with the model built from the rules`;
    // One model run per entity, shared by the checks of its operations: a failure is filed under
    // the operation whose call failed (or whose call the failing observation followed).
    const model = (s: Session) =>
      sharedRun(config, `${api}/${entity}`, async () => {
        const run = new Session(set, config, { ...s.check, operation: sorted[0]!.operation });
        await run.requireApi(api);
        const numRuns = Math.max(10, Math.floor(config.runs / 10));
        try {
          await forAll(run, sequence, async (steps) => runSteps(run, set, api, entity, transitions, steps), {
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

async function runSteps(
  s: Session,
  set: SpecSet,
  api: Api,
  entity: string,
  transitions: OperationSpec[],
  steps: Step[],
): Promise<void> {
  const model: Model = { entities: [] };
  const ent = set.model.entities[entity]!;
  const check = async (e: ModelEntity, when: string) => {
    const obs = await s.observe(api, entity, e.ids);
    const want = expectedObservation(set, api, entity, e.status);
    const got = observed(ent, obs);
    if (got.present !== want.present || (want.status !== undefined && got.status !== want.status))
      throw new CheckFailure(
        `${when}: the model expects the ${entity} ${e.ids[ent.id]} to be ${JSON.stringify(want)} (status ${e.status}), but the target shows ${JSON.stringify(got)}.`,
        obs.exchange,
      );
  };
  for (const st of steps) {
    if (st.kind === 'setup') {
      const ids = await s.state(st.state);
      model.entities.push({ ids, status: stateStatus(set, st.state, entity), state: st.state });
      continue;
    }
    if (!model.entities.length) continue;
    const e = model.entities[st.target % model.entities.length]!;
    if (st.kind === 'observe') {
      await blame(e.lastOp, () => check(e, `Observation`));
      continue;
    }
    const op = transitions.find((o) => o.operation === st.op)!;
    e.lastOp = op.operation;
    await blame(op.operation, async () => {
      const input: Record<string, unknown> = { ...st.extra };
      for (const m of inputMembers(set, op)) {
        const id = stateValueFor(set, op.api, m.name, e.ids);
        if (id !== undefined) input[m.name] = id;
      }
      const what = `${op.operation} ${st.as === 0 ? 'by the owner' : 'by another requester'} on ${/^[AEIOU]/.test(entity) ? 'an' : 'a'} ${entity} in status ${e.status}`;
      s.cover(`model:${op.operation}`);
      const ex = await s.call(api, op.operation, input, { as: st.as, label: what });
      // the rules in order: the first that refuses decides; otherwise the call succeeds with their changes
      const predictions = op.behaviour.rules.map((rule) => ({
        rule,
        p: ruleKind(rule.kind).predict?.({ set, op, rule, ent, status: e.status, as: st.as, input }),
      }));
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
        for (const { rule, p } of predictions)
          if (p && 'next' in p) {
            s.cover(`rule:${rule.id}`);
            if (p.next !== undefined) e.status = p.next;
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
