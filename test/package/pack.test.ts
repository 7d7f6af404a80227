// The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
// installed into a fresh project (dependencies from the local npm cache, the registry only for
// what the cache lacks), then imported by plain `node` as ESM and through require(), and type
// checked by a TypeScript consumer. The ESM script runs a real server check against the emulator.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryVersion } from '../../src/rules/index.ts';
import { specsDigest } from '../../src/spec/load.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

let dir = '';
let app = '';
let tarball = '';

async function node(file: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [file], { cwd: app, timeout: 120_000 });
}

describe('the packed tarball', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mturk-conformance-pack-'));
    const packed = await run(NPM, ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    // npm prints the build's own output before the JSON array
    const json = packed.stdout.slice(packed.stdout.indexOf('\n[') + 1);
    const info = JSON.parse(json.startsWith('[') ? json : packed.stdout) as { filename: string }[];
    tarball = join(dir, info[0]!.filename);
    app = join(dir, 'app');
    await run('mkdir', [app]);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true }),
    );
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: app,
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds built JavaScript with declarations, and no tests, CI or mutation configs', async () => {
    const { stdout } = await run('tar', ['tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/runner/worker-preload.mjs');
    // the compiled suites and the stamp that lets the executable run them without tsx
    expect(files).toContain('package/dist/suites/server/conformance.test.js');
    expect(files).toContain('package/dist/suites/client/conformance.test.js');
    expect(files).toContain('package/dist/build-stamp.json');
    expect(files).toContain('package/bin/build-state.mjs');
    expect(files).toContain('package/specs/model.json');
    const unwanted = files.filter((f) =>
      /^package\/(test\/|\.ci\/|stryker|tsconfig|vitest\.config|biome\.json|reports\/|bench\/)/.test(f),
    );
    expect(unwanted).toEqual([]);
    const installed = await readdir(join(app, 'node_modules', 'mturk-conformance'));
    expect(installed).toContain('dist');
    expect(installed).not.toContain('test');
  });

  it('runs a server check against the emulator from a plain node ESM script', async () => {
    await writeFile(
      join(app, 'esm.mjs'),
      `import { serverConformance, startEmulator } from 'mturk-conformance';
const emu = await startEmulator({ verifySignatures: true });
try {
  const r = await serverConformance({
    endpoint: emu.url, statesUrl: emu.statesUrl, operations: ['GetAssignment'],
    apis: ['2017-01-17'], runs: 3, seed: 1,
  });
  console.log(JSON.stringify({ exitCode: r.exitCode, summary: r.report.summary }));
} finally {
  await emu.close();
}
`,
    );
    const { stdout } = await node('esm.mjs');
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      exitCode: number;
      summary: { passed: number; failed: number };
    };
    expect(out.exitCode).toBe(0);
    expect(out.summary.failed).toBe(0);
    expect(out.summary.passed).toBeGreaterThan(0);
  }, 180_000);

  it('gives a plain node script the local MTurk: any key, Workers, the clock', async () => {
    await writeFile(
      join(app, 'local.mjs'),
      `import { startEmulator, WorkerActionError } from 'mturk-conformance';
import { MTurkClient, GetAssignmentCommand } from '@aws-sdk/client-mturk';
const mturk = await startEmulator();
const res = await fetch(mturk.statesUrl, { method: 'POST', body: JSON.stringify({ state: 'AssignableHIT', requester: 'AKIDMYAPP' }) });
const { HITId } = await res.json();
const { AssignmentId } = mturk.workers.submit(HITId, { Answer: '<a/>' });
let refused = '';
try { mturk.workers.submit(HITId); } catch (e) { refused = e instanceof WorkerActionError ? String(e.status) : 'other'; }
mturk.clock.advance(30 * 86400);
const client = new MTurkClient({ endpoint: mturk.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDMYAPP', secretAccessKey: 'x' } });
const out = await client.send(new GetAssignmentCommand({ AssignmentId }));
await mturk.close();
console.log(JSON.stringify({ refused, status: out.Assignment.AssignmentStatus }));
`,
    );
    const { stdout } = await node('local.mjs');
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { refused: string; status: string };
    expect(out.refused).toBe('409');
    expect(out.status).toBe('Approved');
  }, 180_000);

  it('runs its executable from dist/: npm gave every file a new mtime, the content is the same', async () => {
    const bin = join(app, 'node_modules', 'mturk-conformance', 'bin', 'mturk-conformance.mjs');
    const { stdout, stderr } = await run(process.execPath, [bin, '--version'], {
      cwd: app,
      env: { ...process.env, MTURK_CONFORMANCE_DEBUG: '1' },
    });
    expect(stderr).toContain('running dist/ (built from these sources)');
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('ships the build stamp of its own specs, so the installed loader skips compiling the meta-schema', async () => {
    // What keeps startEmulator() fast (its time is measured by `npm run bench`, not bounded in a
    // test): the stamp lists the digest of the shipped spec tree, for this rule registry.
    const pkg = join(app, 'node_modules', 'mturk-conformance');
    const stamp = JSON.parse(await readFile(join(pkg, 'dist', 'spec', 'validated-specs.json'), 'utf8')) as {
      digests: string[];
      registry: number;
    };
    expect(stamp.registry).toBe(registryVersion());
    expect(stamp.digests).toContain(specsDigest(join(pkg, 'specs')));
  });

  it('loads through require() and serves the provider states', async () => {
    await writeFile(
      join(app, 'cjs.cjs'),
      `const { startEmulator } = require('mturk-conformance');
(async () => {
  const emu = await startEmulator();
  const res = await fetch(emu.statesUrl, {
    method: 'POST',
    body: JSON.stringify({ state: 'HITWithSubmittedAssignment', requester: 'AKIAMTURKCONFORMANCE1', params: {} }),
  });
  console.log(JSON.stringify({ status: res.status, ids: Object.keys(await res.json()).sort() }));
  await emu.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const { stdout } = await node('cjs.cjs');
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      status: 200,
      ids: ['AssignmentId', 'HITId', 'WorkerId'],
    });
  }, 180_000);

  it('gives a TypeScript consumer the declarations', async () => {
    await writeFile(
      join(app, 'consumer.ts'),
      `import { startEmulator, serverConformance } from 'mturk-conformance';
export async function f(): Promise<number> {
  const emu = await startEmulator();
  const url: string = emu.url;
  const r = await serverConformance({ endpoint: url });
  return r.exitCode;
}
// @ts-expect-error: the emulator has no such option
export const bad = () => startEmulator({ notAnOption: true });
`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const r = await run(TSC, ['-p', 'tsconfig.json'], { cwd: app, timeout: 120_000 }).catch(
      (e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: '', code: e.code }),
    );
    expect(r.stdout).toBe('');
  }, 180_000);

  it('runs the JavaScript example app (examples/app-tests/js) with plain node and with vitest', async () => {
    for (const f of ['labelling.mjs', 'labelling.test.mjs', 'demo.mjs', 'vitest.config.mjs'])
      await copyFile(join(ROOT, 'examples', 'app-tests', 'js', f), join(app, f));
    const demo = await node('demo.mjs');
    const out = JSON.parse(demo.stdout.trim().split('\n').at(-1)!) as { submitted: number; paid: unknown[] };
    expect(out.submitted).toBe(2);
    expect(out.paid).toHaveLength(2);
    const tests = await run(
      process.execPath,
      [join(app, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.config.mjs'],
      { cwd: app, timeout: 180_000, env: { ...process.env, NO_COLOR: '1', CI: 'true' } },
    ).catch((e: { stdout?: string; stderr?: string; code?: number }) => ({ ...e, failed: true }));
    expect('failed' in tests ? `${tests.stdout}${tests.stderr}` : 'passed').toBe('passed');
    expect(tests.stdout).toMatch(/Tests\s+3 passed/);
  }, 240_000);

  it('validates an edited spec tree in the installed package (the build stamp covers only the shipped one)', async () => {
    const specs = join(app, 'node_modules', 'mturk-conformance', 'specs');
    const file = join(specs, 'model.json');
    const original = await readFile(file, 'utf8');
    const model = JSON.parse(original) as { entities: Record<string, { id: unknown }> };
    model.entities.HIT!.id = 42;
    await writeFile(file, JSON.stringify(model));
    await writeFile(
      join(app, 'edited.mjs'),
      `import { loadSpecs } from 'mturk-conformance';
try { loadSpecs(); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message.split('\\n')[0]); }
`,
    );
    const { stdout } = await node('edited.mjs');
    await writeFile(file, original);
    expect(stdout.trim()).toMatch(/^SpecProblems: model\.json#\/entities\/HIT\/id: must be string/);
  }, 180_000);
});
