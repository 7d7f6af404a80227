// mturk-conformance replay: sends a recorded session (mturk-conformance record) to another server
// and reports where its answers differ in shape, error codes and state (src/record/replay.ts).
import { resolve } from 'node:path';
import { checkTarget } from '../../http/targets.ts';
import { helpText, type OptionSpec, parseArgs, UsageError } from '../args.ts';

export const OPTIONS = {
  endpoint: { type: 'string', help: 'base URL of the server to replay against (required)', valueName: 'URL' },
  through: {
    type: 'int',
    help: 'replay exchanges 1..N only (what each failure’s reproduce line uses)',
    min: 1,
  },
  'report-dir': {
    type: 'string',
    help: 'where to write the report',
    default: 'reports/replay',
    valueName: 'DIR',
  },
  'timeout-ms': { type: 'int', help: 'time limit per request', default: 10000, min: 1 },
  'allow-remote': {
    type: 'boolean',
    help: 'allow an endpoint that is not on this machine (MTurk itself is always refused)',
  },
  force: { type: 'boolean', help: 'write into a report dir that holds other files' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

const HELP_TAIL = `
FIXTURES are fixture files or directories (read recursively), from one recording session. The
requests are sent in order, signed again with the emulator's fake test credentials; each <id:N>
takes the value the server answered where the recording first saw it. Each exchange is checked for
its outcome (success or error, HTTP status, error code), its shape (members, types) and, when both
answers are successes, its values (state). An exchange that cannot be sent is not-run, with why.

Exit status: 0 no difference, 1 a difference, 2 nothing could be replayed (bad arguments, unreadable
fixtures, a refused or unreachable endpoint, unwritable report dir). Contract: docs/record-replay.md`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('replay', 'FIXTURES... --endpoint URL [options]', OPTIONS)}\n${HELP_TAIL}\n`,
    );
    return 0;
  }
  if (!args.endpoint) throw new UsageError('--endpoint URL is required (see --help)');
  if (args._.length === 0)
    throw new UsageError('name the recorded fixtures (files or directories) to replay (see --help)');
  const verdict = checkTarget(args.endpoint, { allowRemote: args['allow-remote'] });
  if (!verdict.ok) throw new UsageError(`--endpoint ${verdict.reason}`);
  const { loadRecording, replay, replayReproduce } = await import('../../record/replay.ts');
  const { prepareReportDir, writeReports } = await import('../../runner/output.ts');
  const { renderRunSummary } = await import('../../runner/console.ts');
  const { closeTransport } = await import('../../http/transport.ts');
  const { toolVersion } = await import('../version.ts');
  const command = 'mturk-conformance replay';
  const reportDir = args['report-dir'] ?? 'reports/replay';
  try {
    const fixtures = loadRecording(args._);
    await prepareReportDir(reportDir, { force: args.force, clean: false });
    const paths = args._.map((p) => resolve(p));
    const outcome = await replay({
      endpoint: args.endpoint,
      fixtures,
      ...(args.through !== undefined ? { through: args.through } : {}),
      timeoutMs: args['timeout-ms'] ?? 10000,
      allowRemote: args['allow-remote'],
      reproduce: (seq) => replayReproduce(paths, args.endpoint!, seq),
      log: (line) => process.stderr.write(`${command}: ${line}\n`),
      toolVersion: toolVersion(),
    });
    closeTransport();
    await writeReports(reportDir, [outcome.report], { force: args.force });
    process.stdout.write(renderRunSummary([outcome.report]));
    process.stdout.write(`report: ${resolve(reportDir, 'report.html')}\n`);
    if (outcome.exitCode === 2)
      process.stderr.write(`${command}: ${outcome.reason ?? 'nothing was replayed'}\n`);
    return outcome.exitCode;
  } catch (e) {
    closeTransport();
    throw e;
  }
}
