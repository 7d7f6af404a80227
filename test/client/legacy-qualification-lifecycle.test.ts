// A legacy qualification type's life through the bundled legacy clients against the reference
// emulator, over REST and over SOAP, one store: created, requested by a Worker, granted, scored,
// rescored, revoked, made Inactive and disposed; the type made through the legacy API reads the
// same through 2017 GetQualificationType.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLegacyRestClient } from '../../src/clients/legacy-rest.ts';
import { createLegacySoapClient } from '../../src/clients/legacy-soap.ts';
import { createSdkV3Client } from '../../src/clients/sdk-v3.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import type { ClientResult, ClientUnderTest } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { providerState } from '../emulator/helpers.ts';

const set = loadSpecs();
let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => emulator?.close());

const out = (r: ClientResult, what: string): Record<string, unknown> => {
  if (!('output' in r)) throw new Error(`${what} failed: ${JSON.stringify(r)}`);
  return r.output;
};
// the MTurk code: legacy <Code>, 2017 TurkErrorCode (the SDK's own code is the __type)
const code = (r: ClientResult) => ('error' in r ? (r.error.turkErrorCode ?? r.error.code) : 'success');
// a timestamp as either client hands it back (a Date, an ISO string, epoch seconds), in ms
const when = (v: unknown) =>
  v instanceof Date ? v.getTime() : typeof v === 'number' ? v * 1000 : new Date(String(v)).getTime();
const member = (o: Record<string, unknown>, name: string) => o[name] as Record<string, unknown>;

describe('a legacy qualification type through the bundled clients', () => {
  for (const [name, make] of [
    ['legacy-rest', createLegacyRestClient],
    ['legacy-soap', createLegacySoapClient],
  ] as const)
    test(`${name}: create, a Worker requests, grant, score, rescore, revoke, deactivate, dispose`, async () => {
      const client: ClientUnderTest = make(set, { endpoint: emulator.url, credentials: TEST_REQUESTER_1 });
      const v3 = createSdkV3Client({ endpoint: emulator.url, credentials: TEST_REQUESTER_1, maxAttempts: 1 });
      try {
        const Name = `Lifecycle over ${name}`;
        const created = member(
          out(
            await client.call('CreateQualificationType', {
              Name,
              Description: 'A type made through the legacy API',
              Keywords: 'lifecycle, legacy',
              QualificationTypeStatus: 'Active',
              RetryDelayInSeconds: 60,
            }),
            'CreateQualificationType',
          ),
          'QualificationType',
        );
        const QualificationTypeId = String(created.QualificationTypeId);
        // documented default (DL CreateQualificationType)
        expect(created.AutoGrantedValue).toBe(1);
        expect(
          code(
            await client.call('CreateQualificationType', {
              Name,
              Description: 'same name',
              QualificationTypeStatus: 'Active',
            }),
          ),
        ).toBe('AWS.MechanicalTurk.QualificationTypeAlreadyExists');

        // cross-API: the legacy-made type reads the same through 2017
        const seen17 = member(
          out(await v3.call('GetQualificationType', { QualificationTypeId }), '2017 GetQualificationType'),
          'QualificationType',
        );
        for (const f of [
          'QualificationTypeId',
          'Name',
          'Description',
          'Keywords',
          'QualificationTypeStatus',
          'RetryDelayInSeconds',
          'AutoGrantedValue',
        ])
          expect(seen17[f], f).toEqual(created[f]);
        // the legacy answer writes whole seconds, 2017 epoch seconds with a fraction
        expect(Math.floor(when(seen17.CreationTime) / 1000)).toBe(when(created.CreationTime) / 1000);

        // a Worker requests it (Worker action), the owner lists and grants the request
        const WorkerId = 'A1LIFECYCLE0001';
        const request = await providerState(
          emulator.statesUrl,
          'WorkerRequestsQualification',
          TEST_REQUESTER_1.accessKeyId,
          { QualificationTypeId, WorkerId },
        );
        const pending = out(
          await client.call('GetQualificationRequests', { QualificationTypeId }),
          'GetQualificationRequests',
        );
        expect(pending.TotalNumResults).toBe(1);
        const listed = [pending.QualificationRequest].flat()[0] as Record<string, unknown>;
        expect(listed.QualificationRequestId).toBe(request.QualificationRequestId);
        expect(listed.SubjectId).toBe(WorkerId);
        out(
          await client.call('GrantQualification', {
            QualificationRequestId: request.QualificationRequestId,
            IntegerValue: 70,
          }),
          'GrantQualification',
        );
        expect(
          out(
            await client.call('GetQualificationRequests', { QualificationTypeId }),
            'GetQualificationRequests after the grant',
          ).TotalNumResults,
        ).toBe(0);

        const score = async () =>
          member(
            out(
              await client.call('GetQualificationScore', { QualificationTypeId, SubjectId: WorkerId }),
              'GetQualificationScore',
            ),
            'Qualification',
          );
        expect(await score()).toMatchObject({
          QualificationTypeId,
          SubjectId: WorkerId,
          IntegerValue: 70,
          Status: 'Granted',
        });
        out(
          await client.call('UpdateQualificationScore', {
            QualificationTypeId,
            SubjectId: WorkerId,
            IntegerValue: 85,
          }),
          'UpdateQualificationScore',
        );
        expect((await score()).IntegerValue).toBe(85);
        // the same grant through 2017, by WorkerId
        const grant17 = member(
          out(await v3.call('GetQualificationScore', { QualificationTypeId, WorkerId }), '2017 score'),
          'Qualification',
        );
        expect(grant17).toMatchObject({ WorkerId, IntegerValue: 85, Status: 'Granted' });

        out(
          await client.call('RevokeQualification', {
            SubjectId: WorkerId,
            QualificationTypeId,
            Reason: 'done',
          }),
          'RevokeQualification',
        );
        expect(
          code(await client.call('GetQualificationScore', { QualificationTypeId, SubjectId: WorkerId })),
        ).toBe('AWS.MechanicalTurk.InvalidQualificationState');
        const revoked = out(
          await client.call('GetQualificationsForQualificationType', {
            QualificationTypeId,
            Status: 'Revoked',
          }),
          'GetQualificationsForQualificationType',
        );
        expect(revoked.TotalNumResults).toBe(1);
        expect(([revoked.Qualification].flat()[0] as Record<string, unknown>).SubjectId).toBe(WorkerId);
        expect(
          out(
            await client.call('GetQualificationsForQualificationType', { QualificationTypeId }),
            'GetQualificationsForQualificationType (Granted)',
          ).TotalNumResults,
        ).toBe(0);

        const updated = member(
          out(
            await client.call('UpdateQualificationType', {
              QualificationTypeId,
              QualificationTypeStatus: 'Inactive',
            }),
            'UpdateQualificationType',
          ),
          'QualificationType',
        );
        expect(updated).toMatchObject({
          QualificationTypeStatus: 'Inactive',
          Name,
          Keywords: 'lifecycle, legacy',
        });
        out(
          await client.call('DisposeQualificationType', { QualificationTypeId }),
          'DisposeQualificationType',
        );
        expect(code(await client.call('GetQualificationType', { QualificationTypeId }))).toBe(
          'AWS.MechanicalTurk.QualificationTypeDoesNotExist',
        );
        expect(code(await v3.call('GetQualificationType', { QualificationTypeId }))).toBe(
          'AWS.MechanicalTurk.QualificationTypeDoesNotExist',
        );
      } finally {
        await client.close();
        await v3.close();
      }
    });
});
