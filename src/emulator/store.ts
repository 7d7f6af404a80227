// A generic in-memory store over the entities of specs/model.json. It knows ids, owners,
// parent links, statuses and the field templates (read by src/rules/values.ts);
// it knows no entity by name.
import { randomInt } from 'node:crypto';
import { resolveTemplate, templateOrder } from '../rules/values.ts';
import type { EntitySpec, SpecSet } from '../spec/types.ts';

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
}

export interface CreateOptions {
  owner?: string;
  parent?: StoredEntity;
  status?: string;
  fields?: Record<string, unknown>;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Generates a string matching a simple anchored pattern: literals, character classes such as
 * [A-Z0-9] and the quantifiers {n}, {n,m}, + and *. Enough for the id formats in the specs.
 */
export function sampleFromPattern(pattern: string, openLength = 14): string {
  let src = pattern.replace(/^\^/, '').replace(/\$$/, '');
  let out = '';
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
    const q = /^(\{(\d+)(,(\d*))?\}|\+|\*|\?)/.exec(src);
    if (q) {
      if (q[1] === '+') count = Math.max(1, openLength - out.length);
      else if (q[1] === '*' || q[1] === '?') count = 1;
      else count = Number(q[2]);
      src = src.slice(q[0].length);
    }
    for (let i = 0; i < count; i++) out += chars[randomInt(chars.length)];
  }
  return out;
}

const deepClone = <T>(v: T): T => structuredClone(v);

export class Store {
  private entities = new Map<string, Map<string, StoredEntity>>();
  private seq = 0;

  constructor(
    readonly set: SpecSet,
    private readonly now: () => Date = () => new Date(),
  ) {}

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
    return resolveTemplate(value, field, fields, {
      now: this.now,
      newId: () => this.newId(entity),
      worker: (f) => this.workerId(entity, f),
    });
  }

  create(entity: string, opts: CreateOptions = {}): StoredEntity {
    const spec = this.spec(entity);
    const id = this.newId(entity);
    const fields: Record<string, unknown> = { [spec.id]: id };
    if (spec.parent && opts.parent) fields[spec.parent.via] = opts.parent.id;
    const templates = { ...spec.fields, ...(opts.fields ?? {}) };
    const order = templateOrder(templates);
    for (const k of order) fields[k] = this.resolveTemplate(entity, k, templates[k], fields);
    if (spec.status && opts.status !== undefined) fields[spec.status.field] = opts.status;
    else if (spec.status && fields[spec.status.field] === undefined)
      fields[spec.status.field] = spec.status.values[0];
    const rec: StoredEntity = { entity, id, fields, seq: ++this.seq };
    if (opts.parent) rec.parentId = opts.parent.id;
    else if (opts.owner !== undefined) rec.owner = opts.owner;
    this.table(entity).set(id, rec);
    return rec;
  }

  get(entity: string, id: unknown): StoredEntity | undefined {
    if (typeof id !== 'string') return undefined;
    return this.entities.get(entity)?.get(id);
  }

  parentOf(rec: StoredEntity): StoredEntity | undefined {
    const p = this.set.model.entities[rec.entity]?.parent;
    return p && rec.parentId !== undefined ? this.get(p.entity, rec.parentId) : undefined;
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

  list(entity: string): StoredEntity[] {
    // Maps keep insertion order, which is creation order.
    return [...(this.entities.get(entity)?.values() ?? [])];
  }

  /** Removes an entity (used to undo a provider state that could not be completed). */
  remove(rec: StoredEntity): void {
    this.entities.get(rec.entity)?.delete(rec.id);
  }

  /** Sets fields on a stored entity. */
  update(rec: StoredEntity, fields: Record<string, unknown>): void {
    Object.assign(rec.fields, fields);
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
    };
  }

  restore(s: StoreSnapshot): void {
    this.seq = s.seq;
    this.entities = new Map(
      s.entities.map(([k, list]) => [k, new Map(list.map((r) => [r.id, deepClone(r)]))]),
    );
  }

  /** A stable text form of the whole store, for comparing before and after. */
  digest(): string {
    return JSON.stringify(this.snapshot(), (_k, v) => (v instanceof Date ? `@${v.toISOString()}` : v));
  }

  clear(): void {
    this.entities.clear();
    this.seq = 0;
  }
}
