import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderBadge } from '../../src/report/badge.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

describe('renderBadge', () => {
  it('counts passed must checks and goes red on a must failure', () => {
    const { json, svg } = renderBadge(brokenEmulator());
    expect(json).toEqual({ schemaVersion: 1, label: 'mturk conformance', message: '4/6 must', color: 'red' });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('<title>mturk conformance: 4/6 must</title>');
    expect(svg).toContain('#e05d44');
  });

  it('is green when every must check passed', () => {
    expect(renderBadge(goodEmulator()).json).toMatchObject({ message: '5/5 must', color: 'brightgreen' });
  });

  it('is yellow when no must failed but some did not pass', () => {
    const r = report([result('a/b/c'), result('a/b/d', { status: 'not-run' })]);
    expect(renderBadge(r).json).toMatchObject({ message: '1/2 must', color: 'yellow' });
  });

  it('is grey when there is nothing to count', () => {
    expect(renderBadge(report([])).json).toMatchObject({ message: 'no must checks', color: 'lightgrey' });
  });
});
