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

describe('legacy money kept, as 2017 shows it', () => {
  // one store serves both versions: an amount a legacy call keeps is one 2017 can show (a
  // CurrencyAmount), so a legacy Reward is refused unless in whole cents and kept in two decimals
  const question = (emulator: ReturnType<typeof createEmulator>) =>
    emulator.store.set.model.entities.HIT!.fields.Question as string;
  const createHIT = (emulator: ReturnType<typeof createEmulator>, Amount: string) =>
    caller(emulator)(L, 'CreateHIT', {
      Title: 'money',
      Description: 'money',
      Question: question(emulator),
      Reward: { Amount, CurrencyCode: 'USD' },
      AssignmentDurationInSeconds: 3600,
      LifetimeInSeconds: 3600,
    });
  const pattern = new RegExp(
    (set.apis[J].shapes.shapes.CurrencyAmount!.constraints ?? []).find((c) => c.kind === 'pattern')!
      .pattern as string,
  );

  it('an xs:decimal in whole cents, in any of its forms, shows through 2017 as a CurrencyAmount of the same value', () => {
    const emulator = createEmulator({ specs: set });
    const call = caller(emulator);
    for (const [Amount, shown] of [
      ['10000.000', '10000.00'],
      ['+5', '5'],
      ['.5', '0.5'],
      ['5', '5'],
      ['0.250', '0.25'],
    ]) {
      const made = createHIT(emulator, Amount!);
      expect(made.kind, Amount).toBe('success');
      if (made.kind !== 'success') continue;
      const HITId = (made.output.HIT as Record<string, unknown>).HITId as string;
      const got = call(J, 'GetHIT', { HITId });
      if (got.kind !== 'success') throw new Error('GetHIT failed');
      const reward = (got.output.HIT as Record<string, unknown>).Reward as string;
      expect(reward, Amount).toMatch(pattern);
      expect(reward, Amount).toBe(shown);
      // the legacy view shows the same amount
      const legacy = call(L, 'GetHIT', { HITId });
      if (legacy.kind !== 'success') throw new Error('legacy GetHIT failed');
      expect(toCents(String((legacy.output.HIT as { Reward: { Amount: string } }).Reward.Amount))).toBe(
        toCents(shown!),
      );
    }
  });

  it('an amount 2017 could not show (a fraction of a cent, below zero) is refused and changes nothing', () => {
    const emulator = createEmulator({ specs: set });
    const digest = emulator.store.digest();
    for (const Amount of ['.7956728410216527', '+69206978171.8309', '-5', '0.005']) {
      const a = createHIT(emulator, Amount);
      expect(a.kind, Amount).toBe('error');
    }
    expect(emulator.store.digest()).toBe(digest);
  });
});
