// Ctrl-C during a run. The first SIGINT (or SIGTERM) stops vitest from starting more checks; the
// checks in flight end (each is bounded by its time limit) and the command writes the report of
// what finished, the rest marked not-run, then exits 130. A second signal quits at once.
// Commands that run suites install the handler (src/cli/main.ts); runConformance watches the signal.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const controller = new AbortController();
let installed = false;

/** Aborted once the user asked the run to stop. */
export const interruptSignal: AbortSignal = controller.signal;

/** The exit status of a run stopped by the user (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** The detail of a check the interruption kept from finishing. */
export const INTERRUPTED_DETAIL = 'not run: the run was interrupted (Ctrl-C) before this check finished';

/**
 * Suites in worker threads of this process (`run`) hear of a stop on this channel, besides vitest's
 * own cancel: vitest's list of running tests loses entries when concurrent tests end
 * (`tests.splice(tests.indexOf(test))` in @vitest/runner 4.1 drops every later one), and with that
 * list empty its cancel skips nothing, so a stopped run went on starting checks.
 */
const STOP_CHANNEL = 'mturk-conformance:stop';

/** Tells the suites running in this process's worker threads to start no more checks. */
export function stopSuiteThreads(): void {
  const channel = new BroadcastChannel(STOP_CHANNEL);
  channel.postMessage('stop');
  channel.close();
}

let stopHeard = false;
let listening = false;

/**
 * In a suite: true once the runner stopped the run (stopSuiteThreads). The first call starts
 * listening, so a suite calls it once when it loads.
 */
export function suiteStopped(): boolean {
  if (!listening) {
    listening = true;
    const channel = new BroadcastChannel(STOP_CHANNEL);
    channel.onmessage = () => {
      stopHeard = true;
      channel.close();
    };
    // the channel must not keep the worker alive
    (channel as { unref?: () => void }).unref?.();
  }
  return stopHeard;
}

/** Installs the SIGINT/SIGTERM handlers (once); `say` prints one line on stderr. */
export function handleInterrupts(say: (line: string) => void): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`${signal} again: quitting without a report`);
      // The suite's workers and the drivers they started are this process's descendants: a signal
      // sent to this process alone (kill PID, a CI runner) would leave them running.
      killDescendants(process.pid);
      process.exit(INTERRUPTED_EXIT);
    }
    say(
      `${signal}: stopping; the checks in flight finish, then the report of what ran is written (${signal} again to quit at once)`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Parent pid of every process: from /proc on Linux, else from `ps`. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
      } catch {
        // the process ended meanwhile
      }
    }
    if (parents.size > 0) return parents;
  } catch {
    // no /proc: ask ps
  }
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  for (const line of (ps.stdout ?? '').split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (Number.isInteger(pid) && Number.isInteger(ppid)) parents.set(pid!, ppid!);
  }
  return parents;
}

/** The pids of every process below `pid` (children, grandchildren, …). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parentMap()) children.set(parent, [...(children.get(parent) ?? []), child]);
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (out.includes(next)) continue;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** SIGKILLs every descendant of `pid` (what is left of a run the user quit). */
export function killDescendants(pid: number): void {
  for (const child of descendantsOf(pid)) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
