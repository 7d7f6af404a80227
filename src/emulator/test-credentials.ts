// Documented, obviously fake TEST credentials of the reference emulator. They only work against
// the emulator; they are published on purpose (docs/emulator.md). Requester 1 owns what the
// conformance suite creates; requester 2 is the non-owner for ownership checks.
import type { Credentials } from '../wire/codec.ts';

export const TEST_REQUESTER_1: Credentials = {
  accessKeyId: 'AKIAMTURKCONFORMANCE1',
  secretAccessKey: 'mturk-conformance-test-secret-1',
};

export const TEST_REQUESTER_2: Credentials = {
  accessKeyId: 'AKIAMTURKCONFORMANCE2',
  secretAccessKey: 'mturk-conformance-test-secret-2',
};

export const TEST_CREDENTIALS: readonly Credentials[] = [TEST_REQUESTER_1, TEST_REQUESTER_2];
