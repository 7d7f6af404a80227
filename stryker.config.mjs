// Mutation testing of the reference emulator (npm run mutation).
// Mutates the emulator's validation, engine and state code and runs the
// server check catalogue against it in-process (test/mutation/*.mutation.ts
// through stryker.vitest.config.ts): a mutant survives when every check still
// passes, i.e. when the suite would not notice that deviation in a server.
// server.ts (node:http transport and dispatch) is left out: its mutants are
// slow (sockets, timeouts) and are covered by test/emulator and the hostile tests.
// One file at a time: npx stryker run --mutate src/emulator/states.ts
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/emulator/**/*.ts', '!src/emulator/server.ts', '!src/emulator/test-credentials.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  ignorePatterns: ['reports', 'bench/results.json', 'coverage', '.vitest-*'],
  // Stryker rewrites tsconfig.json paths through the TypeScript JS API, which TypeScript 7 (native)
  // no longer has; our tsconfig has no extends/references to rewrite, so point it at no file.
  tsconfigFile: 'stryker-no-tsconfig-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 80, low: 60, break: null },
};
