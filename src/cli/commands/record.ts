// mturk-conformance record: a proxy on 127.0.0.1 that forwards to --target and writes each MTurk
// exchange as a normalised fixture (src/record/, docs/record-replay.md), until SIGINT/SIGTERM.
import { helpText, type OptionSpec, parseArgs, UsageError } from '../args.ts';

export const OPTIONS = {
  target: {
    type: 'string',
    help: 'base URL to forward to (required): loopback, or with --allow-remote MTurk’s sandbox',
    valueName: 'URL',
  },
  listen: { type: 'int', help: 'port on 127.0.0.1 your app or client sends to (required; 0 = a free port)' },
  out: {
    type: 'string',
    help: 'directory of the recording, <DIR>/<api>/<seq>.<Operation>.json (default: recordings/<UTC time>)',
    valueName: 'DIR',
  },
  'allow-remote': {
    type: 'boolean',
    help: 'let --target be MTurk’s sandbox (both API generations’ hosts); production and other hosts stay refused',
  },
  'timeout-ms': { type: 'int', help: 'deadline of one forwarded exchange', default: 30000, min: 1 },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

const HELP_TAIL = `
Each exchange is written as it happens (one line each); the answer goes back unchanged. Written files
hold no secret: Authorization, X-Amz-Security-Token, the legacy AWSAccessKeyId and Signature
parameters and SOAP elements are placeholders; ids are references (<id:N>, the same id the same
reference across the session), timestamps and request ids tokens. An --out that already holds a
recording is refused, and no file is ever overwritten. Ctrl-C ends it and prints what it wrote.

Exit status: 0 ended with Ctrl-C or SIGTERM, 2 could not start (bad arguments, refused target,
a directory holding a recording, a port in use). Contract: docs/record-replay.md`;

function defaultOut(now: Date): string {
  return `recordings/${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('record', '--target URL --listen PORT [--out DIR]', OPTIONS)}\n${HELP_TAIL}\n`,
    );
    return 0;
  }
  if (args._.length > 0) throw new UsageError(`unexpected argument '${args._[0]}' (see --help)`);
  if (!args.target) throw new UsageError('--target URL is required (see --help)');
  if (args.listen === undefined) throw new UsageError('--listen PORT is required (see --help)');
  if (args.out === '') throw new UsageError('--out needs a directory name');
  const out = args.out ?? defaultOut(new Date());
  const { startRecorder, RecordError } = await import('../../record/proxy.ts');
  const { toolVersion } = await import('../version.ts');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  try {
    recorder = await startRecorder({
      target: args.target,
      port: args.listen,
      out,
      allowSandbox: args['allow-remote'],
      timeoutMs: args['timeout-ms'] ?? 30000,
      toolVersion: toolVersion(),
      log: say,
    });
  } catch (e) {
    if (e instanceof RecordError) throw new UsageError(e.message);
    throw e;
  }
  say(
    `recording ${args.target} through ${recorder.url} into ${out} (session ${recorder.session}); Ctrl-C to stop`,
  );
  return await new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const finish = () => {
        const n = recorder.written.length;
        say(`wrote ${n} fixture${n === 1 ? '' : 's'} into ${out}${n ? ':' : ''}`);
        for (const f of recorder.written) say(`  ${f}`);
        resolve(0);
      };
      recorder.close().then(finish, finish);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
