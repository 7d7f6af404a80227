// Synthetic run reports for the report tests: a good emulator and a broken one.
import { summarize } from '../../src/report/merge.ts';
import type { CheckResult, ConformanceReport } from '../../src/report/types.ts';

export function result(id: string, overrides: Partial<CheckResult> = {}): CheckResult {
  const [api = '', operation = '', check = ''] = id.split('/');
  return {
    id,
    api,
    operation,
    check,
    severity: 'must',
    status: 'passed',
    detail: '',
    reproduce: `mturk-conformance server --seed 12345 --check ${id}`,
    ...overrides,
  };
}

export function report(
  results: CheckResult[],
  overrides: Partial<ConformanceReport> = {},
): ConformanceReport {
  return {
    tool: { name: 'mturk-conformance', version: '0.1.0' },
    target: {
      kind: 'server',
      endpoint: 'http://localhost:4100',
      driver: 'aws-sdk-v3',
      name: 'good emulator',
    },
    api: ['2017-01-17', '2014-08-15'],
    seed: 12345,
    startedAt: '2025-01-02T03:04:05.000Z',
    durationMs: 1234,
    summary: summarize(results),
    results,
    ...overrides,
  };
}

const IDS = [
  '2017-01-17/RejectAssignment/rejects-submitted',
  '2017-01-17/RejectAssignment/feedback-max-length',
  '2017-01-17/RejectAssignment/only-submitted',
  '2017-01-17/CreateHIT/reward-format',
  '2017-01-17/CreateHIT/lifetime-range',
  '2014-08-15/CreateHIT/reward-format',
  '2014-08-15/GetAccountBalance/shape',
];

export function goodEmulator(): ConformanceReport {
  return report(
    IDS.map((id) => {
      if (id.endsWith('lifetime-range'))
        return result(id, { severity: 'should', status: 'not-run', detail: 'skipped' });
      if (id.endsWith('GetAccountBalance/shape')) return result(id, { severity: 'should' });
      return result(id);
    }),
    {
      coverage: {
        '2017-01-17/RejectAssignment': { 'RequesterFeedback.length.max': 12, 'rule:only-submitted': 3 },
        '2017-01-17/CreateHIT': { 'Reward.pattern': 40 },
      },
    },
  );
}

export function brokenEmulator(): ConformanceReport {
  const results = IDS.map((id) => {
    if (id.endsWith('only-submitted')) {
      return result(id, {
        status: 'failed',
        detail: 'RejectAssignment accepted an Approved assignment\nexpected RequestError, got 200',
        request: '{"AssignmentId":"A1","RequesterFeedback":"no"}',
        response: 'HTTP/1.1 200 OK\n{}',
        rule: 'specs/2017-01-17/RejectAssignment.json#/rules/0: only Submitted assignments can be rejected',
        counterexample: '{"AssignmentId":"A1"}',
        reproduce:
          'mturk-conformance server --endpoint http://localhost:4200 --seed 12345 --check only-submitted',
      });
    }
    if (id.endsWith('GetAccountBalance/shape')) {
      return result(id, { severity: 'should', status: 'failed', detail: 'AvailableBalance is a number' });
    }
    if (id.endsWith('2014-08-15/CreateHIT/reward-format')) {
      return result(id, { status: 'expected-failure', detail: 'known: legacy reward format' });
    }
    return result(id);
  });
  return report(results, {
    target: { kind: 'server', endpoint: 'http://localhost:4200', name: 'broken emulator' },
    coverage: {
      '2017-01-17/RejectAssignment': { 'RequesterFeedback.length.max': 0, 'rule:only-submitted': 3 },
    },
  });
}
