// Projection of stored fields onto an output shape (the read and list rules hand entities back
// through it).
import { isPlainObject } from '../spec/resolve.ts';
import type { ResolvedMember, SpecSet } from '../spec/types.ts';

/** What a projection needs from the model besides the stored fields. */
export interface ProjectionContext {
  /** model.json money.currencyCode: shown next to a stored amount in a money shape. */
  currencyCode?: string;
}

export function projectionContext(set: SpecSet): ProjectionContext {
  return set.model.money ? { currencyCode: set.model.money.currencyCode } : {};
}

/**
 * Projects stored fields onto an output shape: only members the shape names, of the right type.
 * A stored amount (a bare string or number) projected onto a money shape (e.g. the legacy Price)
 * becomes that structure: the amount in its amount member, the model's currency in its currency
 * member; members the specs cannot fill (FormattedPrice) are left out.
 */
export function project(value: unknown, m: ResolvedMember, ctx: ProjectionContext = {}, depth = 0): unknown {
  if (value === undefined || value === null || depth > 8) return undefined;
  switch (m.type) {
    case 'structure': {
      if (m.money && (typeof value === 'string' || typeof value === 'number'))
        return ctx.currencyCode === undefined
          ? undefined
          : { [m.money.amount]: String(value), [m.money.currencyCode]: ctx.currencyCode };
      if (!isPlainObject(value)) return undefined;
      const out: Record<string, unknown> = {};
      for (const mm of m.members ?? []) {
        const x = project(value[mm.name], mm, ctx, depth + 1);
        if (x !== undefined) out[mm.name] = x;
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) && m.item
        ? value.map((x) => project(x, m.item!, ctx, depth + 1)).filter((x) => x !== undefined)
        : undefined;
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'timestamp':
      return value instanceof Date ? value : undefined;
  }
}
