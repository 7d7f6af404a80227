// The client check catalogue, generated from the specs: for every API version
// and operation, checks that a client puts the right request on the wire,
// hands back what the server said, surfaces errors with their codes, deals
// with invalid input and retries transient faults. Each check drives the
// client against the mock (handlers.ts) with a script and inspects what the
// mock recorded. Nothing here names an operation, a member or an error code.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import fc from 'fast-check';
import { oneViolation, validInput } from '../arbitraries/input.ts';
import { outputValue } from '../arbitraries/values.ts';
import { caseLoop } from '../checks/cases.ts';
import type { CheckHead } from '../checks/types.ts';
import { DEFAULT_FIXTURES_DIR, type LoadedFixture, loadFixtures } from '../fixtures/load.ts';
import { diffRecord } from '../mock/compare.ts';
import type { MockHandlers } from '../mock/handlers.ts';
import type { ClientResult, ClientUnderTest, MockScript, RecordedExchange } from '../mock/types.ts';
import { fillMessage, inputMembers, outputMembers, severityOf } from '../spec/resolve.ts';
import { projectGroups, valuesAt } from '../spec/response-groups.ts';
import type { Api, Basis, OperationSpec, ResolvedMember, Severity, SpecSet } from '../spec/types.ts';
import { caseRequestProblems, wireCases } from '../wire/cases.ts';
import type { Codec, DecodedAnswer } from '../wire/codec.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { headerValue } from '../wire/http-types.ts';
import { codecsFor } from '../wire/index.ts';
import { soapWireProblems } from '../wire/soap.ts';

export type ClientCheckName = string;

export interface ClientCheckEnv {
  set: SpecSet;
  client: ClientUnderTest;
  mock: MockHandlers;
  runs: number;
  seed: number;
}

export interface ClientCheckOutcome {
  status: 'passed' | 'failed' | 'not-run';
  detail: string;
  request?: string;
  response?: string;
  counterexample?: string;
  notRunReason?: string;
  /** cases run */
  cases?: number;
}

/** A client check of either family: against the mock (`client.<check>`) or end to end (`e2e.<rule id>`). */
export interface ClientFamilyCheckDef<Env> extends CheckHead {
  /** its `check`: `client.<check>` or `e2e.<rule id>` */
  summary: string;
  /** The spec rule the check enforces: file and JSON pointer (and, for e2e, the rule text). */
  rule: string;
  run(env: Env): Promise<ClientCheckOutcome>;
}

export type ClientCheckDef = ClientFamilyCheckDef<ClientCheckEnv>;

interface Failure {
  detail: string;
  exchange?: RecordedExchange;
  counterexample?: unknown;
}

const MAX_TEXT = 4000;

/** `s`, cut to `n` characters with a note of how much was left out (texts for reports). */
export function clip(s: string, n = MAX_TEXT): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s;
}

export function formatRequest(r: WireRequest): string {
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return clip(`${r.method} ${r.path}${r.query ? `?${r.query}` : ''}\n${headers}\n\n${r.body}`);
}

export function formatResponse(r: WireResponse): string {
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return clip(`HTTP ${r.status}\n${headers}\n\n${r.body}`);
}

/** A value as JSON for a report (Dates as ISO-8601), cut to `max` characters. */
export function showJson(v: unknown, max = 2000): string {
  return clip(
    JSON.stringify(v, (_k, x) => (x instanceof Date ? x.toISOString() : x)),
    max,
  );
}

/** What a client handed back, for a report. */
export function showResult(r: ClientResult, max = 2000): string {
  return 'error' in r ? `error ${showJson(r.error, max)}` : `output ${showJson(r.output, max)}`;
}

function codecOf(set: SpecSet, api: Api): Codec {
  const c = codecsFor(set).find((x) => x.api === api);
  if (!c) throw new Error(`no codec for ${api}`);
  return c;
}

/** The id, api, operation, check (`client.<name>`) and severity of a client check of `op`. */
function clientHead(op: OperationSpec, name: string, severity: Severity): CheckHead {
  const check = `client.${name}`;
  return { id: `${op.api}/${op.operation}/${check}`, api: op.api, operation: op.operation, check, severity };
}

function fileOf(set: SpecSet, doc: object, fallback: string): string {
  return set.files.get(doc) ?? fallback;
}

/** Calls the client; a harness failure (a driver that crashed, hung or misbehaved) becomes a Failure. */
async function callClient(
  env: ClientCheckEnv,
  op: string,
  input: Record<string, unknown>,
  options: { responseGroups?: string[] } = {},
): Promise<{ result: ClientResult } | { failure: Failure }> {
  try {
    // the faults the script will answer tell a driver how much back-off to wait for
    return {
      result: await env.client.call(op, input, { ...options, faultAnswers: env.mock.faultAnswersAhead() }),
    };
  } catch (e) {
    return {
      failure: {
        detail: `the client could not be run: ${e instanceof Error ? e.message : String(e)}`,
        counterexample: input,
      },
    };
  }
}

/** A failed case of the mock family, thrown so the case loop can shrink its value. */
class CaseFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

/**
 * Runs `runs` cases of `arb` (seeded) through the shared case loop (src/checks/cases.ts): the
 * first failing value is shrunk and the failure of the shrunk value is reported.
 */
async function forSamples<T>(
  env: ClientCheckEnv,
  arb: fc.Arbitrary<T>,
  runs: number,
  body: (value: T, i: number) => Promise<Failure | undefined>,
  seedOffset = 0,
  shrinkBudget = 100,
): Promise<ClientCheckOutcome> {
  const n = Math.max(1, runs);
  const r = await caseLoop(
    arb,
    { seed: env.seed + seedOffset, numRuns: n, shrinkBudget },
    async (v, caseNo) => {
      env.mock.reset();
      const f = await body(v, caseNo - 1);
      if (f) throw new CaseFailed(f);
    },
  );
  if (r.kind === 'passed') return { status: 'passed', detail: `${n} cases`, cases: n };
  const f: Failure =
    r.kind === 'failed' && r.error instanceof CaseFailed
      ? r.error.failure
      : {
          detail: `the check could not complete: ${r.error instanceof Error ? r.error.message : String(r.error)}`,
        };
  return {
    status: 'failed',
    detail: `case ${r.kind === 'failed' ? r.caseNo : 1} of ${n}${r.kind === 'failed' && r.flaky ? ' (the shrunk case passed when replayed: the client is not deterministic)' : ''}: ${f.detail}`,
    ...(f.exchange
      ? { request: formatRequest(f.exchange.request), response: formatResponse(f.exchange.response) }
      : {}),
    ...(f.counterexample !== undefined ? { counterexample: showJson(f.counterexample) } : {}),
    cases: r.kind === 'failed' ? r.caseNo : 1,
  };
}

export function outputArb(set: SpecSet, op: OperationSpec): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const m of outputMembers(set, op)) model[m.name] = outputValue(m);
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Values for an error's message template: from the input where it has the name, free text otherwise. */
export function errorValuesArb(
  set: SpecSet,
  errorId: string,
  input: Record<string, unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  const e = set.errors.errors[errorId]!;
  const names = [...new Set([...e.placeholders, ...(e.data ?? [])])];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const n of names) model[n] = input[n] !== undefined ? fc.constant(input[n]) : MESSAGE_TEXT_ARB;
  return fc.record(model);
}

/** Free text for a message placeholder (one arbitrary for all: building it is not free). */
const MESSAGE_TEXT_ARB = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme-ascii' });

function decodeAnswer(
  set: SpecSet,
  api: Api,
  op: string,
  ex: RecordedExchange | undefined,
): DecodedAnswer | undefined {
  if (!ex) return undefined;
  // the codec of the request's wire form (REST or SOAP for 2014-08-15)
  const codec = codecsFor(set).find((c) => c.api === api && c.claims(ex.request)) ?? codecOf(set, api);
  return codec.decodeResponse(set, op, ex.response);
}

// ---------------------------------------------------------------------------
// the checks

/** Signing backed only by an inferred fact gets its own should-level check (client.signature). */
function signingInferred(set: SpecSet, api: Api): boolean {
  return severityOf(set.apis[api].protocol.signing.basis) === 'should';
}

function wireRequestCheck(set: SpecSet, op: OperationSpec): ClientCheckDef {
  const api = op.api;
  const p = set.apis[api].protocol;
  const headerBases: Basis[] = Object.values(p.request?.headers ?? {}).map((h) => h.basis);
  const members = inputMembers(set, op);
  const separateSignature = signingInferred(set, api);
  return {
    ...clientHead(
      op,
      'wire-request',
      severityOf(op.basis, p.basis, ...headerBases, ...(separateSignature ? [] : [p.signing.basis])),
    ),
    summary: `A valid input goes on the wire as a request the spec accepts: method, path, headers, ${
      separateSignature
        ? 'common parameters (the signature is client.signature)'
        : 'signature or common parameters'
    }, and members equal to the input.`,
    rule: `${fileOf(set, p, `protocols/${api}.json`)}#/request${separateSignature ? '' : ' and #/signing'}; ${fileOf(set, op, `${api}/${op.operation}.json`)}#/input`,
    run: (env) =>
      forSamples(env, validInput(set, op), env.runs, async (input) => {
        env.mock.setScript({ kind: 'success', output: {} });
        const r = await callClient(env, op.operation, input);
        if ('failure' in r) return r.failure;
        const ex = env.mock.exchanges[0];
        if (!ex)
          return {
            detail: `the client sent no request for a valid input (it returned ${showResult(r.result)})`,
            counterexample: input,
          };
        return wireProblems(set, op, members, input, ex, separateSignature);
      }),
  };
}

function signatureCheck(set: SpecSet, op: OperationSpec): ClientCheckDef | undefined {
  const api = op.api;
  const p = set.apis[api].protocol;
  if (!signingInferred(set, api)) return undefined;
  const schemes = (p.signing.schemes ?? []).map((x) => x.name);
  return {
    ...clientHead(op, 'signature', severityOf(p.signing.basis)),
    summary: `The request is signed for the test credentials by one of the spec's schemes${
      schemes.length ? ` (${schemes.join(', ')})` : ''
    }.`,
    rule: `${fileOf(set, p, `protocols/${api}.json`)}#/signing`,
    run: (env) =>
      forSamples(
        env,
        validInput(set, op),
        env.runs,
        async (input) => {
          env.mock.setScript({ kind: 'success', output: {} });
          const r = await callClient(env, op.operation, input);
          if ('failure' in r) return r.failure;
          const ex = env.mock.exchanges[0];
          if (!ex) return { detail: 'the client sent no request for a valid input', counterexample: input };
          if (ex.ignoringSignature && ex.refused)
            return {
              detail: `the mock refused the signature with ${ex.refused.error}${
                Object.keys(ex.refused.values).length ? ` (${showJson(ex.refused.values)})` : ''
              }`,
              exchange: ex,
              counterexample: input,
            };
          return undefined;
        },
        20,
      ),
  };
}

function wireProblems(
  set: SpecSet,
  op: OperationSpec,
  members: ResolvedMember[],
  input: Record<string, unknown>,
  ex: RecordedExchange,
  ignoreSignature = false,
): Failure | undefined {
  const p = set.apis[op.api].protocol;
  const problems: string[] = [];
  const view =
    ignoreSignature && ex.ignoringSignature
      ? { decoded: ex.ignoringSignature.decoded, refused: ex.ignoringSignature.refused }
      : { decoded: ex.decoded, refused: ex.refused };
  if (ex.unclaimed) problems.push(ex.unclaimed);
  if (!p.http.methods.includes(ex.request.method.toUpperCase()))
    problems.push(`method ${ex.request.method}, expected one of ${p.http.methods.join(', ')}`);
  if (ex.request.path !== p.http.path) problems.push(`path ${ex.request.path}, expected ${p.http.path}`);
  for (const [name, h] of Object.entries(p.request?.headers ?? {})) {
    const want = fillMessage(h.value, { targetPrefix: p.targetPrefix ?? '', operation: op.operation });
    const got = headerValue(ex.request.headers, name);
    const bare = (v: string) => v.split(';')[0]!.trim().toLowerCase();
    if (got === undefined) problems.push(`header ${name} is missing (expected ${want})`);
    else if (bare(got) !== bare(want))
      problems.push(`header ${name} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  problems.push(...soapWireProblems(set, ex.request));
  const d = view.decoded;
  if (d && view.refused)
    problems.push(
      `the mock refused the request with ${view.refused.error}${
        Object.keys(view.refused.values).length ? ` (${showJson(view.refused.values)})` : ''
      }${!d.ok && d.operation && d.operation !== op.operation ? ` for operation ${d.operation}` : ''}`,
    );
  if (d?.ok) {
    if (d.call.operation !== op.operation)
      problems.push(`the request calls ${d.call.operation}, expected ${op.operation}`);
    else
      problems.push(
        ...diffRecord(input, d.call.input, members, '', {
          emptyListIsAbsent: p.lists === 'repeated-element',
        }).map((x) => `member ${x}`),
      );
  }
  return problems.length ? { detail: problems.join('; '), exchange: ex, counterexample: input } : undefined;
}

/** A request carries only the members the operation declares (should: the documented input is taken as complete). */
function undeclaredMembersCheck(set: SpecSet, op: OperationSpec): ClientCheckDef {
  const api = op.api;
  return {
    ...clientHead(op, 'undeclared-members', 'should'),
    summary:
      'A request carries only the members the operation declares (a client adding members of its own, e.g. "Force": true, relies on what the API does not document).',
    rule: `${fileOf(set, op, `${api}/${op.operation}.json`)}#/input [INF: the documented input is taken as complete]`,
    run: (env) =>
      forSamples(env, validInput(set, op), env.runs, async (input) => {
        env.mock.setScript({ kind: 'success', output: {} });
        const r = await callClient(env, op.operation, input);
        if ('failure' in r) return r.failure;
        const ex = env.mock.exchanges[0];
        const d = ex?.ignoringSignature?.decoded ?? ex?.decoded;
        const extra = d?.ok ? (d.call.undeclared ?? []) : [];
        return extra.length
          ? {
              detail: `the request carries ${extra.join(', ')}, which ${op.operation} does not declare`,
              ...(ex ? { exchange: ex } : {}),
              counterexample: input,
            }
          : undefined;
      }),
  };
}

/** The golden wire cases of the operation that apply to clients (specs/protocols/<api>.cases.json):
 * a request case is what the client must send for its input, a response case what it must hand back. */
function wireCaseChecks(set: SpecSet, op: OperationSpec): ClientCheckDef[] {
  const api = op.api;
  const file = `${fileOf(set, set.apis[api].cases ?? {}, `protocols/${api}.cases.json`)}`;
  return wireCases(set, api, 'client')
    .filter((c) => c.operation === op.operation && !c.members)
    .map((c) => ({
      ...clientHead(op, `case.${c.id}`, severityOf(c.basis)),
      summary: c.documentation,
      rule: `${file}#/cases/${(set.apis[api].cases?.cases ?? []).indexOf(c)}: ${c.documentation}`,
      run: async (env): Promise<ClientCheckOutcome> => {
        env.mock.reset();
        const codec = codecOf(set, api);
        const output =
          c.type === 'response'
            ? codec.decodeResponse(set, op.operation, {
                status: c.status ?? 200,
                headers: { 'content-type': set.apis[api].protocol.success.contentType },
                body: JSON.stringify(c.body),
              })
            : undefined;
        env.mock.setScript({
          kind: 'success',
          output: output?.kind === 'success' ? output.output : {},
        });
        // a response case needs only some valid call to answer
        const input =
          c.input ??
          fc.sample(validInput(set, op, { requiredOnly: true }), { seed: env.seed, numRuns: 1 })[0] ??
          {};
        const r = await callClient(env, op.operation, input);
        const ex = env.mock.exchanges.at(-1);
        const failed = (detail: string): ClientCheckOutcome => ({
          status: 'failed',
          detail: `case ${c.id}: ${detail}`,
          ...(ex ? { request: formatRequest(ex.request), response: formatResponse(ex.response) } : {}),
          counterexample: showJson(input),
          cases: 1,
        });
        if ('failure' in r) return failed(r.failure.detail);
        if (!ex) return failed(`the client sent nothing (it returned ${showResult(r.result)})`);
        if (c.type === 'request') {
          const problems = caseRequestProblems(set, api, c, ex.request);
          if (problems.length) return failed(problems.join('; '));
        } else {
          if (!('output' in r.result)) return failed(`the client returned ${showResult(r.result)}`);
          // compared member by member, timestamps as instants (a client may write them its own way)
          const diffs = diffRecord(c.output ?? {}, r.result.output, outputMembers(set, op), '');
          if (diffs.length)
            return failed(
              `the client handed back ${showJson(r.result.output)}, expected ${showJson(c.output)}: ${diffs.join('; ')}`,
            );
        }
        return { status: 'passed', detail: `case ${c.id}`, cases: 1 };
      },
    }));
}

function outputCheck(set: SpecSet, op: OperationSpec): ClientCheckDef {
  const api = op.api;
  const p = set.apis[api].protocol;
  const members = outputMembers(set, op);
  return {
    ...clientHead(op, 'output', severityOf(op.basis, p.success.basis)),
    summary:
      'The output the client hands back equals what the server sent (timestamps compared as instants, unicode strings intact, empty and full lists).',
    rule: `${fileOf(set, op, `${api}/${op.operation}.json`)}#/output; ${fileOf(set, p, `protocols/${api}.json`)}#/success`,
    run: (env) =>
      forSamples(
        env,
        fc.tuple(
          validInput(set, op),
          // epoch-second timestamps may be fractional on the wire: half the cases carry milliseconds
          p.timestamps === 'epoch-seconds'
            ? fc
                .tuple(outputArb(set, op), fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }))
                .map(([o, ms]) =>
                  ms === undefined ? o : (withMilliseconds(o, ms) as Record<string, unknown>),
                )
            : outputArb(set, op),
        ),
        env.runs,
        async ([input, output]) => {
          env.mock.setScript({ kind: 'success', output });
          const r = await callClient(env, op.operation, input);
          if ('failure' in r) return r.failure;
          const ex = env.mock.exchanges.at(-1);
          if ('error' in r.result)
            return {
              detail: `the client returned ${showResult(r.result)} for a successful answer`,
              ...(ex ? { exchange: ex } : {}),
              counterexample: { input, served: output },
            };
          const diffs = diffRecord(output, r.result.output, members, '', {
            emptyListIsAbsent: p.lists === 'repeated-element',
          });
          return diffs.length
            ? {
                detail: `the output differs from what was served: ${diffs.join('; ')}`,
                ...(ex ? { exchange: ex } : {}),
                counterexample: { input, served: output, returned: r.result.output },
              }
            : undefined;
        },
        1,
      ),
  };
}

/**
 * 2014-08-15 operations with response groups: asked (through the client's option) for one group,
 * the client sends it and hands back what the answer for it holds.
 */
function responseGroupChecks(set: SpecSet, op: OperationSpec): ClientCheckDef[] {
  const rg = op.output.responseGroups;
  if (!rg) return [];
  const api = op.api;
  const p = set.apis[api].protocol;
  const members = outputMembers(set, op);
  const file = fileOf(set, op, `${api}/${op.operation}.json`);
  return Object.entries(rg.groups).flatMap(([name, g]) => {
    const adds = g.adds ?? [];
    if (!adds.length) return [];
    const shows = (o: Record<string, unknown>) =>
      adds.some((path) => valuesAt(o, path).some((v) => v !== undefined));
    const def: ClientCheckDef = {
      ...clientHead(op, `response-group.${name}`, severityOf(op.basis, p.success.basis, rg.basis, g.basis)),
      summary: `Asked for ResponseGroup=${name}, the client sends it and hands back the answer for it: what ${name} adds (${adds.join(', ')}) and the members no group names.`,
      rule: `${file}#/output/responseGroups/groups/${name}`,
      run: (env) =>
        forSamples(
          env,
          fc.tuple(
            validInput(set, op),
            outputArb(set, op)
              .map((o) => projectGroups(op, o, [name]))
              .filter(shows),
          ),
          env.runs,
          async ([input, served]) => {
            env.mock.setScript({ kind: 'success', output: served });
            const r = await callClient(env, op.operation, input, { responseGroups: [name] });
            if ('failure' in r) return r.failure;
            const ex = env.mock.exchanges.at(-1);
            const asked = ex?.decoded?.ok ? ex.decoded.call.responseGroups : undefined;
            const problems: string[] = [];
            if (asked && !asked.includes(name))
              problems.push(
                `the request did not ask for ResponseGroup=${name} (it named ${asked.length ? asked.join(', ') : 'none'})`,
              );
            if ('error' in r.result)
              problems.push(`the client returned ${showResult(r.result)} for a successful answer`);
            else
              problems.push(
                ...diffRecord(served, r.result.output, members, '', {
                  emptyListIsAbsent: p.lists === 'repeated-element',
                }).map((d) => `the output differs from what was served: ${d}`),
              );
            return problems.length
              ? {
                  detail: problems.join('; '),
                  ...(ex ? { exchange: ex } : {}),
                  counterexample: { input, responseGroups: [name], served },
                }
              : undefined;
          },
          2,
        ),
    };
    return [def];
  });
}

/** A copy with `ms` milliseconds added to every Date. */
function withMilliseconds(v: unknown, ms: number): unknown {
  if (v instanceof Date) return new Date(v.getTime() + ms);
  if (Array.isArray(v)) return v.map((x) => withMilliseconds(x, ms));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, withMilliseconds(x, ms)]),
    );
  return v;
}

/** Error ids the operation's rules can answer with (no faults); the protocol's `invalid` error when none. */
export function operationErrors(set: SpecSet, op: OperationSpec): string[] {
  const ids = new Set<string>();
  for (const r of op.behaviour.rules) {
    if (r.error && set.errors.errors[r.error] && !set.errors.errors[r.error]!.fault) ids.add(r.error);
  }
  if (!ids.size) ids.add(set.apis[op.api].protocol.validation.invalid);
  return [...ids];
}

/** Error type namespaces (`{namespace}#{type}` forms) and URIs (`{uri}` forms), built once, on first use. */
let typeFormFills: { namespace: fc.Arbitrary<string>; uri: fc.Arbitrary<string> } | undefined;
function typeFormFillArbs(): { namespace: fc.Arbitrary<string>; uri: fc.Arbitrary<string> } {
  typeFormFills ??= {
    namespace: fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,3}$/),
    uri: webUriArb(),
  };
  return typeFormFills;
}

/**
 * Web URLs like fc.webUrl's (scheme, domain, optional port, path segments of unreserved and
 * sub-delimiter characters, ':' and '@' and percent-encoded bytes, empty segments too), without
 * its percent-character table: building that took ~0.6 s and kept ~85 MB alive per process.
 */
function webUriArb(): fc.Arbitrary<string> {
  const plain = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';
  const special = "!$&'()*+,;=:@";
  const pathChar = fc.oneof(
    { arbitrary: fc.constantFrom(...plain), weight: 6 },
    { arbitrary: fc.constantFrom(...special), weight: 2 },
    {
      arbitrary: fc
        .integer({ min: 0, max: 255 })
        .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`),
      weight: 1,
    },
  );
  const segment = fc.array(pathChar, { maxLength: 8 }).map((cs) => cs.join(''));
  return fc
    .tuple(
      fc.constantFrom('http', 'https'),
      fc.domain(),
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      fc.array(segment, { maxLength: 4 }),
    )
    .map(
      ([scheme, host, port, path]) =>
        `${scheme}://${host}${port === undefined ? '' : `:${port}`}${path.map((x) => `/${x}`).join('')}`,
    );
}

function errorCodeCheck(set: SpecSet, op: OperationSpec): ClientCheckDef {
  const api = op.api;
  const p = set.apis[api].protocol;
  const env0 = p.errorEnvelope;
  // The operation's request errors; plus, in the last case of each type form, a fault that travels as
  // the protocol's own fault type (ServiceFault in 2017-01-17). Every attempt of that call fails, so
  // the client surfaces it after its retries; once per operation only, because each such call costs
  // the client's whole back-off (boto3's default: up to 15 s) and spends its retry quota.
  const faults = Object.entries(set.errors.errors)
    .filter(([, e]) => e.fault && !e.wireType?.[api])
    .map(([id]) => id);
  const errors = operationErrors(set, op);
  const forms = env0.typeForms?.length ? env0.typeForms : [undefined];
  // What a client relies on is the envelope (status, type forms, fields, placement), not when a
  // server chooses an error, so only the envelope's evidence sets the severity.
  const bases: (Basis | undefined)[] = [
    env0.request?.basis,
    env0.typeFormsBasis,
    env0.statusBasis,
    ...(env0.placement ?? []).map((x) => x.basis),
  ];
  return {
    ...clientHead(op, 'error-code', severityOf(...bases)),
    summary: `An error answer reaches the user with its type, TurkErrorCode (legacy: Code) and message${
      env0.typeForms?.length ? `, for each error type form (${env0.typeForms.join(', ')})` : ''
    }.`,
    rule: `${fileOf(set, p, `protocols/${api}.json`)}#/errorEnvelope`,
    run: async (env) => {
      const per = Math.max(1, Math.ceil(env.runs / forms.length));
      let cases = 0;
      for (let f = 0; f < forms.length; f++) {
        const form = forms[f];
        // Only the message values depend on the input and the error: the namespace and uri
        // arbitraries are built once, not inside the chain for every case (building
        // stringMatching and webUrl was most of this check's time).
        const fills = typeFormFillArbs();
        const arb = fc
          .tuple(validInput(set, op), fc.constantFrom(...errors), fills.namespace, fills.uri)
          .chain(([input, error, namespace, uri]) =>
            errorValuesArb(set, error, input).map((values) => ({ input, error, values, namespace, uri })),
          );
        const out = await forSamples(
          env,
          arb,
          per,
          async (c0, i) => {
            // one fault per operation, in the last form (each costs the client's whole back-off)
            const faultCase = f === forms.length - 1 && (per > 1 ? i === per - 1 : forms.length > 1);
            const fault = faultCase ? faults[op.operation.length % Math.max(1, faults.length)] : undefined;
            const c = fault
              ? {
                  ...c0,
                  error: fault,
                  values: fc.sample(errorValuesArb(set, fault, c0.input), {
                    seed: env.seed + i,
                    numRuns: 1,
                  })[0]!,
                }
              : c0;
            const script: MockScript = {
              kind: 'error',
              error: c.error,
              values: c.values,
              ...(form ? { typeForm: form, namespace: c.namespace, uri: c.uri } : {}),
            };
            env.mock.setScript(script);
            const r = await callClient(env, op.operation, c.input);
            if ('failure' in r) return r.failure;
            const ex = env.mock.exchanges.at(-1);
            const answer = decodeAnswer(set, api, op.operation, ex);
            const context = { ...(ex ? { exchange: ex } : {}), counterexample: { ...c, typeForm: form } };
            if (!ex || !answer || answer.kind !== 'error')
              return {
                detail:
                  'the mock did not answer with an error (the request was refused before the script ran?)',
                ...context,
              };
            if (!('error' in r.result))
              return {
                detail: `the client returned ${showResult(r.result)} for an error answer`,
                ...context,
              };
            const got = r.result.error;
            const problems: string[] = [];
            const wantCode = answer.typeName ?? answer.code;
            if (got.code !== wantCode)
              problems.push(`code ${JSON.stringify(got.code)}, expected ${JSON.stringify(wantCode)}`);
            if (answer.code !== undefined) {
              if (answer.typeName !== undefined && got.turkErrorCode !== answer.code)
                problems.push(
                  `TurkErrorCode ${JSON.stringify(got.turkErrorCode)}, expected ${JSON.stringify(answer.code)}`,
                );
              if (
                answer.typeName === undefined &&
                got.turkErrorCode !== undefined &&
                got.turkErrorCode !== answer.code
              )
                problems.push(
                  `TurkErrorCode ${JSON.stringify(got.turkErrorCode)}, expected ${JSON.stringify(answer.code)}`,
                );
            }
            if (answer.message !== undefined && got.message !== answer.message)
              problems.push(
                `message ${JSON.stringify(got.message)}, expected ${JSON.stringify(answer.message)}`,
              );
            return problems.length
              ? { detail: `${form ? `type form ${form}: ` : ''}${problems.join('; ')}`, ...context }
              : undefined;
          },
          2 + f,
          // error answers may be retried by the client: shrinking would drain its retry budget
          0,
        );
        cases += out.cases ?? 0;
        if (out.status !== 'passed') return out;
      }
      return { status: 'passed', detail: `${cases} cases over ${forms.length} error type form(s)`, cases };
    },
  };
}

/** The recorded real answers of one operation (fixtures/<api>/), loaded once. */
let recordedCache: LoadedFixture[] | undefined;
function recordedAnswers(): LoadedFixture[] {
  if (recordedCache) return recordedCache;
  try {
    recordedCache = existsSync(DEFAULT_FIXTURES_DIR) ? loadFixtures(DEFAULT_FIXTURES_DIR) : [];
  } catch {
    recordedCache = []; // a broken fixture is reported by the fixture tests, not here
  }
  return recordedCache;
}

/**
 * client.fixtures.<name>: the mock answers with a real recorded answer (a whole JSON document,
 * so 2017 only) and the client must read it: a success hands back what the recording holds, an
 * error surfaces the recorded type, TurkErrorCode and message.
 */
function recordedAnswerChecks(set: SpecSet, op: OperationSpec): ClientCheckDef[] {
  const api = op.api;
  const p = set.apis[api].protocol;
  const env0 = p.errorEnvelope;
  if (p.lists !== 'json-array') return [];
  return recordedAnswers()
    .filter((lf) => lf.api === api && lf.operation === op.operation)
    .map((lf): ClientCheckDef => {
      const f = lf.fixture;
      const name = basename(lf.file).replace(/\.json$/, '');
      const doc = JSON.parse(f.response.body) as Record<string, unknown>;
      const typeField = env0.body?.typeField ?? '__type';
      const isError = typeof doc[typeField] === 'string';
      const status = f.response.status ?? (isError ? (env0.request?.status ?? 400) : p.success.status);
      return {
        ...clientHead(
          op,
          `fixtures.${name}`,
          severityOf(op.basis, isError ? env0.request?.basis : p.success.basis),
        ),
        summary: `The client reads a real recorded answer (${f.provenance.source}${
          // a rendering shows some members only: the mock serves those (TurkErrorCode is optional in the model)
          f.response.rendering !== undefined ? ', the members its client rendering shows' : ''
        }): ${
          isError
            ? 'it surfaces the recorded error type, TurkErrorCode and message'
            : 'it hands back what the recording holds'
        }.`,
        rule: `fixtures/${lf.file}#/response (${f.provenance.note.slice(0, 120)})`,
        run: async (env) => {
          env.mock.reset();
          env.mock.setScript({ kind: 'recorded', status, body: f.response.body });
          const input = fc.sample(validInput(set, op, { requiredOnly: true }), {
            seed: env.seed,
            numRuns: 1,
          })[0]!;
          const r = await callClient(env, op.operation, input);
          const ex = env.mock.exchanges.at(-1);
          const failed = (detail: string): ClientCheckOutcome => ({
            status: 'failed',
            detail,
            ...(ex ? { request: formatRequest(ex.request), response: formatResponse(ex.response) } : {}),
            counterexample: showJson(input),
            cases: 1,
          });
          if ('failure' in r) return failed(r.failure.detail);
          const answer = decodeAnswer(set, api, op.operation, ex);
          if (!ex || !answer) return failed('the mock saw no request from the client');
          if (isError) {
            if (!('error' in r.result))
              return failed(`the client returned ${showResult(r.result)} for the recorded error answer`);
            const got = r.result.error;
            const problems: string[] = [];
            if (got.code !== doc[typeField])
              problems.push(`code ${JSON.stringify(got.code)}, recorded ${JSON.stringify(doc[typeField])}`);
            const code = env0.body?.codeField ? doc[env0.body.codeField] : undefined;
            if (code !== undefined && got.turkErrorCode !== code)
              problems.push(
                `TurkErrorCode ${JSON.stringify(got.turkErrorCode)}, recorded ${JSON.stringify(code)}`,
              );
            const message = env0.body?.messageField ? doc[env0.body.messageField] : undefined;
            if (message !== undefined && got.message !== message)
              problems.push(`message ${JSON.stringify(got.message)}, recorded ${JSON.stringify(message)}`);
            return problems.length
              ? failed(problems.join('; '))
              : { status: 'passed', detail: '1 recorded answer', cases: 1 };
          }
          if ('error' in r.result)
            return failed(`the client returned ${showResult(r.result)} for the recorded success answer`);
          if (answer.kind !== 'success') return failed('the recorded answer does not decode as a success');
          const diffs = diffRecord(answer.output, r.result.output, outputMembers(set, op), '', {
            emptyListIsAbsent: false,
          });
          return diffs.length
            ? failed(`the output differs from the recorded answer: ${diffs.join('; ')}`)
            : { status: 'passed', detail: '1 recorded answer', cases: 1 };
        },
      };
    });
}

function invalidInputCheck(set: SpecSet, op: OperationSpec): ClientCheckDef | undefined {
  const api = op.api;
  const p = set.apis[api].protocol;
  const probe = oneViolation(set, op, { seed: 1 });
  if (!probe.length) return undefined;
  return {
    ...clientHead(op, 'invalid-input', 'should'),
    summary:
      "An input that breaks one constraint is either refused by the client before sending, or sent and the server's error is surfaced; it is never silently made valid.",
    rule: `${fileOf(set, op, `${api}/${op.operation}.json`)}#/input; ${fileOf(set, p, `protocols/${api}.json`)}#/validation`,
    run: async (env) => {
      const cases = oneViolation(set, op, { seed: env.seed });
      let n = 0;
      for (const c of cases) {
        env.mock.reset();
        env.mock.setScript({ kind: 'success', output: {} });
        n++;
        const r = await callClient(env, op.operation, c.input);
        const fail = (detail: string, ex?: RecordedExchange): ClientCheckOutcome => ({
          status: 'failed',
          detail: `${c.key} (${c.label}): ${detail}`,
          ...(ex ? { request: formatRequest(ex.request), response: formatResponse(ex.response) } : {}),
          counterexample: showJson(c.input),
          cases: n,
        });
        if ('failure' in r) return fail(r.failure.detail);
        const ex = env.mock.exchanges.at(-1);
        if (!ex) {
          if ('error' in r.result) continue; // refused locally
          return fail(`the client sent nothing yet returned ${showResult(r.result)}`);
        }
        if (!ex.refused)
          return fail(
            `the client changed the invalid input into a valid request (the mock accepted it) and returned ${showResult(r.result)}`,
            ex,
          );
        const answer = decodeAnswer(set, api, op.operation, ex);
        if (!('error' in r.result))
          return fail(`the server refused the request but the client returned ${showResult(r.result)}`, ex);
        const code = answer?.kind === 'error' ? answer.code : undefined;
        if (code !== undefined && r.result.error.turkErrorCode !== code && r.result.error.code !== code)
          return fail(`the server answered ${code} but the client surfaced ${showJson(r.result.error)}`, ex);
      }
      return { status: 'passed', detail: `${n} one-violation inputs`, cases: n };
    },
  };
}

/**
 * Cases per retry check, whatever `runs` is. A retry is a behaviour of the client's transport,
 * decided on the answer (the fault's status and type), not a property of the values sent: every
 * case gets the same fault answer, so further cases only add the client's own back-off (up to a
 * second per retry for throttling in SDK v3) without exercising anything new. The values the
 * client sends and hands back are judged by client.wire-request and client.output over `runs`
 * cases.
 */
export const RETRY_CASES = 1;

/** The retry family of a fault error, named after its 2017 wire type (ThrottlingException → throttling). */
function retryFamily(set: SpecSet, errorId: string): string {
  const e = set.errors.errors[errorId]!;
  const modern = Object.values(set.apis).find((a) => a.protocol.errorEnvelope.fault?.type);
  const type = Object.values(e.wireType ?? {})[0] ?? modern?.protocol.errorEnvelope.fault?.type ?? errorId;
  return type.replace(/Exception$/, '').toLowerCase();
}

function retryChecks(set: SpecSet, op: OperationSpec): ClientCheckDef[] {
  const api = op.api;
  const p = set.apis[api].protocol;
  const faults = Object.entries(set.errors.errors).filter(([, e]) => e.fault);
  return faults.map(([errorId, e]) => {
    const check = `client.retry-${retryFamily(set, errorId)}`;
    return {
      id: `${api}/${op.operation}/${check}`,
      api,
      operation: op.operation,
      check,
      severity: 'should' as Severity,
      summary: `After one ${errorId} answer (${e.code}) the client retries and hands back the success that follows.`,
      rule: `errors.json#/errors/${errorId}; ${fileOf(set, p, `protocols/${api}.json`)}#/errorEnvelope`,
      run: (env) =>
        forSamples(
          env,
          fc.tuple(validInput(set, op), outputArb(set, op)),
          RETRY_CASES,
          async ([input, output]) => {
            env.mock.setScript({
              kind: 'fail-then-succeed',
              error: errorId,
              values: {},
              failures: 1,
              output,
            });
            const r = await callClient(env, op.operation, input);
            if ('failure' in r) return r.failure;
            const ex = env.mock.exchanges[0];
            const n = env.mock.exchanges.length;
            if ('error' in r.result)
              return {
                detail: `the client gave up after ${n} request(s) and returned ${showResult(r.result)}`,
                ...(ex ? { exchange: ex } : {}),
                counterexample: input,
              };
            if (n < 2)
              return { detail: `the client returned success after ${n} request(s)`, counterexample: input };
            return undefined;
          },
          10,
          0, // each try is a retry the client may count against its budget
        ),
    };
  });
}

export interface CatalogueOptions {
  apis?: Api[];
  operations?: string[];
  /** check names (`client.output`) or ids to keep */
  checks?: string[];
}

/** The operation specs a catalogue covers: the selected API versions and operations, in a stable order. */
export function selectedOperations(set: SpecSet, opts: CatalogueOptions): OperationSpec[] {
  const apis = opts.apis ?? (Object.keys(set.apis) as Api[]);
  return apis.flatMap((api) =>
    [...set.apis[api].operations.values()]
      .sort((a, b) => a.operation.localeCompare(b.operation))
      .filter((op) => !opts.operations?.length || opts.operations.includes(op.operation)),
  );
}

/** Every client check for the given API versions and operations, in a stable order. */
export function clientCheckCatalogue(set: SpecSet, opts: CatalogueOptions = {}): ClientCheckDef[] {
  const out: ClientCheckDef[] = [];
  for (const op of selectedOperations(set, opts)) {
    const defs = [
      wireRequestCheck(set, op),
      undeclaredMembersCheck(set, op),
      signatureCheck(set, op),
      outputCheck(set, op),
      errorCodeCheck(set, op),
      invalidInputCheck(set, op),
      ...wireCaseChecks(set, op),
      ...retryChecks(set, op),
      ...recordedAnswerChecks(set, op),
      ...responseGroupChecks(set, op),
    ].filter((d): d is ClientCheckDef => d !== undefined);
    for (const d of defs) {
      if (opts.checks?.length && !opts.checks.includes(d.check) && !opts.checks.includes(d.id)) continue;
      out.push(d);
    }
  }
  return out;
}
