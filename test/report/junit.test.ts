import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => name === 'testcase',
});

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).testsuites;
}

describe('renderJunit', () => {
  it('writes one testcase per check with counts that match the summary', () => {
    const broken = brokenEmulator();
    const suites = parse(renderJunit(broken));
    const suite = suites.testsuite;
    expect(suites['@tests']).toBe('7');
    // the should-level failure does not gate without --strict: skipped, not a failure
    expect(suite['@failures']).toBe('1');
    expect(suite['@skipped']).toBe('2');
    expect(suite['@name']).toBe('mturk-conformance: broken emulator');
    expect(suite.testcase).toHaveLength(broken.results.length);
    const failed = suite.testcase.find((t: Record<string, string>) => t['@name'] === 'only-submitted');
    expect(failed['@classname']).toBe('2017-01-17.RejectAssignment');
    expect(failed.failure['@type']).toBe('must');
    expect(failed.failure['@message']).toBe('RejectAssignment accepted an Approved assignment');
    expect(failed.failure['#text']).toContain('Reproduce:\nmturk-conformance server --endpoint');
    expect(failed.failure['#text']).toContain('only Submitted assignments can be rejected');
  });

  it('marks should-level failures as failures only with strict', () => {
    const shape = (strict: boolean) =>
      parse(renderJunit(brokenEmulator(), { strict })).testsuite.testcase.find(
        (t: Record<string, string>) => t['@name'] === 'shape',
      );
    const lenient = shape(false);
    expect(lenient.failure).toBeUndefined();
    expect(lenient.skipped['@message']).toBe(
      'should-level failure (gates only with --strict): AvailableBalance is a number',
    );
    expect(lenient['system-out']).toContain('AvailableBalance is a number');
    const strict = shape(true);
    expect(strict.failure['@type']).toBe('should');
    expect(parse(renderJunit(brokenEmulator(), { strict: true })).testsuite['@failures']).toBe('2');
  });

  it('marks not-run and expected failures as skipped', () => {
    const suite = parse(renderJunit(goodEmulator())).testsuite;
    const skipped = suite.testcase.filter((t: Record<string, unknown>) => 'skipped' in t);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].skipped['@message']).toBe('not run: skipped');
  });

  it('stays well-formed whatever the text contains', () => {
    const nasty = 'a < b && "c" > \'d\' ]]> <![CDATA[ \u0001\u0008 \uD800 </testcase>';
    const id = '2017-01-17/Create<HIT>/"quoted"&';
    const r = report([result(id, { status: 'failed', detail: `${nasty}\nsecond line`, request: nasty })], {
      target: { kind: 'client', driver: 'x"<y>' },
    });
    const suite = parse(renderJunit(r)).testsuite;
    expect(suite['@name']).toBe('mturk-conformance: x"<y>');
    const [testcase] = suite.testcase;
    expect(testcase['@classname']).toBe('2017-01-17.Create<HIT>');
    expect(testcase.failure['@message']).toBe(
      'a < b && "c" > \'d\' ]]> <![CDATA[ \uFFFD\uFFFD \uFFFD </testcase>',
    );
  });
});
