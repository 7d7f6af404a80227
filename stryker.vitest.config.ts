// The vitest config Stryker uses (stryker.config.mjs): only the mutation test,
// which runs the server check catalogue in-process against the emulator.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/mutation/**/*.mutation.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
