// Options every suite command (server, client) takes with the same meaning:
// selection, seed, expected failures and gating. Declared once so the two
// commands cannot drift apart.
import { type NotRunLimit, parseNotRunLimit } from '../report/merge.ts';
import { type OptionSpec, UsageError } from './args.ts';

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
    help: 'rewrite the expected-failures file with the checks failing now (keeps comments; the old version goes to FILE.bak, or FILE.bak.N when that exists)',
  },
  strict: { type: 'boolean', help: 'fail (exit 1) on `should` failures too' },
  'max-not-run': {
    type: 'string',
    help: 'fail (exit 1) when more checks than this were not run: a count (0: every selected check must run) or a share like 10%',
    valueName: 'N|P%',
  },
} satisfies Record<string, OptionSpec>;

export const OUTPUT_OPTIONS = {
  name: { type: 'string', help: 'display name of the target in reports' },
  force: { type: 'boolean', help: 'write into a report dir that holds other files' },
  'no-progress': { type: 'boolean', help: 'no progress line on stderr' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

/** --max-not-run as given, checked. */
export function parseMaxNotRun(value: string | undefined): NotRunLimit | undefined {
  if (value === undefined) return undefined;
  const limit = parseNotRunLimit(value);
  if (!limit)
    throw new UsageError(
      `--max-not-run ${JSON.stringify(value)}: expected a count (e.g. 0) or a share (e.g. 10%)`,
    );
  return limit;
}
