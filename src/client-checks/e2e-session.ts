// One end-to-end client session: the client under test pointed at a real server (the reference
// emulator, or any server with a provider-states endpoint) and the e2e check family run through it.
// The client-suite counterpart of src/client-checks/lanes.ts when the target has `server`.
import type { CheckRecord } from '../checks/types.ts';
import { TEST_CREDENTIALS } from '../emulator/test-credentials.ts';
import { send } from '../http/transport.ts';
import type { ClientTargetConfig, ClientUnderTest } from '../mock/types.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import { type E2eCheckDef, e2eCheckCatalogue } from './e2e-checks.ts';
import {
  CLIENT_TEST_CREDENTIALS,
  type ClientFactory,
  ClientPool,
  checkRecordOf,
  defaultFactory,
  doesNotSpeak,
  guarded,
} from './lanes.ts';
import type { ClientCheckOutcome } from './mock-checks.ts';
import { clientReproduce } from './reproduce.ts';

/**
 * The requester that owns the provider states of the `owner` checks: the emulator's documented
 * test requester that is not the one the client holds.
 */
export const E2E_OTHER_REQUESTER = TEST_CREDENTIALS.find(
  (c) => c.accessKeyId !== CLIENT_TEST_CREDENTIALS.accessKeyId,
);

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
    // a server's faults spend a client's retry quota too: a fresh client per operation, as against the mock
    await this.pool.forOperation(def.api, def.operation);
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
    if (!client) return doesNotSpeak(this.config, def.api);
    return guarded(() =>
      def.run({
        set: this.set,
        client,
        server: this.server,
        requester: CLIENT_TEST_CREDENTIALS.accessKeyId,
        ...(E2E_OTHER_REQUESTER ? { otherRequester: E2E_OTHER_REQUESTER } : {}),
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

/** The record an e2e check leaves on its vitest test (task.meta.conformance). */
export function e2eCheckRecord(
  def: E2eCheckDef,
  outcome: ClientCheckOutcome,
  config: ClientTargetConfig,
  diagnostics = '',
): CheckRecord {
  return checkRecordOf(def, outcome, clientReproduce(config, def), diagnostics);
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
