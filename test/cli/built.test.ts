// Which code the executable runs (bin/build-state.mjs), end to end, in a copy of the package built
// here as `npm run build` builds it: a current build runs dist/ and the compiled suites with no
// TypeScript loader (shown with tsx taken out of reach: anything still asking for it would fail);
// a source edited since the build runs the sources through tsx, the edit in effect.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { cli, scratchDir } from './helpers.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const DEBUG = { MTURK_CONFORMANCE_DEBUG: '1' };

let pkg = '';
let bin = '';
let emulator: RunningEmulator;

/** node_modules for the copy: the repository's, without tsx when `withTsx` is false. */
async function linkModules(withTsx: boolean): Promise<void> {
  const dir = join(pkg, 'node_modules');
  await rm(dir, { recursive: true, force: true });
  if (withTsx) return symlink(join(ROOT, 'node_modules'), dir);
  await mkdir(dir);
  for (const name of await readdir(join(ROOT, 'node_modules'))) {
    if (name !== 'tsx' && name !== '.bin') await symlink(join(ROOT, 'node_modules', name), join(dir, name));
  }
}

async function summary(cwd: string, dir: string): Promise<{ passed: number; failed: number }> {
  return JSON.parse(await readFile(join(cwd, dir, 'conformance.json'), 'utf8')).summary;
}

beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'mturk-conformance-built-'));
  bin = join(pkg, 'bin', 'mturk-conformance.mjs');
  for (const d of ['bin', 'src', 'suites', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'])
    await cp(join(ROOT, d), join(pkg, d), { recursive: true });
  // read-only data the runs read; the example drivers copied (they find dist/ next to themselves)
  for (const d of ['specs', 'fixtures']) await symlink(join(ROOT, d), join(pkg, d));
  await cp(join(ROOT, 'examples', 'drivers'), join(pkg, 'examples', 'drivers'), { recursive: true });
  await linkModules(true);
  // npm run build, step by step
  await run(process.execPath, ['scripts/build.mjs', 'clean'], { cwd: pkg });
  await run(TSC, ['-p', 'tsconfig.build.json'], { cwd: pkg, timeout: 180_000 });
  await run(process.execPath, ['scripts/build.mjs', 'finish'], { cwd: pkg, timeout: 120_000 });
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
}, 300_000);

afterAll(async () => {
  await emulator?.close();
  if (pkg) await rm(pkg, { recursive: true, force: true });
});

const serverArgs = () => [
  'server',
  '--endpoint',
  emulator.url,
  '--states-url',
  emulator.statesUrl,
  '--api',
  '2017-01-17',
  '--operations',
  'GetAssignment',
  '--runs',
  '2',
  '--seed',
  '1',
  '--no-progress',
  '--report-dir',
  'r',
];

describe('a copy of the package', () => {
  test('built from its current sources: runs dist/ and the compiled suites with no tsx at all', async () => {
    const { stdout } = await run(process.execPath, ['scripts/build.mjs', 'current'], { cwd: pkg });
    expect(stdout).toContain('not rebuilt');
    await linkModules(false);
    try {
      const cwd = await scratchDir();
      const server = await cli(serverArgs(), { cwd, env: DEBUG, bin });
      expect(server.stderr).toContain('running dist/ (built from these sources)');
      expect(server.code).toBe(0);
      const report = await summary(cwd, 'r');
      expect(report.failed).toBe(0);
      expect(report.passed).toBeGreaterThan(0);
      // the compiled client suite, with a bundled client
      const clientArgs = ['client', '--client', 'legacy-rest', '--operations', 'GetAssignment'];
      clientArgs.push('--runs', '2', '--seed', '1', '--no-progress', '--report-dir', 'c');
      const client = await cli(clientArgs, { cwd, env: DEBUG, bin });
      expect(client.code).toBe(0);
      expect((await summary(cwd, 'c')).passed).toBeGreaterThan(0);
      // the example driver over the project's own SOAP client loads dist/ as well
      const driver = `'${process.execPath}' '${join(pkg, 'examples', 'drivers', 'legacy-soap-driver.mjs')}'`;
      const soapArgs = ['client', '--driver', driver, '--api', '2014-08-15', '--operations', 'GetAssignment'];
      soapArgs.push('--runs', '2', '--seed', '1', '--no-progress', '--report-dir', 's');
      const soap = await cli(soapArgs, { cwd, env: DEBUG, bin });
      expect(soap.code).toBe(0);
      expect((await summary(cwd, 's')).passed).toBeGreaterThan(0);
    } finally {
      await linkModules(true);
    }
  }, 180_000);

  test('with a source edited since the build: runs the sources through tsx, the edit in effect', async () => {
    const version = join(pkg, 'src', 'cli', 'version.ts');
    const text = await readFile(version, 'utf8');
    await writeFile(version, text.replace('return pkg.version;', "return pkg.version + '+edited';"));
    const current = run(process.execPath, ['scripts/build.mjs', 'current'], { cwd: pkg });
    await expect(current).rejects.toMatchObject({ code: 1 });
    const shown = await cli(['--version'], { env: DEBUG, bin });
    expect(shown.stderr).toContain('running src/ through tsx (src/cli/version.ts changed since the build)');
    expect(shown.stdout.trim()).toMatch(/\+edited$/);
    // and the TypeScript suites run (their workers register tsx)
    const cwd = await scratchDir();
    const server = await cli(serverArgs(), { cwd, env: DEBUG, bin });
    expect(server.code).toBe(0);
    expect((await summary(cwd, 'r')).passed).toBeGreaterThan(0);
  }, 180_000);
});
