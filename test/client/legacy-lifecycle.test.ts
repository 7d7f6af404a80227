// A legacy assignment's life through the bundled legacy clients against the reference emulator,
// over REST and over SOAP, one store: a submitted assignment is read, rejected, read again,
// approved after all, read a third time; a second reject fails with the documented state error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createLegacySoapClient } from '../../src/clients/legacy-soap.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import type { ClientResult, ClientUnderTest } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { providerState } from '../emulator/helpers.ts';

const set = loadSpecs();
let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => emulator?.close());

const status = (r: ClientResult) =>
  'output' in r
    ? ((r.output.Assignment as Record<string, unknown> | undefined)?.AssignmentStatus ?? r.output)
    : r;

describe('a legacy assignment through the bundled clients', () => {
  for (const [name, make] of [
    ['legacy-rest', createLegacyRestClient],
    ['legacy-soap', createLegacySoapClient],
  ] as const)
    test(`${name}: read, reject, read, approve the rejected, read; a second reject fails`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      try {
        const ids = await providerState(
          emulator.statesUrl,
          'HITWithSubmittedAssignment',
          TEST_REQUESTER_1.accessKeyId,
        );
        const get = () => client.call('GetAssignment', { AssignmentId: ids.AssignmentId });
        expect(status(await get())).toBe('Submitted');
        expect(
          await client.call('RejectAssignment', { AssignmentId: ids.AssignmentId, RequesterFeedback: 'no' }),
        ).toEqual({
          output: {},
        });
        expect(status(await get())).toBe('Rejected');
        const again = await client.call('RejectAssignment', { AssignmentId: ids.AssignmentId });
        expect('error' in again && again.error.code).toBe('AWS.MechanicalTurk.InvalidAssignmentState');
        expect(
          'output' in (await client.call('ApproveRejectedAssignment', { AssignmentId: ids.AssignmentId })),
        ).toBe(true);
        expect(status(await get())).toBe('Approved');
      } finally {
        await client.close();
      }
    });

  test('one store: what SOAP did, REST sees', async () => {
    const rest = createLegacyRestClient(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
    const soap = createLegacySoapClient(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
    const ids = await providerState(
      emulator.statesUrl,
      'HITWithSubmittedAssignment',
      TEST_REQUESTER_1.accessKeyId,
    );
    expect('output' in (await soap.call('ApproveAssignment', { AssignmentId: ids.AssignmentId }))).toBe(true);
    expect(status(await rest.call('GetAssignment', { AssignmentId: ids.AssignmentId }))).toBe('Approved');
  });
});
