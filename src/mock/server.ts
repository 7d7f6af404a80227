// Transports for the mock: a plain HTTP server on 127.0.0.1 (what the client suite uses), or
// in-process interception with msw's setupServer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'msw';
import { joinedHeaders, type WireRequest, type WireResponse } from '../wire/http-types.ts';
import type { MockHandlers } from './handlers.ts';

export interface MockEndpoint {
  /** Base URL of the endpoint, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** The longest request line and headers the mock reads (a query of inputs at their spec's maximum lengths). */
const MAX_REQUEST_HEAD = 8 * 1024 * 1024;

/** What a fetch Response gives a string body that has no content type of its own (msw's answers). */
const DEFAULT_CONTENT_TYPE = 'text/plain;charset=UTF-8';

/**
 * Serves the mock over HTTP on 127.0.0.1 on a free port, with node:http alone: the request goes
 * to the mock as it came off the socket, the mock's answer goes back as it is (the length set by
 * the transport), with no Date header of the server's own (as msw answers). The same mock as the
 * msw handlers, without msw's per-request machinery (Fetch Request/Response objects, cookie
 * store, handler matching): about a third of a bundled client's check time.
 */
export async function startWireServer(mock: Pick<MockHandlers, 'receive'>, port = 0): Promise<MockEndpoint> {
  const decoder = new TextDecoder();
  // A legacy GET carries the whole input in its query: a generated input can be far longer than
  // node's 16 KB limit on the request line and headers, which the server would refuse on its own.
  const server = createServer(
    { maxHeaderSize: MAX_REQUEST_HEAD },
    (req: IncomingMessage, res: ServerResponse) => {
      const answer = mock.receive();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        // every header as sent, a repeated one joined with ', ' (as fetch's Headers does; node's
        // req.headers would keep only the first of a repeated Authorization or Content-Type)
        const headers = joinedHeaders(req.rawHeaders);
        const method = req.method ?? 'GET';
        const wire: WireRequest = {
          method,
          path: url.pathname,
          query: url.search.replace(/^\?/, ''),
          headers,
          // as fetch's Request.text() reads it (UTF-8, a leading BOM dropped)
          body: method === 'GET' || method === 'HEAD' ? '' : decoder.decode(Buffer.concat(chunks)),
        };
        writeWire(res, answer(wire));
      });
    },
  );
  // a lane idle through a long back-off (or a busy process) keeps its connections: a request
  // racing the server closing an idle one would fail with a reset
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function writeWire(res: ServerResponse, answer: WireResponse): void {
  res.sendDate = false;
  const headers: Record<string, string> = {};
  let typed = false;
  for (const [k, v] of Object.entries(answer.headers)) {
    const name = k.toLowerCase();
    if (name === 'content-length') continue;
    if (name === 'content-type') typed = true;
    headers[name] = v;
  }
  if (!typed && answer.body) headers['content-type'] = DEFAULT_CONTENT_TYPE;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** The origin the in-process mock answers on; nothing listens there, msw intercepts it. */
export const IN_PROCESS_ORIGIN = 'http://mturk.mock.localhost';

/**
 * Intercepts requests to `origin` in this process (node:http, fetch) with msw's setupServer.
 * Other requests pass through untouched. Build the handlers with `origin` set to the same value.
 */
export async function startInProcessMock(
  handlers: RequestHandler[],
  origin: string = IN_PROCESS_ORIGIN,
): Promise<MockEndpoint> {
  const { setupServer } = await import('msw/node');
  const server = setupServer(...handlers);
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    url: origin,
    close: async () => server.close(),
  };
}
