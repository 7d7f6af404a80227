// Legacy ResponseGroups (output.responseGroups in a 2014-08-15 operation spec): which groups an
// operation accepts, which it answers with when none is asked for, and which output members each
// group adds. One reading for the loader, the emulator, the mock and the checks.
import type { SpecProblem } from './load.ts';
import type { Api, MemberSpec, OperationSpec, ShapeSpec, ShapesFile, SpecSet } from './types.ts';

/** The common parameter with the responseGroup role, when the API has one (2014-08-15). */
export function responseGroupParameter(
  set: SpecSet,
  api: Api,
): { name: string; values: string[]; unlisted?: { error: string } } | undefined {
  for (const [name, spec] of Object.entries(set.apis[api].protocol.commonParameters ?? {}))
    if (spec.role === 'responseGroup')
      return { name, values: spec.values ?? [], ...(spec.unlisted ? { unlisted: spec.unlisted } : {}) };
  return undefined;
}

/** The groups an operation accepts: its own list, else the protocol's (Minimal, Request). */
export function acceptedGroups(set: SpecSet, op: OperationSpec): string[] {
  const own = op.output.responseGroups;
  if (own) return Object.keys(own.groups);
  return responseGroupParameter(set, op.api)?.values ?? [];
}

/** The groups asked for that the operation does not accept. */
export function unknownGroups(set: SpecSet, op: OperationSpec, asked: readonly string[]): string[] {
  if (!responseGroupParameter(set, op.api)) return [];
  const ok = new Set(acceptedGroups(set, op));
  return asked.filter((g) => !ok.has(g));
}

/** The protocol's echo group (`Request`): it adds the echoed request, never members. */
export function echoGroup(set: SpecSet, api: Api): string | undefined {
  return set.apis[api].protocol.success.echo?.responseGroup;
}

/** The groups an answer is made for: the ones asked for, or the operation's default. */
export function effectiveGroups(op: OperationSpec, asked: readonly string[]): string[] {
  return asked.length ? [...asked] : [...(op.output.responseGroups?.default ?? [])];
}

/** Every group that adds members (no echo): asking for all of them shows every member. */
export function everyGroup(set: SpecSet, op: OperationSpec): string[] | undefined {
  const own = op.output.responseGroups;
  if (!own) return undefined;
  const echo = echoGroup(set, op.api);
  return Object.keys(own.groups).filter((g) => g !== echo);
}

/** Each member path a group adds → the groups that add it. */
export function governedPaths(op: OperationSpec): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [g, spec] of Object.entries(op.output.responseGroups?.groups ?? {}))
    for (const path of spec.adds ?? []) out.set(path, [...(out.get(path) ?? []), g]);
  return out;
}

/** The member paths left out of an answer for these groups (no group among them adds them). */
export function leftOutPaths(op: OperationSpec, groups: readonly string[]): string[] {
  const asked = new Set(groups);
  return [...governedPaths(op)].filter(([, gs]) => !gs.some((g) => asked.has(g))).map(([p]) => p);
}

/** `HIT[].Title` → [{name: 'HIT', list: true}, {name: 'Title', list: false}]. */
export function pathSteps(path: string): { name: string; list: boolean }[] {
  return path
    .split('.')
    .map((s) => (s.endsWith('[]') ? { name: s.slice(0, -2), list: true } : { name: s, list: false }));
}

/** A copy of `value` without the member at `steps` (list steps: in every item). */
function without(value: unknown, steps: { name: string; list: boolean }[]): unknown {
  if (
    !steps.length ||
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    value instanceof Date
  )
    return value;
  const [head, ...rest] = steps as [{ name: string; list: boolean }, ...{ name: string; list: boolean }[]];
  const obj = value as Record<string, unknown>;
  if (!Object.hasOwn(obj, head.name)) return value;
  const copy = { ...obj };
  if (!rest.length) {
    delete copy[head.name];
    return copy;
  }
  const inner = copy[head.name];
  copy[head.name] =
    head.list && Array.isArray(inner) ? inner.map((x) => without(x, rest)) : without(inner, rest);
  return copy;
}

/** The output as an answer for `asked` shows it: members no effective group adds are left out. */
export function projectGroups(
  op: OperationSpec,
  output: Record<string, unknown>,
  asked: readonly string[],
): Record<string, unknown> {
  if (!op.output.responseGroups) return output;
  let out: unknown = output;
  for (const steps of leftOutSteps(op, asked)) out = without(out, steps);
  return out as Record<string, unknown>;
}

// The paths left out per operation and groups asked (the specs are read-only once loaded): an
// answer works them out on every call otherwise. Bounded per operation: the groups are the caller's.
const leftOutCache = new WeakMap<OperationSpec, Map<string, { name: string; list: boolean }[][]>>();

function leftOutSteps(op: OperationSpec, asked: readonly string[]): { name: string; list: boolean }[][] {
  let perOp = leftOutCache.get(op);
  if (!perOp) {
    perOp = new Map();
    leftOutCache.set(op, perOp);
  }
  const key = asked.join('\u0000');
  let hit = perOp.get(key);
  if (!hit) {
    hit = leftOutPaths(op, effectiveGroups(op, asked)).map(pathSteps);
    if (perOp.size >= 64) perOp.clear();
    perOp.set(key, hit);
  }
  return hit;
}

/** The values at a path of an output (one per list item on the way); `undefined` where absent. */
export function valuesAt(output: unknown, path: string): unknown[] {
  let cur: unknown[] = [output];
  for (const step of pathSteps(path)) {
    const next: unknown[] = [];
    for (const v of cur) {
      const x =
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? (v as Record<string, unknown>)[step.name]
          : undefined;
      if (step.list && Array.isArray(x)) next.push(...x);
      else next.push(x);
    }
    cur = next;
  }
  return cur;
}

/** Loader cross-checks of output.responseGroups (specs/README.md). */
export function checkResponseGroups(set: SpecSet, op: OperationSpec, file: string): SpecProblem[] {
  const rg = op.output.responseGroups;
  if (!rg) return [];
  const out: SpecProblem[] = [];
  const at = (pointer: string, message: string) =>
    out.push({ file, pointer: `/output/responseGroups${pointer}`, message });
  const param = responseGroupParameter(set, op.api);
  if (!param) {
    at(
      '',
      `output.responseGroups is for an API with a ResponseGroup parameter (2014-08-15); ${op.api} has none`,
    );
    return out;
  }
  rg.default.forEach((g, i) => {
    if (!(g in rg.groups)) at(`/default/${i}`, `${g} is not one of the operation's groups`);
  });
  for (const v of param.values)
    if (!(v in rg.groups))
      at('/groups', `every operation accepts ${v} (protocol commonParameters.${param.name}.values); list it`);
  const echo = echoGroup(set, op.api);
  if (echo && rg.groups[echo]?.adds)
    at(`/groups/${echo}/adds`, `${echo} is the protocol's echo of the request; it adds no members`);
  const shapes = set.apis[op.api].shapes;
  for (const [g, spec] of Object.entries(rg.groups))
    if (spec.given !== undefined && !(spec.given in set.model.states))
      at(`/groups/${g}/given`, `unknown provider state ${spec.given} (see model.json)`);
  for (const [g, spec] of Object.entries(rg.groups))
    (spec.adds ?? []).forEach((path, i) => {
      const problem = pathProblem(shapes, op.output.members, path);
      if (problem) at(`/groups/${g}/adds/${i}`, problem);
    });
  return out;
}

/** Why a member path does not name a member of the output, or undefined when it does. */
function pathProblem(
  shapes: ShapesFile,
  members: Record<string, MemberSpec>,
  path: string,
): string | undefined {
  let here: Record<string, MemberSpec> | undefined = members;
  let where = 'the output';
  for (const step of pathSteps(path)) {
    const m: MemberSpec | undefined = here?.[step.name];
    if (!m) return `${path}: ${step.name} is not a member of ${where}`;
    let shape: ShapeSpec | undefined = shapes.shapes[m.shape];
    if (step.list) {
      if (shape?.type !== 'list') return `${path}: ${step.name} is not a list (shape ${m.shape})`;
      shape = shape.member ? shapes.shapes[shape.member.shape] : undefined;
    }
    here = shape?.members;
    where = step.name;
  }
  return undefined;
}
