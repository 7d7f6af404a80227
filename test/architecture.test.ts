// docs/architecture.md shows every folder of the package: each folder under src/ and each
// top-level folder the repository ships (generated and installed ones aside).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const dirs = (d: string) =>
  readdirSync(join(root, d), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);

test('docs/architecture.md names every folder', () => {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const generated = new Set(['node_modules', 'reports', 'coverage', 'dist']);
  const folders = [
    ...dirs('src').map((d) => `src/${d}/`),
    ...dirs('.')
      .filter((d) => !generated.has(d) && d !== 'src')
      .map((d) => `${d}/`),
  ];
  expect(folders.filter((f) => !doc.includes(f))).toEqual([]);
});
