// Options every suite command (server, client) takes with the same meaning:
// selection, seed, expected failures and gating. Declared once so the two
// commands cannot drift apart.
import type { OptionSpec } from './args.ts';

export const SELECTION_OPTIONS = {
  operations: { type: 'list', help: 'only these operations, comma separated', valueName: 'A,B' },
  check: { type: 'list', help: 'only this check id (or glob with *); repeatable', valueName: 'ID' },
  seed: { type: 'int', help: 'random seed (default: random, printed; reuse it to get the same cases)' },
} satisfies Record<string, OptionSpec>;

export const GATING_OPTIONS = {
  'expected-failures': {
    type: 'string',
    help: 'file of check ids expected to fail (one a line, # comments)',
    valueName: 'FILE',
  },
  'update-expected-failures': {
    type: 'boolean',
    help: 'rewrite the expected-failures file with the checks failing now (keeps comments, writes FILE.bak)',
  },
  strict: { type: 'boolean', help: 'fail (exit 1) on `should` failures too' },
} satisfies Record<string, OptionSpec>;

export const OUTPUT_OPTIONS = {
  name: { type: 'string', help: 'display name of the target in reports' },
  force: { type: 'boolean', help: 'write into a report dir that holds other files' },
  'no-progress': { type: 'boolean', help: 'no progress line on stderr' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;
