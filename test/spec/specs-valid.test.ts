// Every spec file validates against the meta-schema on its own (file by file,
// not through the loader), and the loader's cross-reference checks pass.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPECS_DIR, loadSpecsUncached, metaSchemaAjv } from '../../src/spec/load.ts';
import { APIS } from '../../src/spec/types.ts';

function specFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return specFiles(full);
    return name.endsWith('.json') && name !== 'meta-schema.json' ? [full] : [];
  });
}

const ajv = metaSchemaAjv();

describe('spec files', () => {
  const files = specFiles(DEFAULT_SPECS_DIR);

  it('there are spec files of every kind', () => {
    const kinds = files.map((f) => JSON.parse(readFileSync(f, 'utf8')).kind);
    for (const k of ['sources', 'errors', 'model', 'shapes', 'protocol', 'operation'])
      expect(kinds).toContain(k);
  });

  it.each(files.map((f) => [relative(DEFAULT_SPECS_DIR, f), f]))(
    '%s validates against the meta-schema',
    (_, f) => {
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      const validate = ajv.getSchema(`meta#/definitions/${doc.kind}`);
      expect(validate, `unknown kind ${doc.kind}`).toBeDefined();
      const ok = validate!(doc);
      expect(validate!.errors ?? [], JSON.stringify(validate!.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  it('the loader accepts the whole set: every cross-reference resolves', () => {
    const set = loadSpecsUncached(DEFAULT_SPECS_DIR);
    for (const api of APIS) {
      expect(set.apis[api].operations.size).toBeGreaterThan(0);
      expect(
        [...set.apis[api].operations.values()].filter((o) => o.role === 'seed').map((o) => o.operation),
      ).toEqual(expect.arrayContaining(['RejectAssignment', 'RejectQualificationRequest']));
    }
  });

  it('an equivalent names a spec of the other API version; an operation naming none is claimed by no spec', () => {
    const set = loadSpecsUncached(DEFAULT_SPECS_DIR);
    for (const api of APIS)
      for (const op of set.apis[api].operations.values()) {
        const other = APIS.find((a) => a !== api)!;
        const name = op.equivalent?.[other];
        if (name === undefined) {
          // its counterpart has no spec yet (e.g. legacy GetAssignmentsForHIT before 2017 ListAssignmentsForHIT)
          const claimed = [...set.apis[other].operations.values()].filter(
            (o) => o.equivalent?.[api] === op.operation,
          );
          expect(
            claimed.map((o) => o.operation),
            `${api}/${op.operation} names no ${other} equivalent`,
          ).toEqual([]);
          continue;
        }
        expect(set.apis[other].operations.has(String(name))).toBe(true);
      }
  });
});
