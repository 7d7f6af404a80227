#!/usr/bin/env node
// The project's own legacy SOAP client (src/clients/legacy-soap.ts) as a driver of the
// mturk-conformance driver protocol (docs/driver-protocol.md): one JSON case per line on stdin,
// one JSON answer per line on stdout, exit when stdin closes. It loads the TypeScript sources
// through tsx, like bin/mturk-conformance.mjs.
import { createInterface } from 'node:readline';
import { register } from 'tsx/esm/api';

register();
const { loadSpecs } = await import('../../src/spec/load.ts');
const { createLegacySoapClient } = await import('../../src/clients/legacy-soap.ts');
const { reviveDates } = await import('../../src/clients/common.ts');

const endpoint = process.env.MTURK_ENDPOINT;
if (!endpoint) {
  process.stderr.write('legacy-soap-driver: MTURK_ENDPOINT is not set\n');
  process.exit(2);
}
const client = createLegacySoapClient(loadSpecs(), {
  endpoint,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  },
});

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`legacy-soap-driver: not JSON: ${line.slice(0, 200)}\n`);
      return;
    }
    const result = await client.call(
      message.operation,
      reviveDates(message.input ?? {}, message.timestamps ?? []),
      Array.isArray(message.responseGroups) ? { responseGroups: message.responseGroups } : undefined,
    );
    process.stdout.write(`${JSON.stringify({ id: message.id, ...result })}\n`);
  });
});
lines.on('close', () => {
  queue.then(() => client.close());
});
