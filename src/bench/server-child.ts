// Child process entry for src/bench/servers.ts: serves the loopback ceiling or
// the reference emulator on 127.0.0.1:0 and answers the parent over IPC.
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { startCeilingServer } from './servers.ts';

type Msg = { id: number; type: string; [k: string]: unknown };

const kind = process.argv[2];
let count = () => 0 as number | undefined;
let statesUrl: string | undefined;
let url = '';
let closeServer: () => Promise<void> = async () => {};
let handleStates: ((body: string) => WireResponse) | undefined;
let storeSize: () => number | undefined = () => undefined;

async function start(): Promise<void> {
  if (kind === 'ceiling') {
    const s = await startCeilingServer();
    url = s.url;
    count = s.count;
    closeServer = () => new Promise((r) => s.server.close(() => r()));
    return;
  }
  if (kind === 'emulator') {
    const { startEmulator } = await import('../emulator/server.ts');
    const running = await startEmulator({ port: 0 });
    url = running.url;
    statesUrl = running.statesUrl;
    closeServer = running.close;
    const emulator = running.emulator;
    handleStates = (body) => emulator.handleStates(body);
    storeSize = () => emulator.store.size();
    // Count the requests the emulator answers: wrap its handler (the server looks it up per call).
    let n = 0;
    const inner = emulator.handleSync.bind(emulator);
    (emulator as { handleSync: (req: WireRequest) => WireResponse }).handleSync = (req) => {
      n++;
      return inner(req);
    };
    count = () => n;
    return;
  }
  throw new Error(`unknown server kind '${kind}'`);
}

/** Create up to `n` provider states in-process (stopping after budgetMs); answers the ids each returned. */
function pool(state: string, requester: string, n: number, budgetMs: number): Array<Record<string, unknown>> {
  if (!handleStates) throw new Error('this server has no provider states');
  const out: Array<Record<string, unknown>> = [];
  const body = JSON.stringify({ state, requester });
  const end = performance.now() + budgetMs;
  for (let i = 0; i < n && performance.now() < end; i++) {
    const r = handleStates(body);
    if (r.status !== 200) throw new Error(`provider state ${state}: ${r.status} ${r.body.slice(0, 200)}`);
    out.push(JSON.parse(r.body) as Record<string, unknown>);
  }
  return out;
}

process.on('message', async (m: Msg) => {
  const reply = (value: unknown) => process.send?.({ id: m.id, ok: true, value });
  try {
    if (m.type === 'start') {
      await start();
      reply({ url, statesUrl });
    } else if (m.type === 'stats') reply(count());
    else if (m.type === 'size') reply(storeSize());
    else if (m.type === 'cpu') {
      const u = process.cpuUsage();
      reply(u.user + u.system);
    } else if (m.type === 'pool')
      reply(pool(String(m.state), String(m.requester), Number(m.n), Number(m.budgetMs ?? 5000)));
    else throw new Error(`unknown message ${m.type}`);
  } catch (e) {
    process.send?.({ id: m.id, ok: false, error: (e as Error)?.message ?? String(e) });
  }
});

const stop = async () => {
  await Promise.race([closeServer(), new Promise((r) => setTimeout(r, 1000))]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
