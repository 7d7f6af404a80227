// Recorded wire exchanges of the bundled clients, one file per client, API
// version and operation (fixtures/clients/<client>/<api>/<Operation>.json).
// A fixture keeps the case it was recorded with (input, served output, served
// error); replaying the case must give the same normalised exchanges.
import fc from 'fast-check';
import { validInput } from '../arbitraries/input.ts';
import { errorValuesArb, operationErrors, outputArb } from '../client-checks/mock-checks.ts';
import { inputMembers, outputMembers } from '../spec/resolve.ts';
import type { Api, OperationSpec, ResolvedMember, SpecSet } from '../spec/types.ts';
import type { MockHandlers } from './handlers.ts';
import { type NormalisedExchange, Normaliser, normaliserRules } from './normalise.ts';
import type { ClientResult, ClientUnderTest } from './types.ts';

export interface FixtureCase {
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  error: { error: string; values: Record<string, unknown> };
}

export interface ClientFixture {
  client: string;
  api: Api;
  operation: string;
  case: FixtureCase;
  /** what the client handed back for the success and for the error */
  results: unknown[];
  exchanges: NormalisedExchange[];
}

/** A deterministic case for an operation (fast-check, fixed seed). */
export function fixtureCase(set: SpecSet, op: OperationSpec, seed = 1): FixtureCase {
  // fast-check's first samples are the smallest; a later one has unicode text and non-empty lists
  const input = fc.sample(validInput(set, op), { seed, numRuns: 8 }).at(-1);
  const output = fc.sample(outputArb(set, op), { seed: seed + 1, numRuns: 8 }).at(-1);
  const error = operationErrors(set, op)[0]!;
  const values = fc.sample(errorValuesArb(set, error, input!), { seed: seed + 2, numRuns: 8 }).at(-1);
  return { input: input!, output: output!, error: { error, values: values! } };
}

/** JSON with Dates as ISO strings. */
export function toStored<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function revive(v: unknown, m: ResolvedMember | undefined): unknown {
  if (m?.type === 'timestamp' && typeof v === 'string') return new Date(v);
  if (Array.isArray(v)) return v.map((x) => revive(x, m?.item));
  if (v !== null && typeof v === 'object') {
    const by = new Map((m?.members ?? []).map((x) => [x.name, x]));
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, revive(x, by.get(k))]),
    );
  }
  return v;
}

/** A stored case with its timestamps turned back into Dates (per the member types). */
export function reviveCase(set: SpecSet, op: OperationSpec, c: FixtureCase): FixtureCase {
  const record = (members: ResolvedMember[]): ResolvedMember => ({
    name: '',
    type: 'structure',
    shape: '',
    required: false,
    constraints: [],
    members,
  });
  return {
    input: revive(c.input, record(inputMembers(set, op))) as Record<string, unknown>,
    output: revive(c.output, record(outputMembers(set, op))) as Record<string, unknown>,
    error: c.error,
  };
}

/** Runs a case through a client against the mock and returns the normalised exchanges. */
export async function recordCase(
  set: SpecSet,
  client: ClientUnderTest,
  mock: MockHandlers,
  op: OperationSpec,
  c: FixtureCase,
): Promise<{ exchanges: NormalisedExchange[]; results: ClientResult[] }> {
  const n = new Normaliser(normaliserRules(set));
  const results: ClientResult[] = [];
  mock.reset();
  mock.setScript({ kind: 'success', output: c.output });
  results.push(await client.call(op.operation, c.input));
  mock.setScript({ kind: 'error', error: c.error.error, values: c.error.values });
  results.push(await client.call(op.operation, c.input));
  const exchanges = mock.exchanges.map((x) => n.exchange(x));
  return { exchanges, results: results.map((r) => n.value('', toStored(r))) as ClientResult[] };
}
