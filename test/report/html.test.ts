import { describe, expect, it } from 'vitest';
import { htmlData, renderHtml, scriptSafeJson } from '../../src/report/html.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

describe('htmlData', () => {
  it('groups rows by API (newest first) then operation and marks rows where the targets that ran a check differ', () => {
    const extra = brokenEmulator();
    extra.results.push(result('2017-01-17/CreateHIT/only-broken'));
    const data = htmlData([goodEmulator(), extra]);
    expect(data.groups.map((g) => `${g.api} ${g.operation}`)).toEqual([
      '2017-01-17 CreateHIT',
      '2017-01-17 RejectAssignment',
      '2014-08-15 CreateHIT',
      '2014-08-15 GetAccountBalance',
    ]);
    const rows = data.groups.flatMap((g) => g.rows);
    // A check only one target has (another check family, e.g. mock vs end-to-end
    // columns) shows an empty cell but is not a difference between targets.
    expect(rows.filter((r) => r.differs).map((r) => r.check)).toEqual([
      'lifetime-range',
      'only-submitted',
      'reward-format',
      'shape',
    ]);
    const onlyBroken = rows.find((r) => r.check === 'only-broken')!;
    expect(onlyBroken.cells[0]).toBeNull();
    expect(onlyBroken.cells[1]?.status).toBe('passed');
    expect(onlyBroken.differs).toBe(false);
  });

  it('lines coverage up per target, null where a target has no count', () => {
    const data = htmlData([goodEmulator(), brokenEmulator()]);
    expect(data.coverage).toEqual([
      { operation: '2017-01-17/CreateHIT', keys: [{ key: 'Reward.pattern', counts: [40, null] }] },
      {
        operation: '2017-01-17/RejectAssignment',
        keys: [
          { key: 'RequesterFeedback.length.max', counts: [12, 0] },
          { key: 'rule:only-submitted', counts: [3, 3] },
        ],
      },
    ]);
  });

  it('never marks a single target as differing', () => {
    const rows = htmlData([brokenEmulator()]).groups.flatMap((g) => g.rows);
    expect(rows.some((r) => r.differs)).toBe(false);
  });
});

describe('renderHtml', () => {
  it('embeds script-safe JSON that round-trips', () => {
    const value = { text: '</script><script>alert(1)</script> & \u2028' };
    const json = scriptSafeJson(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('is self-contained: no external URLs, one executable inline script', () => {
    const hostile = report([
      result('2017-01-17/CreateHIT/x', { detail: '<script src="https://evil.example/x.js"></script>' }),
    ]);
    const html = renderHtml([goodEmulator(), hostile]);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('<script type="application/json" id="data">');
  });

  it('renders an empty page rather than failing when there are no reports', () => {
    expect(renderHtml([])).toContain('<title>MTurk conformance: no reports</title>');
  });
});
