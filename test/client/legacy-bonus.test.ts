// A legacy bonus through the bundled legacy clients against the reference emulator, over REST and
// over SOAP, one store: GrantBonus sends its BonusAmount as a Price, GetAccountBalance shows the
// balance as a Price that dropped by the bonus, and a repeated UniqueRequestToken is refused.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createLegacySoapClient } from '../../src/clients/legacy-soap.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { toCents } from '../../src/emulator/store.ts';
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

function balance(r: ClientResult): number {
  if (!('output' in r)) throw new Error(`GetAccountBalance failed: ${JSON.stringify(r)}`);
  const price = r.output.AvailableBalance as { Amount?: string; CurrencyCode?: string } | undefined;
  expect(price?.CurrencyCode).toBe('USD');
  return toCents(String(price?.Amount));
}

describe('a legacy bonus through the bundled clients', () => {
  for (const [name, make] of [
    ['legacy-rest', createLegacyRestClient],
    ['legacy-soap', createLegacySoapClient],
  ] as const)
    test(`${name}: GrantBonus draws its Price on the balance; its token cannot be used twice`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      try {
        const ids = await providerState(
          emulator.statesUrl,
          'HITWithApprovedAssignment',
          TEST_REQUESTER_1.accessKeyId,
        );
        const before = balance(await client.call('GetAccountBalance', {}));
        const bonus = {
          WorkerId: ids.WorkerId,
          AssignmentId: ids.AssignmentId,
          BonusAmount: { Amount: '1.50', CurrencyCode: 'USD' },
          Reason: 'good work',
          UniqueRequestToken: `bonus-${name}`,
        };
        expect(await client.call('GrantBonus', bonus)).toEqual({ output: {} });
        expect(before - balance(await client.call('GetAccountBalance', {}))).toBe(150);
        const again = await client.call('GrantBonus', bonus);
        expect('error' in again && again.error.code).toBe('AWS.MechanicalTurk.DuplicateRequest');
        expect(before - balance(await client.call('GetAccountBalance', {}))).toBe(150);
      } finally {
        await client.close();
      }
    });
});
