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

export class Progress {
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
