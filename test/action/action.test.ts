// action.yml run outside GitHub: its steps are read from the file (Debian's PyYAML parses it), their
// `${{ … }}` expressions and `if:` conditions evaluated for the inputs a test chooses, and each
// `run:` executed with bash as a runner would (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY,
// GITHUB_ACTION_PATH). A `uses:` step (the upload) is recorded with its resolved inputs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';

interface Step {
  name: string;
  id?: string;
  if?: string;
  env?: Record<string, string>;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface ActionFile {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = JSON.parse(
  execFileSync(PYTHON, [
    '-c',
    'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
    join(ROOT, 'action.yml'),
  ]).toString(),
) as ActionFile;

interface Outcome {
  ok: boolean;
  outputs: Record<string, string>;
  uploads: { name: string; path: string }[];
  stderr: string;
  summary: string;
}

/** One job: the workspace, the job's environment (GITHUB_ENV) and its step summary persist across uses. */
class Job {
  readonly dir = mkdtempSync(join(tmpdir(), 'mturk-action-'));
  readonly env: Record<string, string> = {};
  readonly summaryFile = join(this.dir, '.summary.md');

  async use(given: Record<string, string>): Promise<Outcome> {
    const inputs: Record<string, string> = {};
    for (const [k, v] of Object.entries(action.inputs)) inputs[k] = given[k] ?? v.default ?? '';
    const steps: Record<string, Record<string, string>> = {};
    const expr = (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, e: string) => {
        const input = /^inputs\.([\w-]+)$/.exec(e);
        if (input) return inputs[input[1]!] ?? '';
        const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
        if (out) return steps[out[1]!]?.[out[2]!] ?? '';
        if (e === 'github.run_id') return '4242';
        throw new Error(`the test does not know the expression ${e}`);
      });
    const holds = (cond: string | undefined, failed: boolean) => {
      if (cond === undefined) return !failed;
      let always = false;
      const all = cond.split('&&').every((part) => {
        const p = part.trim();
        if (p === 'always()') {
          always = true;
          return true;
        }
        const m = /^inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'$/.exec(p);
        if (!m) throw new Error(`the test does not know the condition ${p}`);
        return (inputs[m[1]!] === m[3]) === (m[2] === '==');
      });
      return all && (always || !failed);
    };
    let failed = false;
    let stderr = '';
    const uploads: Outcome['uploads'] = [];
    for (const step of action.runs.steps) {
      if (!holds(step.if, failed)) continue;
      if (step.uses) {
        uploads.push({
          name: expr(step.with?.name ?? ''),
          path: join(this.dir, expr(step.with?.path ?? '')),
        });
        continue;
      }
      const outputFile = join(this.dir, `.output-${step.id ?? 'step'}`);
      const envFile = join(this.dir, '.env');
      writeFileSync(outputFile, '');
      writeFileSync(envFile, '');
      const env: Record<string, string> = { ...(process.env as Record<string, string>), ...this.env };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expr(v);
      Object.assign(env, {
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_OUTPUT: outputFile,
        GITHUB_ENV: envFile,
        GITHUB_STEP_SUMMARY: this.summaryFile,
        RUNNER_TEMP: this.dir,
        NO_COLOR: '1',
      });
      const code = await new Promise<number | null>((done) => {
        const child = spawn('bash', ['-e', '-c', expr(step.run!)], {
          cwd: this.dir,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.on('close', done);
      });
      const kv = (file: string) =>
        Object.fromEntries(
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l.includes('='))
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
      if (step.id) steps[step.id] = kv(outputFile);
      Object.assign(this.env, kv(envFile));
      if (code !== 0) failed = true;
    }
    const outputs: Record<string, string> = {};
    for (const [k, o] of Object.entries(action.outputs)) outputs[k] = expr(o.value);
    const summary = existsSync(this.summaryFile) ? readFileSync(this.summaryFile, 'utf8') : '';
    return { ok: !failed, outputs, uploads, stderr, summary };
  }

  close() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const pids: number[] = [];
/** Remembers an emulator to stop; only a real process id (kill(0) would signal this whole process group). */
const remember = (pid: string | undefined) => {
  const n = Number(pid);
  if (Number.isSafeInteger(n) && n > 1) pids.push(n);
};
afterAll(() => {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
});

const QUICK = '--operations GetAssignment --api 2017-01-17 --runs 3';

describe('action.yml', () => {
  it('is a composite action whose run steps all go through action/steps.sh', () => {
    expect(action.runs.using).toBe('composite');
    for (const s of action.runs.steps)
      if (s.run)
        expect(s.run).toMatch(
          /^bash "\$GITHUB_ACTION_PATH\/action\/steps\.sh" (install|emulator|gate|verdict)$/,
        );
  });

  it('mode emulator, then mode gate on it: passes, writes the summary, uploads the report', async () => {
    const job = new Job();
    try {
      const started = await job.use({ mode: 'emulator', port: '0' });
      expect(started.ok, started.stderr).toBe(true);
      remember(started.outputs.pid);
      expect(started.outputs.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.outputs['states-url']).toBe(`${started.outputs.url}/_states`);
      expect(started.uploads).toEqual([]);

      const gated = await job.use({ mode: 'gate', args: QUICK, seed: '7' });
      expect(gated.ok, gated.stderr).toBe(true);
      expect(gated.outputs['exit-code']).toBe('0');
      expect(gated.uploads).toEqual([{ name: 'conformance-report', path: join(job.dir, 'conformance') }]);
      const report = JSON.parse(readFileSync(join(job.dir, 'conformance', 'conformance.json'), 'utf8'));
      expect(report.seed).toBe(7);
      expect(report.target.endpoint).toBe(started.outputs.url);
      expect(gated.summary).toContain('GetAssignment');
    } finally {
      job.close();
    }
  }, 180_000);

  it('a failing gate still uploads its report, and then fails the job with its exit code', async () => {
    const job = new Job();
    try {
      const started = await job.use({ mode: 'emulator', port: '0' });
      remember(started.outputs.pid);
      // a check that passes but is listed as an expected failure fails the run (exit 1)
      writeFileSync(join(job.dir, 'expected.txt'), '2017-01-17/GetAssignment/rule.unknown-id\n');
      const gated = await job.use({
        mode: 'gate',
        args: QUICK,
        'expected-failures': 'expected.txt',
        upload: 'true',
      });
      expect(gated.ok).toBe(false);
      expect(gated.outputs['exit-code']).toBe('1');
      expect(gated.uploads).toHaveLength(1);
      expect(existsSync(join(gated.uploads[0]!.path, 'conformance.json'))).toBe(true);
      expect(gated.stderr).toContain('the gate failed (exit 1)');
    } finally {
      job.close();
    }
  }, 180_000);

  it('a gate with no endpoint and no emulator started: one line, the job fails', async () => {
    const job = new Job();
    try {
      const gated = await job.use({ mode: 'gate', upload: 'false' });
      expect(gated.ok).toBe(false);
      expect(gated.stderr.trim()).toBe(
        "mturk-conformance action: no endpoint: give 'endpoint', or start the emulator with mode: emulator first",
      );
      expect(gated.uploads).toEqual([]);
    } finally {
      job.close();
    }
  });
});
