// Bad input is refused with one line and exit 2 before anything is tested (issue 12, item 18):
// nothing here reaches a server (the endpoint is a closed port or a server counting its hits).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, ownLines, STACK_LINE, scratchDir, startGarbageServer } from './helpers.ts';

let garbage: Awaited<ReturnType<typeof startGarbageServer>>;
beforeAll(async () => {
  garbage = await startGarbageServer();
});
afterAll(async () => {
  await garbage?.close();
});

async function expectRefused(args: string[], message: RegExp, options: { cwd?: string } = {}) {
  const before = garbage.hits();
  const r = await cli(args, { ...options, timeoutMs: 60_000 });
  const lines = ownLines(r.stderr);
  expect(r.code, r.stderr).toBe(2);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(garbage.hits()).toBe(before);
  return r;
}

describe.concurrent('expected-failures files that cannot be read as lines', () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      'U+2028 inside a line',
      Buffer.from('# known\n2017-01-17/RejectAssignment/input.a\u2028 2017-01-17/GetHIT/x\n', 'utf8'),
      /known\.txt:2: holds the control or separator character U\+2028/,
    ],
    [
      'CR-only line ends',
      Buffer.from('# known\r2017-01-17/RejectAssignment/input.a\r', 'utf8'),
      /known\.txt:1: a line ends with a lone carriage return/,
    ],
    [
      'UTF-16 with a byte-order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('2017-01-17/GetHIT/x\n', 'utf16le')]),
      /known\.txt: looks like UTF-16 .*save it as UTF-8/,
    ],
    [
      'UTF-16 without a byte-order mark',
      Buffer.from('2017-01-17/GetHIT/x\n', 'utf16le'),
      /known\.txt: looks like UTF-16/,
    ],
    ['Latin-1', Buffer.from([0x23, 0x20, 0xe9, 0x0a]), /known\.txt: is not UTF-8/],
  ];
  test.each(cases)('%s', async (_, bytes, message) => {
    const cwd = await scratchDir();
    await writeFile(join(cwd, 'known.txt'), bytes);
    const r = await expectRefused(
      ['server', '--endpoint', garbage.url, '--expected-failures', 'known.txt', '--seed', '1'],
      message,
      { cwd },
    );
    expect(r.stderr).not.toMatch(/Cannot read properties/);
  });
});

test('unknown operations in an expected-failures file are warned about before the run', async () => {
  const cwd = await scratchDir();
  await writeFile(join(cwd, 'known.txt'), '2017-01-17/RejectAsignment/valid.request\n');
  const r = await cli(['server', '--endpoint', 'http://127.0.0.1:1', '--expected-failures', 'known.txt'], {
    cwd,
  });
  expect(r.code).toBe(2);
  expect(ownLines(r.stderr)[0]).toBe(
    'mturk-conformance server: warning: known.txt:1: 2017-01-17 has no operation "RejectAsignment" (2017-01-17/RejectAsignment/valid.request); did you mean RejectAssignment?',
  );
});

describe.concurrent('arguments', () => {
  test('an endpoint with user:password is refused and the password is never printed', async () => {
    const withPassword = garbage.url.replace('http://', 'http://admin:hunter2@');
    const r = await expectRefused(
      ['server', '--endpoint', withPassword],
      /--endpoint: .*user name or password/,
    );
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    const states = await expectRefused(
      ['server', '--endpoint', garbage.url, '--states-url', `http://u:hunter2@127.0.0.1:1/_states`],
      /--states-url: .*user name or password/,
    );
    expect(states.stdout + states.stderr).not.toContain('hunter2');
    const client = await expectRefused(
      ['client', '--client', 'sdk-v3', '--server', 'http://u:hunter2@127.0.0.1:1'],
      /--server: .*user name or password/,
    );
    expect(client.stdout + client.stderr).not.toContain('hunter2');
  });

  test('--wait-ms -1', async () => {
    await expectRefused(
      ['server', '--endpoint', garbage.url, '--wait-ms', '-1'],
      /--wait-ms must be 0 or more/,
    );
  });

  test('an unbalanced quote in --driver', async () => {
    await expectRefused(['client', '--driver', "python3 'my driver.py"], /--driver: unterminated ' quote/);
    await expectRefused(['client', '--driver', '  '], /--driver: the command line is empty/);
  });

  test('an unknown --operations name gets a did-you-mean', async () => {
    await expectRefused(
      ['server', '--endpoint', garbage.url, '--operations', 'RejectAsignment'],
      /unknown operation RejectAsignment .*did you mean RejectAssignment\?/,
    );
    await expectRefused(
      [
        'server',
        '--endpoint',
        garbage.url,
        '--api',
        '2017-01-17',
        '--operations',
        'RejectAssignment,approveassignment',
      ],
      /unknown operation approveassignment .*did you mean ApproveAssignment\?/,
    );
  });

  test('a report directory that cannot be written is refused before the run', async () => {
    await expectRefused(
      ['server', '--endpoint', garbage.url, '--report-dir', '/dev/null/conformance'],
      /--report-dir \/dev\/null\/conformance cannot be created: \/dev\/null is a file/,
    );
    await expectRefused(
      ['client', '--client', 'sdk-v3', '--report-dir', '/dev/null/conformance'],
      /--report-dir \/dev\/null\/conformance cannot be created/,
    );
    const cwd = await scratchDir();
    const report = {
      tool: { name: 'mturk-conformance', version: '0' },
      target: { kind: 'server', endpoint: 'http://127.0.0.1:1' },
      api: ['2017-01-17'],
      seed: 1,
      startedAt: '2026-01-01T00:00:00Z',
      durationMs: 1,
      summary: { passed: 0, failed: 0, notRun: 0, expectedFailures: 0 },
      results: [],
    };
    await writeFile(join(cwd, 'conformance.json'), JSON.stringify(report));
    await expectRefused(
      ['report', 'conformance.json', '--out', '/dev/null/merged'],
      /--out \/dev\/null\/merged cannot be created/,
      { cwd },
    );
  });
});
