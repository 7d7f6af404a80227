// The bundled legacy SOAP client (src/clients/legacy-soap.ts) passes every client check of the
// mock family, in process and as a driver (examples/drivers/legacy-soap-driver.mjs). SOAP clients
// that get the binding wrong: test/fixtures/broken-clients/soap-*.ts.
import { describe, expect, test } from 'vitest';
import { exampleDriverCommand } from '../../src/cli/commands/client.ts';
import { runClientChecks } from '../../src/client-checks/lanes.ts';
import type { ClientTargetConfig } from '../../src/mock/types.ts';
import { loadSpecs } from '../../src/spec/load.ts';

const set = loadSpecs();
const base: ClientTargetConfig = {
  kind: 'client',
  client: 'legacy-soap',
  apis: ['2014-08-15'],
  runs: 5,
  seed: 7,
  timeoutMs: 10_000,
};

const notPassing = (results: Awaited<ReturnType<typeof runClientChecks>>) =>
  results
    .filter((r) => r.outcome.status !== 'passed')
    .map((r) => `${r.def.id}: ${r.outcome.status} ${r.outcome.detail}${r.outcome.notRunReason ?? ''}`);

describe('the bundled legacy SOAP client', () => {
  test('in process: every client check passes', async () => {
    const results = await runClientChecks(set, base, { transport: 'in-process' });
    expect(results.length).toBeGreaterThan(20);
    expect(notPassing(results)).toEqual([]);
  }, 180_000);

  test('as a driver over HTTP: every client check of two operations passes', async () => {
    const results = await runClientChecks(
      set,
      {
        ...base,
        client: 'driver',
        driver: exampleDriverCommand('legacy-soap'),
        operations: ['RejectAssignment', 'GetAssignment'],
        runs: 3,
      },
      { transport: 'http' },
    );
    expect(results.length).toBeGreaterThan(5);
    expect(notPassing(results)).toEqual([]);
  }, 180_000);
});
