// A legacy HIT's whole life through the bundled legacy clients against the reference emulator, over
// REST and over SOAP (issue 14): CreateHIT, two Workers submit, GetAssignmentsForHIT, one approved
// and one rejected, GrantBonus drawn on GetAccountBalance, ForceExpireHIT, DisposeHIT; GetHIT then fails with the documented code. Error
// codes come from the specs; the Workers are the emulator's Worker actions (no sleeps).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createLegacySoapClient } from '../../src/clients/legacy-soap.ts';
import { type LocalEmulator, startEmulator } from '../../src/emulator/local.ts';
import { toCents } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import type { ClientResult, ClientUnderTest } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { providerState } from '../emulator/helpers.ts';

const set = loadSpecs();
const code = (id: string) => set.errors.errors[id]!.code;
let emulator: LocalEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => emulator?.close());

type Rec = Record<string, unknown>;
function ok(r: ClientResult, what: string): Rec {
  if (!('output' in r)) throw new Error(`${what} failed: ${JSON.stringify(r)}`);
  return r.output;
}
const hitOf = (r: ClientResult, what: string) => ok(r, what).HIT as Rec;
const balanceOf = (r: ClientResult) =>
  toCents(String((ok(r, 'GetAccountBalance').AvailableBalance as Rec | undefined)?.Amount));
const QUESTION =
  '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL><FrameHeight>400</FrameHeight></ExternalQuestion>';
const properties = (title: string) => ({
  Title: title,
  Description: 'A HIT made by the legacy lifecycle test',
  Reward: { Amount: '0.25', CurrencyCode: 'USD' },
  AssignmentDurationInSeconds: 600,
});

const clients = [
  ['legacy-rest', createLegacyRestClient],
  ['legacy-soap', createLegacySoapClient],
] as const;

describe('a legacy HIT from creation to disposal through the bundled clients', () => {
  for (const [name, make] of clients)
    test(`${name}: create, two Workers submit, list, approve and reject, expire, dispose; GetHIT then fails`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      try {
        const hit = hitOf(
          await client.call('CreateHIT', {
            ...properties(`Lifecycle over ${name}`),
            LifetimeInSeconds: 3600,
            MaxAssignments: 2,
            Question: QUESTION,
          }),
          'CreateHIT',
        );
        const HITId = String(hit.HITId);
        expect(hit.HITTypeId).toEqual(expect.any(String));
        const getHIT = () => client.call('GetHIT', { HITId });
        expect(hitOf(await getHIT(), 'GetHIT').HITStatus).toBe('Assignable');

        const first = emulator.workers.submit(HITId, { Answer: '<QuestionFormAnswers/>' });
        const second = emulator.workers.submit(HITId);
        expect(first.WorkerId).not.toBe(second.WorkerId);
        expect(hitOf(await getHIT(), 'GetHIT').HITStatus).toBe('Reviewable');

        const listed = ok(await client.call('GetAssignmentsForHIT', { HITId }), 'GetAssignmentsForHIT');
        expect(listed.TotalNumResults).toBe(2);
        const assignments = listed.Assignment as Rec[];
        expect(assignments.map((a) => a.AssignmentId).sort()).toEqual(
          [first.AssignmentId, second.AssignmentId].sort(),
        );
        expect(assignments.every((a) => a.AssignmentStatus === 'Submitted')).toBe(true);

        // DisposeHIT is refused while a submission is unreviewed
        const early = await client.call('DisposeHIT', { HITId });
        expect('error' in early && early.error.code).toBe(code('InvalidHITState'));

        ok(await client.call('ApproveAssignment', { AssignmentId: first.AssignmentId }), 'ApproveAssignment');
        ok(
          await client.call('RejectAssignment', {
            AssignmentId: second.AssignmentId,
            RequesterFeedback: 'The answer was empty.',
          }),
          'RejectAssignment',
        );
        const statuses = (
          ok(await client.call('GetAssignmentsForHIT', { HITId }), 'GetAssignmentsForHIT').Assignment as Rec[]
        ).map((a) => [a.AssignmentId, a.AssignmentStatus]);
        expect(Object.fromEntries(statuses)).toEqual({
          [first.AssignmentId]: 'Approved',
          [second.AssignmentId]: 'Rejected',
        });

        // a bonus to the approved Worker is drawn on the balance, as GetAccountBalance shows
        const before = balanceOf(await client.call('GetAccountBalance', {}));
        ok(
          await client.call('GrantBonus', {
            WorkerId: first.WorkerId,
            AssignmentId: first.AssignmentId,
            BonusAmount: { Amount: '1.50', CurrencyCode: 'USD' },
            Reason: 'Thorough work.',
            UniqueRequestToken: `lifecycle-${name}`,
          }),
          'GrantBonus',
        );
        expect(before - balanceOf(await client.call('GetAccountBalance', {}))).toBeGreaterThanOrEqual(150);

        ok(await client.call('ForceExpireHIT', { HITId }), 'ForceExpireHIT');
        expect(hitOf(await getHIT(), 'GetHIT').HITStatus).toBe('Reviewable');
        ok(await client.call('DisposeHIT', { HITId }), 'DisposeHIT');

        const gone = await getHIT();
        expect('error' in gone && gone.error.code).toBe(code('HITDoesNotExist'));
        const again = await client.call('DisposeHIT', { HITId });
        expect('error' in again && again.error.code).toBe(code('HITDoesNotExist'));
      } finally {
        await client.close();
      }
    });

  for (const [name, make] of clients)
    test(`${name}: DisableHIT approves and pays the submitted work, then the HIT is gone; a Reviewable HIT is refused`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      const store = emulator.emulator.store;
      const balance = () => {
        const account = set.model.account!;
        const rec = store.list(account.entity).find((e) => e.owner === TEST_REQUESTER_1.accessKeyId);
        return Number(
          rec?.fields[account.field] ?? set.model.entities[account.entity]!.fields[account.field],
        );
      };
      try {
        const create = async (MaxAssignments: number) =>
          String(
            hitOf(
              await client.call('CreateHIT', {
                ...properties(`Disabled over ${name}`),
                LifetimeInSeconds: 3600,
                MaxAssignments,
                Question: QUESTION,
              }),
              'CreateHIT',
            ).HITId,
          );
        // a HIT of a 500.00 reward with a submitted assignment, as the provider state makes it
        const ids = await providerState(
          emulator.statesUrl,
          'AssignableHITWithCostlySubmittedAssignment',
          TEST_REQUESTER_1.accessKeyId,
        );
        const HITId = ids.HITId!;
        const done = { AssignmentId: ids.AssignmentId! };
        emulator.workers.accept(HITId);
        const before = balance();
        ok(await client.call('DisableHIT', { HITId }), 'DisableHIT');
        expect(before - balance()).toBeCloseTo(500, 2);
        const gone = await client.call('GetHIT', { HITId });
        expect('error' in gone && gone.error.code).toBe(code('HITDoesNotExist'));
        const work = await client.call('GetAssignment', { AssignmentId: done.AssignmentId });
        expect('error' in work).toBe(true);

        const full = await create(1);
        emulator.workers.submit(full);
        const refused = await client.call('DisableHIT', { HITId: full });
        expect('error' in refused && refused.error.code).toBe(code('InvalidHITState'));
      } finally {
        await client.close();
      }
    });

  for (const [name, make] of clients)
    test(`${name}: RegisterHITType, then CreateHIT of that type; ChangeHITTypeOfHIT moves it to another`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      try {
        const register = async (title: string) =>
          String(ok(await client.call('RegisterHITType', properties(title)), 'RegisterHITType').HITTypeId);
        const typeA = await register(`Type A over ${name}`);
        expect(await register(`Type A over ${name}`)).toBe(typeA);
        const typeB = await register(`Type B over ${name}`);
        expect(typeB).not.toBe(typeA);

        const hit = hitOf(
          await client.call('CreateHIT', { HITTypeId: typeA, LifetimeInSeconds: 3600, Question: QUESTION }),
          'CreateHIT',
        );
        const HITId = String(hit.HITId);
        const read = async () => hitOf(await client.call('GetHIT', { HITId }), 'GetHIT');
        expect(await read()).toMatchObject({ HITTypeId: typeA, Title: `Type A over ${name}` });
        // the properties form with the same properties finds the same type
        const same = hitOf(
          await client.call('CreateHIT', {
            ...properties(`Type A over ${name}`),
            LifetimeInSeconds: 3600,
            Question: QUESTION,
          }),
          'CreateHIT',
        );
        expect(same.HITTypeId).toBe(typeA);

        ok(await client.call('ChangeHITTypeOfHIT', { HITId, HITTypeId: typeB }), 'ChangeHITTypeOfHIT');
        expect(await read()).toMatchObject({ HITTypeId: typeB, Title: `Type B over ${name}` });
        const unknown = await client.call('CreateHIT', {
          HITTypeId: 'NOSUCHTYPE0000000000000000000Z',
          LifetimeInSeconds: 3600,
          Question: QUESTION,
        });
        expect('error' in unknown && unknown.error.code).toBe(code('HITTypeDoesNotExist'));
      } finally {
        await client.close();
      }
    });
});
