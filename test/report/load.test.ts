import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadReports, parseReport, ReportError } from '../../src/report/load.ts';
import { brokenEmulator, goodEmulator } from './fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-load-'));
});

async function put(path: string, content: unknown): Promise<string> {
  const file = join(dir, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** The one-line message loadReports fails with. */
async function loadError(paths: string[]): Promise<string> {
  const error = await loadReports(paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReportError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('loadReports', () => {
  it('loads a file, a directory, and a directory of shard directories', async () => {
    const file = await put('single.json', goodEmulator());
    await put('run/conformance.json', brokenEmulator());
    await put('shards/shard-1/conformance.json', { ...goodEmulator(), shard: '1/2' });
    await put('shards/shard-2/conformance.json', { ...goodEmulator(), shard: '2/2' });
    await put('shards/notes/readme.txt', 'not a report');
    const reports = await loadReports([file, join(dir, 'run'), join(dir, 'shards')]);
    expect(reports.map((r) => r.target.name)).toEqual([
      'good emulator',
      'broken emulator',
      'good emulator',
      'good emulator',
    ]);
    expect(reports.map((r) => r.shard)).toEqual([undefined, undefined, '1/2', '2/2']);
  });

  it('loads the same file once even when named twice', async () => {
    const file = await put('conformance.json', goodEmulator());
    expect(await loadReports([file, dir])).toHaveLength(1);
  });

  it('names the file and the problem for bad JSON', async () => {
    const file = await put('bad.json', '{"tool": ');
    const message = await loadError([file]);
    expect(message).toMatch(new RegExp(`^${file}: not valid JSON \\(.+\\)$`));
  });

  it('names the missing field', async () => {
    const { summary: _, ...noSummary } = goodEmulator();
    const file = await put('c.json', noSummary);
    expect(await loadError([file])).toBe(`${file}: missing required field "summary"`);
  });

  it('points at the bad result by index and id', async () => {
    const bad = brokenEmulator() as unknown as { results: Record<string, unknown>[] };
    bad.results[2]!.status = 'broken';
    const file = await put('c.json', bad);
    expect(await loadError([file])).toBe(
      `${file}: results[2] (2017-01-17/RejectAssignment/only-submitted).status must be one of ` +
        '"passed", "failed", "not-run", "expected-failure", got "broken"',
    );
  });

  it('reports wrong types and wrong top-level shapes', async () => {
    const seed = await put('seed.json', { ...goodEmulator(), seed: 'abc' });
    expect(await loadError([seed])).toBe(`${seed}: seed must be an integer, got "abc"`);
    const array = await put('array.json', [1, 2]);
    expect(await loadError([array])).toBe(`${array}: report must be an object, got [1,2]`);
  });

  it('checks what the schema cannot say clearly', async () => {
    const good = goodEmulator();
    expect(() => parseReport({ ...good, target: { kind: 'server' } }, 'x.json')).toThrow(
      'x.json: target needs an "endpoint" or a "driver"',
    );
    expect(() => parseReport({ ...good, startedAt: 'yesterday' }, 'x.json')).toThrow(
      'x.json: startedAt is not a date: "yesterday"',
    );
    const twice = { ...good, results: [good.results[0], good.results[0]] };
    expect(() => parseReport(twice, 'x.json')).toThrow(/has the id ".+" twice/);
    expect(() => parseReport({ ...good, shard: '1 of 3' }, 'x.json')).toThrow(
      'x.json: shard must look like "k/n", e.g. "1/3", got "1 of 3"',
    );
  });

  it('says when a path is missing or a directory holds no report', async () => {
    const missing = join(dir, 'nope.json');
    expect(await loadError([missing])).toBe(`${missing}: cannot read (no such file or directory)`);
    await mkdir(join(dir, 'empty', 'sub'), { recursive: true });
    expect(await loadError([join(dir, 'empty')])).toBe(
      `${join(dir, 'empty')}: no conformance.json in this directory or its subdirectories`,
    );
  });
});
