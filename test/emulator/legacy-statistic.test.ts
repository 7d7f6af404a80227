// Legacy statistics from the emulator: a GetStatisticResult (not a …Result of the operation's
// name) holding Count daily points ending today over OneDay, one point otherwise, each a Date and
// a LongValue for a count; the count is what the store holds now (the emulator keeps no history).
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { codecsFor } from '../../src/wire/index.ts';
import { stateIds } from './helpers.ts';

const set = loadSpecs();
const codec = codecsFor(set).find((c) => c.api === '2014-08-15')!;

describe('legacy statistics', () => {
  it('OneDay × Count gives Count daily points ending today; other periods one point', () => {
    const emulator = createEmulator({ specs: set });
    const ids = stateIds(emulator, 'HITWithApprovedAssignment');
    const call = (operation: string, input: Record<string, unknown>) => {
      const res = emulator.handleSync(
        codec.encodeRequest(set, operation, input, TEST_REQUESTER_1, { host: '127.0.0.1', now: new Date() }),
      );
      const a = codec.decodeResponse(set, operation, res);
      if (a.kind !== 'success') throw new Error(res.body);
      expect(a.problems).toEqual([]);
      return { body: res.body, out: a.output };
    };
    const daily = call('GetRequesterWorkerStatistic', {
      Statistic: 'NumberAssignmentsApproved',
      TimePeriod: 'OneDay',
      WorkerId: ids.WorkerId,
      Count: 3,
    });
    expect(daily.body).toContain('<GetStatisticResult>');
    const points = daily.out.DataPoint as { Date: Date; LongValue?: number }[];
    expect(points).toHaveLength(3);
    expect(points.map((p) => p.LongValue)).toEqual([1, 1, 1]);
    expect(points[2]!.Date.toISOString().slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
    expect(daily.out.WorkerId).toBe(ids.WorkerId);
    const total = call('GetRequesterStatistic', { Statistic: 'TotalRewardPayout', TimePeriod: 'LifeToDate' });
    expect(total.out.DataPoint).toHaveLength(1);
    expect((total.out.DataPoint as { DoubleValue?: string }[])[0]!.DoubleValue).toBe('0');
    expect(total.out.Statistic).toBe('TotalRewardPayout');
  });
});
