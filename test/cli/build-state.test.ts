// bin/build-state.mjs: is dist/ a build of the sources as they are now? Decides whether the
// executable runs dist/ (no loader) or the sources through tsx. Small scratch trees.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { buildState, listSources, STAMP, snapshot } from '../../bin/build-state.mjs';

let root = '';

function write(rel: string, text: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** What the build records before tsc runs, in place as the finished build leaves it. */
function build(): void {
  const stamp = snapshot(root);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, STAMP), JSON.stringify(stamp));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mturk-conformance-build-state-'));
  write('src/cli/main.ts', 'export const a = 1;\n');
  write('src/runner/worker-preload.mjs', '// preload\n');
  write('suites/server/conformance.test.ts', "import '../../src/cli/main.ts';\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

test('lists what the build compiles and the package ships: src/ less its tests, and suites/', () => {
  write('src/cli/main.test.ts', 'not shipped\n');
  write('test/x.test.ts', 'not a source\n');
  expect(listSources(root)).toEqual([
    'src/cli/main.ts',
    'src/runner/worker-preload.mjs',
    'suites/server/conformance.test.ts',
  ]);
});

test('no stamp (never built, or a build that did not finish): not current', () => {
  expect(buildState(root)).toEqual({ current: false, reason: expect.stringContaining('not built') });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, STAMP), '{ half');
  expect(buildState(root).current).toBe(false);
});

test('a build of these very files is current', () => {
  build();
  expect(buildState(root)).toEqual({ current: true });
});

test('an edited source, a suite or a preload makes it stale, and says which', () => {
  build();
  write('src/cli/main.ts', 'export const a = 2;\n');
  expect(buildState(root)).toEqual({ current: false, reason: 'src/cli/main.ts changed since the build' });
  build();
  write('suites/server/conformance.test.ts', "import '../../src/cli/main.ts'; // edited\n");
  expect(buildState(root)).toMatchObject({
    reason: 'suites/server/conformance.test.ts changed since the build',
  });
  build();
  write('src/runner/worker-preload.mjs', '// edited\n');
  expect(buildState(root).current).toBe(false);
});

test('an edit of the same size is caught, also when an old mtime is put back', () => {
  build();
  const file = join(root, 'src/cli/main.ts');
  write('src/cli/main.ts', 'export const b = 1;\n'); // same length
  expect(buildState(root).current).toBe(false);
  // an old file put back (a copy keeping its time, an extracted tarball): the content decides
  utimesSync(file, new Date(2000, 0, 1), new Date(2000, 0, 1));
  expect(buildState(root).current).toBe(false);
});

test('new mtimes on the same bytes (a checkout back and forth, an npm install) stay current', () => {
  build();
  const old = new Date('1985-10-26T08:15:00Z'); // the time npm gives every file of a tarball
  for (const rel of listSources(root)) utimesSync(join(root, rel), old, old);
  expect(buildState(root)).toEqual({ current: true });
});

test('a file added or removed since the build makes it stale', () => {
  build();
  write('src/cli/extra.ts', 'export {};\n');
  expect(buildState(root)).toEqual({ current: false, reason: 'src/cli/extra.ts is new since the build' });
  build();
  unlinkSync(join(root, 'src/cli/extra.ts'));
  expect(buildState(root)).toEqual({
    current: false,
    reason: 'src/cli/extra.ts was removed since the build',
  });
});
