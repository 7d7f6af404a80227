// A small labelling app, as a team that uses MTurk would write it: publish a task as a HIT, wait
// for the Workers' submissions, approve them and pay each Worker a bonus. It knows nothing of the
// emulator: its tests (labelling.test.mjs) point the client at one.
import {
  ApproveAssignmentCommand,
  CreateHITCommand,
  ListAssignmentsForHITCommand,
  SendBonusCommand,
} from '@aws-sdk/client-mturk';

const QUESTION = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>label</QuestionIdentifier>
    <QuestionContent><Text>Is there a cat in the picture?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>`;

/** Publishes the labelling task; returns the HIT's id. */
export async function publishTask(client, { title, reward = '0.10', workers = 2 }) {
  const out = await client.send(
    new CreateHITCommand({
      Title: title,
      Description: 'Label one picture',
      Reward: reward,
      MaxAssignments: workers,
      LifetimeInSeconds: 3600,
      AssignmentDurationInSeconds: 600,
      AutoApprovalDelayInSeconds: 86400,
      Question: QUESTION,
    }),
  );
  return out.HIT.HITId;
}

/** Polls until `count` assignments of the HIT are submitted; returns them. */
export async function waitForSubmissions(client, hitId, { count, timeoutMs = 10_000, pollMs = 50 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(
      new ListAssignmentsForHITCommand({ HITId: hitId, AssignmentStatuses: ['Submitted'] }),
    );
    const submitted = out.Assignments ?? [];
    if (submitted.length >= count) return submitted;
    if (Date.now() > deadline) throw new Error(`only ${submitted.length} of ${count} submissions arrived`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Approves each submission and pays its Worker a bonus; returns what was paid. */
export async function approveAndReward(client, assignments, { bonus }) {
  const paid = [];
  for (const a of assignments) {
    await client.send(
      new ApproveAssignmentCommand({ AssignmentId: a.AssignmentId, RequesterFeedback: 'Thanks!' }),
    );
    await client.send(
      new SendBonusCommand({
        AssignmentId: a.AssignmentId,
        WorkerId: a.WorkerId,
        BonusAmount: bonus,
        Reason: 'Careful labelling',
        UniqueRequestToken: `bonus-${a.AssignmentId}`,
      }),
    );
    paid.push({ workerId: a.WorkerId, bonus });
  }
  return paid;
}
