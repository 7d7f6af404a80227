// Which suites the runner hands vitest and what its workers preload. The runner loaded from the
// sources (as here) runs the TypeScript suites with tsx in the workers; the built runner's
// compiled suites with no loader are shown end to end in test/cli/built.test.ts.
import { expect, test } from 'vitest';
import { bundledSuite, workerOptions } from '../../src/runner/run.ts';
import type { Target } from '../../src/runner/types.ts';

const server = {
  kind: 'server',
  endpoint: 'http://127.0.0.1:1',
  apis: [],
  seed: 1,
  runs: 1,
} as unknown as Target;

function preload(options: ReturnType<typeof workerOptions>): URL {
  const at = options.execArgv.indexOf('--import');
  return new URL(options.execArgv[at + 1]!);
}

test('from the sources: the TypeScript suites, through tsx', () => {
  expect(bundledSuite('server')).toEqual({ glob: 'suites/server/**/*.test.ts', loader: 'tsx' });
  expect(bundledSuite('client')).toEqual({ glob: 'suites/client/**/*.test.ts', loader: 'tsx' });
});

test('the preload registers tsx after the listed packages, or nothing at all with loader=none', () => {
  const tsx = preload(workerOptions(server, 'forks', 'tsx'));
  expect(tsx.pathname).toMatch(/\/worker-preload\.mjs$/);
  expect(tsx.searchParams.get('deps')).toBe('fast-check,fast-xml-parser,ajv');
  expect(tsx.searchParams.get('loader')).toBeNull();
  const none = preload(workerOptions(server, 'forks', 'none'));
  expect(none.searchParams.get('loader')).toBe('none');
  expect(none.searchParams.get('deps')).toBeNull();
});
