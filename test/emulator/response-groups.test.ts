// The emulator's legacy answers hold what the ResponseGroups asked for add (several at once, over
// REST and SOAP), the operation's default when none is named, and refuse an unknown group.
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { codecsFor } from '../../src/wire/index.ts';
import { stateIds } from './helpers.ts';

const set = loadSpecs();
const emulator = createEmulator({ specs: set });
const legacy = codecsFor(set).filter((c) => c.api === '2014-08-15');

function getHit(wire: string | undefined, responseGroups?: string[]) {
  const codec = legacy.find((c) => c.wire === wire)!;
  const ids = stateIds(emulator, 'HITWithSubmittedAssignment');
  const req = codec.encodeRequest(set, 'GetHIT', { HITId: ids.HITId }, TEST_REQUESTER_1, {
    host: '127.0.0.1',
    now: new Date(),
    ...(responseGroups ? { responseGroups } : {}),
  });
  const res = emulator.handleSync(req);
  return { req, res, answer: codec.decodeResponse(set, 'GetHIT', res) };
}

describe('legacy ResponseGroups in the emulator', () => {
  for (const wire of legacy.map((c) => c.wire)) {
    it(`${wire ?? 'rest'}: several groups at once, the default, an unknown group`, () => {
      const both = getHit(wire, ['Minimal', 'HITAssignmentSummary']);
      if (wire !== 'soap')
        expect(both.req.body + both.req.query).toMatch(/ResponseGroup\.2=HITAssignmentSummary/);
      else expect(both.req.body).toMatch(/<ResponseGroup>HITAssignmentSummary<\/ResponseGroup>/);
      expect(both.answer.kind).toBe('success');
      const hit = (both.answer.kind === 'success' ? both.answer.output.HIT : {}) as Record<string, unknown>;
      expect(hit.NumberOfAssignmentsCompleted).toBe(0);
      expect(hit.HITId).toBeDefined();
      expect(hit.Title).toBeUndefined();
      expect(hit.Question).toBeUndefined();

      const byDefault = getHit(wire);
      const d = (byDefault.answer.kind === 'success' ? byDefault.answer.output.HIT : {}) as Record<
        string,
        unknown
      >;
      expect(d.Title).toBeDefined();
      expect(d.Question).toBeDefined();
      expect(d.NumberOfAssignmentsPending).toBeUndefined();

      const unknown = getHit(wire, ['Minimal', 'AssignmentFeedback']);
      expect(unknown.answer.kind).toBe('error');
      if (unknown.answer.kind === 'error') expect(unknown.answer.code).toBe('AWS.InvalidEnumeratedParameter');
    });
  }
});
