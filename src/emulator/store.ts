// A generic in-memory store over the entities of specs/model.json. It knows ids, owners,
// parent links, statuses and the field templates (read by src/rules/values.ts);
// it knows no entity by name.
import { randomFillSync, randomInt } from 'node:crypto';
import { resolveTemplate, type TemplateHooks, templateOrder } from '../rules/values.ts';
import { namedFields } from '../spec/resolve.ts';
import type { Api, EntitySpec, SpecSet, TimerSpec } from '../spec/types.ts';

export interface StoredEntity {
  entity: string;
  id: string;
  /** The requester who owns it (root entities only; children inherit through their parent). */
  owner?: string;
  /** The parent's id (the entity named by the model's parent link). */
  parentId?: string;
  /** Field values, including the id field, the parent link field and hidden `$…` fields. */
  fields: Record<string, unknown>;
  /** Creation order, for stable listing. */
  seq: number;
}

export interface StoreSnapshot {
  seq: number;
  entities: [string, StoredEntity[]][];
  tokens: [string, { at: number; id?: string }][];
}

/** A message the emulator would have sent: which operation, for which requester, to whom, what. */
export interface OutboxEntry {
  operation: string;
  requester: string;
  at: Date;
  /** a Worker id, a notification destination, … */
  to?: string;
  input: Record<string, unknown>;
}

export interface CreateOptions {
  /** An id allocated beforehand (`newId`), so a rule can name the entity before it is stored. */
  id?: string;
  owner?: string;
  parent?: StoredEntity;
  status?: string;
  fields?: Record<string, unknown>;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** One step of a pattern: a character set and how many characters of it (`+`: up to the open length). */
interface PatternPiece {
  chars: string;
  count: number;
  plus: boolean;
}

// Ids are made on every create: each pattern is read once (bounded: patterns come from the specs,
// and from tests).
const compiledPatterns = new Map<string, PatternPiece[]>();

function compilePattern(pattern: string): PatternPiece[] {
  const hit = compiledPatterns.get(pattern);
  if (hit) return hit;
  let src = pattern.replace(/^\^/, '').replace(/\$$/, '');
  const pieces: PatternPiece[] = [];
  const classChars = (body: string): string => {
    let chars = '';
    for (let i = 0; i < body.length; i++) {
      if (body[i + 1] === '-' && body[i + 2] !== undefined) {
        for (let c = body.charCodeAt(i); c <= body.charCodeAt(i + 2); c++) chars += String.fromCharCode(c);
        i += 2;
      } else chars += body[i];
    }
    return chars || ALNUM;
  };
  while (src.length) {
    let chars: string;
    const cls = /^\[([^\]]+)\]/.exec(src);
    if (cls) {
      chars = classChars(cls[1]!);
      src = src.slice(cls[0].length);
    } else if (src.startsWith('\\') && src.length > 1) {
      chars = src[1]!;
      src = src.slice(2);
    } else {
      chars = src[0]!;
      src = src.slice(1);
    }
    let count = 1;
    let plus = false;
    const q = /^(\{(\d+)(,(\d*))?\}|\+|\*|\?)/.exec(src);
    if (q) {
      if (q[1] === '+') plus = true;
      else if (q[1] === '*' || q[1] === '?') count = 1;
      else count = Number(q[2]);
      src = src.slice(q[0].length);
    }
    pieces.push({ chars, count, plus });
  }
  if (compiledPatterns.size >= 256) compiledPatterns.clear();
  compiledPatterns.set(pattern, pieces);
  return pieces;
}

// Random bytes drawn in blocks: a crypto call per character of every id was a visible share of a create.
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;

/** A uniform random index below n (crypto-random, as randomInt). */
function randomIndex(n: number): number {
  if (n <= 1) return 0;
  if (n > 256) return randomInt(n);
  // rejection keeps every index equally likely
  const limit = 256 - (256 % n);
  for (;;) {
    if (randomAt >= randomPool.length) {
      randomFillSync(randomPool);
      randomAt = 0;
    }
    const b = randomPool[randomAt++]!;
    if (b < limit) return b % n;
  }
}

/**
 * Generates a string matching a simple anchored pattern: literals, character classes such as
 * [A-Z0-9] and the quantifiers {n}, {n,m}, + and *. Enough for the id formats in the specs.
 */
export function sampleFromPattern(pattern: string, openLength = 14): string {
  // the character codes first, then one string: a string per character added was a visible share
  // of what a create allocates
  let n = 0;
  for (const piece of compilePattern(pattern)) {
    const count = piece.plus ? Math.max(1, openLength - n) : piece.count;
    for (let i = 0; i < count; i++)
      sampleCodes[n++] = piece.chars.charCodeAt(randomIndex(piece.chars.length));
  }
  let out = '';
  for (let at = 0; at < n; at += CODES_PER_STRING)
    out += String.fromCharCode.apply(null, sampleCodes.slice(at, Math.min(n, at + CODES_PER_STRING)));
  return out;
}

/** Reused between calls; read in slices so that a long pattern stays within an apply's arguments. */
const sampleCodes: number[] = [];
const CODES_PER_STRING = 4096;

const deepClone = <T>(v: T): T => structuredClone(v);

const fieldOrders = new WeakMap<EntitySpec, string[]>();

/** Sets of entities by kind, then by a parent's id or an owner: two map lookups, where one key
 * joined from both was a new string (made, then hashed) on every read of a counter. */
class KindIndex {
  private byKind = new Map<string, Map<string, Set<StoredEntity>>>();
  get(entity: string, key: string): Set<StoredEntity> | undefined {
    return this.byKind.get(entity)?.get(key);
  }
  add(entity: string, key: string, rec: StoredEntity): void {
    let m = this.byKind.get(entity);
    if (!m) {
      m = new Map();
      this.byKind.set(entity, m);
    }
    const set = m.get(key);
    if (set) set.add(rec);
    else m.set(key, new Set([rec]));
  }
  clear(): void {
    this.byKind.clear();
  }
}

/** When a timer's entity comes due, as it stood when the entity was last written. */
interface DueEntry {
  at: number;
  rec: StoredEntity;
}

/** A timer and the entities that were in one of its statuses with its time set when last written. */
interface TimerIndex {
  timer: TimerSpec;
  /** a binary min-heap on `at`; entries of entities written since are stale and dropped lazily */
  heap: DueEntry[];
}

/** An invalid Date is due at once (the timer scan fires it: NaN is never later than now). */
const dueTime = (d: Date): number => {
  const t = d.getTime();
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

function heapPush(heap: DueEntry[], e: DueEntry): void {
  let i = heap.push(e) - 1;
  while (i > 0) {
    const up = (i - 1) >> 1;
    if (heap[up]!.at <= e.at) break;
    heap[i] = heap[up]!;
    i = up;
  }
  heap[i] = e;
}

function heapPop(heap: DueEntry[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const r = l + 1;
    const c = r < heap.length && heap[r]!.at < heap[l]!.at ? r : l;
    if (heap[c]!.at >= last.at) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = last;
}

export class Store {
  private entities = new Map<string, Map<string, StoredEntity>>();
  /** children by kind and parent id, in creation order: counters and settling read them on every
   * call, and a scan of every child of the kind made each read grow with the store */
  private kids = new KindIndex();
  /** root entities by kind and owner, in creation order: a list of the caller's own (ListHITs)
   * filtered every entity of the kind, which a long run makes tens of thousands of */
  private owned = new KindIndex();
  /** kinds with an entity whose id field is not its store id (`select` looks those up by field) */
  private aliased = new Set<string>();
  private seq = 0;
  /** Idempotency tokens seen (token rules): key → when, and the id of what the call made. */
  private tokens = new Map<string, { at: number; id?: string }>();
  /** What the emulator would have sent (e-mail to Workers, notifications), oldest first. */
  private sent: OutboxEntry[] = [];
  /** The timers of each entity kind with what may come due (model.json `timers`): the timer run
   * that comes before a request looked at every entity of the kind, once a second. */
  private timers = new Map<string, TimerIndex[]>();
  /** While a change is journalled (`journal`): what it made, and each touched entity's fields as
   * they were, so a failed Worker action undoes only what it touched (a snapshot copied the store). */
  private undo?: {
    seq: number;
    kinds: Set<string>;
    made: StoredEntity[];
    fields: Map<StoredEntity, Record<string, unknown>>;
  };

  constructor(
    readonly set: SpecSet,
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const timer of Object.values(set.model.timers ?? {})) {
      const list = this.timers.get(timer.entity) ?? [];
      list.push({ timer, heap: [] });
      this.timers.set(timer.entity, list);
    }
  }

  /** Notes when the entity comes due for each timer of its kind, as its fields stand now. */
  private noteDue(rec: StoredEntity): void {
    const list = this.timers.get(rec.entity);
    if (!list) return;
    for (const x of list) {
      const at = rec.fields[x.timer.at];
      if (!(at instanceof Date) || !x.timer.status.includes(String(this.statusOf(rec)))) continue;
      heapPush(x.heap, { at: dueTime(at), rec });
      // entries of entities written again pile up: past twice the kind's count, start afresh
      if (x.heap.length > 2 * (this.entities.get(rec.entity)?.size ?? 0) + 1024)
        this.reindexTimers(rec.entity);
    }
  }

  private reindexTimers(entity?: string): void {
    for (const [kind, list] of this.timers) {
      if (entity !== undefined && kind !== entity) continue;
      for (const x of list) x.heap = [];
      for (const rec of this.entities.get(kind)?.values() ?? []) this.noteDue(rec);
    }
  }

  /**
   * Whether some timer may be due at `nowMs`: false only when no entity is in a timer's status
   * with its time at or before then (the timer run then has nothing to do and can skip its scan).
   */
  timersMaybeDue(nowMs: number): boolean {
    for (const list of this.timers.values())
      for (const x of list) {
        const heap = x.heap;
        while (heap.length > 0) {
          const { at, rec } = heap[0]!;
          const v = rec.fields[x.timer.at];
          const live =
            this.entities.get(rec.entity)?.get(rec.id) === rec &&
            v instanceof Date &&
            dueTime(v) === at &&
            x.timer.status.includes(String(this.statusOf(rec)));
          if (!live) {
            heapPop(heap);
            continue;
          }
          if (at <= nowMs) return true;
          break;
        }
      }
    return false;
  }

  spec(entity: string): EntitySpec {
    const e = this.set.model.entities[entity];
    if (!e) throw new Error(`unknown entity ${entity}`);
    return e;
  }

  private table(entity: string): Map<string, StoredEntity> {
    let t = this.entities.get(entity);
    if (!t) {
      t = new Map();
      this.entities.set(entity, t);
    }
    return t;
  }

  newId(entity: string): string {
    // Without an idFormat in the model, ids are 30 random alphanumerics.
    const pattern = this.spec(entity).idFormat?.pattern ?? `^[${ALNUM}]{30}$`;
    const t = this.table(entity);
    for (;;) {
      const id = sampleFromPattern(pattern);
      if (!t.has(id)) return id;
    }
  }

  /** A value matching the pattern that some API's shape gives this field, for `$worker`. */
  private workerId(entity: string, field: string): string {
    for (const api of Object.values(this.set.apis)) {
      const shapeName = api.shapes.shapes[entity]?.members?.[field]?.shape;
      const pattern = shapeName
        ? api.shapes.shapes[shapeName]?.constraints?.find((c) => c.kind === 'pattern')
        : undefined;
      if (pattern && pattern.kind === 'pattern') return sampleFromPattern(pattern.pattern, 14);
    }
    return sampleFromPattern(`^[${ALNUM}]{14}$`);
  }

  /** Resolves a field template (the value language: src/rules/values.ts). */
  resolveTemplate(entity: string, field: string, value: unknown, fields: Record<string, unknown>): unknown {
    return resolveTemplate(value, field, fields, this.hooksOf(entity));
  }

  /** The template hooks of an entity kind, made once (a create resolves every field template). */
  private hooks = new Map<string, TemplateHooks>();

  private hooksOf(entity: string): TemplateHooks {
    let h = this.hooks.get(entity);
    if (!h) {
      h = {
        now: this.now,
        newId: () => this.newId(entity),
        worker: (f) => this.workerId(entity, f),
      };
      this.hooks.set(entity, h);
    }
    return h;
  }

  create(entity: string, opts: CreateOptions = {}): StoredEntity {
    const spec = this.spec(entity);
    const id = opts.id ?? this.newId(entity);
    const fields: Record<string, unknown> = { [spec.id]: id };
    if (spec.parent && opts.parent) fields[spec.parent.via] = opts.parent.id;
    const templates = opts.fields ? { ...spec.fields, ...opts.fields } : spec.fields;
    const order = opts.fields ? templateOrder(templates) : this.fieldOrder(spec);
    for (const k of order) fields[k] = this.resolveTemplate(entity, k, templates[k], fields);
    if (spec.status && opts.status !== undefined) fields[spec.status.field] = opts.status;
    else if (spec.status && fields[spec.status.field] === undefined)
      fields[spec.status.field] = spec.status.values[0];
    const rec: StoredEntity = { entity, id, fields, seq: ++this.seq };
    if (opts.parent) rec.parentId = opts.parent.id;
    else if (opts.owner !== undefined) rec.owner = opts.owner;
    this.table(entity).set(id, rec);
    this.index(rec);
    this.noteDue(rec);
    this.undo?.made.push(rec);
    return rec;
  }

  /** The order of an entity kind's own field templates (model.json is read-only once loaded). */
  private fieldOrder(spec: EntitySpec): string[] {
    let order = fieldOrders.get(spec);
    if (!order) {
      order = templateOrder(spec.fields);
      fieldOrders.set(spec, order);
    }
    return order;
  }

  /** Whether the requester API can see the entity (model.json `status.invisible`). */
  visible(rec: StoredEntity): boolean {
    const s = this.set.model.entities[rec.entity]?.status;
    return !s?.invisible?.includes(String(rec.fields[s.field]));
  }

  /** The entity as the requester API finds it: one in an invisible status does not exist. */
  get(entity: string, id: unknown): StoredEntity | undefined {
    const rec = this.getAny(entity, id);
    return rec && this.visible(rec) ? rec : undefined;
  }

  /**
   * The entity a call selects by `id`: its store id, or its id field (a grant made through
   * AssociateQualificationWithWorker has its own store id and the WorkerId as a field), under the
   * parent the input names when it names one (a Worker may hold grants of several types).
   */
  select(entity: string, id: unknown, input: Record<string, unknown>): StoredEntity | undefined {
    if (typeof id !== 'string') return undefined;
    const spec = this.spec(entity);
    const parentId = spec.parent ? input[spec.parent.via] : undefined;
    const direct = this.getAny(entity, id);
    // (the direct case written out: no closure made on every call)
    if (direct && this.visible(direct) && (typeof parentId !== 'string' || direct.parentId === parentId))
      return direct;
    // a scan of every entity of the kind, only for kinds whose id field can differ from the store
    // id (an unknown id, which many checks send, found nothing after reading them all)
    if (!this.aliased.has(entity)) return undefined;
    const fits = (r: StoredEntity) =>
      this.visible(r) && (typeof parentId !== 'string' || r.parentId === parentId);
    const parent =
      typeof parentId === 'string' && spec.parent ? this.getAny(spec.parent.entity, parentId) : undefined;
    const pool = parent ? this.childrenOf(parent, entity) : this.listAll(entity);
    return pool.find((r) => r.fields[spec.id] === id && fits(r));
  }

  /** The entity whatever its status (Worker actions, timers). */
  getAny(entity: string, id: unknown): StoredEntity | undefined {
    if (typeof id !== 'string') return undefined;
    return this.entities.get(entity)?.get(id);
  }

  parentOf(rec: StoredEntity): StoredEntity | undefined {
    const p = this.set.model.entities[rec.entity]?.parent;
    return p && rec.parentId !== undefined ? this.getAny(p.entity, rec.parentId) : undefined;
  }

  /** The owner of the root of the entity's parent chain. */
  ownerOf(rec: StoredEntity): string | undefined {
    let cur: StoredEntity | undefined = rec;
    for (let i = 0; cur && i < 32; i++) {
      if (cur.parentId === undefined) return cur.owner;
      cur = this.parentOf(cur);
    }
    return undefined;
  }

  statusOf(rec: StoredEntity): unknown {
    const s = this.set.model.entities[rec.entity]?.status;
    return s ? rec.fields[s.field] : undefined;
  }

  /** The entities the requester API can see, in creation order. */
  list(entity: string): StoredEntity[] {
    const all = this.listAll(entity);
    return this.set.model.entities[entity]?.status?.invisible?.length
      ? all.filter((rec) => this.visible(rec))
      : all;
  }

  /** Every entity of a kind, whatever its status. */
  listAll(entity: string): StoredEntity[] {
    // Maps keep insertion order, which is creation order.
    return [...(this.entities.get(entity)?.values() ?? [])];
  }

  /**
   * The entities of a kind that `owner` owns (through their parent chain) and the requester API
   * can see, in creation order: `list` narrowed to one owner, from an index for root kinds.
   */
  listOwned(entity: string, owner: string): StoredEntity[] {
    if (this.spec(entity).parent) return this.list(entity).filter((rec) => this.ownerOf(rec) === owner);
    const mine = [...(this.owned.get(entity, owner) ?? [])];
    return this.set.model.entities[entity]?.status?.invisible?.length
      ? mine.filter((rec) => this.visible(rec))
      : mine;
  }

  /** The root entities of a kind that `owner` owns, whatever their status, in creation order. */
  ownedAny(entity: string, owner: string): StoredEntity[] {
    return [...(this.owned.get(entity, owner) ?? [])];
  }

  /** Removes an entity (used to undo a provider state that could not be completed). */
  remove(rec: StoredEntity): void {
    this.entities.get(rec.entity)?.delete(rec.id);
    if (rec.parentId !== undefined) this.kids.get(rec.entity, rec.parentId)?.delete(rec);
    else if (rec.owner !== undefined) this.owned.get(rec.entity, rec.owner)?.delete(rec);
  }

  private index(rec: StoredEntity): void {
    this.noteAlias(rec);
    if (rec.parentId === undefined) {
      if (rec.owner === undefined) return;
      this.owned.add(rec.entity, rec.owner, rec);
      return;
    }
    this.kids.add(rec.entity, rec.parentId, rec);
  }

  /** Removes an entity and everything under it (its children, their children). */
  removeTree(rec: StoredEntity): void {
    for (const [name, e] of Object.entries(this.set.model.entities))
      if (e.parent?.entity === rec.entity)
        for (const child of this.list(name)) if (child.parentId === rec.id) this.removeTree(child);
    this.remove(rec);
  }

  /** The entity's children of one kind. */
  childrenOf(rec: StoredEntity, entity: string): StoredEntity[] {
    if (this.set.model.entities[entity]?.parent?.entity !== rec.entity) return [];
    // invisible children too (an accepted, unsubmitted assignment holds a slot of its HIT)
    return [...(this.kids.get(entity, rec.id) ?? [])];
  }

  tokenSeen(key: string, now: number, window: number): { at: number; id?: string } | undefined {
    const t = this.tokens.get(key);
    return t && now - t.at < window * 1000 ? t : undefined;
  }

  rememberToken(key: string, at: number, id?: string): void {
    this.tokens.set(key, id === undefined ? { at } : { at, id });
  }

  /** Records a message the emulator would have sent (it sends nothing). */
  send(entry: OutboxEntry): void {
    this.sent.push(entry);
  }

  /** Everything the emulator would have sent so far, for tests. */
  outbox(): readonly OutboxEntry[] {
    return this.sent;
  }

  /**
   * The requester's one entity of an owned, per-account kind (model.json `account.entity`): the
   * one it has, or a new one made from the model's fields (an account is there from the start).
   */
  accountOf(entity: string, owner: string): StoredEntity {
    return this.listOwned(entity, owner)[0] ?? this.create(entity, { owner });
  }

  /**
   * The entity's fields as a read shows them: the stored fields plus the model's counters, which
   * follow its children (a HIT's NumberOfAssignmentsCompleted counts its reviewed assignments).
   */
  view(rec: StoredEntity, api?: Api): Record<string, unknown> {
    // an API that names some of its fields otherwise (model.json names) shows them under its names
    return api ? namedFields(this.set, api, rec.entity, this.counted(rec)) : this.counted(rec);
  }

  private counted(rec: StoredEntity): Record<string, unknown> {
    const counters = this.set.model.entities[rec.entity]?.counters?.fields;
    if (!counters) return rec.fields;
    // Object.assign, not a spread: V8 gives a spread copy the stored object's own map, and each
    // counter added to it then made a new map (3 µs a read of a HIT, against 0.2)
    const out: Record<string, unknown> = Object.assign({}, rec.fields);
    for (const field in counters) {
      const c = counters[field]!;
      if (c.count !== undefined) out[field] = this.countChildren(rec, c.count, c.statuses);
      else if (c.from !== undefined) {
        const open = !c.when || c.when.includes(String(this.statusOf(rec)));
        const taken = c.minusCount !== undefined ? this.countChildren(rec, c.minusCount, c.statuses) : 0;
        out[field] = open ? Math.max(0, Number(rec.fields[c.from] ?? 0) - taken) : 0;
      }
    }
    return out;
  }

  /** How many of the entity's children of a kind are in one of `statuses` (any, without) — every
   * read of a HIT counts: no arrays made. */
  private countChildren(rec: StoredEntity, entity: string, statuses: readonly string[] | undefined): number {
    if (this.set.model.entities[entity]?.parent?.entity !== rec.entity) return 0;
    const kids = this.kids.get(entity, rec.id);
    if (!kids) return 0;
    if (!statuses) return kids.size;
    let n = 0;
    for (const k of kids) if (statuses.includes(String(this.statusOf(k)))) n++;
    return n;
  }

  private noteAlias(rec: StoredEntity): void {
    const idField = this.set.model.entities[rec.entity]?.id;
    if (idField !== undefined && rec.fields[idField] !== rec.id) this.aliased.add(rec.entity);
  }

  /** Sets fields on a stored entity. */
  update(rec: StoredEntity, fields: Record<string, unknown>): void {
    this.touch(rec);
    Object.assign(rec.fields, fields);
    this.noteDue(rec);
    this.noteAlias(rec);
  }

  /** Removes one field of a stored entity. */
  unset(rec: StoredEntity, field: string): void {
    this.touch(rec);
    delete rec.fields[field];
    this.noteDue(rec);
  }

  private touch(rec: StoredEntity): void {
    if (this.undo && !this.undo.fields.has(rec)) this.undo.fields.set(rec, deepClone(rec.fields));
  }

  /**
   * Runs `change`; when it throws, undoes what it made and wrote through this store (creates,
   * `update`, `unset`) and throws again. Costs what the change touches, not the store's size.
   */
  journal<T>(change: () => T): T {
    if (this.undo) return change();
    const undo = {
      seq: this.seq,
      // the kinds with a table: one the change opened goes too (as a snapshot had no table for it)
      kinds: new Set(this.entities.keys()),
      made: [] as StoredEntity[],
      fields: new Map<StoredEntity, Record<string, unknown>>(),
    };
    this.undo = undo;
    try {
      return change();
    } catch (e) {
      for (const rec of undo.made.reverse()) this.remove(rec);
      for (const [rec, fields] of undo.fields) {
        if (undo.made.includes(rec)) continue;
        for (const k of Object.keys(rec.fields)) delete rec.fields[k];
        Object.assign(rec.fields, fields);
        this.noteDue(rec);
        this.noteAlias(rec);
      }
      for (const kind of [...this.entities.keys()]) if (!undo.kinds.has(kind)) this.entities.delete(kind);
      this.seq = undo.seq;
      throw e;
    } finally {
      this.undo = undefined;
    }
  }

  size(): number {
    let n = 0;
    for (const t of this.entities.values()) n += t.size;
    return n;
  }

  snapshot(): StoreSnapshot {
    return {
      seq: this.seq,
      entities: [...this.entities].map(([k, t]) => [k, [...t.values()].map(deepClone)]),
      tokens: [...this.tokens].map(([k, v]) => [k, { ...v }]),
    };
  }

  restore(s: StoreSnapshot): void {
    this.seq = s.seq;
    this.tokens = new Map(s.tokens.map(([k, v]) => [k, { ...v }]));
    this.entities = new Map(
      s.entities.map(([k, list]) => [k, new Map(list.map((r) => [r.id, deepClone(r)]))]),
    );
    this.kids.clear();
    this.owned.clear();
    this.aliased.clear();
    for (const t of this.entities.values()) for (const rec of t.values()) this.index(rec);
    this.reindexTimers();
  }

  /** A stable text form of the whole store, for comparing before and after. */
  digest(): string {
    // straight over the live maps: a snapshot's deep copies were most of the cost
    const state = {
      seq: this.seq,
      entities: [...this.entities].map(([k, t]) => [k, [...t.values()]]),
      tokens: [...this.tokens],
      sent: this.sent.length,
    };
    return JSON.stringify(state, function (this: Record<string, unknown>, k, v) {
      const raw = this[k];
      return raw instanceof Date ? `@${raw.toISOString()}` : v;
    });
  }

  clear(): void {
    this.entities.clear();
    this.kids.clear();
    for (const list of this.timers.values()) for (const x of list) x.heap = [];
    this.owned.clear();
    this.aliased.clear();
    this.sent = [];
    this.tokens.clear();
    this.seq = 0;
  }
}

/**
 * A money string ("5", "0.50", "10000.00", the legacy sample's "10000.000") in cents; NaN when it
 * is not one (negative, or a fraction of a cent).
 */
export function toCents(amount: string): number {
  const m = /^(\d+)(?:\.(\d{0,2})0*)?$/.exec(amount.trim());
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || 0) : Number.NaN;
}

/**
 * A decimal amount in whole cents as 2017 can show it, with the digits it was given: no sign, a
 * digit before the point, at most two decimals ("+5" is "5", ".5" "0.5", "10000.000" "10000.00";
 * "5" stays "5", so a type made with "5" in either version is one type). Undefined when it is not
 * one (negative, a fraction of a cent, no digit).
 */
export function canonicalAmount(amount: string): string | undefined {
  const m = /^\+?(\d*)(?:(\.)(\d{0,2})0*)?$/.exec(amount.trim());
  if (!m || (m[1] === '' && (m[3] ?? '') === '')) return undefined;
  return `${m[1] || '0'}${m[2] ?? ''}${m[3] ?? ''}`;
}

/** Cents as a money string with two decimals. */
export function fromCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
