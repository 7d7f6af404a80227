#!/usr/bin/env node
// A driver for the AWS SDK for JavaScript v3 (@aws-sdk/client-mturk), speaking
// the mturk-conformance driver protocol (docs/driver-protocol.md): one JSON
// case per line on stdin, one JSON answer per line on stdout, exit when stdin
// closes. The command class is looked up by the operation's name.
import * as Sdk from '@aws-sdk/client-mturk';
import { endpointOrExit, envCredentials, reviveDates, sdkError, serveCases } from './driver-loop.mjs';

// the runner asks for a new client before each operation's checks (`fresh-client`), so what the
// SDK keeps across calls (its retry quota) never carries from one operation to the next
const endpoint = endpointOrExit('sdk-v3-driver');
const newClient = () =>
  new Sdk.MTurkClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: envCredentials(),
  });
let client = newClient();

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
    return { id: message.id, error: sdkError(e) };
  }
}

serveCases(
  'sdk-v3-driver',
  handle,
  () => client.destroy(),
  () => {
    client.destroy();
    client = newClient();
  },
);
