// Failures that share a root cause, grouped: a server that answers HTML to everything fails a
// hundred checks for one reason, and a reader should see one line with a count, not a hundred.
// The cause is read from the first line of a failure's detail: what the target answered when the
// message says so ("…, but the target answered X"), else the message itself with the parts that
// vary from check to check (operation, API version, ids, quoted values, numbers) made generic.
import { escapeRegExp } from '../spec/resolve.ts';
import { firstLine } from './merge.ts';
import type { CheckResult } from './types.ts';

export interface FailureGroup {
  /** The shared cause, generic (e.g. `the target answered a success (HTTP 200)`). */
  cause: string;
  /** The failed checks with this cause, `must` first, in report order otherwise. */
  results: CheckResult[];
  must: number;
  should: number;
}

/** The message with what varies between checks replaced by placeholders. */
export function messageTemplate(message: string, result?: Pick<CheckResult, 'api' | 'operation'>): string {
  let text = message;
  if (result?.operation) text = text.replace(new RegExp(escapeRegExp(result.operation), 'g'), '<Operation>');
  return (
    text
      .replace(/\b\d{4}-\d{2}-\d{2}T[\d:.]+Z?/g, '<time>')
      // API versions look like dates
      .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<api>')
      .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
      // generated ids: long runs of capitals and digits
      .replace(/\b(?=[A-Z0-9]*\d)[A-Z0-9]{12,}\b/g, '<id>')
      .replace(/(?<!HTTP )\b\d+(?:\.\d+)?\b/g, 'N')
      .trim()
  );
}

/** The root cause of one failure, as a generic one-line text. */
export function failureCause(result: CheckResult): string {
  const line = firstLine(result.detail).trim() || 'failed';
  const answered = /,? but the target answered (.+?)\.?$/.exec(line);
  // "something unreadable (HTTP 200: why)" and "an unreadable answer (…)": one cause, the why
  const unreadableAnswer =
    answered && /^(?:something unreadable|an unreadable answer) \(HTTP \d+: (.*)\)$/.exec(answered[1]!);
  if (unreadableAnswer)
    return `the target answered something unreadable: ${messageTemplate(unreadableAnswer[1]!, result)}`;
  if (answered) return `the target answered ${messageTemplate(answered[1]!, result)}`;
  const unreadable = /gave an unreadable answer: (.+?)\.?$/.exec(line);
  if (unreadable)
    return `the target answered something unreadable: ${messageTemplate(unreadable[1]!, result)}`;
  return messageTemplate(line, result);
}

/** The failed checks grouped by cause: the groups with the most `must` failures first. */
export function failureGroups(results: readonly CheckResult[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const result of results) {
    if (result.status !== 'failed') continue;
    const cause = failureCause(result);
    const group = groups.get(cause) ?? { cause, results: [], must: 0, should: 0 };
    groups.set(cause, group);
    group.results.push(result);
    if (result.severity === 'must') group.must++;
    else group.should++;
  }
  const list = [...groups.values()];
  for (const g of list)
    g.results.sort((a, b) => Number(a.severity === 'should') - Number(b.severity === 'should'));
  return list.sort(
    (a, b) => b.must - a.must || b.results.length - a.results.length || (a.cause < b.cause ? -1 : 1),
  );
}

/** `a, b, c … and 9 more` */
export function listIds(results: readonly CheckResult[], limit = 5): string {
  const ids = results.map((r) => r.id);
  const shown = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${shown} … and ${ids.length - limit} more` : shown;
}

/** `34 checks (30 must, 4 should)` */
export function groupCount(group: FailureGroup): string {
  const n = group.results.length;
  const parts = [group.must ? `${group.must} must` : '', group.should ? `${group.should} should` : ''].filter(
    Boolean,
  );
  return `${n} check${n === 1 ? '' : 's'} (${parts.join(', ')})`;
}
