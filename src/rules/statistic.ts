// The statistic rule kind (legacy GetRequesterStatistic, GetRequesterWorkerStatistic): the call
// answers a series of data points for the statistic and time period it names. `series` says
// which input members name the statistic (`statistic`), the period (`period`) and the number of
// points (`count`, used with the `daily` period: N daily points ending today), which output list
// holds the points (`points`), the point's date member (`date`) and its value members (`values`:
// a point carries one of them; `long` lists the statistics shown in the first, the others in the
// second), and which input members the answer repeats (`echo`). The facts fix the shape of a
// series, never its values (the service computes them from its history, some once a day), so
// (e2e.<id>… the same through a client):
//   rule.<id>            from `given`, the daily period with a count of 3 gives exactly 3 points,
//                        each with a date and a value (the rule's basis);
//   rule.<id>.aggregate  every other period gives one point (`aggregateBasis`).
// The emulator keeps no history: every point shows what `counts` computes from the store now
// (entities of the caller's in those statuses, of the Worker named by `worker` when given), 0
// for a statistic it cannot compute.
import { sev } from '../checks/plan.ts';
import type { RuleCheck, RuleTarget } from '../checks/target.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { Basis } from '../spec/types.ts';
import { fromStateCheck } from './context.ts';
import type { RuleContext, RuleKindModule } from './types.ts';

export interface Series {
  statistic: string;
  period: string;
  count: string;
  daily: string;
  points: string;
  date: string;
  values: [string, string];
  long: string[];
  echo?: string[];
  worker?: string;
  counts?: Record<string, { entity: string; statuses?: string[] }>;
}

/** How many daily points the checks ask for. */
const DAILY = 3;

function seriesOf(rule: { series?: unknown }): Series | undefined {
  return rule.series as Series | undefined;
}

function pointsOf(out: Record<string, unknown>, s: Series): Record<string, unknown>[] | undefined {
  const v = out[s.points];
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : undefined;
}

/** A point's date as the audience hands it back: a Date (decoded), or a date's text (a client's JSON). */
function isDate(v: unknown): boolean {
  return v instanceof Date || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
}

function statisticChecks(ctx: RuleContext): RuleCheck[] {
  const { set, op, rule } = ctx;
  const s = seriesOf(rule);
  if (!s || !rule.given) return [];
  const given = rule.given;
  const periods = (
    inputMembers(set, op)
      .find((m) => m.name === s.period)
      ?.constraints.find((c) => c.kind === 'enum') as { values: string[] } | undefined
  )?.values ?? [s.daily];
  // the series of one period (count: its number of daily points), each point checked
  const series = async (t: RuleTarget, input: Record<string, unknown>, period: string, count?: number) => {
    const sent = { ...input, [s.period]: period, [s.count]: count };
    if (!count) delete sent[s.count];
    const c = await t.call(op, sent, `${period}${count ? ` × ${count}` : ''}`);
    const out = t.succeeded(c, op, `${op.operation} for ${sent[s.statistic]} over ${period}`);
    const points = pointsOf(out, s) ?? [];
    for (const [i, p] of points.entries()) {
      if (!isDate(p?.[s.date]))
        t.fail(`${s.points} ${i + 1} must carry its ${s.date}, but it does not`, c.raw);
      if (s.values.every((v) => p[v] === undefined))
        t.fail(
          `${s.points} ${i + 1} must carry a value (${s.values.join(' or ')}), but it has neither`,
          c.raw,
        );
    }
    return { points, raw: c.raw };
  };
  const daily = fromStateCheck(
    ctx,
    given,
    `${op.operation} over ${s.daily} with ${s.count}=${DAILY} answers ${DAILY} ${s.points} items, each with a ${s.date} and a value.`,
    async (t, input) => {
      const { points, raw } = await series(t, input, s.daily, DAILY);
      if (points.length !== DAILY)
        t.fail(
          `${op.operation} over ${s.daily} with ${s.count}=${DAILY} must answer ${DAILY} ${s.points} items (one a day, ending today), but it answered ${points.length}`,
          raw,
        );
    },
  );
  const aggregateBasis = rule.aggregateBasis as Basis | undefined;
  if (!aggregateBasis) return [daily];
  const aggregate = fromStateCheck(
    ctx,
    given,
    `${op.operation} over any period but ${s.daily} answers one ${s.points} (the aggregate).`,
    async (t, input) => {
      t.cover(`rule:${rule.id}:aggregate`);
      for (const period of periods.filter((p) => p !== s.daily)) {
        const { points, raw } = await series(t, input, period);
        if (points.length !== 1)
          t.fail(
            `${op.operation} over ${period} must answer one ${s.points} (the aggregate, dated today), but it answered ${points.length}`,
            raw,
          );
      }
    },
  );
  return [daily, { ...aggregate, severity: sev(rule.basis, aggregateBasis), suffix: '.aggregate' }];
}

const DAY = 86_400_000;
const MAX_DAYS = 366;

export const statistic: RuleKindModule = {
  kind: 'statistic',
  schema: {
    required: ['series', 'given'],
    properties: {
      series: {
        type: 'object',
        additionalProperties: false,
        required: ['statistic', 'period', 'count', 'daily', 'points', 'date', 'values', 'long'],
        properties: {
          statistic: { type: 'string' },
          period: { type: 'string' },
          count: { type: 'string' },
          daily: { type: 'string' },
          points: { type: 'string' },
          date: { type: 'string' },
          values: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
          long: { type: 'array', items: { type: 'string' } },
          echo: { type: 'array', items: { type: 'string' } },
          worker: { type: 'string' },
          counts: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['entity'],
              properties: {
                entity: { type: 'string' },
                statuses: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
      aggregateBasis: { $ref: '#/definitions/basis' },
    },
  },
  successState: true,
  validate(ctx) {
    const { op, rule, set } = ctx;
    const s = seriesOf(rule);
    if (!s) return [];
    const out = [];
    const at = (k: string) => `/series/${k}`;
    for (const k of ['statistic', 'period', 'count', 'echo', 'worker'] as const)
      for (const name of ([] as string[]).concat(s[k] ?? []))
        if (!(name in op.input.members))
          out.push(ctx.problem(at(k), `${name} is not an input member of ${op.operation}`));
    if (!(s.points in op.output.members))
      out.push(ctx.problem(at('points'), `${s.points} is not an output member of ${op.operation}`));
    for (const [name, c] of Object.entries(s.counts ?? {})) {
      const ent = set.model.entities[c.entity];
      if (!ent) out.push(ctx.problem(at(`counts/${name}/entity`), `unknown entity ${c.entity}`));
      for (const st of c.statuses ?? [])
        if (ent && !ent.status?.values.includes(st))
          out.push(ctx.problem(at(`counts/${name}/statuses`), `${st} is not a status of ${c.entity}`));
    }
    return out;
  },
  execute(ctx) {
    const { rule, call, store } = ctx;
    const s = seriesOf(rule);
    if (!s) return undefined;
    const name = String(call.input[s.statistic] ?? '');
    const daily = call.input[s.period] === s.daily;
    // no source bounds Count: the emulator keeps at most a year of daily points
    const n = daily ? Math.min(MAX_DAYS, Math.max(1, Number(call.input[s.count] ?? 1))) : 1;
    const c = s.counts?.[name];
    const worker = s.worker ? call.input[s.worker] : undefined;
    const value = c
      ? store
          .list(c.entity)
          .filter(
            (e) =>
              store.ownerOf(e) === call.accessKeyId &&
              (!c.statuses || c.statuses.includes(String(store.statusOf(e)))) &&
              (worker === undefined || e.fields.WorkerId === worker),
          ).length
      : 0;
    const member = s.long.includes(name) ? s.values[0] : s.values[1];
    const today = Date.UTC(ctx.now.getUTCFullYear(), ctx.now.getUTCMonth(), ctx.now.getUTCDate());
    ctx.output[s.points] = Array.from({ length: n }, (_, i) => ({
      [s.date]: new Date(today - (n - 1 - i) * DAY),
      [member]: member === s.values[0] ? value : String(value),
    }));
    for (const e of s.echo ?? []) if (call.input[e] !== undefined) ctx.output[e] = call.input[e];
    return undefined;
  },
  checks: statisticChecks,
};
