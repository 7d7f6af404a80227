// mturk-conformance emulator: runs the reference emulator until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
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
  help: { type: 'boolean', help: 'show this help' },
} as const;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

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
  if (!isLoopback(host) && !args['allow-remote'])
    throw new UsageError(`refusing to listen on non-loopback host ${host} (add --allow-remote to insist)`);
  const port = args.port ?? 7017;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${port}`);
  const extra = args.credentials ? readCredentials(args.credentials) : [];

  const { startEmulator } = await import('../../emulator/server.ts');
  const running = await startEmulator({
    host,
    port,
    credentials: extra,
    acceptAnySignature: args['accept-any-signature'],
    statesPath: args['states-path'] ?? '/_states',
  });
  const { emulator } = running;
  const lines = [
    `MTurk reference emulator listening on ${running.url}`,
    `  endpoint (both API versions): ${running.url}/`,
    `  provider states:              POST ${running.statesUrl}`,
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
      running.close().then(
        () => resolve(0),
        () => resolve(0),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
