// Timing and peak memory of a child command: wall time, the peak of the summed
// RSS of its whole process tree (sampled from /proc every 50 ms), and the
// largest single process's max RSS from `/usr/bin/time -v` when available.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ProcMeasure {
  exitCode: number | null;
  signal: string | null;
  wallMs: number;
  /** peak of the summed RSS of the process tree, in MB (sampled); undefined without /proc */
  peakTreeMb?: number;
  /** max RSS of the largest single process, MB (GNU time), if available */
  maxRssMb?: number;
  timedOut: boolean;
  stdoutTail: string;
  stderrTail: string;
}

const TIME = '/usr/bin/time';

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces, so split after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(name));
      map.set(ppid, list);
    } catch {
      // the process went away
    }
  }
  return map;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Summed RSS (kB) of pid and all its descendants. */
export function treeRssKb(root: number): number {
  const kids = children();
  let total = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0 && seen.size < 10_000) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += rssKb(pid);
    for (const c of kids.get(pid) ?? []) stack.push(c);
  }
  return total;
}

function tail(s: string, n = 2000): string {
  return s.length > n ? s.slice(-n) : s;
}

/** Run `argv` (node, script, args...) and measure it; killed after timeoutMs. */
export function measureCommand(
  argv: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcMeasure> {
  const useTime = existsSync(TIME);
  const hasProc = existsSync('/proc/self/status');
  const [cmd, ...args] = useTime ? [TIME, '-v', ...argv] : argv;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd!, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout can end the whole tree
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout = tail(stdout + d.toString('utf8'), 20_000);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = tail(stderr + d.toString('utf8'), 20_000);
    });
    let peak = 0;
    const sampler = hasProc
      ? setInterval(() => {
          if (child.pid) peak = Math.max(peak, treeRssKb(child.pid));
        }, 50)
      : undefined;
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(killer);
      if (sampler) clearInterval(sampler);
      let maxRssMb: number | undefined;
      let exitCode = code;
      if (useTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        if (m) maxRssMb = Number(m[1]) / 1024;
        const st = /Exit status: (\d+)/.exec(stderr);
        if (st) exitCode = Number(st[1]);
        const cut = stderr.indexOf('\tCommand being timed:');
        if (cut !== -1) stderr = stderr.slice(0, cut);
        if (/Command terminated by signal/.test(stderr)) exitCode = null;
      }
      resolve({
        exitCode,
        signal: signal ?? null,
        wallMs,
        ...(hasProc ? { peakTreeMb: peak / 1024 } : {}),
        ...(maxRssMb !== undefined ? { maxRssMb } : {}),
        timedOut,
        stdoutTail: tail(stdout),
        stderrTail: tail(stderr),
      });
    });
  });
}
