// The recorded exchanges under fixtures/: their format, that they are the
// seeds' samples exactly, that their responses match the spec's success
// envelope, and that the seeds' Version=2017-01-17 slip is flagged by the spec
// (refused as UnsupportedVersion) rather than accepted as a legacy request.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLegacySuccessBody } from '../../src/fixtures/envelope.ts';
import { classifyLegacyVersion } from '../../src/fixtures/legacy-version.ts';
import {
  DEFAULT_FIXTURES_DIR,
  type Fixture,
  FixtureProblems,
  fixtureProblems,
  loadFixtures,
} from '../../src/fixtures/load.ts';
import { normaliseFixture } from '../../src/fixtures/normalise.ts';
import { paramsOfSampleUrl, readSeed, seedFiles } from '../../src/fixtures/seeds.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { messagePattern } from '../../src/spec/resolve.ts';
import { legacyCodec } from '../../src/wire/index.ts';

const set = loadSpecs();
const fixtures = loadFixtures();
const legacy = fixtures.filter((f) => f.api === '2014-08-15');
const seeds = seedFiles().map(readSeed);
const REPO = join(DEFAULT_FIXTURES_DIR, '..');

describe('fixture files', () => {
  it('one legacy fixture per seed', () => {
    expect(legacy.map((f) => f.operation).sort()).toEqual(seeds.map((s) => s.operation).sort());
  });

  it('2017-01-17: the real answers quoted in public threads, each with its provenance', () => {
    const json = fixtures.filter((f) => f.api === '2017-01-17');
    expect(json.map((f) => f.file.split('/').pop()).sort()).toEqual([
      'ApproveAssignment.dallinger-repeat-approve.json',
      'CreateQualificationType.dallinger-duplicate-name.json',
      'DeleteHIT.boto3-unreviewed-submission.json',
      'GetHIT.awscli-unknown-hit.json',
      'GetQualificationScore.dallinger-no-grant.json',
      'ListReviewableHITs.sdkjs-hitid-only.json',
      'RejectAssignment.nrgi-repeat-reject.json',
      'SendBonus.mephisto-in-flight.json',
    ]);
    const p = set.apis['2017-01-17'].protocol;
    const codes = new Map(Object.entries(set.errors.errors).map(([id, e]) => [e.code, { id, e }]));
    for (const { file, operation, fixture } of json) {
      expect(set.sources.sources[fixture.provenance.source], file).toBeTypeOf('string');
      expect(fixture.provenance.reRecordable).toBe(false);
      expect(fixture.provenance.file).toMatch(/^github\.com\//);
      const op = set.apis['2017-01-17'].operations.get(operation);
      expect(op, `${file}: no spec for ${operation}`).toBeDefined();
      const given = fixture.replay?.given;
      if (typeof given === 'string') expect(set.model.states, file).toHaveProperty(given);
      const doc = JSON.parse(fixture.response.body) as Record<string, unknown>;
      const typeField = p.errorEnvelope.body!.typeField;
      const message = String(doc[p.errorEnvelope.body!.messageField]);
      const patternOf = (e: (typeof set.errors.errors)[string]) =>
        messagePattern(e.message, p.errorEnvelope.messageSuffixPattern, e.placeholders);
      // the errors a rule of the operation answers with
      const opErrors = new Set(
        op!.behaviour.rules.flatMap((r) => [
          ...(r.error ? [r.error] : []),
          ...(r.acceptErrors ?? []),
          ...(r.unique?.error ? [r.unique.error] : []),
        ]),
      );
      const rendering = fixture.response.rendering;
      if (rendering !== undefined) {
        // a rendering: the body is exactly the type and message it shows (line breaks are the reporter's)
        expect(Object.keys(doc).sort(), file).toEqual([typeField, p.errorEnvelope.body!.messageField].sort());
        expect(rendering.replaceAll('\n', ''), file).toContain(
          `(${String(doc[typeField])}) when calling the ${operation} operation: ${message}`,
        );
      }
      if (typeof doc[typeField] === 'string') {
        // an error: the protocol's request type, a TurkErrorCode of errors.json (when shown), its message pattern
        expect(doc[typeField]).toBe(p.errorEnvelope.request!.type);
        const code = doc[p.errorEnvelope.body!.codeField!];
        const known =
          code !== undefined
            ? codes.get(String(code))
            : [...opErrors]
                .map((id) => ({ id, e: set.errors.errors[id]! }))
                .find(({ e }) => patternOf(e).test(message.replaceAll('[..]', 'X')));
        expect(
          known,
          `${file}: unknown TurkErrorCode, or no error of ${operation} has this message`,
        ).toBeDefined();
        // a reporter's redaction ([..]) stands for an id
        expect(message.replaceAll('[..]', 'X')).toMatch(patternOf(known!.e));
        expect(opErrors.has(known!.id), `${file}: ${operation} never answers ${known!.id}`).toBe(true);
      } else {
        // a success: only members of the operation's output
        const names = Object.keys(op!.output.members);
        for (const k of Object.keys(doc)) expect(names, `${file}: ${k}`).toContain(k);
      }
    }
    expect(readFileSync(join(DEFAULT_FIXTURES_DIR, '2017-01-17/README.md'), 'utf8')).toMatch(
      /public thread/i,
    );
  });

  it.each(legacy.map((f) => [f.file, f]))(
    '%s: provenance names a known source and a verbatim copy',
    (_, lf) => {
      const { fixture } = lf as (typeof legacy)[number];
      expect(set.sources.sources[fixture.provenance.source]).toContain(
        fixture.provenance.file.split('/').pop(),
      );
      expect(fixture.provenance.reRecordable).toBe(false);
      expect(fixture.provenance.why).toMatch(/June 2019/);
      expect(readFileSync(join(REPO, fixture.provenance.copy!), 'utf8').length).toBeGreaterThan(0);
    },
  );

  it('a broken fixture is reported with its file and pointer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mturk-fixtures-'));
    try {
      mkdirSync(join(dir, '2014-08-15'));
      const good = JSON.parse(readFileSync(join(DEFAULT_FIXTURES_DIR, legacy[0]!.file), 'utf8'));
      good.response.status = '200';
      good.normalise.push({ path: 'request.params.Nope', kind: 'id' });
      writeFileSync(join(dir, '2014-08-15/broken.json'), JSON.stringify(good));
      let problems: FixtureProblems['problems'] = [];
      try {
        loadFixtures(dir);
      } catch (e) {
        if (!(e instanceof FixtureProblems)) throw e;
        problems = e.problems;
      }
      expect(problems).toEqual([
        {
          file: '2014-08-15/broken.json',
          pointer: '/response/status',
          message: 'status should be number|null, is string',
        },
        {
          file: '2014-08-15/broken.json',
          pointer: '/normalise/6/path',
          message: 'request.params.Nope names nothing in the fixture',
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a rendering or a repeat of the wrong type', () => {
    const f = JSON.parse(
      readFileSync(join(DEFAULT_FIXTURES_DIR, '2017-01-17/GetHIT.awscli-unknown-hit.json'), 'utf8'),
    );
    expect(fixtureProblems(f)).toEqual([]);
    f.response.rendering = 42;
    f.replay.repeat = 'yes';
    expect(fixtureProblems(f)).toEqual([
      { pointer: '/response/rendering', message: 'rendering should be string, is number' },
      { pointer: '/replay/repeat', message: 'repeat should be boolean, is string' },
    ]);
  });

  it('the format check accepts every committed fixture', () => {
    for (const f of readdirSync(join(DEFAULT_FIXTURES_DIR, '2014-08-15')).filter((n) => n.endsWith('.json')))
      expect(
        fixtureProblems(JSON.parse(readFileSync(join(DEFAULT_FIXTURES_DIR, '2014-08-15', f), 'utf8'))),
      ).toEqual([]);
  });
});

describe.each(legacy.map((f) => [f.operation, f]))('legacy fixture %s', (_, lf) => {
  const { operation, fixture } = lf as (typeof legacy)[number];
  const seed = seeds.find((s) => s.operation === operation)!;

  it('is the seed sample, exactly as printed', () => {
    expect(fixture.request.url).toBe(seed.sampleRequest);
    expect(fixture.request.params).toEqual(paramsOfSampleUrl(seed.sampleRequest));
    expect(fixture.response.body).toBe(seed.sampleResponse);
    expect(fixture.response.status).toBeNull(); // the page shows none
    expect(fixture.request.method).toBe('GET');
  });

  it("the request's operation parameters are the spec's input members, required ones present", () => {
    const op = set.apis['2014-08-15'].operations.get(operation)!;
    const common = set.apis['2014-08-15'].protocol.commonParameters ?? {};
    const own = Object.keys(fixture.request.params!).filter((k) => !(k in common) && k !== 'Operation');
    for (const k of own) expect(Object.keys(op.input.members)).toContain(k);
    for (const [k, m] of Object.entries(op.input.members)) if (m.required) expect(own).toContain(k);
  });

  it("the response body parses and matches the spec's success envelope (Result element, Request/IsValid True)", () => {
    expect(checkLegacySuccessBody(set, operation, fixture.response.body)).toEqual({
      form: 'result',
      problems: [],
    });
  });

  it('records the Version=2017-01-17 slip as printed, and the spec refuses it (UnsupportedVersion)', () => {
    expect(fixture.request.params!.Version).toBe('2017-01-17');
    const anomaly = fixture.anomalies?.find((a) => a.path === 'request.params.Version');
    expect(anomaly?.expected).toBe('refuse:UnsupportedVersion');
    const verdict = classifyLegacyVersion(set, fixture.request.params!);
    expect(verdict).toEqual({ verdict: 'refuse', version: '2017-01-17', error: 'UnsupportedVersion' });
    expect(`${verdict.verdict}:${'error' in verdict ? verdict.error : ''}`).toBe(anomaly!.expected);
  });

  it('the legacy codec answers UnsupportedVersion for it too, and decodes it once Version is legacy', () => {
    const decode = (params: Record<string, string>) =>
      legacyCodec.decodeRequest(
        set,
        { method: 'GET', path: '/', query: new URLSearchParams(params).toString(), headers: {}, body: '' },
        { lookupSecret: () => 'secret', acceptAnySignature: true },
      );
    const asRecorded = decode(fixture.request.params!);
    expect(asRecorded.ok).toBe(false);
    if (!asRecorded.ok) expect(asRecorded.outcome.error).toBe('UnsupportedVersion');
    const corrected = decode({
      ...fixture.request.params!,
      Version: '2014-08-15',
      Timestamp: '2019-05-31T12:00:00Z',
    });
    expect(corrected.ok, JSON.stringify(corrected)).toBe(true);
    if (corrected.ok) expect(corrected.call.operation).toBe(operation);
  });

  it('normalises: placeholders and ids become tokens everywhere, layout whitespace goes', () => {
    const n = normaliseFixture(fixture);
    const idParam = fixture.normalise
      .find((x) => x.kind === 'id')!
      .path.split('.')
      .pop()!;
    expect(n.request.params![idParam]).toBe('<id:1>');
    expect(n.request.params!.Signature).toBe('<placeholder:Signature>');
    expect(n.request.url).not.toMatch(/\s/);
    expect(n.request.url).toContain(`${idParam}=<id:1>`);
    expect(n.response.body).toBe(
      `<${operation}Result><Request><IsValid>True</IsValid></Request></${operation}Result>`,
    );
    expect(normaliseFixture(n)).toEqual(n); // idempotent
  });
});

describe('classifyLegacyVersion', () => {
  it('accepts an absent Version (the latest legacy version) and 2014-08-15', () => {
    expect(classifyLegacyVersion(set, {})).toEqual({ verdict: 'accept', version: undefined });
    expect(classifyLegacyVersion(set, { Version: '2014-08-15' })).toEqual({
      verdict: 'accept',
      version: '2014-08-15',
    });
  });

  it('answers any other value with the protocol validation error', () => {
    expect(classifyLegacyVersion(set, { Version: '2012-03-25' })).toEqual({
      verdict: 'invalid',
      version: '2012-03-25',
      error: 'InvalidParameterValue',
    });
  });
});

describe('checkLegacySuccessBody', () => {
  const op = 'RejectAssignment';
  it('accepts the full response document', () => {
    const body = `<${op}Response><OperationRequest><RequestId>x</RequestId></OperationRequest><${op}Result><Request><IsValid>True</IsValid></Request></${op}Result></${op}Response>`;
    expect(checkLegacySuccessBody(set, op, body)).toEqual({ form: 'document', problems: [] });
  });

  it('reports IsValid False, a wrong root and garbage', () => {
    expect(
      checkLegacySuccessBody(
        set,
        op,
        `<${op}Result><Request><IsValid>False</IsValid></Request></${op}Result>`,
      ).problems,
    ).toEqual([`${op}Result/Request/IsValid is "False", expected True`]);
    expect(checkLegacySuccessBody(set, op, '<ApproveAssignmentResult/>').problems[0]).toMatch(/root element/);
    expect(checkLegacySuccessBody(set, op, '<a>').problems[0]).toMatch(/does not parse/);
  });
});

describe('fixture type', () => {
  it('a fixture is plain JSON', () => {
    const f: Fixture = legacy[0]!.fixture;
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});
