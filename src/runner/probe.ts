// A short reachability probe before a run: a TCP connection to the
// endpoint's host and port. A target that is not listening fails the run at
// once with one line instead of thousands of identical check failures.
import { connect } from 'node:net';
import { RunError } from './types.ts';

/**
 * Resolves when something accepts a TCP connection at the URL's host:port;
 * rejects with a RunError otherwise. With `waitMs`, retries (every 250 ms)
 * for that long first, for a server that is still starting.
 */
export async function probeEndpoint(url: string, timeoutMs = 3000, waitMs = 0): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await probeOnce(url, timeoutMs);
      return;
    } catch (error) {
      if (Date.now() + 250 > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function probeOnce(url: string, timeoutMs: number): Promise<void> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RunError(`cannot reach ${url} (no answer within ${timeoutMs} ms)`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new RunError(`cannot reach ${url} (${error.code ?? error.message})`));
    });
  });
}
