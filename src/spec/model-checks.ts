// Cross-checks of model.json's Worker actions, timers and settle rules: every alias, entity,
// status, count and placeholder they name must exist, so that a typo is a spec error at load
// time rather than a 500 from the provider-states endpoint.
import type { SpecProblem } from './load.ts';
import type { ActionTest, EntitySpec, SpecSet } from './types.ts';

const PLACEHOLDER = /\{([^{}]+)\}/g;

/** `$alias.Field` references inside a value template (`$now+$hit.AssignmentDurationInSeconds`). */
function templateRefs(v: unknown): string[] {
  if (typeof v !== 'string') return [];
  return [...v.matchAll(/\$([A-Za-z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]!);
}

export function checkModelDynamics(set: SpecSet, file: string): SpecProblem[] {
  const out: SpecProblem[] = [];
  const problem = (pointer: string, message: string) => out.push({ file, pointer, message });
  const entities = set.model.entities;
  const statusOk = (entity: string, status: string): boolean =>
    entities[entity]?.status?.values.includes(status) ?? false;
  const needStatuses = (pointer: string, entity: string, statuses: string[] | undefined) => {
    for (const [i, s] of (statuses ?? []).entries())
      if (!statusOk(entity, s)) problem(`${pointer}/${i}`, `${s} is not a status of ${entity}`);
  };

  for (const [name, e] of Object.entries(entities)) {
    const p = `/entities/${name}`;
    for (const [i, s] of (e.status?.invisible ?? []).entries())
      if (!e.status?.values.includes(s))
        problem(`${p}/status/invisible/${i}`, `${s} is not a status of ${name}`);
    if (e.settle) checkSettle(name, e, `${p}/settle`);
  }

  function checkSettle(name: string, e: EntitySpec, p: string) {
    const s = e.settle!;
    if (!e.status) problem(p, `${name} has no status to settle`);
    needStatuses(`${p}/from`, name, s.from);
    for (const [c, count] of Object.entries(s.counts)) {
      if (entities[count.children]?.parent?.entity !== name)
        problem(`${p}/counts/${c}/children`, `${count.children} is not a child entity of ${name}`);
      else needStatuses(`${p}/counts/${c}/statuses`, count.children, count.statuses);
    }
    s.cases.forEach((k, i) => {
      if (!statusOk(name, k.status))
        problem(`${p}/cases/${i}/status`, `${k.status} is not a status of ${name}`);
      (k.when ?? []).forEach((t, j) => {
        if ('count' in t && !(t.count in s.counts))
          problem(`${p}/cases/${i}/when/${j}/count`, `no count ${t.count} in counts`);
      });
    });
  }

  const stateNames = new Set(Object.keys(set.model.states));
  for (const [name, a] of Object.entries(set.model.actions ?? {})) {
    const p = `/actions/${name}`;
    if (stateNames.has(name)) problem(p, `${name} is both a state and an action`);
    const alias = new Map<string, string>();
    const params = new Set(Object.keys(a.params));
    for (const [param, spec] of Object.entries(a.params)) {
      if (spec.entity === undefined) continue;
      const e = entities[spec.entity];
      if (!e) {
        problem(`${p}/params/${param}/entity`, `unknown entity ${spec.entity}`);
        continue;
      }
      if (spec.as) alias.set(spec.as, spec.entity);
      if (spec.parentAs) {
        if (!e.parent) problem(`${p}/params/${param}/parentAs`, `${spec.entity} has no parent`);
        else alias.set(spec.parentAs, e.parent.entity);
      }
    }
    for (const [i, c] of (a.creates ?? []).entries()) {
      const cp = `${p}/creates/${i}`;
      const e = entities[c.entity];
      if (!e) {
        problem(`${cp}/entity`, `unknown entity ${c.entity}`);
        continue;
      }
      if (c.status !== undefined && !statusOk(c.entity, c.status))
        problem(`${cp}/status`, `${c.status} is not a status of ${c.entity}`);
      if (c.parent !== undefined && alias.get(c.parent) !== e.parent?.entity)
        problem(`${cp}/parent`, `${c.parent} is not a ${e.parent?.entity ?? 'parent'} of ${c.entity}`);
      alias.set(c.as, c.entity);
    }
    const needAlias = (pointer: string, a2: string) => {
      if (!alias.has(a2)) problem(pointer, `unknown alias ${a2}`);
    };
    const needTemplate = (pointer: string, v: unknown) => {
      for (const r of templateRefs(v)) if (r !== 'param') needAlias(pointer, r);
      if (typeof v === 'string' && v.startsWith('$param.') && !params.has(v.slice(7)))
        problem(pointer, `unknown param ${v.slice(7)}`);
    };
    const checkTests = (pointer: string, tests: ActionTest[] | undefined) =>
      (tests ?? []).forEach((t, j) => {
        const tp = `${pointer}/${j}`;
        if ('ref' in t) {
          needAlias(`${tp}/ref`, t.ref);
          const ent = alias.get(t.ref);
          if (ent) needStatuses(`${tp}/status`, ent, t.status);
        } else {
          if (!entities[t.exists]) problem(`${tp}/exists`, `unknown entity ${t.exists}`);
          else needStatuses(`${tp}/status`, t.exists, t.status);
          if (t.parent !== undefined) needAlias(`${tp}/parent`, t.parent);
          if (t.sameOwner !== undefined) needAlias(`${tp}/sameOwner`, t.sameOwner);
          for (const [f, v] of Object.entries(t.where ?? {})) {
            const inner = v && typeof v === 'object' ? Object.values(v as object) : [v];
            for (const x of inner) needTemplate(`${tp}/where/${f}`, x);
          }
        }
      });
    (a.refuse ?? []).forEach((r, i) => {
      const rp = `${p}/refuse/${i}`;
      if (!r.if === !r.unless) problem(rp, 'a refusal has exactly one of if and unless');
      checkTests(`${rp}/if`, r.if);
      checkTests(`${rp}/unless`, r.unless);
      for (const m of r.reason.matchAll(PLACEHOLDER)) {
        const [head, field] = m[1]!.split('.');
        if (field === undefined ? !params.has(head!) : !alias.has(head!))
          problem(`${rp}/reason`, `{${m[1]}} is neither a param nor alias.Field`);
      }
    });
    for (const [i, c] of (a.creates ?? []).entries())
      for (const [f, v] of Object.entries(c.fields ?? {})) needTemplate(`${p}/creates/${i}/fields/${f}`, v);
    for (const [i, u] of (a.updates ?? []).entries()) {
      needAlias(`${p}/updates/${i}/ref`, u.ref);
      const ent = alias.get(u.ref);
      if (ent && u.status !== undefined && !statusOk(ent, u.status))
        problem(`${p}/updates/${i}/status`, `${u.status} is not a status of ${ent}`);
      for (const [f, v] of Object.entries(u.fields ?? {})) needTemplate(`${p}/updates/${i}/fields/${f}`, v);
    }
    for (const [i, s] of (a.settle ?? []).entries()) {
      needAlias(`${p}/settle/${i}`, s);
      const ent = alias.get(s);
      if (ent && !entities[ent]?.settle) problem(`${p}/settle/${i}`, `${ent} has no settle rule`);
    }
    for (const [k, ref] of Object.entries(a.returns)) needAlias(`${p}/returns/${k}`, ref.split('.')[0]!);
  }

  for (const [name, t] of Object.entries(set.model.timers ?? {})) {
    const p = `/timers/${name}`;
    const e = entities[t.entity];
    if (!e) {
      problem(`${p}/entity`, `unknown entity ${t.entity}`);
      continue;
    }
    needStatuses(`${p}/status`, t.entity, t.status);
    const setStatus = t.set?.$status;
    if (typeof setStatus === 'string' && !statusOk(t.entity, setStatus))
      problem(`${p}/set/$status`, `${setStatus} is not a status of ${t.entity}`);
    for (const s of t.settle ?? []) {
      const target = s === 'self' ? t.entity : e.parent?.entity;
      if (!target || !entities[target]?.settle)
        problem(`${p}/settle`, `${target ?? 'the parent'} has no settle rule`);
    }
    if (t.charge) {
      const { api, operation, rule } = t.charge;
      const op = set.apis[api]?.operations.get(operation);
      const r = op?.behaviour.rules.find((x) => x.id === rule);
      if (!op) problem(`${p}/charge/operation`, `${api} has no operation ${operation}`);
      else if (r?.kind !== 'charge') problem(`${p}/charge/rule`, `${operation} has no charge rule ${rule}`);
      else if (op.behaviour.entity !== t.entity)
        problem(`${p}/charge`, `${operation} acts on ${op.behaviour.entity}, the timer on ${t.entity}`);
      if (!set.model.account) problem(`${p}/charge`, 'model.json has no account to draw on');
    }
  }
  return out;
}
