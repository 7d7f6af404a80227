#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx so that the CLI, the
// suites and a user's own vitest files all read the same src/ modules.
import { register } from 'tsx/esm/api';

// The large plain-JavaScript dependencies of the commands that run suites are imported before
// tsx's hooks are registered. They need no transform, but through the hooks every one of their
// modules (vitest's chunks, the SDK's hundreds of CommonJS files) makes a round trip to tsx's
// loader thread: that cost ~150 MB of memory and ~0.7 s in this process. Later imports of the
// same packages from src/ get these very module instances (same resolved URLs).
// (The clients, msw and the SDK are only loaded by the suites' worker processes, which preload them
// the same way: src/runner/worker-preload.mjs.)
const PRELOAD = {
  run: ['vitest/node'],
  server: ['vitest/node'],
  client: ['vitest/node'],
};
const [command, ...rest] = process.argv.slice(2);
const wantsHelp = rest.some((a) => a === '--help' || a === '-h');
if (!wantsHelp && Object.hasOwn(PRELOAD, command ?? '')) {
  await Promise.all(PRELOAD[command].map((name) => import(name)));
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
