// read: a successful call hands back the selected entity (`$entity`) and/or its parent
// (`$parent`) in the output members `output` names, projected onto their shapes.
import { stateStatus, statusField } from '../checks/plan.ts';
import { expectAsCreated } from '../checks/rule-support.ts';
import { show } from '../client-checks/e2e-support.ts';
import { project, projectionContext } from '../emulator/project.ts';
import { apiFieldName, outputMembers } from '../spec/resolve.ts';
import { fromStateCheck, onEntity } from './context.ts';
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
    // the id as the operation's API names it (legacy shows a grant's WorkerId as SubjectId)
    const idName = spec && name ? apiFieldName(set, ctx.op.api, name, spec.id) : undefined;
    return { key, role: what.slice(1), name, idName, idWant, fixed };
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

  execute: onEntity((ctx, rec) => {
    // shown once every rule passed, so an operation that also changes the entity shows it changed
    ctx.commits.push(() => {
      for (const [name, source] of Object.entries(ctx.rule.output ?? {})) {
        const m = ctx.outMembers.get(name);
        const from = parseValue(source).kind === 'parent' ? ctx.store.parentOf(rec) : rec;
        if (!m || !from) continue;
        const field = entityField(source);
        const v = ctx.store.view(from, ctx.op.api);
        const x = project(field === undefined ? v : v[field], m, projectionContext(ctx.set));
        if (x !== undefined) ctx.output[name] = x;
      }
    });
    return undefined;
  }),

  checks(ctx) {
    const { set, op, rule, entity } = ctx;
    if (!rule.given || !rule.output) return [];
    const given = rule.given;
    return [
      fromStateCheck(
        ctx,
        given,
        `${op.operation} of the ${entity} of provider state ${given} hands back ${Object.keys(rule.output).join(', ')} with the ids of the state${rule.observe ? ` and ${show(rule.observe)}` : ''}.`,
        async (t, input, ids) => {
          const c = await t.call(op, input);
          const output = t.succeeded(c, op, `${op.operation} of the ${entity} of provider state ${given}`);
          for (const [key, what] of fieldOutputs(rule.output))
            if (output[key] === undefined)
              t.fail(
                `${op.operation} must return ${key} (the ${entity}'s ${entityField(what)}), but it is missing`,
                c.raw,
              );
          for (const x of targets(ctx, ids)) {
            const value = output[x.key] as Record<string, unknown> | undefined;
            if (!value || typeof value !== 'object')
              return t.fail(`${op.operation} must return ${x.key} (the ${x.role}), but it is missing`, c.raw);
            if (x.idName && x.idWant !== undefined && String(value[x.idName]) !== x.idWant)
              t.fail(
                `${op.operation} must return the ${x.role} ${x.idWant} as ${x.key}, but ${x.key}.${x.idName} is ${show(value[x.idName])}`,
                c.raw,
              );
            const shape = outputMembers(set, op).find((m) => m.name === x.key);
            for (const [field, want] of Object.entries(x.fixed)) {
              const m = shape?.members?.find((y) => y.name === field);
              if (!m || !['string', 'integer', 'long', 'boolean'].includes(m.type)) continue;
              if (value[field] === undefined || String(value[field]) !== String(want))
                t.fail(
                  `${op.operation} must return the ${x.role} as the provider state made it: ${x.key}.${field} should be ${show(want)}, but it is ${show(value[field])}`,
                  c.raw,
                );
            }
          }
        },
      ),
      // the entities it hands back show the ids and timestamps the provider state made them with
      fromStateCheck(
        ctx,
        given,
        `${op.operation} of the ${entity} of provider state ${given} hands back what the state created (its ids, its timestamps in order).`,
        async (t, input, ids) => {
          const c = await t.call(op, input);
          const output = t.succeeded(c, op, `${op.operation} of the ${entity} of provider state ${given}`);
          for (const x of targets(ctx, ids)) {
            const value = output[x.key];
            const shape = outputMembers(set, op).find((m) => m.name === x.key);
            if (!x.name || !value || typeof value !== 'object' || !shape?.members) continue;
            expectAsCreated(
              t,
              value as Record<string, unknown>,
              shape.members,
              createdFacts(set, x.name, given, ids, op.api),
              `${op.operation} (${x.key}, the ${x.role})`,
              c.raw,
            );
          }
        },
        { suffix: '.as-created' },
      ),
    ];
  },
};
