// The mock (handlers.ts) as msw request handlers: for msw's in-process interception and its HTTP
// middleware (server.ts). Kept apart so that a run over the node:http transport never loads msw.
import { HttpResponse, http, type RequestHandler } from 'msw';
import type { WireResponse } from '../wire/http-types.ts';
import { type MockHandlers, toWireRequest } from './handlers.ts';

function toHttpResponse(res: WireResponse): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    // the transport sets the length of the body it really sends
    if (k.toLowerCase() !== 'content-length') headers.set(k, v);
  }
  return new HttpResponse(res.body, { status: res.status, headers });
}

/** msw handlers serving `mock`: requests to its origin (every request when it has none). */
export function mswHandlers(mock: MockHandlers): RequestHandler[] {
  return [
    http.all(mock.origin ? `${mock.origin}/*` : '*', async ({ request }) => {
      const answer = mock.receive();
      return toHttpResponse(answer(await toWireRequest(request)));
    }),
  ];
}
