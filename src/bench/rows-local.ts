// Row (f): the local MTurk as an app's test sees it, from the built package (dist/, what `exports`
// points at) in a fresh node process: startEmulator() to its first answered API call, the memory it
// adds to the process, and the store's heap after 10,000 CreateHIT calls through the SDK.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { round } from './rows-http.ts';
import { type BenchRow, measured, notRun } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist', 'index.js');
const run = promisify(execFile);

export interface LocalBenchFigures {
  firstAnswerMs: number;
  /** Importing the package (specs included), before startEmulator() is called. */
  importMs: number;
  /** RSS the package's import and startEmulator() add (the SDK was already loaded). */
  extraMb: number;
  /** Of which startEmulator() alone. */
  startMb: number;
  creates?: { calls: number; storeMb: number; wallMs: number; errors: number };
}

/**
 * The measuring script, run by a fresh `node --expose-gc`. The first answer does not count the
 * import (an app imports once, the target says "of being called"); the memory does: an app pays
 * for the package as well as the emulator. The SDK is loaded first, as the app has it anyway.
 */
function script(creates: number): string {
  return `
const mb = (b) => b / 1024 / 1024;
const sdk = await import('@aws-sdk/client-mturk');
globalThis.gc(); const rssBefore = process.memoryUsage().rss;
const ti = performance.now();
const { startEmulator } = await import(${JSON.stringify(pathToFileURL(DIST).href)});
const importMs = performance.now() - ti;
globalThis.gc(); const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const mturk = await startEmulator();
const client = new sdk.MTurkClient({ endpoint: mturk.url, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'x' } });
try { await client.send(new sdk.GetAssignmentCommand({ AssignmentId: 'NOSUCHASSIGNMENT' })); } catch {}
const firstAnswerMs = performance.now() - t0;
globalThis.gc(); const rss1 = process.memoryUsage().rss;
const out = { firstAnswerMs, importMs, extraMb: mb(rss1 - rssBefore), startMb: mb(rss1 - rss0) };
globalThis.gc(); const heap0 = process.memoryUsage().heapUsed;
const t1 = performance.now(); let errors = 0; let next = 0;
const worker = async () => { for (;;) { const i = next++; if (i >= ${creates}) return;
  try { await client.send(new sdk.CreateHITCommand({ Title: 'Bench ' + i, Description: 'A HIT', Reward: '0.05',
    LifetimeInSeconds: 3600, AssignmentDurationInSeconds: 600, MaxAssignments: 1,
    Question: '<QuestionForm/>' })); } catch { errors++; } } };
await Promise.all(Array.from({ length: 16 }, worker));
globalThis.gc(); out.creates = { calls: ${creates}, storeMb: mb(process.memoryUsage().heapUsed - heap0), wallMs: performance.now() - t1, errors };
await mturk.close();
console.log(JSON.stringify(out));
`;
}

export async function measureLocal(creates = 10_000, timeoutMs = 600_000): Promise<LocalBenchFigures> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', script(creates)],
    {
      cwd: ROOT,
      timeout: timeoutMs,
      maxBuffer: 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LocalBenchFigures;
}

export async function localRows(): Promise<BenchRow[]> {
  const startWhat = 'startEmulator() (built package) to its first answered SDK call, in a fresh process';
  const memWhat = 'memory the package import and startEmulator() add to that process (RSS, after gc)';
  const storeWhat = 'heap the store holds after 10,000 CreateHIT calls through the SDK (16 at a time)';
  const notMeasured = (why: string): BenchRow[] => [
    notRun('local.first-answer', startWhat, why, '≤ 300 ms'),
    notRun('local.memory', memWhat, why, '≤ 60 MB'),
    notRun('local.store-10k', storeWhat, why, '< 100 MB'),
  ];
  if (!existsSync(DIST)) return notMeasured('dist/ is missing: run npm run build');
  let f: LocalBenchFigures;
  try {
    f = await measureLocal();
  } catch (e) {
    // the child's own last words say why (a stale dist/, a missing SDK), not the command line
    const err = e as Error & { stderr?: string };
    const said = (err.stderr ?? '').trim().split('\n').filter(Boolean).at(-1);
    return notMeasured((said ?? err.message.split('\n')[0]!).slice(0, 200));
  }
  const rows: BenchRow[] = [
    {
      ...measured('local.first-answer', startWhat, round(f.firstAnswerMs, 0), 'ms'),
      target: '≤ 300 ms',
      met: f.firstAnswerMs <= 300,
      detail: { importMs: Math.round(f.importMs) },
    },
    {
      ...measured('local.memory', memWhat, round(f.extraMb, 1), 'MB'),
      target: '≤ 60 MB',
      met: f.extraMb <= 60,
      detail: { startMb: round(f.startMb, 1) },
    },
  ];
  if (f.creates && f.creates.errors === 0)
    rows.push({
      ...measured('local.store-10k', storeWhat, round(f.creates.storeMb, 1), 'MB'),
      target: '< 100 MB',
      met: f.creates.storeMb < 100,
      detail: { wallMs: Math.round(f.creates.wallMs), calls: f.creates.calls },
    });
  else
    rows.push(
      notRun(
        'local.store-10k',
        storeWhat,
        `${f.creates?.errors} of ${f.creates?.calls} CreateHIT calls failed`,
        '< 100 MB',
      ),
    );
  return rows;
}
