// Real lifecycles through the official clients with their default settings: boto3 (Debian's
// /usr/bin/python3, test/fixtures/lifecycles/boto3_lifecycle.py) and @aws-sdk/client-mturk v3, each
// given only the endpoint, the region and made-up credentials, against the emulator as a local
// MTurk (startEmulator). One scenario (the steps below) is run by both; Workers act through the
// provider-states contract (Worker actions). Each step's assertion follows a documented fact; error
// codes are read from the specs.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import * as sdk from '@aws-sdk/client-mturk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEmulator, startEmulator, WorkerActionError } from '../../src/emulator/local.ts';
import { toCents } from '../../src/emulator/store.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { JSON11_API } from '../../src/wire/json11.ts';

const set = loadSpecs();
const ops = set.apis[JSON11_API].operations;
/** The error code a rule of an operation names (from the spec). */
const ruleCode = (op: string, kind: string) => {
  const id = ops.get(op)!.behaviour.rules.find((r) => r.kind === kind)!.error!;
  return set.errors.errors[id]!.code;
};
const SCRIPT = resolve(import.meta.dirname, '../fixtures/lifecycles/boto3_lifecycle.py');

type Step =
  | { name: string; call: string; input?: Record<string, unknown> }
  | { name: string; worker: string; params: Record<string, unknown> };
type Answer =
  | { output: Record<string, unknown> }
  | { error: { type?: string; code?: string | null; status?: number; message: string } };
type Transcript = Record<string, Answer>;
interface Job {
  accessKeyId: string;
  secretAccessKey: string;
  steps: Step[];
}

const REWARD = '0.50';
const BONUS = '1.25';
/** ListBonusPayments joins the scenario once the specs have it. */
const hasBonusList = ops.has('ListBonusPayments');

const hitInput = (tag: string) => ({
  Title: `Label images (${tag})`,
  Description: 'Say what is in the picture',
  Reward: REWARD,
  AssignmentDurationInSeconds: 600,
  LifetimeInSeconds: 86400,
  MaxAssignments: 3,
  Question:
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL><FrameHeight>400</FrameHeight></ExternalQuestion>',
});

const call = (name: string, op: string, input?: Record<string, unknown>): Step =>
  input ? { name, call: op, input } : { name, call: op };
const worker = (name: string, action: string, params: Record<string, unknown>): Step => ({
  name,
  worker: action,
  params,
});
/** The ids the scenario's entities are named by, from earlier steps' answers. */
const HIT = { HITId: '$createHIT.HIT.HITId' };
const TYPE = { QualificationTypeId: '$createType.QualificationType.QualificationTypeId' };
const BLOCKED = { WorkerId: '$submit2.WorkerId' };

/** The scenario: a HIT's life, a qualification type's, a worker block's. `tag` keeps names apart. */
function scenario(tag: string): Step[] {
  return [
    call('balanceBefore', 'GetAccountBalance'),
    call('createHIT', 'CreateHIT', hitInput(tag)),
    worker('submit1', 'WorkerSubmitsAssignment', HIT),
    worker('submit2', 'WorkerSubmitsAssignment', HIT),
    call('listAssignments', 'ListAssignmentsForHIT', HIT),
    call('approve', 'ApproveAssignment', { AssignmentId: '$submit1.AssignmentId' }),
    call('reject', 'RejectAssignment', {
      AssignmentId: '$submit2.AssignmentId',
      RequesterFeedback: 'Not what was asked',
    }),
    call('approved', 'GetAssignment', { AssignmentId: '$submit1.AssignmentId' }),
    call('rejected', 'GetAssignment', { AssignmentId: '$submit2.AssignmentId' }),
    // one slot is still free: the HIT is Assignable and cannot be deleted yet
    call('deleteTooEarly', 'DeleteHIT', HIT),
    call('bonus', 'SendBonus', {
      WorkerId: '$submit1.WorkerId',
      AssignmentId: '$submit1.AssignmentId',
      BonusAmount: BONUS,
      Reason: 'Careful work',
      UniqueRequestToken: `bonus-${tag}`,
    }),
    ...(hasBonusList ? [call('bonuses', 'ListBonusPayments', HIT)] : []),
    call('balanceAfter', 'GetAccountBalance'),
    call('expire', 'UpdateExpirationForHIT', { ...HIT, ExpireAt: { $date: 0 } }),
    call('expired', 'GetHIT', HIT),
    call('deleteHIT', 'DeleteHIT', HIT),
    call('deletedHIT', 'GetHIT', HIT),

    call('createType', 'CreateQualificationType', {
      Name: `Skilled labeller (${tag})`,
      Description: 'Labels well',
      QualificationTypeStatus: 'Active',
    }),
    worker('request', 'WorkerRequestsQualification', TYPE),
    call('requests', 'ListQualificationRequests', TYPE),
    call('acceptRequest', 'AcceptQualificationRequest', {
      QualificationRequestId: '$request.QualificationRequestId',
      IntegerValue: 7,
    }),
    call('requestsAfter', 'ListQualificationRequests', TYPE),
    call('score', 'GetQualificationScore', { ...TYPE, WorkerId: '$request.WorkerId' }),
    call('deactivate', 'UpdateQualificationType', { ...TYPE, QualificationTypeStatus: 'Inactive' }),
    worker('requestInactive', 'WorkerRequestsQualification', TYPE),
    call('deleteType', 'DeleteQualificationType', TYPE),
    call('deletedType', 'GetQualificationType', TYPE),

    call('block', 'CreateWorkerBlock', { ...BLOCKED, Reason: 'Rejected work' }),
    call('blocks', 'ListWorkerBlocks'),
    call('hitForBlocked', 'CreateHIT', hitInput(tag)),
    worker('blockedSubmits', 'WorkerSubmitsAssignment', { HITId: '$hitForBlocked.HIT.HITId', ...BLOCKED }),
    call('unblock', 'DeleteWorkerBlock', BLOCKED),
    call('blocksAfter', 'ListWorkerBlocks'),
    worker('unblockedSubmits', 'WorkerSubmitsAssignment', { HITId: '$hitForBlocked.HIT.HITId', ...BLOCKED }),
  ];
}

/** The scenario through boto3: the Python script, fed the job on stdin. */
function runBoto3(emu: LocalEmulator, job: Job): Promise<Transcript> {
  return new Promise((ok, fail) => {
    const child = spawn('/usr/bin/python3', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', AWS_CONFIG_FILE: '/dev/null' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) fail(new Error(`boto3_lifecycle.py exited ${code}: ${err}`));
      else ok(JSON.parse(out) as Transcript);
    });
    child.stdin.end(JSON.stringify({ endpoint: emu.url, statesUrl: emu.statesUrl, ...job }));
  });
}

/** A value of an earlier step's output (`$step.path`), or a timestamp (`{$date: s}`). */
function resolveRefs(value: unknown, done: Record<string, unknown>, date: (s: number) => unknown): unknown {
  if (typeof value === 'string' && value.startsWith('$')) {
    let node: unknown = done;
    for (const k of value.slice(1).split('.')) {
      if (node === null || typeof node !== 'object' || !(k in node)) throw new Error(`unresolved ${value}`);
      node = (node as Record<string, unknown>)[k];
    }
    return node;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, done, date));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.$date === 'number') return date(o.$date);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveRefs(v, done, date)]));
  }
  return value;
}

/** Dates as epoch seconds, no SDK metadata: the form the Python script writes. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => k !== '$metadata' && v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    );
  return value;
}

type AnyCommand = Parameters<sdk.MTurkClient['send']>[0];
const commands = sdk as unknown as Record<string, new (input: unknown) => AnyCommand>;

/** The scenario through @aws-sdk/client-mturk; Workers act through the emulator's Worker actions. */
async function runSdk(emu: LocalEmulator, job: Job): Promise<Transcript> {
  const client = new sdk.MTurkClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: job.accessKeyId, secretAccessKey: job.secretAccessKey },
  });
  const done: Record<string, unknown> = {};
  const transcript: Transcript = {};
  try {
    for (const step of job.steps) {
      let args: Record<string, unknown>;
      try {
        args = resolveRefs(
          'worker' in step ? step.params : (step.input ?? {}),
          done,
          (s) => new Date(s * 1000),
        ) as Record<string, unknown>;
      } catch (e) {
        transcript[step.name] = { error: { type: 'unresolved', message: (e as Error).message } };
        continue;
      }
      let answer: Answer;
      if ('worker' in step) {
        try {
          answer = { output: emu.workers.act(step.worker, args as Record<string, string>) };
        } catch (e) {
          if (!(e instanceof WorkerActionError)) throw e;
          answer = { error: { status: e.status, message: e.message } };
        }
      } else {
        const Command = commands[`${step.call}Command`];
        if (!Command) throw new Error(`@aws-sdk/client-mturk has no ${step.call}Command`);
        try {
          answer = { output: plain(await client.send(new Command(args))) as Record<string, unknown> };
        } catch (e) {
          const x = e as { name?: string; TurkErrorCode?: string; message?: string };
          answer = { error: { type: x.name ?? '', code: x.TurkErrorCode ?? null, message: x.message ?? '' } };
        }
      }
      transcript[step.name] = answer;
      if ('output' in answer) done[step.name] = answer.output;
    }
  } finally {
    client.destroy();
  }
  return transcript;
}

/** A step's output; a failed step fails the test with what the client surfaced. */
function out(t: Transcript, name: string): Record<string, unknown> {
  const a = t[name];
  if (!a) throw new Error(`step ${name} did not run`);
  if ('error' in a) throw new Error(`step ${name} failed: ${JSON.stringify(a.error)}`);
  return a.output;
}
/** The error code a step failed with (the TurkErrorCode both clients surface). */
function refusal(t: Transcript, name: string): string | null | undefined {
  const a = t[name];
  if (!a) throw new Error(`step ${name} did not run`);
  if ('output' in a) throw new Error(`step ${name} must fail, but it answered ${JSON.stringify(a.output)}`);
  return a.error.code;
}
/** A Worker action the emulator refused: its HTTP status (409: cannot apply). */
function refusedAction(t: Transcript, name: string): { status?: number; message: string } {
  const a = t[name];
  if (!a || 'output' in a) throw new Error(`Worker action ${name} must be refused: ${JSON.stringify(a)}`);
  return a.error;
}
const field = (o: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], o);

/** The HIT lifecycle's steps: each asserts a documented fact a broken server would break. */
function judgeHit(t: Transcript): void {
  const hit = field(out(t, 'createHIT'), 'HIT') as Record<string, unknown>;
  // DG-RHS: a new HIT is Assignable, every slot available
  expect(hit).toMatchObject({ HITStatus: 'Assignable', MaxAssignments: 3, NumberOfAssignmentsAvailable: 3 });
  const s1 = out(t, 'submit1');
  const s2 = out(t, 'submit2');
  expect(s1.WorkerId).not.toBe(s2.WorkerId);
  // both submissions are listed, Submitted, with their Workers
  const listed = out(t, 'listAssignments');
  expect(listed.NumResults).toBe(2);
  const rows = (listed.Assignments as Record<string, unknown>[]).map((a) => [
    a.AssignmentId,
    a.WorkerId,
    a.HITId,
    a.AssignmentStatus,
  ]);
  expect(rows.sort()).toEqual(
    [
      [s1.AssignmentId, s1.WorkerId, hit.HITId, 'Submitted'],
      [s2.AssignmentId, s2.WorkerId, hit.HITId, 'Submitted'],
    ].sort(),
  );
  out(t, 'approve');
  out(t, 'reject');
  expect(field(out(t, 'approved'), 'Assignment.AssignmentStatus')).toBe('Approved');
  expect(field(out(t, 'rejected'), 'Assignment')).toMatchObject({
    AssignmentStatus: 'Rejected',
    RequesterFeedback: 'Not what was asked',
  });
  // an Assignable HIT cannot be deleted (the service lists Reviewing, Reviewable)
  expect(refusal(t, 'deleteTooEarly')).toBe(ruleCode('DeleteHIT', 'status'));
  out(t, 'bonus');
  if (hasBonusList) {
    const bonuses = out(t, 'bonuses');
    expect(bonuses.NumResults).toBe(1);
    expect(bonuses.BonusPayments).toEqual([
      expect.objectContaining({ WorkerId: s1.WorkerId, AssignmentId: s1.AssignmentId, BonusAmount: BONUS }),
    ]);
  }
  // M17: approving pays the reward, a bonus its amount, each at least (MTurk's fee comes on top)
  const before = toCents(String(out(t, 'balanceBefore').AvailableBalance));
  const after = toCents(String(out(t, 'balanceAfter').AvailableBalance));
  expect(before - after).toBeGreaterThanOrEqual(toCents(REWARD) + toCents(BONUS));
  out(t, 'expire');
  // D17-OPS: ExpireAt 0 expires the HIT; with no work outstanding it is Reviewable (DG-RHS)
  const expired = field(out(t, 'expired'), 'HIT') as Record<string, unknown>;
  expect(expired.HITStatus).toBe('Reviewable');
  expect(expired.Expiration as number).toBeLessThanOrEqual(hit.Expiration as number);
  out(t, 'deleteHIT');
  expect(refusal(t, 'deletedHIT')).toBe(ruleCode('GetHIT', 'exists'));
}

function judgeQualification(t: Transcript): void {
  const type = field(out(t, 'createType'), 'QualificationType') as Record<string, unknown>;
  expect(type.QualificationTypeStatus).toBe('Active');
  const req = out(t, 'request');
  const pending = out(t, 'requests');
  expect(pending.NumResults).toBe(1);
  expect(pending.QualificationRequests).toEqual([
    expect.objectContaining({
      QualificationRequestId: req.QualificationRequestId,
      QualificationTypeId: type.QualificationTypeId,
      WorkerId: req.WorkerId,
    }),
  ]);
  out(t, 'acceptRequest');
  // M17: an accepted request is no longer pending
  expect(out(t, 'requestsAfter').NumResults).toBe(0);
  expect(field(out(t, 'score'), 'Qualification')).toMatchObject({
    QualificationTypeId: type.QualificationTypeId,
    WorkerId: req.WorkerId,
    IntegerValue: 7,
    Status: 'Granted',
  });
  expect(field(out(t, 'deactivate'), 'QualificationType.QualificationTypeStatus')).toBe('Inactive');
  // an Inactive type takes no requests (docs/provider-states.md: 409 with the reason)
  expect(refusedAction(t, 'requestInactive').status).toBe(409);
  out(t, 'deleteType');
  expect(refusal(t, 'deletedType')).toBe(ruleCode('GetQualificationType', 'exists'));
}

function judgeBlocks(t: Transcript): void {
  const worker = out(t, 'submit2').WorkerId;
  out(t, 'block');
  // the requester's only block, with its Reason (a fresh requester: the list is exact)
  const blocks = out(t, 'blocks');
  expect(blocks.NumResults).toBe(1);
  expect(blocks.WorkerBlocks).toEqual([{ WorkerId: worker, Reason: 'Rejected work' }]);
  // a blocked Worker cannot work on the requester's HITs
  expect(refusedAction(t, 'blockedSubmits')).toMatchObject({
    status: 409,
    message: expect.stringContaining('blocked'),
  });
  out(t, 'unblock');
  expect(out(t, 'blocksAfter').NumResults).toBe(0);
  expect(out(t, 'blocksAfter').WorkerBlocks ?? []).toEqual([]);
  expect(out(t, 'unblockedSubmits').WorkerId).toBe(worker);
}

let emu: LocalEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const clients = [
  ['boto3 (Debian, default settings)', 'BOTO3', runBoto3],
  ['@aws-sdk/client-mturk v3 (default settings)', 'SDKV3', runSdk],
] as const;

describe.each(clients)('through %s', (_name, tag, run) => {
  let t: Transcript;
  beforeAll(async () => {
    // a requester of its own (any key is accepted): its balance and lists hold this run only
    t = await run(emu, {
      accessKeyId: `AKIALIFECYCLE${tag}`,
      secretAccessKey: 'made-up-test-secret',
      steps: scenario(tag),
    });
  }, 180_000);

  it('a HIT: create, two Workers submit, list, approve + reject, bonus, balance, expire, delete', () =>
    judgeHit(t));
  it('a qualification type: create, a Worker requests, accept, score, deactivate, delete', () =>
    judgeQualification(t));
  it('a worker block: block, listed, the Worker is refused, unblock, gone', () => judgeBlocks(t));
});
