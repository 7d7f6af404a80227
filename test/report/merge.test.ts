import { describe, expect, it } from 'vitest';
import {
  exitCodeFor,
  mergeShards,
  notRunShare,
  notRunVerdict,
  parseNotRunLimit,
  percentText,
  shardProblems,
  targetLabels,
  targetSlugs,
} from '../../src/report/merge.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

describe('mergeShards', () => {
  const a = '2017-01-17/CreateHIT/a';
  const b = '2017-01-17/CreateHIT/b';
  const c = '2014-08-15/CreateHIT/c';

  it('merges shards of one run into one report with a recomputed summary', () => {
    const shard2 = report([result(b, { status: 'failed', detail: 'x' }), result(c, { status: 'not-run' })], {
      shard: '2/2',
      api: ['2014-08-15'],
      startedAt: '2025-01-01T00:00:01.000Z',
      durationMs: 5000,
      coverage: { '2017-01-17/CreateHIT': { k: 2, only2: 0 } },
    });
    const shard1 = report([result(a), result(b)], {
      shard: '1/2',
      api: ['2017-01-17'],
      startedAt: '2025-01-01T00:00:00.000Z',
      durationMs: 2000,
      coverage: { '2017-01-17/CreateHIT': { k: 3 } },
    });
    const merged = mergeShards([shard2, shard1]);
    expect(merged).toHaveLength(1);
    const [one] = merged;
    expect(one!.shard).toBeUndefined();
    expect(one!.results.map((r) => r.id)).toEqual([a, b, c]);
    // b appears in both shards: the lower shard's copy is kept.
    expect(one!.results[1]!.status).toBe('passed');
    expect(one!.summary).toEqual({ passed: 2, failed: 0, notRun: 1, expectedFailures: 0 });
    expect(one!.api).toEqual(['2017-01-17', '2014-08-15']);
    expect(one!.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(one!.durationMs).toBe(6000);
    expect(one!.coverage).toEqual({ '2017-01-17/CreateHIT': { k: 5, only2: 0 } });
  });

  it('keeps different targets and different seeds apart, in first-seen order', () => {
    const good = goodEmulator();
    const broken = brokenEmulator();
    const otherSeed = goodEmulator();
    otherSeed.seed = 7;
    const merged = mergeShards([good, broken, otherSeed]);
    expect(merged).toEqual([good, broken, otherSeed]);
  });

  it('does not touch a lone report', () => {
    const good = goodEmulator();
    expect(mergeShards([good])[0]).toBe(good);
  });
});

describe('target labels and slugs', () => {
  it('prefers the display name, then endpoint, then driver', () => {
    const named = goodEmulator();
    const endpoint = report([], { target: { kind: 'server', endpoint: 'http://localhost:9/' } });
    const driver = report([], { target: { kind: 'client', driver: 'boto3' } });
    expect(targetLabels([named, endpoint, driver])).toEqual([
      'good emulator',
      'http://localhost:9/',
      'boto3',
    ]);
    expect(targetSlugs([named, endpoint, driver])).toEqual(['good-emulator', 'localhost-9', 'boto3']);
  });

  it('makes look-alike targets distinct', () => {
    const one = goodEmulator();
    const two = goodEmulator();
    two.seed = 99;
    const three = goodEmulator();
    expect(targetLabels([one, two, three])).toEqual([
      'good emulator (seed 12345) #1',
      'good emulator (seed 99)',
      'good emulator (seed 12345) #3',
    ]);
    expect(new Set(targetSlugs([one, two, three])).size).toBe(3);
  });
});

describe('exitCodeFor', () => {
  const id = '2017-01-17/CreateHIT/x';
  it('is 0 when nothing failed', () => {
    expect(exitCodeFor([goodEmulator()])).toBe(0);
    expect(exitCodeFor([])).toBe(0);
  });
  it('is 1 when a must check failed', () => {
    expect(exitCodeFor([goodEmulator(), brokenEmulator()])).toBe(1);
  });
  it('ignores failed should checks unless strict', () => {
    const r = report([result(id, { severity: 'should', status: 'failed' })]);
    expect(exitCodeFor([r])).toBe(0);
    expect(exitCodeFor([r], { strict: true })).toBe(1);
  });
  it('does not count expected failures or checks that did not run', () => {
    const r = report([result(id, { status: 'expected-failure' }), result(`${id}2`, { status: 'not-run' })]);
    expect(exitCodeFor([r], { strict: true })).toBe(0);
  });
});

describe('--max-not-run', () => {
  it('takes a count or a share, nothing else', () => {
    expect(parseNotRunLimit('0')).toEqual({ count: 0 });
    expect(parseNotRunLimit('12')).toEqual({ count: 12 });
    expect(parseNotRunLimit('10%')).toEqual({ percent: 10 });
    expect(parseNotRunLimit('2.5%')).toEqual({ percent: 2.5 });
    for (const bad of ['-1', '101%', 'x', '', '5 %%']) expect(parseNotRunLimit(bad)).toBeUndefined();
  });

  it('fails the gate only past the limit, and says how much was not run', () => {
    const results = [
      result('2017-01-17/A/a'),
      result('2017-01-17/A/b', { status: 'not-run' }),
      result('2017-01-17/A/c', { status: 'not-run' }),
      result('2017-01-17/A/d', { status: 'not-run' }),
    ];
    const r = report(results);
    expect(notRunShare([r])).toEqual({ notRun: 3, total: 4, percent: 75 });
    expect(notRunVerdict([r], undefined)).toBeUndefined();
    expect(notRunVerdict([r], { count: 3 })).toBeUndefined();
    expect(notRunVerdict([r], { percent: 75 })).toBeUndefined();
    expect(notRunVerdict([r], { count: 2 })).toBe(
      '3 of 4 checks (75%) were not run, more than --max-not-run 2 allows',
    );
    expect(notRunVerdict([r], { percent: 10 })).toMatch(/75%.*--max-not-run 10% allows/);
    expect(percentText(0.2)).toBe('<1%');
    expect(percentText(99.7)).toBe('>99%');
  });
});

describe('shardProblems', () => {
  const shard = (k: string, overrides: Parameters<typeof report>[1] = {}) =>
    report([result(`2017-01-17/A/${k}`)], {
      shard: k,
      options: { runs: 100, timeoutMs: 5000 },
      ...overrides,
    });

  it('accepts whole sets of shards and runs that are not sharded', () => {
    expect(shardProblems([shard('1/3'), shard('3/3'), shard('2/3'), brokenEmulator()])).toEqual([]);
  });

  it('names a missing shard, a shard given twice and a different split', () => {
    expect(shardProblems([shard('1/3'), shard('2/3')])).toEqual([
      'good emulator (seed 12345): shard 3/3 is missing',
    ]);
    expect(shardProblems([shard('1/2'), shard('1/2'), shard('2/2')])).toEqual([
      'shard 1/2 of good emulator is given 2 times',
    ]);
    expect(shardProblems([shard('1/2'), shard('2/3')])[0]).toMatch(
      /split the run differently \(1\/2, 2\/3\)/,
    );
  });

  it('names shards with different seeds or options, and a whole run mixed with shards', () => {
    expect(shardProblems([shard('1/2'), shard('2/2', { seed: 9 })])).toEqual([
      'the shards of good emulator come from runs with different seeds (12345, 9)',
    ]);
    expect(
      shardProblems([shard('1/2'), shard('2/2', { options: { runs: 10, timeoutMs: 5000 } })])[0],
    ).toMatch(/different options or tool versions .*"runs":100.* vs .*"runs":10/);
    const whole = report([result('2017-01-17/A/x')]);
    expect(shardProblems([whole, shard('1/1')])).toEqual([
      'good emulator (seed 12345) has a whole run and shards of a run',
    ]);
  });
});
