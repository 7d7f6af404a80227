import { loadSpecs } from '../spec/load.ts';
import type { Api, SpecSet } from '../spec/types.ts';

/** The API version the bundled SDK v3 client speaks (here so that naming it does not load the SDK). */
export const SDK_V3_API: Api = '2017-01-17';

/** The region requests are signed for, from the protocol specs (the bundled ones by default). */
export function signingRegion(set: SpecSet = loadSpecs()): string {
  for (const a of Object.values(set.apis)) if (a.protocol.signing.region) return a.protocol.signing.region;
  throw new Error('no protocol spec names a signing region');
}

// Small helpers shared by the bundled clients and the drivers' adapter.

/** Deep copy with Dates as ISO-8601 strings and undefined members dropped (what a driver would print). */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = toJsonValue(v);
    }
    return out;
  }
  return value;
}

/** Paths (dot-separated, list items as their index) of every Date in an input. */
export function datePaths(value: unknown, prefix = ''): string[] {
  if (value instanceof Date) return [prefix];
  if (Array.isArray(value))
    return value.flatMap((v, i) => datePaths(v, prefix ? `${prefix}.${i}` : String(i)));
  if (value !== null && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      datePaths(v, prefix ? `${prefix}.${k}` : k),
    );
  return [];
}

/** Replace the values at `paths` (as produced by datePaths) by Dates parsed from their ISO strings. */
export function reviveDates(value: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = structuredClone(value);
  for (const path of paths) {
    const keys = path.split('.');
    let node: unknown = copy;
    for (const k of keys.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[k];
    const last = keys[keys.length - 1]!;
    if (node && typeof node === 'object' && typeof (node as Record<string, unknown>)[last] === 'string')
      (node as Record<string, unknown>)[last] = new Date((node as Record<string, string>)[last]!);
  }
  return copy;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
