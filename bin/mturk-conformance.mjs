#!/usr/bin/env node
// Entry point. When dist/ is a build of these very sources (bin/build-state.mjs: a few ms), the
// CLI runs that compiled JavaScript, and so do the suites' workers (dist/suites): no TypeScript
// loader anywhere, so no tsx loader thread per thread, no transform, no module-hook round trips
// (`run --runs 10`: 12% of the CPU time and 74 MB of the peak; start-up: half). Otherwise (src/
// or suites/ changed since the last `npm run build`, or no build) it loads the TypeScript
// sources through tsx, so that an edit takes effect at once and nothing runs old code.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from './build-state.mjs';

const args = process.argv.slice(2);
const state = buildState(join(dirname(fileURLToPath(import.meta.url)), '..'));
if (process.env.MTURK_CONFORMANCE_DEBUG) {
  process.stderr.write(
    state.current
      ? 'mturk-conformance: running dist/ (built from these sources)\n'
      : `mturk-conformance: running src/ through tsx (${state.reason})\n`,
  );
}

let main;
if (state.current) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  // The large plain-JavaScript dependencies of the commands that run suites are imported before
  // tsx's hooks are registered. They need no transform, but through the hooks every one of their
  // modules (vitest's chunks, the SDK's hundreds of CommonJS files) makes a round trip to tsx's
  // loader thread: that cost ~150 MB of memory and ~0.7 s in this process. Later imports of the
  // same packages from src/ get these very module instances (same resolved URLs).
  // (The clients, msw and the SDK are only loaded by the suites' workers, which preload them
  // the same way: src/runner/worker-preload.mjs.)
  const PRELOAD = {
    run: ['vitest/node'],
    server: ['vitest/node'],
    client: ['vitest/node'],
  };
  const [command, ...rest] = args;
  const wantsHelp = rest.some((a) => a === '--help' || a === '-h');
  if (!wantsHelp && Object.hasOwn(PRELOAD, command ?? '')) {
    await Promise.all(PRELOAD[command].map((name) => import(name)));
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(args);
