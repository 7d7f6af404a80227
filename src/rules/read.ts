// read: a successful call hands back the selected entity (`$entity`) and/or its parent
// (`$parent`) in the output members `output` names, projected onto their shapes.
import { validInput } from '../arbitraries/input.ts';
import { expectSuccess } from '../checks/judge.ts';
import { minimalInput, stateStatus, statusField } from '../checks/plan.ts';
import { expectAsCreated, freshIds } from '../checks/rule-support.ts';
import { CheckFailure, type Session } from '../checks/session.ts';
import {
  callClient,
  caseCount,
  createState,
  E2eFailure,
  head,
  runCases,
  sample,
  show,
} from '../clients/e2e-support.ts';
import { project, projectionContext } from '../emulator/project.ts';
import { outputMembers } from '../spec/resolve.ts';
import type { RuleContext, RuleKindModule } from './types.ts';
import { createdFacts, parseValue } from './values.ts';

/**
 * For each output member the rule fills: the entity it holds, the id it must carry, and what the
 * provider-states contract fixes about it (the rule's `observe` and the status the state gave
 * the entity; never a default of the reference emulator's model, such as a HIT's Title).
 */
function targets(ctx: RuleContext, ids: Record<string, string>) {
  const { set, rule, ent, entity } = ctx;
  return wholeOutputs(rule.output).map(([key, what]) => {
    const self = parseValue(what).kind === 'entity';
    const name = self ? entity : ent.parent?.entity;
    const spec = name ? set.model.entities[name] : undefined;
    const idWant = self ? ids[ent.id] : ent.parent ? ids[ent.parent.via] : undefined;
    const fixed: Record<string, unknown> = {};
    const made = name && rule.given ? stateStatus(set, rule.given, name) : undefined;
    const sf = spec ? statusField(spec) : undefined;
    if (sf && made !== undefined) fixed[sf] = made;
    if (self) Object.assign(fixed, rule.observe ?? {});
    return { key, role: what.slice(1), name, idName: spec?.id, idWant, fixed };
  });
}

/** `$entity.<Field>`: one field of the entity as an output member (e.g. the account's balance). */
function entityField(what: string): string | undefined {
  return what.startsWith('$entity.') ? what.slice('$entity.'.length) : undefined;
}

/** The outputs that hold the entity or its parent as a whole. */
function wholeOutputs(output: Record<string, string> | undefined): [string, string][] {
  return Object.entries(output ?? {}).filter(([, what]) => entityField(what) === undefined);
}

/** The outputs that hold one field of the entity. */
function fieldOutputs(output: Record<string, string> | undefined): [string, string][] {
  return Object.entries(output ?? {}).filter(([, what]) => entityField(what) !== undefined);
}

export const read: RuleKindModule = {
  kind: 'read',
  schema: {
    required: ['given', 'output'],
    properties: {
      output: {
        type: 'object',
        additionalProperties: {
          type: 'string',
          pattern: '^\\$(entity|parent)$|^\\$entity\\.[A-Za-z][A-Za-z0-9]*$',
        },
      },
    },
  },
  successState: true,

  execute(ctx) {
    const missing = ctx.needEntity();
    if (missing) return missing;
    for (const [name, source] of Object.entries(ctx.rule.output ?? {})) {
      const m = ctx.outMembers.get(name);
      const from = parseValue(source).kind === 'parent' ? ctx.store.parentOf(ctx.rec!) : ctx.rec;
      if (!m || !from) continue;
      const field = entityField(source);
      const x = project(
        field === undefined ? from.fields : from.fields[field],
        m,
        projectionContext(ctx.set),
      );
      if (x !== undefined) ctx.output[name] = x;
    }
    return undefined;
  },

  serverChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    const api = op.api;
    // Both read checks: a fresh provider state, the call, and its successful output.
    const readFresh = async (s: Session, coverKey: string) => {
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
    ctx.add(`rule.${rule.id}`, ctx.sev, async (s) => {
      const { ids, ex, output } = await readFresh(s, `rule:${rule.id}`);
      for (const [key, what] of fieldOutputs(rule.output))
        if (output[key] === undefined)
          throw new CheckFailure(
            `${op.operation} must return ${key} (the ${entity}'s ${entityField(what)}), but it is missing.`,
            ex,
          );
      for (const t of targets(ctx, ids)) {
        const value = output[t.key] as Record<string, unknown> | undefined;
        if (!value || typeof value !== 'object')
          throw new CheckFailure(
            `${op.operation} must return ${t.key} (the ${t.role}), but it is missing.`,
            ex,
          );
        if (t.idName && t.idWant !== undefined && String(value[t.idName]) !== t.idWant)
          throw new CheckFailure(
            `${op.operation} must return the ${t.role} ${t.idWant} as ${t.key}, but ${t.key}.${t.idName} is ${JSON.stringify(value[t.idName])}.`,
            ex,
          );
        const shape = outputMembers(set, op).find((m) => m.name === t.key);
        for (const [field, want] of Object.entries(t.fixed)) {
          const m = shape?.members?.find((x) => x.name === field);
          if (!m || !['string', 'integer', 'long', 'boolean'].includes(m.type)) continue;
          if (value[field] === undefined || String(value[field]) !== String(want))
            throw new CheckFailure(
              `${op.operation} must return the ${t.role} as the provider state made it: ${t.key}.${field} should be ${JSON.stringify(want)}, but it is ${JSON.stringify(value[field])}.`,
              ex,
            );
        }
      }
    });
    ctx.add(`rule.${rule.id}.as-created`, ctx.sev, async (s) => {
      const { ids, ex, output } = await readFresh(s, `rule:${rule.id}:as-created`);
      for (const t of targets(ctx, ids)) {
        const value = output[t.key];
        const shape = outputMembers(set, op).find((m) => m.name === t.key);
        if (!t.name || !value || typeof value !== 'object' || !shape?.members) continue;
        expectAsCreated(
          value as Record<string, unknown>,
          shape.members,
          createdFacts(set, t.name, rule.given, ids),
          `${op.operation} (${t.key}, the ${t.role})`,
          ex,
        );
      }
    });
  },

  clientChecks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.given || !rule.output) return [];
    const given = rule.given;
    return [
      {
        ...head(set, op, rule, ctx.sev),
        summary: `Through the client, ${op.operation} of the ${entity} of provider state ${given} hands back ${Object.keys(rule.output).join(', ')} with the ids of the state${rule.observe ? ` and ${show(rule.observe)}` : ''}.`,
        run: (env) =>
          runCases(caseCount(env, 1), async (i, log) => {
            const ids = await createState(env, given, log);
            const input = sample(validInput(set, op, { ids, requiredOnly: true }), env.seed + i);
            const r = await callClient(env, op.operation, input, log);
            if ('error' in r)
              throw new E2eFailure(
                `${op.operation} of the ${entity} of provider state ${given} must succeed, but the client surfaced ${show(r.error)}`,
              );
            for (const [key] of fieldOutputs(rule.output))
              if (r.output[key] === undefined) throw new E2eFailure(`the client hands back no ${key}`);
            for (const t of targets(ctx, ids)) {
              const value = r.output[t.key] as Record<string, unknown> | undefined;
              if (!value || typeof value !== 'object')
                throw new E2eFailure(`the client hands back no ${t.key} (the ${t.role})`);
              if (t.idName && t.idWant !== undefined && String(value[t.idName]) !== t.idWant)
                throw new E2eFailure(
                  `${t.key}.${t.idName} must be ${t.idWant}, but the client hands back ${show(value[t.idName])}`,
                );
              for (const [k, want] of Object.entries(t.fixed))
                if (String(value[k]) !== String(want))
                  throw new E2eFailure(
                    `${t.key}.${k} must be ${show(want)}, but the client hands back ${show(value[k])}`,
                  );
            }
          }),
      },
    ];
  },
};
