// The app's tests against a local MTurk: startEmulator() from mturk-conformance, any access key,
// Workers played by `mturk.workers`, time moved by `mturk.clock`.
import { GetAccountBalanceCommand, GetAssignmentCommand, MTurkClient } from '@aws-sdk/client-mturk';
import { startEmulator } from 'mturk-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveAndReward, publishTask, waitForSubmissions } from './labelling.mjs';

let mturk;
let client;
beforeAll(async () => {
  mturk = await startEmulator();
  client = new MTurkClient({
    endpoint: mturk.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLABELLINGAPP', secretAccessKey: 'any-secret-will-do' },
  });
});
afterAll(() => mturk.close());

const balance = async () => Number((await client.send(new GetAccountBalanceCommand({}))).AvailableBalance);

describe('the labelling app', () => {
  it('publishes a task, collects two submissions, approves them and pays the bonuses', async () => {
    const before = await balance();
    const hitId = await publishTask(client, { title: 'Cats', reward: '0.10', workers: 2 });
    // two Workers do the task (in production: real people, minutes later)
    setTimeout(() => {
      mturk.workers.submit(hitId, { Answer: answer('yes') });
      mturk.workers.submit(hitId, { Answer: answer('no') });
    }, 20);
    const submitted = await waitForSubmissions(client, hitId, { count: 2 });
    expect(submitted.map((a) => a.Answer).sort()).toEqual([answer('no'), answer('yes')]);
    const paid = await approveAndReward(client, submitted, { bonus: '0.25' });
    expect(paid).toHaveLength(2);
    for (const a of submitted) {
      const out = await client.send(new GetAssignmentCommand({ AssignmentId: a.AssignmentId }));
      expect(out.Assignment.AssignmentStatus).toBe('Approved');
    }
    // two rewards and two bonuses
    expect(Math.round((before - (await balance())) * 100)).toBe(70);
  });

  it('work nobody reviews is approved and paid when the auto-approval delay passes', async () => {
    const hitId = await publishTask(client, { title: 'Birds', reward: '0.40', workers: 2 });
    const { AssignmentId } = mturk.workers.submit(hitId, { Answer: answer('yes') });
    const before = await balance();
    // the app publishes with AutoApprovalDelayInSeconds=86400
    mturk.clock.advance(86400);
    const out = await client.send(new GetAssignmentCommand({ AssignmentId }));
    expect(out.Assignment.AssignmentStatus).toBe('Approved');
    expect(Math.round((before - (await balance())) * 100)).toBe(40);
  });

  it('a HIT nobody submits to times out in the app, then expires', async () => {
    const hitId = await publishTask(client, { title: 'Dogs', workers: 1 });
    await expect(waitForSubmissions(client, hitId, { count: 1, timeoutMs: 100 })).rejects.toThrow(
      /only 0 of 1 submissions/,
    );
    mturk.clock.advance(3600);
    expect(() => mturk.workers.submit(hitId)).toThrow(/is not Assignable/);
  });
});

function answer(label) {
  return `<QuestionFormAnswers><Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>${label}</FreeText></Answer></QuestionFormAnswers>`;
}
