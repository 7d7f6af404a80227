// The library entry used from a user's own vitest file: serverConformance runs
// the bundled suite in a vitest instance of its own and returns the report.
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { clientConformance, RunError, serverConformance } from '../../src/index.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await emulator?.close();
});

test('serverConformance against the emulator: exit 0, a report, optional report files', async () => {
  const reportDir = join(await mkdtemp(join(tmpdir(), 'mc-lib-')), 'conformance');
  const savedExitCode = process.exitCode;
  const result = await serverConformance({
    endpoint: emulator.url,
    statesUrl: emulator.statesUrl,
    operations: ['GetAssignment', 'RejectAssignment'],
    runs: 3,
    seed: 21,
    reportDir,
    name: 'in-process emulator',
  });
  expect(result.exitCode, result.summary).toBe(0);
  expect(result.report.target).toEqual({
    kind: 'server',
    endpoint: emulator.url,
    name: 'in-process emulator',
  });
  expect(result.report.results.length).toBeGreaterThan(0);
  expect(new Set(result.report.results.map((r) => r.operation))).toEqual(
    new Set(['GetAssignment', 'RejectAssignment']),
  );
  expect(result.report.summary.notRun).toBe(0);
  expect(result.summary).toContain('in-process emulator');
  expect(JSON.parse(await readFile(join(reportDir, 'conformance.json'), 'utf8')).seed).toBe(21);
  expect(process.exitCode).toBe(savedExitCode);
}, 180_000);

test('serverConformance with own credentials: re-run lines name the access keys, never a secret', async () => {
  // a server that answers the wrong thing, so that checks fail and carry re-run lines
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{"Unexpected":true}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  try {
    const { port } = server.address() as AddressInfo;
    const result = await serverConformance({
      endpoint: `http://127.0.0.1:${port}`,
      apis: ['2017-01-17'],
      operations: ['GetAssignment'],
      runs: 1,
      seed: 5,
      timeoutMs: 2000,
      credentials: [
        { accessKeyId: 'AKIALIBRARYTEST1', secretAccessKey: 'library-secret-one' },
        { accessKeyId: 'AKIALIBRARYTEST2', secretAccessKey: 'library-secret-two' },
      ],
    });
    expect(result.exitCode, result.summary).toBe(1);
    const lines = result.report.results.filter((r) => r.status === 'failed').map((r) => r.reproduce);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(
        /^npx mturk-conformance server --endpoint .*--check 2017-01-17\/GetAssignment\/.*--seed 5/,
      );
      expect(line).toContain('--access-key AKIALIBRARYTEST1 --access-key AKIALIBRARYTEST2');
      expect(line).not.toContain('--secret-key');
    }
    expect(JSON.stringify(result.report) + result.summary).not.toContain('library-secret');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}, 180_000);

test('serverConformance refuses MTurk itself before sending anything', async () => {
  await expect(
    serverConformance({ endpoint: 'https://mturk-requester.us-east-1.amazonaws.com', allowRemote: true }),
  ).rejects.toThrow(RunError);
});

test('clientConformance with a bundled client', async () => {
  const result = await clientConformance({
    client: 'sdk-v3',
    operations: ['GetAssignment'],
    runs: 2,
    seed: 3,
  });
  expect(result.exitCode, result.summary).toBe(0);
  expect(result.report.target.kind).toBe('client');
  expect(result.report.results.every((r) => r.operation === 'GetAssignment')).toBe(true);
  await expect(clientConformance({})).rejects.toThrow(/either driver or client/);
}, 180_000);
