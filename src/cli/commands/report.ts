// mturk-conformance report: merge the conformance.json of several runs
// (different targets) or shards (one run split with --shard) into one report
// directory, and exit with the merged status.
import { resolve } from 'node:path';
import { loadReports } from '../../report/load.ts';
import { exitCodeFor, mergeShards, notRunVerdict, shardProblems } from '../../report/merge.ts';
import { renderRunSummary } from '../../runner/console.ts';
import { writeReports } from '../../runner/output.ts';
import { helpText, type OptionSpec, parseArgs, UsageError } from '../args.ts';
import { GATING_OPTIONS, parseMaxNotRun } from '../suite-options.ts';

const OPTIONS = {
  out: {
    type: 'string',
    help: 'directory to write the merged report to',
    default: 'reports/merged',
    valueName: 'DIR',
  },
  strict: { type: 'boolean', help: 'exit 1 on `should` failures too' },
  'max-not-run': GATING_OPTIONS['max-not-run'],
  force: { type: 'boolean', help: 'write into an --out dir that holds other files' },
  'allow-partial': {
    type: 'boolean',
    help: 'merge shards even when some are missing or disagree on seed or options (warns; the default is to refuse, exit 2)',
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

const SYNOPSIS = 'DIR_OR_JSON... [--out DIR] [--strict]';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('report', SYNOPSIS, OPTIONS)}\n\nEach DIR_OR_JSON is a conformance.json file or a report directory (its conformance.json and those one level down).\nShards (--shard i/n) of one run are merged into one column: all n of them must be there, with one seed and\nthe same options, else nothing is merged (exit 2; --allow-partial merges anyway, with a warning).\nExit status: 0 when no \`must\` check failed (--strict: no check at all) and --max-not-run holds, 1 otherwise,\n2 when the inputs cannot be read or the shards do not make up whole runs.\n`,
    );
    return 0;
  }
  if (args._.length === 0)
    throw new UsageError('name at least one report directory or conformance.json (see --help)');
  const command = 'mturk-conformance report';
  const out = args.out ?? 'reports/merged';
  const maxNotRun = parseMaxNotRun(args['max-not-run']);
  const loaded = await loadReports(args._);
  const problems = shardProblems(loaded);
  if (problems.length > 0 && !args['allow-partial']) {
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
        : '';
    process.stderr.write(
      `${command}: refusing to merge: ${problems[0]}${more}; pass --allow-partial to merge anyway\n`,
    );
    return 2;
  }
  for (const problem of problems)
    process.stderr.write(`${command}: WARNING: ${problem}: the merged report is partial or mixed\n`);
  const reports = mergeShards(loaded);
  await writeReports(out, reports, { force: args.force, option: '--out', strict: args.strict });
  process.stdout.write(renderRunSummary(reports));
  process.stdout.write(`report: ${resolve(out, 'report.html')}\n`);
  const executed = reports.reduce((n, r) => n + r.results.filter((x) => x.status !== 'not-run').length, 0);
  if (executed === 0) {
    process.stderr.write(`${command}: no check ran in any of these reports\n`);
    return 2;
  }
  const notRunFailure = notRunVerdict(reports, maxNotRun);
  if (notRunFailure) {
    process.stderr.write(`${command}: ${notRunFailure}\n`);
    return 1;
  }
  return exitCodeFor(reports, { strict: args.strict });
}
