// The help rule kind (legacy Help): the call describes the operations or response groups its
// input names. `about` is the input list of names, `type` the input member saying what they name
// (absent: `default`), `operations` and `groups` give the value of `type` for each
// (`value`) and the output list that holds one item per name it describes (`show`), and `name`
// is the item member that repeats the name. The emulator builds
// the items from the specs (an operation's summary and members, the protocol's ResponseGroup
// values) and leaves out a name it does not know. Checks:
//   rule.<id>   each value of `type` about a name the specs know (this operation, the first
//               ResponseGroup value) answers an item of its `show` list with that name (the rule's
//               basis); e2e.<id> the same through a client.
import { type RuleCheck, ruleCheck } from '../checks/target.ts';
import { requiredInput } from '../client-checks/e2e-support.ts';
import { inputMembers, parameterByRole } from '../spec/resolve.ts';
import type { OperationSpec, SpecSet } from '../spec/types.ts';
import type { RuleContext, RuleKindModule } from './types.ts';

interface HelpRule {
  about: string;
  type: string;
  default: string;
  name: string;
  operations: { value: string; show: string };
  groups: { value: string; show: string };
}

/** The output list per value of the type member. */
function shows(h: HelpRule): Record<string, string> {
  return { [h.operations.value]: h.operations.show, [h.groups.value]: h.groups.show };
}

function helpOf(rule: { help?: unknown }): HelpRule | undefined {
  return rule.help as HelpRule | undefined;
}

/** The ResponseGroup values the protocol lists. */
function responseGroups(set: SpecSet, op: OperationSpec): string[] {
  const p = set.apis[op.api].protocol;
  if (!p.commonParameters) return [];
  return parameterByRole(p, 'responseGroup').spec.values ?? [];
}

/** What the specs say about one name, as the output item of the list that describes it. */
function describe(set: SpecSet, op: OperationSpec, h: HelpRule, kind: string, about: string) {
  const groups = responseGroups(set, op);
  const ops = set.apis[op.api].operations;
  if (kind === h.operations.value) {
    const target = ops.get(about);
    if (!target) return undefined;
    const members = inputMembers(set, target);
    const required = members.filter((m) => m.required).map((m) => m.name);
    return {
      [h.name]: about,
      Description: target.summary,
      ...(required.length ? { RequiredParameters: { Parameter: required } } : {}),
      ...(members.length ? { AvailableParameters: { Parameter: members.map((m) => m.name) } } : {}),
      ...(groups.length
        ? {
            DefaultResponseGroups: { ResponseGroup: groups.slice(0, 1) },
            AvailableResponseGroups: { ResponseGroup: groups },
          }
        : {}),
    };
  }
  if (!groups.includes(about)) return undefined;
  return { [h.name]: about, ValidOperations: { Operation: [...ops.keys()] } };
}

function helpChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const h = helpOf(rule);
  if (!h) return [];
  return [
    ruleCheck({
      audiences: ['server', 'client-e2e'],
      severity: ctx.sev,
      summary: `${op.operation} about ${op.operation} (and about a response group) describes it in ${h.operations.show} (${h.groups.show}).`,
      arb: requiredInput(set, op),
      cases: { server: 1, client: 1 },
      shrinkBudget: 3,
      async run(t, extra) {
        t.cover(`rule:${rule.id}`);
        const examples: Record<string, string | undefined> = {};
        examples[h.operations.value] = op.operation;
        examples[h.groups.value] = responseGroups(set, op)[0];
        for (const [kind, about] of Object.entries(examples)) {
          if (about === undefined) continue;
          const c = await t.call(op, { ...extra, [h.about]: [about], [h.type]: kind }, `${kind} ${about}`);
          const out = t.succeeded(c, op, `${op.operation} about the ${kind} ${about}`);
          const items = out[shows(h)[kind]!];
          const found =
            Array.isArray(items) &&
            items.some((x) => (x as Record<string, unknown> | undefined)?.[h.name] === about);
          if (!found)
            t.fail(
              `${op.operation} about the ${kind} ${about} must describe it in ${shows(h)[kind]} (an item whose ${h.name} is ${about}), but it does not`,
              c.raw,
            );
        }
      },
    }),
  ];
}

const SHOWS = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'show'],
  properties: { value: { type: 'string' }, show: { type: 'string' } },
};

export const help: RuleKindModule = {
  kind: 'help',
  schema: {
    required: ['help'],
    properties: {
      help: {
        type: 'object',
        additionalProperties: false,
        required: ['about', 'type', 'default', 'name', 'operations', 'groups'],
        properties: {
          about: { type: 'string' },
          type: { type: 'string' },
          default: { type: 'string' },
          name: { type: 'string' },
          operations: SHOWS,
          groups: SHOWS,
        },
      },
    },
  },
  validate(ctx) {
    const h = helpOf(ctx.rule);
    if (!h) return [];
    const out = [];
    for (const k of ['about', 'type'] as const)
      if (!(h[k] in ctx.op.input.members))
        out.push(ctx.problem(`/help/${k}`, `${h[k]} is not an input member of ${ctx.op.operation}`));
    for (const k of ['operations', 'groups'] as const)
      if (!(h[k].show in ctx.op.output.members))
        out.push(
          ctx.problem(`/help/${k}/show`, `${h[k].show} is not an output member of ${ctx.op.operation}`),
        );
    if (!(h.default in shows(h)))
      out.push(ctx.problem('/help/default', `${h.default} is neither the operations' nor the groups' value`));
    return out;
  },
  execute(ctx) {
    const h = helpOf(ctx.rule);
    if (!h) return undefined;
    const kind = String(ctx.call.input[h.type] ?? h.default);
    const show = shows(h)[kind];
    if (!show) return undefined;
    const names = ([] as unknown[]).concat(ctx.call.input[h.about] ?? []).map(String);
    ctx.output[show] = names.flatMap((n) => describe(ctx.set, ctx.op, h, kind, n) ?? []);
    return undefined;
  },
  checks: helpChecks,
};
