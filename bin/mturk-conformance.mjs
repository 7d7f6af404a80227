#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx so that the CLI, the
// suites and a user's own vitest files all read the same src/ modules.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
