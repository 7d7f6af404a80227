// The round trips every codec must survive, written once and driven by a table
// row per codec: sample values for every member of every operation spec,
// encodeRequest → decodeRequest (once per way of encoding a request),
// encodeResponse → decodeResponse (success), and an error envelope for every
// error in errors.json. What differs between the protocols is in the row.
import { describe, expect, it } from 'vitest';
import { wireFormOf } from '../../src/record/wire-form.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { inputMembers, messagePattern, outputMembers } from '../../src/spec/resolve.ts';
import type { Api, ErrorSpec, OperationSpec, ResolvedMember } from '../../src/spec/types.ts';
import { withCaseOperations } from '../../src/wire/cases.ts';
import type { WireRequest, WireResponse } from '../../src/wire/http-types.ts';
import {
  type Codec,
  type Credentials,
  codecFor,
  type DecodedAnswer,
  type DecodedCall,
} from '../../src/wire/index.ts';

/** What a sampled member holds where the spec leaves the value open (an enum gives its first value). */
export interface LeafValues {
  string: (m: ResolvedMember) => string;
  integer: number;
  boolean: boolean;
  timestamp: Date;
  /** Members nested deeper than this are left out (recursive shapes). */
  maxDepth: number;
  /** Items per list. */
  listLength: number;
}

/** A type-correct sampler of members. */
export function sampler(leaves: LeafValues): (m: ResolvedMember) => unknown {
  const sample = (m: ResolvedMember, depth: number): unknown => {
    switch (m.type) {
      case 'string': {
        const e = m.constraints.find((c) => c.kind === 'enum');
        return e?.kind === 'enum' ? e.values[0] : leaves.string(m);
      }
      case 'integer':
      case 'long':
        return leaves.integer;
      case 'boolean':
        return leaves.boolean;
      case 'timestamp':
        return new Date(leaves.timestamp.getTime());
      case 'structure':
        return Object.fromEntries(
          (m.members ?? []).map((mm) => [
            mm.name,
            depth > leaves.maxDepth ? undefined : sample(mm, depth + 1),
          ]),
        );
      case 'list':
        return Array.from({ length: leaves.listLength }, () => sample(m.item!, depth + 1));
    }
  };
  return (m) => sample(m, 0);
}

/** What a codec's tests work with: the specs, the codec, its protocol, one key pair and a fixed clock. */
export function codecFixture(api: Api, creds: Credentials) {
  // the golden cases' members too (a list of structures before any operation spec has one)
  const set = withCaseOperations(loadSpecs(), api);
  return {
    api,
    set,
    codec: codecFor(api),
    p: set.apis[api].protocol,
    creds,
    lookupSecret: (id: string) => (id === creds.accessKeyId ? creds.secretAccessKey : undefined),
    now: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
  };
}

type EncodeContext = Parameters<Codec['encodeRequest']>[4];
type ResponseContext = Parameters<Codec['encodeResponse']>[3];

export interface RoundTripRow extends ReturnType<typeof codecFixture> {
  /** The codec's name in the test titles. */
  name: string;
  sample: (m: ResolvedMember) => unknown;
  /** The ways of encoding a request, each round-tripped for every operation ('' titles the only one). */
  requests: Array<{
    title: string;
    ctx: EncodeContext;
    check?: (req: WireRequest, call: DecodedCall) => void;
  }>;
  /** What the success round trip is called after the operation. */
  responseTitle: string;
  /** The encodeResponse context of an operation's success, given the sampled input. */
  responseContext: (op: OperationSpec, input: Record<string, unknown>) => ResponseContext;
  /** Checks of one codec on the encoded success and what it decoded to. */
  checkSuccess?: (op: OperationSpec, res: WireResponse, answer: DecodedAnswer & { kind: 'success' }) => void;
  /** The values the error messages are filled with. */
  errorValues: Record<string, string>;
  /** Checks of one codec on an encoded error and what it decoded to. */
  checkError: (error: ErrorSpec, res: WireResponse, answer: DecodedAnswer & { kind: 'error' }) => void;
}

function sampleInput(row: RoundTripRow, members: ResolvedMember[]): Record<string, unknown> {
  return Object.fromEntries(members.map((m) => [m.name, row.sample(m)]));
}

export function describeRoundTrips(row: RoundTripRow): void {
  const { set, codec, creds, now, lookupSecret } = row;
  const ops = [...set.apis[row.api].operations.values()];

  describe(`${row.name} codec: round trips over every ${row.api} operation spec`, () => {
    it('has operations and ways of encoding requests to test', () => {
      expect(ops.length).toBeGreaterThan(0);
      expect(row.requests.length).toBeGreaterThan(0);
    });
    for (const op of ops) {
      for (const { title, ctx, check } of row.requests) {
        it(`${op.operation}${title ? ` ${title}` : ''}: encodeRequest → decodeRequest`, () => {
          const input = sampleInput(row, inputMembers(set, op));
          const req = codec.encodeRequest(set, op.operation, input, creds, ctx);
          expect(codec.claims(req)).toBe(true);
          expect(wireFormOf(loadSpecs(), req)?.api).toBe(row.api);
          const d = codec.decodeRequest(set, req, { lookupSecret });
          if (!d.ok) throw new Error(JSON.stringify(d.outcome));
          expect(d.call.operation).toBe(op.operation);
          expect(d.call.accessKeyId).toBe(creds.accessKeyId);
          expect(d.call.input).toEqual(input);
          check?.(req, d.call);
        });
      }
      it(`${op.operation}: encodeResponse → decodeResponse (${row.responseTitle})`, () => {
        const output = sampleInput(row, outputMembers(set, op));
        const input = sampleInput(row, inputMembers(set, op));
        const ctx = row.responseContext(op, input);
        const res = codec.encodeResponse(set, op.operation, { kind: 'success', output }, ctx);
        const a = codec.decodeResponse(set, op.operation, res);
        expect(a.problems).toEqual([]);
        if (a.kind !== 'success') throw new Error(`expected a success, decoded ${a.kind}`);
        expect(a.output).toEqual(output);
        row.checkSuccess?.(op, res, a);
      });
    }
  });

  describe(`${row.name} codec: error envelopes for every error in errors.json`, () => {
    for (const [id, e] of Object.entries(set.errors.errors)) {
      it(id, () => {
        const res = codec.encodeResponse(
          set,
          'RejectAssignment',
          { kind: 'error', error: id, values: row.errorValues },
          { requestId: 'r', now },
        );
        const a = codec.decodeResponse(set, 'RejectAssignment', res);
        expect(a.problems).toEqual([]);
        if (a.kind !== 'error') throw new Error(`expected an error, decoded ${a.kind}`);
        expect(a.code).toBe(e.code);
        expect(a.message).toMatch(messagePattern(e.message, row.p.errorEnvelope.messageSuffixPattern));
        row.checkError(e, res, a);
      });
    }
  });
}
