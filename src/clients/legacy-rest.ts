// The project's own small legacy REST client (2014-08-15), built on the
// legacy codec's encodeRequest/decodeResponse: everything it knows about the
// wire comes from specs/protocols/2014-08-15.json through the codec.

// the module object, read at call time: msw's in-process interception patches its request()
import http from 'node:http';
import type { ClientUnderTest } from '../mock/types.ts';
import type { SpecSet } from '../spec/types.ts';
import type { Codec, Credentials } from '../wire/codec.ts';
import { joinedHeaders, type WireRequest, type WireResponse } from '../wire/http-types.ts';
import { codecsFor } from '../wire/index.ts';
import { LEGACY_API } from '../wire/legacy.ts';
import { errorMessage, toJsonValue } from './common.ts';

export { LEGACY_API };

export interface LegacyRestOptions {
  endpoint: string;
  credentials: Credentials;
  /** A signing scheme name from the protocol spec; default: the first one listed. */
  scheme?: string;
  method?: 'GET' | 'POST';
  /** Attempts per call; server faults (5xx) are retried with a short backoff. Default 3. */
  maxAttempts?: number;
  name?: string;
  /** Change the parameters after signing (for broken clients in tests). */
  tamper?: (req: import('../wire/http-types.ts').WireRequest) => import('../wire/http-types.ts').WireRequest;
  /** Send with this fetch instead of node:http (tests). */
  fetchImpl?: typeof fetch;
  /** ResponseGroup values every call asks for unless the call names its own (default: none, the operation's default). */
  responseGroups?: string[];
}

export function createLegacyRestClient(set: SpecSet, opts: LegacyRestOptions): ClientUnderTest {
  return createLegacyClient(set, opts, codecsFor(set).find((c) => c.api === LEGACY_API)!, 'legacy-rest');
}

/** A legacy client over one codec's wire form (REST here; SOAP in legacy-soap.ts). */
export function createLegacyClient(
  set: SpecSet,
  opts: LegacyRestOptions,
  codec: Codec,
  defaultName: string,
): ClientUnderTest {
  const base = new URL(opts.endpoint);
  const scheme = opts.scheme ?? set.apis[LEGACY_API].protocol.signing.schemes?.[0]?.name;
  const maxAttempts = opts.maxAttempts ?? 3;
  // node:http with keep-alive connections, not the global fetch: the same bytes on the wire for a
  // fraction of the CPU time (fetch's streams, abort signals and header guards, per call)
  const agent = opts.fetchImpl ? undefined : new http.Agent({ keepAlive: true });
  const send = opts.fetchImpl
    ? viaFetch(opts.fetchImpl)
    : (url: URL, wire: WireRequest, headers: Record<string, string>) =>
        viaNodeHttp(agent!, url, wire, headers);
  return {
    name: opts.name ?? defaultName,
    api: LEGACY_API,
    async call(operation, input, options) {
      const responseGroups = options?.responseGroups ?? opts.responseGroups;
      for (let attempt = 1; ; attempt++) {
        let wire = codec.encodeRequest(set, operation, input, opts.credentials, {
          host: base.host,
          now: new Date(),
          method: opts.method ?? 'POST',
          ...(scheme ? { scheme } : {}),
          ...(responseGroups ? { responseGroups } : {}),
        });
        if (opts.tamper) wire = opts.tamper(wire);
        let res: WireResponse;
        try {
          const headers = Object.fromEntries(Object.entries(wire.headers).filter(([k]) => k !== 'host'));
          const url = new URL(wire.path + (wire.query ? `?${wire.query}` : ''), base);
          res = await send(url, wire, headers);
        } catch (e) {
          return { error: { code: 'NetworkError', message: errorMessage(e) } };
        }
        const answer = codec.decodeResponse(set, operation, res);
        if (answer.kind === 'success')
          return { output: toJsonValue(answer.output) as Record<string, unknown> };
        if (answer.status >= 500 && attempt < maxAttempts) {
          await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          continue;
        }
        if (answer.kind === 'garbage')
          return {
            error: {
              code: 'UnparsableResponse',
              message: answer.problems.join('; ') || `HTTP ${answer.status}`,
            },
          };
        const code = answer.code ?? answer.typeName ?? `HTTP${answer.status}`;
        return {
          error: {
            code,
            message: answer.message ?? '',
            ...(answer.code ? { turkErrorCode: answer.code } : {}),
          },
        };
      }
    },
    async close() {
      agent?.destroy();
    },
  };
}

function viaFetch(doFetch: typeof fetch) {
  return async (url: URL, wire: WireRequest, headers: Record<string, string>): Promise<WireResponse> => {
    const r = await doFetch(url, {
      method: wire.method,
      headers,
      ...(wire.method === 'GET' ? {} : { body: wire.body }),
    });
    const resHeaders: Record<string, string> = {};
    r.headers.forEach((v, k) => {
      resHeaders[k.toLowerCase()] = v;
    });
    return { status: r.status, headers: resHeaders, body: await r.text() };
  };
}

/** One request over node:http; the answer's headers as fetch would show them (repeats joined with ', '). */
function viaNodeHttp(
  agent: http.Agent,
  url: URL,
  wire: WireRequest,
  headers: Record<string, string>,
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: wire.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const resHeaders = joinedHeaders(res.rawHeaders);
        resolve({
          status: res.statusCode ?? 0,
          headers: resHeaders,
          body: new TextDecoder().decode(Buffer.concat(chunks)),
        });
      });
    });
    req.on('error', reject);
    req.end(wire.method === 'GET' ? undefined : wire.body);
  });
}
