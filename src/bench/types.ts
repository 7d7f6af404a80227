// One row of the benchmark table and the results file.

export interface BenchRow {
  /** stable id, e.g. 'emulator.2017-01-17' */
  id: string;
  /** what was measured, one line */
  what: string;
  status: 'measured' | 'not-run';
  /** why it was not run */
  reason?: string;
  value?: number;
  unit?: string;
  /** value divided by the reference named in ratioOf */
  ratio?: number;
  ratioOf?: string;
  /** the target as text, e.g. '≥ 0.5 of ceiling' */
  target?: string;
  /** did the figure meet its target (undefined when the row has none) */
  met?: boolean;
  /** everything else measured for the row (counts, latencies, memory...) */
  detail?: Record<string, unknown>;
}

export interface BenchResults {
  tool: string;
  startedAt: string;
  finishedAt: string;
  machine: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; memMb: number };
  settings: { durationMs: number; concurrency: number; runsSweep: number[] };
  rows: BenchRow[];
  /** the checks the suites hold per API version: the server catalogue (every wire form) and
   * the client catalogue (against the mock, and end to end) */
  checks?: Record<string, { server: number; client: number; clientE2e: number }>;
}

/** The head of a measured row: what was measured, its figure and unit. */
export function measured(
  id: string,
  what: string,
  value: number,
  unit: string,
): Pick<BenchRow, 'id' | 'what' | 'status' | 'value' | 'unit'> {
  return { id, what, status: 'measured', value, unit };
}

export function notRun(id: string, what: string, reason: string, target?: string): BenchRow {
  return { id, what, status: 'not-run', reason, ...(target ? { target } : {}) };
}
