// Per-operation checks: valid requests, one-violation requests and the checks
// the operation's behaviour rules generate (each through its kind's module,
// src/rules/). All derived from the operation spec, the shapes, the errors and
// the state model.
import fc from 'fast-check';
import { coverInput } from '../arbitraries/coverage.ts';
import {
  constraintSource,
  oneViolation,
  serverIssuedMembers,
  validInput,
  violationCase,
  withMember,
} from '../arbitraries/input.ts';
import { constraintsOf, freeString, lengthBounds, patternString } from '../arbitraries/values.ts';
import { ruleContext, ruleKind } from '../rules/index.ts';
import { freshTokens } from '../rules/token.ts';
import { constraintKey, effectFor, errorSpec, inputMembers } from '../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, SpecSet } from '../spec/types.ts';
import { legacyResultName } from '../wire/legacy.ts';
import { getPath } from '../wire/xml.ts';
import { expectError, expectRefused, expectSuccess } from './judge.ts';
import {
  basisText,
  givenFor,
  idInput,
  makeCheck,
  minimalInput,
  opFile,
  protocolFile,
  ruleSource,
  selectMember,
  sev,
} from './plan.ts';
import { responseGroupChecks } from './response-group-checks.ts';
import { describeValue, freshIds } from './rule-support.ts';
import { CheckFailure, forAll } from './session.ts';
import { RULE_CHECK_SHRINK_BUDGET, serverTarget, unchanged, withCodeTwins } from './target.ts';
import type { Check, ServerTargetConfig } from './types.ts';

// ---------------------------------------------------------------- valid requests

function validChecks(set: SpecSet, op: OperationSpec, _config: ServerTargetConfig): Check[] {
  const out: Check[] = [];
  const api = op.api;
  const file = opFile(set, op);
  const given = givenFor(op);
  const members = inputMembers(set, op);
  const ownedList = op.behaviour.rules.some((r) => r.kind === 'list' && r.owned);
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
          // each case as a new requester: the caller's own listing then holds what this case made,
          // not pages of what every check made (docs/provider-states.md, a fresh requester)
          if (ownedList) await s.isolate();
          // the state under which this input succeeds (an effect for this input names its own)
          const ids = await freshIds(s, op, effectFor(set, op, input, undefined)?.given ?? givenFor(op));
          const full = { ...input, ...idInput(set, op, ids, input) };
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
          const parsed = s.answerDocument(api, ex.res);
          if (!parsed.ok) throw new CheckFailure(`The answer is not XML: ${parsed.message}.`, ex);
          const fill = (t: string) => t.replace('{operation}', op.operation);
          const requestPath = (p.success.isValidPath ?? '').split('/').slice(0, -1).join('/');
          const path = [parsed.root, legacyResultName(set, op.operation), requestPath, fill(echo.element)]
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
              const input = freshTokens(
                op,
                withMember(op, minimalInput(set, op, ids, s.config.seed), m.name, v.value),
              );
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
  const placeholder: Record<string, string> = {};
  const cases = oneViolation(set, op, { ids: placeholder, seed: config.seed });
  const byKey = new Map<string, typeof cases>();
  for (const c of cases) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  return [...byKey].flatMap(([key, group]) => [
    invalidCheck(set, op, key, group, 'refused'),
    invalidCheck(set, op, key, group, 'code'),
  ]);
}

/**
 * One violation group as two facts: `invalid.<key>` (the request must be refused and change
 * nothing: the severity of the constraint or member it breaks) and `invalid.<key>.code` (it fails
 * with the documented error: that error's basis counts too).
 */
function invalidCheck(
  set: SpecSet,
  op: OperationSpec,
  key: string,
  group: ReturnType<typeof oneViolation>,
  fact: 'refused' | 'code',
): Check {
  const api = op.api;
  const first = group[0]!;
  const member = inputMembers(set, op).find((m) => m.name === first.member);
  const broken = first.constraint?.basis ?? first.basis ?? member?.basis;
  const errBases = [...new Set(group.map((c) => c.expectError))].map((e) => errorSpec(set, e).basis);
  const errText = [
    ...new Set(group.map((c) => `${c.expectError} (${errorSpec(set, c.expectError).code})`)),
  ].join(', ');
  const labels = group.map((c) => c.label).join(', ');
  return makeCheck(
    api,
    op.operation,
    fact === 'refused' ? `invalid.${key}` : `invalid.${key}.code`,
    fact === 'refused' ? sev(broken) : sev(broken, ...errBases),
    fact === 'refused'
      ? `${first.source}: ${labels} must be refused and change nothing${basisText(broken)}`
      : `${first.source}: ${labels} must fail with ${errText}${basisText(broken)}`,
    async (s) => {
      await s.requireApi(api);
      for (const label of group.map((c) => c.label)) {
        const ids = await freshIds(s, op);
        const fresh = violationCase(set, op, { ids: idInput(set, op, ids), seed: s.config.seed }, key, label);
        if (!fresh) throw new Error(`violation ${key} ${label} disappeared`);
        s.cover(key);
        const value = fresh.input[fresh.member];
        const shown = describeValue(value);
        // a missing member has no value to show ("AssignmentId missing", not "missing ((absent))")
        const what = `${op.operation} with ${fresh.where ?? fresh.member} ${fresh.label}${value === undefined ? '' : ` (${shown})`}`;
        const send = () => s.call(api, op.operation, fresh.input, { label: `${key} ${label}` });
        try {
          if (fact === 'code') expectError(set, api, await send(), [fresh.expectError], what);
          else
            await unchanged(
              serverTarget(s, api),
              op,
              ids,
              async () => expectRefused(api, await send(), what),
              what,
            );
        } catch (e) {
          if (e instanceof CheckFailure && !e.counterexample)
            e.counterexample = `${fresh.where ?? fresh.member} (${fresh.label}) = ${shown}`;
          throw e;
        }
      }
    },
  );
}

// ---------------------------------------------------------------- behaviour rules

/** The checks each rule's kind generates (src/rules/<kind>.ts): its rule-level checks for the
 * server audience, then its server-only checks. */
function ruleChecks(set: SpecSet, op: OperationSpec, config: ServerTargetConfig): Check[] {
  const out: Check[] = [];
  for (const rule of op.behaviour.rules) {
    const ctx = ruleContext(set, op, rule);
    const source = ruleSource(set, op, rule);
    for (const rc of withCodeTwins(ruleKind(rule.kind).checks?.(ctx) ?? []))
      if (rc.audiences.includes('server'))
        out.push(
          makeCheck(
            op.api,
            op.operation,
            `${rc.name ?? `rule.${rule.id}`}${rc.suffix ?? ''}`,
            rc.severity,
            source,
            async (s) => {
              await s.requireApi(op.api);
              const t = serverTarget(s, op.api);
              await forAll(s, rc.arb, (v) => rc.run(t, v, 0), {
                numRuns: Math.min(config.runs, rc.cases.server),
                // the same budget as through a client: each try costs states and calls
                shrinkBudget: rc.shrinkBudget ?? RULE_CHECK_SHRINK_BUDGET,
              });
            },
          ),
        );
  }
  return out;
}

export function operationChecks(set: SpecSet, op: OperationSpec, config: ServerTargetConfig): Check[] {
  return [
    ...validChecks(set, op, config),
    ...invalidChecks(set, op, config),
    ...ruleChecks(set, op, config),
    ...responseGroupChecks(set, op),
  ];
}
