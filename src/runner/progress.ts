// The progress line on stderr while a run is going: redrawn in place on a
// terminal, one plain line every few seconds otherwise (CI logs).

export interface ProgressState {
  done: number;
  total: number;
  /** `<api>/<Operation>` of the check that finished last */
  label: string;
  failed: number;
  /** Failures of checks listed in the expected-failures file (they do not fail the run). */
  expected?: number;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** force the terminal (true) or the log (false) style; default: stream.isTTY */
  tty?: boolean;
  /** log style: minimum time between two lines (ms) */
  intervalMs?: number;
  /** applied to every line before it is written (the runner's secret redaction) */
  redact?: (line: string) => string;
}

/** Where a run's progress goes: a Progress of its own, or one suite's share of a SuiteProgress line. */
export interface ProgressSink {
  update(state: ProgressState): void;
  finish(): void;
}

export class Progress implements ProgressSink {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private last = 0;
  private drawn = false;
  private readonly redact: (line: string) => string;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.intervalMs = options.intervalMs ?? (this.tty ? 80 : 5000);
    this.last = Date.now();
    this.redact = options.redact ?? ((line) => line);
  }

  static format({ done, total, label, failed, expected = 0 }: ProgressState): string {
    const width = String(Math.max(total, done)).length;
    const counts = [
      ...(failed > 0 ? [`${failed} failed`] : []),
      ...(expected > 0 ? [`${expected} expected ${expected === 1 ? 'failure' : 'failures'}`] : []),
    ];
    const tail = counts.length > 0 ? ` ... ${counts.join(', ')}` : '';
    return `[${String(done).padStart(width)}/${Math.max(total, done)}] ${label}${tail}`;
  }

  update(state: ProgressState): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.draw(state);
  }

  private draw(state: ProgressState): void {
    const line = this.redact(Progress.format(state));
    if (this.tty) {
      const columns = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 100;
      this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Removes the in-place line (terminal) so later output starts on a clean line. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/**
 * One progress line for suites that run side by side (`run`): the sums first, in the format of
 * a single suite's line (`[done/total]`), then each suite's own counts, e.g.
 * `[1423/4385] server 1200/4103, sdk-v3 223/282 ... 2 failed`. Log lines go through `log`, which
 * takes the in-place line away first so the two never end up on one line.
 */
export class SuiteProgress {
  private readonly progress: Progress;
  private readonly states = new Map<string, ProgressState & { finished: boolean }>();

  constructor(options: ProgressOptions = {}) {
    this.progress = new Progress(options);
  }

  /** The sink of one suite (named in the line); call in the order the suites should be listed. */
  channel(name: string): ProgressSink {
    return {
      update: (state) => {
        this.states.set(name, { ...state, finished: false });
        this.progress.update(this.combined());
      },
      finish: () => {
        const state = this.states.get(name);
        if (state) state.finished = true;
      },
    };
  }

  /** The line as drawn now (for tests). */
  combined(): ProgressState {
    let done = 0;
    let total = 0;
    let failed = 0;
    let expected = 0;
    const parts: string[] = [];
    for (const [name, s] of this.states) {
      done += s.done;
      total += Math.max(s.total, s.done);
      failed += s.failed;
      expected += s.expected ?? 0;
      // a finished suite stays in the sums, not in the list
      if (!s.finished) parts.push(`${name} ${s.done}/${Math.max(s.total, s.done)}`);
    }
    return { done, total, label: parts.join(', '), failed, ...(expected > 0 ? { expected } : {}) };
  }

  /** Writes a line of its own on the stream, never into the progress line. */
  log(line: string, stream: NodeJS.WritableStream = process.stderr): void {
    this.progress.finish();
    stream.write(`${line}\n`);
  }

  finish(): void {
    this.progress.finish();
  }
}
