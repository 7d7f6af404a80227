// `run` runs its suites side by side: the lanes (runSideBySide) and the one progress line they
// share (SuiteProgress).
import { getHeapStatistics } from 'node:v8';
import { describe, expect, test } from 'vitest';
import { runSideBySide, type SuiteJob } from '../../src/cli/commands/run.ts';
import { SuiteProgress } from '../../src/runner/progress.ts';
import { collectGarbage } from '../../src/runner/run.ts';
import { cli, ownLines, STACK_LINE } from './helpers.ts';

/** Jobs that record when they run; each ends when the test says so. */
function jobs(specs: { name: string; group?: string; cores?: number }[]) {
  const log: string[] = [];
  const running = new Set<string>();
  let most = 0;
  const enders = new Map<string, () => void>();
  const list: SuiteJob[] = specs.map(({ name, group, cores }) => ({
    name,
    ...(group ? { group } : {}),
    ...(cores ? { cores } : {}),
    run: () =>
      new Promise<void>((resolve) => {
        running.add(name);
        most = Math.max(most, running.size);
        log.push(
          `start ${name}${[...running].length > 1 ? ` beside ${[...running].filter((n) => n !== name).join('+')}` : ''}`,
        );
        enders.set(name, () => {
          running.delete(name);
          log.push(`end ${name}`);
          resolve();
        });
      }),
  }));
  const end = async (name: string) => {
    for (let i = 0; i < 50 && !enders.has(name); i++) await new Promise((r) => setTimeout(r, 1));
    const fn = enders.get(name);
    if (!fn) throw new Error(`${name} did not start (log: ${log.join('; ')})`);
    enders.delete(name);
    fn();
    await new Promise((r) => setTimeout(r, 1));
  };
  return { list, log, running, end, most: () => most };
}

describe('runSideBySide', () => {
  test('two lanes: a free lane takes the next job in list order', async () => {
    const j = jobs([{ name: 'server' }, { name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const done = runSideBySide(j.list, 2, () => false);
    await j.end('a');
    await j.end('server');
    await j.end('b');
    await j.end('c');
    expect(await done).toEqual([]);
    expect(j.most()).toBe(2);
    expect(j.log.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[1])).toEqual([
      'server',
      'a',
      'b',
      'c',
    ]);
  });

  test('jobs of one group (the emulator) take turns; the others run beside them', async () => {
    const j = jobs([
      { name: 'server', group: 'emulator' },
      { name: 'e2e-1', group: 'emulator' },
      { name: 'e2e-2', group: 'emulator' },
      { name: 'mock' },
    ]);
    const done = runSideBySide(j.list, 3, () => false);
    // the mock suite starts beside the server suite; no end-to-end column does
    await j.end('mock');
    expect(j.running.has('e2e-1')).toBe(false);
    await j.end('server');
    await j.end('e2e-1');
    await j.end('e2e-2');
    await done;
    for (const line of j.log) {
      if (!line.includes('beside')) continue;
      const [, name, , others] = line.split(' ');
      const together = [name, ...(others ?? '').split('+')];
      expect(together.filter((n) => n === 'server' || n?.startsWith('e2e')).length, line).toBeLessThan(2);
    }
  });

  test('a job of two cores (the server suite and its emulator) runs alone on two, beside one on three', async () => {
    const two = jobs([{ name: 'server', cores: 2 }, { name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const done = runSideBySide(two.list, 2, () => false);
    expect([...two.running]).toEqual(['server']);
    await two.end('server');
    // then the one-core jobs two at a time
    expect([...two.running]).toEqual(['a', 'b']);
    await two.end('b');
    expect([...two.running]).toEqual(['a', 'c']);
    await two.end('a');
    await two.end('c');
    expect(await done).toEqual([]);
    expect(two.most()).toBe(2);

    const three = jobs([{ name: 'server', cores: 2 }, { name: 'a' }, { name: 'b' }]);
    const done3 = runSideBySide(three.list, 3, () => false);
    expect([...three.running]).toEqual(['server', 'a']);
    await three.end('a');
    expect([...three.running]).toEqual(['server', 'b']);
    await three.end('server');
    await three.end('b');
    await done3;

    // a job wanting more cores than there are takes them all
    const one = jobs([{ name: 'server', cores: 2 }, { name: 'a' }]);
    const done1 = runSideBySide(one.list, 1, () => false);
    expect([...one.running]).toEqual(['server']);
    await one.end('server');
    await one.end('a');
    await done1;
    expect(one.most()).toBe(1);
  });

  test('once stopped no job starts; the names of those left are returned', async () => {
    let stop = false;
    const j = jobs([{ name: 'server' }, { name: 'a' }, { name: 'b' }]);
    const done = runSideBySide(j.list, 2, () => stop);
    stop = true;
    await j.end('server');
    await j.end('a');
    expect(await done).toEqual(['b']);
  });

  test('a job that throws: no other starts, its error comes once those running have ended', async () => {
    const j = jobs([{ name: 'a' }, { name: 'c' }]);
    let ended = false;
    const failing: SuiteJob = {
      name: 'server',
      run: async () => {
        throw new Error('the suite could not run');
      },
    };
    const done = runSideBySide([failing, ...j.list], 2, () => false).finally(() => {
      ended = true;
    });
    done.catch(() => {});
    await j.end('a');
    expect(j.running.has('c')).toBe(false);
    expect(ended).toBe(true);
    await expect(done).rejects.toThrow('the suite could not run');
  });

  test('one lane runs the jobs one after the other', async () => {
    const j = jobs([{ name: 'server' }, { name: 'a' }]);
    const done = runSideBySide(j.list, 1, () => false);
    await j.end('server');
    await j.end('a');
    await done;
    expect(j.most()).toBe(1);
  });
});

test('collectGarbage: what nothing holds any more leaves the heap at once, and no global gc is left behind', () => {
  let held: string[] | undefined = Array.from({ length: 200_000 }, (_, i) => `entity ${i} ${'x'.repeat(64)}`);
  const before = getHeapStatistics().used_heap_size;
  expect(held.length).toBe(200_000);
  held = undefined;
  collectGarbage();
  expect(before - getHeapStatistics().used_heap_size).toBeGreaterThan(15_000_000);
  expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  expect(held).toBeUndefined();
});

describe('SuiteProgress', () => {
  function stream(tty: boolean) {
    let text = '';
    return {
      out: {
        write: (s: string) => {
          text += s;
          return true;
        },
        isTTY: tty,
        columns: 200,
      } as never,
      text: () => text,
    };
  }

  test('one line for the suites running: the sums first, as a single suite shows them', () => {
    const s = stream(false);
    const lines = new SuiteProgress({ stream: s.out, tty: false, intervalMs: 0 });
    const server = lines.channel('server');
    const sdk = lines.channel('sdk-v3');
    server.update({ done: 10, total: 4103, label: '2017-01-17/CreateHIT', failed: 0 });
    sdk.update({ done: 5, total: 282, label: '2017-01-17/GetHIT', failed: 2 });
    expect(s.text().trim().split('\n').at(-1)).toBe('[  15/4385] server 10/4103, sdk-v3 5/282 ... 2 failed');
    server.finish();
    sdk.update({ done: 6, total: 282, label: '2017-01-17/GetHIT', failed: 2 });
    // a finished suite stays in the sums only
    expect(s.text().trim().split('\n').at(-1)).toBe('[  16/4385] sdk-v3 6/282 ... 2 failed');
  });

  test('a log line on a terminal takes the progress line away first', () => {
    const s = stream(true);
    const lines = new SuiteProgress({ stream: s.out, tty: true, intervalMs: 0 });
    lines.channel('server').update({ done: 1, total: 2, label: 'x', failed: 0 });
    lines.log('run: hello', s.out);
    expect(s.text()).toBe('\r\x1b[2K[1/2] server 1/2\r\x1b[2Krun: hello\n');
  });
});

test.each(['0', '5'])('run --jobs %s: one line, exit 2, nothing started', async (n) => {
  const r = await cli(['run', '--jobs', n, '--no-progress'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(2);
  expect(ownLines(r.stderr)).toEqual([expect.stringMatching(/--jobs must be between 1 and 4/)]);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr).not.toMatch(/emulator listening/);
});
