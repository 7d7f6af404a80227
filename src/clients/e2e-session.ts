// One end-to-end client session: the client under test pointed at a real server (the reference
// emulator, or any server with a provider-states endpoint) and the e2e check family run through it.
// The client-suite counterpart of src/mock/session.ts when the target has `server`.
import type { CheckRecord } from '../checks/types.ts';
import { send } from '../http/transport.ts';
import type { ClientCheckOutcome } from '../mock/checks.ts';
import {
  CLIENT_TEST_CREDENTIALS,
  type ClientFactory,
  ClientPool,
  checkRecordOf,
  defaultFactory,
  guarded,
} from '../mock/session.ts';
import type { ClientTargetConfig, ClientUnderTest } from '../mock/types.ts';
import { shellQuote } from '../runner/shell.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import { type E2eCheckDef, e2eCheckCatalogue } from './e2e-checks.ts';

export interface E2eSessionOptions {
  /** Build the client under test instead of the one the config names (tests). */
  factory?: ClientFactory;
}

export class E2eSession {
  readonly set: SpecSet;
  readonly config: ClientTargetConfig;
  readonly server: { endpoint: string; statesUrl: string };
  private readonly pool: ClientPool;
  private unreachable: string | undefined;

  constructor(set: SpecSet, config: ClientTargetConfig, options: E2eSessionOptions = {}) {
    if (!config.server) throw new Error('an e2e session needs a target with a server');
    this.set = set;
    this.config = config;
    this.server = config.server;
    const endpoint = config.server.endpoint;
    this.pool = new ClientPool(set, config, options.factory ?? defaultFactory, async () => endpoint);
  }

  /** Is anybody there? A server that does not answer at all leaves every check not-run, not failed. */
  async start(): Promise<void> {
    if (this.config.unavailable || this.unreachable !== undefined) return;
    const u = new URL(this.server.endpoint);
    const r = await send(
      u.origin,
      { method: 'GET', path: u.pathname || '/', query: '', headers: {}, body: '' },
      { timeoutMs: Math.min(Math.max(this.config.timeoutMs, 500), 3000) },
    );
    this.unreachable = r.ok ? '' : `the server ${this.server.endpoint} does not answer: ${r.message}`;
  }

  /** The client for an API version (started on first use, again after a driver died). */
  client(api: Api): Promise<ClientUnderTest | undefined> {
    return this.pool.client(api);
  }

  catalogue(): E2eCheckDef[] {
    return e2eCheckCatalogue(this.set, {
      apis: this.config.apis,
      ...(this.config.operations ? { operations: this.config.operations } : {}),
      ...(this.config.checks ? { checks: this.config.checks } : {}),
    });
  }

  async runCheck(def: E2eCheckDef): Promise<ClientCheckOutcome> {
    if (this.config.unavailable)
      return { status: 'not-run', detail: '', notRunReason: this.config.unavailable };
    await this.start();
    if (this.unreachable) return { status: 'not-run', detail: '', notRunReason: this.unreachable };
    let client: ClientUnderTest | undefined;
    try {
      client = await this.client(def.api);
    } catch (e) {
      return {
        status: 'not-run',
        detail: '',
        notRunReason: `the client could not be started: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (!client)
      return {
        status: 'not-run',
        detail: '',
        notRunReason: `the client ${this.config.client} does not speak API ${def.api}`,
      };
    return guarded(() =>
      def.run({
        set: this.set,
        client,
        server: this.server,
        requester: CLIENT_TEST_CREDENTIALS.accessKeyId,
        runs: this.config.runs,
        seed: this.config.seed,
        timeoutMs: this.config.timeoutMs,
      }),
    );
  }

  diagnostics(): string {
    return this.pool.diagnostics();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The command line that re-runs one e2e check with the same seed against the same server. */
export function e2eReproduce(
  config: ClientTargetConfig,
  def: Pick<E2eCheckDef, 'id' | 'api' | 'operation'>,
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
  args.push(
    '--seed',
    String(config.seed),
    '--runs',
    String(config.runs),
    '--timeout-ms',
    String(config.timeoutMs),
  );
  const line = args.map(shellQuote).join(' ');
  return reference ? `npx mturk-conformance emulator --port ${REFERENCE_PORT} & ${line}` : line;
}

/** Where a re-run line starts the reference emulator when the run's own had a random port. */
const REFERENCE_PORT = 8080;
const REFERENCE_URL = `http://127.0.0.1:${REFERENCE_PORT}`;

/** The record an e2e check leaves on its vitest test (task.meta.conformance). */
export function e2eCheckRecord(
  def: E2eCheckDef,
  outcome: ClientCheckOutcome,
  config: ClientTargetConfig,
  diagnostics = '',
): CheckRecord {
  return checkRecordOf(def, outcome, e2eReproduce(config, def), diagnostics);
}

/** Runs the whole selected e2e catalogue against one client, without vitest (the tool's own tests). */
export async function runE2eChecks(
  set: SpecSet,
  config: ClientTargetConfig,
  options: E2eSessionOptions = {},
): Promise<{ def: E2eCheckDef; outcome: ClientCheckOutcome }[]> {
  const session = new E2eSession(set, config, options);
  const out: { def: E2eCheckDef; outcome: ClientCheckOutcome }[] = [];
  try {
    await session.start();
    for (const def of session.catalogue()) out.push({ def, outcome: await session.runCheck(def) });
  } finally {
    await session.close();
  }
  return out;
}
