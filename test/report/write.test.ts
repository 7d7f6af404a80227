import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReports } from '../../src/report/load.ts';
import { writeReportDir } from '../../src/report/write.ts';
import { brokenEmulator, goodEmulator } from './fixtures.ts';

describe('writeReportDir', () => {
  it('writes every file for one target, and the conformance.json reloads', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'report-write-')), 'nested', 'out');
    await writeReportDir(dir, [brokenEmulator()]);
    expect((await readdir(dir)).sort()).toEqual([
      'badge.json',
      'badge.svg',
      'conformance.json',
      'junit.xml',
      'report.html',
      'summary.md',
    ]);
    expect(await loadReports([dir])).toEqual([brokenEmulator()]);
    expect(JSON.parse(await readFile(join(dir, 'badge.json'), 'utf8')).message).toBe('4/6 must');
  });

  it('writes one badge per target when there are several, merging shards first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-write-'));
    const good = goodEmulator();
    const shard1 = { ...good, shard: '1/2', results: good.results.slice(0, 3) };
    const shard2 = { ...good, shard: '2/2', results: good.results.slice(3) };
    await writeReportDir(dir, [shard1, shard2, brokenEmulator()]);
    expect((await readdir(dir)).sort()).toEqual([
      'badge-broken-emulator.json',
      'badge-broken-emulator.svg',
      'badge-good-emulator.json',
      'badge-good-emulator.svg',
      'report.html',
      'summary.md',
    ]);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html.match(/"label":/g)).toHaveLength(2);
  });

  it('refuses to overwrite unless asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-write-'));
    await writeReportDir(dir, [goodEmulator()]);
    await expect(writeReportDir(dir, [brokenEmulator()])).rejects.toThrow(
      `${join(dir, 'report.html')}: already exists (pass overwrite to replace it)`,
    );
    await writeReportDir(dir, [brokenEmulator()], { overwrite: true });
    expect(await loadReports([dir])).toEqual([brokenEmulator()]);
  });
});
