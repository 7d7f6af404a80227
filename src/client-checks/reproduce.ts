// The command lines that re-run one client check: against the mock (client.<check>) or end to
// end against a server (e2e.<rule>). Kept apart from the sessions so that the runner's process
// can print them without loading the clients, msw and the SDK, which only the suite's worker needs.
import type { ClientTargetConfig } from '../mock/types.ts';
import type { Api } from '../spec/types.ts';
import { shellQuote } from '../wire/curl.ts';

/** Where a re-run line starts the reference emulator when the run's own had a random port. */
const REFERENCE_PORT = 8080;
const REFERENCE_URL = `http://127.0.0.1:${REFERENCE_PORT}`;

/**
 * The `mturk-conformance client` line that re-runs one check with the same seed: against the
 * config's server when it names one (the reference emulator is started on a fixed port first),
 * else against the mock.
 */
export function clientReproduce(
  config: ClientTargetConfig,
  def: { id: string; api: Api; operation: string },
): string {
  const args = ['npx', 'mturk-conformance', 'client'];
  if (config.client === 'driver') args.push('--driver', config.driver ?? '');
  else args.push('--client', config.client);
  const reference = config.server?.reference === true;
  const server = reference
    ? { endpoint: REFERENCE_URL, statesUrl: `${REFERENCE_URL}/_states` }
    : config.server;
  if (server) args.push('--server', server.endpoint, '--states-url', server.statesUrl);
  args.push('--api', def.api, '--operations', def.operation, '--check', def.id);
  args.push('--seed', String(config.seed), '--runs', String(config.runs));
  args.push('--timeout-ms', String(config.timeoutMs));
  if (config.maxAttempts !== undefined) args.push('--max-attempts', String(config.maxAttempts));
  const line = args.map(shellQuote).join(' ');
  return reference ? `npx mturk-conformance emulator --port ${REFERENCE_PORT} & ${line}` : line;
}
