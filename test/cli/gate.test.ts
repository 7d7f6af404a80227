// What a gate reads from one run, end to end against the reference emulator: a run that left
// most checks not-run is not green (issue 12, item 10); every failure has one reproduce
// command, the same everywhere, and running it reproduces the failure (item 13).
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { splitCommand } from '../../src/driver/split.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { parseReport } from '../../src/report/load.ts';
import type { ConformanceReport } from '../../src/report/types.ts';
import { cli, ownLines, startGarbageServer } from './helpers.ts';

let emulator: RunningEmulator;
let garbage: Awaited<ReturnType<typeof startGarbageServer>>;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  garbage = await startGarbageServer();
});

afterAll(async () => {
  await emulator?.close();
  await garbage?.close();
});

async function readReport(dir: string): Promise<ConformanceReport> {
  return parseReport(JSON.parse(await readFile(join(dir, 'conformance.json'), 'utf8')), dir);
}

const SMALL = ['--api', '2017-01-17', '--operations', 'RejectAssignment', '--runs', '2', '--seed', '7'];
// A call the default 5 s limit cuts short on a loaded machine turns a passing check into a failed
// or not-run one, and these tests count exactly those: a long limit where the limit is not tested.
const PATIENT = ['--timeout-ms', '30000'];

describe('a run without --states-url', () => {
  test('says how much was not run, is not green, and --max-not-run fails the gate', async () => {
    const plain = await cli([
      'server',
      '--endpoint',
      emulator.url,
      ...SMALL,
      ...PATIENT,
      '--report-dir',
      'out',
      '--no-progress',
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const report = await readReport(join(plain.cwd, 'out'));
    const { notRun } = report.summary;
    expect(notRun).toBeGreaterThan(0);
    const percent = Math.round((100 * notRun) / report.results.length);
    expect(plain.stdout).toContain(`${notRun} not run (${percent}%)`);
    expect(plain.stdout).toMatch(
      new RegExp(`NOT RUN: ${notRun} of ${report.results.length} checks \\(${percent}%\\)`),
    );
    const md = await readFile(join(plain.cwd, 'out', 'summary.md'), 'utf8');
    expect(md).not.toContain('✅');
    expect(md).toContain(`**${notRun} of ${report.results.length} checks (${percent}%) were not run**`);
    expect(md).toMatch(/Most common reason \(\d+\): provider state/);

    const gated = await cli([
      'server',
      '--endpoint',
      emulator.url,
      ...SMALL,
      ...PATIENT,
      '--max-not-run',
      '10%',
      '--no-progress',
    ]);
    expect(gated.code).toBe(1);
    expect(ownLines(gated.stderr).at(-1)).toMatch(
      new RegExp(
        `${notRun} of ${report.results.length} checks \\(${percent}%\\) were not run, more than --max-not-run 10% allows`,
      ),
    );

    const withStates = await cli([
      'server',
      '--endpoint',
      emulator.url,
      '--states-url',
      emulator.statesUrl,
      ...SMALL,
      ...PATIENT,
      '--max-not-run',
      '0',
      '--no-progress',
    ]);
    expect(withStates.code, withStates.stderr).toBe(0);
  });

  test('--max-not-run takes a count or a share', async () => {
    const r = await cli(['server', '--endpoint', emulator.url, '--max-not-run', 'many']);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toEqual([
      'mturk-conformance server: --max-not-run "many": expected a count (e.g. 0) or a share (e.g. 10%)',
    ]);
  });
});

describe('one reproduce command per failure', () => {
  test('the same in conformance.json, the console, summary.md, junit.xml and the detail; a cross.* line reproduces', async () => {
    // HTML to every MTurk request, real provider states: every story, cross.* included, fails
    const r = await cli([
      'server',
      '--endpoint',
      garbage.url,
      '--states-url',
      emulator.statesUrl,
      '--operations',
      'ApproveAssignment',
      '--runs',
      '2',
      '--seed',
      '11',
      '--report-dir',
      'out',
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const report = await readReport(join(r.cwd, 'out'));
    const failed = report.results.filter((x) => x.status === 'failed');
    const cross = failed.find((x) => x.check === 'cross.unknown-id');
    expect(cross, 'a failed cross.unknown-id').toBeDefined();
    const md = await readFile(join(r.cwd, 'out', 'summary.md'), 'utf8');
    const junit = await readFile(join(r.cwd, 'out', 'junit.xml'), 'utf8');
    const html = await readFile(join(r.cwd, 'out', 'report.html'), 'utf8');
    const fromXml = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
    for (const f of failed) {
      expect(f.reproduce).toMatch(/^npx mturk-conformance server --endpoint /);
      // the detail quotes the very same line, nothing else
      const quoted = [...f.detail.matchAll(/^Reproduce: (.*)$/gm)].map((m) => m[1]);
      expect(
        quoted.every((line) => line === f.reproduce),
        f.id,
      ).toBe(true);
      expect(fromXml(junit)).toContain(`Reproduce:\n${f.reproduce}`);
    }
    expect(md).toContain(cross!.reproduce);
    expect(html).toContain(
      JSON.stringify(cross!.reproduce)
        .slice(1, -1)
        .replace(/</g, '\\u003c')
        .replace(/>/g, '\\u003e')
        .replace(/&/g, '\\u0026'),
    );
    const printed = [...r.stdout.matchAll(/re-run: (.*)$/gm)].map((m) => m[1]);
    expect(printed.length).toBeGreaterThan(0);
    const known = new Set(failed.map((f) => f.reproduce));
    for (const line of printed) expect(known.has(line!), line).toBe(true);
    // messages read as English (issue 12, item 19)
    const details = failed.map((f) => f.detail).join('\n');
    expect(details).toContain('An ApproveAssignment request');
    for (const bad of [
      /\bA [AEIOU][a-z]+[A-Z]\w* request/,
      /must fail must fail/,
      /\(\(absent\)\)/,
      /answered an unreadable answer/,
    ])
      expect(details).not.toMatch(bad);
    // the cross-version check needs both API versions: its line must select both
    expect(cross!.reproduce).toContain('--api 2017-01-17 --api 2014-08-15');

    const argv = splitCommand(cross!.reproduce);
    expect(argv.slice(0, 2)).toEqual(['npx', 'mturk-conformance']);
    const again = await cli([...argv.slice(2), '--report-dir', 'again', '--no-progress']);
    expect(again.code, again.stderr).toBe(1);
    const rerun = await readReport(join(again.cwd, 'again'));
    expect(rerun.results.map((x) => [x.id, x.status])).toEqual([[cross!.id, 'failed']]);
    expect(rerun.results[0]!.detail.split('\n', 1)[0]).toBe(cross!.detail.split('\n', 1)[0]);
  });
});

describe('a states endpoint that fails', () => {
  /** A provider-states endpoint that answers 500, or never answers. */
  async function failingStates(mode: '500' | 'hang'): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => {
      req.resume();
      if (mode === 'hang') return;
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('database is locked');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/_states`,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }

  test.each(['500', 'hang'] as const)(
    '%s: "the state endpoint failed", with the hint, not "not supported"',
    async (mode) => {
      const states = await failingStates(mode);
      try {
        const r = await cli([
          'server',
          '--endpoint',
          emulator.url,
          '--states-url',
          states.url,
          ...SMALL,
          // a hanging endpoint is cut by the timeout; a failing one needs no short timeout (a short one
          // would also cut the emulator's own answers on a busy machine)
          '--timeout-ms',
          mode === 'hang' ? '1500' : '10000',
          '--concurrency',
          '4',
          '--report-dir',
          'out',
          '--no-progress',
        ]);
        expect(r.code, r.stderr).toBe(0);
        const report = await readReport(join(r.cwd, 'out'));
        const reasons = report.results.filter((x) => x.status === 'not-run').map((x) => x.detail);
        expect(reasons.length).toBeGreaterThan(0);
        expect(reasons.filter((x) => /not supported/.test(x))).toEqual([]);
        const want =
          mode === '500'
            ? /^the state endpoint failed \(HTTP 500: "database is locked"\) setting up provider state \w+; if it only fails under load, raise --timeout-ms or lower --concurrency/
            : /^the state endpoint failed \(no answer within 1500 ms\) setting up provider state \w+; if it only fails under load, raise --timeout-ms or lower --concurrency/;
        for (const reason of reasons.filter((x) => /provider state/.test(x))) expect(reason).toMatch(want);
        expect(r.stdout).toMatch(/not run \(\d+\): the state endpoint failed/);
      } finally {
        await states.close();
      }
    },
  );

  test('--concurrency takes 1 to 64', async () => {
    const r = await cli(['server', '--endpoint', emulator.url, '--concurrency', '0']);
    expect(r.code).toBe(2);
    expect(ownLines(r.stderr)).toEqual(['mturk-conformance server: --concurrency must be between 1 and 64']);
  });
});
