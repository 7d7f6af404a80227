// mturk-conformance emulator: runs the reference emulator until SIGINT/SIGTERM, with its
// loopback-only control endpoint (clock, Worker actions, save) and an optional state file that is
// loaded at start and written on exit and on a save request.
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '../../http/targets.ts';
import type { Credentials } from '../../wire/codec.ts';
import { helpText, parseArgs, UsageError } from '../args.ts';

const OPTIONS = {
  port: { type: 'int', help: 'port to listen on (0 = a free port)', default: 7017, valueName: 'N' },
  host: { type: 'string', help: 'interface to listen on', default: '127.0.0.1', valueName: 'HOST' },
  credentials: {
    type: 'string',
    help: 'JSON file with more credentials: [{"accessKeyId": "...", "secretAccessKey": "..."}]',
    valueName: 'FILE',
  },
  'accept-any-signature': {
    type: 'boolean',
    help: 'do not verify signatures (any signed-looking request is served)',
  },
  'allow-remote': {
    type: 'boolean',
    help: 'allow a non-loopback --host (the emulator has no real security)',
  },
  'states-path': {
    type: 'string',
    help: 'path of the provider-states endpoint',
    default: '/_states',
    valueName: 'PATH',
  },
  'state-file': {
    type: 'string',
    help: 'load the store from FILE at start (when it exists); write it on exit and on POST /_control/save',
    valueName: 'FILE',
  },
  help: { type: 'boolean', help: 'show this help' },
} as const;

function readCredentials(file: string): Credentials[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--credentials ${file}: ${(e as Error).message}`);
  }
  if (
    !Array.isArray(doc) ||
    !doc.every(
      (c) =>
        c !== null &&
        typeof c === 'object' &&
        typeof (c as Credentials).accessKeyId === 'string' &&
        (c as Credentials).accessKeyId !== '' &&
        typeof (c as Credentials).secretAccessKey === 'string',
    )
  )
    throw new UsageError(`--credentials ${file}: expected a JSON array of {accessKeyId, secretAccessKey}`);
  return (doc as Credentials[]).map((c) => ({
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
  }));
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(`${helpText('emulator', '[options]', OPTIONS)}\n`);
    return 0;
  }
  if (args._.length) throw new UsageError(`unexpected argument '${args._[0]}'`);
  const host = args.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !args['allow-remote'])
    throw new UsageError(`refusing to listen on non-loopback host ${host} (add --allow-remote to insist)`);
  const port = args.port ?? 7017;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${port}`);
  const extra = args.credentials ? readCredentials(args.credentials) : [];

  const { createEmulator, startEmulator } = await import('../../emulator/server.ts');
  const { controlRoutes } = await import('../../emulator/local.ts');
  const { openStateFile, saveStateFile, StateFileError } = await import('../../emulator/persist.ts');
  const emulator = createEmulator({ credentials: extra, acceptAnySignature: args['accept-any-signature'] });
  const stateFile = args['state-file'];
  let loaded: 'loaded' | 'new' | undefined;
  if (stateFile !== undefined) {
    if (stateFile === '') throw new UsageError('--state-file needs a file name');
    try {
      // before listening: a file that cannot be used starts nothing and is left as it is
      loaded = openStateFile(stateFile, emulator);
    } catch (e) {
      if (e instanceof StateFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  const save = stateFile
    ? () => {
        saveStateFile(stateFile, emulator);
        return stateFile;
      }
    : undefined;
  const running = await startEmulator({
    emulator,
    host,
    port,
    statesPath: args['states-path'] ?? '/_states',
    routes: controlRoutes(emulator, '/_control', save),
  });
  const lines = [
    `MTurk reference emulator listening on ${running.url}`,
    `  endpoint (both API versions): ${running.url}/`,
    `  provider states:              POST ${running.statesUrl}`,
    `  control (loopback only):      ${running.url}/_control/clock, /_control/workers, /_control/save`,
    ...(stateFile
      ? [
          `  state file:                   ${stateFile} (${loaded === 'loaded' ? `loaded, ${emulator.store.size()} entities` : 'new'})`,
        ]
      : []),
    `  region: us-east-1   signatures: ${args['accept-any-signature'] ? 'NOT verified' : 'verified'}`,
    '  test credentials (fake, emulator only):',
    ...emulator.credentials.map(
      (c) => `    ${c.accessKeyId}  ${extra.includes(c) ? '(from --credentials)' : c.secretAccessKey}`,
    ),
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  return await new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const finish = () => {
        if (!save) return resolve(0);
        try {
          save();
          resolve(0);
        } catch (e) {
          process.stderr.write(`mturk-conformance emulator: ${(e as Error).message}\n`);
          resolve(1);
        }
      };
      running.close().then(finish, finish);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
