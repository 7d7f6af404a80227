// `mturk-conformance replay`: sends a recorded session's requests (normalise.ts) to another server
// in order, signed again with the emulator's fake test credentials, with each <id:N> reference
// mapped to the id that server handed out where the recording first saw it (a CreateHIT's HITId
// flows into the following GetHIT). Each exchange is three checks in the project's report format:
// `replay.<seq>.code` (success or error, HTTP status, error code), `replay.<seq>.shape` (members
// and their types) and `replay.<seq>.state` (the values: ids by reference, times by type only).
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { describeRequest, describeResponse } from '../checks/run.ts';
import { TEST_REQUESTER_1 } from '../emulator/test-credentials.ts';
import { type Fixture, fixtureProblems } from '../fixtures/load.ts';
import { mapStrings } from '../fixtures/normalise.ts';
import { headersOf, send } from '../http/transport.ts';
import { summarize } from '../report/merge.ts';
import type { CheckResult, ConformanceReport } from '../report/types.ts';
import { listJson, loadSpecs } from '../spec/load.ts';
import { escapeRegExp } from '../spec/resolve.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import type { Credentials, DecodedAnswer } from '../wire/codec.ts';
import { shellQuote } from '../wire/curl.ts';
import { headerValue, type WireRequest, type WireResponse } from '../wire/http-types.ts';
import { codecFor } from '../wire/index.ts';
import { isoSeconds, LEGACY_API } from '../wire/legacy.ts';
import { type LegacyScheme, legacySigning, signLegacyParams } from '../wire/legacy-signature.ts';
import { signSigV4 } from '../wire/sigv4.ts';
import { signSoap, soapBinding } from '../wire/soap.ts';
import { parseXmlSafe } from '../wire/xml.ts';
import { EPOCH_TIMESTAMP, escapeTokens, TOKEN, unescapeTokens } from './normalise.ts';
import { type WireForm, wireFormOf } from './wire-form.ts';

/** A replay that cannot run at all (exit 2): unreadable fixtures, several sessions, no endpoint. */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

export interface RecordedFixture {
  file: string;
  fixture: Fixture;
}

/**
 * The fixtures named on the command line (files, or directories read recursively), in replay
 * order: a recorded session by its sequence numbers, fixtures without a session as given.
 */
export function loadRecording(paths: string[]): RecordedFixture[] {
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...(statSync(p).isDirectory() ? listJson(p) : [p]));
    } catch (e) {
      throw new ReplayError(
        `${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
      );
    }
  }
  const out: RecordedFixture[] = [];
  for (const file of [...new Set(files)]) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ReplayError(`${file}: not a fixture: ${(e as Error).message.split('\n')[0]}`);
    }
    const problems = fixtureProblems(doc);
    if (problems.length > 0)
      throw new ReplayError(`${file}#${problems[0]!.pointer}: ${problems[0]!.message}`);
    out.push({ file, fixture: doc as Fixture });
  }
  if (out.length === 0) throw new ReplayError(`no fixtures in ${paths.join(' ')}`);
  const sessions = new Set(out.map((f) => f.fixture.session?.id ?? ''));
  if (sessions.size > 1)
    throw new ReplayError(
      `the fixtures come from ${sessions.size} recordings${sessions.has('') ? ' (or none)' : ''}: their <id:N> references would mix; replay one session at a time`,
    );
  if (!sessions.has('')) {
    out.sort((a, b) => a.fixture.session!.seq - b.fixture.session!.seq);
    for (let i = 1; i < out.length; i++)
      if (out[i]!.fixture.session!.seq === out[i - 1]!.fixture.session!.seq)
        throw new ReplayError(
          `${out[i - 1]!.file} and ${out[i]!.file} are both exchange ${out[i]!.fixture.session!.seq}`,
        );
  }
  return out;
}

/** The request a fixture holds, tokens and all (legacy parameters back on the query or in the form). */
export function recordedRequest(f: Fixture): WireRequest {
  const url = new URL(f.request.url, 'http://recorded.invalid');
  const headers = headersOf(f.request.headers ?? {});
  if (f.request.params) return paramsRequest(f.request.method, url.pathname, headers, f.request.params);
  return {
    method: f.request.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    body: f.request.body ?? '',
  };
}

/** A legacy REST request: its parameters on the query of a GET, else in the form body. */
function paramsRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  params: Record<string, string>,
): WireRequest {
  const encoded = new URLSearchParams(params).toString();
  const get = method.toUpperCase() === 'GET';
  return {
    method,
    path,
    query: get ? encoded : '',
    headers,
    body: get ? '' : encoded,
  };
}

type Bindings = Map<string, string>;

/** Fills the tokens of one request string; `missing` collects the references nothing bound. */
function fill(s: string, b: Bindings, now: Date, missing: Set<string>): string {
  return s.replace(
    TOKEN,
    (tok, id: string | undefined, epoch: string | undefined, offset: string | undefined) => {
      if (id !== undefined) {
        const v = b.get(tok);
        if (v === undefined) missing.add(tok);
        return v ?? tok;
      }
      if (tok.startsWith('<timestamp')) {
        const t = new Date(now.getTime() + Number(offset ?? 0) * 1000);
        return epoch ? String(Math.floor(t.getTime() / 1000)) : isoSeconds(t);
      }
      return tok;
    },
  );
}

function fillJson(v: unknown, b: Bindings, now: Date, missing: Set<string>): unknown {
  return mapStrings(v, (s) =>
    // a whole epoch timestamp token goes back to being a number
    /^<timestamp:epoch(:[+-]\d+)?>$/.test(s) ? Number(fill(s, b, now, missing)) : fill(s, b, now, missing),
  );
}

const isPlaceholder = (v: string | undefined) => v?.startsWith('<placeholder:') === true;

/** The request to send: tokens filled, signed again (when the recording was signed) with `creds`. */
export function replayRequest(
  set: SpecSet,
  f: Fixture,
  form: WireForm,
  endpoint: URL,
  b: Bindings,
  creds: Credentials,
  now: Date,
): { ok: true; req: WireRequest } | { ok: false; reason: string } {
  const missing = new Set<string>();
  const rec = recordedRequest(f);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec.headers)) headers[k] = fill(v, b, now, missing);
  headers.host = endpoint.host;
  let req: WireRequest;
  if (form.wire === 'rest') {
    const signing = legacySigning(set.apis[LEGACY_API].protocol);
    const names = signing.names;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(f.request.params ?? {})) params[k] = fill(v, b, now, missing);
    const signed = isPlaceholder(f.request.params?.[names.signature]);
    let out = params;
    if (signed) {
      // the scheme the recording used: SignatureVersion 1 when it carried that scheme's marker
      const marker = signing.markers['aws-query-v1'];
      const scheme: LegacyScheme =
        marker && Object.entries(marker).every(([k, v]) => f.request.params?.[k] === v)
          ? 'aws-query-v1'
          : 'mturk-hmac-sha1';
      params[names.timestamp] = isoSeconds(now);
      out = signLegacyParams(params, creds, signing, scheme);
    }
    req = paramsRequest(rec.method, rec.path, headers, out);
  } else if (form.wire === 'soap') {
    // tokens filled, what is left (placeholders) escaped again, then the signing elements set
    let body = escapeTokens(fill(unescapeTokens(rec.body), b, now, missing));
    const bind = soapBinding(set);
    const role = (r: string) => bind.elements.find((e) => e.role === r)?.name;
    const sigName = role('signature');
    const signed =
      sigName !== undefined && new RegExp(`<(?:[\\w.-]+:)?${sigName}>\\s*&lt;placeholder:`).test(rec.body);
    if (signed) {
      const stamp = isoSeconds(now);
      const set1 = (name: string | undefined, value: string) => {
        if (!name) return;
        body = body.replace(
          new RegExp(`(<((?:[\\w.-]+:)?${name})(\\s[^<>]*)?>)[^<]*(</\\2>)`, 'g'),
          `$1${value}$4`,
        );
      };
      set1(role('timestamp'), stamp);
      set1(role('accessKey'), creds.accessKeyId);
      set1(sigName, signSoap(set, creds.secretAccessKey, form.operation, stamp));
    }
    req = { method: rec.method, path: rec.path, query: fill(rec.query, b, now, missing), headers, body };
  } else {
    let body = rec.body;
    try {
      body = JSON.stringify(fillJson(JSON.parse(rec.body), b, now, missing));
    } catch {
      body = fill(rec.body, b, now, missing);
    }
    const signed = isPlaceholder(headerValue(rec.headers, 'authorization'));
    delete headers.authorization;
    delete headers['x-amz-security-token'];
    req = { method: rec.method, path: rec.path, query: fill(rec.query, b, now, missing), headers, body };
    if (signed) {
      const p = set.apis[form.api].protocol;
      req = signSigV4(req, creds, { service: p.signing.service ?? '', region: p.signing.region ?? '' }, now);
    }
  }
  if (missing.size > 0)
    return {
      ok: false,
      reason: `the request names ${[...missing].join(', ')}, which no earlier answer of this replay handed out (an id from outside the recorded session, or an earlier exchange did not succeed here)`,
    };
  return { ok: true, req };
}

// ---------------------------------------------------------------------------
// comparing answers

function parseBody(body: string, wire: WireForm['wire']): { ok: true; doc: unknown } | { ok: false } {
  if (body === '') return { ok: true, doc: '' };
  if (wire === 'json') {
    try {
      return { ok: true, doc: JSON.parse(body) };
    } catch {
      return { ok: false };
    }
  }
  const x = parseXmlSafe(body);
  return x.ok ? { ok: true, doc: x.doc } : { ok: false };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'structure';
  return typeof v;
}

/** The type a recorded value stands for: a number for an epoch timestamp token. */
function recordedType(v: unknown): string {
  return v === EPOCH_TIMESTAMP ? 'number' : typeOf(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'absent' : s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

/** Does a replayed string match a recorded one, tokens standing for what they stand for? Binds whole ids. */
function matchText(recorded: string, actual: string, b: Bindings): boolean {
  const whole = /^<id:\d+>$/.test(recorded);
  if (whole) {
    const bound = b.get(recorded);
    if (bound === undefined) {
      b.set(recorded, actual);
      return true;
    }
    return bound === actual;
  }
  if (!recorded.includes('<')) return recorded === actual;
  const re = recorded
    .split(
      /(<id:\d+>|<timestamp(?::epoch)?(?::[+-]\d+)?>|<request-id>|<placeholder:[A-Za-z0-9_.-]+>|<redacted>)/,
    )
    .map((part, i) => {
      if (i % 2 === 0) return escapeRegExp(part);
      const bound = b.get(part);
      return bound !== undefined ? escapeRegExp(bound) : '.+?';
    })
    .join('');
  return new RegExp(`^${re}$`, 's').test(actual);
}

export interface Differences {
  shape: string[];
  state: string[];
}

/** One walk over both answers: members and types (shape), values (state); binds the references met. */
export function compareAnswers(
  recorded: unknown,
  actual: unknown,
  b: Bindings,
  path = '',
  d: Differences = { shape: [], state: [] },
): Differences {
  const at = path || '(answer)';
  // XML: one element where the other side has several is a count, not a shape
  if (Array.isArray(recorded) !== Array.isArray(actual) && recorded !== undefined && actual !== undefined) {
    const r = Array.isArray(recorded) ? recorded : [recorded];
    const a = Array.isArray(actual) ? actual : [actual];
    if (typeof (r[0] ?? a[0]) === 'object' || typeof (r[0] ?? a[0]) === 'string')
      return compareAnswers(r, a, b, path, d);
  }
  const rt = recordedType(recorded);
  const atype = typeOf(actual);
  if (rt !== atype) {
    d.shape.push(
      `${at}: recorded a ${rt}${rt === 'number' && recorded === EPOCH_TIMESTAMP ? ' (epoch-seconds timestamp)' : ''}, got a ${atype} ${show(actual)}`,
    );
    return d;
  }
  if (rt === 'structure') {
    const r = recorded as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      const p = path ? `${path}.${k}` : k;
      if (!Object.hasOwn(a, k)) d.shape.push(`${p}: recorded, missing from the answer`);
      else compareAnswers(r[k], a[k], b, p, d);
    }
    for (const k of Object.keys(a))
      if (!Object.hasOwn(r, k))
        d.shape.push(`${path ? `${path}.${k}` : k}: in the answer, not in the recording (${show(a[k])})`);
    return d;
  }
  if (rt === 'list') {
    const r = recorded as unknown[];
    const a = actual as unknown[];
    if (r.length !== a.length) d.state.push(`${at}: recorded ${r.length} items, got ${a.length}`);
    for (let i = 0; i < Math.min(r.length, a.length); i++) compareAnswers(r[i], a[i], b, `${path}[${i}]`, d);
    return d;
  }
  if (recorded === EPOCH_TIMESTAMP) return d;
  if (typeof recorded === 'string' && typeof actual === 'string') {
    if (!matchText(recorded, actual, b))
      d.state.push(`${at}: recorded ${show(recorded)}, got ${show(actual)}`);
    return d;
  }
  if (recorded !== actual) d.state.push(`${at}: recorded ${show(recorded)}, got ${show(actual)}`);
  return d;
}

function outcomeOf(a: DecodedAnswer): string {
  if (a.kind === 'success') return `success (HTTP ${a.status})`;
  if (a.kind === 'error') return `error ${a.code ?? a.typeName ?? '(no code)'} (HTTP ${a.status})`;
  return `an answer that is no MTurk envelope (HTTP ${a.status})`;
}

/** Success or error, the HTTP status and the error code: [] when they agree. */
export function compareOutcome(
  recorded: DecodedAnswer,
  recordedStatus: number | null,
  actual: DecodedAnswer,
): string[] {
  const out: string[] = [];
  if (recorded.kind !== actual.kind) out.push(`recorded ${outcomeOf(recorded)}, got ${outcomeOf(actual)}`);
  else if (recorded.kind === 'error' && actual.kind === 'error') {
    const rc = recorded.code ?? recorded.typeName;
    const ac = actual.code ?? actual.typeName;
    if (rc !== ac) out.push(`recorded the error code ${rc ?? '(none)'}, got ${ac ?? '(none)'}`);
  }
  if (out.length === 0 && recordedStatus !== null && recordedStatus !== actual.status)
    out.push(`recorded HTTP ${recordedStatus}, got HTTP ${actual.status}`);
  return out;
}

// ---------------------------------------------------------------------------
// the run

export interface ReplayOptions {
  endpoint: string;
  fixtures: RecordedFixture[];
  /** replay exchanges 1..through only */
  through?: number;
  timeoutMs?: number;
  allowRemote?: boolean;
  specs?: SpecSet;
  credentials?: Credentials;
  now?: () => Date;
  /** the command line that replays up to (and including) an exchange */
  reproduce: (seq: number) => string;
  /** one line per exchange */
  log?: (line: string) => void;
  toolVersion?: string;
}

export interface ReplayOutcome {
  report: ConformanceReport;
  /** 0 no difference, 1 differences, 2 nothing could be replayed */
  exitCode: 0 | 1 | 2;
  reason?: string;
}

function recordedResponse(f: Fixture): WireResponse {
  return {
    status: f.response.status ?? 0,
    headers: headersOf(f.response.headers ?? {}),
    body: f.response.body,
  };
}

export async function replay(opts: ReplayOptions): Promise<ReplayOutcome> {
  const started = Date.now();
  const set = opts.specs ?? loadSpecs();
  const creds = opts.credentials ?? TEST_REQUESTER_1;
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  const endpoint = new URL(opts.endpoint);
  const bindings: Bindings = new Map();
  const results: CheckResult[] = [];
  const apis = new Set<Api>();
  let reason: string | undefined;
  let index = 0;
  for (const { file, fixture } of opts.fixtures) {
    index++;
    const seq = fixture.session?.seq ?? index;
    if (opts.through !== undefined && seq > opts.through) break;
    const rec = recordedRequest(fixture);
    const form = wireFormOf(set, rec);
    const label = String(seq).padStart(4, '0');
    const base = (check: string) => ({
      id: `${form?.api ?? 'unknown'}/${form?.operation ?? 'unknown'}/replay.${label}.${check}`,
      api: form?.api ?? 'unknown',
      operation: form?.operation ?? 'unknown',
      check: `replay.${label}.${check}`,
      severity: 'must' as const,
      reproduce: opts.reproduce(seq),
      rule: `the recorded exchange ${file}`,
    });
    const notRun = (why: string, checks = ['code', 'shape', 'state']) => {
      for (const c of checks) results.push({ ...base(c), status: 'not-run', detail: why });
    };
    if (!form) {
      notRun(
        'the recorded request is none of the three wire forms (no X-Amz-Target, Operation parameter or SOAP envelope)',
      );
      log(`not run ${seq}: ${file}: no MTurk call`);
      continue;
    }
    apis.add(form.api);
    const built = replayRequest(set, fixture, form, endpoint, bindings, creds, now());
    if (!built.ok) {
      notRun(built.reason);
      log(`not run ${seq} ${form.operation}: ${built.reason}`);
      continue;
    }
    const sent = await send(opts.endpoint, built.req, {
      timeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.allowRemote ? { allowRemote: true } : {}),
    });
    const request = describeRequest(built.req, [creds.secretAccessKey]);
    const recorded = recordedResponse(fixture);
    if (!sent.ok) {
      if (sent.error === 'refused') {
        reason = `could not replay: ${opts.endpoint}: ${sent.message}`;
        notRun(reason);
        break;
      }
      results.push({
        ...base('code'),
        status: 'failed',
        detail: `no answer: ${sent.message}`,
        request,
        response: `recorded answer:\n${describeResponse(recorded)}\n\nreplayed answer: none (${sent.message})`,
      });
      notRun('no answer to compare', ['shape', 'state']);
      log(`differs ${seq} ${form.operation}: no answer (${sent.message})`);
      continue;
    }
    const actual = sent.res;
    const response = `recorded answer:\n${describeResponse(recorded)}\n\nreplayed answer:\n${describeResponse(actual)}`;
    const codec = codecFor(form.api, form.wire === 'soap' ? 'soap' : undefined);
    const rDecoded = codec.decodeResponse(set, form.operation, recorded);
    const aDecoded = codec.decodeResponse(set, form.operation, actual);
    const codeDiff = compareOutcome(rDecoded, fixture.response.status, aDecoded);
    const rBody = parseBody(recorded.body, form.wire);
    const aBody = parseBody(actual.body, form.wire);
    let diffs: Differences;
    if (!rBody.ok) diffs = { shape: [], state: [] };
    else if (!aBody.ok)
      diffs = { shape: [`the answer is not ${form.wire === 'json' ? 'JSON' : 'XML'}`], state: [] };
    else diffs = compareAnswers(rBody.doc, aBody.doc, bindings);
    const put = (check: string, diff: string[], what: string) =>
      results.push({
        ...base(check),
        status: diff.length ? 'failed' : 'passed',
        detail: diff.length
          ? `${what} differs from the recording:\n${diff.slice(0, 20).join('\n')}${diff.length > 20 ? `\n… ${diff.length - 20} more` : ''}`
          : `${what} as recorded`,
        request,
        response,
      });
    put('code', codeDiff, 'the outcome (success or error, status, error code)');
    if (rBody.ok) put('shape', diffs.shape, 'the answer’s shape (members, types)');
    else notRun('the recorded body cannot be parsed', ['shape']);
    // an error's message is not state; both answers must be successes to compare values
    if (rDecoded.kind === 'success' && aDecoded.kind === 'success')
      put('state', diffs.state, 'the answer’s values (state)');
    const n =
      codeDiff.length +
      diffs.shape.length +
      (rDecoded.kind === 'success' && aDecoded.kind === 'success' ? diffs.state.length : 0);
    log(
      `${n ? 'differs' : 'same   '} ${seq} ${form.api} ${form.operation} → ${actual.status}${n ? ` (${n} difference${n > 1 ? 's' : ''})` : ''}`,
    );
  }
  const summary = summarize(results);
  const report: ConformanceReport = {
    tool: { name: 'mturk-conformance', version: opts.toolVersion ?? '' },
    target: { kind: 'server', endpoint: opts.endpoint },
    api: [...apis].sort(),
    seed: 0,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    summary,
    results,
  };
  if (reason) return { report, exitCode: 2, reason };
  if (results.length === 0) return { report, exitCode: 2, reason: 'no exchange was replayed' };
  return { report, exitCode: summary.failed > 0 ? 1 : 0 };
}

/** The reproduce line of one exchange: the same replay, stopped after it. */
export function replayReproduce(paths: string[], endpoint: string, seq: number, cwd = process.cwd()): string {
  return [
    'mturk-conformance replay',
    ...paths.map((p) => shellQuote(relative(cwd, p) || '.')),
    `--endpoint ${shellQuote(endpoint)}`,
    `--through ${seq}`,
  ].join(' ');
}
