// `mturk-conformance server` end to end: the real emulator passes, a closed
// port and refused endpoints exit 2 with one line, a garbage server fails
// readably, expected failures and seeds behave, bad arguments exit 2.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { parseReport } from '../../src/report/load.ts';
import type { ConformanceReport } from '../../src/report/types.ts';
import { broken as missingRequestId } from '../fixtures/broken-emulators/missing-request-id.ts';
import {
  type CliResult,
  cli,
  closedPort,
  ownLines,
  STACK_LINE,
  scratchDir,
  startGarbageServer,
} from './helpers.ts';

let emulator: RunningEmulator;
let garbage: Awaited<ReturnType<typeof startGarbageServer>>;
let broken: Awaited<ReturnType<typeof missingRequestId.start>>;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    host: '127.0.0.1',
    credentials: [{ accessKeyId: 'AKIACLITESTUSER', secretAccessKey: 'cli-test-secret-do-not-print' }],
  });
  garbage = await startGarbageServer();
  // the "server checks" helper's broken variant: 2017-01-17 answers without x-amzn-RequestId
  broken = await missingRequestId.start();
});

afterAll(async () => {
  await emulator?.close();
  await garbage?.close();
  await broken?.close();
});

async function readReport(dir: string): Promise<ConformanceReport> {
  return parseReport(JSON.parse(await readFile(join(dir, 'conformance.json'), 'utf8')), dir);
}

/** `text` is neither in the output of a run nor in any of its report files. */
async function expectNowhere(r: CliResult, reportDir: string, text: string): Promise<void> {
  expect(r.stdout + r.stderr).not.toContain(text);
  for (const f of ['conformance.json', 'junit.xml', 'summary.md', 'report.html']) {
    expect(await readFile(join(r.cwd, reportDir, f), 'utf8')).not.toContain(text);
  }
}

function emulatorArgs(): string[] {
  return ['--endpoint', emulator.url, '--states-url', emulator.statesUrl];
}

describe('against the reference emulator', () => {
  // the whole catalogue: ~15 s on an idle machine, minutes on a loaded one (only a hang is cut)
  test('exit 0, a valid report, nothing not-run, no must failure', { timeout: 600_000 }, async () => {
    const r = await cli(['server', ...emulatorArgs(), '--runs', '5', '--seed', '11', '--report-dir', 'out'], {
      timeoutMs: 480_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = await readReport(join(r.cwd, 'out'));
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.summary.notRun, JSON.stringify(report.results.filter((x) => x.status === 'not-run'))).toBe(
      0,
    );
    expect(report.results.filter((x) => x.status === 'failed' && x.severity === 'must')).toEqual([]);
    expect(report.seed).toBe(11);
    expect(report.api.sort()).toEqual(['2014-08-15', '2017-01-17']);
    for (const f of ['junit.xml', 'summary.md', 'report.html']) {
      await expect(readFile(join(r.cwd, 'out', f), 'utf8')).resolves.toBeTruthy();
    }
    expect(r.stdout).toMatch(/operation\s+2017-01-17\s+2014-08-15/);
    expect(r.stdout).toContain(`report: ${join(r.cwd, 'out', 'report.html')}`);
  });

  // the same --seed giving the same cases and results (both API versions, each run against a fresh
  // emulator) is test/determinism.test.ts

  test('a random seed is printed so the run can be repeated', async () => {
    const r = await cli([
      'server',
      ...emulatorArgs(),
      '--runs',
      '2',
      '--operations',
      'GetAssignment',
      '--report-dir',
      'x',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const seed = /seed (\d+) \(pass --seed \1 to repeat this run\)/.exec(r.stderr)?.[1];
    expect(seed).toBeDefined();
    expect((await readReport(join(r.cwd, 'x'))).seed).toBe(Number(seed));
  });

  // the two key pairs the emulator knows, given each way; only --secret-key gets the warning
  const SECRET = 'cli-test-secret-do-not-print';
  const KEYS = ['AKIACLITESTUSER', 'AKIAMTURKCONFORMANCE2'];
  const SECRETS = [SECRET, 'mturk-conformance-test-secret-2'];
  const WARNING =
    'mturk-conformance server: warning: --secret-key is visible to anyone who can list processes (ps); set MTURK_SECRET_KEY instead';
  test.each<{ way: string; args: string[]; env: Record<string, string>; warnings: string[] }>([
    {
      way: '--access-key and --secret-key',
      args: KEYS.flatMap((k, i) => ['--access-key', k, '--secret-key', SECRETS[i]!]),
      env: {},
      warnings: [WARNING],
    },
    {
      way: 'MTURK_ACCESS_KEY and MTURK_SECRET_KEY',
      args: [],
      env: { MTURK_ACCESS_KEY: KEYS.join(','), MTURK_SECRET_KEY: SECRETS.join(',') },
      warnings: [],
    },
    {
      way: '--access-key (winning over MTURK_ACCESS_KEY) and MTURK_SECRET_KEY',
      args: KEYS.flatMap((k) => ['--access-key', k]),
      env: { MTURK_ACCESS_KEY: 'AKIAOVERRIDDENBYTHEOPTION', MTURK_SECRET_KEY: SECRETS.join(',') },
      warnings: [],
    },
  ])('keys given with $way sign, and the secrets appear nowhere', async ({ args, env, warnings }) => {
    const common = ['--runs', '2', '--seed', '5', '--operations', 'GetAssignment', '--report-dir', 'out'];
    const r = await cli(['server', ...emulatorArgs(), ...common, ...args], { env });
    // the emulator knows only these pairs: a wrong pairing would fail the signed checks
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect((await readReport(join(r.cwd, 'out'))).summary.passed).toBeGreaterThan(0);
    await expectNowhere(r, 'out', SECRET);
    expect(ownLines(r.stderr).filter((l) => l.includes('warning: --secret-key'))).toEqual(warnings);
  });

  test('a wrong MTURK_SECRET_KEY is what signs (the variable is really read)', async () => {
    const r = await cli(
      [
        'server',
        ...emulatorArgs(),
        '--runs',
        '2',
        '--seed',
        '5',
        '--operations',
        'GetAssignment',
        '--report-dir',
        'out',
      ],
      {
        env: {
          MTURK_ACCESS_KEY: 'AKIACLITESTUSER,AKIAMTURKCONFORMANCE2',
          MTURK_SECRET_KEY: 'not-the-secret-1,not-the-secret-2',
        },
      },
    );
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('not-the-secret-1');
  });
});

describe('one long-lived emulator, the suite run again and again (as a CI does)', () => {
  test('both runs pass with nothing not-run: what earlier runs leave (HITs, blocks, a spent balance) fails no check', async () => {
    const longLived = await startEmulator({ port: 0, host: '127.0.0.1' });
    try {
      const at = ['--endpoint', longLived.url, '--states-url', longLived.statesUrl];
      // the checks that met earlier runs' leftovers: legacy-made HITs in 2017 lists, charged calls
      // on a spent balance, model runs over shared listings
      const select = [
        ...['--operations', 'CreateHIT,ListHITs,CreateWorkerBlock,ApproveAssignment'],
        ...['--check', '2014-08-15/CreateHIT/valid.*', '--check', '2017-01-17/ListHITs/*'],
        ...['--check', '*/stateful.model', '--check', '*/rule.pays*'],
      ];
      for (const seed of ['1', '2']) {
        const r = await cli([
          'server',
          ...at,
          ...select,
          '--runs',
          '3',
          '--seed',
          seed,
          '--timeout-ms',
          '30000',
          '--report-dir',
          `run-${seed}`,
        ]);
        const report = await readReport(join(r.cwd, `run-${seed}`));
        const bad = report.results
          .filter((x) => x.status !== 'passed')
          .map((x) => `${x.id}: ${x.status} ${x.detail}`.slice(0, 400));
        expect(bad, `run ${seed}`).toEqual([]);
        expect(r.code, `run ${seed}\n${r.stdout}`).toBe(0);
        // between the runs, what many more runs would leave: a spent balance, a long block list
        const store = longLived.emulator.store;
        const account = store.set.model.account!;
        const owner = TEST_REQUESTER_1.accessKeyId;
        store.update(store.accountOf(account.entity, owner), { [account.field]: '0.01' });
        for (let i = 0; i < 1010; i++) store.create('WorkerBlock', { owner });
      }
    } finally {
      await longLived.close();
    }
  }, 300_000);
});

describe('selecting checks', () => {
  const base = ['--runs', '2', '--seed', '12', '--api', '2017-01-17', '--no-progress'];

  test('--check takes a glob; a check id that matches nothing → exit 2', async () => {
    const r = await cli([
      'server',
      ...emulatorArgs(),
      ...base,
      '--check',
      '2017-01-17/GetAssignment/*',
      '--report-dir',
      'o',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ids = (await readReport(join(r.cwd, 'o'))).results.map((x) => x.id);
    expect(ids.length).toBeGreaterThan(1);
    expect(ids.every((id) => id.startsWith('2017-01-17/GetAssignment/'))).toBe(true);
    const one = await cli(['server', ...emulatorArgs(), ...base, '--check', ids[0]!, '--report-dir', 'p'], {
      cwd: r.cwd,
    });
    expect(one.code, one.stderr).toBe(0);
    expect((await readReport(join(r.cwd, 'p'))).results.map((x) => x.id)).toEqual([ids[0]]);
    const none = await cli(
      ['server', ...emulatorArgs(), ...base, '--check', '2017-01-17/Nope/none', '--report-dir', 'q'],
      {
        cwd: r.cwd,
      },
    );
    expect(none.code).toBe(2);
    expect(ownLines(none.stderr).at(-1)).toMatch(
      /no checks ran: nothing matches --check 2017-01-17\/Nope\/none/,
    );
  });

  test('--shard 1/2 and 2/2 together are the whole run; `report` merges them', async () => {
    const cwd = await scratchDir();
    const args = ['server', ...emulatorArgs(), ...base, '--operations', 'GetAssignment,RejectAssignment'];
    const full = await cli([...args, '--report-dir', 'full'], { cwd });
    const s1 = await cli([...args, '--shard', '1/2', '--report-dir', 'shards/1'], { cwd });
    const s2 = await cli([...args, '--shard', '2/2', '--report-dir', 'shards/2'], { cwd });
    expect([full.code, s1.code, s2.code]).toEqual([0, 0, 0]);
    const a = (await readReport(join(cwd, 'shards/1'))).results.map((x) => x.id);
    const b = (await readReport(join(cwd, 'shards/2'))).results.map((x) => x.id);
    const all = (await readReport(join(cwd, 'full'))).results.map((x) => x.id);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect([...a, ...b].sort()).toEqual([...all].sort());
    const merged = await cli(['report', 'shards', '--out', 'merged'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    const m = await readReport(join(cwd, 'merged'));
    expect(m.results.map((x) => x.id).sort()).toEqual([...all].sort());
  });
});

describe('targets that cannot or must not be tested', () => {
  test('a closed port: exit 2, one line, no stack trace', async () => {
    const port = await closedPort();
    const r = await cli(['server', '--endpoint', `http://127.0.0.1:${port}`, '--report-dir', 'out']);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toEqual([
      `mturk-conformance server: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`,
    ]);
    expect(r.stdout).toBe('');
  });

  test.each([
    'https://mechanicalturk.amazonaws.com/',
    'https://mturk-requester.us-east-1.amazonaws.com',
    'https://mturk-requester-sandbox.us-east-1.amazonaws.com',
    'https://mechanicalturk.sandbox.amazonaws.com',
  ])('MTurk itself (%s) is refused even with --allow-remote', async (endpoint) => {
    const r = await cli(['server', '--endpoint', endpoint, '--allow-remote']);
    expect(r.code).toBe(2);
    const lines = ownLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refusing --endpoint .*Amazon Mechanical Turk (production|sandbox) endpoint/);
  });

  test('a non-loopback endpoint needs --allow-remote (no traffic is sent)', async () => {
    const r = await cli(['server', '--endpoint', 'http://192.0.2.10:8080']);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toEqual([
      'mturk-conformance server: refusing --endpoint http://192.0.2.10:8080: not a loopback address; pass --allow-remote to test a server on another host',
    ]);
  });

  test('a garbage server: exit 1, readable failures, no stack trace', async () => {
    // a sample of operations of both API versions: the whole catalogue took over a minute on a
    // loaded machine, for what a sample shows as well
    const r = await cli([
      'server',
      '--endpoint',
      garbage.url,
      '--operations',
      'GetAssignment,RejectAssignment,GetAccountBalance',
      '--runs',
      '2',
      '--seed',
      '3',
      '--timeout-ms',
      '30000',
      '--report-dir',
      'out',
    ]);
    expect(r.code, r.stderr).toBe(1);
    // one failing check is named; many of one cause are grouped, each group naming its checks
    expect(r.stdout).toMatch(
      /FAIL must\s+\S+\/\S+\/\S+|FAIL \d+ checks \(\d+ must\)[^\n]*\n\s+checks: \S+\/\S+\/\S+/,
    );
    expect(r.stdout).toMatch(/re-run: npx mturk-conformance server --endpoint /);
    expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
    const report = await readReport(join(r.cwd, 'out'));
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(garbage.hits()).toBeGreaterThan(0);
  });

  // the legacy checks that passed this server before the decoder read a document with none of the
  // envelope's parts as an empty success (and soap.namespace read no namespace in it as no problem)
  const FORMERLY_PASSING = [
    ...['valid.request', 'valid.WorkerId.length', 'rule.blocks.identity'].map((c) => `BlockWorker/${c}`),
    ...['valid.request', 'valid.Keywords.length', 'valid.Description.length'].map(
      (c) => `CreateQualificationType/${c}`,
    ),
    'Help/valid.request',
    ...['valid.request', 'valid.Title.length', 'valid.Keywords.length', 'valid.Description.length'].map(
      (c) => `RegisterHITType/${c}`,
    ),
    'RegisterHITType/valid.AutoApprovalDelayInSeconds.range',
    'RegisterHITType/valid.AssignmentDurationInSeconds.range',
    'SendTestEventNotification/valid.request',
    'SendTestEventNotification/rule.sends-test-event',
    ...[
      'BlockWorker',
      'CreateQualificationType',
      'Help',
      'RegisterHITType',
      'SendTestEventNotification',
    ].flatMap((op) => [`${op}/output.undeclared-members`, `${op}/soap.namespace`]),
  ].map((id) => `2014-08-15/${id}`);

  test('a garbage server passes none of the checks it once passed', async () => {
    const r = await cli([
      'server',
      '--endpoint',
      garbage.url,
      ...FORMERLY_PASSING.flatMap((id) => ['--check', id]),
      '--runs',
      '1',
      '--seed',
      '1',
      '--report-dir',
      'former',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = await readReport(join(r.cwd, 'former'));
    const status = Object.fromEntries(report.results.map((x) => [x.id, x.status]));
    expect(status).toEqual(Object.fromEntries(FORMERLY_PASSING.map((id) => [id, 'failed'])));
  });

  test.each(['--secret-key', 'MTURK_SECRET_KEY'])(
    'a secret the output would hold is redacted everywhere (given with %s)',
    async (way) => {
      // the secret is a word every output of this run holds (the operation): unredacted, it shows
      const secret = 'GetAssignment';
      const args = ['server', '--endpoint', garbage.url, '--api', '2017-01-17', '--operations', secret];
      args.push('--runs', '1', '--seed', '3', '--report-dir', 'out', '--access-key', 'AKIAREDACTIONTEST');
      const r =
        way === '--secret-key'
          ? await cli([...args, '--secret-key', secret])
          : await cli(args, { env: { MTURK_SECRET_KEY: secret } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain('<redacted>');
      expect(r.stdout).toMatch(/re-run: npx mturk-conformance server .*--access-key AKIAREDACTIONTEST/);
      await expectNowhere(r, 'out', secret);
    },
  );

  test('a report dir holding other files is refused, --force writes anyway', async () => {
    const cwd = await scratchDir();
    await writeFile(join(cwd, 'notes.md'), 'mine');
    const r = await cli(
      ['server', ...emulatorArgs(), '--runs', '1', '--operations', 'GetAssignment', '--report-dir', '.'],
      {
        cwd,
      },
    );
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/holds files this tool did not write \(notes\.md\).*--force/);
    const forced = await cli(
      [
        'server',
        ...emulatorArgs(),
        '--runs',
        '1',
        '--operations',
        'GetAssignment',
        '--report-dir',
        '.',
        '--force',
      ],
      { cwd },
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(cwd, 'notes.md'), 'utf8')).toBe('mine');
  });
});

describe('expected failures', () => {
  const subset = ['--api', '2017-01-17', '--operations', 'GetAssignment', '--runs', '2', '--seed', '9'];

  test('an emulator with one defect: its failures listed → exit 0; a passing check listed → exit 1', async () => {
    const cwd = await scratchDir();
    const target = ['--endpoint', broken.url, '--states-url', broken.statesUrl, ...subset];
    const first = await cli(['server', ...target, '--report-dir', 'first'], { cwd });
    expect(first.code, first.stdout).toBe(1);
    const results = (await readReport(join(cwd, 'first'))).results;
    const failing = results.filter((x) => x.status === 'failed').map((x) => x.id);
    const passing = results.filter((x) => x.status === 'passed').map((x) => x.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(5);
    const file = join(cwd, 'expected-failures.txt');
    await writeFile(
      file,
      `# the request id is not sent yet\n${failing.map((id) => `${id}  issue #1`).join('\n')}\n`,
    );

    const listed = await cli(['server', ...target, '--expected-failures', file, '--report-dir', 'listed'], {
      cwd,
    });
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    const l = await readReport(join(cwd, 'listed'));
    expect(
      l.results
        .filter((x) => x.status === 'expected-failure')
        .map((x) => x.id)
        .sort(),
    ).toEqual([...failing].sort());
    expect(l.summary.failed).toBe(0);

    await writeFile(file, `${await readFile(file, 'utf8')}${passing[0]}\n`);
    const stale = await cli(['server', ...target, '--expected-failures', file, '--report-dir', 'stale'], {
      cwd,
    });
    expect(stale.code).toBe(1);
    const st = await readReport(join(cwd, 'stale'));
    expect(st.results.filter((x) => x.status === 'failed')).toEqual([
      expect.objectContaining({
        id: passing[0],
        detail: `passed but is listed in ${file}: remove it from the list`,
      }),
    ]);
    expect(stale.stdout).toMatch(
      new RegExp(
        `FAIL (must|should) +${passing[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n +passed but is listed`,
      ),
    );
  });

  test('listed failing → expected-failure (exit 0); listed passing → "remove it from the list" (exit 1)', async () => {
    const cwd = await scratchDir();
    const file = join(cwd, 'expected.txt');
    await writeFile(file, '# our server does not speak MTurk yet\n');
    const update = await cli(
      [
        'server',
        '--endpoint',
        garbage.url,
        ...subset,
        '--expected-failures',
        file,
        '--update-expected-failures',
        '--report-dir',
        'u',
      ],
      { cwd },
    );
    expect(update.code, update.stderr).toBe(0);
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('# our server does not speak MTurk yet\n');
    const listed = await readFile(file, 'utf8');
    expect(listed).toMatch(/^# our server does not speak MTurk yet$/m);
    expect(listed).toMatch(/^2017-01-17\/GetAssignment\/\S+/m);

    const again = await cli(
      ['server', '--endpoint', garbage.url, ...subset, '--expected-failures', file, '--report-dir', 'g'],
      {
        cwd,
      },
    );
    expect(again.code, again.stderr).toBe(0);
    const g = await readReport(join(cwd, 'g'));
    expect(g.summary.failed).toBe(0);
    expect(g.summary.expectedFailures).toBeGreaterThan(0);

    const good = await cli(
      ['server', ...emulatorArgs(), ...subset, '--expected-failures', file, '--report-dir', 'e'],
      {
        cwd,
      },
    );
    expect(good.code).toBe(1);
    const e = await readReport(join(cwd, 'e'));
    const stale = e.results.filter((x) => x.status === 'failed');
    expect(stale.length).toBeGreaterThan(0);
    for (const x of stale) expect(x.detail).toBe(`passed but is listed in ${file}: remove it from the list`);
    expect(good.stdout).toContain('remove it from the list');
  });
});

describe.concurrent('bad arguments → exit 2 with one line', () => {
  test.each([
    [['server'], /--endpoint URL is required/],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--bogus'], /unknown option --bogus/],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--runs', 'many'], /--runs takes a whole number/],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--runs', '0'], /--runs must be at least 1/],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--api', '1999-01-01'], /unknown API version/],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--shard', '4/3'], /--shard 4\/3/],
    [
      ['server', '--endpoint', 'http://127.0.0.1:1', '--operations', 'Nope'],
      /unknown operation Nope .*known: .*GetAssignment/,
    ],
    [['server', '--endpoint', 'http://127.0.0.1:1', '--secret-key', 'x'], /in pairs/],
    [['server', '--endpoint', 'nope'], /is not a URL/],
    [
      ['server', '--endpoint', 'http://127.0.0.1:1', '--update-expected-failures'],
      /needs --expected-failures/,
    ],
    [
      ['server', '--endpoint', 'http://127.0.0.1:1', '--access-key', 'A', '--secret-key', ''],
      /--secret-key number 1 is empty/,
    ],
    [['report'], /at least one report/],
    [['report', '/nonexistent/dir'], /cannot read/],
    [['run', '--runs', '0'], /--runs must be at least 1/],
  ])('%j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    const lines = ownLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test.each([
    [{ MTURK_SECRET_KEY: '' }, [], /MTURK_SECRET_KEY is set but empty/],
    [{ MTURK_SECRET_KEY: '  ' }, ['--access-key', 'A'], /MTURK_SECRET_KEY is set but empty/],
    [{ MTURK_ACCESS_KEY: '', MTURK_SECRET_KEY: 'shh-1' }, [], /MTURK_ACCESS_KEY is set but empty/],
    [{ MTURK_SECRET_KEY: 'shh-1,,shh-3' }, [], /MTURK_SECRET_KEY: entry 2 of 3 is empty/],
    [
      { MTURK_SECRET_KEY: 'shh-1' },
      [],
      /in pairs .*0 access keys from MTURK_ACCESS_KEY and 1 secret key from MTURK_SECRET_KEY/,
    ],
    [{ MTURK_ACCESS_KEY: 'A,B', MTURK_SECRET_KEY: 'shh-1' }, [], /in pairs/],
  ])('environment %j %j', async (env, args, message) => {
    const r = await cli(['server', '--endpoint', 'http://127.0.0.1:1', ...args], { env });
    expect(r.code).toBe(2);
    const lines = ownLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain('shh-');
  });

  test('--help exits 0 and lists the options', async () => {
    const r = await cli(['server', '--help']);
    expect(r.code).toBe(0);
    for (const o of [
      '--endpoint',
      '--states-url',
      '--expected-failures',
      '--shard',
      '--allow-remote',
      '--max-not-run',
      '--concurrency',
      '--secret-key',
      'MTURK_SECRET_KEY',
      'MTURK_ACCESS_KEY',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });
});
