// Running one check: the session, the outcome as passed / failed / not-run,
// and the record the runner reports (request, answer, rule, counterexample,
// reproduce command, curl lines, coverage).
import type { SpecSet } from '../spec/types.ts';
import { toCurl } from '../wire/curl.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { CheckFailure, type Exchange, NotRun, Session } from './session.ts';
import type { Check, CheckRecord, CheckResult, ServerTargetConfig } from './types.ts';

export const BODY_LIMIT = 2048;

function redact(s: string, secrets: string[]): string {
  let out = s;
  for (const x of secrets) if (x.length >= 4) out = out.split(x).join('<redacted>');
  return out;
}

function truncate(s: string, n = BODY_LIMIT): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s;
}

export function describeRequest(req: WireRequest, secrets: string[] = []): string {
  const head = `${req.method} ${req.path}${req.query ? `?${req.query}` : ''}`;
  const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`);
  return redact([head, ...headers, '', truncate(req.body)].join('\n'), secrets);
}

export function describeResponse(res: WireResponse | undefined): string {
  if (!res) return '(no answer)';
  const headers = Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`);
  return [`HTTP ${res.status}`, ...headers, '', truncate(res.body)].join('\n');
}

export function reproduceCommand(
  check: Pick<Check, 'id' | 'api' | 'operation'>,
  config: ServerTargetConfig,
): string {
  return [
    'mturk-conformance server',
    `--endpoint ${config.endpoint}`,
    ...(config.statesUrl ? [`--states-url ${config.statesUrl}`] : []),
    `--api ${check.api}`,
    `--operations ${check.operation}`,
    `--check ${check.id}`,
    `--seed ${config.seed}`,
    `--runs ${config.runs}`,
  ].join(' ');
}

function baseRecord(check: Check, config: ServerTargetConfig): CheckRecord {
  return {
    id: check.id,
    api: check.api,
    operation: check.operation,
    check: check.check,
    severity: check.severity,
    rule: check.rule,
    reproduce: reproduceCommand(check, config),
  };
}

export async function runCheck(check: Check, set: SpecSet, config: ServerTargetConfig): Promise<CheckResult> {
  const session = new Session(set, config, check);
  const record = baseRecord(check, config);
  try {
    await check.run(session);
    return { status: 'passed', record: { ...record, coverage: { ...session.coverage } } };
  } catch (e) {
    if (e instanceof NotRun)
      return {
        status: 'not-run',
        record: { ...record, notRunReason: e.message, coverage: { ...session.coverage } },
      };
    const failure =
      e instanceof CheckFailure
        ? e
        : new CheckFailure(`The check could not complete: ${(e as Error)?.stack ?? String(e)}`);
    const ex: Exchange | undefined = failure.exchange ?? [...session.log].reverse().find((x) => x.res);
    const secrets = session.secretValues;
    const request = ex ? describeRequest(ex.req, secrets) : undefined;
    const response = ex ? describeResponse(ex.res) : undefined;
    const detail = [
      failure.message,
      `Rule broken: ${check.rule}.`,
      ...(failure.counterexample ? [`Shrunk counterexample: ${failure.counterexample}.`] : []),
      ...(request ? [`Request sent (${ex?.label}):\n${request}`] : []),
      ...(ex ? [`Answer received:\n${response}`] : []),
      `Reproduce: ${record.reproduce}`,
    ].join('\n\n');
    return {
      status: 'failed',
      record: {
        ...record,
        detail,
        ...(request ? { request } : {}),
        ...(response ? { response } : {}),
        ...(failure.counterexample ? { counterexample: failure.counterexample } : {}),
        curl: session.log.map((x) => toCurl(x.req, x.url, secrets)),
        coverage: { ...session.coverage },
      },
    };
  }
}
