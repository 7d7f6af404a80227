import { defineConfig } from 'vitest/config';

// The tool's own tests live in test/. The conformance suites it ships (suites/)
// are not run here directly: the CLI runs them through vitest's Node API with a
// target provided, and test/ drives the CLI against good and broken targets.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
