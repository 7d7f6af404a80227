// Per-operation checks: valid requests, one-violation requests and the
// behaviour rules (exists, owner, status, effect, read, list). All derived
// from the operation spec, the shapes, the errors and the state model.
import fc from 'fast-check';
import { coverInput } from '../arbitraries/coverage.ts';
import { constraintSource, oneViolation, serverIssuedMembers, validInput } from '../arbitraries/input.ts';
import { constraintsOf, freeString, lengthBounds, patternString } from '../arbitraries/values.ts';
import {
  constraintKey,
  effectFor,
  errorSpec,
  inputMembers,
  outputMembers,
  ruleInput,
} from '../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, RuleSpec, SpecSet } from '../spec/types.ts';
import { getPath, parseXmlSafe } from '../wire/xml.ts';
import { expectError, expectMessage, expectSuccess, summary } from './judge.ts';
import {
  basisText,
  entityOf,
  givenFor,
  idInput,
  makeCheck,
  minimalInput,
  opFile,
  protocolFile,
  ruleSource,
  selectMember,
  sev,
  stateStatus,
  unknownIdArb,
} from './plan.ts';
import { type Answered, CheckFailure, forAll, type Session, snapshot } from './session.ts';
import type { Check, ServerTargetConfig } from './types.ts';

/** Ids for a valid call: a fresh provider state, or none when the operation needs no entity. */
async function freshIds(
  s: Session,
  op: OperationSpec,
  state = givenFor(op),
  as = 0,
): Promise<Record<string, string>> {
  return state ? s.state(state, as) : {};
}

function canObserve(set: SpecSet, op: OperationSpec): boolean {
  return set.model.entities[op.behaviour.entity]?.observe?.[op.api] !== undefined;
}

/** Observe, act, observe again: the action must not change the entity. */
async function unchanged(
  s: Session,
  op: OperationSpec,
  ids: Record<string, string>,
  act: () => Promise<void>,
  what: string,
): Promise<void> {
  const observable = canObserve(s.set, op) && ids[entityOf(s.set, op).spec.id] !== undefined;
  const before = observable ? await s.observe(op.api, op.behaviour.entity, ids) : undefined;
  await act();
  if (!before) return;
  const after = await s.observe(op.api, op.behaviour.entity, ids);
  if (snapshot(before) !== snapshot(after))
    throw new CheckFailure(
      `${what} failed, but it changed the ${op.behaviour.entity}: before ${snapshot(before)}, after ${snapshot(after)}.`,
      after.exchange,
    );
}

// ---------------------------------------------------------------- valid requests

function validChecks(set: SpecSet, op: OperationSpec, _config: ServerTargetConfig): Check[] {
  const out: Check[] = [];
  const api = op.api;
  const file = opFile(set, op);
  const given = givenFor(op);
  const members = inputMembers(set, op);
  out.push(
    makeCheck(
      api,
      op.operation,
      'valid.request',
      sev(op.basis),
      `${file}#/input: any input that honours every member constraint is served with a success envelope and an output that fits ${file}#/output${given ? ` (provider state ${given})` : ''}`,
      async (s) => {
        await s.requireApi(api);
        const template = validInput(set, op, {
          omit: members.filter((m) => m.name === selectMember(set, op)).map((m) => m.name),
        });
        await forAll(s, template, async (input) => {
          // the state under which this input succeeds (an effect for this input names its own)
          const ids = await freshIds(s, op, effectFor(set, op, input, undefined)?.given ?? given);
          const full = { ...input, ...idInput(set, op, ids) };
          coverInput(s.coverage, members, full);
          const ex = await s.call(api, op.operation, full);
          expectSuccess(set, op, ex, `A valid ${op.operation} request`);
        });
      },
    ),
  );

  const echo = set.apis[api].protocol.success.echo;
  if (echo) {
    const p = set.apis[api].protocol;
    out.push(
      makeCheck(
        api,
        op.operation,
        'valid.response-group',
        sev(echo.basis),
        `${protocolFile(set, api)}#/success/echo: with ResponseGroup=${echo.responseGroup} the answer echoes the request as <${echo.element}>${basisText(echo.basis)}`,
        async (s) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op);
          const input = minimalInput(set, op, ids, s.config.seed);
          const ex = await s.call(api, op.operation, input, { responseGroups: [echo.responseGroup] });
          expectSuccess(
            set,
            op,
            ex,
            `A valid ${op.operation} request with ResponseGroup=${echo.responseGroup}`,
          );
          const parsed = parseXmlSafe(ex.res.body);
          if (!parsed.ok) throw new CheckFailure(`The answer is not XML: ${parsed.message}.`, ex);
          const fill = (t: string) => t.replace('{operation}', op.operation);
          const requestPath = (p.success.isValidPath ?? '').split('/').slice(0, -1).join('/');
          const path = [parsed.root, fill(p.success.result ?? ''), requestPath, fill(echo.element)]
            .filter(Boolean)
            .join('/');
          if (getPath(parsed.doc, path) === undefined)
            throw new CheckFailure(
              `With ResponseGroup=${echo.responseGroup} the answer must echo the request as ${path}, but that element is missing.`,
              ex,
            );
        },
      ),
    );
  }

  // exactly-at-limit values of members the check can choose freely (not ids from a state)
  const stateIds = new Set([
    ...(given ? Object.keys(set.model.states[given]?.returns ?? {}) : []),
    ...serverIssuedMembers(op),
  ]);
  for (const m of members) {
    if (stateIds.has(m.name)) continue;
    for (const c of m.constraints) {
      if (c.kind !== 'length' && c.kind !== 'range') continue;
      const values = limitValues(m, c);
      if (!values.length) continue;
      const key = constraintKey(m.name, c);
      out.push(
        makeCheck(
          api,
          op.operation,
          `valid.${key}`,
          sev(c.basis),
          `${constraintSource(set, op, m.name, c)}: ${m.name} at the limits of its ${c.kind} constraint (${JSON.stringify({ ...c, basis: undefined })}) is accepted${basisText(c.basis)}`,
          async (s) => {
            await s.requireApi(api);
            for (const v of values) {
              const ids = await freshIds(s, op);
              const input = { ...minimalInput(set, op, ids, s.config.seed), [m.name]: v.value };
              s.cover(key);
              const ex = await s.call(api, op.operation, input, { label: `${m.name} ${v.label}` });
              expectSuccess(set, op, ex, `${op.operation} with ${m.name} ${v.label}`);
            }
          },
        ),
      );
    }
  }
  return out;
}

function limitValues(
  m: ResolvedMember,
  c: ResolvedMember['constraints'][number],
): { label: string; value: unknown }[] {
  const out: { label: string; value: unknown }[] = [];
  if (c.kind === 'range') {
    if (c.min !== undefined) out.push({ label: `= ${c.min} (min)`, value: c.min });
    if (c.max !== undefined) out.push({ label: `= ${c.max} (max)`, value: c.max });
    return out;
  }
  if (c.kind !== 'length' || c.unit !== 'codepoint' || m.type !== 'string') return out;
  if (constraintsOf(m, 'enum').length) return out;
  const { min, max } = lengthBounds(m);
  const pattern = constraintsOf(m, 'pattern')[0];
  if (pattern) {
    // values of the pattern exactly at each limit (when the pattern can reach it)
    for (const [n, which] of [
      [max, 'max'],
      [min, 'min'],
    ] as const) {
      if (n === undefined || n === 0) continue;
      try {
        const v = fc.sample(patternString(pattern.pattern, { min: n, max: n }, true), {
          seed: n,
          numRuns: 1,
        })[0];
        if (v !== undefined) out.push({ label: `of exactly ${n} characters (${which})`, value: v });
      } catch {
        /* the pattern cannot produce that length */
      }
    }
    return out;
  }
  if (c.max !== undefined && max !== undefined) {
    const banned = constraintsOf(m, 'forbiddenCodePoints').flatMap((x) => x.ranges);
    const sample = (cp: number, label: string) => {
      if (!banned.some(([lo, hi]) => cp >= lo && cp <= hi))
        out.push({ label: `of exactly ${max} ${label} (max)`, value: String.fromCodePoint(cp).repeat(max) });
    };
    sample(0x61, 'ASCII characters');
    sample(0xe9, 'two-byte characters');
    sample(0x4e2d, 'three-byte characters');
    sample(0x1f600, 'astral characters (emoji)');
    const mixed = fc.sample(freeString(max, max, banned, true), { seed: max, numRuns: 1 })[0];
    if (mixed !== undefined) out.push({ label: `of exactly ${max} mixed code points (max)`, value: mixed });
  }
  if (c.min !== undefined && c.min > 0)
    out.push({ label: `of exactly ${min} characters (min)`, value: 'a'.repeat(min) });
  return out;
}

// ---------------------------------------------------------------- one-violation requests

function invalidChecks(set: SpecSet, op: OperationSpec, config: ServerTargetConfig): Check[] {
  const api = op.api;
  const placeholder: Record<string, string> = {};
  const cases = oneViolation(set, op, { ids: placeholder, seed: config.seed });
  const byKey = new Map<string, typeof cases>();
  for (const c of cases) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  const out: Check[] = [];
  for (const [key, group] of byKey) {
    const first = group[0]!;
    const member = inputMembers(set, op).find((m) => m.name === first.member);
    const errBases = [...new Set(group.map((c) => c.expectError))].map((e) => errorSpec(set, e).basis);
    const severity = sev(first.constraint?.basis ?? member?.basis, ...errBases);
    const errText = [
      ...new Set(group.map((c) => `${c.expectError} (${errorSpec(set, c.expectError).code})`)),
    ].join(', ');
    out.push(
      makeCheck(
        api,
        op.operation,
        `invalid.${key}`,
        severity,
        `${first.source}: ${group.map((c) => c.label).join(', ')} must fail with ${errText} and change nothing${basisText(first.constraint?.basis ?? member?.basis)}`,
        async (s) => {
          await s.requireApi(api);
          for (const label of group.map((c) => c.label)) {
            const ids = await freshIds(s, op);
            const fresh = oneViolation(set, op, { ids: idInput(set, op, ids), seed: s.config.seed }).find(
              (c) => c.key === key && c.label === label,
            );
            if (!fresh) throw new Error(`violation ${key} ${label} disappeared`);
            s.cover(key);
            const what = `${op.operation} with ${fresh.member} ${fresh.label} (${describeValue(fresh.input[fresh.member])})`;
            try {
              await unchanged(
                s,
                op,
                ids,
                async () => {
                  const ex = await s.call(api, op.operation, fresh.input, { label: `${key} ${label}` });
                  expectError(set, api, ex, [fresh.expectError], what);
                },
                what,
              );
            } catch (e) {
              if (e instanceof CheckFailure && !e.counterexample)
                e.counterexample = `${fresh.member} (${fresh.label}) = ${describeValue(fresh.input[fresh.member])}`;
              throw e;
            }
          }
        },
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------- behaviour rules

function ruleChecks(set: SpecSet, op: OperationSpec, config: ServerTargetConfig): Check[] {
  const out: Check[] = [];
  const api = op.api;
  const { name: entity, spec: ent } = entityOf(set, op);
  const select = selectMember(set, op);
  const messageBasis = set.apis[api].protocol.errorEnvelope.messageBasis;
  const add = (
    check: string,
    rule: RuleSpec,
    severity: ReturnType<typeof sev>,
    run: (s: Session) => Promise<void>,
  ) => out.push(makeCheck(api, op.operation, check, severity, ruleSource(set, op, rule), run));

  // legacy errors carry Data key/value pairs (errors.json `data`), where the envelope has them
  const dataKeys = (rule: RuleSpec): string[] =>
    set.apis[api].protocol.errorEnvelope.fields?.data && rule.error
      ? (errorSpec(set, rule.error).data ?? [])
      : [];
  for (const rule of op.behaviour.rules) {
    const err = rule.error ? errorSpec(set, rule.error) : undefined;
    const accepted = rule.error ? [rule.error, ...(rule.acceptErrors ?? [])] : [];
    const codeSeverity = sev(rule.basis, err?.basis);
    const msgSeverity = sev(rule.basis, err?.messageBasis ?? err?.basis, messageBasis);
    switch (rule.kind) {
      case 'exists': {
        if (!rule.error) break;
        const call = async (s: Session, id: string, label: string) => {
          const input = minimalInput(set, op, {}, s.config.seed, { [select]: id });
          s.cover(`rule:${rule.id}`);
          return s.call(api, op.operation, input, { label });
        };
        add(`rule.${rule.id}`, rule, codeSeverity, async (s) => {
          await s.requireApi(api);
          await forAll(
            s,
            unknownIdArb(set, op),
            async (id) => {
              const ex = await call(s, id, `unknown ${select}`);
              expectError(
                set,
                api,
                ex,
                accepted,
                `${op.operation} for ${select} ${id}, which names no ${entity},`,
              );
            },
            { numRuns: Math.min(config.runs, 10) },
          );
        });
        add(`rule.${rule.id}.message`, rule, msgSeverity, async (s) => {
          await s.requireApi(api);
          const id = fc.sample(unknownIdArb(set, op), { seed: s.config.seed, numRuns: 1 })[0]!;
          const ex = await call(s, id, `unknown ${select}`);
          expectMessage(set, api, ex, accepted, `${op.operation} for an unknown ${select}`);
        });
        if (dataKeys(rule).length)
          add(`rule.${rule.id}.data`, rule, codeSeverity, async (s) => {
            await s.requireApi(api);
            const id = fc.sample(unknownIdArb(set, op), { seed: s.config.seed, numRuns: 1 })[0]!;
            const ex = await call(s, id, `unknown ${select}`);
            expectData(
              ex,
              dataKeys(rule),
              { [select]: id },
              undefined,
              `${op.operation} for an unknown ${select}`,
            );
          });
        break;
      }
      case 'owner': {
        if (!rule.error) break;
        add(`rule.${rule.id}`, rule, codeSeverity, async (s) => {
          await s.requireApi(api);
          s.creds(1);
          const ids = await freshIds(s, op, rule.given, 0);
          s.cover(`rule:${rule.id}`);
          const what = `${op.operation} signed by another requester than the owner`;
          await unchanged(
            s,
            op,
            ids,
            async () => {
              const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
                as: 1,
                label: 'call by a non-owner',
              });
              expectError(set, api, ex, accepted, what);
            },
            what,
          );
        });
        add(`rule.${rule.id}.message`, rule, msgSeverity, async (s) => {
          await s.requireApi(api);
          s.creds(1);
          const ids = await freshIds(s, op, rule.given, 0);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
            as: 1,
            label: 'call by a non-owner',
          });
          expectMessage(set, api, ex, accepted, `${op.operation} signed by another requester than the owner`);
        });
        break;
      }
      case 'status': {
        const violated = rule.violatedBy ?? [];
        if (violated.length) {
          add(`rule.${rule.id}`, rule, codeSeverity, async (s) => {
            await s.requireApi(api);
            for (const state of violated) {
              const ids = await freshIds(s, op, state);
              s.cover(`rule:${rule.id}`);
              s.cover(`rule:${rule.id}:${state}`);
              const what = `${op.operation} on the ${entity} of provider state ${state} (allowed: ${(rule.allowed ?? []).join(', ')})`;
              await unchanged(
                s,
                op,
                ids,
                async () => {
                  const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed), {
                    label: state,
                  });
                  expectError(set, api, ex, accepted, what);
                },
                what,
              );
            }
          });
          add(`rule.${rule.id}.message`, rule, msgSeverity, async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, violated[0]);
            const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed));
            expectMessage(
              set,
              api,
              ex,
              accepted,
              `${op.operation} on the ${entity} of provider state ${violated[0]}`,
            );
          });
        }
        if (violated.length && dataKeys(rule).length)
          add(`rule.${rule.id}.data`, rule, codeSeverity, async (s) => {
            await s.requireApi(api);
            for (const state of violated) {
              const ids = await freshIds(s, op, state);
              const input = minimalInput(set, op, ids, s.config.seed);
              const ex = await s.call(api, op.operation, input, { label: state });
              expectData(
                ex,
                dataKeys(rule),
                input,
                stateStatus(set, state, entity),
                `${op.operation} on the ${entity} of provider state ${state}`,
              );
            }
          });
        if (rule.given && ruleOfKindEffect(op)) {
          add(`rule.${rule.id}.repeat`, rule, codeSeverity, async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, rule.given);
            const input = minimalInput(set, op, ids, s.config.seed);
            s.cover(`rule:${rule.id}:repeat`);
            const first = await s.call(api, op.operation, input, { label: 'first call' });
            expectSuccess(
              set,
              op,
              first,
              `The first ${op.operation} on the ${entity} of provider state ${rule.given}`,
            );
            const what = `A second ${op.operation} on the same ${entity}`;
            await unchanged(
              s,
              op,
              ids,
              async () => {
                const again = await s.call(api, op.operation, input, { label: 'second call' });
                expectError(set, api, again, accepted, what);
              },
              what,
            );
          });
        }
        (rule.allowedWhen ?? []).forEach((w, i) => {
          add(`rule.${rule.id}.allowed-when.${i}`, rule, sev(w.basis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, w.given ?? rule.given);
            const input = minimalInput(set, op, ids, s.config.seed, w.input);
            s.cover(`rule:${rule.id}:allowedWhen:${i}`);
            const ex = await s.call(api, op.operation, input);
            expectSuccess(
              set,
              op,
              ex,
              `${op.operation} with ${JSON.stringify(w.input)} on the ${entity} of provider state ${w.given ?? rule.given} (allowed: ${w.allowed.join(', ')})`,
            );
          });
        });
        break;
      }
      case 'effect': {
        add(`rule.${rule.id}`, rule, sev(rule.basis), async (s) => {
          await s.requireApi(api);
          if (!canObserve(set, op))
            throw new CheckFailure(`model.json names no observe operation for ${entity} in ${api}`);
          await forAll(s, validInput(set, op, { omit: [select] }), async (extra) => {
            const ids = await freshIds(s, op, rule.given);
            const input = { ...extra, ...ruleInput(rule), ...idInput(set, op, ids) };
            s.cover(`rule:${rule.id}`);
            const ex = await s.call(api, op.operation, input);
            expectSuccess(set, op, ex, `${op.operation} on the ${entity} of provider state ${rule.given}`);
            const obs = await s.observe(api, entity, ids);
            for (const [k, want] of Object.entries(rule.observe ?? {})) {
              const got = k === 'present' ? obs.present : obs.entity?.[k];
              if (String(got) !== String(want))
                throw new CheckFailure(
                  `After a successful ${op.operation}, the ${entity} must show ${k} = ${JSON.stringify(want)}, but it shows ${JSON.stringify(got)}.`,
                  obs.exchange,
                );
            }
            // a field the effect stamps with the time of the call ($now) is there afterwards
            const shapeMembers = set.apis[api].shapes.shapes[entity]?.members ?? {};
            if (obs.present && obs.entity)
              for (const [field, v] of Object.entries(rule.set ?? {}))
                if (v === '$now' && field in shapeMembers && !(obs.entity[field] instanceof Date))
                  throw new CheckFailure(
                    `After a successful ${op.operation}, the ${entity} must show ${field} (the time of the call), but it shows ${JSON.stringify(obs.entity[field])}.`,
                    obs.exchange,
                  );
            if (obs.present && obs.entity)
              for (const [field, v] of Object.entries(rule.set ?? {})) {
                const m = typeof v === 'string' ? /^\$input\.(.+)$/.exec(v) : null;
                if (!m || input[m[1]!] === undefined || !(field in obs.entity)) continue;
                if (!sameValue(obs.entity[field], input[m[1]!]))
                  throw new CheckFailure(
                    `After a successful ${op.operation}, the ${entity}'s ${field} must be the ${m[1]} sent (${JSON.stringify(input[m[1]!])}), but it is ${JSON.stringify(obs.entity[field])}.`,
                    obs.exchange,
                  );
              }
          });
        });
        break;
      }
      case 'read': {
        // Both read checks: a fresh provider state, the call, and its successful output.
        const readFresh = async (s: Parameters<Check['run']>[0], coverKey: string) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op, rule.given);
          s.cover(coverKey);
          const ex = await s.call(api, op.operation, minimalInput(set, op, ids, s.config.seed));
          const output = expectSuccess(
            set,
            op,
            ex,
            `${op.operation} of the ${entity} of provider state ${rule.given}`,
          );
          return { ids, ex, output };
        };
        add(`rule.${rule.id}`, rule, sev(rule.basis), async (s) => {
          const { ids, ex, output } = await readFresh(s, `rule:${rule.id}`);
          const state = rule.given ? set.model.states[rule.given] : undefined;
          for (const [key, what] of Object.entries(rule.output ?? {})) {
            // one field of the entity as the member (e.g. the account's balance): it is there
            if (what.startsWith('$entity.')) {
              if (output[key] === undefined)
                throw new CheckFailure(
                  `${op.operation} must return ${key} (the ${entity}'s ${what.slice(8)}), but it is missing.`,
                  ex,
                );
              continue;
            }
            const value = output[key] as Record<string, unknown> | undefined;
            const target =
              what === '$entity' ? ent : ent.parent ? set.model.entities[ent.parent.entity] : undefined;
            const idName = target?.id;
            const idWant = what === '$entity' ? ids[ent.id] : ent.parent ? ids[ent.parent.via] : undefined;
            if (!value || typeof value !== 'object')
              throw new CheckFailure(
                `${op.operation} must return ${key} (the ${what.slice(1)}), but it is missing.`,
                ex,
              );
            if (idName && idWant !== undefined && String(value[idName]) !== idWant)
              throw new CheckFailure(
                `${op.operation} must return the ${what.slice(1)} ${idWant} as ${key}, but ${key}.${idName} is ${JSON.stringify(value[idName])}.`,
                ex,
              );
            const expected: Record<string, unknown> = {};
            const createdAs = state?.creates.find(
              (c) => c.entity === (what === '$entity' ? entity : ent.parent?.entity),
            );
            // the model's defaults, the state's fields, the status the state names, the rule's observe
            const statusOf = target?.status?.field;
            Object.assign(
              expected,
              literalFields(target?.fields ?? {}),
              literalFields(createdAs?.fields ?? {}),
              statusOf && createdAs?.status !== undefined ? { [statusOf]: createdAs.status } : {},
              what === '$entity' ? (rule.observe ?? {}) : {},
            );
            const shape = outputMembers(set, op).find((m) => m.name === key);
            for (const [field, want] of Object.entries(expected)) {
              const m = shape?.members?.find((x) => x.name === field);
              if (!m || !['string', 'integer', 'long', 'boolean'].includes(m.type)) continue;
              if (value[field] === undefined || String(value[field]) !== String(want))
                throw new CheckFailure(
                  `${op.operation} must return the ${what.slice(1)} as created: ${key}.${field} should be ${JSON.stringify(want)}, but it is ${JSON.stringify(value[field])}.`,
                  ex,
                );
            }
          }
        });
        add(`rule.${rule.id}.as-created`, rule, sev(rule.basis), async (s) => {
          const { ids, ex, output } = await readFresh(s, `rule:${rule.id}:as-created`);
          for (const [key, what] of Object.entries(rule.output ?? {})) {
            const target = what === '$entity' ? entity : ent.parent?.entity;
            const value = output[key];
            const shape = outputMembers(set, op).find((m) => m.name === key);
            if (!target || !value || typeof value !== 'object' || !shape?.members) continue;
            expectAsCreated(
              value as Record<string, unknown>,
              shape.members,
              createdFacts(set, target, rule.given, ids),
              `${op.operation} (${key}, the ${what.slice(1)})`,
              ex,
            );
          }
        });
        break;
      }
      case 'list': {
        const items = rule.items;
        if (!items) break;
        // the rule's own input (e.g. a status to list), then the filters the state's ids fill
        const listInput = (ids: Record<string, string>) => {
          const input: Record<string, unknown> = ruleInput(rule);
          for (const [member, idName] of Object.entries(rule.filter ?? {}))
            if ((ids[idName] ?? ids[member]) !== undefined) input[member] = ids[idName] ?? ids[member];
          return input;
        };
        const pgToken = rule.pagination?.style === 'token' ? rule.pagination.token : undefined;
        // later pages of a walk are as large as the model allows
        const sizeRange = inputMembers(set, op)
          .find((m) => m.name === rule.pagination?.size)
          ?.constraints.find((c) => c.kind === 'range');
        const maxPageSize = sizeRange?.kind === 'range' ? sizeRange.max : undefined;
        const listed = (output: Record<string, unknown>, id: string | undefined) => {
          const v = output[items];
          const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
          return {
            list,
            hit: list.some(
              (x) => x && typeof x === 'object' && String((x as Record<string, unknown>)[ent.id]) === id,
            ),
          };
        };
        // Both list checks: a fresh provider state, the filtered call, and its successful output:
        // the page that lists the entity (token pages are followed, up to 50, when no filter
        // narrows the listing to what the state made, e.g. all of the caller's HITs)
        const listFresh = async (s: Parameters<Check['run']>[0], coverKey: string) => {
          await s.requireApi(api);
          const ids = await freshIds(s, op, rule.given);
          s.cover(coverKey);
          let input = listInput(ids);
          let ex = await s.call(api, op.operation, input);
          let output = expectSuccess(set, op, ex, `${op.operation} filtered by ${JSON.stringify(input)}`);
          for (let page = 2; page <= 50 && pgToken && !listed(output, ids[ent.id]).hit; page++) {
            const token = output[pgToken];
            if (typeof token !== 'string' || token === '') break;
            input = {
              ...input,
              [pgToken]: token,
              ...(maxPageSize ? { [rule.pagination!.size]: maxPageSize } : {}),
            };
            ex = await s.call(api, op.operation, input, { label: `page ${page}` });
            output = expectSuccess(set, op, ex, `${op.operation} page ${page}`);
          }
          return { ids, ex, output };
        };
        add(`rule.${rule.id}`, rule, sev(rule.basis), async (s) => {
          const { ids, ex, output } = await listFresh(s, `rule:${rule.id}`);
          const { list, hit } = listed(output, ids[ent.id]);
          if (!hit)
            throw new CheckFailure(
              `${op.operation} must list the ${entity} ${ids[ent.id]} of provider state ${rule.given}, but ${items} holds ${list.length} item(s) without it.`,
              ex,
            );
          if (rule.count && output[rule.count] !== undefined && Number(output[rule.count]) !== list.length)
            throw new CheckFailure(
              `${op.operation}: ${rule.count} is ${JSON.stringify(output[rule.count])}, but ${items} holds ${list.length} item(s).`,
              ex,
            );
          if (rule.total && output[rule.total] !== undefined && Number(output[rule.total]) < list.length)
            throw new CheckFailure(
              `${op.operation}: ${rule.total} is ${JSON.stringify(output[rule.total])}, fewer than the ${list.length} item(s) on the page.`,
              ex,
            );
        });
        const pg = rule.pagination;
        const given = rule.given;
        // pagination over a filter the provider state fills with exactly one entity
        const onlyOne =
          given !== undefined &&
          Object.keys(rule.filter ?? {}).length > 0 &&
          (set.model.states[given]?.creates.filter((c) => c.entity === entity).length ?? 0) === 1;
        if (pg && onlyOne)
          add(`rule.${rule.id}.pagination`, rule, sev(rule.basis, pg.basis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, given);
            s.cover(`rule:${rule.id}:pagination`);
            const first: Record<string, unknown> = { ...listInput(ids), [pg.size]: 1 };
            if (pg.style === 'page' && pg.page) first[pg.page] = 1;
            const ex1 = await s.call(api, op.operation, first, { label: 'first page of size 1' });
            const out1 = expectSuccess(set, op, ex1, `${op.operation} with ${pg.size}=1`);
            const page1 = listed(out1, ids[ent.id]);
            if (page1.list.length !== 1 || !page1.hit)
              throw new CheckFailure(
                `${op.operation} with ${pg.size}=1 over a filter matching one ${entity} must return exactly that ${entity}, but ${items} holds ${page1.list.length} item(s)${page1.hit ? '' : ' without it'}.`,
                ex1,
              );
            if (rule.total && out1[rule.total] !== undefined && Number(out1[rule.total]) !== 1)
              throw new CheckFailure(
                `${op.operation}: ${rule.total} must be 1 here, but it is ${JSON.stringify(out1[rule.total])}.`,
                ex1,
              );
            let next: Record<string, unknown> | undefined;
            if (pg.style === 'page' && pg.page) next = { ...first, [pg.page]: 2 };
            else if (pg.token && typeof out1[pg.token] === 'string' && out1[pg.token] !== '')
              next = { ...first, [pg.token]: out1[pg.token] };
            if (!next) return;
            const ex2 = await s.call(api, op.operation, next, { label: 'next page' });
            const out2 = expectSuccess(set, op, ex2, `${op.operation} for the next page`);
            const page2 = listed(out2, ids[ent.id]);
            if (page2.list.length !== 0)
              throw new CheckFailure(
                `${op.operation}: past the only ${entity} the next page must be empty, but ${items} holds ${page2.list.length} item(s).`,
                ex2,
              );
          });
        // several entities under one filter value (pagination.given): counts, totals and a page walk
        const many = pg?.given;
        const n = many ? (set.model.states[many]?.creates.filter((c) => c.entity === entity).length ?? 0) : 0;
        const itemIds = (list: unknown[]) =>
          list.map((x) =>
            x && typeof x === 'object' ? String((x as Record<string, unknown>)[ent.id]) : String(x),
          );
        if (pg && many && n > 1 && (rule.count || rule.total))
          add(`rule.${rule.id}.counts`, rule, sev(rule.basis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, many);
            s.cover(`rule:${rule.id}:counts`);
            for (const size of [n - 1, n]) {
              const input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
              if (pg.style === 'page' && pg.page) input[pg.page] = 1;
              const what = `${op.operation} with ${pg.size}=${size} over a filter matching the ${n} ${entity}s of provider state ${many}`;
              const ex = await s.call(api, op.operation, input, { label: `first page of size ${size}` });
              const out = expectSuccess(set, op, ex, what);
              const { list } = listed(out, undefined);
              // a short page is allowed (the page walk checks the rest); an empty or oversized one is not
              if (list.length === 0 || list.length > size)
                throw new CheckFailure(
                  `${what} must list between 1 and ${size} of them, but ${items} holds ${list.length}.`,
                  ex,
                );
              if (rule.count && Number(out[rule.count]) !== list.length)
                throw new CheckFailure(
                  `${what}: ${rule.count} must be the ${list.length} item(s) on the page, but it is ${JSON.stringify(out[rule.count])}.`,
                  ex,
                );
              if (rule.total && Number(out[rule.total]) !== n)
                throw new CheckFailure(
                  `${what}: ${rule.total} must be all ${n} matching ${entity}s, but it is ${JSON.stringify(out[rule.total])}.`,
                  ex,
                );
            }
          });
        if (pg && many && n > 1)
          add(`rule.${rule.id}.pages`, rule, sev(rule.basis, pg.basis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, many);
            s.cover(`rule:${rule.id}:pages`);
            const filterText = `a filter matching the ${n} ${entity}s of provider state ${many}`;
            // without a page size the default page (pagination.defaultSize) holds them all
            if (pg.defaultSize >= n) {
              const ex = await s.call(api, op.operation, listInput(ids), { label: 'default page size' });
              const out = expectSuccess(set, op, ex, `${op.operation} without ${pg.size}`);
              const { list } = listed(out, undefined);
              if (list.length !== n)
                throw new CheckFailure(
                  `${op.operation} without ${pg.size} over ${filterText} must list all ${n} (the default page holds ${pg.defaultSize}), but ${items} holds ${list.length}.`,
                  ex,
                );
            }
            // walk pages of n-1: every entity exactly once, no page over the size, then an empty page
            const size = n - 1;
            const seen: string[] = [];
            let input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
            let last: Answered | undefined;
            for (let pageNo = 1; ; pageNo++) {
              if (pageNo > n + 2)
                throw new CheckFailure(
                  `${op.operation} with ${pg.size}=${size} over ${filterText} still offers another page after ${pageNo - 1} pages.`,
                  last,
                );
              if (pg.style === 'page' && pg.page) input = { ...input, [pg.page]: pageNo };
              const what = `${op.operation} page ${pageNo} with ${pg.size}=${size} over ${filterText}`;
              const ex = await s.call(api, op.operation, input, { label: `page ${pageNo} of size ${size}` });
              last = ex;
              const out = expectSuccess(set, op, ex, what);
              const got = itemIds(listed(out, undefined).list);
              if (got.length > size)
                throw new CheckFailure(`${what} holds ${got.length} item(s), more than the page size.`, ex);
              const again = got.filter((id) => seen.includes(id));
              if (again.length)
                throw new CheckFailure(
                  `${what} lists again ${again.join(', ')}, already on an earlier page.`,
                  ex,
                );
              if (seen.length + got.length > n)
                throw new CheckFailure(
                  `${what} brings the pages to ${seen.length + got.length} item(s), more than the ${n} matching ${entity}s.`,
                  ex,
                );
              if (pg.style === 'page' && pg.page && outputMembers(set, op).some((m) => m.name === pg.page))
                if (Number(out[pg.page]) !== pageNo)
                  throw new CheckFailure(
                    `${what}: ${pg.page} must echo the page asked for (${pageNo}), but it is ${JSON.stringify(out[pg.page])}.`,
                    ex,
                  );
              seen.push(...got);
              if (pg.style === 'page') {
                if (!got.length) break;
                continue;
              }
              const token = pg.token ? out[pg.token] : undefined;
              if (typeof token !== 'string' || token === '') break;
              input = { ...input, [pg.token!]: token };
            }
            if (seen.length !== n || !seen.includes(ids[ent.id]!))
              throw new CheckFailure(
                `Walking the pages of ${op.operation} with ${pg.size}=${size} over ${filterText} must give each of them once, but it gave ${seen.length}: ${seen.join(', ') || '(none)'}${seen.includes(ids[ent.id]!) ? '' : ` (without ${ids[ent.id]})`}.`,
                last,
              );
          });
        add(`rule.${rule.id}.as-created`, rule, sev(rule.basis), async (s) => {
          const { ids, ex, output } = await listFresh(s, `rule:${rule.id}:as-created`);
          const item = listed(output, ids[ent.id]).list.find(
            (x) =>
              x && typeof x === 'object' && String((x as Record<string, unknown>)[ent.id]) === ids[ent.id],
          );
          if (!item)
            throw new CheckFailure(
              `${op.operation} must list the ${entity} ${ids[ent.id]}, but it does not.`,
              ex,
            );
          const itemMembers = outputMembers(set, op).find((m) => m.name === items)?.item?.members ?? [];
          expectAsCreated(
            item as Record<string, unknown>,
            rule.itemMembers ? itemMembers.filter((m) => rule.itemMembers!.includes(m.name)) : itemMembers,
            createdFacts(set, entity, rule.given, ids),
            `${op.operation} (the listed ${entity})`,
            ex,
          );
        });
        // without the (optional) filter, the listing still holds the entity, somewhere in its pages
        const optionalFilter = Object.keys(rule.filter ?? {}).every(
          (member) => inputMembers(set, op).find((m) => m.name === member)?.required === false,
        );
        if (pg && Object.keys(rule.filter ?? {}).length && optionalFilter)
          add(`rule.${rule.id}.unfiltered`, rule, sev(rule.basis), async (s) => {
            await s.requireApi(api);
            // another requester's key when there is one: its listing holds only what this check made
            const as = s.config.credentials.length > 1 ? 1 : 0;
            const ids = await freshIds(s, op, rule.given, as);
            s.cover(`rule:${rule.id}:unfiltered`);
            const sizeMember = inputMembers(set, op).find((m) => m.name === pg.size);
            const range = sizeMember?.constraints.find((c) => c.kind === 'range');
            const size = range?.kind === 'range' && range.max !== undefined ? range.max : pg.defaultSize;
            let input: Record<string, unknown> = { ...ruleInput(rule), [pg.size]: size };
            let last: Answered | undefined;
            let count = 0;
            for (let pageNo = 1; pageNo <= 50; pageNo++) {
              if (pg.style === 'page' && pg.page) input = { ...input, [pg.page]: pageNo };
              const ex = await s.call(api, op.operation, input, { as, label: `unfiltered page ${pageNo}` });
              last = ex;
              const out = expectSuccess(
                set,
                op,
                ex,
                `${op.operation} without ${Object.keys(rule.filter ?? {}).join(', ')}`,
              );
              const page = listed(out, ids[ent.id]);
              if (page.hit) return;
              count += page.list.length;
              const token = pg.token ? out[pg.token] : undefined;
              if (pg.style === 'page' ? !page.list.length : typeof token !== 'string' || token === '') break;
              if (pg.style === 'token') input = { ...input, [pg.token!]: token };
            }
            throw new CheckFailure(
              `${op.operation} without ${Object.keys(rule.filter ?? {}).join(', ')} must list the ${entity} ${ids[ent.id]} of provider state ${rule.given} among the caller's, but its pages hold ${count} item(s) without it.`,
              last,
            );
          });
        // itemMembers: each listed item shows those members and no others
        if (rule.itemMembers)
          add(`rule.${rule.id}.item-members`, rule, sev(rule.basis), async (s) => {
            const { ids, ex, output } = await listFresh(s, `rule:${rule.id}:item-members`);
            const only = rule.itemMembers!;
            const list = listed(output, ids[ent.id]).list;
            if (!list.length)
              throw new CheckFailure(
                `${op.operation} must list the ${entity} ${ids[ent.id]}, but it does not.`,
                ex,
              );
            for (const item of list) {
              const keys = item && typeof item === 'object' ? Object.keys(item) : [];
              const extra = keys.filter((k) => !only.includes(k));
              const missing = only.filter((k) => !keys.includes(k));
              if (extra.length || missing.length)
                throw new CheckFailure(
                  `Each item of ${items} must show only ${only.join(', ')}, but one shows ${keys.join(', ') || 'nothing'}${missing.length ? ` (without ${missing.join(', ')})` : ''}.`,
                  ex,
                );
            }
          });
        // a list-valued filter (e.g. statuses): each value lists exactly the entities in it
        const listFilters = Object.entries(rule.filter ?? {}).filter(
          ([member]) => inputMembers(set, op).find((m) => m.name === member)?.type === 'list',
        );
        if (pg && many && n > 1)
          for (const [member, field] of listFilters)
            add(`rule.${rule.id}.filter.${member}`, rule, sev(rule.basis), async (s) => {
              await s.requireApi(api);
              const ids = await freshIds(s, op, many);
              s.cover(`rule:${rule.id}:filter:${member}`);
              const made = (set.model.states[many]?.creates ?? []).filter((c) => c.entity === entity);
              const values = [
                ...new Set(made.map((c) => c.status ?? c.fields?.[field]).filter((v) => v !== undefined)),
              ];
              for (const v of values) {
                const want = made.filter((c) => (c.status ?? c.fields?.[field]) === v).length;
                const input = { ...listInput(ids), [member]: [v], [pg.size]: n };
                const what = `${op.operation} with ${member}=${JSON.stringify([v])} over the ${n} ${entity}s of provider state ${many}`;
                const ex = await s.call(api, op.operation, input, { label: `${member} ${String(v)}` });
                const { list } = listed(expectSuccess(set, op, ex, what), undefined);
                const wrong = list.filter(
                  (x) => !x || typeof x !== 'object' || (x as Record<string, unknown>)[field] !== v,
                );
                if (list.length !== want || wrong.length)
                  throw new CheckFailure(
                    `${what} must list the ${want} in ${String(v)} and nothing else, but ${items} holds ${list.length} item(s)${wrong.length ? `, ${wrong.length} of them not in ${String(v)}` : ''}.`,
                    ex,
                  );
              }
            });
        // page tokens are bound to the operation and its filter values (operations.md §4.3, INF)
        const invalidErr = set.apis[api].protocol.validation.invalid;
        if (pg?.tokenBasis && pgToken && many && n > 1 && Object.keys(rule.filter ?? {}).length)
          add(`rule.${rule.id}.token-bound`, rule, sev(rule.basis, pg.basis, pg.tokenBasis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, many);
            const other = await freshIds(s, op, rule.given);
            s.cover(`rule:${rule.id}:token-bound`);
            const ex1 = await s.call(
              api,
              op.operation,
              { ...listInput(ids), [pg.size]: n - 1 },
              { label: 'first page' },
            );
            const token = expectSuccess(set, op, ex1, `${op.operation} with ${pg.size}=${n - 1}`)[pgToken];
            if (typeof token !== 'string' || token === '')
              throw new CheckFailure(
                `${op.operation} with ${pg.size}=${n - 1} over a filter matching ${n} ${entity}s must give a ${pgToken} for the rest, but it gives none.`,
                ex1,
              );
            const ex2 = await s.call(
              api,
              op.operation,
              { ...listInput(other), [pg.size]: n - 1, [pgToken]: token },
              { label: 'the token with another filter' },
            );
            expectError(
              set,
              api,
              ex2,
              [invalidErr],
              `${op.operation} with a ${pgToken} issued for other filter values`,
            );
          });
        if (pg?.tokenBasis && pgToken)
          add(`rule.${rule.id}.foreign-token`, rule, sev(rule.basis, pg.tokenBasis), async (s) => {
            await s.requireApi(api);
            const ids = await freshIds(s, op, rule.given);
            s.cover(`rule:${rule.id}:foreign-token`);
            // base64 of a JSON object no server issued
            const token = Buffer.from(JSON.stringify({ conformance: 'not a token' }), 'utf8').toString(
              'base64',
            );
            const ex = await s.call(
              api,
              op.operation,
              { ...listInput(ids), [pgToken]: token },
              { label: 'a token never issued' },
            );
            expectError(
              set,
              api,
              ex,
              [invalidErr],
              `${op.operation} with a ${pgToken} the server never issued`,
            );
          });
        if (rule.owned)
          add(`rule.${rule.id}.owned`, rule, sev(rule.basis), async (s) => {
            await s.requireApi(api);
            s.creds(1);
            const ids = await freshIds(s, op, rule.given, 0);
            s.cover(`rule:${rule.id}:owned`);
            // every page the non-owner is given (up to 50): none lists the owner's entity
            let input = listInput(ids);
            for (let page = 1; page <= 50; page++) {
              const ex = await s.call(api, op.operation, input, {
                as: 1,
                label: page === 1 ? 'list by a non-owner' : `page ${page} for a non-owner`,
              });
              if (ex.answer.kind === 'success' && listed(ex.answer.output, ids[ent.id]).hit)
                throw new CheckFailure(
                  `${op.operation} signed by another requester must not list the owner's ${entity} ${ids[ent.id]}, but it does.`,
                  ex,
                );
              if (ex.answer.kind === 'garbage')
                throw new CheckFailure(
                  `${op.operation} by a non-owner gave an unreadable answer: ${ex.answer.problems.join('; ')}.`,
                  ex,
                );
              const token = ex.answer.kind === 'success' && pgToken ? ex.answer.output[pgToken] : undefined;
              if (typeof token !== 'string' || token === '') break;
              input = { ...input, [pgToken!]: token, ...(maxPageSize ? { [pg!.size]: maxPageSize } : {}) };
            }
          });
        break;
      }
    }
  }
  return out;
}

/** Equal values; timestamps to the second (the 2017 wire carries epoch seconds). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return Math.abs(a.getTime() - b.getTime()) < 1000;
  return a === b;
}

/** A value for a counterexample line: short values as JSON, long strings by length and start. */
function describeValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string' && v.length > 80) {
    const cps = [...v];
    return `${JSON.stringify(cps.slice(0, 24).join(''))}… (${cps.length} code points, ${Buffer.byteLength(v, 'utf8')} UTF-8 bytes)`;
  }
  return JSON.stringify(v);
}

/** The error must carry each Data key; keys that are input members carry the value sent; a
 * state error carries the entity's current status among its values. */
function expectData(
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

function ruleOfKindEffect(op: OperationSpec): boolean {
  return op.behaviour.rules.some((r) => r.kind === 'effect');
}

function literalFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields))
    if (
      (typeof v === 'string' && !v.startsWith('$') && !v.startsWith('<')) ||
      typeof v === 'number' ||
      typeof v === 'boolean'
    )
      out[k] = v;
  return out;
}

export function operationChecks(set: SpecSet, op: OperationSpec, config: ServerTargetConfig): Check[] {
  return [...validChecks(set, op, config), ...invalidChecks(set, op, config), ...ruleChecks(set, op, config)];
}

/**
 * What model.json says an entity a provider state created shows, beyond literal fields: the ids
 * the state returned (under the field's own name, as the entity's parent link, or through a
 * `$ref:Field` template) and its `$now±N` timestamps, with their offsets.
 */
export function createdFacts(
  set: SpecSet,
  entity: string,
  state: string | undefined,
  ids: Record<string, string>,
): { equal: Record<string, string>; times: { field: string; offset: number }[] } {
  const ent = set.model.entities[entity];
  const equal: Record<string, string> = {};
  const times: { field: string; offset: number }[] = [];
  if (!ent) return { equal, times };
  const created = state ? set.model.states[state]?.creates.find((c) => c.entity === entity) : undefined;
  const templates: Record<string, unknown> = { ...ent.fields, ...(created?.fields ?? {}) };
  if (ids[ent.id] !== undefined) equal[ent.id] = ids[ent.id]!;
  if (ent.parent && ids[ent.parent.via] !== undefined) equal[ent.parent.via] = ids[ent.parent.via]!;
  for (const [field, t] of Object.entries(templates)) {
    if (ids[field] !== undefined) equal[field] = ids[field]!;
    const ref = typeof t === 'string' ? /^\$ref:(.+)$/.exec(t) : null;
    if (ref && ids[ref[1]!] !== undefined) equal[field] = ids[ref[1]!]!;
    const now = typeof t === 'string' ? /^\$now([+-]\d+)?$/.exec(t) : null;
    if (now) times.push({ field, offset: Number(now[1] ?? 0) });
  }
  return { equal, times };
}

/** The entity in an output must show the ids it was created with and its timestamps, in the
 * order of their offsets; members its output shape does not have are skipped. */
export function expectAsCreated(
  value: Record<string, unknown>,
  members: ResolvedMember[],
  facts: ReturnType<typeof createdFacts>,
  what: string,
  ex: Answered,
): void {
  const has = (f: string, types?: string[]) =>
    members.some((m) => m.name === f && (!types || types.includes(m.type)));
  for (const [field, want] of Object.entries(facts.equal))
    if (has(field, ['string', 'integer', 'long']) && String(value[field]) !== want)
      throw new CheckFailure(
        `${what}: ${field} must be ${want} (as the provider state created it), but it is ${JSON.stringify(value[field])}.`,
        ex,
      );
  const times = facts.times.filter((t) => has(t.field, ['timestamp']));
  for (const t of times)
    if (!(value[t.field] instanceof Date))
      throw new CheckFailure(
        `${what}: ${t.field} must be there (the provider state created it), but it is ${JSON.stringify(value[t.field])}.`,
        ex,
      );
  const sorted = [...times].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.offset < b.offset && (value[a.field] as Date).getTime() > (value[b.field] as Date).getTime())
      throw new CheckFailure(
        `${what}: ${a.field} (${(value[a.field] as Date).toISOString()}) must not be later than ${b.field} (${(value[b.field] as Date).toISOString()}): the provider state created it ${b.offset - a.offset} s earlier.`,
        ex,
      );
  }
}
