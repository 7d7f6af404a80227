// list: a successful call lists the entities of the operation's entity that match `where`
// (statuses: `$status`), are the caller's when `owned`, and match the input members of `filter`;
// `items` holds them, `count` the page's size, `total` all that match, paged by `pagination`.
import fc from 'fast-check';
import { idInput, sev } from '../checks/plan.ts';
import { expectAsCreated } from '../checks/rule-support.ts';
import { type Called, type RuleCheck, type RuleTarget, ruleCheck, succeeds } from '../checks/target.ts';
import { requiredInput, show } from '../client-checks/e2e-support.ts';
import { project, projectionContext } from '../emulator/project.ts';
import type { Store, StoredEntity } from '../emulator/store.ts';
import type { SpecProblem } from '../spec/load.ts';
import {
  amountOf,
  inputMatches,
  inputMembers,
  inputValue,
  outputMembers,
  ruleInput,
} from '../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, RuleSpec, Severity, SpecSet } from '../spec/types.ts';
import type { DecodedCall, Outcome } from '../wire/codec.ts';
import type { EngineContext, RuleContext, RuleKindModule } from './types.ts';
import { createdFacts } from './values.ts';

/**
 * A page token: opaque to clients, bound to the operation and the filter values it was issued
 * for (operations.md §4.3, INF), so a token replayed elsewhere is refused instead of misread.
 */
function encodeToken(offset: number, binding: string): string {
  return Buffer.from(JSON.stringify({ o: offset, b: binding }), 'utf8').toString('base64url');
}

function decodeToken(token: string, binding: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; b?: unknown };
    return typeof v?.o === 'number' && Number.isSafeInteger(v.o) && v.o >= 0 && v.b === binding
      ? v.o
      : undefined;
  } catch {
    return undefined;
  }
}

/** A field's values: `List[].Member` gives that member of each item of a list field. */
function fieldValues(rec: StoredEntity, field: string): unknown[] {
  const nested = /^(.+)\[\]\.(.+)$/.exec(field);
  if (!nested) return [rec.fields[field]];
  const list = rec.fields[nested[1]!];
  return Array.isArray(list)
    ? list.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[nested[2]!] : undefined))
    : [];
}

/**
 * Where a listing's items come from, in creation order, before its conditions are applied: the
 * children of the parent a filter names, else the caller's own, else every entity of the kind.
 * (A scan of every entity on each call grew with the store, which a long run fills.)
 */
function candidates(
  store: Store,
  entity: string,
  r: RuleSpec,
  call: DecodedCall,
  inMembers: Map<string, ResolvedMember>,
  owned: boolean | undefined,
): StoredEntity[] {
  const parent = store.set.model.entities[entity]?.parent;
  if (parent)
    for (const [member, field] of Object.entries(r.filter ?? {})) {
      const want = field === parent.via ? inputValue(call.input, inMembers, member) : undefined;
      if (typeof want !== 'string') continue;
      const rec = store.getAny(parent.entity, want);
      if (!rec || (owned && store.ownerOf(rec) !== call.accessKeyId)) return [];
      return store.childrenOf(rec, entity).filter((k) => store.visible(k));
    }
  return owned ? store.listOwned(entity, call.accessKeyId) : store.list(entity);
}

function runList(
  ctx: Pick<EngineContext, 'error'>,
  set: SpecSet,
  store: Store,
  op: OperationSpec,
  r: RuleSpec,
  call: DecodedCall,
  outMembers: Map<string, ResolvedMember>,
): Outcome {
  const p = set.apis[op.api].protocol;
  const entity = op.behaviour.entity;
  const statusField = set.model.entities[entity]?.status?.field;
  // ownedWhen: only the caller's when the call asks for it (e.g. MustBeOwnedByCaller), else everyone's
  const inMembers = new Map(inputMembers(set, op).map((m) => [m.name, m]));
  const owned = r.owned && (!r.ownedWhen || inputMatches(call.input, r.ownedWhen, inMembers, new Date()));
  let matched = candidates(store, entity, r, call, inMembers, owned).filter((rec) =>
    Object.entries(r.where ?? {}).every(([k, v]) => {
      const x = k === '$status' ? store.statusOf(rec) : rec.fields[k];
      // a list of values: any of them
      return Array.isArray(v) ? v.includes(x) : x === v;
    }),
  );
  if (statusField === undefined && r.where && '$status' in r.where) matched = [];
  const binding: unknown[] = [op.operation];
  for (const [member, field] of Object.entries(r.filter ?? {})) {
    const want = inputValue(call.input, inMembers, member);
    binding.push(want ?? null);
    // a list-valued filter (e.g. a list of statuses) matches any of its values
    if (Array.isArray(want)) matched = matched.filter((rec) => want.includes(rec.fields[field]));
    else if (want !== undefined) matched = matched.filter((rec) => fieldValues(rec, field).includes(want));
  }
  const bindingKey = JSON.stringify(binding);
  const pg = r.pagination;
  let offset = 0;
  let size = matched.length;
  const output: Record<string, unknown> = {};
  if (pg) {
    const sizeIn = call.input[pg.size];
    size = typeof sizeIn === 'number' && sizeIn > 0 ? sizeIn : pg.defaultSize;
    if (pg.style === 'token' && pg.token) {
      const token = call.input[pg.token];
      if (typeof token === 'string') {
        const o = decodeToken(token, bindingKey);
        if (o === undefined)
          return ctx.error(p.validation.invalid, {
            member: pg.token,
            reason: 'not a token this service issued for this operation and these filters',
            Parameter: pg.token,
          });
        offset = o;
      }
    } else if (pg.style === 'page' && pg.page) {
      const page = call.input[pg.page];
      const n = typeof page === 'number' && page > 0 ? page : 1;
      offset = (n - 1) * size;
      if (outMembers.has(pg.page)) output[pg.page] = n;
    }
  }
  const page = matched.slice(offset, offset + size);
  const items = r.items ? outMembers.get(r.items) : undefined;
  // itemMembers: the service shows only these members of each item
  const only = r.itemMembers ? new Set(r.itemMembers) : undefined;
  const itemShape =
    items?.item && only
      ? { ...items.item, members: items.item.members?.filter((m) => only.has(m.name)) }
      : items?.item;
  if (r.items && items)
    output[r.items] = page
      .map((rec) =>
        itemShape ? project(store.view(rec, op.api), itemShape, projectionContext(set)) : undefined,
      )
      .filter((x) => x !== undefined);
  if (r.count && outMembers.has(r.count)) output[r.count] = page.length;
  if (r.total && outMembers.has(r.total)) output[r.total] = matched.length;
  if (pg?.style === 'token' && pg.token && offset + size < matched.length && outMembers.has(pg.token))
    output[pg.token] = encodeToken(offset + size, bindingKey);
  return { kind: 'success', output };
}

/**
 * How many pages a walk looking for one entity follows: a listing no filter narrows holds every
 * entity of the caller, which a long run (or a busy server) makes thousands of; the walk ends
 * sooner when the answer says there are no more pages.
 */
const WALK_PAGES = 1000;

export const list: RuleKindModule = {
  kind: 'list',
  schema: {
    required: ['given', 'where', 'items', 'pagination'],
    properties: {
      where: { type: 'object' },
      owned: { type: 'boolean' },
      ownedWhen: { description: 'owned applies only to calls matching this input', type: 'object' },
      filter: { type: 'object', additionalProperties: { type: 'string' } },
      items: { type: 'string' },
      itemMembers: {
        description: 'the only members of each listed item the service shows',
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
      },
      input: { description: 'input members every call of the rule carries', type: 'object' },
      itemKey: {
        description:
          'the item members that together tell listed items apart when items show no id of the entity (BonusPayment)',
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        uniqueItems: true,
      },
      madeBy: {
        description:
          'an operation whose successful call from the state `given` makes an entity this rule lists, found by the itemKey values its input fixes',
        type: 'object',
        required: ['operation', 'given', 'basis'],
        additionalProperties: false,
        properties: {
          operation: { type: 'string' },
          given: { type: 'string' },
          basis: { $ref: '#/definitions/basis' },
        },
      },
      count: { type: 'string' },
      total: { type: 'string' },
      pagination: {
        type: 'object',
        required: ['style', 'size', 'defaultSize', 'basis'],
        properties: {
          style: { enum: ['token', 'page'] },
          token: { type: 'string' },
          page: { type: 'string' },
          size: { type: 'string' },
          defaultSize: { type: 'integer', minimum: 1 },
          given: { type: 'string' },
          basis: { $ref: '#/definitions/basis' },
          tokenBasis: {
            description:
              'token style: tokens are opaque and bound to the operation and its filter values; others get validation.invalid',
            $ref: '#/definitions/basis',
          },
        },
      },
    },
  },
  successState: true,

  validate(ctx) {
    const { rule: r, op, states } = ctx;
    const out: SpecProblem[] = [];
    for (const key of ['input', 'ownedWhen'] as const)
      for (const k of Object.keys(r[key] ?? {}))
        if (!(k in op.input.members)) out.push(ctx.problem(`/${key}/${k}`, `${k} is not an input member`));
    // itemMembers and itemKey name members of the listed items
    const shapes = ctx.set.apis[op.api].shapes.shapes;
    const listShape = r.items ? op.output.members[r.items] : undefined;
    const item = listShape ? shapes[listShape.shape]?.member?.shape : undefined;
    const known = item ? (shapes[item]?.members ?? {}) : {};
    for (const key of ['itemMembers', 'itemKey'] as const)
      (r[key] ?? []).forEach((m, j) => {
        if (!(m in known))
          out.push(
            ctx.problem(`/${key}/${j}`, `${m} is not a member of the items of ${r.items ?? '(no items)'}`),
          );
      });
    // itemKey: each fixed by every state the checks list from (an id the state returns under that
    // name, or a literal field of the first listed entity it makes)
    if (r.itemKey) {
      for (const [at, state] of [
        ['given', r.given],
        ['pagination/given', r.pagination?.given],
      ] as const) {
        const st = state !== undefined ? states[state] : undefined;
        if (!st) continue;
        const made = st.creates.find((c) => c.entity === op.behaviour.entity);
        for (const m of r.itemKey)
          if (!(m in (st.returns ?? {})) && literal(made?.fields?.[m]) === undefined)
            out.push(
              ctx.problem(
                `/${at}`,
                `state ${state} fixes no ${m} of the ${op.behaviour.entity} it makes (itemKey): neither an id it returns nor a literal field`,
              ),
            );
      }
    }
    if (r.madeBy) {
      const maker = ctx.set.apis[op.api].operations.get(r.madeBy.operation);
      if (!maker) out.push(ctx.problem('/madeBy/operation', `no spec for ${r.madeBy.operation}`));
      if (!states[r.madeBy.given])
        out.push(ctx.problem('/madeBy/given', `unknown provider state ${r.madeBy.given}`));
      if (!r.itemKey) out.push(ctx.problem('/madeBy', 'madeBy finds the item by itemKey, which is missing'));
      else if (maker)
        r.itemKey.forEach((m, j) => {
          if (!(m in maker.input.members) && !(m in (states[r.madeBy!.given]?.returns ?? {})))
            out.push(
              ctx.problem(
                `/itemKey/${j}`,
                `${m} is neither an input member of ${r.madeBy!.operation} nor an id state ${r.madeBy!.given} returns`,
              ),
            );
        });
    }
    const many = r.pagination?.given;
    if (many !== undefined && states[many]) {
      // the listed entities it makes: matching `where`'s status, all under one parent
      const want = r.where?.$status;
      const listed = states[many].creates.filter(
        (c) =>
          c.entity === op.behaviour.entity &&
          (want === undefined || (Array.isArray(want) ? want : [want]).includes(c.status)),
      );
      if (listed.length < 2 || new Set(listed.map((c) => c.parent)).size !== 1)
        out.push(
          ctx.problem(
            '/pagination/given',
            `state ${many} does not create several listed ${op.behaviour.entity}s under one parent`,
          ),
        );
    }
    return out;
  },

  execute(ctx) {
    const result = runList(ctx, ctx.set, ctx.store, ctx.op, ctx.rule, ctx.call, ctx.outMembers);
    if (result.kind === 'error') return result;
    Object.assign(ctx.output, result.output);
    return undefined;
  },

  // rule.<id>[.<suffix>] on a server, e2e.<id>[.<suffix>] through a client: src/checks/target.ts
  checks(ctx) {
    return ctx.rule.given && ctx.rule.items ? listChecks(ctx, ctx.rule.given, ctx.rule.items) : [];
  },
};

/** The checks of a list rule, rule.<id>[.<suffix>] on a server, e2e.<id>[.<suffix>] through a client. */
function listChecks(ctx: RuleContext, given: string, items: string): RuleCheck[] {
  const { set, op, rule, entity, ent } = ctx;
  // the members that tell listed items apart (the rule's itemKey, else the entity's id), the names
  // the API gives them in an item (legacy shows a grant's WorkerId as SubjectId) and their shapes
  const keyNames = rule.itemKey ?? [ent.id];
  const shown = set.model.entities[entity]?.names?.[op.api]?.fields ?? {};
  const shape = new Map(
    (outputMembers(set, op).find((m) => m.name === items)?.item?.members ?? []).map((m) => [m.name, m]),
  );
  // later pages of a walk are as large as the model allows
  const maxSize = largestPage(set, op, rule);
  // a listed item's key: amounts and ids as the strings the wire carries (a legacy Price: its amount)
  const keyOf = (x: unknown) => {
    if (!x || typeof x !== 'object') return String(x);
    const item = x as Record<string, unknown>;
    const text = (v: unknown) => (v === undefined ? undefined : String(v));
    return keyText(
      keyNames,
      Object.fromEntries(keyNames.map((m) => [m, text(amountOf(item[shown[m] ?? m], shape.get(m)))])),
    );
  };
  const itemsOf = (output: Record<string, unknown>): unknown[] => {
    const v = output[items];
    return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  };
  const has = (list: unknown[], key: string) =>
    list.some((x) => x && typeof x === 'object' && keyOf(x) === key);
  // the rule's own input (e.g. a status to list), then the filters the state's ids fill
  const listInput = (ids: Record<string, string>, only?: string) => ({
    ...ruleInput(rule),
    ...filterInput(op, rule, ids, only),
  });
  // the key of the entity a state made: each key member from the ids the state returned, else the
  // literal value it gives the first entity of the kind it makes (the loader checks one fixes it)
  const keyFrom = (ids: Record<string, string>, state = given) => {
    const made = set.model.states[state]?.creates.find((c) => c.entity === entity);
    return keyText(
      keyNames,
      Object.fromEntries(keyNames.map((m) => [m, ids[m] ?? literal(made?.fields?.[m])])),
    );
  };
  // the pages from `first` on (up to `pages`), until one holds `key`: every item, the last call
  // and its output; with `mayRefuse`, a refusal ends the walk
  const walk = async (
    t: RuleTarget,
    first: Record<string, unknown>,
    what: string,
    opts: { pages?: number; key?: string; mayRefuse?: boolean } = {},
  ) => {
    let input = first;
    const all: unknown[] = [];
    let c: Called | undefined;
    let output: Record<string, unknown> = {};
    for (let page = 1; page <= (opts.pages ?? 50); page++) {
      const at = `${op.operation} (${what}${page === 1 ? '' : `, page ${page}`})`;
      c = await t.call(op, input, at);
      if (opts.mayRefuse && !c.ok) {
        t.refusedAny(c, op, at);
        break;
      }
      output = t.succeeded(c, op, at);
      const got = itemsOf(output);
      all.push(...got);
      if (opts.key !== undefined && has(got, opts.key)) break;
      const next = nextPage(rule, input, output, got.length, maxSize);
      if (!next) break;
      input = next;
    }
    return { keys: all.map(keyOf), c: c!, output };
  };
  const out: RuleCheck[] = [];
  // a list check of one case (each costs provider states), of a value of `arb` (default: none)
  const check = <T = undefined>(
    suffix: string,
    severity: Severity,
    summary: string,
    run: (t: RuleTarget, value: T) => Promise<void>,
    opts: { audiences?: RuleCheck['audiences']; arb?: fc.Arbitrary<T> } = {},
  ) =>
    out.push(
      ruleCheck({
        audiences: opts.audiences ?? ['server', 'client-e2e'],
        severity,
        suffix,
        summary,
        arb: opts.arb ?? (fc.constant(undefined) as fc.Arbitrary<T>),
        shrinkBudget: 2,
        cases: { server: 1, client: 1 },
        run: (t, value) => {
          t.cover(`rule:${rule.id}${suffix.replaceAll('.', ':')}`);
          return run(t, value);
        },
      }),
    );
  const pg = rule.pagination;
  const filters = Object.keys(rule.filter ?? {});
  const members = inputMembers(set, op);
  // the state's entity, listed (a fresh requester's listing where the audience can: owned):
  // pages are followed while it is not, as a listing no filter narrows holds all of the caller's
  const found = async (t: RuleTarget) => {
    if (rule.owned) await t.isolate();
    const ids = await t.state(given);
    const key = keyFrom(ids);
    const input = listInput(ids);
    const walked = await walk(t, input, `filtered by ${JSON.stringify(input)}`, { pages: WALK_PAGES, key });
    const list = itemsOf(walked.output);
    const item = list.find((x) => x && typeof x === 'object' && keyOf(x) === key);
    if (!item)
      t.fail(
        `${op.operation} must list the ${entity} ${key} of provider state ${given}, but ${items} holds ${list.length} item(s) without it`,
        walked.c.raw,
      );
    return { ids, c: walked.c, output: walked.output, item: item as Record<string, unknown> };
  };
  check(
    '',
    ctx.sev,
    `${op.operation} filtered on the ids of provider state ${given} lists its ${entity} in ${items}.`,
    async (t) => {
      const { c, output } = await found(t);
      const list = itemsOf(output);
      if (rule.count && output[rule.count] !== undefined && Number(output[rule.count]) !== list.length)
        t.fail(
          `${op.operation}: ${rule.count} is ${show(output[rule.count])}, but ${items} holds ${list.length} item(s)`,
          c.raw,
        );
      if (rule.total && output[rule.total] !== undefined && Number(output[rule.total]) < list.length)
        t.fail(
          `${op.operation}: ${rule.total} is ${show(output[rule.total])}, fewer than the ${list.length} item(s) on the page`,
          c.raw,
        );
    },
  );
  check(
    '.as-created',
    ctx.sev,
    `The ${entity} of provider state ${given} is listed with the ids and timestamps the state made it with.`,
    async (t) => {
      const { ids, c, item } = await found(t);
      const itemMembers = outputMembers(set, op).find((m) => m.name === items)?.item?.members ?? [];
      expectAsCreated(
        t,
        item,
        rule.itemMembers ? itemMembers.filter((m) => rule.itemMembers!.includes(m.name)) : itemMembers,
        createdFacts(set, entity, given, ids, op.api),
        `${op.operation} (the listed ${entity})`,
        c.raw,
      );
    },
  );
  // itemMembers: each listed item shows those members and no others
  const only = rule.itemMembers;
  if (only)
    check('.item-members', ctx.sev, `Each item of ${items} shows only ${only.join(', ')}.`, async (t) => {
      const { c, item } = await found(t);
      // a client may hand back an absent member as null (a driver's JSON of its library's type)
      const absent = (v: unknown) => v === undefined || (t.audience === 'client-e2e' && v === null);
      const keys = Object.keys(item).filter((k) => !absent(item[k]));
      const missing = only.filter((k) => !keys.includes(k));
      if (keys.some((k) => !only.includes(k)) || missing.length)
        t.fail(
          `Each item of ${items} must show only ${only.join(', ')}, but one shows ${keys.join(', ') || 'nothing'}${missing.length ? ` (without ${missing.join(', ')})` : ''}`,
          c.raw,
        );
    });
  // owned: a non-owner (a fresh requester where the audience has one: its pages are its own few)
  // is shown none of the owner's; a refusal is an answer too
  if (rule.owned)
    check(
      '.owned',
      ctx.sev,
      `${op.operation} filtered on the ids of provider state ${given}, owned by another requester, lists none of its ${entity}s.`,
      async (t) => {
        await t.isolate();
        const ids = await t.state(given, 'other');
        const key = keyFrom(ids);
        const { keys, c } = await walk(t, listInput(ids), 'by a non-owner', { key, mayRefuse: true });
        if (keys.includes(key))
          t.fail(
            `${op.operation} signed by another requester must not list the owner's ${entity} ${key}, but it does`,
            c.raw,
          );
      },
    );
  // filter members that are alternatives (HITId or AssignmentId): each alone lists the state's
  // entity and not that of another state of the same requester
  for (const member of alternativeFilters(op, rule))
    check(
      `.by.${member}`,
      sev(rule.basis, op.input.members[member]?.basis),
      `${op.operation} filtered by ${member} alone lists what that ${member} names and nothing of another.`,
      async (t) => {
        const ids = await t.state(given);
        const other = await t.state(given);
        const input = listInput(ids, member);
        const { keys, c } = await walk(t, input, `by ${member}`);
        const [mine, theirs] = [keyFrom(ids), keyFrom(other)];
        if (!keys.includes(mine))
          t.fail(
            `${op.operation} filtered by ${JSON.stringify(input)} must list the ${entity} ${mine} of provider state ${given}, but its pages hold ${keys.length} item(s) without it`,
            c.raw,
          );
        if (keys.includes(theirs))
          t.fail(
            `${op.operation} filtered by ${member} ${String(input[member])} must list only what that ${member} names, but it also lists ${theirs} (of another ${member}, ${String(other[rule.filter![member]!] ?? other[member])})`,
            c.raw,
          );
      },
    );
  // madeBy: what a successful call of the maker made is listed, found by the values its input fixes
  const madeBy = rule.madeBy;
  const maker = madeBy ? set.apis[op.api].operations.get(madeBy.operation) : undefined;
  if (madeBy && maker && rule.itemKey) {
    const sent = new Map(inputMembers(set, maker).map((m) => [m.name, m]));
    check(
      '.made-by',
      sev(rule.basis, madeBy.basis),
      `After a successful ${maker.operation} from provider state ${madeBy.given}, ${op.operation} lists what it made.`,
      async (t, extra) => {
        const ids = await t.state(madeBy.given);
        const made = { ...extra, ...idInput(set, maker, ids, extra) };
        await succeeds(
          t,
          maker,
          made,
          `${maker.operation} (a valid call from provider state ${madeBy.given})`,
          maker.operation,
        );
        // what the maker was sent (a money structure: its amount), else the state's ids
        const key = keyText(
          keyNames,
          Object.fromEntries(
            keyNames.map((m) => [m, made[m] !== undefined ? String(amountOf(made[m], sent.get(m))) : ids[m]]),
          ),
        );
        const input = listInput(ids);
        const { keys, c } = await walk(t, input, `after ${maker.operation}`);
        if (!keys.includes(key))
          t.fail(
            `After a successful ${maker.operation}, ${op.operation} filtered by ${JSON.stringify(input)} must list the ${entity} it made (${key}), but its pages hold ${keys.length} item(s) without it`,
            c.raw,
          );
      },
      { arb: requiredInput(set, maker) },
    );
  }
  if (!pg) return out;
  // without the (optional) filter, the listing still holds the entity, somewhere in its pages
  // (a filter that is one of an exactly-one group is not optional: the call needs one of them)
  const optionalFilter = filters.every(
    (member) =>
      members.find((m) => m.name === member)?.required === false &&
      !(op.input.exclusive ?? []).some((g) => g.exactlyOne && g.members.includes(member)),
  );
  const unfiltered = { ...ruleInput(rule), [pg.size]: maxSize ?? pg.defaultSize };
  const without = `without ${filters.join(', ')}`;
  if (filters.length && optionalFilter) {
    check(
      '.unfiltered',
      ctx.sev,
      `${op.operation} ${without} lists the ${entity} of provider state ${given} among the caller's.`,
      async (t) => {
        // a fresh requester's listing holds what this check made, where the audience has one
        await t.isolate();
        const ids = await t.state(given);
        const key = keyFrom(ids);
        const { keys, c } = await walk(t, unfiltered, without, { pages: WALK_PAGES, key });
        if (!keys.includes(key))
          t.fail(
            `${op.operation} ${without} must list the ${entity} ${key} of provider state ${given} among the caller's, but its pages hold ${keys.length} item(s) without it`,
            c.raw,
          );
      },
    );
    // a fresh requester (docs/provider-states.md) owns only what its state made: counted exactly.
    // Server only: the client under test signs with the credentials it was given, whose listing
    // holds what every other check made too.
    const where = rule.where?.$status;
    const made =
      set.model.states[given]?.creates.filter(
        (c) =>
          c.entity === entity &&
          (where === undefined || (Array.isArray(where) ? where : [where]).includes(c.status)),
      ).length ?? 0;
    if (rule.owned && made > 0)
      check(
        '.unfiltered-exact',
        ctx.sev,
        `${op.operation} ${without}, signed by a fresh requester, lists exactly the ${made} ${entity}(s) of provider state ${given}.`,
        async (t) => {
          if (!(await t.isolate()))
            t.notRun(
              `the states endpoint hands back no fresh requester (params.requester "fresh", docs/provider-states.md): ${op.operation} ${without} cannot be counted exactly`,
            );
          const ids = await t.state(given);
          const { keys, c } = await walk(t, unfiltered, without);
          if (keys.length !== made || !keys.includes(keyFrom(ids)))
            t.fail(
              `${op.operation} ${without}, signed by a fresh requester that owns only the ${made} ${entity}(s) of provider state ${given}, must list exactly those, but its pages hold ${keys.length}: ${keys.join(', ') || '(none)'}`,
              c.raw,
            );
        },
        { audiences: ['server'] },
      );
  }
  // pagination over a filter the provider state fills with exactly one entity
  const onlyOne =
    filters.length > 0 &&
    (set.model.states[given]?.creates.filter((c) => c.entity === entity).length ?? 0) === 1;
  if (onlyOne)
    check(
      '.pagination',
      sev(rule.basis, pg.basis),
      `${op.operation} with ${pg.size}=1 over a filter matching one ${entity} lists exactly it; the next page is empty.`,
      async (t) => {
        const ids = await t.state(given);
        const first: Record<string, unknown> = { ...listInput(ids), [pg.size]: 1 };
        if (pg.style === 'page' && pg.page) first[pg.page] = 1;
        const c1 = await t.call(op, first, 'first page of size 1');
        const out1 = t.succeeded(c1, op, `${op.operation} with ${pg.size}=1`);
        const page1 = itemsOf(out1);
        const hit = has(page1, keyFrom(ids));
        if (page1.length !== 1 || !hit)
          t.fail(
            `${op.operation} with ${pg.size}=1 over a filter matching one ${entity} must return exactly that ${entity}, but ${items} holds ${page1.length} item(s)${hit ? '' : ' without it'}`,
            c1.raw,
          );
        if (rule.total && out1[rule.total] !== undefined && Number(out1[rule.total]) !== 1)
          t.fail(
            `${op.operation}: ${rule.total} must be 1 here, but it is ${show(out1[rule.total])}`,
            c1.raw,
          );
        let next: Record<string, unknown> | undefined;
        if (pg.style === 'page' && pg.page) next = { ...first, [pg.page]: 2 };
        else if (pg.token && typeof out1[pg.token] === 'string' && out1[pg.token] !== '')
          next = { ...first, [pg.token]: out1[pg.token] };
        if (!next) return;
        const c2 = await t.call(op, next, 'next page');
        const page2 = itemsOf(t.succeeded(c2, op, `${op.operation} for the next page`));
        if (page2.length !== 0)
          t.fail(
            `${op.operation}: past the only ${entity} the next page must be empty, but ${items} holds ${page2.length} item(s)`,
            c2.raw,
          );
      },
    );
  // page tokens are opaque, bound to the operation and its filter values (operations.md §4.3, INF)
  const pgToken = pg.style === 'token' ? pg.token : undefined;
  const invalid = set.apis[op.api].protocol.validation.invalid;
  if (pg.tokenBasis && pgToken)
    check(
      '.foreign-token',
      sev(rule.basis, pg.tokenBasis),
      `A ${pgToken} the server never issued is refused.`,
      async (t) => {
        const ids = await t.state(given);
        // base64 of a JSON object no server issued
        const token = Buffer.from(JSON.stringify({ conformance: 'not a token' }), 'utf8').toString('base64');
        const c = await t.call(op, { ...listInput(ids), [pgToken]: token }, 'a token never issued');
        t.refused(c, op, [invalid], `${op.operation} with a ${pgToken} the server never issued`);
      },
    );
  // several entities under one filter value (pagination.given): counts, totals and a page walk
  const many = pg.given;
  const n = many ? (set.model.states[many]?.creates.filter((c) => c.entity === entity).length ?? 0) : 0;
  if (!many || n < 2) return out;
  const over = `a filter matching the ${n} ${entity}s of provider state ${many}`;
  if (rule.count || rule.total)
    check(
      '.counts',
      ctx.sev,
      `${op.operation} over ${over}, in pages of ${n - 1} and ${n}: ${[rule.count, rule.total].filter(Boolean).join(' and ')} count them.`,
      async (t) => {
        const ids = await t.state(many);
        for (const size of [n - 1, n]) {
          const input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
          if (pg.style === 'page' && pg.page) input[pg.page] = 1;
          const what = `${op.operation} with ${pg.size}=${size} over ${over}`;
          const c = await t.call(op, input, `first page of size ${size}`);
          const output = t.succeeded(c, op, what);
          const list = itemsOf(output);
          // a short page is allowed (the page walk checks the rest); an empty or oversized one is not
          if (list.length === 0 || list.length > size)
            t.fail(
              `${what} must list between 1 and ${size} of them, but ${items} holds ${list.length}`,
              c.raw,
            );
          if (rule.count && Number(output[rule.count]) !== list.length)
            t.fail(
              `${what}: ${rule.count} must be the ${list.length} item(s) on the page, but it is ${show(output[rule.count])}`,
              c.raw,
            );
          if (rule.total && Number(output[rule.total]) !== n)
            t.fail(
              `${what}: ${rule.total} must be all ${n} matching ${entity}s, but it is ${show(output[rule.total])}`,
              c.raw,
            );
        }
      },
    );
  check(
    '.pages',
    sev(rule.basis, pg.basis),
    `${op.operation} over ${over}: the default page holds them all (when it is as large), pages of ${n - 1} give each once.`,
    async (t) => {
      const ids = await t.state(many);
      // without a page size the default page (pagination.defaultSize) holds them all
      if (pg.defaultSize >= n) {
        const c = await t.call(op, listInput(ids), 'default page size');
        const list = itemsOf(t.succeeded(c, op, `${op.operation} without ${pg.size}`));
        if (list.length !== n)
          t.fail(
            `${op.operation} without ${pg.size} over ${over} must list all ${n} (the default page holds ${pg.defaultSize}), but ${items} holds ${list.length}`,
            c.raw,
          );
      }
      // walk pages of n-1: every entity exactly once, no page over the size, then an empty page
      const size = n - 1;
      const seen: string[] = [];
      let input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
      let last: Called | undefined;
      const echoes = pg.style === 'page' && pg.page && outputMembers(set, op).some((m) => m.name === pg.page);
      for (let pageNo = 1; ; pageNo++) {
        if (pageNo > n + 2)
          t.fail(
            `${op.operation} with ${pg.size}=${size} over ${over} still offers another page after ${pageNo - 1} pages`,
            last?.raw,
          );
        if (pg.style === 'page' && pg.page) input = { ...input, [pg.page]: pageNo };
        const what = `${op.operation} page ${pageNo} with ${pg.size}=${size} over ${over}`;
        const c = await t.call(op, input, `page ${pageNo} of size ${size}`);
        last = c;
        const output = t.succeeded(c, op, what);
        const got = itemsOf(output).map(keyOf);
        if (got.length > size) t.fail(`${what} holds ${got.length} item(s), more than the page size`, c.raw);
        const again = got.filter((id) => seen.includes(id));
        if (again.length)
          t.fail(`${what} lists again ${again.join(', ')}, already on an earlier page`, c.raw);
        if (seen.length + got.length > n)
          t.fail(
            `${what} brings the pages to ${seen.length + got.length} item(s), more than the ${n} matching ${entity}s`,
            c.raw,
          );
        if (echoes && Number(output[pg.page!]) !== pageNo)
          t.fail(
            `${what}: ${pg.page} must echo the page asked for (${pageNo}), but it is ${show(output[pg.page!])}`,
            c.raw,
          );
        seen.push(...got);
        if (pg.style === 'page') {
          if (!got.length) break;
          continue;
        }
        const token = pg.token ? output[pg.token] : undefined;
        if (typeof token !== 'string' || token === '') break;
        input = { ...input, [pg.token!]: token };
      }
      const mine = keyFrom(ids, many);
      if (seen.length !== n || !seen.includes(mine))
        t.fail(
          `Walking the pages of ${op.operation} with ${pg.size}=${size} over ${over} must give each of them once, but it gave ${seen.length}: ${seen.join('; ') || '(none)'}${seen.includes(mine) ? '' : ` (without ${mine})`}`,
          last?.raw,
        );
    },
  );
  // a list-valued filter (e.g. statuses): each value lists exactly the entities in it
  for (const [member, field] of Object.entries(rule.filter ?? {}))
    if (members.find((m) => m.name === member)?.type === 'list')
      check(
        `.filter.${member}`,
        ctx.sev,
        `${op.operation} over the ${n} ${entity}s of provider state ${many} with ${member} of one value lists exactly those in it.`,
        async (t) => {
          const ids = await t.state(many);
          const made = (set.model.states[many]?.creates ?? []).filter((c) => c.entity === entity);
          const value = (c: (typeof made)[number]) => c.status ?? c.fields?.[field];
          for (const v of [...new Set(made.map(value).filter((x) => x !== undefined))]) {
            const want = made.filter((c) => value(c) === v).length;
            const what = `${op.operation} with ${member}=${JSON.stringify([v])} over the ${n} ${entity}s of provider state ${many}`;
            const c = await t.call(
              op,
              { ...listInput(ids), [member]: [v], [pg.size]: n },
              `${member} ${String(v)}`,
            );
            const list = itemsOf(t.succeeded(c, op, what));
            const wrong = list.filter(
              (x) => !x || typeof x !== 'object' || (x as Record<string, unknown>)[field] !== v,
            );
            if (list.length !== want || wrong.length)
              t.fail(
                `${what} must list the ${want} in ${String(v)} and nothing else, but ${items} holds ${list.length} item(s)${wrong.length ? `, ${wrong.length} of them not in ${String(v)}` : ''}`,
                c.raw,
              );
          }
        },
      );
  if (pg.tokenBasis && pgToken && filters.length)
    check(
      '.token-bound',
      sev(rule.basis, pg.basis, pg.tokenBasis),
      `A ${pgToken} issued for one filter value is refused with another.`,
      async (t) => {
        const ids = await t.state(many);
        const other = await t.state(given);
        const c1 = await t.call(op, { ...listInput(ids), [pg.size]: n - 1 }, 'first page');
        const token = t.succeeded(c1, op, `${op.operation} with ${pg.size}=${n - 1}`)[pgToken];
        if (typeof token !== 'string' || token === '')
          t.fail(
            `${op.operation} with ${pg.size}=${n - 1} over a filter matching ${n} ${entity}s must give a ${pgToken} for the rest, but it gives none`,
            c1.raw,
          );
        const c2 = await t.call(
          op,
          { ...listInput(other), [pg.size]: n - 1, [pgToken]: token },
          'the token with another filter',
        );
        t.refused(c2, op, [invalid], `${op.operation} with a ${pgToken} issued for other filter values`);
      },
    );
  return out;
}

/**
 * The filter members of a list call, from the ids of a provider state. Of filter members that
 * exclude each other (input.exclusive), only the first the ids fill is sent, or `only` when named.
 */
function filterInput(
  op: OperationSpec,
  rule: RuleSpec,
  ids: Record<string, string>,
  only?: string,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  // a `List[].Member` filter field is filled from the state's id named like the input member
  for (const [member, idName] of Object.entries(rule.filter ?? {}))
    if ((ids[idName] ?? ids[member]) !== undefined) input[member] = ids[idName] ?? ids[member];
  for (const g of op.input.exclusive ?? []) {
    const given = g.members.filter((m) => input[m] !== undefined);
    const keep = only !== undefined && given.includes(only) ? only : given[0];
    for (const m of given) if (m !== keep) delete input[m];
  }
  return input;
}

/** The filter members that are alternatives (one group of input.exclusive): each is checked alone. */
function alternativeFilters(op: OperationSpec, rule: RuleSpec): string[] {
  const filters = Object.keys(rule.filter ?? {});
  return (op.input.exclusive ?? []).flatMap((g) =>
    g.members.filter((m) => filters.includes(m)).length > 1
      ? g.members.filter((m) => filters.includes(m))
      : [],
  );
}

function keyText(members: string[], values: Record<string, unknown>): string {
  // a decimal string compares by its value: "5", "5.0" and "5.00" are one amount
  const norm = (v: unknown) =>
    typeof v === 'string' && /^[0-9]{1,15}(\.[0-9]*)?$/.test(v) && v.includes('.') ? String(Number(v)) : v;
  return members.length === 1
    ? String(values[members[0]!])
    : members.map((m) => `${m}=${JSON.stringify(norm(values[m]) ?? null)}`).join(', ');
}

/** A literal field value a provider state gives an entity (not a `$…` template). */
function literal(v: unknown): string | undefined {
  return (typeof v === 'string' && !v.startsWith('$')) || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : undefined;
}

/** The largest page size the model allows (the page-size member's range), if it says. */
function largestPage(set: SpecSet, op: OperationSpec, rule: RuleSpec): number | undefined {
  const range = inputMembers(set, op)
    .find((m) => m.name === rule.pagination?.size)
    ?.constraints.find((c) => c.kind === 'range');
  return range?.kind === 'range' ? range.max : undefined;
}

/**
 * The input of the page after `output` (undefined at the end): the next token, or for numbered pages
 * page 1 again at the largest size the model allows, then the next ones while the total says more exist.
 */
function nextPage(
  rule: RuleSpec,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  got: number,
  maxSize: number | undefined,
): Record<string, unknown> | undefined {
  const pg = rule.pagination;
  if (!pg) return undefined;
  const sized = maxSize === undefined ? {} : { [pg.size]: maxSize };
  if (pg.style === 'token' && pg.token) {
    const token = output[pg.token];
    return typeof token === 'string' && token !== '' ? { ...input, [pg.token]: token, ...sized } : undefined;
  }
  if (pg.style !== 'page' || !pg.page) return undefined;
  const total = rule.total === undefined ? undefined : Number(output[rule.total]);
  const size = Number(input[pg.size] ?? pg.defaultSize ?? got);
  const resized = maxSize !== undefined && size !== maxSize;
  const at = resized ? 0 : Number(input[pg.page] ?? 1);
  if (got === 0 || total === undefined || !Number.isFinite(total) || (!resized && at * size >= total))
    return undefined;
  return { ...input, [pg.page]: at + 1, ...sized };
}
