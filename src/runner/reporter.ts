// A vitest reporter that turns the suite's tests (one per check) into the
// results of a ConformanceReport, and shows progress on stderr. It replaces
// vitest's own reporters, so the run prints nothing else.
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite } from 'vitest/node';
import type { CheckResult, CoverageMap } from '../report/types.ts';
import type { ProgressSink } from './progress.ts';
import type { CheckMeta } from './types.ts';

export interface CollectorOptions {
  /** true when a check id belongs to this run (--check filters); others are left out of the report */
  selected?: (id: string) => boolean;
  /** the command line that re-runs one check */
  reproduce?: (id: string, meta: Partial<CheckMeta> | undefined) => string;
  progress?: ProgressSink;
  /** true for a check id listed as an expected failure: its failure is counted apart */
  listed?: (id: string) => boolean;
  /** The detail of a check that did not run because the run was stopped, when it was (Ctrl-C). */
  stoppedDetail?: () => string | undefined;
}

export interface Collected {
  results: CheckResult[];
  coverage: CoverageMap;
  /** errors outside of any check: files that failed to load, hooks, unhandled rejections (first lines) */
  problems: string[];
  /** number of test files vitest loaded */
  modules: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** `<api>/<Operation>/<check>` */
const CHECK_ID = /^[^/\s]+\/[^/\s]+\/\S+$/;

function clean(text: string | undefined): string {
  return (text ?? '').replace(ANSI, '').trimEnd();
}

function metaOf(test: TestCase): Partial<CheckMeta> | undefined {
  const meta = test.meta() as { conformance?: Partial<CheckMeta> };
  return meta.conformance;
}

function idOf(test: TestCase): string {
  return metaOf(test)?.id ?? test.name;
}

function splitId(id: string): { api: string; operation: string; check: string } {
  const [api = '', operation = '', ...rest] = id.split('/');
  return { api, operation, check: rest.join('/') };
}

function firstErrorLine(errors: readonly SerializedError[] | undefined): string | undefined {
  const error = errors?.[0];
  if (!error) return undefined;
  const text = clean(error.message ?? String(error));
  return text.split('\n', 1)[0];
}

/** The nearest error of the suites around a test (a failing beforeAll, a file that did not load). */
function enclosingError(test: TestCase): string | undefined {
  let parent: TestSuite | TestModule | undefined = test.parent;
  while (parent) {
    const line = firstErrorLine(parent.errors());
    if (line) return line;
    parent = parent.type === 'module' ? undefined : parent.parent;
  }
  return undefined;
}

export class ConformanceCollector implements Reporter {
  private readonly options: CollectorOptions;
  private total = 0;
  private done = 0;
  private failed = 0;
  private expected = 0;
  private collected: Collected | undefined;

  constructor(options: CollectorOptions = {}) {
    this.options = options;
  }

  private isSelected(id: string): boolean {
    // Tests not named by a check id (a suite's "nothing to do" placeholder) are not checks.
    if (!CHECK_ID.test(id)) return false;
    return this.options.selected ? this.options.selected(id) : true;
  }

  onTestModuleCollected(testModule: TestModule): void {
    for (const test of testModule.children.allTests()) {
      if (this.isSelected(idOf(test))) this.total++;
    }
  }

  onTestCaseResult(test: TestCase): void {
    const id = idOf(test);
    if (!this.isSelected(id)) return;
    this.done++;
    // as the report will count them: a listed check that fails is expected, one that passes fails
    const state = test.result().state;
    const listed = this.options.listed?.(id) ?? false;
    if (state === 'failed' && listed) this.expected++;
    else if (state === 'failed' || (state === 'passed' && listed)) this.failed++;
    const { api, operation } = splitId(id);
    this.options.progress?.update({
      done: this.done,
      total: this.total,
      label: `${api}/${operation}`,
      failed: this.failed,
      expected: this.expected,
    });
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    this.options.progress?.finish();
    const results: CheckResult[] = [];
    const coverage: CoverageMap = {};
    const problems: string[] = [];
    const seen = new Set<string>();
    const modules = [...testModules].sort((a, b) =>
      a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0,
    );
    for (const testModule of modules) {
      const moduleError = firstErrorLine(testModule.errors());
      if (moduleError) problems.push(`${testModule.relativeModuleId}: ${moduleError}`);
      for (const test of testModule.children.allTests()) {
        const id = idOf(test);
        if (!CHECK_ID.test(id) && test.result().state === 'failed') {
          problems.push(`${test.name}: ${firstErrorLine(test.result().errors) ?? 'failed'}`);
        }
        if (!this.isSelected(id) || seen.has(id)) continue;
        seen.add(id);
        const result = this.toResult(test, id);
        results.push(result);
        const counts = metaOf(test)?.coverage;
        if (counts && result.status !== 'not-run') {
          const key = `${result.api}/${result.operation}`;
          const into = coverage[key] ?? {};
          coverage[key] = into;
          for (const [k, n] of Object.entries(counts)) {
            if (typeof n === 'number') into[k] = (into[k] ?? 0) + n;
          }
        }
      }
    }
    for (const error of unhandledErrors) {
      const line = firstErrorLine([error]);
      if (line) problems.push(line);
    }
    this.collected = { results, coverage, problems, modules: testModules.length };
  }

  private toResult(test: TestCase, id: string): CheckResult {
    const result = this.rawResult(test, id);
    // The detail may quote the suite's own re-run line: make it the one the report carries, so
    // there is one reproduce command per failure wherever it is shown.
    if (/^Reproduce: /m.test(result.detail)) {
      result.detail = result.reproduce
        ? result.detail.replace(/^Reproduce: .*$/gm, () => `Reproduce: ${result.reproduce}`)
        : result.detail.replace(/\n*^Reproduce: .*$/gm, '');
    }
    return result;
  }

  private rawResult(test: TestCase, id: string): CheckResult {
    const meta = metaOf(test);
    const parts = splitId(id);
    const base: CheckResult = {
      id,
      api: meta?.api ?? parts.api,
      operation: meta?.operation ?? parts.operation,
      check: meta?.check ?? parts.check,
      severity: meta?.severity === 'should' ? 'should' : 'must',
      status: 'not-run',
      detail: '',
      reproduce: this.options.reproduce?.(id, meta) ?? meta?.reproduce ?? '',
    };
    for (const key of ['request', 'response', 'rule', 'counterexample'] as const) {
      const value = meta?.[key];
      if (typeof value === 'string' && value !== '') base[key] = value;
    }
    if (meta?.curl && meta.curl.length > 0) (base as CheckResult & { curl?: string[] }).curl = [...meta.curl];
    const result = test.result();
    switch (result.state) {
      case 'passed':
        return { ...base, status: 'passed', detail: meta?.detail ?? '' };
      case 'failed': {
        const message = clean(result.errors[0]?.message);
        return { ...base, status: 'failed', detail: message || clean(meta?.detail) || 'failed' };
      }
      case 'skipped': {
        const stopped = meta?.notRunReason ? undefined : this.options.stoppedDetail?.();
        if (stopped) return { ...base, status: 'not-run', detail: stopped };
        const reason = meta?.notRunReason ?? result.note;
        if (reason) return { ...base, status: 'not-run', detail: reason };
        const around = enclosingError(test);
        return { ...base, status: 'not-run', detail: around ? `not run (${around})` : 'not run' };
      }
      default: {
        const stopped = this.options.stoppedDetail?.();
        if (stopped) return { ...base, status: 'not-run', detail: stopped };
        const around = enclosingError(test);
        return { ...base, status: 'not-run', detail: around ? `not run (${around})` : 'not run' };
      }
    }
  }

  /** The results, once the run has ended. */
  result(): Collected {
    return this.collected ?? { results: [], coverage: {}, problems: [], modules: 0 };
  }
}
