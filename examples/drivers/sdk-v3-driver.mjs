#!/usr/bin/env node
// A driver for the AWS SDK for JavaScript v3 (@aws-sdk/client-mturk), speaking
// the mturk-conformance driver protocol (docs/driver-protocol.md): one JSON
// case per line on stdin, one JSON answer per line on stdout, exit when stdin
// closes. The command class is looked up by the operation's name.
import { createInterface } from 'node:readline';
import * as Sdk from '@aws-sdk/client-mturk';

const endpoint = process.env.MTURK_ENDPOINT;
if (!endpoint) {
  process.stderr.write('sdk-v3-driver: MTURK_ENDPOINT is not set\n');
  process.exit(2);
}
const client = new Sdk.MTurkClient({
  endpoint,
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  },
});

/** Turns the ISO strings at the listed paths (timestamps) back into Dates. */
function reviveDates(input, paths = []) {
  for (const path of paths) {
    const keys = path.split('.');
    let node = input;
    for (const k of keys.slice(0, -1)) node = node?.[k];
    const last = keys.at(-1);
    if (node && typeof node[last] === 'string') node[last] = new Date(node[last]);
  }
  return input;
}

async function handle(message) {
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the command is chosen by the operation's name at run time
  const Command = Sdk[`${message.operation}Command`];
  if (typeof Command !== 'function')
    return {
      id: message.id,
      error: { code: 'UnknownOperation', message: `no ${message.operation}Command in the SDK` },
    };
  try {
    const { $metadata, ...output } = await client.send(
      new Command(reviveDates(message.input ?? {}, message.timestamps)),
    );
    return { id: message.id, output }; // JSON.stringify writes Dates as ISO-8601
  } catch (e) {
    return {
      id: message.id,
      error: {
        code: e?.name ?? 'Error',
        message: e?.Message ?? e?.message ?? String(e),
        ...(typeof e?.TurkErrorCode === 'string' ? { turkErrorCode: e.TurkErrorCode } : {}),
      },
    };
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`sdk-v3-driver: not JSON: ${line.slice(0, 200)}\n`);
      return;
    }
    process.stdout.write(`${JSON.stringify(await handle(message))}\n`);
  });
});
lines.on('close', () => {
  queue.then(() => {
    client.destroy();
  });
});
