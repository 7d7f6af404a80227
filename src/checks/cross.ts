// cross.<story>: the same story told through both API versions (operations
// paired by `equivalent` in the specs) must end in the same observable state
// and produce the same error codes.
import fc from 'fast-check';
import { findId } from '../rules/create.ts';
import {
  amountOf,
  apiFieldName,
  canonicalJson,
  inputMembers,
  moneyValue,
  renameMembers,
  ruleInput,
} from '../spec/resolve.ts';
import {
  APIS,
  type Api,
  type Basis,
  type OperationSpec,
  type RuleSpec,
  type SpecSet,
} from '../spec/types.ts';
import { summary } from './judge.ts';
import {
  entityOf,
  givenFor,
  idInput,
  makeCheck,
  minimalInput,
  observed,
  opFile,
  ruleOf,
  selectMember,
  sev,
  stateStatus,
  unknownIdArb,
} from './plan.ts';
import { type Answered, CheckFailure, type Session } from './session.ts';
import { allowedFor } from './stateful.ts';
import type { Check, ServerTargetConfig } from './types.ts';

interface Side {
  op: OperationSpec;
  extra: Record<string, unknown>;
}

interface Pair {
  a: Side;
  b: Side;
  /** where the check is registered */
  home: Side;
  /** an `also` pairing's checks are named after the peer: cross.<Peer>.<story> */
  tag?: string;
}

function pairs(set: SpecSet, apis: Api[]): Pair[] {
  const out: Pair[] = [];
  const seen = new Set<string>();
  for (const api of APIS) {
    if (!apis.includes(api)) continue;
    for (const op of set.apis[api].operations.values()) {
      const eq = op.equivalent ?? {};
      for (const other of APIS) {
        if (other === api || !apis.includes(other)) continue;
        const name = eq[other];
        if (typeof name !== 'string') continue;
        const peer = set.apis[other].operations.get(name);
        if (!peer) continue;
        // the peer names this operation back with an input: its pairing is the precise one
        // (2017 UpdateExpirationForHIT ≡ legacy ForceExpireHIT only with an ExpireAt in the past)
        const back = peer.equivalent ?? {};
        if (!eq.input && back[api] === op.operation && back.input) continue;
        // `input` in an equivalence applies to the side that is not the declaring one
        const extraForPeer = (eq.input ?? {}) as Record<string, unknown>;
        const [first, second] =
          APIS.indexOf(api) < APIS.indexOf(other)
            ? [
                { op, extra: {} },
                { op: peer, extra: extraForPeer },
              ]
            : [
                { op: peer, extra: extraForPeer },
                { op, extra: {} },
              ];
        const key = `${first.op.api}/${first.op.operation}+${JSON.stringify(first.extra)}|${second.op.api}/${second.op.operation}+${JSON.stringify(second.extra)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // a pairing with an input, or one the peer does not name back (UpdateQualificationScore ≡
        // AssociateQualificationWithWorker, whose own back-link is AssignQualification), lives on
        // the declaring operation: the peer's ids stay its own pairing's
        const home =
          Object.keys(eq.input ?? {}).length || back[api] !== op.operation ? { op, extra: {} } : first;
        out.push({ a: first, b: second, home });
      }
      // `also`: more pairings, each with the input of both sides (legacy ExtendHIT with an
      // ExpirationIncrementInSeconds ≡ UpdateExpirationForHIT with a later ExpireAt)
      for (const more of alsoOf(op)) {
        for (const other of APIS) {
          if (other === api || !apis.includes(other) || typeof more[other] !== 'string') continue;
          const peer = set.apis[other].operations.get(more[other] as string);
          if (!peer) continue;
          const mine = { op, extra: (more.ownInput ?? {}) as Record<string, unknown> };
          const theirs = { op: peer, extra: (more.input ?? {}) as Record<string, unknown> };
          const [first, second] = APIS.indexOf(api) < APIS.indexOf(other) ? [mine, theirs] : [theirs, mine];
          out.push({ a: first, b: second, home: mine, tag: peer.operation });
        }
      }
    }
  }
  return out;
}

/** An operation's further pairings (`equivalent.also`). */
export function alsoOf(op: OperationSpec): Record<string, unknown>[] {
  const also = op.equivalent?.also;
  return Array.isArray(also) ? (also as Record<string, unknown>[]) : [];
}

/** An operation's own input for the across stories (`equivalent.across.input`). */
export function acrossInput(
  op: OperationSpec,
  which: 'input' | 'lacking' = 'input',
): Record<string, unknown> {
  const across = op.equivalent?.across as Record<string, Record<string, unknown> | undefined> | undefined;
  return across?.[which] ?? {};
}

/**
 * The fields of an entity that the API versions name otherwise (model.json `names`), as compared
 * across versions: under their stored names, without the members some version lacks.
 */
function namedFieldsOf(set: SpecSet, entity: string): string[] {
  const names = set.model.entities[entity]?.names ?? {};
  return [...new Set(Object.values(names).flatMap((n) => Object.keys(n?.fields ?? {})))];
}

/** The bases of an entity's `names` (with `lacking`: of what a version lacks and keeps instead too). */
function namesBases(set: SpecSet, entity: string, lacking = false): Basis[] {
  return Object.values(set.model.entities[entity]?.names ?? {}).flatMap((n) =>
    n ? [n.basis, ...(lacking && n.lacksBasis ? [n.lacksBasis] : [])] : [],
  );
}

/** The entity as one API version showed it: each field `names` maps, as stored, lacked members left out. */
function comparable(
  set: SpecSet,
  api: Api,
  entity: string,
  shown: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!shown) return out;
  const names = set.model.entities[entity]?.names ?? {};
  const lacked = (field: string) => Object.values(names).flatMap((n) => n?.lacks?.[field] ?? []);
  for (const field of namedFieldsOf(set, entity)) {
    const v = shown[apiFieldName(set, api, entity, field)];
    if (v === undefined) continue;
    const map = names[api]?.members?.[field] ?? {};
    const back = renameMembers(v, Object.fromEntries(Object.entries(map).map(([k, x]) => [x, k])));
    const drop = new Set(lacked(field));
    const strip = (x: unknown): unknown =>
      Array.isArray(x)
        ? x.map(strip)
        : x && typeof x === 'object' && !(x instanceof Date)
          ? Object.fromEntries(Object.entries(x).filter(([k]) => !drop.has(k)))
          : x;
    out[field] = JSON.parse(canonicalJson(strip(back)));
  }
  return out;
}

/**
 * The identity members of one side's input written as the other side's (the same properties):
 * each identity field the two create rules set from an input member, the amount of a money
 * structure as the other side's money shape, the members inside renamed by `names`.
 */
function translateIdentity(
  set: SpecSet,
  from: { op: OperationSpec; rule: RuleSpec },
  to: { op: OperationSpec; rule: RuleSpec },
  input: Record<string, unknown>,
  base: Record<string, unknown>,
): Record<string, unknown> {
  const entity = from.rule.entity ?? from.op.behaviour.entity;
  const names = set.model.entities[entity]?.names ?? {};
  const memberOf = (rule: RuleSpec, f: string) => {
    const v = rule.set?.[f];
    return typeof v === 'string' && /^\$input\.[A-Za-z0-9]+$/.test(v) ? v.slice('$input.'.length) : undefined;
  };
  const fromMembers = inputMembers(set, from.op);
  const toMembers = inputMembers(set, to.op);
  const out = { ...base };
  for (const f of from.rule.identity ?? []) {
    const a = memberOf(from.rule, f);
    const b = to.rule.identity?.includes(f) ? memberOf(to.rule, f) : undefined;
    if (!a || !b) continue;
    if (input[a] === undefined) {
      delete out[b];
      continue;
    }
    const amount = amountOf(
      input[a],
      fromMembers.find((m) => m.name === a),
    );
    const mapFrom = names[from.op.api]?.members?.[f] ?? {};
    const stored = renameMembers(amount, Object.fromEntries(Object.entries(mapFrom).map(([k, x]) => [x, k])));
    const shown = renameMembers(stored, names[to.op.api]?.members?.[f]);
    const mb = toMembers.find((m) => m.name === b);
    out[b] = mb?.money && typeof shown === 'string' ? moneyValue(set, mb, shown) : shown;
  }
  return out;
}

/** The create rule of an operation that gives its entity by identity (a HIT type), if any. */
function identityRule(op: OperationSpec): RuleSpec | undefined {
  return op.behaviour.rules.find((r) => r.kind === 'create' && r.identity?.length && r.parent === undefined);
}

type Step = { as: number };
type Seen = { present: boolean; status?: string; fields?: Record<string, unknown> };
interface Told {
  codes: string[];
  observed?: Seen;
  /** the same entity read back through the other API version (the across story) */
  across?: Seen;
  /** the first answer that was no MTurk envelope of its API version */
  unreadable?: Answered;
}

/** Two stories agree only about what both told: an answer that is no MTurk envelope proves nothing. */
function expectReadable(a: Side, ta: Told, b: Side, tb: Told, story: string): void {
  const bad = ta.unreadable ?? tb.unreadable;
  if (!bad) return;
  const side = ta.unreadable ? a : b;
  const both = ta.unreadable && tb.unreadable;
  throw new CheckFailure(
    `The ${story} story cannot be compared: ${both ? `neither ${a.op.api} ${a.op.operation} nor ${b.op.api} ${b.op.operation}` : `${side.op.api} ${side.op.operation}`} answered with a readable MTurk envelope (${summary(bad)}).`,
    bad,
  );
}

async function tell(
  s: Session,
  set: SpecSet,
  side: Side,
  state: string | undefined,
  steps: Step[],
  unknownId?: string,
  /** read the entity back through this API version too (the across story) */
  acrossApi?: Api,
  /** which of the operation's across inputs the story gives (`equivalent.across`) */
  acrossWith: 'input' | 'lacking' = 'input',
): Promise<Told> {
  const { op } = side;
  const ids = state ? await s.state(state) : {};
  // an equivalence's input may name times relative to the call ($now±N), as a rule's input does
  const fixed = {
    ...ruleInput({ input: side.extra } as RuleSpec),
    // the across story also gives what the versions name otherwise (a HIT's requirements)
    ...(acrossApi ? acrossInput(op, acrossWith) : {}),
    ...(unknownId ? { [selectMember(set, op)]: unknownId } : {}),
  };
  const base = minimalInput(set, op, ids, s.config.seed, fixed);
  const input = { ...base, ...idInput(set, op, ids, base) };
  if (unknownId) input[selectMember(set, op)] = unknownId;
  const codes: string[] = [];
  let unreadable: Answered | undefined;
  const { name, spec } = entityOf(set, op);
  // an operation that makes the entity: the one it made (the last) is what both stories observe
  let made: string | undefined;
  for (const st of steps) {
    const ex = await s.call(op.api, op.operation, input, { as: st.as, label: `${op.api} ${op.operation}` });
    const a = ex.answer;
    codes.push(a.kind === 'success' ? 'success' : a.kind === 'error' ? (a.code ?? '(no code)') : 'garbage');
    if (a.kind === 'garbage' || (a.kind === 'error' && a.code === undefined)) unreadable ??= ex;
    if (a.kind === 'success' && op.behaviour.kind === 'create') made = findId(a.output, spec.id) ?? made;
  }
  const told = unreadable ? { codes, unreadable } : { codes };
  if ((!state && made === undefined) || !spec.observe?.[op.api] || unreadable) return told;
  if (op.behaviour.kind === 'create' && made === undefined) return told;
  const which = made === undefined ? ids : { ...ids, [spec.id]: made };
  const obs = await s.observe(op.api, name, which);
  if (!acrossApi || !spec.observe[acrossApi]) return { ...told, observed: observed(spec, obs) };
  const other = await s.observe(acrossApi, name, which);
  // the fields the versions name otherwise, as stored: what one made the other must show alike
  const withFields = (seen: Seen, api: Api, entity?: Record<string, unknown>): Seen =>
    namedFieldsOf(set, name).length ? { ...seen, fields: comparable(set, api, name, entity) } : seen;
  return {
    ...told,
    observed: withFields(observed(spec, obs), op.api, obs.entity),
    across: withFields(observed(spec, other), acrossApi, other.entity),
  };
}

export function crossChecks(set: SpecSet, config: ServerTargetConfig, only?: Set<string>): Check[] {
  if (config.apis.filter((a) => APIS.includes(a)).length < 2) return [];
  const out: Check[] = [];
  for (const pair of pairs(set, config.apis)) {
    const { a, b, home } = pair;
    if (only && !only.has(a.op.operation) && !only.has(b.op.operation)) continue;
    // the side whose provider state the story starts from: the plain one, else the declaring one
    const plain = Object.keys(a.extra).length ? b : Object.keys(b.extra).length ? a : home;
    const rule = `${opFile(set, a.op)}#/equivalent and ${opFile(set, b.op)}#/equivalent: ${a.op.api} ${a.op.operation}${Object.keys(a.extra).length ? ` ${JSON.stringify(a.extra)}` : ''} and ${b.op.api} ${b.op.operation}${Object.keys(b.extra).length ? ` ${JSON.stringify(b.extra)}` : ''} tell the same story`;
    const stories: {
      name: string;
      state?: string;
      steps: Step[];
      unknown?: boolean;
      /** each side's entity is read back through the other API version */
      across?: boolean;
      /** across, told only by the sides with a `lacking` input, with that input */
      lacking?: boolean;
      /** the identity story: the same properties through both versions give one entity */
      identity?: { a: RuleSpec; b: RuleSpec };
      bases: unknown[];
    }[] = [];
    // what one API version makes, the other reads back the same way (one store)
    if (a.op.behaviour.kind === 'create' && b.op.behaviour.kind === 'create') {
      const ent = set.model.entities[a.op.behaviour.entity];
      if (
        a.op.behaviour.entity === b.op.behaviour.entity &&
        ent?.observe?.[a.op.api] &&
        ent.observe[b.op.api]
      )
        stories.push({
          name: 'create.across',
          // the state a side needs whatever its input (a rule gated by `when` serves another form)
          state: [a.op, b.op].flatMap((o) => o.behaviour.rules.filter((r) => r.given && !r.when))[0]?.given,
          steps: [{ as: 0 }],
          across: true,
          bases: [
            ruleOf(a.op, 'create')?.basis,
            ruleOf(b.op, 'create')?.basis,
            ...namesBases(set, a.op.behaviour.entity),
          ],
        });
      // a side that gives members the other version lacks (2017 ActionsGuarded): the other shows
      // the rest as the maker does (should: what is kept instead is the project's reading)
      if (
        a.op.behaviour.entity === b.op.behaviour.entity &&
        ent?.observe?.[a.op.api] &&
        ent.observe[b.op.api] &&
        [a, b].some((x) => Object.keys(acrossInput(x.op, 'lacking')).length)
      )
        stories.push({
          name: 'create.across.lacking',
          state: [a.op, b.op].flatMap((o) => o.behaviour.rules.filter((r) => r.given && !r.when))[0]?.given,
          steps: [{ as: 0 }],
          across: true,
          lacking: true,
          bases: [
            ruleOf(a.op, 'create')?.basis,
            ruleOf(b.op, 'create')?.basis,
            ...namesBases(set, a.op.behaviour.entity, true),
          ],
        });
    }
    // the same properties give the same entity through either version (a HIT type: one store)
    const idA = identityRule(a.op);
    const idB = identityRule(b.op);
    if (
      idA &&
      idB &&
      (idA.entity ?? a.op.behaviour.entity) === (idB.entity ?? b.op.behaviour.entity) &&
      JSON.stringify(outputIdNames(set, a.op)) !== '[]'
    )
      stories.push({
        name: 'identity',
        steps: [{ as: 0 }],
        identity: { a: idA, b: idB },
        bases: [idA.basis, idB.basis, ...namesBases(set, idA.entity ?? a.op.behaviour.entity)],
      });
    const effectA = ruleOf(plain.op, 'effect');
    const given = givenFor(plain.op);
    if (given)
      stories.push({
        name: effectA ? 'effect' : plain.op.behaviour.kind,
        state: given,
        steps: [{ as: 0 }, { as: 0 }],
        bases: [effectA?.basis, ruleOf(a.op, 'status')?.basis, ruleOf(b.op, 'status')?.basis],
      });
    if (ruleOf(a.op, 'exists') && ruleOf(b.op, 'exists'))
      stories.push({
        name: 'unknown-id',
        steps: [{ as: 0 }],
        unknown: true,
        bases: [ruleOf(a.op, 'exists')?.basis],
      });
    const ownerA = ruleOf(a.op, 'owner');
    if (ownerA?.given && ruleOf(b.op, 'owner'))
      stories.push({
        name: 'owner',
        state: ownerA.given,
        steps: [{ as: 1 }],
        bases: [ownerA.basis, ruleOf(b.op, 'owner')?.basis],
      });
    const statusA = ruleOf(plain.op, 'status');
    const refusedBy = (side: Side, state: string) => {
      const r = ruleOf(side.op, 'status');
      const status = stateStatus(set, state, side.op.behaviour.entity);
      return r !== undefined && status !== undefined && !allowedFor(r, side.extra).includes(status);
    };
    for (const st of statusA?.violatedBy ?? [])
      if (refusedBy(a, st) && refusedBy(b, st))
        stories.push({ name: `status.${st}`, state: st, steps: [{ as: 0 }], bases: [statusA?.basis] });
    // a pairing with its own basis (an INF one: equivalent only in part) bounds every story's severity
    const pairingBases = [a.op, b.op].map((o) => o.equivalent?.basis as Basis | undefined);
    for (const story of stories) {
      story.bases.push(...pairingBases);
      out.push(
        makeCheck(
          home.op.api,
          home.op.operation,
          `cross.${pair.tag ? `${pair.tag}.` : ''}${story.name}`,
          sev(...(story.bases as Parameters<typeof sev>)),
          `${rule}: ${story.name}`,
          async (s) => {
            await s.requireApi(a.op.api);
            await s.requireApi(b.op.api);
            if (story.steps.some((x) => x.as > 0)) s.creds(1);
            if (story.identity) return tellIdentity(s, set, a, b, story.identity);
            if (story.lacking) {
              s.cover(`cross:${story.name}`);
              for (const [side, other] of [
                [a, b],
                [b, a],
              ] as const) {
                if (!Object.keys(acrossInput(side.op, 'lacking')).length) continue;
                const t = await tell(
                  s,
                  set,
                  side,
                  story.state,
                  story.steps,
                  undefined,
                  other.op.api,
                  'lacking',
                );
                if (t.unreadable) expectReadable(side, t, side, t, story.name);
                if (JSON.stringify(t.observed ?? null) !== JSON.stringify(t.across ?? null))
                  throw new CheckFailure(
                    `What ${side.op.api} ${side.op.operation} made with members ${other.op.api} lacks is seen differently (those members left out): through ${side.op.api} ${JSON.stringify(t.observed ?? null)}, through ${other.op.api} ${JSON.stringify(t.across ?? null)}.`,
                  );
              }
              return;
            }
            const unknown = story.unknown
              ? fc.sample(unknownIdArb(set, a.op), { seed: s.config.seed, numRuns: 1 })[0]
              : undefined;
            // the same story told through each operation (across: the state made in the other's API)
            const told = (x: typeof a, other: typeof a) =>
              tell(s, set, x, story.state, story.steps, unknown, story.across ? other.op.api : undefined);
            const ta = await told(a, b);
            const tb = await told(b, a);
            s.cover(`cross:${story.name}`);
            expectReadable(a, ta, b, tb, story.name);
            // across: what each version made, the other reads back as the maker does (the inputs of
            // the two sides differ, so the two entities need not be alike)
            if (story.across) {
              for (const [side, t, other] of [
                [a, ta, b],
                [b, tb, a],
              ] as const)
                if (JSON.stringify(t.observed ?? null) !== JSON.stringify(t.across ?? null))
                  throw new CheckFailure(
                    `What ${side.op.api} ${side.op.operation} made is seen differently: through ${side.op.api} ${JSON.stringify(t.observed ?? null)}, through ${other.op.api} ${JSON.stringify(t.across ?? null)}.`,
                  );
              if (JSON.stringify(ta.codes) !== JSON.stringify(tb.codes))
                throw new CheckFailure(
                  `The ${story.name} story ends differently: through ${a.op.api} ${a.op.operation} the answers were ${ta.codes.join(' → ')}; through ${b.op.api} ${b.op.operation} ${tb.codes.join(' → ')}.`,
                );
              return;
            }
            const same =
              JSON.stringify(ta.codes) === JSON.stringify(tb.codes) &&
              JSON.stringify(ta.observed ?? null) === JSON.stringify(tb.observed ?? null);
            if (!same)
              throw new CheckFailure(
                `The ${story.name} story ends differently: through ${a.op.api} ${a.op.operation} the answers were ${ta.codes.join(' → ')} and the entity ${JSON.stringify(ta.observed ?? null)}; through ${b.op.api} ${b.op.operation} the answers were ${tb.codes.join(' → ')} and the entity ${JSON.stringify(tb.observed ?? null)}.`,
              );
          },
        ),
      );
    }
  }
  return out;
}

/** The id fields an operation's output shows (the identity story compares them). */
function outputIdNames(set: SpecSet, op: OperationSpec): string[] {
  const rule = identityRule(op);
  const ent = rule ? set.model.entities[rule.entity ?? op.behaviour.entity] : undefined;
  return ent && JSON.stringify(op.output.members).includes(`"${ent.id}"`) ? [ent.id] : [];
}

/**
 * The identity story: one version's call with some properties, then the other's with the same
 * properties (its own names and shapes), must give the same id (a HIT type is its properties);
 * then the other way round, with one free text property changed so the type is a new one.
 */
async function tellIdentity(
  s: Session,
  set: SpecSet,
  a: Side,
  b: Side,
  rules: { a: RuleSpec; b: RuleSpec },
): Promise<void> {
  const entity = rules.a.entity ?? a.op.behaviour.entity;
  const idField = set.model.entities[entity]!.id;
  s.cover('cross:identity');
  const minimal = (side: Side, more: Record<string, unknown> = {}) =>
    minimalInput(set, side.op, {}, s.config.seed, {
      ...ruleInput({ input: side.extra } as RuleSpec),
      ...more,
    });
  const inputA = minimal(a, acrossInput(a.op));
  const inputB = translateIdentity(
    set,
    { op: a.op, rule: rules.a },
    { op: b.op, rule: rules.b },
    inputA,
    minimal(b),
  );
  await sameId(s, idField, entity, rules.a, [a, inputA], [b, inputB]);
  // the other way round: a type the second version makes first (one of its free text properties
  // changed: a new type) is the one the first version gets for the same properties
  const free = freeMember(set, b.op, rules.b, inputB);
  if (!free) return;
  const old = String(inputB[free]);
  const last = [...old].pop() ?? 'a';
  const newB = { ...inputB, [free]: [...old].slice(0, -1).join('') + (last === 'x' ? 'y' : 'x') };
  const newA = translateIdentity(
    set,
    { op: b.op, rule: rules.b },
    { op: a.op, rule: rules.a },
    newB,
    minimal(a),
  );
  await sameId(s, idField, entity, rules.a, [b, newB], [a, newA]);
}

/** The input member of the first identity field a create rule takes straight from a free string member. */
function freeMember(
  set: SpecSet,
  op: OperationSpec,
  rule: RuleSpec,
  input: Record<string, unknown>,
): string | undefined {
  const members = inputMembers(set, op);
  for (const f of rule.identity ?? []) {
    const v = rule.set?.[f];
    const n = typeof v === 'string' && v.startsWith('$input.') ? v.slice('$input.'.length) : undefined;
    const m = members.find((x) => x.name === n);
    if (
      n &&
      m?.type === 'string' &&
      !m.constraints.some((c) => c.kind === 'pattern' || c.kind === 'enum') &&
      typeof input[n] === 'string' &&
      input[n] !== ''
    )
      return n;
  }
  return undefined;
}

/** Two calls, one per version, with the same properties: both succeed and show one id. */
async function sameId(
  s: Session,
  idField: string,
  entity: string,
  rule: RuleSpec,
  ...calls: [Side, Record<string, unknown>][]
): Promise<void> {
  const made: { side: Side; id?: string; ex: Answered }[] = [];
  for (const [side, input] of calls) {
    const ex = await s.call(side.op.api, side.op.operation, input, {
      label: `${side.op.api} ${side.op.operation}${made.length ? ' (same properties)' : ''}`,
    });
    const ans = ex.answer;
    if (ans.kind !== 'success')
      throw new CheckFailure(
        `${side.op.api} ${side.op.operation} with the properties of the identity story must succeed, but it answered ${summary(ex)}.`,
        ex,
      );
    made.push({ side, id: findId(ans.output, idField), ex });
  }
  const [first, second] = made as [(typeof made)[0], (typeof made)[0]];
  const missing = made.find((m) => m.id === undefined);
  if (missing)
    throw new CheckFailure(
      `${missing.side.op.api} ${missing.side.op.operation} must show the ${entity}'s ${idField}, but it does not.`,
      missing.ex,
    );
  if (first.id !== second.id)
    throw new CheckFailure(
      `The same ${(rule.identity ?? []).join(', ')} through ${first.side.op.api} ${first.side.op.operation} and then ${second.side.op.api} ${second.side.op.operation} must give one ${entity}: ${first.side.op.api} gave ${idField} ${first.id}, ${second.side.op.api} gave ${second.id}.`,
      second.ex,
    );
}
