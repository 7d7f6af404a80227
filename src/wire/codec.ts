// The contract between the two wire protocols and everything above them
// (emulator, mock, checks, bundled legacy client). Implementations:
// json11.ts (2017-01-17, awsJson1_1) and legacy.ts (2014-08-15 REST/XML);
// index.ts picks one by API version. Everything they need to know about the
// wire (header names, envelopes, error placement, signing scope) is read from
// specs/protocols/<api>.json, never written in code.
import type { Api, SpecSet } from '../spec/types.ts';
import type { WireRequest, WireResponse } from './http-types.ts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Server side: an HTTP request understood as an operation call. */
export interface DecodedCall {
  api: Api;
  operation: string;
  /** Member values typed per the input shapes (numbers, booleans, strings; timestamps as Date). */
  input: Record<string, unknown>;
  /** Who is calling: the access key id, once the signature was verified (or verification is off). */
  accessKeyId: string;
  /** Legacy only: the ResponseGroup values asked for (e.g. ['Request']). */
  responseGroups: string[];
  /** Legacy only: the raw parameters, for the echoed <OpRequest>. */
  params?: Record<string, string>;
  /** Legacy only: the signature scheme used. */
  signatureScheme?: string;
  /** Members the request carries that the operation does not declare (paths; left out of `input`). */
  undeclared?: string[];
}

/** An error by its id in specs/errors.json plus the values that fill its message template and Data pairs. */
export interface ErrorOutcome {
  kind: 'error';
  error: string;
  values: Record<string, unknown>;
}

export type DecodeResult =
  /** `calls`: every call of a batched request (SOAP Request items), `call` being the first. */
  | { ok: true; call: DecodedCall; calls?: DecodedCall[] }
  | { ok: false; api: Api; operation?: string; outcome: ErrorOutcome };

export type Outcome = { kind: 'success'; output: Record<string, unknown> } | ErrorOutcome;

/** Client side: what an answer from a server said, plus what was wrong with its envelope. */
export type DecodedAnswer =
  | {
      kind: 'success';
      status: number;
      output: Record<string, unknown>;
      requestId?: string;
      problems: string[];
      /** Members the answer carries that the output shape does not declare (paths; left out of `output`). */
      undeclared?: string[];
    }
  | {
      kind: 'error';
      status: number;
      /** TurkErrorCode (2017) or Errors/Error/Code (legacy) */
      code?: string;
      message?: string;
      /** 2017 only: __type as sent, and its bare name (RequestError / ServiceFault / ...) */
      type?: string;
      typeName?: string;
      data?: Record<string, string>;
      requestId?: string;
      problems: string[];
    }
  | { kind: 'garbage'; status: number; problems: string[] };

/** A request refused while decoding: the error (by id) and the values that fill its message. */
export function decodeFailure(
  api: Api,
  error: string,
  values: Record<string, unknown>,
  operation?: string,
): DecodeResult & { ok: false } {
  return operation === undefined
    ? { ok: false, api, outcome: { kind: 'error', error, values } }
    : { ok: false, api, operation, outcome: { kind: 'error', error, values } };
}

/** Where in an API's protocol spec a problem lies: its file (as loaded) and a JSON pointer. */
export function protocolPointer(set: SpecSet, api: Api, path: string): string {
  return `${set.files.get(set.apis[api].protocol) ?? `protocols/${api}.json`}#${path}`;
}

export interface ServerCodecOptions {
  /** returns the secret for an access key id, or undefined when the key is unknown */
  lookupSecret: (accessKeyId: string) => string | undefined;
  /** turn signature verification off: any well-formed request is served as its access key id */
  acceptAnySignature?: boolean;
}

export interface Codec {
  api: Api;
  /** The wire form, where an API version has several (2014-08-15: 'rest' and 'soap'). */
  wire?: string;
  /** Does this request belong to this protocol (by X-Amz-Target, or by the legacy Operation parameter)? */
  claims(req: WireRequest): boolean;
  decodeRequest(set: SpecSet, req: WireRequest, opts: ServerCodecOptions): DecodeResult;
  encodeResponse(
    set: SpecSet,
    operation: string | undefined,
    outcome: Outcome,
    ctx: { requestId: string; now: Date; call?: DecodedCall },
  ): WireResponse;
  encodeRequest(
    set: SpecSet,
    operation: string,
    input: Record<string, unknown>,
    creds: Credentials | undefined,
    ctx: { host: string; now: Date; responseGroups?: string[]; method?: 'GET' | 'POST'; scheme?: string },
  ): WireRequest;
  decodeResponse(set: SpecSet, operation: string, res: WireResponse): DecodedAnswer;
  /** The answer document of an XML answer (SOAP: the Body's element, namespaces dropped). */
  answerDocument?(
    set: SpecSet,
    res: WireResponse,
  ): { ok: true; root: string; doc: unknown } | { ok: false; message: string };
  /** Wire forms that batch calls (SOAP): one answer for the outcomes of a request's calls, in order. */
  encodeBatch?(
    set: SpecSet,
    operation: string,
    items: { call: DecodedCall; outcome: Outcome }[],
    ctx: { requestId: string; now: Date },
  ): WireResponse;
}
