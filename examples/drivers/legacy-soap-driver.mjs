#!/usr/bin/env node
// The project's own legacy SOAP client (src/clients/legacy-soap.ts) as a driver of the
// mturk-conformance driver protocol (docs/driver-protocol.md): one JSON case per line on stdin,
// one JSON answer per line on stdout, exit when stdin closes. It loads the TypeScript sources
// through tsx, like bin/mturk-conformance.mjs.
import { register } from 'tsx/esm/api';
import { endpointOrExit, envCredentials, serveCases } from './driver-loop.mjs';

register();
const { loadSpecs } = await import('../../src/spec/load.ts');
const { createLegacySoapClient } = await import('../../src/clients/legacy-soap.ts');
const { reviveDates } = await import('../../src/clients/common.ts');

const specs = loadSpecs();
const endpoint = endpointOrExit('legacy-soap-driver');
const newClient = () => createLegacySoapClient(specs, { endpoint, credentials: envCredentials() });
let client = newClient();

serveCases(
  'legacy-soap-driver',
  async (message) => ({
    id: message.id,
    ...(await client.call(
      message.operation,
      reviveDates(message.input ?? {}, message.timestamps ?? []),
      Array.isArray(message.responseGroups) ? { responseGroups: message.responseGroups } : undefined,
    )),
  }),
  () => client.close(),
  async () => {
    await client.close();
    client = newClient();
  },
);
