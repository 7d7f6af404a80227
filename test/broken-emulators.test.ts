// The server checks against the reference emulator (no must-level failure, nothing
// not-run) and against deliberately broken emulators (each must fail at least the
// checks its deviation breaks). The catalogue is run in-process, without vitest-in-vitest.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serverChecks } from '../src/checks/catalogue.ts';
import { runCheck } from '../src/checks/run.ts';
import type { CheckResult, ServerTargetConfig } from '../src/checks/types.ts';
import { startEmulator } from '../src/emulator/server.ts';
import { TEST_CREDENTIALS } from '../src/emulator/test-credentials.ts';
import { SERVER_CHECK_CONCURRENCY } from '../src/runner/run.ts';
import { loadSpecs } from '../src/spec/load.ts';
import type { Severity } from '../src/spec/types.ts';
import { APIS } from '../src/spec/types.ts';
import { brokenEmulators, soapBrokenEmulators } from './fixtures/broken-emulators/index.ts';
import {
  DOCUMENTED_OWNER_RULES,
  broken as ownerWrongCode,
} from './fixtures/broken-emulators/json-owner-refused-wrong-code.ts';
import { UNCAUGHT_KINDS, UNCAUGHT_KINDS_PER_API } from './fixtures/broken-emulators/uncaught-kinds.ts';
import { checkKinds, expectAudited } from './support/check-kinds.ts';

const set = loadSpecs();
const RUNS = 10;
const SEED = 20261124;

// the runs below, kept for the audit at the end: the reference's catalogue, and the ids each
// broken emulator failed (by name)
let referenceResults: CheckResult[] = [];
const failedBy = new Map<string, string[]>();

function config(
  url: string,
  statesUrl: string,
  operations?: string[],
  legacyWires?: string[],
): ServerTargetConfig {
  return {
    kind: 'server',
    endpoint: url,
    statesUrl,
    apis: [...APIS],
    runs: RUNS,
    seed: SEED,
    // generous: every broken emulator runs at once, and a loaded 2-core machine answers slowly
    timeoutMs: 15000,
    credentials: [...TEST_CREDENTIALS],
    ...(operations ? { operations } : {}),
    ...(legacyWires ? { legacyWires } : {}),
  };
}

/** Runs the catalogue as the runner does: at most SERVER_CHECK_CONCURRENCY checks at a time. */
async function runAll(cfg: ServerTargetConfig, specs = set): Promise<CheckResult[]> {
  const checks = serverChecks(specs, cfg);
  const results: CheckResult[] = new Array(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      results[i] = await runCheck(checks[i]!, specs, cfg);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SERVER_CHECK_CONCURRENCY, checks.length) }, worker));
  return results;
}

describe('the reference emulator', () => {
  let results: CheckResult[] = [];
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const em = await startEmulator({ port: 0 });
    close = em.close;
    // the whole catalogue at ten cases a property outlasted a 90 s hook on a loaded machine
    results = await runAll(config(em.url, em.statesUrl));
    referenceResults = results;
  }, 600_000);
  afterAll(async () => close?.());

  test('passes every must-level check and runs every check', () => {
    const failedMust = results.filter((r) => r.status === 'failed' && r.record.severity === 'must');
    const notRun = results.filter((r) => r.status === 'not-run');
    const failedShould = results.filter((r) => r.status === 'failed' && r.record.severity === 'should');
    console.log(
      `reference emulator: ${results.length} checks, ${results.filter((r) => r.status === 'passed').length} passed, ${failedShould.length} should-level failures${failedShould.length ? `: ${failedShould.map((r) => r.record.id).join(', ')}` : ''}`,
    );
    expect(failedMust.map((r) => `${r.record.id}\n${r.record.detail}`)).toEqual([]);
    expect(notRun.map((r) => `${r.record.id}: ${r.record.notRunReason}`)).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });

  test('records carry id, severity, rule and reproduce; coverage is counted', () => {
    for (const r of results) {
      expect(r.record.id).toBe(`${r.record.api}/${r.record.operation}/${r.record.check}`);
      expect(r.record.rule).toBeTruthy();
      expect(r.record.reproduce).toContain(`--check ${r.record.id}`);
    }
    const covered = results.flatMap((r) => Object.keys(r.record.coverage ?? {}));
    expect(covered).toEqual(
      expect.arrayContaining(['RequesterFeedback.length', 'RequesterFeedback.forbiddenCodePoints']),
    );
  });
});

describe('broken emulators', () => {
  test('there are at least 15, each with one documented deviation', () => {
    expect(brokenEmulators.length).toBeGreaterThanOrEqual(15);
    expect(new Set(brokenEmulators.map((b) => b.name)).size).toBe(brokenEmulators.length);
    for (const b of brokenEmulators) {
      expect(b.deviation.length).toBeGreaterThan(10);
      expect(b.expectFailing.length).toBeGreaterThan(0);
    }
  });

  test.concurrent.each(brokenEmulators.map((b) => [b.name, b] as const))(
    '%s is caught',
    async (_name, b) => {
      const running = await b.start();
      try {
        const operations = [...new Set(b.expectFailing.map((id) => id.split('/')[1]!))];
        // the deviations of the REST form are judged over REST (their SOAP twins: below); the
        // SOAP ones over both forms
        const wires = soapBrokenEmulators.includes(b) ? undefined : ['rest'];
        const results = await runAll(config(running.url, running.statesUrl, operations, wires), b.specs);
        const failed = results.filter((r) => r.status === 'failed').map((r) => r.record.id);
        failedBy.set(b.name, failed);
        const notRun = results
          .filter((r) => r.status === 'not-run')
          .map((r) => `${r.record.id} (${r.record.notRunReason ?? ''})`);
        console.log(
          `${b.name} (${b.deviation}): ${failed.length} of ${results.length} checks failed: ${failed.join(', ')}${notRun.length ? `; not run: ${notRun.join(', ')}` : ''}`,
        );
        const ids = new Set(results.map((r) => r.record.id));
        for (const id of b.expectFailing) expect(ids.has(id), `${id} exists`).toBe(true);
        expect(b.expectFailing.filter((id) => !failed.includes(id))).toEqual([]);
        // no other check catches the deviation (a check that got no answer in time, on a loaded
        // machine, says nothing about it)
        if (b.caughtOnlyBy)
          expect(
            results
              .filter((r) => r.status === 'failed' && !r.record.id.includes(b.caughtOnlyBy!))
              .filter((r) => !/^The request to \S+ failed \(/.test(r.record.detail ?? ''))
              .map((r) => r.record.id),
          ).toEqual([]);
        // a SOAP-only deviation is caught by SOAP checks alone: every REST check still passes
        if (soapBrokenEmulators.includes(b)) {
          expect(failed.filter((id) => !id.split('/')[2]!.startsWith('soap.'))).toEqual([]);
          expect(results.some((r) => r.status === 'passed' && !r.record.check.startsWith('soap.'))).toBe(
            true,
          );
        }
        const failure = results.find((r) => r.record.id === b.expectFailing[0]);
        expect(failure?.record.detail).toContain('Rule broken');
        expect(failure?.record.curl?.length ?? 0).toBeGreaterThan(0);
        for (const [id, text] of Object.entries(b.expectDetail ?? {}))
          expect(results.find((r) => r.record.id === id)?.record.detail, id).toContain(text);
      } finally {
        await running.close();
      }
    },
    180_000,
  );
});

describe('a documented refusal whose error code is inferred (withCodeTwins)', () => {
  test('the refusal is judged at must and passes; only the should `.code` twin sees the other code', async () => {
    const running = await ownerWrongCode.start();
    try {
      const results = await runAll(config(running.url, running.statesUrl, DOCUMENTED_OWNER_RULES));
      for (const op of DOCUMENTED_OWNER_RULES) {
        const base = results.find((r) => r.record.id === `2017-01-17/${op}/rule.owner-only`);
        const twin = results.find((r) => r.record.id === `2017-01-17/${op}/rule.owner-only.code`);
        expect([base?.status, base?.record.severity], op).toEqual(['passed', 'must']);
        expect([twin?.status, twin?.record.severity], op).toEqual(['failed', 'should']);
      }
    } finally {
      await running.close();
    }
  }, 120_000);
});

describe('SOAP twins of legacy checks', () => {
  test.concurrent.each(
    ['legacy-errors-wrong-place', 'legacy-ignores-echo', 'legacy-errors-without-data'].map((n) => [
      n,
      brokenEmulators.find((b) => b.name === n)!,
    ]),
  )(
    '%s is caught over SOAP too, by the twins of its checks',
    async (_name, b) => {
      const running = await b.start();
      try {
        const legacy = b.expectFailing.filter((id) => id.startsWith('2014-08-15/'));
        const operations = [...new Set(legacy.map((id) => id.split('/')[1]!))];
        const twins = legacy.map((id) => id.replace(/\/([^/]+)$/, '/soap.$1'));
        // only the twins run: the rest of the catalogue over SOAP is the reference's business
        const results = await runAll({
          ...config(running.url, running.statesUrl, operations, ['soap']),
          checks: twins,
        });
        expect(results.map((r) => r.record.id).sort()).toEqual([...twins].sort());
        const failed = results.filter((r) => r.status === 'failed').map((r) => r.record.id);
        expect(twins.filter((id) => !failed.includes(id))).toEqual([]);
      } finally {
        await running.close();
      }
    },
    180_000,
  );
});

// The converse of the per-fixture test: every kind of check the catalogue generates is seen
// failing on at least one broken emulator whose expectFailing names it (a SOAP-only kind: on a
// SOAP one). The kinds no fixture catches yet are listed, each with its reason; a listed kind
// that is now caught, or that no longer exists, fails too (the list only shrinks).
/**
 * The kind audit over one key function: every key of the reference run caught, or listed.
 * `asserted`: only a failure the fixture's expectFailing names counts (a test holds it), not one
 * seen in passing.
 */
function auditKinds(
  keyOf: (id: string) => string,
  listedUncaught: Record<string, string>,
  what: string,
  asserted: boolean,
) {
  const missing = brokenEmulators.filter((b) => !failedBy.has(b.name)).map((b) => b.name);
  expect(missing, 'the audit needs every broken emulator run (the whole file)').toEqual([]);
  expect(referenceResults.length).toBeGreaterThan(100);
  const kinds = checkKinds(set);
  const severity = new Map<string, Severity>();
  for (const r of referenceResults) {
    const key = keyOf(r.record.id);
    if (severity.get(key) !== 'must') severity.set(key, r.record.severity);
  }
  const caught = new Set<string>();
  for (const b of brokenEmulators)
    for (const id of failedBy.get(b.name) ?? [])
      if (!asserted || b.expectFailing.includes(id))
        if (!kinds.soapOnly(kinds.keyOf(id)) || soapBrokenEmulators.includes(b)) caught.add(keyOf(id));
  expectAudited(what, new Map([...severity].map(([k, sv]) => [k, `${k} (${sv})`])), caught, listedUncaught);
}

describe('every kind of check is watched catching a broken emulator', () => {
  const kinds = checkKinds(set);
  test('each kind in the reference catalogue fails on some broken emulator, or is listed', () => {
    auditKinds(kinds.keyOf, UNCAUGHT_KINDS, 'check kinds', true);
  });

  // the two versions are served by separate code in a real server (their own codecs, validation
  // and often handlers): a kind is seen failing on each version that has it (here a failure
  // seen in passing counts too: naming each in an expectFailing is the next step)
  test('each kind fails on some broken emulator on every API version that has it, or is listed', () => {
    auditKinds(
      (id) => `${id.split('/')[0]} ${kinds.keyOf(id)}`,
      UNCAUGHT_KINDS_PER_API,
      'check kinds per API version',
      false,
    );
  });
});
