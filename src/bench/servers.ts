// Servers the benchmark drives, each in its own child process (so the load
// generator and the server do not share one event loop): the loopback ceiling
// (a minimal node:http server answering `{}`) and the reference emulator.
// The child talks to the parent over IPC: 'ready' with its URL, 'stats' on
// request, and exits when the parent disconnects.
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export type ServerKind = 'ceiling' | 'emulator';

export interface ChildServer {
  url: string;
  statesUrl?: string;
  /** requests the server answered so far (ceiling: all; emulator: its request counter, when it has one) */
  requests: () => Promise<number | undefined>;
  /** the child's CPU time so far, µs (user + system) */
  cpu: () => Promise<number | undefined>;
  /** ask the child to do something (e.g. build a provider-state pool); resolves with its answer */
  call: <T>(msg: Record<string, unknown>) => Promise<T>;
  close: () => Promise<void>;
}

/** The minimal server: reads the request, answers 200 `{}`. */
export function startCeilingServer(): Promise<{ server: http.Server; url: string; count: () => number }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '2' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ server, url: `http://127.0.0.1:${port}/`, count: () => count });
    });
  });
}

// built (dist/bench/servers.js, bin/build-state.mjs): the compiled child, no loader
const BUILT = import.meta.url.endsWith('.js');
const CHILD = fileURLToPath(new URL(BUILT ? './server-child.js' : './server-child.ts', import.meta.url));

/** Fork a child process serving `kind` on 127.0.0.1:0. */
export function startChildServer(kind: ServerKind, timeoutMs = 30_000): Promise<ChildServer> {
  const child = fork(CHILD, [kind], {
    execArgv: BUILT ? [] : ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString('utf8');
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error ?? 'child error'));
  });
  child.on('exit', (code) => {
    for (const p of pending.values())
      p.reject(new Error(`server child exited (${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
    pending.clear();
  });
  const call = <T>(msg: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`server child did not answer '${String(msg.type)}' within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...msg, id });
    });
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
      }, 3000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
  return call<{ url: string; statesUrl?: string }>({ type: 'start' }).then(
    (ready) => ({
      url: ready.url,
      ...(ready.statesUrl ? { statesUrl: ready.statesUrl } : {}),
      requests: () => call<number | undefined>({ type: 'stats' }),
      cpu: () => call<number | undefined>({ type: 'cpu' }).catch(() => undefined),
      call,
      close,
    }),
    async (e) => {
      await close();
      throw e;
    },
  );
}
