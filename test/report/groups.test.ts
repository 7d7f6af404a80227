// Failures that share a root cause are one group (issue 12, item 14): in the console summary,
// summary.md and report.html.
import { describe, expect, it } from 'vitest';
import { failureCause, failureGroups, messageTemplate } from '../../src/report/groups.ts';
import { renderSummaryMd } from '../../src/report/summary-md.ts';
import { renderFailures } from '../../src/runner/console.ts';
import { report, result } from './fixtures.ts';

const html = (op: string, check: string, severity: 'must' | 'should' = 'must') =>
  result(`2017-01-17/${op}/${check}`, {
    status: 'failed',
    severity,
    detail: `A valid ${op} request must succeed, but the target answered something unreadable (HTTP 200: protocols/2017-01-17.json#/success/contentType: the body is not JSON).\nmore`,
    reproduce: `npx mturk-conformance server --check 2017-01-17/${op}/${check}`,
  });

const garbage = () =>
  report([
    html('ApproveAssignment', 'valid.request'),
    html('RejectAssignment', 'valid.request'),
    html('GetAssignment', 'valid.request', 'should'),
    result('2017-01-17/GetAssignment/x', {
      status: 'failed',
      detail:
        'Observing the Assignment through 2017-01-17 GetAssignment gave an unreadable answer: protocols/2017-01-17.json#/success/contentType: the body is not JSON',
    }),
    result('2017-01-17/GetHIT/id', {
      status: 'failed',
      detail:
        'GetHIT for HITId 8GMG8WPTK8BSJCR7BC6THRID70YH00 must fail with Y, but the target answered a success (HTTP 200).',
    }),
    result('2017-01-17/GetHIT/ok'),
  ]);

describe('failure groups', () => {
  it('a cause is what the target answered, with what varies between checks made generic', () => {
    expect(
      messageTemplate('GetHIT for HITId 8GMG8WPTK8BSJCR7BC6THRID70YH00 via 2014-08-15 took 12 ms: "x"', {
        api: '',
        operation: 'GetHIT',
      }),
    ).toBe('<Operation> for HITId <id> via <api> took N ms: "…"');
    const [a, b, c, d] = garbage().results;
    expect(failureCause(a!)).toBe(failureCause(b!));
    expect(failureCause(a!)).toBe(failureCause(c!));
    expect(failureCause(a!)).toBe(failureCause(d!));
    expect(failureCause(a!)).toBe(
      'the target answered something unreadable: protocols/<api>.json#/success/contentType: the body is not JSON',
    );
  });

  it('groups with the most must failures come first, must before should inside a group', () => {
    const groups = failureGroups(garbage().results);
    expect(groups.map((g) => [g.results.length, g.must, g.should])).toEqual([
      [4, 3, 1],
      [1, 1, 0],
    ]);
    expect(groups[0]!.results.at(-1)!.severity).toBe('should');
  });

  it('the console shows a group once, with its count, its checks and one re-run line', () => {
    const text = renderFailures(garbage());
    expect(text).toContain('5 failed checks, 2 causes:');
    expect(text).toContain(
      'FAIL 4 checks (3 must, 1 should): the target answered something unreadable: protocols/<api>.json#/success/contentType: the body is not JSON',
    );
    expect(text).toContain(
      'checks: 2017-01-17/ApproveAssignment/valid.request, 2017-01-17/RejectAssignment/valid.request, 2017-01-17/GetAssignment/x, 2017-01-17/GetAssignment/valid.request',
    );
    expect(text.match(/re-run: /g)).toHaveLength(2);
    expect(text).toContain('FAIL must   2017-01-17/GetHIT/id');
  });

  it('summary.md has a table of causes before the failed checks', () => {
    const md = renderSummaryMd([garbage()]);
    expect(md).toContain('### Failures by cause');
    expect(md).toContain(
      '| the target answered something unreadable: protocols/&lt;api&gt;.json#/success/contentType: the body is not JSON | 4 checks (3 must, 1 should) | `2017-01-17/ApproveAssignment/valid.request`, ',
    );
    expect(md.indexOf('### Failures by cause')).toBeLessThan(md.indexOf('### Failed checks'));
  });
});
