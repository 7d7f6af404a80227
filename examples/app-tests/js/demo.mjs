// The app's flow as a plain node script against a local MTurk: `node demo.mjs`.
import { MTurkClient } from '@aws-sdk/client-mturk';
import { startEmulator } from 'mturk-conformance';
import { approveAndReward, publishTask, waitForSubmissions } from './labelling.mjs';

const mturk = await startEmulator();
try {
  const client = new MTurkClient({
    endpoint: mturk.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLABELLINGAPP', secretAccessKey: 'any-secret-will-do' },
  });
  const hitId = await publishTask(client, { title: 'Cats', workers: 2 });
  mturk.workers.submit(hitId);
  mturk.workers.submit(hitId);
  const submitted = await waitForSubmissions(client, hitId, { count: 2 });
  const paid = await approveAndReward(client, submitted, { bonus: '0.25' });
  console.log(JSON.stringify({ hitId, submitted: submitted.length, paid }));
} finally {
  await mturk.close();
}
