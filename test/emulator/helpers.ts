// Shared helpers for the emulator tests: wire requests over real HTTP, provider states.
import { request } from 'node:http';
import type { Emulator } from '../../src/emulator/server.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import type { WireRequest, WireResponse } from '../../src/wire/http-types.ts';

/** The ids of a provider state set up in process, owned by the first test requester. */
export function stateIds(emulator: Emulator, state: string): Record<string, string> {
  const res = emulator.handleStates(JSON.stringify({ state, requester: TEST_REQUESTER_1.accessKeyId }));
  return JSON.parse(res.body) as Record<string, string>;
}

/** Sends a WireRequest to `base` with node:http (no header filtering, unlike fetch). */
export function sendWire(base: string, req: WireRequest, timeoutMs = 10_000): Promise<WireResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    delete headers.host;
    headers.host = url.host;
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path + (req.query ? `?${req.query}` : ''),
        headers: { ...headers, 'content-length': String(Buffer.byteLength(req.body)) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.end(req.body);
  });
}

export async function providerState(
  statesUrl: string,
  state: string,
  requester: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const res = await fetch(statesUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ state, requester, params }),
  });
  if (res.status !== 200) throw new Error(`provider state ${state}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}
