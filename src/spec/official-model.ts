// Compares the 2017-01-17 operation specs with an official machine model of
// the service: botocore's service-2.json (named shapes, with min/max/pattern/
// enum) or aws-sdk v2's apis/mturk-requester-2017-01-17.min.json (inline or
// anonymised shapes, members and required lists only). Every difference is
// reported; the ones an operation spec declares under officialModel.differences
// carry the declared reason, so a caller can fail on the undeclared ones only.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { resolveMember, resolveMembers } from './resolve.ts';
import type { Constraint, OperationSpec, ResolvedMember, SpecSet } from './types.ts';

/** The API version an official model describes (the only one that has one). */
export const OFFICIAL_MODEL_API = '2017-01-17' as const;

/** A shape or a reference to one, as either model writes it. */
export interface ModelShape {
  shape?: string;
  type?: string;
  required?: string[];
  members?: Record<string, ModelShape>;
  member?: ModelShape;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  [k: string]: unknown;
}

export interface ModelOperation {
  input?: ModelShape;
  output?: ModelShape;
  idempotent?: boolean;
  [k: string]: unknown;
}

export interface ServiceModel {
  metadata?: Record<string, unknown>;
  operations: Record<string, ModelOperation>;
  shapes?: Record<string, ModelShape>;
}

export type DifferenceAspect =
  | 'operation'
  | 'idempotent'
  | 'member'
  | 'required'
  | 'shape'
  | 'type'
  | 'length'
  | 'pattern'
  | 'enum'
  | 'range';

export interface Difference {
  operation: string;
  /** member path: `Member`, `Member.Nested`, `List[].Nested`; '' for the operation itself */
  member: string;
  aspect: DifferenceAspect | 'forbiddenCodePoints';
  /** what the spec says, readable ('absent' when it says nothing) */
  spec: string;
  /** what the model says, readable ('absent' when it says nothing) */
  model: string;
  /** the reason given in the operation's officialModel.differences, when declared */
  declared?: string;
}

export interface CompareOptions {
  /** compare min/max/pattern/enum too (only meaningful for a model that has them: botocore's) */
  constraints: boolean;
}

/**
 * Does the model give shapes their real names (botocore), so that member shape
 * names can be compared? aws-sdk v2's .min.json inlines shapes and names the
 * shared ones S1p, Sz, ..., which mean nothing.
 */
export function hasNamedShapes(model: ServiceModel): boolean {
  const ops = Object.values(model.operations);
  return (
    ops.length > 0 &&
    ops.every((op) => op.input === undefined || (typeof op.input.shape === 'string' && !op.input.members))
  );
}

/** Does the model carry any constraint at all (min, max, pattern, enum)? */
export function hasConstraints(model: ServiceModel): boolean {
  return Object.values(model.shapes ?? {}).some(
    (s) => s.min !== undefined || s.max !== undefined || s.pattern !== undefined || s.enum !== undefined,
  );
}

interface Resolved {
  /** the shape's name when the model names it meaningfully */
  name?: string;
  shape: ModelShape;
}

function resolveRef(model: ServiceModel, ref: ModelShape, named: boolean): Resolved {
  if (typeof ref.shape === 'string') {
    const target = model.shapes?.[ref.shape];
    if (!target) return { shape: { type: 'unknown' } };
    return named ? { name: ref.shape, shape: target } : { shape: target };
  }
  return { shape: ref };
}

/** aws-sdk's .min.json leaves out `type` for strings. */
function typeOf(shape: ModelShape): string {
  return shape.type ?? 'string';
}

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

/** Compare one spec set's 2017-01-17 operations with the model. */
export function compareWithOfficialModel(
  set: SpecSet,
  model: ServiceModel,
  opts: CompareOptions,
): Difference[] {
  const out: Difference[] = [];
  const named = hasNamedShapes(model);
  const api = set.apis[OFFICIAL_MODEL_API];
  for (const op of [...api.operations.values()].sort((a, b) => a.operation.localeCompare(b.operation))) {
    const found: Difference[] = [];
    compareOperation(set, model, op, named, opts, found);
    const declared = op.officialModel?.differences ?? [];
    for (const d of found) {
      const reason = declared.find((x) => x.member === d.member && x.aspect === d.aspect)?.reason;
      out.push(reason === undefined ? d : { ...d, declared: reason });
    }
  }
  return out;
}

/** Declarations that match no difference: stale, they would hide a future one. */
export function unusedDeclarations(
  set: SpecSet,
  differences: Difference[],
  opts: CompareOptions,
): { operation: string; member: string; aspect: string; reason: string }[] {
  const constraintAspects = new Set(['length', 'pattern', 'enum', 'range', 'forbiddenCodePoints']);
  const out: { operation: string; member: string; aspect: string; reason: string }[] = [];
  for (const op of set.apis[OFFICIAL_MODEL_API].operations.values())
    for (const decl of op.officialModel?.differences ?? []) {
      if (!opts.constraints && constraintAspects.has(decl.aspect)) continue; // not compared this time
      const used = differences.some(
        (d) => d.operation === op.operation && d.member === decl.member && d.aspect === decl.aspect,
      );
      if (!used) out.push({ operation: op.operation, ...decl });
    }
  return out;
}

function compareOperation(
  set: SpecSet,
  model: ServiceModel,
  op: OperationSpec,
  named: boolean,
  opts: CompareOptions,
  out: Difference[],
): void {
  const mop = model.operations[op.operation];
  const diff = (member: string, aspect: Difference['aspect'], spec: string, m: string) =>
    out.push({ operation: op.operation, member, aspect, spec, model: m });
  if (!mop) {
    diff('', 'operation', 'present', 'absent');
    return;
  }
  if ((op.idempotent === true) !== (mop.idempotent === true))
    diff('', 'idempotent', show(op.idempotent === true), show(mop.idempotent === true));
  for (const io of ['input', 'output'] as const) {
    const ref = mop[io];
    const mshape = ref ? resolveRef(model, ref, named).shape : { type: 'structure', members: {} };
    const specMembers = resolveMembers(set, op.api, op[io].members);
    compareMembers(model, named, opts, specMembers, mshape, io === 'input' ? '' : 'output:', diff);
  }
}

type DiffFn = (member: string, aspect: Difference['aspect'], spec: string, model: string) => void;

function compareMembers(
  model: ServiceModel,
  named: boolean,
  opts: CompareOptions,
  specMembers: readonly ResolvedMember[],
  mshape: ModelShape,
  prefix: string,
  diff: DiffFn,
): void {
  const mmembers = mshape.members ?? {};
  const required = new Set(mshape.required ?? []);
  for (const sm of specMembers) {
    const path = prefix + sm.name;
    const ref = mmembers[sm.name];
    if (!ref) {
      diff(path, 'member', 'present', 'absent');
      continue;
    }
    if (sm.required !== required.has(sm.name))
      diff(path, 'required', show(sm.required), show(required.has(sm.name)));
    compareShape(model, named, opts, sm, resolveRef(model, ref, named), path, diff);
  }
  const specNames = new Set(specMembers.map((m) => m.name));
  for (const name of Object.keys(mmembers))
    if (!specNames.has(name)) diff(prefix + name, 'member', 'absent', 'present');
}

function compareShape(
  model: ServiceModel,
  named: boolean,
  opts: CompareOptions,
  sm: ResolvedMember,
  m: Resolved,
  path: string,
  diff: DiffFn,
): void {
  if (m.name !== undefined && m.name !== sm.shape) diff(path, 'shape', sm.shape, m.name);
  const mtype = typeOf(m.shape);
  if (mtype !== sm.type) {
    diff(path, 'type', sm.type, mtype);
    return; // nothing below compares meaningfully across types
  }
  if (opts.constraints) compareConstraints(sm, m.shape, path, diff);
  if (sm.type === 'structure')
    compareMembers(model, named, opts, sm.members ?? [], m.shape, `${path}.`, diff);
  if (sm.type === 'list' && sm.item && m.shape.member)
    compareShape(model, named, opts, sm.item, resolveRef(model, m.shape.member, named), `${path}[]`, diff);
}

function compareConstraints(sm: ResolvedMember, mshape: ModelShape, path: string, diff: DiffFn): void {
  const of = <K extends Constraint['kind']>(kind: K) =>
    sm.constraints.filter((c): c is Extract<Constraint, { kind: K }> => c.kind === kind);
  const isString = sm.type === 'string';
  const bounds = (cs: { min?: number; max?: number }[]) =>
    cs.length === 0 ? undefined : { min: cs[0]?.min, max: cs[0]?.max };
  const modelBounds =
    mshape.min === undefined && mshape.max === undefined ? undefined : { min: mshape.min, max: mshape.max };
  const sameBounds = (a?: { min?: number; max?: number }, b?: { min?: number; max?: number }) =>
    a?.min === b?.min && a?.max === b?.max;

  // botocore's min/max on a string is its length in characters; on a number, its range.
  const specLength = bounds(of('length'));
  const specRange = bounds(of('range'));
  if (isString) {
    if (!sameBounds(specLength, modelBounds)) diff(path, 'length', show(specLength), show(modelBounds));
    if (specRange) diff(path, 'range', show(specRange), 'absent');
  } else {
    if (!sameBounds(specRange, modelBounds)) diff(path, 'range', show(specRange), show(modelBounds));
    if (specLength) diff(path, 'length', show(specLength), 'absent');
  }
  if (of('length').length > 1) diff(path, 'length', show(of('length')), show(modelBounds));

  const patterns = of('pattern').map((c) => c.pattern);
  const mpattern = mshape.pattern;
  if (patterns.length > 1 || patterns[0] !== mpattern)
    diff(path, 'pattern', show(patterns[0]), show(mpattern));

  const enums = of('enum').map((c) => [...c.values].sort());
  const menum = mshape.enum ? [...mshape.enum].sort() : undefined;
  if (enums.length > 1 || JSON.stringify(enums[0]) !== JSON.stringify(menum))
    diff(path, 'enum', show(enums[0]), show(menum));

  // The models have no way to say this; a spec that does is always a (declared) difference.
  const forbidden = of('forbiddenCodePoints');
  if (forbidden.length) diff(path, 'forbiddenCodePoints', show(forbidden.map((c) => c.ranges)), 'absent');
}

/** Read a model file (plain or .gz JSON). Throws with a readable message when it is not a service model. */
export function readServiceModel(path: string): ServiceModel {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const doc = JSON.parse(text) as ServiceModel;
  if (!doc || typeof doc !== 'object' || typeof doc.operations !== 'object')
    throw new Error(`${path} is not a service model (no "operations")`);
  return doc;
}

/** Where shared-shape differences are reported (their `operation`). */
export const SHARED_SHAPES_FILE = `shapes/${OFFICIAL_MODEL_API}.json`;

/**
 * The model's named shapes that its operations reach, other than the operations'
 * own input and output structures (an operation spec writes those inline).
 */
export function reachableSharedShapes(model: ServiceModel): Set<string> {
  const shapes = model.shapes ?? {};
  const top = new Set<string>();
  const seen = new Set<string>();
  const visit = (ref: ModelShape | undefined) => {
    if (!ref) return;
    if (typeof ref.shape === 'string') {
      if (seen.has(ref.shape)) return;
      seen.add(ref.shape);
      const target = shapes[ref.shape];
      if (target) walk(target);
    } else walk(ref);
  };
  const walk = (s: ModelShape) => {
    for (const m of Object.values(s.members ?? {})) visit(m);
    visit(s.member);
  };
  for (const op of Object.values(model.operations))
    for (const io of [op.input, op.output]) {
      if (io && typeof io.shape === 'string') top.add(io.shape);
      visit(io);
    }
  return new Set([...seen].filter((n) => !top.has(n)));
}

/**
 * Compare the shared shapes file with the model's shapes of the same names, one
 * level deep (type, constraints, member names, required flags, member shape names;
 * nested shapes are compared under their own names), and report every shape the
 * model's operations reach that the file lacks. So every operation's shapes are
 * checked, specified or not. Only a model with named shapes (botocore) can be
 * compared this way; the file cannot declare differences: a fact the model lacks
 * belongs on the operation member that carries it.
 */
export function compareSharedShapes(set: SpecSet, model: ServiceModel, opts: CompareOptions): Difference[] {
  if (!hasNamedShapes(model)) return [];
  const out: Difference[] = [];
  const diff: DiffFn = (member, aspect, spec, m) =>
    out.push({ operation: SHARED_SHAPES_FILE, member, aspect, spec, model: m });
  const specShapes = set.apis[OFFICIAL_MODEL_API].shapes.shapes;
  const mshapes = model.shapes ?? {};
  for (const name of [...reachableSharedShapes(model)].sort())
    if (!(name in specShapes)) diff(name, 'shape', 'absent', 'present');
  for (const name of Object.keys(specShapes).sort()) {
    const mshape = mshapes[name];
    if (!mshape) {
      diff(name, 'shape', 'present', 'absent');
      continue;
    }
    const sm = resolveMember(set, OFFICIAL_MODEL_API, name, { shape: name });
    const mtype = typeOf(mshape);
    if (mtype !== sm.type) {
      diff(name, 'type', sm.type, mtype);
      continue;
    }
    if (opts.constraints) compareConstraints(sm, mshape, name, diff);
    const own = specShapes[name]!;
    if (sm.type === 'structure') {
      const required = new Set(mshape.required ?? []);
      const mmembers = mshape.members ?? {};
      for (const [mn, ms] of Object.entries(own.members ?? {})) {
        const path = `${name}.${mn}`;
        const ref = mmembers[mn];
        if (!ref) {
          diff(path, 'member', 'present', 'absent');
          continue;
        }
        if ((ms.required === true) !== required.has(mn))
          diff(path, 'required', show(ms.required === true), show(required.has(mn)));
        if (ref.shape !== ms.shape) diff(path, 'shape', ms.shape, show(ref.shape));
        // A member's own constraints narrow its shape's: the model cannot say that.
        if (ms.constraints?.length) diff(path, 'member', 'constraints', 'absent');
      }
      for (const mn of Object.keys(mmembers))
        if (!(mn in (own.members ?? {}))) diff(`${name}.${mn}`, 'member', 'absent', 'present');
    }
    if (sm.type === 'list' && own.member?.shape !== mshape.member?.shape)
      diff(`${name}[]`, 'shape', show(own.member?.shape), show(mshape.member?.shape));
  }
  return out;
}

/** The model's operations that have no spec (yet). */
export function unspecifiedOperations(set: SpecSet, model: ServiceModel): string[] {
  const specified = set.apis[OFFICIAL_MODEL_API].operations;
  return Object.keys(model.operations)
    .filter((op) => !specified.has(op))
    .sort();
}
