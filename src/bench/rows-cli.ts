// Row (e): the command line as a user runs it: `npm start` (the `run` command:
// emulator + server suite, bundled clients + client suite) with wall time and
// peak memory, start-up alone (`run --help`), and `run --runs N` for a sweep.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState } from '../../bin/build-state.mjs';
import { measureCommand, type ProcMeasure } from './proc.ts';
import { round } from './rows-http.ts';
import { type BenchRow, measured, notRun } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'mturk-conformance.mjs');

export interface CliBenchSettings {
  runsSweep: number[];
  /** per command, ms */
  timeoutMs: number;
  seed: number;
}

/** What the executable runs: dist/ when it is a build of the sources, else src/ through tsx. */
function codeRun(): string {
  const state = buildState(ROOT);
  return state.current ? 'dist/' : `src/ through tsx (${state.reason})`;
}

function detailOf(m: ProcMeasure): Record<string, unknown> {
  return {
    code: codeRun(),
    exitCode: m.exitCode,
    wallMs: Math.round(m.wallMs),
    ...(m.peakTreeMb !== undefined ? { peakTreeMb: round(m.peakTreeMb, 1) } : {}),
    ...(m.maxRssMb !== undefined ? { largestProcessMaxRssMb: round(m.maxRssMb, 1) } : {}),
    ...(m.exitCode !== 0 && m.exitCode !== 1 ? { stderrTail: m.stderrTail.slice(-600) } : {}),
  };
}

async function runCli(args: string[], timeoutMs: number): Promise<ProcMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'mturk-bench-'));
  try {
    const withDir = args.includes('--help') ? args : [...args, '--report-dir', join(dir, 'reports')];
    return await measureCommand([process.execPath, BIN, ...withDir], {
      cwd: ROOT,
      timeoutMs,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A run that ended (0: all passed, 1: a check failed) is a measurement; anything else is not. */
function usable(m: ProcMeasure): string | undefined {
  if (m.timedOut) return `killed after ${Math.round(m.wallMs / 1000)} s (time limit)`;
  if (m.exitCode !== 0 && m.exitCode !== 1) {
    const line = m.stderrTail.trim().split('\n').filter(Boolean).pop() ?? '';
    return `exit ${m.exitCode}${line ? `: ${line.slice(0, 160)}` : ''}`;
  }
  return undefined;
}

/**
 * A row of one command's wall time, in s: not-run when the command did not end (with `exitZero`,
 * when it did not exit 0).
 */
async function wallRow(
  id: string,
  what: string,
  args: string[],
  timeoutMs: number,
  exitZero = false,
): Promise<BenchRow> {
  try {
    const m = await runCli(args, timeoutMs);
    const why = exitZero ? (m.exitCode === 0 ? undefined : (usable(m) ?? `exit ${m.exitCode}`)) : usable(m);
    if (why) return notRun(id, what, why);
    return {
      ...measured(id, what, round(m.wallMs / 1000, 2), 's'),
      detail: detailOf(m),
    };
  } catch (e) {
    return notRun(id, what, (e as Error).message);
  }
}

// issues #13 and #14: `npm start` with all 39 + 44 operations in stays within 20 s and 400 MB
const START_WALL_TARGET_S = 20;

export async function cliRows(settings: CliBenchSettings): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // start-up alone: load the CLI and the run command, print help
  const startWhat = 'start-up: `run --help` (load the CLI and the command module), wall';
  rows.push(await wallRow('startup', startWhat, ['run', '--help'], 60_000, true));

  const startWhat2 = '`npm start` (node bin/mturk-conformance.mjs run, defaults), wall time';
  const memWhat = '`npm start`: peak memory (sum of the process tree RSS, sampled)';
  const notMeasured = (why: string) => {
    rows.push(notRun('npm-start.wall', startWhat2, why, `≤ ${START_WALL_TARGET_S} s`));
    rows.push(notRun('npm-start.memory', memWhat, why, '≤ 400 MB'));
  };
  try {
    const m = await runCli(['run', '--seed', String(settings.seed), '--no-progress'], settings.timeoutMs);
    const why = usable(m);
    if (why) notMeasured(why);
    else {
      const s = m.wallMs / 1000;
      rows.push({
        ...measured('npm-start.wall', startWhat2, round(s, 2), 's'),
        target: `≤ ${START_WALL_TARGET_S} s`,
        met: s <= START_WALL_TARGET_S,
        detail: detailOf(m),
      });
      const mb = m.peakTreeMb ?? m.maxRssMb;
      rows.push(
        mb === undefined
          ? notRun('npm-start.memory', memWhat, 'neither /proc nor /usr/bin/time available', '≤ 400 MB')
          : {
              ...measured('npm-start.memory', memWhat, round(mb, 0), 'MB'),
              target: '≤ 400 MB',
              met: mb <= 400,
              detail: detailOf(m),
            },
      );
    }
  } catch (e) {
    notMeasured((e as Error).message);
  }

  for (const runs of settings.runsSweep) {
    const what = `\`run --runs ${runs}\`, wall time (start-up included; see the start-up row)`;
    const args = ['run', '--runs', String(runs), '--seed', String(settings.seed), '--no-progress'];
    rows.push(await wallRow(`runs.${runs}`, what, args, settings.timeoutMs));
  }
  return rows;
}
