// JUnit XML for CI test viewers: one <testsuite> per run, one <testcase> per
// check (classname "<api>.<operation>", name = check). A failed check that
// gates the run (`must`; with strict any) is a <failure> (type says its
// severity). A failed `should` check without strict is <skipped> with the
// failure in <system-out>: a JUnit reporter would otherwise turn a passing
// gate red. Not-run checks and expected failures are <skipped> too.
import { firstLine, isBlockingFailure, targetLabel } from './merge.ts';
import type { CheckResult, ConformanceReport } from './types.ts';

export interface JunitOptions {
  /** `should` failures gate the run (--strict): write them as <failure>. */
  strict?: boolean;
}

export function renderJunit(report: ConformanceReport, options: JunitOptions = {}): string {
  const { summary } = report;
  const strict = options.strict ?? false;
  const blocking = report.results.filter((r) => isBlockingFailure(r, strict)).length;
  const counts = {
    tests: report.results.length,
    failures: blocking,
    errors: 0,
    skipped: summary.notRun + summary.expectedFailures + (summary.failed - blocking),
    time: seconds(report.durationMs),
  };
  const name = `mturk-conformance: ${targetLabel(report)}`;
  const properties: [string, string][] = [
    ['tool.version', report.tool.version],
    ['target.kind', report.target.kind],
    ['target.endpoint', report.target.endpoint ?? ''],
    ['target.driver', report.target.driver ?? ''],
    ['api', report.api.join(',')],
    ['seed', String(report.seed)],
    ['shard', report.shard ?? ''],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs({ name: 'mturk-conformance', ...counts })}>`,
    `  <testsuite ${attrs({ name, ...counts, timestamp: report.startedAt })}>`,
    '    <properties>',
    ...properties
      .filter(([, value]) => value !== '')
      .map(([key, value]) => `      <property ${attrs({ name: key, value })}/>`),
    '    </properties>',
    ...report.results.map((result) => testcase(result, strict)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ];
  return lines.join('\n');
}

function testcase(result: CheckResult, strict: boolean): string {
  const open = `    <testcase ${attrs({ classname: `${result.api}.${result.operation}`, name: result.check })}`;
  switch (result.status) {
    case 'passed':
      return `${open}/>`;
    case 'not-run':
      return `${open}>\n      <skipped ${attrs({ message: `not run: ${firstLine(result.detail)}` })}/>\n    </testcase>`;
    case 'expected-failure':
      return `${open}>\n      <skipped ${attrs({ message: `expected failure: ${firstLine(result.detail)}` })}/>\n    </testcase>`;
    case 'failed': {
      const message = firstLine(result.detail) || `${result.severity} check failed`;
      if (!isBlockingFailure(result, strict))
        return `${open}>\n      <skipped ${attrs({ message: `should-level failure (gates only with --strict): ${message}` })}/>\n      <system-out>${escapeXml(failureBody(result))}</system-out>\n    </testcase>`;
      return `${open}>\n      <failure ${attrs({ message, type: result.severity })}>${escapeXml(failureBody(result))}</failure>\n    </testcase>`;
    }
  }
}

function failureBody(result: CheckResult): string {
  const sections: [string, string | undefined][] = [
    ['', result.detail],
    ['Rule', result.rule],
    ['Request', result.request],
    ['Response', result.response],
    ['Counterexample', result.counterexample],
    ['Reproduce', result.reproduce],
  ];
  return sections
    .filter(([, text]) => text)
    .map(([title, text]) => (title ? `${title}:\n${text}` : text))
    .join('\n\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}="${escapeXmlAttribute(String(value))}"`)
    .join(' ');
}

/** Escapes text for XML element content, replacing characters XML 1.0 cannot carry at all with U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escapes text for a double-quoted XML attribute; line breaks and tabs survive as character references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXml(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
