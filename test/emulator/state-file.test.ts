// `emulator --state-file FILE` as a user runs it (a child process): the store survives a SIGTERM
// between two writes and a SIGKILL after a save; a damaged file or one of another version is
// refused with one line (exit 2) and left byte for byte as it was; writes leave no temporary file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateHITCommand,
  GetAccountBalanceCommand,
  GetAssignmentCommand,
  ListHITsCommand,
  MTurkClient,
} from '@aws-sdk/client-mturk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/local.ts';
import { readStateFile, STATE_FORMAT, StateFileError, saveStateFile } from '../../src/emulator/persist.ts';
import { createEmulator } from '../../src/emulator/server.ts';
import { fromCents, toCents } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { BIN } from '../cli/helpers.ts';

const OWNER = TEST_REQUESTER_1.accessKeyId;
let dir: string;
let file: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mturk-state-'));
  file = join(dir, 'state.json');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  out: () => string;
  exit: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `emulator --port 0 --state-file FILE`; resolves once it listens, or when it exits first. */
function emulator(): Promise<Running | { code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--state-file', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return new Promise((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes('Press Ctrl-C')) resolve({ child, url, out: () => stdout, exit });
    });
    exit.then((r) => resolve(r));
  });
}

async function started(): Promise<Running> {
  const r = await emulator();
  if (!('url' in r)) throw new Error(`the emulator exited ${r.code}: ${r.stderr}`);
  return r;
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};
const hit = async (r: Running) =>
  (await post(`${r.url}/_states`, { state: 'AssignableHIT', requester: OWNER })).body.HITId!;
const submit = async (r: Running, HITId: string) =>
  (await post(`${r.url}/_control/workers`, { action: 'WorkerSubmitsAssignment', params: { HITId } })).body;
const sdk = (url: string) =>
  new MTurkClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: OWNER, secretAccessKey: TEST_REQUESTER_1.secretAccessKey },
    maxAttempts: 1,
  });
const QUESTION =
  '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>';
/** A HIT made as an app makes it: CreateHIT through the SDK. */
const createHit = async (r: Running) =>
  (
    await sdk(r.url).send(
      new CreateHITCommand({
        Title: 'Persist me',
        Description: 'A HIT that must survive a restart',
        Reward: '0.20',
        MaxAssignments: 2,
        LifetimeInSeconds: 86400,
        AssignmentDurationInSeconds: 600,
        AutoApprovalDelayInSeconds: 30,
        Question: QUESTION,
      }),
    )
  ).HIT!.HITId!;
/** Every HIT of the owner, through ListHITs (all pages). */
const allHits = async (r: Running) => {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sdk(r.url).send(
      new ListHITsCommand({ MaxResults: 2, ...(NextToken ? { NextToken } : {}) }),
    );
    ids.push(...(page.HITs ?? []).map((h) => h.HITId!));
    NextToken = page.NextToken;
  } while (NextToken);
  return ids.sort();
};
const balance = async (r: Running) =>
  (await sdk(r.url).send(new GetAccountBalanceCommand({}))).AvailableBalance;
/** Whether the HIT is there: a Worker action on it is refused only because it is taken, not unknown. */
const hitKnown = async (r: Running, HITId: string) =>
  (await post(`${r.url}/_states`, { state: 'WorkerAcceptsAssignment', requester: OWNER, params: { HITId } }))
    .body.error !== `HIT ${HITId} does not exist`;

describe('emulator --state-file', () => {
  it('SIGTERM between two writes: a restart finds every entity', async () => {
    const first = await started();
    expect(first.out()).toContain(`state file:                   ${file} (new)`);
    const a = await hit(first);
    const created = [await createHit(first)];
    const saved = await post(`${first.url}/_control/save`, {});
    expect(saved).toEqual({ status: 200, body: { saved: file } });
    const b = await hit(first);
    created.push(await createHit(first), await createHit(first));
    const { AssignmentId } = await submit(first, b);
    // auto-approved and paid (AutoApprovalDelayInSeconds 30) after the save: the file must hold it
    const paid = await submit(first, created[2]!);
    await post(`${first.url}/_control/clock`, { advanceSeconds: 60 });
    const hits = await allHits(first);
    expect(hits).toHaveLength(5);
    expect(hits).toEqual(expect.arrayContaining([a, b, ...created]));
    const paidBalance = await balance(first);
    expect(paidBalance).toBe('9999.80');
    first.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['state.json']);

    const second = await started();
    expect(second.out()).toMatch(/\(loaded, \d+ entities\)/);
    expect(await hitKnown(second, a)).toBe(true);
    expect(await hitKnown(second, b)).toBe(true);
    expect(await hitKnown(second, 'NOSUCHHIT')).toBe(false);
    expect(await allHits(second)).toEqual(hits);
    expect(await balance(second)).toBe(paidBalance);
    const approved = await sdk(second.url).send(
      new GetAssignmentCommand({ AssignmentId: paid.AssignmentId }),
    );
    expect(approved.Assignment?.AssignmentStatus).toBe('Approved');
    const got = await sdk(second.url).send(new GetAssignmentCommand({ AssignmentId }));
    expect(got.Assignment?.AssignmentStatus).toBe('Submitted');
    expect(got.Assignment?.SubmitTime).toBeInstanceOf(Date);
    const clock = (await (await fetch(`${second.url}/_control/clock`)).json()) as { offsetSeconds: number };
    expect(clock.offsetSeconds).toBe(60);
    second.child.kill('SIGINT');
    expect((await second.exit).code).toBe(0);
  }, 180_000);

  it('SIGKILL after a save: the saved file is whole and the restart finds what it held', async () => {
    const first = await started();
    const a = await hit(first);
    await post(`${first.url}/_control/save`, {});
    const b = await hit(first);
    first.child.kill('SIGKILL');
    await first.exit;
    const second = await started();
    expect(await hitKnown(second, a)).toBe(true);
    expect(await hitKnown(second, b)).toBe(false);
  }, 180_000);

  it.each([
    ['not JSON', '{"format": "mturk-conformance-emulator-state", "version": 1, "store": {', /is damaged/],
    ['another format', '{"hello": "world"}', /is not an emulator state file/],
    [
      'another version',
      JSON.stringify({ format: STATE_FORMAT, version: 99, store: {} }),
      /format version 99/,
    ],
    [
      'an unknown entity',
      JSON.stringify({ format: STATE_FORMAT, version: 1, store: { seq: 1, entities: [['Spaceship', []]] } }),
      /is damaged: unknown entity Spaceship/,
    ],
  ])(
    '%s: a one-line refusal, exit 2, the file untouched',
    async (_label, text, message) => {
      writeFileSync(file, text);
      const written = statSync(file).mtimeMs;
      const r = await emulator();
      expect('url' in r).toBe(false);
      const { code, stderr } = r as { code: number | null; stderr: string };
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(statSync(file).mtimeMs).toBe(written);
      expect(readdirSync(dir)).toEqual(['state.json']);
    },
    180_000,
  );
});

describe('startEmulator({ stateFile })', () => {
  it('close() writes the file; the next startEmulator() finds every HIT and the balance', async () => {
    const first = await startEmulator({ stateFile: file });
    const made = first.emulator.handleStates(
      JSON.stringify({ state: 'AssignableHIT', requester: 'AKIDAPP' }),
    );
    const { HITId } = JSON.parse(made.body) as { HITId: string };
    first.workers.submit(HITId);
    first.clock.advance(2592000);
    const reward = toCents(String(first.emulator.store.getAny('HIT', HITId)!.fields.Reward));
    await first.close();
    const second = await startEmulator({ stateFile: file });
    try {
      const client = new MTurkClient({
        endpoint: second.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDAPP', secretAccessKey: 'x' },
        maxAttempts: 1,
      });
      const hits = await client.send(new ListHITsCommand({}));
      expect(hits.HITs?.map((h) => h.HITId)).toEqual([HITId]);
      // the auto-approval's payment (the state's reward) was saved with it
      const { AvailableBalance } = await client.send(new GetAccountBalanceCommand({}));
      expect(AvailableBalance).toBe(fromCents(1_000_000 - reward));
      expect(second.clock.offsetSeconds).toBe(2592000);
    } finally {
      await second.close();
    }
  });

  it.each([
    [
      'damaged',
      '{"format": "mturk-conformance-emulator-state", "version": 1, "store": {"seq": 1, "ent',
      /is damaged/,
    ],
    [
      'of an unknown version',
      JSON.stringify({ format: STATE_FORMAT, version: 2, store: {} }),
      /format version 2/,
    ],
  ])(
    'a file %s rejects with a one-line StateFileError and is left untouched',
    async (_label, text, message) => {
      writeFileSync(file, text);
      const written = statSync(file).mtimeMs;
      const err = await startEmulator({ stateFile: file }).then(
        async (e) => {
          await e.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StateFileError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(statSync(file).mtimeMs).toBe(written);
      expect(readdirSync(dir)).toEqual(['state.json']);
    },
  );
});

describe('state file writes', () => {
  it('round-trip the store and its dates; no temporary file is left', () => {
    const emu = createEmulator();
    emu.handleStates(JSON.stringify({ state: 'HITWithSubmittedAssignment', requester: OWNER }));
    saveStateFile(file, emu);
    saveStateFile(file, emu);
    expect(readdirSync(dir)).toEqual(['state.json']);
    const back = readStateFile(file, createEmulator());
    const again = createEmulator();
    again.store.restore(back.snapshot);
    expect(again.store.digest()).toBe(emu.store.digest());
  });

  it('a write that fails leaves the old file as it was', () => {
    const emu = createEmulator();
    saveStateFile(file, emu);
    const before = readFileSync(file, 'utf8');
    expect(() => saveStateFile(join(dir, 'missing-dir', 'state.json'), emu)).toThrow(StateFileError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
