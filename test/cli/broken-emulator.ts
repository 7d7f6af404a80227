// A reference emulator with one deliberate defect, served on 127.0.0.1:0: it
// drops the x-amzn-RequestId header from every answer (2017-01-17 requires
// it), so a few `must` checks fail and everything else passes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator } from '../../src/emulator/server.ts';

export interface BrokenEmulator {
  url: string;
  statesUrl: string;
  close(): Promise<void>;
}

export async function startEmulatorWithoutRequestId(): Promise<BrokenEmulator> {
  const emulator = createEmulator();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      const answer =
        path === '/_states'
          ? emulator.handleStates(body)
          : await emulator.handle({
              method: req.method ?? 'GET',
              path,
              query: q < 0 ? '' : url.slice(q + 1),
              headers,
              body,
            });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(answer.headers)) {
        if (k.toLowerCase() !== 'x-amzn-requestid') out[k] = v;
      }
      res.writeHead(answer.status, out);
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    statesUrl: `${url}/_states`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
