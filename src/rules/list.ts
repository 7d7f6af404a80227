// list: a successful call lists the entities of the operation's entity that match `where`
// (statuses: `$status`), are the caller's when `owned`, and match the input members of `filter`;
// `items` holds them, `count` the page's size, `total` all that match, paged by `pagination`.
import { expectError, expectSuccess } from '../checks/judge.ts';
import { minimalInput, sev } from '../checks/plan.ts';
import { expectAsCreated, freshIds } from '../checks/rule-support.ts';
import { type Answered, CheckFailure, type Session } from '../checks/session.ts';
import { show } from '../client-checks/e2e-support.ts';
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
import type { Api, EntitySpec, OperationSpec, ResolvedMember, RuleSpec, SpecSet } from '../spec/types.ts';
import type { Credentials, DecodedCall, Outcome } from '../wire/codec.ts';
import { fromStateCheck } from './context.ts';
import type { EngineContext, RuleKindModule } from './types.ts';
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

  serverChecks(ctx) {
    const { set, op, rule, entity, ent } = ctx;
    const api = op.api;
    const items = rule.items;
    if (!items) return;
    // the rule's own input (e.g. a status to list), then the filters the state's ids fill
    const listInput = (ids: Record<string, string>, only?: string) => ({
      ...ruleInput(rule),
      ...filterInput(op, rule, ids, only),
    });
    // the key of the entity a state made (its id, or the itemKey values the state fixes)
    const keyFrom = (ids: Record<string, string>, state = rule.given) =>
      stateKey(set, rule, entity, state, ids);
    const pgToken = rule.pagination?.style === 'token' ? rule.pagination.token : undefined;
    // later pages of a walk are as large as the model allows
    const maxPageSize = largestPage(set, op, rule);
    // the key members as the API names them in a listed item (legacy shows a grant's WorkerId as
    // SubjectId), and their shapes (a legacy Price keys by its amount)
    const shown = shownNames(set, api, entity);
    const shape = itemShape(set, op, rule);
    const listed = (output: Record<string, unknown>, id: string | undefined) =>
      listedIn(rule, ent, output, id, shown, shape);
    // Both list checks: a fresh provider state, the filtered call, and its successful output:
    // the page that lists the entity (token or numbered pages are followed, up to WALK_PAGES, when no filter
    // narrows the listing to what the state made, e.g. all of the caller's HITs)
    const listFresh = async (s: Session, coverKey: string) => {
      // the caller's listing holds what every check made: a fresh requester's holds this one
      if (rule.owned) await s.isolate();
      const ids = await freshIds(s, op, rule.given);
      s.cover(coverKey);
      let input = listInput(ids);
      let ex = await s.call(api, op.operation, input);
      let output = expectSuccess(set, op, ex, `${op.operation} filtered by ${JSON.stringify(input)}`);
      for (let page = 2; page <= WALK_PAGES && !listed(output, keyFrom(ids)).hit; page++) {
        const next = nextPage(rule, input, output, listed(output, undefined).list.length, maxPageSize);
        if (!next) break;
        input = next;
        ex = await s.call(api, op.operation, input, { label: `page ${page}` });
        output = expectSuccess(set, op, ex, `${op.operation} page ${page}`);
      }
      return { ids, ex, output };
    };
    const pg = rule.pagination;
    const given = rule.given;
    // pagination over a filter the provider state fills with exactly one entity
    const onlyOne =
      given !== undefined &&
      Object.keys(rule.filter ?? {}).length > 0 &&
      (set.model.states[given]?.creates.filter((c) => c.entity === entity).length ?? 0) === 1;
    if (pg && onlyOne)
      ctx.add(`rule.${rule.id}.pagination`, sev(rule.basis, pg.basis), async (s) => {
        const ids = await freshIds(s, op, given);
        s.cover(`rule:${rule.id}:pagination`);
        const first: Record<string, unknown> = { ...listInput(ids), [pg.size]: 1 };
        if (pg.style === 'page' && pg.page) first[pg.page] = 1;
        const ex1 = await s.call(api, op.operation, first, { label: 'first page of size 1' });
        const out1 = expectSuccess(set, op, ex1, `${op.operation} with ${pg.size}=1`);
        const page1 = listed(out1, keyFrom(ids, given));
        if (page1.list.length !== 1 || !page1.hit)
          throw new CheckFailure(
            `${op.operation} with ${pg.size}=1 over a filter matching one ${entity} must return exactly that ${entity}, but ${items} holds ${page1.list.length} item(s)${page1.hit ? '' : ' without it'}.`,
            ex1,
          );
        if (rule.total && out1[rule.total] !== undefined && Number(out1[rule.total]) !== 1)
          throw new CheckFailure(
            `${op.operation}: ${rule.total} must be 1 here, but it is ${JSON.stringify(out1[rule.total])}.`,
            ex1,
          );
        let next: Record<string, unknown> | undefined;
        if (pg.style === 'page' && pg.page) next = { ...first, [pg.page]: 2 };
        else if (pg.token && typeof out1[pg.token] === 'string' && out1[pg.token] !== '')
          next = { ...first, [pg.token]: out1[pg.token] };
        if (!next) return;
        const ex2 = await s.call(api, op.operation, next, { label: 'next page' });
        const out2 = expectSuccess(set, op, ex2, `${op.operation} for the next page`);
        const page2 = listed(out2, keyFrom(ids, given));
        if (page2.list.length !== 0)
          throw new CheckFailure(
            `${op.operation}: past the only ${entity} the next page must be empty, but ${items} holds ${page2.list.length} item(s).`,
            ex2,
          );
      });
    // several entities under one filter value (pagination.given): counts, totals and a page walk
    const many = pg?.given;
    const n = many ? (set.model.states[many]?.creates.filter((c) => c.entity === entity).length ?? 0) : 0;
    const itemIds = (list: unknown[]) => list.map((x) => itemKeyOf(rule, ent, x, shown, shape));
    if (pg && many && n > 1 && (rule.count || rule.total))
      ctx.add(`rule.${rule.id}.counts`, ctx.sev, async (s) => {
        const ids = await freshIds(s, op, many);
        s.cover(`rule:${rule.id}:counts`);
        for (const size of [n - 1, n]) {
          const input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
          if (pg.style === 'page' && pg.page) input[pg.page] = 1;
          const what = `${op.operation} with ${pg.size}=${size} over a filter matching the ${n} ${entity}s of provider state ${many}`;
          const ex = await s.call(api, op.operation, input, { label: `first page of size ${size}` });
          const out = expectSuccess(set, op, ex, what);
          const { list } = listed(out, undefined);
          // a short page is allowed (the page walk checks the rest); an empty or oversized one is not
          if (list.length === 0 || list.length > size)
            throw new CheckFailure(
              `${what} must list between 1 and ${size} of them, but ${items} holds ${list.length}.`,
              ex,
            );
          if (rule.count && Number(out[rule.count]) !== list.length)
            throw new CheckFailure(
              `${what}: ${rule.count} must be the ${list.length} item(s) on the page, but it is ${JSON.stringify(out[rule.count])}.`,
              ex,
            );
          if (rule.total && Number(out[rule.total]) !== n)
            throw new CheckFailure(
              `${what}: ${rule.total} must be all ${n} matching ${entity}s, but it is ${JSON.stringify(out[rule.total])}.`,
              ex,
            );
        }
      });
    if (pg && many && n > 1)
      ctx.add(`rule.${rule.id}.pages`, sev(rule.basis, pg.basis), async (s) => {
        const ids = await freshIds(s, op, many);
        s.cover(`rule:${rule.id}:pages`);
        const filterText = `a filter matching the ${n} ${entity}s of provider state ${many}`;
        // without a page size the default page (pagination.defaultSize) holds them all
        if (pg.defaultSize >= n) {
          const ex = await s.call(api, op.operation, listInput(ids), { label: 'default page size' });
          const out = expectSuccess(set, op, ex, `${op.operation} without ${pg.size}`);
          const { list } = listed(out, undefined);
          if (list.length !== n)
            throw new CheckFailure(
              `${op.operation} without ${pg.size} over ${filterText} must list all ${n} (the default page holds ${pg.defaultSize}), but ${items} holds ${list.length}.`,
              ex,
            );
        }
        // walk pages of n-1: every entity exactly once, no page over the size, then an empty page
        const size = n - 1;
        const seen: string[] = [];
        let input: Record<string, unknown> = { ...listInput(ids), [pg.size]: size };
        let last: Answered | undefined;
        for (let pageNo = 1; ; pageNo++) {
          if (pageNo > n + 2)
            throw new CheckFailure(
              `${op.operation} with ${pg.size}=${size} over ${filterText} still offers another page after ${pageNo - 1} pages.`,
              last,
            );
          if (pg.style === 'page' && pg.page) input = { ...input, [pg.page]: pageNo };
          const what = `${op.operation} page ${pageNo} with ${pg.size}=${size} over ${filterText}`;
          const ex = await s.call(api, op.operation, input, { label: `page ${pageNo} of size ${size}` });
          last = ex;
          const out = expectSuccess(set, op, ex, what);
          const got = itemIds(listed(out, undefined).list);
          if (got.length > size)
            throw new CheckFailure(`${what} holds ${got.length} item(s), more than the page size.`, ex);
          const again = got.filter((id) => seen.includes(id));
          if (again.length)
            throw new CheckFailure(
              `${what} lists again ${again.join(', ')}, already on an earlier page.`,
              ex,
            );
          if (seen.length + got.length > n)
            throw new CheckFailure(
              `${what} brings the pages to ${seen.length + got.length} item(s), more than the ${n} matching ${entity}s.`,
              ex,
            );
          if (pg.style === 'page' && pg.page && outputMembers(set, op).some((m) => m.name === pg.page))
            if (Number(out[pg.page]) !== pageNo)
              throw new CheckFailure(
                `${what}: ${pg.page} must echo the page asked for (${pageNo}), but it is ${JSON.stringify(out[pg.page])}.`,
                ex,
              );
          seen.push(...got);
          if (pg.style === 'page') {
            if (!got.length) break;
            continue;
          }
          const token = pg.token ? out[pg.token] : undefined;
          if (typeof token !== 'string' || token === '') break;
          input = { ...input, [pg.token!]: token };
        }
        const mine = keyFrom(ids, many);
        if (seen.length !== n || !seen.includes(mine))
          throw new CheckFailure(
            `Walking the pages of ${op.operation} with ${pg.size}=${size} over ${filterText} must give each of them once, but it gave ${seen.length}: ${seen.join('; ') || '(none)'}${seen.includes(mine) ? '' : ` (without ${mine})`}.`,
            last,
          );
      });
    // every item of a listing (its pages, up to 50, the later ones as large as the model allows)
    const allItems = async (s: Session, first: Record<string, unknown>, what: string) => {
      let input = first;
      let last: Answered | undefined;
      const got: unknown[] = [];
      for (let page = 1; page <= 50; page++) {
        const ex = await s.call(api, op.operation, input, {
          label: page === 1 ? what : `${what}, page ${page}`,
        });
        last = ex;
        const out = expectSuccess(set, op, ex, `${op.operation} (${what})`);
        const items = listed(out, undefined).list;
        got.push(...items);
        const next = nextPage(rule, input, out, items.length, maxPageSize);
        if (!next) break;
        input = next;
      }
      return { keys: itemIds(got), last: last! };
    };
    // madeBy: what a successful call of the maker made is listed, found by the values its input fixes
    const madeBy = rule.madeBy;
    const maker = madeBy ? set.apis[api].operations.get(madeBy.operation) : undefined;
    if (madeBy && maker && rule.itemKey)
      ctx.add(`rule.${rule.id}.made-by`, sev(rule.basis, madeBy.basis), async (s) => {
        const ids = await freshIds(s, maker, madeBy.given);
        s.cover(`rule:${rule.id}:made-by`);
        const made = minimalInput(set, maker, ids, s.config.seed);
        const ex1 = await s.call(api, maker.operation, made, { label: maker.operation });
        expectSuccess(
          set,
          maker,
          ex1,
          `${maker.operation} (a valid call from provider state ${madeBy.given})`,
        );
        const members = rule.itemKey!;
        // what the maker was sent (a money structure: its amount), else the state's ids
        const sent = new Map(inputMembers(set, maker).map((m) => [m.name, m]));
        const key = keyText(
          members,
          Object.fromEntries(
            members.map((m) => [m, made[m] !== undefined ? String(amountOf(made[m], sent.get(m))) : ids[m]]),
          ),
        );
        const input = listInput(ids);
        const { keys, last } = await allItems(s, input, `after ${maker.operation}`);
        if (!keys.includes(key))
          throw new CheckFailure(
            `After a successful ${maker.operation}, ${op.operation} filtered by ${JSON.stringify(input)} must list the ${entity} it made (${key}), but its pages hold ${keys.length} item(s) without it.`,
            last,
          );
      });
    // filter members that are alternatives (HITId or AssignmentId): each alone lists the state's
    // entity and not that of another state of the same requester
    for (const member of alternativeFilters(op, rule))
      ctx.add(`rule.${rule.id}.by.${member}`, sev(rule.basis, op.input.members[member]?.basis), async (s) => {
        const ids = await freshIds(s, op, rule.given);
        const other = await freshIds(s, op, rule.given);
        s.cover(`rule:${rule.id}:by:${member}`);
        const input = listInput(ids, member);
        const { keys, last } = await allItems(s, input, `by ${member}`);
        const mine = keyFrom(ids);
        const theirs = keyFrom(other);
        if (!keys.includes(mine))
          throw new CheckFailure(
            `${op.operation} filtered by ${JSON.stringify(input)} must list the ${entity} ${mine} of provider state ${rule.given}, but its pages hold ${keys.length} item(s) without it.`,
            last,
          );
        if (keys.includes(theirs))
          throw new CheckFailure(
            `${op.operation} filtered by ${member} ${String(input[member])} must list only what that ${member} names, but it also lists ${theirs} (of another ${member}, ${String(other[rule.filter![member]!] ?? other[member])}).`,
            last,
          );
      });
    ctx.add(`rule.${rule.id}.as-created`, ctx.sev, async (s) => {
      const { ids, ex, output } = await listFresh(s, `rule:${rule.id}:as-created`);
      const key = keyFrom(ids);
      const item = listed(output, key).list.find(
        (x) => x && typeof x === 'object' && itemKeyOf(rule, ent, x, shown, shape) === key,
      );
      if (!item)
        throw new CheckFailure(`${op.operation} must list the ${entity} ${key}, but it does not.`, ex);
      const itemMembers = outputMembers(set, op).find((m) => m.name === items)?.item?.members ?? [];
      expectAsCreated(
        item as Record<string, unknown>,
        rule.itemMembers ? itemMembers.filter((m) => rule.itemMembers!.includes(m.name)) : itemMembers,
        createdFacts(set, entity, rule.given, ids, api),
        `${op.operation} (the listed ${entity})`,
        ex,
      );
    });
    // without the (optional) filter, the listing still holds the entity, somewhere in its pages
    // (a filter that is one of an exactly-one group is not optional: the call needs one of them)
    const optionalFilter = Object.keys(rule.filter ?? {}).every(
      (member) =>
        inputMembers(set, op).find((m) => m.name === member)?.required === false &&
        !(op.input.exclusive ?? []).some((g) => g.exactlyOne && g.members.includes(member)),
    );
    const filterNames = Object.keys(rule.filter ?? {}).join(', ');
    // every page of the listing without the filter, signed as `as`
    const unfilteredPages = async (s: Session, as: number | Credentials) => {
      let input: Record<string, unknown> = { ...ruleInput(rule), [pg!.size]: maxPageSize ?? pg!.defaultSize };
      let last: Answered | undefined;
      const items: unknown[] = [];
      for (let pageNo = 1; pageNo <= 50; pageNo++) {
        if (pg!.style === 'page' && pg!.page) input = { ...input, [pg!.page]: pageNo };
        const ex = await s.call(api, op.operation, input, { as, label: `unfiltered page ${pageNo}` });
        last = ex;
        const out = expectSuccess(set, op, ex, `${op.operation} without ${filterNames}`);
        const page = listed(out, undefined).list;
        items.push(...page);
        const token = pg!.token ? out[pg!.token] : undefined;
        if (pg!.style === 'page' ? !page.length : typeof token !== 'string' || token === '') break;
        if (pg!.style === 'token') input = { ...input, [pg!.token!]: token };
      }
      return { ids: itemIds(items), last };
    };
    if (pg && Object.keys(rule.filter ?? {}).length && optionalFilter)
      ctx.add(`rule.${rule.id}.unfiltered`, ctx.sev, async (s) => {
        // a fresh requester, else another requester's key when there is one: its listing holds
        // (nearly) only what this check made
        const as = (await s.isolate()) ? 0 : s.config.credentials.length > 1 ? 1 : 0;
        const ids = await freshIds(s, op, rule.given, as);
        s.cover(`rule:${rule.id}:unfiltered`);
        const { ids: got, last } = await unfilteredPages(s, as);
        if (!got.includes(keyFrom(ids)))
          throw new CheckFailure(
            `${op.operation} without ${filterNames} must list the ${entity} ${keyFrom(ids)} of provider state ${rule.given} among the caller's, but its pages hold ${got.length} item(s) without it.`,
            last,
          );
      });
    // a fresh requester (docs/provider-states.md) owns only what its state made: counted exactly
    const where = rule.where?.$status;
    const made = rule.given
      ? (set.model.states[rule.given]?.creates.filter(
          (c) =>
            c.entity === entity &&
            (where === undefined || (Array.isArray(where) ? where : [where]).includes(c.status)),
        ).length ?? 0)
      : 0;
    if (pg && Object.keys(rule.filter ?? {}).length && optionalFilter && rule.owned && made > 0)
      ctx.add(`rule.${rule.id}.unfiltered-exact`, ctx.sev, async (s) => {
        const { ids, as } = await s.freshState(rule.given!);
        s.cover(`rule:${rule.id}:unfiltered-exact`);
        const { ids: got, last } = await unfilteredPages(s, as);
        if (got.length !== made || !got.includes(keyFrom(ids)))
          throw new CheckFailure(
            `${op.operation} without ${filterNames}, signed by a fresh requester that owns only the ${made} ${entity}(s) of provider state ${rule.given}, must list exactly those, but its pages hold ${got.length}: ${got.join(', ') || '(none)'}.`,
            last,
          );
      });
    if (rule.owned)
      ctx.add(`rule.${rule.id}.owned`, ctx.sev, async (s) => {
        s.creds(1);
        const ids = await freshIds(s, op, rule.given, 0);
        s.cover(`rule:${rule.id}:owned`);
        // a fresh requester as the non-owner where the target has them: its pages are its own few
        const other = (await s.freshRequester()) ?? 1;
        // every page the non-owner is given (up to 50): none lists the owner's entity
        let input = listInput(ids);
        for (let page = 1; page <= 50; page++) {
          const ex = await s.call(api, op.operation, input, {
            as: other,
            label: page === 1 ? 'list by a non-owner' : `page ${page} for a non-owner`,
          });
          if (ex.answer.kind === 'success' && listed(ex.answer.output, keyFrom(ids)).hit)
            throw new CheckFailure(
              `${op.operation} signed by another requester must not list the owner's ${entity} ${keyFrom(ids)}, but it does.`,
              ex,
            );
          if (ex.answer.kind === 'garbage')
            throw new CheckFailure(
              `${op.operation} by a non-owner gave an unreadable answer: ${ex.answer.problems.join('; ')}.`,
              ex,
            );
          const token = ex.answer.kind === 'success' && pgToken ? ex.answer.output[pgToken] : undefined;
          if (typeof token !== 'string' || token === '') break;
          input = { ...input, [pgToken!]: token, ...(maxPageSize ? { [pg!.size]: maxPageSize } : {}) };
        }
      });
    // itemMembers: each listed item shows those members and no others
    if (rule.itemMembers)
      ctx.add(`rule.${rule.id}.item-members`, ctx.sev, async (s) => {
        const { ids, ex, output } = await listFresh(s, `rule:${rule.id}:item-members`);
        const only = rule.itemMembers!;
        const list = listed(output, keyFrom(ids)).list;
        if (!list.length)
          throw new CheckFailure(
            `${op.operation} must list the ${entity} ${keyFrom(ids)}, but it does not.`,
            ex,
          );
        for (const item of list) {
          const keys = item && typeof item === 'object' ? Object.keys(item) : [];
          const extra = keys.filter((k) => !only.includes(k));
          const missing = only.filter((k) => !keys.includes(k));
          if (extra.length || missing.length)
            throw new CheckFailure(
              `Each item of ${items} must show only ${only.join(', ')}, but one shows ${keys.join(', ') || 'nothing'}${missing.length ? ` (without ${missing.join(', ')})` : ''}.`,
              ex,
            );
        }
      });
    // a list-valued filter (e.g. statuses): each value lists exactly the entities in it
    const listFilters = Object.entries(rule.filter ?? {}).filter(
      ([member]) => inputMembers(set, op).find((m) => m.name === member)?.type === 'list',
    );
    if (pg && many && n > 1)
      for (const [member, field] of listFilters)
        ctx.add(`rule.${rule.id}.filter.${member}`, ctx.sev, async (s) => {
          const ids = await freshIds(s, op, many);
          s.cover(`rule:${rule.id}:filter:${member}`);
          const made = (set.model.states[many]?.creates ?? []).filter((c) => c.entity === entity);
          const values = [
            ...new Set(made.map((c) => c.status ?? c.fields?.[field]).filter((v) => v !== undefined)),
          ];
          for (const v of values) {
            const want = made.filter((c) => (c.status ?? c.fields?.[field]) === v).length;
            const input = { ...listInput(ids), [member]: [v], [pg.size]: n };
            const what = `${op.operation} with ${member}=${JSON.stringify([v])} over the ${n} ${entity}s of provider state ${many}`;
            const ex = await s.call(api, op.operation, input, { label: `${member} ${String(v)}` });
            const { list } = listed(expectSuccess(set, op, ex, what), undefined);
            const wrong = list.filter(
              (x) => !x || typeof x !== 'object' || (x as Record<string, unknown>)[field] !== v,
            );
            if (list.length !== want || wrong.length)
              throw new CheckFailure(
                `${what} must list the ${want} in ${String(v)} and nothing else, but ${items} holds ${list.length} item(s)${wrong.length ? `, ${wrong.length} of them not in ${String(v)}` : ''}.`,
                ex,
              );
          }
        });
    // page tokens are bound to the operation and its filter values (operations.md §4.3, INF)
    const invalidErr = set.apis[api].protocol.validation.invalid;
    if (pg?.tokenBasis && pgToken && many && n > 1 && Object.keys(rule.filter ?? {}).length)
      ctx.add(`rule.${rule.id}.token-bound`, sev(rule.basis, pg.basis, pg.tokenBasis), async (s) => {
        const ids = await freshIds(s, op, many);
        const other = await freshIds(s, op, rule.given);
        s.cover(`rule:${rule.id}:token-bound`);
        const ex1 = await s.call(
          api,
          op.operation,
          { ...listInput(ids), [pg.size]: n - 1 },
          { label: 'first page' },
        );
        const token = expectSuccess(set, op, ex1, `${op.operation} with ${pg.size}=${n - 1}`)[pgToken];
        if (typeof token !== 'string' || token === '')
          throw new CheckFailure(
            `${op.operation} with ${pg.size}=${n - 1} over a filter matching ${n} ${entity}s must give a ${pgToken} for the rest, but it gives none.`,
            ex1,
          );
        const ex2 = await s.call(
          api,
          op.operation,
          { ...listInput(other), [pg.size]: n - 1, [pgToken]: token },
          { label: 'the token with another filter' },
        );
        expectError(
          set,
          api,
          ex2,
          [invalidErr],
          `${op.operation} with a ${pgToken} issued for other filter values`,
        );
      });
    if (pg?.tokenBasis && pgToken)
      ctx.add(`rule.${rule.id}.foreign-token`, sev(rule.basis, pg.tokenBasis), async (s) => {
        const ids = await freshIds(s, op, rule.given);
        s.cover(`rule:${rule.id}:foreign-token`);
        // base64 of a JSON object no server issued
        const token = Buffer.from(JSON.stringify({ conformance: 'not a token' }), 'utf8').toString('base64');
        const ex = await s.call(
          api,
          op.operation,
          { ...listInput(ids), [pgToken]: token },
          { label: 'a token never issued' },
        );
        expectError(set, api, ex, [invalidErr], `${op.operation} with a ${pgToken} the server never issued`);
      });
  },

  checks(ctx) {
    const { set, op, rule, entity, ent } = ctx;
    if (!rule.given || !rule.items) return [];
    const { given, items } = rule as { given: string; items: string };
    return [
      fromStateCheck(
        ctx,
        given,
        `${op.operation} filtered on the ids of provider state ${given} lists its ${entity} in ${items}.`,
        async (t, required, ids) => {
          const filter = { ...ruleInput(rule), ...filterInput(op, rule, ids) };
          const key = stateKey(set, rule, entity, given, ids);
          let input: Record<string, unknown> = { ...required, ...filter };
          // of members that exclude each other, only the filter's stays
          for (const g of op.input.exclusive ?? [])
            for (const m of g.members)
              if (!(m in filter) && g.members.some((x) => x in filter)) delete input[m];
          let c = await t.call(op, input);
          let output = t.succeeded(c, op, `${op.operation} filtered by ${JSON.stringify(filter)}`);
          const shown = shownNames(set, op.api, entity);
          const shape = itemShape(set, op, rule);
          let { list, hit } = listedIn(rule, ent, output, key, shown, shape);
          // pages are followed (up to WALK_PAGES, later ones as large as the model allows) while the entity
          // is not listed: a listing no filter narrows holds all of the caller's entities
          const maxSize = largestPage(set, op, rule);
          for (let page = 2; page <= WALK_PAGES && !hit; page++) {
            const next = nextPage(rule, input, output, list.length, maxSize);
            if (!next) break;
            input = next;
            c = await t.call(op, input);
            output = t.succeeded(c, op, `${op.operation} page ${page}`);
            ({ list, hit } = listedIn(rule, ent, output, key, shown, shape));
          }
          if (!hit)
            t.fail(
              `${op.operation} must list the ${entity} ${key} of provider state ${given}, but ${items} holds ${list.length} item(s) without it`,
              c.raw,
            );
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
        { isolate: rule.owned === true },
      ),
    ];
  },
};

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

/** The members that tell listed items apart: the rule's itemKey, else the entity's id. */
function keyMembers(rule: RuleSpec, ent: EntitySpec): string[] {
  return rule.itemKey ?? [ent.id];
}

function keyText(members: string[], values: Record<string, unknown>): string {
  // a decimal string compares by its value: "5", "5.0" and "5.00" are one amount
  const norm = (v: unknown) =>
    typeof v === 'string' && /^[0-9]{1,15}(\.[0-9]*)?$/.test(v) && v.includes('.') ? String(Number(v)) : v;
  return members.length === 1
    ? String(values[members[0]!])
    : members.map((m) => `${m}=${JSON.stringify(norm(values[m]) ?? null)}`).join(', ');
}

/** The members of a listed item, by name: a money structure among them (a legacy Price) keys by its amount. */
function itemShape(set: SpecSet, op: OperationSpec, rule: RuleSpec): Map<string, ResolvedMember> {
  const list = outputMembers(set, op).find((m) => m.name === rule.items);
  return new Map((list?.item?.members ?? []).map((m) => [m.name, m]));
}

/** A listed item's key (its id, or its itemKey members). */
function itemKeyOf(
  rule: RuleSpec,
  ent: EntitySpec,
  x: unknown,
  shown: Record<string, string> = {},
  shape?: Map<string, ResolvedMember>,
): string {
  if (!x || typeof x !== 'object') return String(x);
  const rec = x as Record<string, unknown>;
  const members = keyMembers(rule, ent);
  // amounts and ids compare as the strings the wire carries (a money structure: its amount); a
  // member the API names otherwise (model.json names) is read under that name
  const text = (m: string) => {
    const v = amountOf(rec[shown[m] ?? m], shape?.get(m));
    return v === undefined ? undefined : String(v);
  };
  return keyText(members, Object.fromEntries(members.map((m) => [m, text(m)])));
}

/** The entity's fields the API names otherwise (model.json names), field → name. */
function shownNames(set: SpecSet, api: Api, entity: string): Record<string, string> {
  return set.model.entities[entity]?.names?.[api]?.fields ?? {};
}

/** A literal field value a provider state gives an entity (not a `$…` template). */
function literal(v: unknown): string | undefined {
  return (typeof v === 'string' && !v.startsWith('$')) || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : undefined;
}

/**
 * The key of the entity a provider state made: its id; with an itemKey, each member from the ids
 * the state returned (under the member's name), else the literal value the state gives the first
 * entity of the kind it creates (the loader checks that one of them fixes every member).
 */
export function stateKey(
  set: SpecSet,
  rule: RuleSpec,
  entity: string,
  state: string | undefined,
  ids: Record<string, string>,
): string {
  const ent = set.model.entities[entity]!;
  const made = state ? set.model.states[state]?.creates.find((c) => c.entity === entity) : undefined;
  const members = keyMembers(rule, ent);
  return keyText(members, Object.fromEntries(members.map((m) => [m, ids[m] ?? literal(made?.fields?.[m])])));
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

/** The listed items of an output, and whether the item of key `key` is among them. */
function listedIn(
  rule: RuleSpec,
  ent: EntitySpec,
  output: Record<string, unknown>,
  key: string | undefined,
  shown: Record<string, string> = {},
  shape?: Map<string, ResolvedMember>,
) {
  const v = rule.items ? output[rule.items] : undefined;
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  return {
    list,
    hit:
      key !== undefined &&
      list.some((x) => x && typeof x === 'object' && itemKeyOf(rule, ent, x, shown, shape) === key),
  };
}
