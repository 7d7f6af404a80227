// record and replay (issue 15, item 5) with the reference emulator on both sides: a short session
// over all three wire forms is recorded through the proxy, then replayed against a fresh emulator
// (no difference) and against deliberately broken ones (the difference found, by kind).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type LocalEmulator, startEmulator } from '../../src/emulator/local.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { checkTarget, SANDBOX_KIND, serviceHosts } from '../../src/http/targets.ts';
import { closeTransport, send } from '../../src/http/transport.ts';
import { SessionNormaliser } from '../../src/record/normalise.ts';
import { existingFixtures, type Recorder, startRecorder } from '../../src/record/proxy.ts';
import { loadRecording, type ReplayOutcome, replay } from '../../src/record/replay.ts';
import type { CheckResult } from '../../src/report/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import type { WireRequest } from '../../src/wire/http-types.ts';
import { codecFor } from '../../src/wire/index.ts';
import { LEGACY_API } from '../../src/wire/legacy.ts';
import { BIN, cli, closedPort, ownLines, STACK_LINE, scratchDir } from '../cli/helpers.ts';
import { broken as expireLeavesAssignable } from '../fixtures/broken-emulators/json-expire-leaves-assignable.ts';
import { broken as missingCode } from '../fixtures/broken-emulators/json-missing-turk-error-code.ts';
import { broken as timestampsIso } from '../fixtures/broken-emulators/json-timestamps-iso.ts';

const set = loadSpecs();
const json = codecFor('2017-01-17');
const rest = codecFor(LEGACY_API);
const soap = codecFor(LEGACY_API, 'soap');
const SECURITY_TOKEN = 'FAKE-SESSION-TOKEN-for-record-test-0123456789';
const hitInput = {
  Title: 'Label images',
  Description: 'Say what is in the picture',
  Reward: '0.10',
  AssignmentDurationInSeconds: 600,
  LifetimeInSeconds: 3600,
  MaxAssignments: 3,
  Question: '<QuestionForm/>',
};

let source: LocalEmulator;
let dir: string;
let recording: string;
let recorder: Recorder;
const lines: string[] = [];
const answers: { status: number; body: string }[] = [];
/** every signing value the client put on the wire: none may reach a fixture */
const sentSecrets = new Set<string>([
  TEST_REQUESTER_1.accessKeyId,
  TEST_REQUESTER_1.secretAccessKey,
  SECURITY_TOKEN,
]);

async function through(req: WireRequest): Promise<{ status: number; body: string }> {
  for (const m of (req.headers.authorization ?? '').matchAll(/Signature=([0-9a-f]+)/g))
    sentSecrets.add(m[1]!);
  for (const [k, v] of new URLSearchParams(req.query || req.body)) if (k === 'Signature') sentSecrets.add(v);
  for (const m of req.body.matchAll(/<Signature>([^<]+)<\/Signature>/g)) sentSecrets.add(m[1]!);
  const r = await send(recorder.url, req, { timeoutMs: 5000 });
  if (!r.ok) throw new Error(r.message);
  answers.push(r.res);
  return r.res;
}

const host = () => new URL(recorder.url).host;
const ctx = () => ({ host: host(), now: new Date() });

beforeAll(async () => {
  // signatures verified: the proxy forwards requests as signed (Host included)
  source = await startEmulator({ verifySignatures: true });
  dir = await mkdtemp(join(tmpdir(), 'mturk-record-'));
  recording = join(dir, 'session');
  recorder = await startRecorder({ target: source.url, port: 0, out: recording, log: (l) => lines.push(l) });
  // 1 CreateHIT (JSON, with a security token), 2 GetHIT, 3 to 5 the HIT's assignments over legacy
  // REST (GET, MTurk's signature), SOAP and REST (POST form, SignatureVersion 1), 6 expire it,
  // 7 GetHIT again (a later read of changed state), 8 an error answer
  const create = json.encodeRequest(set, 'CreateHIT', hitInput, TEST_REQUESTER_1, ctx());
  const created = await through({
    ...create,
    headers: { ...create.headers, 'x-amz-security-token': SECURITY_TOKEN },
  });
  const hitId = (JSON.parse(created.body) as { HIT: { HITId: string } }).HIT.HITId;
  await through(json.encodeRequest(set, 'GetHIT', { HITId: hitId }, TEST_REQUESTER_1, ctx()));
  await through(
    rest.encodeRequest(set, 'GetAssignmentsForHIT', { HITId: hitId }, TEST_REQUESTER_1, {
      ...ctx(),
      method: 'GET',
    }),
  );
  await through(soap.encodeRequest(set, 'GetAssignmentsForHIT', { HITId: hitId }, TEST_REQUESTER_1, ctx()));
  await through(
    rest.encodeRequest(set, 'GetAssignmentsForHIT', { HITId: hitId }, TEST_REQUESTER_1, {
      ...ctx(),
      method: 'POST',
      scheme: 'aws-query-v1',
    }),
  );
  await through(
    json.encodeRequest(
      set,
      'UpdateExpirationForHIT',
      { HITId: hitId, ExpireAt: new Date(0) },
      TEST_REQUESTER_1,
      ctx(),
    ),
  );
  await through(json.encodeRequest(set, 'GetHIT', { HITId: hitId }, TEST_REQUESTER_1, ctx()));
  const { Reward: _, ...noReward } = hitInput;
  await through(json.encodeRequest(set, 'CreateHIT', noReward, TEST_REQUESTER_1, ctx()));
  await recorder.close();
});

afterAll(async () => {
  await recorder?.close();
  await source?.close();
  closeTransport();
});

const files = () =>
  existingFixtures(recording).sort((a, b) => a.split('/').at(-1)!.localeCompare(b.split('/').at(-1)!));

describe('record', () => {
  test('writes one fixture per exchange, in the fixture format, one progress line each', () => {
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 400]);
    const names = files().map((f) => f.slice(recording.length + 1));
    expect(names).toEqual([
      '2017-01-17/0001.CreateHIT.json',
      '2017-01-17/0002.GetHIT.json',
      '2014-08-15/0003.GetAssignmentsForHIT.json',
      '2014-08-15/0004.GetAssignmentsForHIT.json',
      '2014-08-15/0005.GetAssignmentsForHIT.json',
      '2017-01-17/0006.UpdateExpirationForHIT.json',
      '2017-01-17/0007.GetHIT.json',
      '2017-01-17/0008.CreateHIT.json',
    ]);
    expect(lines.filter((l) => l.startsWith('recorded '))).toHaveLength(8);
    expect(loadRecording([recording]).map((f) => f.fixture.session?.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('ids become references shared across the session; timestamps become tokens', () => {
    const [create, get, restGet, soapGet, restPost, expire] = files().map((f) => readFileSync(f, 'utf8'));
    const hitId = (JSON.parse(answers[0]!.body) as { HIT: { HITId: string } }).HIT.HITId;
    for (const text of [create, get, restGet, soapGet, restPost, expire]) expect(text).not.toContain(hitId);
    expect(JSON.parse(JSON.parse(create!).response.body).HIT.HITId).toBe('<id:1>');
    expect(JSON.parse(JSON.parse(get!).request.body).HITId).toBe('<id:1>');
    expect(JSON.parse(restGet!).request.params.HITId).toBe('<id:1>');
    expect(JSON.parse(soapGet!).request.body).toContain('<HITId>&lt;id:1&gt;</HITId>');
    expect(JSON.parse(restPost!).request.params.HITId).toBe('<id:1>');
    expect(JSON.parse(JSON.parse(create!).response.body).HIT.CreationTime).toBe('<timestamp:epoch>');
    expect(JSON.parse(JSON.parse(expire!).request.body).ExpireAt).toMatch(/^<timestamp:epoch:-\d+>$/);
    expect(JSON.parse(create!).response.headers['x-amzn-requestid']).toBe('<request-id>');
  });

  test('a paging token is a reference like an id, so the next page can be asked for on replay', () => {
    const n = new SessionNormaliser(set);
    const page = n.json(
      { NextToken: 'opaque-token-1', HITs: [{ HITId: 'HIT0000000001' }] },
      '',
      undefined,
      new Set(),
    );
    expect(page).toEqual({ NextToken: '<id:1>', HITs: [{ HITId: '<id:2>' }] });
    expect(n.json({ NextToken: 'opaque-token-1' }, '', new Date(), new Set())).toEqual({
      NextToken: '<id:1>',
    });
  });

  test('no secret reaches a written file', () => {
    expect(sentSecrets.size).toBeGreaterThan(5);
    for (const f of files()) {
      const text = readFileSync(f, 'utf8');
      for (const s of sentSecrets) expect(text, `${f} holds ${s}`).not.toContain(s);
      expect(text).not.toMatch(/AWS4-HMAC-SHA256|Credential=/);
    }
    const create = JSON.parse(readFileSync(files()[0]!, 'utf8'));
    expect(create.request.headers.authorization).toBe('<placeholder:Authorization>');
    expect(create.request.headers['x-amz-security-token']).toBe('<placeholder:X-Amz-Security-Token>');
    const restGet = JSON.parse(readFileSync(files()[2]!, 'utf8'));
    expect(restGet.request.params.Signature).toBe('<placeholder:Signature>');
    expect(restGet.request.params.AWSAccessKeyId).toBe('<placeholder:AWSAccessKeyId>');
    expect(restGet.request.url).not.toMatch(/Signature=[^%<]/);
    const soapGet = JSON.parse(readFileSync(files()[3]!, 'utf8'));
    expect(soapGet.request.body).toContain('<Signature>&lt;placeholder:Signature&gt;</Signature>');
    const restPost = JSON.parse(readFileSync(files()[4]!, 'utf8'));
    expect(restPost.request.params).toMatchObject({
      Signature: '<placeholder:Signature>',
      SignatureVersion: '1',
    });
    expect(restPost.request.body).toBeUndefined();
  });

  test('a target that is neither loopback nor the sandbox is refused, production too', async () => {
    const out = join(dir, 'refused');
    await expect(startRecorder({ target: 'http://192.0.2.1:8080', port: 0, out })).rejects.toThrow(
      /not a loopback address/,
    );
    await expect(
      startRecorder({ target: 'http://192.0.2.1:8080', port: 0, out, allowSandbox: true }),
    ).rejects.toThrow(/sandbox only \(.*mechanicalturk\.sandbox\.amazonaws\.com/);
    await expect(
      startRecorder({
        target: 'https://mturk-requester.us-east-1.amazonaws.com',
        port: 0,
        out,
        allowSandbox: true,
      }),
    ).rejects.toThrow(/production endpoint .*never to production/);
    await expect(
      startRecorder({ target: 'https://mechanicalturk.sandbox.amazonaws.com', port: 0, out }),
    ).rejects.toThrow(/sandbox endpoint/);
  });

  test('--allow-remote lets record start on each sandbox host of the specs, and no production host', async () => {
    const sandbox = serviceHosts().filter((h) => h.kind === SANDBOX_KIND);
    // both API generations have one (the legacy and the 2017 sandbox)
    expect(new Set(sandbox.map((h) => h.api)).size).toBe(2);
    for (const h of serviceHosts()) {
      const verdict = checkTarget(`https://${h.host}/`, { allowSandbox: true });
      expect(verdict.ok, h.host).toBe(h.kind === SANDBOX_KIND);
      expect(checkTarget(`https://${h.host}/`).ok).toBe(false);
    }
    // starting sends nothing: only a request from a client would be forwarded
    const r = await startRecorder({
      target: `https://${sandbox[0]!.host}`,
      port: 0,
      out: join(dir, 'sandbox'),
      allowSandbox: true,
    });
    await r.close();
    expect(r.written).toEqual([]);
  });

  test('an existing recording is never overwritten', async () => {
    const before = files().map((f) => readFileSync(f, 'utf8'));
    await expect(startRecorder({ target: source.url, port: 0, out: recording })).rejects.toThrow(
      /already holds a recording \(8 fixture files\)/,
    );
    // a file that appears under a name the recorder is about to use is left as it is
    const out = join(dir, 'race');
    await mkdir(join(out, '2017-01-17'), { recursive: true });
    const r = await startRecorder({ target: source.url, port: 0, out, log: (l) => lines.push(l) });
    writeFileSync(join(out, '2017-01-17', '0001.GetAccountBalance.json'), 'mine\n');
    try {
      const req = json.encodeRequest(set, 'GetAccountBalance', {}, TEST_REQUESTER_1, {
        host: new URL(r.url).host,
        now: new Date(),
      });
      const res = await send(r.url, req, { timeoutMs: 5000 });
      expect(res.ok && res.res.status).toBe(200);
    } finally {
      await r.close();
    }
    expect(readFileSync(join(out, '2017-01-17', '0001.GetAccountBalance.json'), 'utf8')).toBe('mine\n');
    expect(lines.at(-1)).toMatch(/not written: .*already exists \(never overwritten\)/);
    expect(files().map((f) => readFileSync(f, 'utf8'))).toEqual(before);
  });
});

describe('replay', () => {
  const against = async (
    start: () => Promise<{ url: string; close(): Promise<void> }>,
  ): Promise<ReplayOutcome> => {
    const target = await start();
    try {
      return await replay({
        endpoint: target.url,
        fixtures: loadRecording([recording]),
        reproduce: (seq) => `mturk-conformance replay ${recording} --endpoint ${target.url} --through ${seq}`,
      });
    } finally {
      await target.close();
    }
  };
  const failed = (o: ReplayOutcome): CheckResult[] => o.report.results.filter((r) => r.status === 'failed');

  test('against a fresh emulator (signatures verified): no difference', async () => {
    const o = await against(() => startEmulator({ verifySignatures: true }));
    expect(failed(o).map((r) => `${r.id}: ${r.detail}`)).toEqual([]);
    expect(o.report.results.filter((r) => r.status === 'not-run')).toEqual([]);
    // code and shape for all 8, state for the 7 successes
    expect(o.report.summary.passed).toBe(23);
    expect(o.exitCode).toBe(0);
  });

  test('timestamps written as strings: a shape difference, with both answers and a reproduce line', async () => {
    const o = await against(timestampsIso.start);
    expect(o.exitCode).toBe(1);
    const shape = failed(o).find((r) => r.id === '2017-01-17/CreateHIT/replay.0001.shape')!;
    expect(shape.detail).toMatch(
      /HIT\.CreationTime: recorded a number \(epoch-seconds timestamp\), got a string/,
    );
    expect(shape.request).toMatch(/^POST \//);
    expect(shape.response).toMatch(/recorded answer:[\s\S]*<timestamp:epoch>[\s\S]*replayed answer:/);
    expect(shape.reproduce).toMatch(/replay .* --through 1$/);
    expect(failed(o).every((r) => r.check.endsWith('.shape'))).toBe(true);
  });

  test('an expired HIT left Assignable: a later read differs in state', async () => {
    const o = await against(expireLeavesAssignable.start);
    expect(o.exitCode).toBe(1);
    expect(failed(o).map((r) => r.id)).toEqual(['2017-01-17/GetHIT/replay.0007.state']);
    expect(failed(o)[0]!.detail).toMatch(/HIT\.HITStatus: recorded "\w+", got "Assignable"/);
  });

  test('an error answer without its code: a code difference', async () => {
    const o = await against(missingCode.start);
    expect(o.exitCode).toBe(1);
    expect(failed(o).map((r) => r.id)).toContain('2017-01-17/CreateHIT/replay.0008.code');
  });

  test('an exchange naming an id no answer handed out is not-run, with the reason', async () => {
    const target = await startEmulator();
    try {
      const all = loadRecording([recording]);
      const o = await replay({ endpoint: target.url, fixtures: all.slice(1), reproduce: () => 'x' });
      const get = o.report.results.filter((r) => r.id.startsWith('2017-01-17/GetHIT/replay.0002'));
      expect(get.map((r) => r.status)).toEqual(['not-run', 'not-run', 'not-run']);
      expect(get[0]!.detail).toMatch(/names <id:1>, which no earlier answer of this replay handed out/);
    } finally {
      await target.close();
    }
  });
});

describe('the commands', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await scratchDir();
  });

  test('replay exits 0 on a fresh emulator and 1 on a broken one, writing the report', async () => {
    const fresh = await startEmulator({ verifySignatures: true });
    const bad = await timestampsIso.start();
    try {
      const [ok, differs] = await Promise.all([
        cli(['replay', recording, '--endpoint', fresh.url, '--report-dir', 'ok'], { cwd, timeoutMs: 60_000 }),
        cli(['replay', recording, '--endpoint', bad.url, '--report-dir', 'bad'], { cwd, timeoutMs: 60_000 }),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(differs.code, differs.stderr).toBe(1);
      expect(differs.stderr).not.toMatch(STACK_LINE);
      const report = JSON.parse(readFileSync(join(cwd, 'bad', 'conformance.json'), 'utf8'));
      expect(report.summary.failed).toBeGreaterThan(0);
      expect(readdirSync(join(cwd, 'bad'))).toContain('junit.xml');
    } finally {
      await fresh.close();
      await bad.close();
    }
  });

  test.concurrent.each([
    [['record', '--target', 'http://127.0.0.1:1'], /^mturk-conformance record: --listen PORT is required/],
    [['record', '--listen', '0'], /--target URL is required/],
    [['record', '--target', 'http://127.0.0.1:1', '--listen', 'x'], /--listen takes a whole number/],
    [
      ['record', '--target', 'http://example.com', '--listen', '0'],
      /--target refusing example\.com: not a loopback/,
    ],
    [
      ['record', '--target', 'https://mechanicalturk.amazonaws.com', '--listen', '0', '--allow-remote'],
      /never to production/,
    ],
    [['replay', '--endpoint', 'http://127.0.0.1:1'], /name the recorded fixtures/],
    [['replay', 'nothing-here', '--endpoint', 'http://127.0.0.1:1'], /nothing-here: no such file/],
    [
      ['replay', '.', '--endpoint', 'https://mturk-requester-sandbox.us-east-1.amazonaws.com'],
      /sandbox endpoint/,
    ],
    [['replay', '.', '--bogus'], /unknown option --bogus/],
  ])('%j: one line, exit 2', async (args, message) => {
    const r = await cli(args, { cwd, timeoutMs: 60_000 });
    const own = ownLines(r.stderr);
    expect(r.code, r.stderr).toBe(2);
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test('replay to an endpoint nothing listens on: could not replay, one line, exit 2', async () => {
    const port = await closedPort();
    const r = await cli(
      ['replay', recording, '--endpoint', `http://127.0.0.1:${port}`, '--report-dir', 'closed'],
      {
        cwd,
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(ownLines(r.stderr)).toEqual([
      expect.stringMatching(/^mturk-conformance replay: could not replay: .*connection refused/),
    ]);
  });

  test.concurrent.each([['record'], ['replay']])(
    '%s --help: options, exit status and the contract',
    async (command) => {
      const r = await cli([command!, '--help'], { cwd, timeoutMs: 60_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mturk-conformance ${command}`));
      expect(r.stdout).toMatch(/Exit status: 0 .*\n?.*2 /);
      expect(r.stdout).toContain('docs/record-replay.md');
    },
  );

  test('record runs until SIGINT, one line per exchange, and prints what it wrote', async () => {
    const out = join(cwd, 'cli-recording');
    const child = spawn(
      process.execPath,
      [BIN, 'record', '--target', source.url, '--listen', '0', '--out', out],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    // each wait ends on the output it waits for (or the recorder's exit), not after a number of polls
    const watchers = new Set<() => void>();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      for (const w of watchers) w();
    });
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const waitFor = async (re: RegExp): Promise<RegExpMatchArray> => {
      const seen = new Promise<void>((r) => {
        const w = () => {
          if (re.test(stdout)) {
            watchers.delete(w);
            r();
          }
        };
        watchers.add(w);
        w();
      });
      await Promise.race([seen, closed]);
      const m = stdout.match(re);
      if (!m) throw new Error(`no ${re} in ${stdout}`);
      return m;
    };
    const [, url] = await waitFor(/through (http:\/\/127\.0\.0\.1:\d+) into/);
    const req = json.encodeRequest(set, 'GetAccountBalance', {}, TEST_REQUESTER_1, {
      host: new URL(url!).host,
      now: new Date(),
    });
    const res = await send(url!, req, { timeoutMs: 5000 });
    expect(res.ok && res.res.status).toBe(200);
    await waitFor(/recorded 1 2017-01-17 GetAccountBalance \(json\) → 200/);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/wrote 1 fixture into .*cli-recording:\n {2}.*0001\.GetAccountBalance\.json/);
  });
});
