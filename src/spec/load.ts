// Loads every file under specs/, validates it against specs/meta-schema.json
// (ajv) and checks the references between files. Problems are reported with
// the file and the JSON pointer of the offending value.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ValidateFunction } from 'ajv';
import { registryVersion, ruleProblems, ruleSchema } from '../rules/index.ts';
import { checkModelDynamics } from './model-checks.ts';
import { constraintKey, templatePlaceholders } from './resolve.ts';
import { checkResponseGroups } from './response-groups.ts';
import {
  APIS,
  type Api,
  type ApiSpecs,
  type Basis,
  type CasesFile,
  type Constraint,
  type ErrorsFile,
  type ModelFile,
  type OperationSpec,
  PARAMETER_ROLES,
  type ProtocolFile,
  type ShapesFile,
  type SourcesFile,
  type SpecSet,
} from './types.ts';
import { WSDL_API } from './wsdl.ts';

export const DEFAULT_SPECS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../specs');

export interface SpecProblem {
  file: string;
  pointer: string;
  message: string;
}

export class SpecProblems extends Error {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map((p) => `${p.file}#${p.pointer}: ${p.message}`).join('\n'));
    this.name = 'SpecProblems';
  }
}

type Kind = 'sources' | 'shapes' | 'protocol' | 'errors' | 'model' | 'operation' | 'cases';
const KINDS: readonly Kind[] = ['sources', 'shapes', 'protocol', 'errors', 'model', 'operation', 'cases'];
type KindFile = { rel: string; doc: Record<string, unknown> };

/** The .json files below `dir`, depth first, names sorted at each level; `except`: names left out. */
export function listJson(dir: string, except: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJson(full, except));
    else if (name.endsWith('.json') && !except.includes(name)) out.push(full);
  }
  return out;
}

const SPEC_FILES_EXCEPT = ['meta-schema.json'];

let cachedValidators: Map<Kind, ValidateFunction> | undefined;
let cachedMetaPath: string | undefined;

/** An ajv instance holding the meta-schema under the id 'meta' (definitions at 'meta#/definitions/<kind>'). */
export function metaSchemaAjv(metaPath: string = join(DEFAULT_SPECS_DIR, 'meta-schema.json')): Ajv {
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { definitions: Record<string, unknown> };
  // loaded on first use: a tree the build already validated never needs it (see VALIDATED_STAMP)
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, strict: false });
  ajv.addFormat('regex', (s: string) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  });
  // each rule kind adds its own fragment (src/rules/<kind>.ts `schema`)
  const rule = meta.definitions.rule as Record<string, unknown> | undefined;
  if (rule) meta.definitions.rule = ruleSchema(rule);
  ajv.addSchema(meta, 'meta');
  return ajv;
}

function validators(metaPath: string): Map<Kind, ValidateFunction> {
  if (cachedValidators && cachedMetaPath === `${metaPath}#${registryVersion()}`) return cachedValidators;
  const ajv = metaSchemaAjv(metaPath);
  const map = new Map<Kind, ValidateFunction>();
  for (const kind of KINDS) map.set(kind, ajv.getSchema(`meta#/definitions/${kind}`)!);
  cachedValidators = map;
  cachedMetaPath = `${metaPath}#${registryVersion()}`;
  return map;
}

const cache = new Map<string, SpecSet>();

/**
 * The digests of spec trees the build validated against their meta-schema (written next to the
 * built loader by `npm run build`; absent when running from the sources). Compiling the
 * meta-schema costs ~0.6 s, most of the emulator's start-up; a tree whose digest is listed skips
 * it. Any edited file changes the digest, so an edited tree is validated as always; the
 * cross-reference checks run every time.
 */
const VALIDATED_STAMP = new URL('./validated-specs.json', import.meta.url);

/** sha256 over the tree's JSON files (meta-schema included): relative path and bytes. */
export function specsDigest(dir: string): string {
  const h = createHash('sha256');
  for (const full of [join(dir, 'meta-schema.json'), ...listJson(dir, SPEC_FILES_EXCEPT)]) {
    h.update(relative(dir, full));
    h.update('\0');
    h.update(readFileSync(full));
    h.update('\0');
  }
  return h.digest('hex');
}

/** Digests of spec trees the runner's process loaded, so validated, for this run (src/runner/run.ts). */
const trusted = new Set<string>();

/** A suite worker trusts the tree its runner validated: the same bytes skip the meta-schema compile. */
export function trustValidatedSpecs(digest: unknown): void {
  if (typeof digest === 'string') trusted.add(digest);
}

/** The digest of a tree this process has loaded, so validated (undefined: not loaded). */
export function loadedSpecsDigest(dir: string = DEFAULT_SPECS_DIR): string | undefined {
  const key = resolve(dir);
  return cache.has(key) ? specsDigest(key) : undefined;
}

function buildValidated(dir: string): boolean {
  if (trusted.size > 0 && trusted.has(specsDigest(dir))) return true;
  try {
    const path = fileURLToPath(VALIDATED_STAMP);
    if (!existsSync(path)) return false;
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as { digests?: unknown; registry?: unknown };
    // a rule kind registered at run time changes the meta-schema: then the stamp says nothing
    if (stamp.registry !== registryVersion()) return false;
    return Array.isArray(stamp.digests) && stamp.digests.includes(specsDigest(dir));
  } catch {
    return false;
  }
}

/** Build step: validates the default specs fully, then records their digest for buildValidated. */
export function writeValidatedStamp(dir: string = DEFAULT_SPECS_DIR): string {
  loadSpecsUncached(dir, { trustBuild: false });
  const path = fileURLToPath(VALIDATED_STAMP);
  writeFileSync(path, `${JSON.stringify({ digests: [specsDigest(dir)], registry: registryVersion() })}\n`);
  return path;
}

/** Load and validate the specs; cached per directory (specs are read-only at run time). */
export function loadSpecs(dir: string = DEFAULT_SPECS_DIR): SpecSet {
  const key = resolve(dir);
  const hit = cache.get(key);
  if (hit) return hit;
  const set = loadSpecsUncached(key);
  cache.set(key, set);
  return set;
}

export function loadSpecsUncached(dir: string, options: { trustBuild?: boolean } = {}): SpecSet {
  const problems: SpecProblem[] = [];
  const files = new Map<object, string>();
  const byKind = {} as Record<Kind, KindFile[]>;
  for (const k of KINDS) byKind[k] = [];
  const problem = (file: string, pointer: string, message: string) => {
    problems.push({ file, pointer, message });
  };
  const vals =
    options.trustBuild !== false && buildValidated(dir)
      ? undefined
      : validators(join(dir, 'meta-schema.json'));
  for (const full of listJson(dir, SPEC_FILES_EXCEPT)) {
    const rel = relative(dir, full);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(full, 'utf8'));
    } catch (e) {
      problem(rel, '', `not valid JSON: ${(e as Error).message}`);
      continue;
    }
    const kind = (doc as { kind?: unknown })?.kind;
    const known = typeof kind === 'string' && KINDS.includes(kind as Kind);
    const validate = known && vals ? vals.get(kind as Kind) : undefined;
    if (!known) {
      problem(rel, '/kind', `unknown or missing kind ${JSON.stringify(kind)}`);
      continue;
    }
    if (validate && !validate(doc)) {
      for (const err of validate.errors ?? []) {
        if (err.keyword === 'if') continue; // the failing 'then' branch is reported on its own
        problem(
          rel,
          err.instancePath || '/',
          `${err.message ?? 'invalid'}${err.params && 'allowedValues' in err.params ? ` (${(err.params.allowedValues as unknown[]).join(', ')})` : ''}${err.params && 'additionalProperty' in err.params ? ` (${String(err.params.additionalProperty)})` : ''}`,
        );
      }
      continue;
    }
    files.set(doc as object, rel);
    byKind[kind as Kind].push({ rel, doc: doc as Record<string, unknown> });
  }
  if (problems.length) throw new SpecProblems(problems);

  const one = <T>(kind: Kind): T => {
    const found = byKind[kind];
    if (found.length !== 1) {
      problem(kind, '', `expected exactly one ${kind} file, found ${found.length}`);
      return {} as T;
    }
    return found[0]!.doc as T;
  };
  const sources = one<SourcesFile>('sources');
  const errors = one<ErrorsFile>('errors');
  const model = one<ModelFile>('model');
  if (problems.length) throw new SpecProblems(problems);

  const apis = {} as Record<Api, ApiSpecs>;
  for (const api of APIS) {
    const protocol = byKind.protocol.find((f) => f.doc.api === api)?.doc as ProtocolFile | undefined;
    const shapes = byKind.shapes.find((f) => f.doc.api === api)?.doc as ShapesFile | undefined;
    if (!protocol) problem(`protocols/${api}.json`, '', 'missing protocol file');
    if (!shapes) problem(`shapes/${api}.json`, '', 'missing shapes file');
    const operations = new Map<string, OperationSpec>();
    for (const f of byKind.operation) {
      const op = f.doc as unknown as OperationSpec;
      if (op.api !== api) continue;
      const expected = join(api, `${op.operation}.json`);
      if (f.rel !== expected) problem(f.rel, '/operation', `file should be named ${expected}`);
      if (operations.has(op.operation)) problem(f.rel, '/operation', `duplicate operation ${op.operation}`);
      operations.set(op.operation, op);
    }
    const casesFiles = byKind.cases.filter((f) => f.doc.api === api);
    for (const f of casesFiles)
      if (f.rel !== join('protocols', `${api}.cases.json`))
        problem(f.rel, '/api', `file should be named protocols/${api}.cases.json`);
    const cases = casesFiles[0]?.doc as CasesFile | undefined;
    apis[api] = { api, protocol: protocol!, shapes: shapes!, operations, ...(cases ? { cases } : {}) };
  }
  if (problems.length) throw new SpecProblems(problems);

  const set: SpecSet = { dir, sources, errors, model, apis, files };
  problems.push(...crossCheck(set), ...checkCases(set), ...checkInputGroups(set));
  if (problems.length) throw new SpecProblems(problems);
  return set;
}

/** References between files: shapes, errors, states, entities, sources. */
function crossCheck(set: SpecSet): SpecProblem[] {
  const out: SpecProblem[] = [];
  const fileOf = (doc: object) => set.files.get(doc) ?? '?';
  const problem = (doc: object, pointer: string, message: string) => {
    out.push({ file: fileOf(doc), pointer, message });
  };

  // Every basis anywhere must name known sources.
  const walkBasis = (doc: object, value: unknown, pointer: string) => {
    if (Array.isArray(value))
      value.forEach((v, i) => {
        walkBasis(doc, v, `${pointer}/${i}`);
      });
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const p = `${pointer}/${escapePointer(k)}`;
        if (/^(basis|[a-z][A-Za-z]*Basis)$/.test(k)) {
          for (const [i, s] of ((v as Basis).sources ?? []).entries())
            if (!(s in set.sources.sources)) problem(doc, `${p}/sources/${i}`, `unknown source ${s}`);
        } else walkBasis(doc, v, p);
      }
    }
  };
  for (const doc of set.files.keys()) if (doc !== set.sources) walkBasis(doc, doc, '');

  // Differences from the WSDL are declared only where the WSDL applies: the legacy API.
  for (const [api, a] of Object.entries(set.apis)) {
    if (api === WSDL_API) continue;
    for (const op of a.operations.values())
      if (op.wsdl) problem(op, '/wsdl', 'wsdl.differences is for 2014-08-15 specs only');
    for (const [name, shape] of Object.entries(a.shapes.shapes))
      if (shape.wsdl)
        problem(
          a.shapes,
          `/shapes/${escapePointer(name)}/wsdl`,
          'wsdl.differences is for 2014-08-15 shapes only',
        );
  }

  // Each error declares the placeholders of its message template: exactly the {name}s it uses.
  for (const [id, e] of Object.entries(set.errors.errors)) {
    const used = templatePlaceholders(e.message);
    const pointer = `/errors/${escapePointer(id)}/placeholders`;
    for (const n of used)
      if (!e.placeholders.includes(n))
        problem(set.errors, pointer, `the message uses {${n}}, which placeholders does not declare`);
    for (const n of e.placeholders)
      if (!used.includes(n))
        problem(set.errors, pointer, `placeholders declares ${n}, which the message does not use`);
  }

  const errorIds = new Set(Object.keys(set.errors.errors));
  const needError = (doc: object, pointer: string, id: string | undefined) => {
    if (id !== undefined && !errorIds.has(id)) problem(doc, pointer, `unknown error ${id} (see errors.json)`);
  };
  const states = set.model.states;
  const needState = (doc: object, pointer: string, name: string | undefined) => {
    if (name !== undefined && !(name in states))
      problem(doc, pointer, `unknown provider state ${name} (see model.json)`);
  };
  const checkConstraints = (
    doc: object,
    pointer: string,
    cs: Constraint[] | undefined,
    inherited: Constraint[] = [],
  ) => {
    // a constraint's checks are named by its kind: two of one kind share them, and so their
    // severity, which is wrong when one is inferred and the other is not (they need ids)
    const inf = (c: Constraint) => c.basis.tag === 'INF';
    const seen = new Map(inherited.map((c) => [constraintKey('', c), c]));
    (cs ?? []).forEach((c, i) => {
      const p = `${pointer}/constraints/${i}`;
      const key = constraintKey('', c);
      const other = seen.get(key);
      if (other && inf(other) !== inf(c))
        problem(
          doc,
          p,
          `a second ${c.kind} constraint of the member, one inferred and one not, needs an id (both would be checked as invalid${key}, at one severity)`,
        );
      seen.set(key, c);
      needError(doc, `${p}/error`, c.error);
      if (
        (c.kind === 'length' || c.kind === 'range') &&
        c.min !== undefined &&
        c.max !== undefined &&
        c.min > c.max
      )
        problem(doc, p, 'min is greater than max');
      if (c.kind === 'forbiddenCodePoints')
        c.ranges.forEach(([lo, hi], j) => {
          if (lo > hi) problem(doc, `${p}/ranges/${j}`, 'range start after end');
        });
    });
  };

  for (const api of APIS) {
    const { protocol, shapes, operations } = set.apis[api];
    needError(protocol, '/validation/missing', protocol.validation.missing);
    needError(protocol, '/validation/invalid', protocol.validation.invalid);
    for (const [k, id] of Object.entries(protocol.protocolErrors))
      needError(protocol, `/protocolErrors/${k}`, id);
    for (const [k, p] of Object.entries(protocol.commonParameters ?? {})) {
      for (const [v, id] of Object.entries(p.refuse ?? {}))
        needError(protocol, `/commonParameters/${k}/refuse/${v}`, id);
      needError(protocol, `/commonParameters/${k}/unlisted/error`, p.unlisted?.error);
    }
    out.push(...checkRoles(protocol, fileOf(protocol)));
    out.push(...checkSoap(protocol, fileOf(protocol)));

    const needShape = (doc: object, pointer: string, name: string) => {
      if (!(name in shapes.shapes)) problem(doc, pointer, `unknown shape ${name} in shapes/${api}.json`);
    };
    for (const [name, shape] of Object.entries(shapes.shapes)) {
      const base = `/shapes/${name}`;
      checkConstraints(shapes, base, shape.constraints);
      for (const [m, ms] of Object.entries(shape.members ?? {})) {
        needShape(shapes, `${base}/members/${m}/shape`, ms.shape);
        checkConstraints(
          shapes,
          `${base}/members/${m}`,
          ms.constraints,
          shapes.shapes[ms.shape]?.constraints,
        );
      }
      if (shape.member) needShape(shapes, `${base}/member/shape`, shape.member.shape);
      if (shape.money) {
        for (const k of ['amount', 'currencyCode'] as const) {
          const m = shape.members?.[shape.money[k]];
          if (!m) problem(shapes, `${base}/money/${k}`, `${shape.money[k]} is not a member of ${name}`);
          else if (shapes.shapes[m.shape] && shapes.shapes[m.shape]!.type !== 'string')
            problem(
              shapes,
              `${base}/money/${k}`,
              `${shape.money[k]} must be a string member to hold the ${k}`,
            );
        }
        if (!set.model.money)
          problem(
            shapes,
            `${base}/money`,
            `${name} shows money, but model.json has no money.currencyCode to show with it`,
          );
      }
    }

    for (const op of operations.values()) {
      for (const io of ['input', 'output'] as const)
        for (const [m, ms] of Object.entries(op[io].members)) {
          needShape(op, `/${io}/members/${m}/shape`, ms.shape);
          checkConstraints(op, `/${io}/members/${m}`, ms.constraints, shapes.shapes[ms.shape]?.constraints);
        }
      // a result placement is a legacy envelope fact; `member` must be a structure the result element can be
      const placement = op.output.result;
      if (placement && api !== '2014-08-15')
        problem(
          op,
          '/output/result',
          'output.result is for 2014-08-15 answers (their result element); this API has none',
        );
      if (placement?.member !== undefined) {
        const ms = op.output.members[placement.member];
        if (!ms) problem(op, '/output/result/member', `${placement.member} is not an output member`);
        else if (shapes.shapes[ms.shape] && shapes.shapes[ms.shape]!.type !== 'structure')
          problem(
            op,
            '/output/result/member',
            `${placement.member} must be a structure to be the result element (shape ${ms.shape} is a ${shapes.shapes[ms.shape]!.type})`,
          );
      }
      out.push(...checkResponseGroups(set, op, fileOf(op)));
      const entity = set.model.entities[op.behaviour.entity];
      if (!entity) {
        problem(op, '/behaviour/entity', `unknown entity ${op.behaviour.entity}`);
        continue;
      }
      if (op.behaviour.select && !(op.behaviour.select in op.input.members))
        problem(op, '/behaviour/select', `${op.behaviour.select} is not an input member`);
      const also = Array.isArray(op.equivalent?.also)
        ? (op.equivalent.also as Record<string, unknown>[])
        : [];
      also.forEach((more, j) => {
        for (const [other, name] of Object.entries(more)) {
          if (other === 'input' || other === 'ownInput') continue;
          if (!set.apis[other as Api]?.operations.has(String(name)))
            problem(op, `/equivalent/also/${j}/${other}`, `no spec for ${other} ${String(name)}`);
        }
      });
      // the across stories' input names members of this operation, at every depth
      const across = op.equivalent?.across as Record<string, Record<string, unknown>> | undefined;
      for (const which of ['input', 'lacking'])
        for (const path of strayMembers(set, api, op.input.members, across?.[which] ?? {}, ''))
          problem(op, `/equivalent/across/${which}${path}`, `not a member of ${op.operation}'s input`);
      for (const [other, name] of Object.entries(op.equivalent ?? {})) {
        if (other === 'input' || other === 'also' || other === 'basis' || other === 'across') continue;
        if (!set.apis[other as Api]?.operations.has(String(name)))
          problem(op, `/equivalent/${other}`, `no spec for ${other} ${String(name)}`);
      }
      op.behaviour.rules.forEach((r, i) => {
        const p = `/behaviour/rules/${i}`;
        needError(op, `${p}/error`, r.error);
        for (const [j, e] of (r.acceptErrors ?? []).entries()) needError(op, `${p}/acceptErrors/${j}`, e);
        needState(op, `${p}/given`, r.given);
        for (const [j, s] of (r.violatedBy ?? []).entries()) needState(op, `${p}/violatedBy/${j}`, s);
        for (const [j, w] of (r.allowedWhen ?? []).entries())
          needState(op, `${p}/allowedWhen/${j}/given`, w.given);
        // (that it makes several listed entities is the list kind's check)
        needState(op, `${p}/pagination/given`, r.pagination?.given);
        out.push(
          ...ruleProblems({
            set,
            op,
            rule: r,
            ent: entity,
            states,
            pointer: p,
            file: fileOf(op),
            problem: (pointer, message) => ({ file: fileOf(op), pointer: `${p}${pointer}`, message }),
            fieldKnown: (field) => fieldKnown(set, api, op.behaviour.entity, field),
            fieldKnownOf: (entityName, field) => fieldKnown(set, api, entityName, field),
          }),
        );
      });
    }
  }
  for (const [name, e] of Object.entries(set.model.entities)) {
    if (e.parent && !(e.parent.entity in set.model.entities))
      problem(set.model, `/entities/${name}/parent`, `unknown entity ${e.parent.entity}`);
    for (const [api, o] of Object.entries(e.observe ?? {}))
      if (o && !set.apis[api as Api].operations.has(o.operation))
        problem(set.model, `/entities/${name}/observe/${api}`, `no spec for ${o.operation}`);
    // a renamed field must be one the entity has: its id, parent link, status, a default field or
    // one an API shows or writes (under the name that API gives it)
    const own = new Set([e.id, e.parent?.via, e.status?.field, ...Object.keys(e.fields)]);
    for (const [api, n] of Object.entries(e.names ?? {}))
      for (const field of Object.keys(n?.fields ?? {}))
        if (!own.has(field) && !APIS.some((a) => fieldKnown(set, a, name, field)))
          problem(
            set.model,
            `/entities/${name}/names/${api}/fields/${field}`,
            `${field} is not a field of ${name}`,
          );
    out.push(...memberNameProblems(set, name));
  }
  for (const [name, s] of Object.entries(states))
    s.creates.forEach((c, i) => {
      const e = set.model.entities[c.entity];
      if (!e) problem(set.model, `/states/${name}/creates/${i}`, `unknown entity ${c.entity}`);
      else if (c.status !== undefined && !e.status?.values.includes(c.status))
        problem(
          set.model,
          `/states/${name}/creates/${i}/status`,
          `${c.status} is not a status of ${c.entity}`,
        );
    });
  out.push(...checkModelDynamics(set, fileOf(set.model)));
  return out;
}

/**
 * Exclusive groups: members of the operation's input, optional, each in one group only. Rules'
 * `when` and `requiredWithout` groups name optional input members of their operation too.
 */
function checkInputGroups(set: SpecSet): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const api of APIS)
    for (const op of set.apis[api].operations.values()) {
      const file = set.files.get(op) ?? `${api}/${op.operation}.json`;
      const problem = (pointer: string, message: string) => {
        out.push({ file, pointer, message });
      };
      const optional = (m: string, pointer: string, required = 'a call always gives it') => {
        const ms = op.input.members[m];
        if (!ms) problem(pointer, `${m} is not an input member`);
        else if (ms.required) problem(pointer, `${m} is required, so ${required}`);
      };
      const seen = new Set<string>();
      (op.input.exclusive ?? []).forEach((g, i) => {
        const at = `/input/exclusive/${i}`;
        if (g.error !== undefined && !(g.error in set.errors.errors))
          problem(`${at}/error`, `unknown error ${g.error} (see errors.json)`);
        g.members.forEach((m, j) => {
          optional(m, `${at}/members/${j}`, 'it cannot exclude another member');
          if (seen.has(m)) problem(`${at}/members/${j}`, `${m} is in another group already`);
          seen.add(m);
        });
      });
      op.behaviour.rules.forEach((r, i) => {
        for (const side of ['present', 'absent'] as const)
          (r.when?.[side] ?? []).forEach((m, j) => {
            optional(m, `/behaviour/rules/${i}/when/${side}/${j}`);
          });
      });
      (op.input.requiredWithout ?? []).forEach((g, i) => {
        optional(g.member, `/input/requiredWithout/${i}/member`);
        g.members.forEach((m, j) => {
          optional(m, `/input/requiredWithout/${i}/members/${j}`);
          if (m === g.member) problem(`/input/requiredWithout/${i}/members/${j}`, `${m} cannot need itself`);
        });
      });
    }
  return out;
}

/** Golden wire cases: unique ids, a known operation (or members of their own), known members and shapes. */
function checkCases(set: SpecSet): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const api of APIS) {
    const { cases, operations, shapes } = set.apis[api];
    if (!cases) continue;
    const file = set.files.get(cases) ?? `protocols/${api}.cases.json`;
    const problem = (pointer: string, message: string) => {
      out.push({ file, pointer, message });
    };
    const seen = new Set<string>();
    cases.cases.forEach((c, i) => {
      const at = `/cases/${i}`;
      if (seen.has(c.id)) problem(`${at}/id`, `duplicate case id ${c.id}`);
      seen.add(c.id);
      const op = operations.get(c.operation);
      const side = c.type === 'request' ? 'input' : 'output';
      if (!op && !c.members)
        problem(
          `${at}/operation`,
          `unknown operation ${c.operation} (name one in ${api}/, or declare the case's members)`,
        );
      const members = c.members ?? op?.[side].members ?? {};
      for (const [m, ms] of Object.entries(c.members ?? {}))
        if (!(ms.shape in shapes.shapes))
          problem(`${at}/members/${escapePointer(m)}/shape`, `unknown shape ${ms.shape}`);
      const values = c.type === 'request' ? c.input : c.output;
      for (const m of Object.keys(values ?? {}))
        if (!(m in members))
          problem(`${at}/${side}/${escapePointer(m)}`, `${m} is not an ${side} member of ${c.operation}`);
      if (c.params && set.apis[api].protocol.protocol !== 'mturkRestXml')
        problem(`${at}/params`, 'params are for the legacy REST protocol');
    });
  }
  return out;
}

/**
 * Common parameters are found by role: a protocol that has common parameters gives each role
 * to exactly one of them (a missing role would leave the codec without the parameter).
 */
function checkRoles(protocol: ProtocolFile, file: string): SpecProblem[] {
  const params = protocol.commonParameters;
  if (!params) return [];
  const out: SpecProblem[] = [];
  const problem = (pointer: string, message: string) => {
    out.push({ file, pointer, message });
  };
  const holder = new Map<string, string>();
  for (const [name, p] of Object.entries(params)) {
    if (p.role === undefined) continue;
    const first = holder.get(p.role);
    if (first !== undefined)
      problem(
        `/commonParameters/${escapePointer(name)}/role`,
        `role ${p.role} is already held by ${first}: a role names one parameter`,
      );
    else holder.set(p.role, name);
  }
  // A string to sign names `{service}` (the scheme's service) and parameters by their roles.
  for (const [i, scheme] of (protocol.signing.schemes ?? []).entries())
    for (const n of templatePlaceholders(scheme.stringToSign ?? ''))
      if (n !== 'service' && !(PARAMETER_ROLES as readonly string[]).includes(n))
        problem(
          `/signing/schemes/${i}/stringToSign`,
          `{${n}} is neither {service} nor a parameter role (${PARAMETER_ROLES.join(', ')})`,
        );
  for (const role of PARAMETER_ROLES)
    if (!holder.has(role))
      problem(
        '/commonParameters',
        `no common parameter has the role ${role} (every role of ${PARAMETER_ROLES.join(', ')} needs one)`,
      );
  return out;
}

/**
 * The SOAP binding names its signing schemes among the protocol's, and ties each role to an
 * element at most once; the roles a SOAP request needs (access key, timestamp, signature) are there.
 */
function checkSoap(protocol: ProtocolFile, file: string): SpecProblem[] {
  const soap = protocol.soap;
  if (!soap) return [];
  const out: SpecProblem[] = [];
  const problem = (pointer: string, message: string) => {
    out.push({ file, pointer, message });
  };
  const known = new Set((protocol.signing.schemes ?? []).map((s) => s.name));
  soap.signing.schemes.forEach((name, i) => {
    if (!known.has(name))
      problem(`/soap/signing/schemes/${i}`, `${name} is not a scheme of /signing/schemes`);
  });
  const roles = new Map<string, string>();
  soap.elements.forEach((e, i) => {
    if (!e.role) return;
    if (roles.has(e.role))
      problem(`/soap/elements/${i}/role`, `role ${e.role} is already held by ${roles.get(e.role)}`);
    else roles.set(e.role, e.name);
  });
  for (const role of ['accessKey', 'timestamp', 'signature'])
    if (!roles.has(role)) problem('/soap/elements', `no SOAP element has the role ${role}`);
  if (!soap.operationElement.name.includes('{operation}'))
    problem('/soap/operationElement/name', 'the name must contain {operation}');
  return out;
}

/** JSON pointers (below `at`) of the keys of a value that its structure's members do not name. */
function strayMembers(
  set: SpecSet,
  api: Api,
  members: Record<string, { shape: string }>,
  value: Record<string, unknown>,
  at: string,
): string[] {
  const shapes = set.apis[api].shapes.shapes;
  const out: string[] = [];
  const walk = (shapeName: string, v: unknown, path: string): void => {
    const shape = shapes[shapeName];
    if (shape?.type === 'list' && shape.member && Array.isArray(v))
      for (const [i, x] of v.entries()) walk(shape.member.shape, x, `${path}/${i}`);
    else if (shape?.type === 'structure' && shape.members && v && typeof v === 'object')
      out.push(...strayMembers(set, api, shape.members, v as Record<string, unknown>, path));
  };
  for (const [k, v] of Object.entries(value)) {
    const m = members[k];
    if (!m) out.push(`${at}/${escapePointer(k)}`);
    else walk(m.shape, v, `${at}/${escapePointer(k)}`);
  }
  return out;
}

/**
 * The members of the structure an entity's field holds in an API (the item's, for a list): from
 * the entity's output structure, else from an input member of that name of an operation on the
 * entity (a HIT type's requirements: RegisterHITType's input). Undefined when no shape says.
 */
function fieldStructure(set: SpecSet, api: Api, entity: string, field: string): Set<string> | undefined {
  const shapes = set.apis[api].shapes.shapes;
  const shown = set.model.entities[entity]?.names?.[api]?.fields[field] ?? field;
  let m = shapes[entity]?.members?.[shown];
  for (const op of set.apis[api].operations.values())
    if (!m && op.behaviour.entity === entity) m = op.input.members[shown];
  let shape = m ? shapes[m.shape] : undefined;
  for (let i = 0; shape?.type === 'list' && i < 4; i++)
    shape = shape.member ? shapes[shape.member.shape] : undefined;
  return shape?.members ? new Set(Object.keys(shape.members)) : undefined;
}

/**
 * `names.<api>.members` and `lacks`: each renamed member is one of the API's structure, its stored
 * name one of another API's; each lacked member is missing from the API's structure and in
 * another's; and every stored member another API has is mapped, kept by name or lacked here.
 */
function memberNameProblems(set: SpecSet, entity: string): SpecProblem[] {
  const e = set.model.entities[entity]!;
  const out: SpecProblem[] = [];
  const problem = (pointer: string, message: string) =>
    out.push({
      file: set.files.get(set.model) ?? '?',
      pointer: `/entities/${entity}/names${pointer}`,
      message,
    });
  // a structure's members under their stored names (an API's own names mapped back)
  const stored = (api: Api, field: string) => {
    const own = fieldStructure(set, api, entity, field);
    if (!own) return undefined;
    const map = e.names?.[api]?.members?.[field] ?? {};
    const back = Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k]));
    return new Set([...own].map((m) => back[m] ?? m));
  };
  for (const [apiKey, n] of Object.entries(e.names ?? {})) {
    const api = apiKey as Api;
    const others = APIS.filter((a) => a !== api);
    for (const field of new Set([...Object.keys(n?.members ?? {}), ...Object.keys(n?.lacks ?? {})])) {
      const own = fieldStructure(set, api, entity, field);
      if (!own) {
        problem(`/${api}`, `no ${api} shape says what ${field} of ${entity} holds`);
        continue;
      }
      const theirs = others.map((a) => stored(a, field)).filter((x) => x !== undefined);
      const inOther = (m: string) => theirs.some((t) => t.has(m));
      for (const [from, to] of Object.entries(n?.members?.[field] ?? {})) {
        if (!own.has(to))
          problem(`/${api}/members/${field}/${from}`, `${to} is not a member of ${api} ${field}`);
        if (!inOther(from))
          problem(
            `/${api}/members/${field}/${from}`,
            `${from} is a member of ${field} in no other API version`,
          );
      }
      const lacks = n?.lacks?.[field] ?? [];
      for (const m of lacks) {
        if (own.has(m))
          problem(`/${api}/lacks/${field}`, `${api} ${field} has a member ${m}: it is not lacking`);
        if (!inOther(m))
          problem(`/${api}/lacks/${field}`, `${m} is a member of ${field} in no other API version`);
      }
      const mine = stored(api, field)!;
      for (const t of theirs)
        for (const m of t)
          if (!mine.has(m) && !lacks.includes(m))
            problem(
              `/${api}`,
              `${field}'s member ${m} has no ${api} counterpart: name it (members) or say the API lacks it (lacks)`,
            );
    }
  }
  return out;
}

/** A field is known when the entity's output structure in this API names it, or the model gives it a default. */
function fieldKnown(set: SpecSet, api: Api, entity: string, field: string): boolean {
  const e = set.model.entities[entity];
  if (!e) return false;
  if (field === e.id || field in e.fields) return true;
  // a field this API shows under another name (model.json names) is known by that name
  const shown = e.names?.[api]?.fields[field];
  if (shown !== undefined && shown !== field && fieldKnown(set, api, entity, shown)) return true;
  const shape = set.apis[api].shapes.shapes[entity];
  if (shape?.members && field in shape.members) return true;
  // Fields written from input members (e.g. Reason, IntegerValue) are stored even when no output shows them.
  return [...set.apis[api].operations.values()].some(
    (op) => op.behaviour.entity === entity && field in op.input.members,
  );
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
