// Legacy ResponseGroups (output.responseGroups): each group adds what its sources say, the default
// is what the operation answers with when no group is named, members are left out only where the
// sources say so (absentBasis), several groups at once, and an unknown group is refused.
import fc from 'fast-check';
import { validValue } from '../arbitraries/values.ts';
import { parseValue } from '../rules/values.ts';
import { errorSpec, inputMembers, meetsWhen, severityOf } from '../spec/resolve.ts';
import {
  acceptedGroups,
  echoGroup,
  everyGroup,
  pathSteps,
  responseGroupParameter,
} from '../spec/response-groups.ts';
import type { Basis, OperationSpec, ResponseGroupsSpec, SpecSet } from '../spec/types.ts';
import { expectError, expectRefused, expectSuccess } from './judge.ts';
import { basisText, givenFor, makeCheck, minimalInput, opFile, statusField } from './plan.ts';
import { freshIds } from './rule-support.ts';
import { type Answered, CheckFailure, NotRun, type Session } from './session.ts';
import type { Check } from './types.ts';

/** An output member that holds an entity (or a list of them): the entity and its id field. */
interface Holder {
  entity: string;
  idField: string;
  list: boolean;
}

/** Which output members hold which entity: a read rule's `$entity`/`$parent`, a list rule's items. */
function holders(set: SpecSet, op: OperationSpec): Map<string, Holder> {
  const out = new Map<string, Holder>();
  const self = op.behaviour.entity;
  const parent = set.model.entities[self]?.parent?.entity;
  const add = (member: string, entity: string | undefined, list: boolean) => {
    const id = entity ? set.model.entities[entity]?.id : undefined;
    if (entity && id && !out.has(member)) out.set(member, { entity, idField: id, list });
  };
  for (const r of op.behaviour.rules) {
    for (const [member, what] of Object.entries(r.output ?? {})) {
      const k = parseValue(what).kind;
      if (what === '$entity') add(member, self, false);
      else if (k === 'parent' || what === '$parent') add(member, parent, false);
    }
    if (r.kind === 'list' && typeof r.items === 'string') add(r.items, self, true);
  }
  return out;
}

/**
 * The fields of an entity the provider state fixes, so any target shows them when asked: its id,
 * its parent's id, its status, the times and ids it is made with, the counts the model computes,
 * and whatever the state itself sets (a rejected assignment's RequesterFeedback,
 * docs/provider-states.md). Never a literal default of the reference emulator's model (a HIT's Title).
 */
function fixedFields(set: SpecSet, state: string | undefined, entity: string): Set<string> {
  const e = set.model.entities[entity];
  const out = new Set<string>();
  if (!e) return out;
  out.add(e.id);
  if (e.parent) out.add(e.parent.via);
  const sf = statusField(e);
  if (sf) out.add(sf);
  const made = state ? set.model.states[state]?.creates.find((c) => c.entity === entity) : undefined;
  const states = made?.fields ?? {};
  for (const [f, t] of Object.entries({ ...e.fields, ...states })) {
    if (t === null) continue;
    if (Object.hasOwn(states, f) || ['now', 'id', 'ref', 'worker'].includes(parseValue(t).kind)) out.add(f);
  }
  for (const f of Object.keys(e.counters?.fields ?? {})) out.add(f);
  return out;
}

/** `HIT.Title` / `HIT[].Title` → the holder member and the field; deeper paths are not judged. */
function split(path: string): { top: string; field: string } | undefined {
  const steps = pathSteps(path);
  if (steps.length !== 2) return undefined;
  return { top: steps[0]!.name, field: steps[1]!.name };
}

/** The records an output member holds (one structure, or the items of a list). */
function records(output: Record<string, unknown>, top: string): Record<string, unknown>[] {
  const v = output[top];
  const isRec = (x: unknown): x is Record<string, unknown> =>
    x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date);
  if (Array.isArray(v)) return v.filter(isRec);
  return isRec(v) ? [v] : [];
}

/** The fields the groups add, per holder member. */
function addedFields(rg: ResponseGroupsSpec, groups: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const g of groups)
    for (const path of rg.groups[g]?.adds ?? []) {
      const p = split(path);
      if (!p) continue;
      out.set(p.top, new Set([...(out.get(p.top) ?? []), p.field]));
    }
  return out;
}

/**
 * Optional scalar input members named like fields the groups add (a HIT's Question, Title): a
 * valid value of each, one per exclusive group, so that the answer has them to show.
 */
function inputsShown(
  set: SpecSet,
  op: OperationSpec,
  fields: Map<string, Set<string>>,
  seed: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const taken = new Set<unknown>();
  const members = inputMembers(set, op);
  for (const f of [...fields.values()].flatMap((x) => [...x])) {
    const m = members.find((x) => x.name === f);
    if (!m || m.required || !['string', 'integer', 'long', 'boolean'].includes(m.type)) continue;
    const group = op.input.exclusive?.find((g) => g.members.includes(f));
    if (group && taken.has(group)) continue;
    taken.add(group);
    out[f] = fc.sample(validValue(m, { nonEmpty: true, plain: true }), { seed, numRuns: 1 })[0];
  }
  return out;
}

export function responseGroupChecks(set: SpecSet, op: OperationSpec): Check[] {
  const rg = op.output.responseGroups;
  const param = responseGroupParameter(set, op.api);
  if (!rg || !param) return [];
  const api = op.api;
  const file = opFile(set, op);
  const every = everyGroup(set, op) ?? [];
  const echo = echoGroup(set, api);
  const hold = holders(set, op);
  const opGiven = givenFor(op);
  const src = (pointer: string, b: Basis | undefined) =>
    `${file}#/output/responseGroups${pointer}${basisText(b)}`;
  const out: Check[] = [];

  const call = async (
    s: Session,
    ids: Record<string, string>,
    groups: string[],
    label: string,
    fixed: Record<string, unknown> = {},
  ) => {
    const input = minimalInput(set, op, ids, s.config.seed, fixed);
    const ex = await s.call(api, op.operation, input, { responseGroups: groups, label });
    const what = `${op.operation} with ${groups.length ? `ResponseGroup ${groups.join(', ')}` : 'no ResponseGroup'}`;
    return { ex, output: expectSuccess(set, op, ex, what), what, input };
  };

  /** The groups' fields that the answer must show: fixed by the state, or shown by `full`. */
  const expectShown = (
    given: string | undefined,
    fields: Map<string, Set<string>>,
    got: { ex: Answered; output: Record<string, unknown>; what: string },
    full: Record<string, unknown> | undefined,
    groupsText: string,
    sent: Record<string, unknown> = {},
  ) => {
    let judged = 0;
    let listed = 0;
    const missing = new Set<string>();
    for (const [top, wanted] of fields) {
      const h = hold.get(top);
      if (!h) continue;
      const fixed = fixedFields(set, given, h.entity);
      const byId = new Map(full ? records(full, top).map((r) => [String(r[h.idField]), r]) : []);
      for (const rec of records(got.output, top)) {
        listed++;
        const other = byId.get(String(rec[h.idField]));
        for (const f of wanted) {
          // fixed by the state, sent in the call, or shown by the answer for every group
          if (!fixed.has(f) && sent[f] === undefined && other?.[f] === undefined) continue;
          judged++;
          if (rec[f] === undefined) missing.add(`${top}${h.list ? '[]' : ''}.${f}`);
        }
      }
    }
    if (!listed) throw new NotRun(`${got.what} held no ${[...fields.keys()].join(' or ')} to judge`);
    if (!judged)
      throw new NotRun(
        `the provider state fixes none of the members ${groupsText} adds, and an answer for every group shows none of them either`,
      );
    if (missing.size)
      throw new CheckFailure(
        `${got.what}: ${groupsText} adds ${[...missing].join(', ')}, but the answer lacks ${missing.size > 1 ? 'them' : 'it'}.`,
        got.ex,
      );
  };

  /** The groups' fields must be left out of every record of the answer. */
  const expectLeftOut = (
    fields: Map<string, Set<string>>,
    got: { ex: Answered; output: Record<string, unknown>; what: string },
    groupsText: string,
  ) => {
    let listed = 0;
    const shown = new Set<string>();
    for (const [top, unwanted] of fields) {
      const h = hold.get(top);
      for (const rec of records(got.output, top)) {
        listed++;
        for (const f of unwanted) if (rec[f] !== undefined) shown.add(`${top}${h?.list ? '[]' : ''}.${f}`);
      }
    }
    if (!listed) throw new NotRun(`${got.what} held no ${[...fields.keys()].join(' or ')} to judge`);
    if (shown.size)
      throw new CheckFailure(
        `${got.what}: ${[...shown].join(', ')} ${shown.size > 1 ? 'are' : 'is'} added by ${groupsText} only, which was not asked for, but the answer shows ${shown.size > 1 ? 'them' : 'it'}.`,
        got.ex,
      );
  };

  // each group adds its members
  for (const [g, spec] of Object.entries(rg.groups)) {
    if (!spec.adds?.some((p) => split(p) && hold.has(split(p)!.top))) continue;
    const given = spec.given ?? opGiven;
    out.push(
      makeCheck(
        api,
        op.operation,
        `response-groups.${g}`,
        severityOf(rg.basis, spec.basis),
        `${src(`/groups/${g}`, spec.basis)}: with ResponseGroup=${g} the answer holds ${spec.adds.join(', ')}`,
        async (s) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op, given);
          // what the group adds that the call itself sets (CreateHIT's Question) is sent
          const sent = inputsShown(set, op, addedFields(rg, [g]), s.config.seed);
          const full = await call(s, ids, every, 'every group', sent);
          const got = await call(s, ids, [g], g, sent);
          // only what a rule that applies to the call stores as sent (a HIT of a named type takes
          // the type's Title, whatever the call says)
          const stored = Object.fromEntries(
            Object.entries(sent).filter(([f]) =>
              op.behaviour.rules.some((r) => r.set?.[f] === `$input.${f}` && meetsWhen(r, got.input)),
            ),
          );
          expectShown(given, addedFields(rg, [g]), got, full.output, g, stored);
        },
      ),
    );
    if (spec.absentBasis) {
      const others = every.filter((x) => x !== g);
      out.push(
        makeCheck(
          api,
          op.operation,
          `response-groups.${g}.left-out`,
          severityOf(spec.absentBasis),
          `${src(`/groups/${g}/absentBasis`, spec.absentBasis)}: an answer for ${others.join(', ')} (not ${g}) leaves out ${spec.adds.join(', ')}`,
          async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, given);
            expectLeftOut(addedFields(rg, [g]), await call(s, ids, others, `not ${g}`), g);
          },
        ),
      );
    }
  }

  // the default: what an answer holds when the request names no group
  const defaults = addedFields(rg, rg.default);
  if ([...defaults.keys()].some((t) => hold.has(t)))
    out.push(
      makeCheck(
        api,
        op.operation,
        'response-groups.default',
        severityOf(rg.defaultBasis, ...rg.default.map((g) => rg.groups[g]?.basis)),
        `${src('/default', rg.defaultBasis)}: a request that names no ResponseGroup is answered with ${rg.default.join(', ')}, which add ${[...defaults].map(([t, f]) => [...f].map((x) => `${t}.${x}`).join(', ')).join(', ')}`,
        async (s) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op);
          const full = await call(s, ids, every, 'every group');
          expectShown(
            opGiven,
            defaults,
            await call(s, ids, [], 'default'),
            full.output,
            rg.default.join(', '),
          );
        },
      ),
    );
  const notDefault = Object.entries(rg.groups).filter(([g, x]) => !rg.default.includes(g) && x.absentBasis);
  if (notDefault.length)
    out.push(
      makeCheck(
        api,
        op.operation,
        'response-groups.default.left-out',
        severityOf(rg.defaultBasis, ...notDefault.map(([, x]) => x.absentBasis)),
        `${src('/default', rg.defaultBasis)}: a request that names no ResponseGroup is not answered with ${notDefault.map(([g]) => g).join(', ')}, so their members are left out`,
        async (s) => {
          await s.requireApi(api);
          // one call per provider state the groups start from
          const byState = new Map<string | undefined, string[]>();
          for (const [g, x] of notDefault) {
            const st = x.given ?? opGiven;
            byState.set(st, [...(byState.get(st) ?? []), g]);
          }
          for (const [st, names] of byState) {
            const ids = await freshIds(s, op, st);
            expectLeftOut(addedFields(rg, names), await call(s, ids, [], 'default'), names.join(', '));
          }
        },
      ),
    );

  // several groups at once (the echo too)
  const all = addedFields(rg, every);
  if (every.length > 1 && [...all.keys()].some((t) => hold.has(t))) {
    const groups = [...every, ...(echo && acceptedGroups(set, op).includes(echo) ? [echo] : [])];
    // the one state the groups that name one start from, else the operation's
    const named = [...new Set(every.map((g) => rg.groups[g]?.given).filter((x) => x !== undefined))];
    const given = named.length === 1 ? named[0] : opGiven;
    out.push(
      makeCheck(
        api,
        op.operation,
        'response-groups.several',
        severityOf(rg.basis, ...every.map((g) => rg.groups[g]?.basis)),
        `${src('/groups', rg.basis)}: a request naming ${groups.join(', ')} at once (ResponseGroup.1…${groups.length}) gets what each adds`,
        async (s) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op, given);
          expectShown(given, all, await call(s, ids, groups, 'several groups'), undefined, groups.join(', '));
        },
      ),
    );
  }

  // an unknown group is refused
  if (param.unlisted) {
    const unlisted = param.unlisted;
    const mine = new Set(acceptedGroups(set, op));
    const elsewhere = [...set.apis[api].operations.values()].flatMap((o) => acceptedGroups(set, o));
    const value = elsewhere.find((g) => !mine.has(g)) ?? `Not${[...mine].join('')}`;
    const refusedBasis = (
      set.apis[api].protocol.commonParameters?.[param.name] as { unlisted?: { basis: Basis } }
    )?.unlisted?.basis;
    const what = `${op.operation} with ResponseGroup=${value} (not one of ${[...mine].join(', ')})`;
    for (const fact of ['refused', 'code'] as const)
      out.push(
        makeCheck(
          api,
          op.operation,
          fact === 'refused' ? 'response-groups.unknown' : 'response-groups.unknown.code',
          fact === 'refused'
            ? severityOf(refusedBasis)
            : severityOf(refusedBasis, errorSpec(set, unlisted.error).basis),
          `${src('/groups', rg.basis)}: ${what} ${fact === 'refused' ? 'must be refused' : `must fail with ${unlisted.error} (${errorSpec(set, unlisted.error).code})`}${basisText(refusedBasis)}`,
          async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op);
            const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
              responseGroups: [value],
              label: `unknown group ${value}`,
            });
            if (fact === 'code') expectError(set, api, ex, [unlisted.error], what);
            else expectRefused(api, ex, what);
          },
        ),
      );
  }
  return out;
}
