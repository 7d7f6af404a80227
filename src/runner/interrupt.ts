// Ctrl-C during a run. The first SIGINT (or SIGTERM) stops vitest from starting more checks; the
// checks in flight end (each is bounded by its time limit) and the command writes the report of
// what finished, the rest marked not-run, then exits 130. A second signal quits at once.
// Commands that run suites install the handler (src/cli/main.ts); runConformance watches the signal.

const controller = new AbortController();
let installed = false;

/** Aborted once the user asked the run to stop. */
export const interruptSignal: AbortSignal = controller.signal;

/** The exit status of a run stopped by the user (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** The detail of a check the interruption kept from finishing. */
export const INTERRUPTED_DETAIL = 'not run: the run was interrupted (Ctrl-C) before this check finished';

/** Installs the SIGINT/SIGTERM handlers (once); `say` prints one line on stderr. */
export function handleInterrupts(say: (line: string) => void): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`${signal} again: quitting without a report`);
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
