// Money sent as a legacy Price (GrantBonus's BonusAmount) is the same amount 2017 sends as a bare
// string: the rules see the amount (moneyAsAmounts), the balance drops by it in both APIs' views,
// and an amount the balance cannot be drawn by is refused rather than let through unpaid.
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { toCents } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { Api } from '../../src/spec/types.ts';
import { codecsFor } from '../../src/wire/index.ts';
import { stateIds } from './helpers.ts';

const set = loadSpecs();
const L: Api = '2014-08-15';
const J: Api = '2017-01-17';

function caller(emulator: ReturnType<typeof createEmulator>) {
  return (api: Api, operation: string, input: Record<string, unknown>) => {
    const codec = codecsFor(set).find((c) => c.api === api)!;
    const res = emulator.handleSync(
      codec.encodeRequest(set, operation, input, TEST_REQUESTER_1, { host: '127.0.0.1', now: new Date() }),
    );
    return codec.decodeResponse(set, operation, res);
  };
}

describe('legacy money in', () => {
  it('GrantBonus with a Price draws its amount, as SendBonus draws the same string', () => {
    const emulator = createEmulator({ specs: set });
    const call = caller(emulator);
    const ids = stateIds(emulator, 'HITWithApprovedAssignment');
    const balance = () => {
      const j = call(J, 'GetAccountBalance', {});
      const l = call(L, 'GetAccountBalance', {});
      if (j.kind !== 'success' || l.kind !== 'success') throw new Error('GetAccountBalance failed');
      // one balance, two views: a bare string and a Price
      expect(l.output.AvailableBalance).toEqual({ Amount: j.output.AvailableBalance, CurrencyCode: 'USD' });
      return toCents(String(j.output.AvailableBalance));
    };
    const before = balance();
    const bonus = { WorkerId: ids.WorkerId, AssignmentId: ids.AssignmentId, Reason: 'thanks' };
    expect(
      call(L, 'GrantBonus', { ...bonus, BonusAmount: { Amount: '5.25', CurrencyCode: 'USD' } }).kind,
    ).toBe('success');
    expect(before - balance()).toBe(525);
    expect(call(J, 'SendBonus', { ...bonus, BonusAmount: '5.25' }).kind).toBe('success');
    expect(before - balance()).toBe(1050);
  });

  it('an amount in fractions of a cent or below zero is refused and changes nothing', () => {
    const emulator = createEmulator({ specs: set });
    const call = caller(emulator);
    const ids = stateIds(emulator, 'HITWithApprovedAssignment');
    const bonus = { WorkerId: ids.WorkerId, AssignmentId: ids.AssignmentId, Reason: 'thanks' };
    const digest = emulator.store.digest();
    for (const Amount of ['0.005', '-1', 'five']) {
      const a = call(L, 'GrantBonus', { ...bonus, BonusAmount: { Amount, CurrencyCode: 'USD' } });
      expect(a.kind, Amount).toBe('error');
      if (a.kind === 'error')
        expect(a.code).toBe(set.errors.errors[set.apis[L].protocol.validation.invalid]!.code);
    }
    expect(emulator.store.digest()).toBe(digest);
  });

  it('toCents reads the legacy sample balance (three decimals) and nothing finer than a cent', () => {
    expect(toCents('10000.000')).toBe(1_000_000);
    expect(toCents('5')).toBe(500);
    expect(toCents('0.5')).toBe(50);
    expect(toCents('0.005')).toBeNaN();
    expect(toCents('-1')).toBeNaN();
  });
});
