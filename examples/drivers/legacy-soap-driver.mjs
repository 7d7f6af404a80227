#!/usr/bin/env node
// The project's own legacy SOAP client (src/clients/legacy-soap.ts) as a driver of the
// mturk-conformance driver protocol (docs/driver-protocol.md): one JSON case per line on stdin,
// one JSON answer per line on stdout, exit when stdin closes. Like bin/mturk-conformance.mjs, it
// runs the compiled dist/ when that is a build of these very sources, else the TypeScript sources
// through tsx (an edit takes effect at once, nothing runs old code).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from '../../bin/build-state.mjs';
import { endpointOrExit, envCredentials, serveCases } from './driver-loop.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = buildState(root).current;
if (!built) (await import('tsx/esm/api')).register();
const from = (path) => import(built ? `../../dist/${path}.js` : `../../src/${path}.ts`);
const { loadSpecs } = await from('spec/load');
const { createLegacySoapClient } = await from('clients/legacy-soap');
const { reviveDates } = await from('clients/common');

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
