import { describe, expect, it } from 'vitest';
import { MAX_FAILED_LISTED, renderSummaryMd } from '../../src/report/summary-md.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

describe('renderSummaryMd', () => {
  it('summarises a single passing target; a check not run keeps it from looking green', () => {
    const md = renderSummaryMd([goodEmulator()]);
    expect(md).toContain('## MTurk conformance');
    expect(md).toContain(
      '| ➖ good emulator `http://localhost:4100` | server | 6 | 0 | 1 (14%) | 0 | 0.1.0 | 12345 |',
    );
    expect(md).toContain(
      '> ⚠️ **1 of 7 checks (14%) were not run**; the verdict covers only the checks that ran. Most common reason (1): skipped',
    );
    const all = goodEmulator();
    all.results = all.results.map((r) => ({ ...r, status: 'passed' }));
    all.summary = { passed: 7, failed: 0, notRun: 0, expectedFailures: 0 };
    expect(renderSummaryMd([all])).toContain('| ✅ good emulator');
    expect(renderSummaryMd([all])).not.toContain('were not run');
    expect(md).toContain('| API | Operation | good emulator |');
    expect(md).toContain('| 2017-01-17 | CreateHIT | ➖ 1 passed, 1 not run |');
    expect(md).toMatch(/### Failed checks\n\nNone\.\n$/);
  });

  it('compares targets per operation and API version, then lists failures with reproduce commands', () => {
    const md = renderSummaryMd([goodEmulator(), brokenEmulator()]);
    expect(md).toContain('| API | Operation | good emulator | broken emulator |');
    expect(md).toContain('| 2017-01-17 | RejectAssignment | ✅ 3 passed | ❌ 2 passed, 1 failed |');
    expect(md).toContain('| 2014-08-15 | CreateHIT | ✅ 1 passed | ➖ 1 expected failure |');
    // Newest API first, then operations A–Z.
    expect(md.indexOf('| 2017-01-17 | CreateHIT')).toBeLessThan(
      md.indexOf('| 2017-01-17 | RejectAssignment'),
    );
    expect(md.indexOf('| 2017-01-17 | RejectAssignment')).toBeLessThan(
      md.indexOf('| 2014-08-15 | CreateHIT'),
    );
    expect(md).toContain('#### broken emulator (2)');
    expect(md).toContain(
      '| `2017-01-17/RejectAssignment/only-submitted` | must | RejectAssignment accepted an Approved assignment | ' +
        '`mturk-conformance server --endpoint http://localhost:4200 --seed 12345 --check only-submitted` |',
    );
    // Only the first line of a detail makes it into the table.
    expect(md).not.toContain('expected RequestError');
    expect(md).toContain('| ❌ broken emulator');
  });

  it('escapes text that would break the table or inject HTML', () => {
    const id = '2017-01-17/CreateHIT/pipes';
    const r = report([
      result(id, {
        status: 'failed',
        detail: '<img src=x onerror=alert(1)> a|b *bold*',
        reproduce: 'run `x` | y',
      }),
    ]);
    const md = renderSummaryMd([r]);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt; a\\|b \\*bold\\*');
    expect(md).toContain('``run `x` \\| y``');
    expect(md).not.toContain('<img');
    const row = md.split('\n').find((line) => line.includes('pipes'))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(6);
  });

  it('caps a long failure list', () => {
    const results = Array.from({ length: MAX_FAILED_LISTED + 5 }, (_, i) =>
      result(`2017-01-17/CreateHIT/c${i}`, { status: 'failed', detail: `d ${i}` }),
    );
    const md = renderSummaryMd([report(results)]);
    expect(md).toContain('…and 5 more failed checks: see report.html.');
    expect(md).not.toContain(`c${MAX_FAILED_LISTED + 4}\``);
  });
});
