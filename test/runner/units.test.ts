// The runner's small parts: safety, report-dir protection, expected-failures
// parsing, progress formatting, redaction, shards.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ConformanceReport } from '../../src/report/types.ts';
import {
  parseExpectedFailures,
  unknownOperationWarnings,
  updatedList,
} from '../../src/runner/expected-failures.ts';
import { combineJunit, MARKER_FILE, prepareReportDir, writeReports } from '../../src/runner/output.ts';
import { Progress } from '../../src/runner/progress.ts';
import { Redactor } from '../../src/runner/redact.ts';
import { checkEndpoint, isLoopbackHost, mturkHosts } from '../../src/runner/safety.ts';
import { checkSelection, parseShard, shardIds } from '../../src/runner/select.ts';

function report(name: string, statuses: ('passed' | 'failed')[] = ['passed']): ConformanceReport {
  const results = statuses.map((status, i) => ({
    id: `2017-01-17/Op/c${i}`,
    api: '2017-01-17',
    operation: 'Op',
    check: `c${i}`,
    severity: 'must' as const,
    status,
    detail: status === 'failed' ? 'broken' : '',
    reproduce: '',
  }));
  return {
    tool: { name: 'mturk-conformance', version: '0.0.0' },
    target: { kind: 'server', endpoint: 'http://127.0.0.1:1', name },
    api: ['2017-01-17'],
    seed: 1,
    startedAt: new Date(0).toISOString(),
    durationMs: 5,
    summary: {
      passed: statuses.filter((s) => s === 'passed').length,
      failed: statuses.filter((s) => s === 'failed').length,
      notRun: 0,
      expectedFailures: 0,
    },
    results,
  };
}

describe('safety', () => {
  test('the MTurk hosts come from the protocol specs', () => {
    const hosts = mturkHosts().map((h) => h.host);
    expect(hosts).toContain('mechanicalturk.amazonaws.com');
    expect(hosts).toContain('mturk-requester.us-east-1.amazonaws.com');
    expect(hosts).toContain('mechanicalturk.sandbox.amazonaws.com');
    expect(hosts).toContain('mturk-requester-sandbox.us-east-1.amazonaws.com');
  });

  test.each([
    'https://mechanicalturk.amazonaws.com/',
    'https://mturk-requester.us-east-1.amazonaws.com',
    'https://MTURK-REQUESTER.us-east-1.amazonaws.com.:443/',
    'https://mechanicalturk.sandbox.amazonaws.com/?Service=AWSMechanicalTurkRequester',
    'https://mturk-requester-sandbox.us-east-1.amazonaws.com',
  ])('refuses %s even with allowRemote', (url) => {
    expect(() => checkEndpoint({ url, what: '--endpoint' }, { allowRemote: true })).toThrow(
      /Mechanical Turk/,
    );
  });

  test('non-loopback needs allowRemote, then warns', () => {
    expect(() => checkEndpoint({ url: 'http://10.0.0.7:8080', what: '--endpoint' })).toThrow(
      /--allow-remote/,
    );
    expect(() => checkEndpoint({ url: 'http://example.test', what: '--endpoint' })).toThrow(/not a loopback/);
    expect(checkEndpoint({ url: 'http://10.0.0.7:8080', what: '--endpoint' }, { allowRemote: true })).toMatch(
      /^warning: /,
    );
    expect(checkEndpoint({ url: 'http://127.0.0.1:8080', what: '--endpoint' })).toBeUndefined();
    expect(checkEndpoint({ url: 'http://[::1]:8080/', what: '--endpoint' })).toBeUndefined();
    expect(() => checkEndpoint({ url: 'ftp://127.0.0.1', what: '--endpoint' })).toThrow(/http/);
    expect(() => checkEndpoint({ url: 'not a url', what: '--endpoint' })).toThrow(/not a URL/);
  });

  test('loopback detection', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'api.localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of [
      '10.0.0.1',
      '0.0.0.0',
      'example.com',
      '::ffff:10.0.0.1',
      'localhost.example.com',
      '::',
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('report directories', () => {
  test('refuses a directory with files the tool did not write, unless forced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-out-'));
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(prepareReportDir(dir)).rejects.toThrow(/did not write \(notes\.txt\).*--force/);
    await writeReports(dir, [report('a')], { force: true });
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readdir(dir)).sort()).toEqual(
      expect.arrayContaining(['conformance.json', 'junit.xml', 'summary.md', 'report.html', MARKER_FILE]),
    );
  });

  test('rewrites its own earlier output, and writes per-target files for several targets', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'mc-out-')), 'nested', 'out');
    await writeReports(dir, [report('a')]);
    await writeReports(dir, [report('a'), report('b', ['failed'])]);
    const files = await readdir(dir);
    expect(files).not.toContain('conformance.json');
    expect(files).toEqual(expect.arrayContaining(['a', 'b', 'junit.xml', 'report.html', 'summary.md']));
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(junit).toMatch(/<testsuites [^>]*tests="2" failures="1"/);
    await writeReports(dir, [report('c')]);
    expect((await readdir(dir)).sort()).not.toContain('a');
  });

  test('a file where the directory should be', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-out-'));
    await writeFile(join(dir, 'f'), '');
    await expect(prepareReportDir(join(dir, 'f'))).rejects.toThrow(/is a file/);
    await mkdir(join(dir, 'empty'));
    await expect(prepareReportDir(join(dir, 'empty'))).resolves.toBeUndefined();
  });

  test('combineJunit sums the counts', () => {
    const a =
      '<testsuites name="x" tests="2" failures="1" errors="0" skipped="0" time="1.000">\n<testsuite name="a"></testsuite>\n</testsuites>';
    const b =
      '<testsuites name="x" tests="3" failures="0" errors="0" skipped="1" time="0.500">\n<testsuite name="b"></testsuite>\n</testsuites>';
    const out = combineJunit([a, b]);
    expect(out).toContain('tests="5" failures="1" errors="0" skipped="1" time="1.500"');
    expect(out.match(/<testsuite /g)).toHaveLength(2);
  });
});

describe('expected-failures files', () => {
  test('parses ids, messages and comments; refuses what is not an id', () => {
    const list = parseExpectedFailures('# c\n\n2017-01-17/A/b  see #1\n  2014-08-15/C/d # why\n', 'f');
    expect([...list.entries.values()]).toEqual([
      { id: '2017-01-17/A/b', line: 3, message: 'see #1' },
      { id: '2014-08-15/C/d', line: 4, message: 'why' },
    ]);
    expect(() => parseExpectedFailures('RejectAssignment\n', 'f')).toThrow(/f:1: .* is not a check id/);
  });

  test('ids of unknown operations or API versions get a warning with a did-you-mean', () => {
    const list = parseExpectedFailures(
      '2017-01-17/RejectAsignment/x\n2017-01-17/RejectAssignment/y\n2017-01-71/GetHIT/z\n2017-01-17/Zzzzzz/q\n',
      'f',
    );
    const known = { '2017-01-17': ['RejectAssignment', 'GetHIT'], '2014-08-15': ['GetHIT'] };
    expect(unknownOperationWarnings(list, known)).toEqual([
      'f:1: 2017-01-17 has no operation "RejectAsignment" (2017-01-17/RejectAsignment/x); did you mean RejectAssignment?',
      'f:3: unknown API version "2017-01-71" in 2017-01-71/GetHIT/z (did you mean 2017-01-17?)',
      'f:4: 2017-01-17 has no operation "Zzzzzz" (2017-01-17/Zzzzzz/q)',
    ]);
  });

  test('an update of a new file gets a header', () => {
    const list = parseExpectedFailures('', 'f');
    const { text, added } = updatedList(
      list,
      report('a', ['failed']).results,
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(added).toEqual(['2017-01-17/Op/c0']);
    expect(text).toMatch(/^# Checks expected to fail/);
    expect(text).toContain('# added by --update-expected-failures on 2026-01-02\n2017-01-17/Op/c0  broken\n');
  });
});

describe('odds and ends', () => {
  test('progress line', () => {
    expect(Progress.format({ done: 5, total: 456, label: '2017-01-17/RejectAssignment', failed: 3 })).toBe(
      '[  5/456] 2017-01-17/RejectAssignment ... 3 failed',
    );
    expect(Progress.format({ done: 5, total: 9, label: 'x', failed: 0, expected: 1 })).toBe(
      '[5/9] x ... 1 expected failure',
    );
    const chunks: string[] = [];
    const stream = { write: (s: string) => chunks.push(s) !== 0, isTTY: true, columns: 80 };
    const p = new Progress({ stream: stream as never, intervalMs: 0 });
    p.update({ done: 1, total: 2, label: 'x', failed: 0 });
    p.finish();
    expect(chunks).toEqual(['\r\x1b[2K[1/2] x', '\r\x1b[2K']);
    // a secret that happens to be in a label is redacted like everything else the run prints
    const logged: string[] = [];
    const log = { write: (s: string) => logged.push(s) !== 0, isTTY: false };
    const r = new Redactor(['GetAssignment']);
    const q = new Progress({ stream: log as never, intervalMs: 0, redact: (line) => r.text(line) });
    q.update({ done: 1, total: 2, label: '2017-01-17/GetAssignment', failed: 0 });
    expect(logged).toEqual(['[1/2] 2017-01-17/<redacted>\n']);
  });

  test('redaction replaces plain and URL-encoded secrets, deeply', () => {
    const r = new Redactor(['s3cr/t+key']);
    expect(r.text('a s3cr/t+key b s3cr%2Ft%2Bkey')).toBe('a <redacted> b <redacted>');
    expect(r.value({ x: ['s3cr/t+key'], y: 1 })).toEqual({ x: ['<redacted>'], y: 1 });
  });

  test('selection and shards', () => {
    const sel = checkSelection(['2017-01-17/RejectAssignment/*', '2014-08-15/GetAssignment/x']);
    expect(sel.matches('2017-01-17/RejectAssignment/input.a.length')).toBe(true);
    expect(sel.matches('2014-08-15/GetAssignment/x')).toBe(true);
    expect(sel.matches('2014-08-15/GetAssignment/xy')).toBe(false);
    expect(sel.testNamePattern?.test('2017-01-17/RejectAssignment 2017-01-17/RejectAssignment/q')).toBe(true);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('4/3')).toThrow(/between 1 and n/);
    expect(() => parseShard('x')).toThrow(/expected i\/n/);
    const ids = Array.from({ length: 10 }, (_, i) => `a/b/${i}`);
    const parts = [1, 2, 3].map((index) => shardIds(ids, { index, count: 3 }));
    expect(parts.map((p) => p.size)).toEqual([4, 3, 3]);
    expect(new Set(parts.flatMap((p) => [...p])).size).toBe(10);
  });
});
