// Transports for the mock handlers: a real HTTP server on 127.0.0.1 (for
// driver subprocesses) or in-process interception with msw's setupServer.
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';

export interface MockEndpoint {
  /** Base URL of the endpoint, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** Serves the handlers over HTTP on 127.0.0.1 on a free port. */
export async function startMockServer(handlers: RequestHandler[], port = 0): Promise<MockEndpoint> {
  // loaded here: only a driver needs a mock on a real port (the middleware brings express along)
  const { createServer } = await import('@mswjs/http-middleware');
  // the middleware package resolves msw's CommonJS typings; the handlers are the same objects
  const app = createServer(...(handlers as never[]));
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 1000;
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
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
  const server = setupServer(...handlers);
  server.listen({ onUnhandledRequest: 'bypass' });
  return {
    url: origin,
    close: async () => server.close(),
  };
}
