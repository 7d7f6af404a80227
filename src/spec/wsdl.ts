// Compares the legacy (2014-08-15) specs with the published WSDL of the API
// (AWSMechanicalTurkRequester-2014-08-15.wsdl, read from a dependency, never
// copied into the repository). Per operation spec: the operation exists, the
// request members (the protocol's common parameters left out) and the result
// members, their order, their occurrence (minOccurs → required, maxOccurs → list),
// their types and shape names, and the result element's name. Per structure
// shape the specs use: the same, against the WSDL complexType it stands for.
// Every difference is reported; the ones a spec declares under `wsdl.differences`
// (operation file, or the shape in shapes/2014-08-15.json) carry the reason.
import { readFileSync } from 'node:fs';
import { parseXmlSafe } from '../wire/xml.ts';
import { inputMembers, outputMembers, resolveMembers } from './resolve.ts';
import type { OperationSpec, ResolvedMember, ShapeSpec, SpecSet } from './types.ts';

/** The API version the WSDL describes. */
export const WSDL_API = '2014-08-15' as const;

/** One element of a sequence. */
export interface WsdlElement {
  name: string;
  /** `xs:<builtin>`, or the name of a type of the schema (its prefix dropped); '' for a reference */
  type: string;
  /** set for `<xs:element ref="…">` */
  ref?: boolean;
  min: number;
  /** Infinity for unbounded */
  max: number;
}

export interface WsdlOperation {
  /** the complexType of the `Request` children of the operation's input element (batched requests) */
  requestType?: string;
  /** the sequence of the operation's output element */
  response: WsdlElement[];
}

export interface WsdlModel {
  targetNamespace?: string;
  operations: Map<string, WsdlOperation>;
  complexTypes: Map<string, WsdlElement[]>;
  simpleTypes: Map<string, { base: string; values: string[] }>;
  /** top-level elements (a result that is an `<xs:element ref>`, Help's Information): their sequence */
  elements?: Map<string, WsdlElement[]>;
}

export type WsdlAspect =
  | 'operation'
  | 'result'
  | 'member'
  | 'order'
  | 'required'
  | 'list'
  | 'type'
  | 'shape'
  | 'enum';

export interface WsdlDifference {
  /** where the difference is declared: the operation's file, or the shape in the shapes file */
  owner: 'operation' | 'shape';
  /** the operation or shape name */
  name: string;
  /** member path: `Name`, `List[]`, `output:Name`; '' (input) or 'output:' for the operation's whole list */
  member: string;
  aspect: WsdlAspect;
  spec: string;
  wsdl: string;
  /** the reason the spec declares for it */
  declared?: string;
}

export interface WsdlDeclaration {
  owner: 'operation' | 'shape';
  name: string;
  member: string;
  aspect: string;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the WSDL

const ARRAYS = [
  'xs:element',
  'xs:complexType',
  'xs:simpleType',
  'xs:enumeration',
  'xs:attribute',
  'operation',
  'message',
  'part',
];

type Node = Record<string, unknown>;

const nodes = (v: unknown): Node[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is Node => x !== null && typeof x === 'object',
  );
const attr = (n: Node | undefined, name: string): string | undefined => {
  const v = n?.[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
};
/** `tns:Foo` → `Foo`; builtins keep their `xs:` prefix so they cannot clash with schema names. */
const localType = (qname: string): string => (qname.startsWith('xs:') ? qname : qname.replace(/^[^:]*:/, ''));
const occurs = (v: string | undefined, dflt: number): number =>
  v === undefined ? dflt : v === 'unbounded' ? Number.POSITIVE_INFINITY : Number(v);

type SimpleTypes = Map<string, { base: string; values: string[] }>;

/** A `<xs:simpleType>` restriction: its base and enumerated values. */
function restrictionOf(st: Node): { base: string; values: string[] } | undefined {
  const restriction = nodes(st['xs:restriction'])[0];
  if (!restriction) return undefined;
  return {
    base: localType(attr(restriction, 'base') ?? 'xs:string'),
    values: nodes(restriction['xs:enumeration'])
      .map((e) => attr(e, 'value'))
      .filter((v): v is string => v !== undefined),
  };
}

/**
 * The elements of a complexType's sequence. An element whose simple type is declared inline (Help's
 * HelpType) gets it registered in `inline` as `<owner>.<element>`.
 */
function sequenceOf(complexType: Node | undefined, owner = '', inline?: SimpleTypes): WsdlElement[] {
  const seq = nodes(complexType?.['xs:sequence'])[0];
  return nodes(seq?.['xs:element']).map((e) => {
    const ref = attr(e, 'ref');
    const name = ref ? localType(ref) : (attr(e, 'name') ?? '');
    const anonymous = !ref && !attr(e, 'type') ? nodes(e['xs:simpleType'])[0] : undefined;
    const simple = anonymous ? restrictionOf(anonymous) : undefined;
    if (simple && inline) inline.set(`${owner}.${name}`, simple);
    return {
      name,
      type: ref ? '' : simple && inline ? `${owner}.${name}` : localType(attr(e, 'type') ?? 'xs:anyType'),
      ...(ref ? { ref: true } : {}),
      min: occurs(attr(e, 'minOccurs'), 1),
      max: occurs(attr(e, 'maxOccurs'), 1),
    };
  });
}

/** Parses WSDL text (hardened like every XML the tool reads: no DTD, size cap). Throws a readable Error. */
export function parseWsdl(text: string): WsdlModel {
  const parsed = parseXmlSafe(text, { maxBytes: 4 * 1024 * 1024, arrayNames: ARRAYS });
  if (!parsed.ok) throw new Error(parsed.message);
  const defs = (parsed.doc as Node)[parsed.root] as Node;
  if (parsed.root !== 'definitions' && !parsed.root.endsWith(':definitions'))
    throw new Error(`not a WSDL document (root element ${parsed.root})`);
  const schema = nodes(nodes(defs.types)[0]?.['xs:schema'])[0];
  if (!schema) throw new Error('the WSDL has no <types><xs:schema>');

  const simpleTypes: SimpleTypes = new Map();
  const complexTypes = new Map<string, WsdlElement[]>();
  for (const ct of nodes(schema['xs:complexType'])) {
    const name = attr(ct, 'name');
    if (name) complexTypes.set(name, sequenceOf(ct, name, simpleTypes));
  }
  for (const st of nodes(schema['xs:simpleType'])) {
    const name = attr(st, 'name');
    const restriction = restrictionOf(st);
    if (!name || !restriction) continue;
    simpleTypes.set(name, restriction);
  }
  /** top-level elements: their anonymous sequence (or their named type's) */
  const elements = new Map<string, WsdlElement[]>();
  for (const el of nodes(schema['xs:element'])) {
    const name = attr(el, 'name');
    if (!name) continue;
    const type = attr(el, 'type');
    elements.set(
      name,
      type ? (complexTypes.get(localType(type)) ?? []) : sequenceOf(nodes(el['xs:complexType'])[0]),
    );
  }
  const messageElement = new Map<string, string>();
  for (const m of nodes(defs.message)) {
    const name = attr(m, 'name');
    const element = attr(nodes(m.part)[0], 'element');
    if (name && element) messageElement.set(name, localType(element));
  }
  const operations = new Map<string, WsdlOperation>();
  for (const pt of nodes(defs.portType))
    for (const op of nodes(pt.operation)) {
      const name = attr(op, 'name');
      if (!name) continue;
      const elementOf = (io: 'input' | 'output') => {
        const msg = attr(nodes(op[io])[0], 'message');
        const el = msg ? messageElement.get(localType(msg)) : undefined;
        return el ? (elements.get(el) ?? []) : [];
      };
      // the input element carries the credentials and the batched requests: the one child typed by the schema
      const request = elementOf('input').find((e) => !e.ref && complexTypes.has(e.type));
      operations.set(name, {
        ...(request ? { requestType: request.type } : {}),
        response: elementOf('output'),
      });
    }
  const targetNamespace = attr(defs, 'targetNamespace');
  return {
    ...(targetNamespace ? { targetNamespace } : {}),
    operations,
    complexTypes,
    simpleTypes,
    elements,
  };
}

export function readWsdl(path: string): WsdlModel {
  return parseWsdl(readFileSync(path, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Comparing

/**
 * The spec type a WSDL builtin stands for. xs:decimal and xs:double have no spec type (the format
 * knows none): they stay as they are, so a member using them is always a (declared) difference.
 */
const BUILTIN: Record<string, string> = {
  'xs:string': 'string',
  'xs:int': 'integer',
  'xs:long': 'long',
  'xs:boolean': 'boolean',
  'xs:dateTime': 'timestamp',
};

interface WsdlTypeView {
  /** the spec type it corresponds to */
  type: string;
  /** the schema type's name when it is a named complex or simple type */
  name?: string;
  members?: WsdlElement[];
  values?: string[];
}

function viewOf(wsdl: WsdlModel, type: string): WsdlTypeView {
  if (type.startsWith('xs:')) return { type: BUILTIN[type] ?? type };
  const members = wsdl.complexTypes.get(type);
  if (members) return { type: 'structure', name: type, members };
  const simple = wsdl.simpleTypes.get(type);
  if (simple) return { type: BUILTIN[simple.base] ?? simple.base, name: type, values: simple.values };
  return { type: `unknown type ${type}` };
}

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));
const occurrence = (e: WsdlElement) =>
  `minOccurs ${e.min}, maxOccurs ${e.max === Number.POSITIVE_INFINITY ? 'unbounded' : e.max}`;

type Diff = (member: string, aspect: WsdlAspect, spec: string, wsdl: string) => void;

interface Context {
  set: SpecSet;
  wsdl: WsdlModel;
  /** the protocol's echo of the request (`Request`, with IsValid): protocol, not members, wherever it appears */
  echo: string | undefined;
  /** structure shapes of the specs paired with the complexType they stand for, compared once each */
  pairs: Map<string, string>;
}

/** Compares spec members (in their order) with a WSDL sequence. `batched`: the elements repeat per batched request, not as lists. */
function compareMembers(
  ctx: Context,
  specMembers: readonly ResolvedMember[],
  elements: WsdlElement[],
  prefix: string,
  diff: Diff,
  batched = false,
): void {
  elements = elements.filter((e) => !(e.ref && e.name === ctx.echo));
  const byName = new Map(elements.map((e) => [e.name, e]));
  const specNames = new Set(specMembers.map((m) => m.name));
  for (const sm of specMembers) {
    const path = prefix + sm.name;
    const el = byName.get(sm.name);
    if (!el) {
      diff(path, 'member', 'present', 'absent');
      continue;
    }
    const required = el.min > 0;
    if (sm.required !== required)
      diff(path, 'required', show(sm.required), `${show(required)} (${occurrence(el)})`);
    const list = !batched && el.max > 1;
    if ((sm.type === 'list') !== list)
      diff(path, 'list', show(sm.type === 'list'), `${show(list)} (${occurrence(el)})`);
    const target = sm.type === 'list' && list ? sm.item : sm.type === 'list' ? undefined : sm;
    if (target) compareType(ctx, target, el, list ? `${path}[]` : path, diff);
  }
  for (const e of elements) if (!specNames.has(e.name)) diff(prefix + e.name, 'member', 'absent', 'present');
  const specOrder = specMembers.map((m) => m.name).filter((n) => byName.has(n));
  const wsdlOrder = elements.map((e) => e.name).filter((n) => specNames.has(n));
  if (specOrder.join() !== wsdlOrder.join())
    diff(prefix, 'order', specOrder.join(', '), wsdlOrder.join(', '));
}

function compareType(ctx: Context, sm: ResolvedMember, el: WsdlElement, path: string, diff: Diff): void {
  if (el.ref) return;
  const view = viewOf(ctx.wsdl, el.type);
  if (view.type !== sm.type) {
    diff(path, 'type', sm.type, view.name ? `${view.type} (${view.name})` : view.type);
    return;
  }
  if (view.type === 'structure' && view.name) {
    if (sm.shape !== view.name) diff(path, 'shape', sm.shape, view.name);
    if (!ctx.pairs.has(sm.shape)) ctx.pairs.set(sm.shape, view.name);
    return;
  }
  if (view.values?.length) {
    const specEnum = sm.constraints.find((c) => c.kind === 'enum');
    const specValues = specEnum && 'values' in specEnum ? [...specEnum.values].sort() : undefined;
    const wsdlValues = [...view.values].sort();
    if (JSON.stringify(specValues) !== JSON.stringify(wsdlValues))
      diff(path, 'enum', show(specValues), show(wsdlValues));
  }
}

/** The first step of a protocol path (`Request/IsValid` → `Request`). */
const head = (path: string | undefined): string | undefined => path?.split('/')[0];

function compareOperation(ctx: Context, op: OperationSpec, diff: Diff): void {
  const { set, wsdl } = ctx;
  const wop = wsdl.operations.get(op.operation);
  if (!wop) {
    diff('', 'operation', 'present', 'absent');
    return;
  }
  const protocol = set.apis[op.api].protocol;
  const common = new Set(Object.keys(protocol.commonParameters ?? {}));
  const specIn = inputMembers(set, op);
  const requestElements = (wop.requestType ? (wsdl.complexTypes.get(wop.requestType) ?? []) : []).filter(
    (e) => !common.has(e.name),
  );
  compareMembers(ctx, specIn, requestElements, '', diff);

  // The response: the protocol's OperationRequest element, then the result element (one per
  // batched request). Its members are those of the result type, less the protocol's Request echo.
  const requestIdHead = head(protocol.success.requestIdPath);
  const results = wop.response.filter((e) => !(e.ref && e.name === requestIdHead));
  const specOut = outputMembers(set, op);
  const placement = op.output.result;
  const resultName =
    placement?.member ??
    placement?.element ??
    (protocol.success.result ?? '{operation}Result').replaceAll('{operation}', op.operation);
  const only = results.length === 1 ? results[0]! : undefined;
  if (placement?.member !== undefined && only?.name === resultName) {
    // the spec says there is no wrapper: the response's one element is that output member
    compareMembers(ctx, specOut, results, 'output:', diff, true);
    return;
  }
  const wrapped = placement?.member === undefined && only?.name === resultName;
  if (wrapped) {
    // the result is a type's element, or a reference to a top-level element (Help's Information)
    const members = only!.ref ? wsdl.elements?.get(only!.name) : viewOf(wsdl, only!.type).members;
    compareMembers(ctx, specOut, members ?? [], 'output:', diff);
    return;
  }
  diff('output:', 'result', resultName, results.map((e) => e.name).join(', ') || 'absent');
  // no wrapper: the response's own elements are the output members
  compareMembers(ctx, specOut, results, 'output:', diff, true);
}

/** The declarations of differences in the legacy specs, operations and shapes. */
export function wsdlDeclarations(set: SpecSet): WsdlDeclaration[] {
  const api = set.apis[WSDL_API];
  const out: WsdlDeclaration[] = [];
  for (const op of api.operations.values())
    for (const d of op.wsdl?.differences ?? []) out.push({ owner: 'operation', name: op.operation, ...d });
  for (const [name, shape] of Object.entries(api.shapes.shapes))
    for (const d of (shape as ShapeSpec).wsdl?.differences ?? []) out.push({ owner: 'shape', name, ...d });
  return out;
}

/** Compares every legacy operation spec (and the structure shapes they use) with the WSDL. */
export function compareWithWsdl(set: SpecSet, wsdl: WsdlModel): WsdlDifference[] {
  const ctx: Context = {
    set,
    wsdl,
    echo: head(set.apis[WSDL_API].protocol.success.isValidPath),
    pairs: new Map(),
  };
  const found: WsdlDifference[] = [];
  const api = set.apis[WSDL_API];
  for (const op of [...api.operations.values()].sort((a, b) => a.operation.localeCompare(b.operation)))
    compareOperation(ctx, op, (member, aspect, spec, w) =>
      found.push({ owner: 'operation', name: op.operation, member, aspect, spec, wsdl: w }),
    );
  // shapes reached from the operations, and from their members in turn
  const done = new Set<string>();
  for (let more = true; more; ) {
    more = false;
    for (const [shapeName, typeName] of [...ctx.pairs]) {
      if (done.has(shapeName)) continue;
      done.add(shapeName);
      more = true;
      const shape = api.shapes.shapes[shapeName];
      const members = resolveMembers(set, WSDL_API, shape?.members ?? {});
      compareMembers(ctx, members, wsdl.complexTypes.get(typeName) ?? [], '', (member, aspect, spec, w) =>
        found.push({ owner: 'shape', name: shapeName, member, aspect, spec, wsdl: w }),
      );
    }
  }
  const declarations = wsdlDeclarations(set);
  return found.map((d) => {
    const reason = declarations.find((x) => sameSpot(x, d))?.reason;
    return reason === undefined ? d : { ...d, declared: reason };
  });
}

/** Does a declaration speak of this difference (same owner, name, member and aspect)? */
function sameSpot(x: WsdlDeclaration, d: WsdlDifference): boolean {
  return x.owner === d.owner && x.name === d.name && x.member === d.member && x.aspect === d.aspect;
}

/** Declarations that match no difference: stale, they would hide a future one. */
export function staleWsdlDeclarations(set: SpecSet, differences: WsdlDifference[]): WsdlDeclaration[] {
  return wsdlDeclarations(set).filter((x) => !differences.some((d) => sameSpot(x, d)));
}

/** The WSDL's operations no legacy spec covers yet (informational). */
export function operationsWithoutSpec(set: SpecSet, wsdl: WsdlModel): string[] {
  return [...wsdl.operations.keys()].filter((name) => !set.apis[WSDL_API].operations.has(name)).sort();
}

/** A difference as one line. */
export function showWsdlDifference(d: WsdlDifference): string {
  const where = d.owner === 'shape' ? `shape ${d.name}` : d.name;
  return `${where}${d.member ? ` ${d.member}` : ''} ${d.aspect}: spec ${d.spec}, WSDL ${d.wsdl}`;
}

/** Where the WSDL is: the dev dependency mturk-api ships it. */
export const WSDL_IN_PACKAGE = 'mturk-api/schemas/AWSMechanicalTurkRequester-2014-08-15.wsdl';
