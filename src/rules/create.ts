// The create rule kind: a successful call makes an entity (of `entity`, the behaviour's by
// default) with the fields `set` gives (the value language of values.ts; `defaults` fill the
// documented defaults of omitted input members). With `identity`, an entity of the caller's
// with the same values of those fields is the same entity: it is reused, not made again (HIT
// types). `output` shows the entity (`$entity`) or its id (`$id`); `observe` is what the output
// and a read-back show afterwards. Checks (each e2e.<id>… through a client too):
//   rule.<id>           valid calls succeed, the output shows the new entity as `observe` and the
//                       input say, and reading it back (model.json observe) finds it;
//   rule.<id>.unique    the same unique fields again are refused;
//   rule.<id>.identity  the same identity values give the same id, a changed one another id.

import { validInput } from '../arbitraries/input.ts';
import { givenFor, idInput, sev } from '../checks/plan.ts';
import { type RuleCheck, type RuleTarget, ruleCheck, succeeds } from '../checks/target.ts';
import { project, projectionContext } from '../emulator/project.ts';
import { sampleFromPattern } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import {
  apiFieldName,
  canonicalJson,
  errorSpec,
  inputMembers,
  outputMembers,
  storedFields,
} from '../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, RuleSpec, SpecSet } from '../spec/types.ts';
import { fromStateCheck } from './context.ts';
import { freshToken, freshTokens } from './token.ts';
import type { RuleContext, RuleKindModule } from './types.ts';
import { evalValues, isExpression, parseValue, type ValueEnv, withDefaults } from './values.ts';
import { meetWhen } from './when.ts';

/**
 * The input with the members its create rules' `unique` fields take made new (the same shape), so
 * a run that repeats calls (a model run, its shrinking) never meets its own earlier entity.
 */
export function freshUniques(
  set: SpecSet,
  op: OperationSpec,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...input };
  for (const r of op.behaviour.rules) {
    if (r.kind !== 'create') continue;
    for (const f of r.unique?.fields ?? []) {
      const p = parseValue(r.set?.[f]);
      if (p.kind === 'input' && typeof out[p.member] === 'string' && out[p.member] !== '')
        out[p.member] = freshToken(String(out[p.member]));
    }
    // an entity named by the caller (a block names its Worker): a short generated id ('AC') is
    // soon another check's too on a shared target, so a new one of the entity's id format
    const ent = set.model.entities[r.entity ?? op.behaviour.entity];
    const p = ent?.idFormat && r.identity?.includes(ent.id) ? parseValue(r.set?.[ent.id]) : undefined;
    if (ent?.idFormat && p?.kind === 'input' && typeof out[p.member] === 'string')
      out[p.member] = sampleFromPattern(ent.idFormat.pattern);
  }
  return out;
}

/**
 * The input members a create rule counts a time from (`$now+$input.LifetimeInSeconds`): a model
 * run gives them their largest valid value, so what it made does not expire while it runs.
 */
export function lifetimeMembers(op: OperationSpec): string[] {
  return op.behaviour.rules.flatMap((r) =>
    r.kind === 'create'
      ? Object.values(r.set ?? {}).flatMap((v) => {
          const m = typeof v === 'string' ? /^\$now\+\$input\.([A-Za-z0-9]+)$/.exec(v) : null;
          return m ? [m[1]!] : [];
        })
      : [],
  );
}

/** The value of an id field anywhere in the first two levels of an output. */
export function findId(output: Record<string, unknown>, idField: string): string | undefined {
  if (typeof output[idField] === 'string') return output[idField] as string;
  for (const v of Object.values(output))
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const x = (v as Record<string, unknown>)[idField];
      if (typeof x === 'string') return x;
    }
  return undefined;
}

/** What the created entity must show: the rule's `observe`, evaluated for this call. */
export function expectedFields(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  input: Record<string, unknown>,
  given: string | undefined,
): Record<string, unknown> {
  const lookup: Record<string, Record<string, unknown>> = {};
  for (const r of op.behaviour.rules)
    if (r.kind === 'lookup' && r.entity) {
      const fields: Record<string, unknown> = {};
      // only what the provider state fixes: the model's defaults are the reference emulator's own
      const made = given ? set.model.states[given]?.creates.find((c) => c.entity === r.entity) : undefined;
      for (const [f, v] of Object.entries(made?.fields ?? {})) if (!isExpression(v)) fields[f] = v;
      lookup[r.entity] = fields;
    }
  const env = { input: withDefaults(input, rule.defaults), now: new Date(), created: {}, lookup };
  const out = evalValues(rule.observe ?? {}, env);
  // fields set straight from an input member show the value sent
  for (const [k, v] of Object.entries(rule.set ?? {}))
    if (typeof v === 'string' && /^\$input\.[A-Za-z0-9]+$/.test(v) && !(k in out)) {
      const x = env.input[v.slice('$input.'.length)];
      if (x !== undefined && (typeof x !== 'object' || x === null)) out[k] = x;
    }
  return out;
}

/** A timestamp as the audience hands it back: a server's codec makes a Date; a client (a driver
 * over JSON, above all) may hand back the ISO 8601 text instead. */
function isTime(t: RuleTarget, v: unknown): boolean {
  if (v instanceof Date) return true;
  return (
    t.audience === 'client-e2e' &&
    typeof v === 'string' &&
    /^\d{4}-\d\d-\d\dT/.test(v) &&
    !Number.isNaN(Date.parse(v))
  );
}

/** The entity in an output (or an observation) against what it must show. */
function compareEntity(
  t: RuleTarget,
  value: Record<string, unknown>,
  members: ResolvedMember[] | undefined,
  want: Record<string, unknown>,
  timeFields: string[],
  what: string,
  raw: unknown,
): void {
  for (const [k, w] of Object.entries(want)) {
    const m = members?.find((x) => x.name === k);
    if (members && (!m || !['string', 'integer', 'long', 'boolean'].includes(m.type))) continue;
    if (value[k] === undefined || String(value[k]) !== String(w))
      t.fail(`${what}: ${k} must be ${JSON.stringify(w)}, but it is ${JSON.stringify(value[k])}`, raw);
  }
  for (const k of timeFields)
    if (members?.some((m) => m.name === k && m.type === 'timestamp') && !isTime(t, value[k]))
      t.fail(
        `${what}: ${k} must be a timestamp (set when it is made), but it is ${JSON.stringify(value[k])}`,
        raw,
      );
}

/**
 * rule.<id> on a server, e2e.<id> through a client, for a rule with an `output`: valid calls
 * succeed, the output shows the new entity as `observe` and the input say, and reading it back
 * (model.json observe) finds it so.
 */
function outputCheck(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const entity = rule.entity ?? op.behaviour.entity;
  const ent = set.model.entities[entity];
  const outs = Object.entries(rule.output ?? {});
  if (!ent || !outs.length) return [];
  const api = op.api;
  const given = rule.given ?? givenFor(op);
  const select = op.behaviour.select;
  const idPattern = ent.idFormat ? new RegExp(ent.idFormat.pattern, 'u') : undefined;
  const idShape = idPattern ? ` (${ent.idFormat!.pattern})` : '';
  const timeFields = Object.entries(rule.set ?? {})
    .filter(([, v]) => typeof v === 'string' && v.startsWith('$now'))
    .map(([k]) => k);
  const outShape = (name: string) => outputMembers(set, op).find((m) => m.name === name);
  return [
    ruleCheck({
      audiences: ['server', 'client-e2e'],
      severity: ctx.sev,
      summary: `A valid ${op.operation} succeeds and hands back the new ${entity} (${outs.map(([n]) => n).join(', ')}) as the rule says, and reading it back finds it so.`,
      arb: validInput(set, op, { omit: select ? [select] : [] }),
      cases: { server: 20, client: 3 },
      // (t typed here: its never-returning fail narrows only through an explicit type)
      async run(t: RuleTarget, extra: Record<string, unknown>) {
        const ids = given ? await t.state(given) : {};
        // tokens and unique fields made new: the replay of a shrunk value must not meet its own entity
        const fresh = freshUniques(set, op, freshTokens(op, { ...extra, ...idInput(set, op, ids, extra) }));
        const input = meetWhen(rule, fresh, set, op);
        t.cover(`rule:${rule.id}`);
        const c = await t.call(op, input);
        const out = t.succeeded(c, op, `${op.operation} (a valid call)`);
        const want = expectedFields(set, op, rule, input, given);
        let id: string | undefined;
        for (const [name, what] of outs) {
          const v = out[name];
          if (what === '$id') {
            if (typeof v !== 'string' || (idPattern && !idPattern.test(v)))
              t.fail(
                `${op.operation} must return the new ${entity}'s id as ${name}${idShape}, but it is ${JSON.stringify(v)}`,
                c.raw,
              );
            id = v;
            continue;
          }
          if (!v || typeof v !== 'object')
            t.fail(`${op.operation} must return the new ${entity} as ${name}, but it is missing`, c.raw);
          const rec = v as Record<string, unknown>;
          id = typeof rec[ent.id] === 'string' ? (rec[ent.id] as string) : undefined;
          if (id === undefined || (idPattern && !idPattern.test(id)))
            t.fail(
              `${op.operation} must return the new ${entity} with its ${ent.id}${idShape}, but it is ${JSON.stringify(rec[ent.id])}`,
              c.raw,
            );
          const members = outShape(name)?.members;
          compareEntity(
            t,
            rec,
            members,
            want,
            timeFields,
            `${op.operation} (${name}, the new ${entity})`,
            c.raw,
          );
        }
        if (id === undefined || !canObserveEntity(set, api, entity)) return;
        const obs = await t.observe(entity, { ...ids, [ent.id]: id });
        if (!obs.present || !obs.entity)
          t.fail(`The ${entity} ${id} that ${op.operation} made cannot be read back`, obs.raw);
        const shape = set.apis[api].operations.get(ent.observe![api]!.operation);
        const path = ent.observe![api]!.path.split(/[/.]/)[0] ?? '';
        const members = shape ? outputMembers(set, shape).find((m) => m.name === path)?.members : undefined;
        const what = `Reading back the ${entity} ${id} that ${op.operation} made`;
        compareEntity(t, obs.entity, members, want, timeFields, what, obs.raw);
      },
    }),
  ];
}

/** The create rule's other checks (see the top of the file), for servers and clients alike:
 * what they show is in outputs, refusals and read-backs. */
function entityChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const api = op.api;
  const entity = rule.entity ?? op.behaviour.entity;
  const ent = set.model.entities[entity];
  if (!ent) return [];
  const given = rule.given ?? givenFor(op);
  const select = op.behaviour.select;
  const outs = Object.entries(rule.output ?? {});
  // one case each (every try costs a state and calls): a valid input for the state's ids, as the
  // rule's `when` wants it, its tokens new (a shrunk value's replay must not meet its own calls)
  const oneCase = {
    arb: validInput(set, op, { omit: select ? [select] : [] }),
    shrinkBudget: 3,
    cases: { server: 1, client: 1 },
  };
  const stateInput = async (t: RuleTarget, extra: Record<string, unknown>) => {
    const ids = given ? await t.state(given) : {};
    return freshTokens(op, meetWhen(rule, { ...extra, ...idInput(set, op, ids, extra) }, set, op));
  };
  const out: RuleCheck[] = [];

  // a sibling of the selected entity (a granted request's grant): the call consumes the selected
  // entity, so it cannot repeat; the new entity is read back through the model's observe operation
  // by the state's ids (its parent's id, the id field the selected entity carries)
  if (rule.parent === '$parent' && given)
    out.push(
      fromStateCheck(
        ctx,
        given,
        `${op.operation} from provider state ${given} makes the ${entity}, and reading it back finds it${rule.observe ? ` with ${JSON.stringify(rule.observe)}` : ''}.`,
        async (t, input, ids) => {
          await succeeds(t, op, input, `${op.operation} from provider state ${given}`);
          if (!canObserveEntity(set, api, entity))
            t.notRun(`${entity} cannot be observed in ${api} (model.json names no observe operation)`);
          const obs = await t.observe(entity, ids);
          if (!obs.present)
            t.fail(
              `After ${op.operation} from provider state ${given}, the ${entity} ${ids[ent.id]} must exist (under ${ids[ent.parent?.via ?? ''] ?? 'its parent'}), but reading it back finds none`,
              obs.raw,
            );
          for (const [field, want] of Object.entries(rule.observe ?? {})) {
            const name = apiFieldName(set, api, entity, field);
            if (String(obs.entity?.[name]) !== String(want))
              t.fail(
                `After ${op.operation}, the ${entity}'s ${name} must be ${JSON.stringify(want)}, but it is ${JSON.stringify(obs.entity?.[name])}`,
                obs.raw,
              );
          }
        },
      ),
    );

  // nothing shows the new entity (no output, no identity): a second valid call makes another one
  // and succeeds too (should: that repeats are allowed is inferred where no source forbids them)
  if (!outs.length && !rule.identity?.length && rule.parent !== '$parent')
    out.push(
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: 'should',
        summary: `A valid ${op.operation} succeeds, and so does another from the same state.`,
        ...oneCase,
        async run(t: RuleTarget, extra: Record<string, unknown>) {
          const input = await stateInput(t, extra);
          t.cover(`rule:${rule.id}`);
          await succeeds(t, op, input, `${op.operation} (a valid call)`, 'first');
          await succeeds(
            t,
            op,
            freshTokens(op, input),
            `Another ${op.operation} from the same state`,
            'another',
          );
        },
      }),
    );

  const unique = rule.unique;
  if (unique) {
    const fields = unique.fields.join(', ');
    out.push(
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: sev(unique.basis, errorSpec(set, unique.error).basis),
        suffix: '.unique',
        summary: `${op.operation} with the ${fields} of an existing ${entity} of the caller's fails with ${unique.error}.`,
        ...oneCase,
        async run(t: RuleTarget, extra: Record<string, unknown>) {
          const input = await stateInput(t, extra);
          t.cover(`rule:${rule.id}:unique`);
          await succeeds(t, op, input, `${op.operation} (a valid call)`, 'first');
          const again = await t.call(op, freshTokens(op, input, unique.fields), `same ${fields}`);
          const what = `${op.operation} with the ${fields} of an existing ${entity} of the caller's`;
          t.refused(again, op, [unique.error], what);
        },
      }),
    );
  }

  const identity = rule.identity;
  // the identity check repeats the call: a $parent rule's call consumes what it selects
  if (identity?.length && rule.parent !== '$parent') {
    const members = inputMembers(set, op);
    // an operation that shows no id: the same call again must still succeed (the entity is reused)
    const shown = JSON.stringify(outputMembers(set, op)).includes(`"name":"${ent.id}"`);
    out.push(
      ruleCheck({
        audiences: ['server', 'client-e2e'],
        severity: ctx.sev,
        suffix: '.identity',
        summary: `${op.operation} with the same ${identity.join(', ')} gives the same ${entity}${shown ? `, with another one another ${ent.id}` : ''}.`,
        ...oneCase,
        async run(t: RuleTarget, extra: Record<string, unknown>) {
          const a = await stateInput(t, extra);
          // another input that differs in one identity field: the first free string one, its last character changed
          const free = identity
            .flatMap((f) => {
              const p = parseValue(rule.set?.[f]);
              return p.kind === 'input' ? [members.find((x) => x.name === p.member)] : [];
            })
            .find(
              (m) =>
                m?.type === 'string' &&
                !m.constraints.some((c) => c.kind === 'pattern' || c.kind === 'enum') &&
                typeof a[m.name] === 'string',
            )?.name;
          t.cover(`rule:${rule.id}:identity`);
          const idOf = async (input: Record<string, unknown>, label: string) => {
            const c = await t.call(op, freshTokens(op, input), label);
            const output = t.succeeded(c, op, `${op.operation} (${label})`);
            if (!shown) return { id: '', c };
            const id = findId(output, ent.id);
            if (id === undefined)
              t.fail(
                `${op.operation} must show the ${entity}'s ${ent.id} in its output, but it does not`,
                c.raw,
              );
            return { id, c };
          };
          const first = await idOf(a, 'first call');
          const again = await idOf(a, 'same properties again');
          if (again.id !== first.id)
            t.fail(
              `${op.operation} with the same ${identity.join(', ')} must give the same ${ent.id} (${first.id}), but it gave ${again.id}`,
              again.c.raw,
            );
          if (!free || !shown) return;
          const old = String(a[free]);
          const last = [...old].pop() ?? 'a';
          const changed = { ...a, [free]: [...old].slice(0, -1).join('') + (last === 'b' ? 'c' : 'b') };
          const other = await idOf(changed, `another ${free}`);
          if (other.id === first.id)
            t.fail(
              `${op.operation} with another ${free} must give another ${ent.id}, but it gave the same ${first.id}`,
              other.c.raw,
            );
        },
      }),
    );
  }
  return out;
}

function canObserveEntity(set: SpecSet, api: OperationSpec['api'], entity: string): boolean {
  const o = set.model.entities[entity]?.observe?.[api];
  return o !== undefined && set.apis[api].operations.has(o.operation);
}

/** Whether every field of `given` is a primitive the stored fields already hold (an object or a
 * list is never taken as unchanged: its member order is the caller's and shows in answers). */
function sameScalars(stored: Record<string, unknown>, given: Record<string, unknown>): boolean {
  for (const k in given) {
    const v = given[k];
    if ((typeof v === 'object' && v !== null) || typeof v === 'function') return false;
    if (!Object.hasOwn(stored, k) || !Object.is(stored[k], v)) return false;
  }
  return true;
}

/** canonicalJson equality, with the common cases (one value, two strings) decided without it. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return false;
  return canonicalJson(a) === canonicalJson(b);
}

export const create: RuleKindModule = {
  kind: 'create',
  schema: {
    required: ['set'],
    properties: {
      entity: { type: 'string' },
      as: { type: 'string', pattern: '^[a-z][A-Za-z0-9]*$' },
      set: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      defaults: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      identity: { type: 'array', items: { type: 'string' }, minItems: 1 },
      unique: {
        type: 'object',
        required: ['fields', 'error', 'basis'],
        properties: {
          fields: { type: 'array', items: { type: 'string' }, minItems: 1 },
          error: { type: 'string' },
        },
      },
      // $selected: a child of the selected entity; $parent: a sibling of it, under its parent
      // (a granted request's Worker gets a grant of the request's type)
      parent: { enum: ['$selected', '$parent'] },
      output: { type: 'object', additionalProperties: { enum: ['$entity', '$id'] } },
    },
  },
  // a child of the selected entity named by an input member (a Worker's grant by
  // AssociateQualificationWithWorker) stays out of the model; a create without a selected entity
  // (CreateHIT: the model's own entity) and a grant beside a consumed request ($parent) stay in
  namesOther: (rule) => rule.parent === '$selected',
  successState: true,

  // a call that makes the operation's own entity: its status is the one `set` gives (a literal or
  // the value sent); another entity it makes (a HIT's type, a grant) is none of the model's business
  predict(ctx) {
    const { rule, op, ent, input } = ctx;
    if ((rule.entity ?? op.behaviour.entity) !== op.behaviour.entity) return undefined;
    const field = ent.status?.field;
    const v = field ? (rule.set?.[field] ?? rule.set?.$status) : undefined;
    if (v === undefined) return { next: undefined };
    const p = parseValue(v);
    if (p.kind === 'literal') return { next: String(p.value) };
    const sent = p.kind === 'input' ? input[p.member] : undefined;
    return { next: typeof sent === 'string' ? sent : undefined };
  },

  validate(ctx) {
    const { set, op, rule } = ctx;
    const out: SpecProblem[] = [];
    const problem = (pointer: string, message: string) => out.push(ctx.problem(pointer, message));
    const entity = rule.entity ?? op.behaviour.entity;
    const ent = set.model.entities[entity];
    if (!ent) {
      problem('/entity', `unknown entity ${entity}`);
      return out;
    }
    for (const f of [...Object.keys(rule.set ?? {}), ...(rule.identity ?? [])])
      if (!ctx.fieldKnownOf(entity, f)) problem('/set', `${f} is not a field of ${entity}`);
    for (const m of Object.keys(rule.defaults ?? {}))
      if (!(m in op.input.members)) problem('/defaults', `${m} is not an input member of ${op.operation}`);
    if (rule.parent === '$selected' && ent.parent?.entity !== op.behaviour.entity)
      problem('/parent', `${entity} is not a child of the selected ${op.behaviour.entity}`);
    const selectedParent = set.model.entities[op.behaviour.entity]?.parent?.entity;
    if (rule.parent === '$parent' && (!selectedParent || ent.parent?.entity !== selectedParent))
      problem('/parent', `${entity} is not a child of the parent of the selected ${op.behaviour.entity}`);
    return out;
  },

  execute(ctx) {
    const { set, store, op, rule, call } = ctx;
    const entity = rule.entity ?? op.behaviour.entity;
    const spec = set.model.entities[entity];
    if (!spec)
      return ctx.error(set.apis[op.api].protocol.validation.invalid, { reason: `no entity ${entity}` });
    const parent =
      rule.parent === '$selected'
        ? ctx.rec
        : rule.parent === '$parent' && ctx.rec
          ? store.parentOf(ctx.rec)
          : undefined;
    if (rule.parent !== undefined) {
      const missing = ctx.needEntity();
      if (missing) return missing;
    }
    const env: ValueEnv = {
      input: withDefaults(call.input, rule.defaults),
      now: ctx.now,
      ...(ctx.rec ? { fields: ctx.rec.fields, status: store.statusOf(ctx.rec) } : {}),
      created: ctx.made.created,
      lookup: ctx.made.lookup,
    };
    const given = evalValues(rule.set ?? {}, env);
    // kept under the stored member names whatever API wrote them (names.<api>.members)
    const fields = storedFields(set, op.api, entity, given);
    const owner = call.accessKeyId;
    const same = rule.identity
      ? store.listOwned(entity, owner).find(
          (e) =>
            (parent === undefined || e.parentId === parent.id) &&
            // member order is the caller's: the same properties in another order are the same
            rule.identity!.every((f) => sameValue(e.fields[f], fields[f])),
        )
      : undefined;
    if (rule.unique) {
      const taken = store
        .list(entity)
        .some(
          (e) =>
            store.ownerOf(e) === owner &&
            rule.unique!.fields.every((f) => JSON.stringify(e.fields[f]) === JSON.stringify(fields[f])),
        );
      if (taken) return ctx.error(rule.unique.error, { ...ctx.idValues, ...fields });
    }
    const id = same?.id ?? store.newId(entity);
    ctx.made.created[rule.as ?? entity] = { ...(same?.fields ?? {}), ...fields, [spec.id]: id };
    ctx.commits.push(() => {
      let stored = same;
      // the same entity again (a HIT type): written only when the call changes a field, so each
      // call does not hang its own copies of equal values on a long-lived entity
      if (stored) {
        if (!sameScalars(stored.fields, fields)) store.update(stored, fields);
      } else {
        stored = store.create(entity, parent ? { id, parent } : { id, owner });
        store.update(stored, fields);
      }
      ctx.after.created = stored;
      const outputs = rule.output ?? {};
      for (const name in outputs) {
        const what = outputs[name];
        const m = ctx.outMembers.get(name);
        if (!m) continue;
        if (what === '$id') ctx.output[name] = id;
        else {
          const x = project(store.view(stored, op.api), m, projectionContext(set));
          if (x !== undefined) ctx.output[name] = x;
        }
      }
    });
    return undefined;
  },

  checks: (ctx) => [...outputCheck(ctx), ...entityChecks(ctx)],
};
