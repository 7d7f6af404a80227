// The mturk-conformance command: a thin dispatcher. Each sub-command lives in
// commands/<name>.ts and exports `run(argv): Promise<number>` (the exit code),
// so commands load only what they use.
import { handleInterrupts } from '../runner/interrupt.ts';
import { UsageError } from './args.ts';

/** Commands that run suites: Ctrl-C stops them with a report of what finished (src/runner/interrupt.ts). */
const SUITE_COMMANDS = new Set(['run', 'server', 'client']);

interface Command {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary:
      'run everything with no target: the reference emulator (server suite) and the bundled clients (client suite)',
    load: () => import('./commands/run.ts'),
  },
  server: { summary: 'check an MTurk server over HTTP', load: () => import('./commands/server.ts') },
  client: {
    summary: 'check an MTurk client library through the driver protocol',
    load: () => import('./commands/client.ts'),
  },
  emulator: {
    summary: 'run the reference emulator on 127.0.0.1',
    load: () => import('./commands/emulator.ts'),
  },
  record: {
    summary:
      'a proxy on 127.0.0.1 that forwards to a target and writes each exchange as a normalised fixture',
    load: () => import('./commands/record.ts'),
  },
  replay: {
    summary: 'send a recorded session to another server; report differences in shape, error codes and state',
    load: () => import('./commands/replay.ts'),
  },
  specs: {
    summary: 'list the operation specs per API version and validate them',
    load: () => import('./commands/specs.ts'),
  },
  report: {
    summary: 'merge conformance.json files of runs or shards into one report',
    load: () => import('./commands/report.ts'),
  },
  'verify-model': {
    summary: "compare the 2017-01-17 specs with botocore's official model (constraints)",
    load: () => import('./commands/verify-model.ts'),
  },
  'verify-wsdl': {
    summary: 'compare the 2014-08-15 specs with the published WSDL (operations, members, order, occurrence)',
    load: () => import('./commands/verify-wsdl.ts'),
  },
  bench: {
    summary: 'measure throughput and memory, print a table, write bench/results.json',
    load: () => import('./commands/bench.ts'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: mturk-conformance <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'mturk-conformance <command> --help' for a command's options.",
    'With no command, `run` is assumed.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    const { toolVersion } = await import('./version.ts');
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'run' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`mturk-conformance: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    if (SUITE_COMMANDS.has(name))
      handleInterrupts((line) => process.stderr.write(`mturk-conformance ${name}: ${line}\n`));
    const mod = await command.load();
    return await mod.run(args);
  } catch (e) {
    // Bad input gets one clear line and exit 2, never a stack trace.
    if (e instanceof UsageError) {
      process.stderr.write(`mturk-conformance ${name}: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`mturk-conformance ${name}: ${msg.split('\n')[0]}\n`);
    if (process.env.MTURK_CONFORMANCE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}
