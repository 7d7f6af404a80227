// The mock MTurk endpoint: it validates every request against the specs through the codecs'
// decodeRequest, records it, and answers per the script the check set. The transports (a
// node:http server, msw's interception or its HTTP middleware) are separate, in server.ts and
// msw.ts.
import { randomUUID } from 'node:crypto';
import { validateInput } from '../emulator/engine.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import type { Codec, Credentials, DecodeResult, ErrorOutcome, Outcome } from '../wire/codec.ts';
import { foreignWireForm, type WireRequest, type WireResponse } from '../wire/http-types.ts';
import { codecsFor } from '../wire/index.ts';
import type { MockScript, RecordedExchange } from './types.ts';

export interface MockOptions {
  /** The credentials the mock accepts (the test credentials). */
  credentials: Credentials[];
  /** msw transports: only take requests to this origin (e.g. http://mturk.mock.test); default: every request. */
  origin?: string;
  /** Clock for the responses; default: the real time. */
  now?: () => Date;
  /** Request ids; default: random UUIDs. */
  requestId?: () => string;
}

export interface MockHandlers {
  /** The origin the msw transports take requests for (MockOptions.origin). */
  readonly origin: string | undefined;
  /**
   * What a transport calls when a request arrives; then the function it returns, with the whole
   * request, gives the answer. A request that arrived before a reset() is answered but neither
   * recorded nor counted against the new script.
   */
  receive(): (request: WireRequest) => WireResponse;
  /** Every exchange, oldest first. */
  readonly exchanges: RecordedExchange[];
  /** How the next requests are answered (until the next call). */
  setScript(script: MockScript): void;
  /** Forget the recorded exchanges and go back to the default script. */
  reset(): void;
  /** How many retryable fault answers the script still gives (Infinity: every request gets one). */
  faultAnswersAhead(): number;
}

const DEFAULT_SCRIPT: MockScript = { kind: 'success', output: {} };

export async function toWireRequest(request: Request): Promise<WireRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  if (headers.host === undefined) headers.host = url.host;
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
  return { method: request.method, path: url.pathname, query: url.search.replace(/^\?/, ''), headers, body };
}

/** Which codec claims the request (the JSON target header first, then the legacy Operation). */
export function claimingCodec(codecs: readonly Codec[], req: WireRequest): Codec | undefined {
  return codecs.find((c) => c.claims(req));
}

/**
 * Rewrites the error type of a 2017 error body into one of the spec's type forms
 * (errorEnvelope.typeForms, e.g. `{namespace}#{type}`), keeping everything else.
 */
export function applyTypeForm(
  set: SpecSet,
  api: Api,
  res: WireResponse,
  form: string,
  fill: { namespace?: string; uri?: string },
): WireResponse {
  const field = set.apis[api].protocol.errorEnvelope.body?.typeField;
  if (!field) return res;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return res;
  }
  const type = body[field];
  if (typeof type !== 'string') return res;
  body[field] = form
    .replace('{type}', type)
    .replace('{namespace}', fill.namespace ?? '')
    .replace('{uri}', fill.uri ?? '');
  return { ...res, body: JSON.stringify(body) };
}

export function createMockHandlers(set: SpecSet, opts: MockOptions): MockHandlers {
  const exchanges: RecordedExchange[] = [];
  let script: MockScript = DEFAULT_SCRIPT;
  let failuresServed = 0;
  // bumped by reset(): a request that arrived before it (a late retry of an earlier case) is
  // answered but neither recorded nor counted against the new script
  let generation = 0;
  const now = opts.now ?? (() => new Date());
  const requestId = opts.requestId ?? (() => randomUUID());
  const codecs = codecsFor(set);
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));

  /** The protocol errors that mean "not (properly) signed", per API (worked out once). */
  const signatureErrorSets = new Map<Api, Set<string>>();
  const signatureErrors = (api: Api): Set<string> => {
    let hit = signatureErrorSets.get(api);
    if (!hit) {
      const e = set.apis[api].protocol.protocolErrors;
      hit = new Set(
        [e.missingAuthentication, e.unknownAccessKey, e.signatureMismatch].filter((x): x is string => !!x),
      );
      signatureErrorSets.set(api, hit);
    }
    return hit;
  };

  /** The error the spec demands for a decoded request: the codec's, else member validation's. */
  const refusal = (codec: Codec, decoded: DecodeResult): ErrorOutcome | undefined => {
    if (!decoded.ok) return decoded.outcome;
    const spec = set.apis[codec.api].operations.get(decoded.call.operation);
    return spec ? validateInput(set, spec, decoded.call.input) : undefined;
  };

  const answer = (
    codec: Codec,
    decoded: DecodeResult,
    refused: ErrorOutcome | undefined,
    ctxBase: { requestId: string; now: Date },
  ) => {
    if (!decoded.ok) return codec.encodeResponse(set, decoded.operation, decoded.outcome, ctxBase);
    const ctx = { ...ctxBase, call: decoded.call };
    const op = decoded.call.operation;
    if (refused) return codec.encodeResponse(set, op, refused, ctx);
    switch (script.kind) {
      case 'success':
        return codec.encodeResponse(set, op, { kind: 'success', output: script.output }, ctx);
      case 'error': {
        const outcome: Outcome = { kind: 'error', error: script.error, values: script.values };
        const res = codec.encodeResponse(set, op, outcome, ctx);
        return script.typeForm
          ? applyTypeForm(set, codec.api, res, script.typeForm, {
              ...(script.namespace !== undefined ? { namespace: script.namespace } : {}),
              ...(script.uri !== undefined ? { uri: script.uri } : {}),
            })
          : res;
      }
      case 'recorded': {
        // the protocol's headers (content type, request id) around the recorded status and body
        const ok = script.status < 300;
        const p = set.apis[codec.api].protocol;
        const shaped = codec.encodeResponse(
          set,
          op,
          ok ? { kind: 'success', output: {} } : { kind: 'error', error: p.validation.invalid, values: {} },
          ctx,
        );
        return { ...shaped, status: script.status, body: script.body };
      }
      case 'fail-then-succeed': {
        if (failuresServed < script.failures) {
          failuresServed++;
          return codec.encodeResponse(
            set,
            op,
            { kind: 'error', error: script.error, values: script.values },
            ctx,
          );
        }
        return codec.encodeResponse(set, op, { kind: 'success', output: script.output }, ctx);
      }
    }
  };

  const serve = (arrived: number, wire: WireRequest): WireResponse => {
    const ctx = { requestId: requestId(), now: now() };
    const codec = claimingCodec(codecs, wire);
    let decoded: DecodeResult | undefined;
    let response: WireResponse;
    let unclaimed: string | undefined;
    let refused: ErrorOutcome | undefined;
    let ignoringSignature: RecordedExchange['ignoringSignature'];
    if (!codec) {
      const foreign = foreignWireForm(wire);
      unclaimed = foreign
        ? `the request is ${foreign}, a wire form this suite does not know`
        : 'no API version claims this request (neither the JSON target header, nor a legacy Operation parameter, nor a SOAP envelope)';
      response = { status: 400, headers: { 'content-type': 'text/plain' }, body: unclaimed };
    } else {
      decoded = codec.decodeRequest(set, wire, { lookupSecret: (k) => secrets.get(k) });
      refused = refusal(codec, decoded);
      if (arrived !== generation) {
        const stale = codec.encodeResponse(
          set,
          decoded.ok ? decoded.call.operation : decoded.operation,
          { kind: 'success', output: {} },
          ctx,
        );
        return stale;
      }
      response = answer(codec, decoded, refused, ctx);
      // Refused for its signature: also decode it with verification off, so the wire checks can
      // judge the rest of the request apart from the signature.
      if (!decoded.ok && signatureErrors(codec.api).has(decoded.outcome.error)) {
        const unsigned = codec.decodeRequest(set, wire, {
          lookupSecret: (k) => secrets.get(k),
          acceptAnySignature: true,
        });
        const unsignedRefused = refusal(codec, unsigned);
        ignoringSignature = { decoded: unsigned, ...(unsignedRefused ? { refused: unsignedRefused } : {}) };
      }
    }
    exchanges.push({
      seq: exchanges.length + 1,
      at: ctx.now.toISOString(),
      request: wire,
      decoded,
      ...(unclaimed ? { unclaimed } : {}),
      ...(refused ? { refused } : {}),
      ...(ignoringSignature ? { ignoringSignature } : {}),
      response,
    });
    return response;
  };

  return {
    origin: opts.origin,
    receive() {
      const arrived = generation;
      return (wire) => serve(arrived, wire);
    },
    exchanges,
    setScript(s) {
      script = s;
      failuresServed = 0;
    },
    reset() {
      exchanges.length = 0;
      script = DEFAULT_SCRIPT;
      failuresServed = 0;
      generation++;
    },
    faultAnswersAhead() {
      const fault = (id: string) => set.errors.errors[id]?.fault === true;
      switch (script.kind) {
        case 'success':
          return 0;
        // a recorded answer is served to every request: a fault (5xx) for ever, else none
        case 'recorded':
          return script.status >= 500 ? Number.POSITIVE_INFINITY : 0;
        case 'error':
          return fault(script.error) ? Number.POSITIVE_INFINITY : 0;
        case 'fail-then-succeed':
          return fault(script.error) ? Math.max(0, script.failures - failuresServed) : 0;
      }
    },
  };
}
