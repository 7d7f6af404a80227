// The vitest config Stryker uses (stryker.config.mjs): the mutation test, which
// runs the server check catalogue in-process against the emulator, and the
// provider-states contract test (the endpoint's handling of malformed bodies is
// the emulator's own contract, docs/provider-states.md, which no server check sees).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/mutation/**/*.mutation.ts', 'test/emulator/states.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
