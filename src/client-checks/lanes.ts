// One client-suite session: the mock endpoint (in process or over HTTP), the
// client(s) under test per API version, and running catalogue checks against
// them. Used by suites/client (one vitest test per check) and by the tool's
// own tests (broken clients) directly.
import { resolve } from 'node:path';
import type { CheckRecord } from '../checks/types.ts';
import { SDK_V3_API, signingRegion } from '../clients/common.ts';
import { createLegacyRestClient, LEGACY_API } from '../clients/legacy-rest.ts';
import { startDriver } from '../driver/driver-client.ts';
import { TEST_REQUESTER_1 } from '../emulator/test-credentials.ts';
import { createMockHandlers, type MockHandlers } from '../mock/handlers.ts';
import { IN_PROCESS_ORIGIN, type MockEndpoint, startInProcessMock, startWireServer } from '../mock/server.ts';
import {
  type ClientTargetConfig,
  type ClientUnderTest,
  defaultLaneCount,
  IN_PROCESS_LANES,
  type RecordedExchange,
} from '../mock/types.ts';
import { DEFAULT_SPECS_DIR, loadSpecs } from '../spec/load.ts';
import type { Api, SpecSet } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { foreignWireForm } from '../wire/http-types.ts';
import { type ClientCheckDef, type ClientCheckOutcome, clientCheckCatalogue } from './mock-checks.ts';
import { clientReproduce } from './reproduce.ts';

/**
 * How often a driver that died without answering a case is started again in one run. A driver that
 * answered cases before it died (or was stopped for missing a deadline) is always started again:
 * it works, and each of its lives costs at most one case's deadline.
 */
export const MAX_DRIVER_RESTARTS = 3;

/** The credentials the bundled clients and drivers get (the emulator's documented test requester). */
export const CLIENT_TEST_CREDENTIALS: Credentials = TEST_REQUESTER_1;

export type ClientFactory = (
  api: Api,
  endpoint: string,
  ctx: { set: SpecSet; credentials: Credentials; config: ClientTargetConfig },
) => ClientUnderTest | undefined | Promise<ClientUnderTest | undefined>;

export interface ClientSessionOptions {
  /**
   * 'http' serves the mock on 127.0.0.1 (node:http, src/mock/server.ts), each lane on its own port;
   * 'in-process' intercepts the client's node:http and fetch with msw, each lane on its own origin.
   * Default: http (a third of the time of msw's interception for the bundled clients).
   */
  transport?: 'http' | 'in-process';
  /** Build the client under test instead of the one the config names (tests, broken clients). */
  factory?: ClientFactory;
  /** Working directory of a driver. */
  cwd?: string;
  /** Checks run side by side, each lane with its own mock and clients (default: config.lanes, else IN_PROCESS_LANES for an in-process client and 1 for a driver). */
  lanes?: number;
}

/** The bundled clients and the driver, by the config's `client`. The SDK is loaded only for its own client. */
export const defaultFactory: ClientFactory = async (api, endpoint, { set, credentials, config }) => {
  switch (config.client) {
    case 'sdk-v3': {
      if (api !== SDK_V3_API) return undefined;
      const { createSdkV3Client } = await import('../clients/sdk-v3.ts');
      return createSdkV3Client({ endpoint, credentials, region: signingRegion(set) });
    }
    case 'legacy-rest':
      return api === LEGACY_API ? createLegacyRestClient(set, { endpoint, credentials }) : undefined;
    case 'legacy-soap': {
      if (api !== LEGACY_API) return undefined;
      const { createLegacySoapClient } = await import('../clients/legacy-soap.ts');
      return createLegacySoapClient(set, { endpoint, credentials });
    }
    case 'driver':
      if (!config.driver) throw new Error('client: driver needs a driver command');
      return startDriver({
        command: config.driver,
        api,
        endpoint,
        credentials,
        timeoutMs: config.timeoutMs,
        ...(config.maxAttempts !== undefined ? { maxAttempts: config.maxAttempts } : {}),
        region: signingRegion(set),
      });
  }
};

/**
 * The clients of one session, one per API version: started on first use, and a driver that died
 * gets a fresh process for the next check, a few times per run, so one crashing input does not
 * fail every later check; then it stays down and cases fail at once. Shared by the mock session
 * and the end-to-end session (src/client-checks/e2e-session.ts).
 */
/** A client as the pool sees it: a driver also says whether it died and how many cases it answered. */
type PooledClient = ClientUnderTest & { deadReason?: () => string | undefined; answered?: () => number };

export class ClientPool {
  private readonly clients = new Map<Api, ClientUnderTest | undefined>();
  /** the operation whose checks the pool's clients last ran */
  private lastOperation: string | undefined;
  private readonly restarts = new Map<Api, number>();
  private readonly notes: string[] = [];

  constructor(
    private readonly set: SpecSet,
    private readonly config: ClientTargetConfig,
    private readonly factory: ClientFactory,
    /** the endpoint the clients talk to (starting it if need be) */
    private readonly endpoint: () => Promise<string>,
  ) {}

  /** The client for an API version; undefined when the client does not speak it. */
  async client(api: Api): Promise<ClientUnderTest | undefined> {
    const current = this.clients.get(api) as PooledClient | undefined;
    const dead = current?.deadReason?.();
    if (this.clients.has(api) && !dead) return current;
    if (dead) {
      if ((current?.answered?.() ?? 0) > 0) this.notes.push(`driver for ${api} restarted after: ${dead}`);
      else {
        const n = (this.restarts.get(api) ?? 0) + 1;
        if (n > MAX_DRIVER_RESTARTS) return current;
        this.restarts.set(api, n);
        this.notes.push(`driver for ${api} restarted (${n}/${MAX_DRIVER_RESTARTS}) after: ${dead}`);
      }
      await current?.close().catch(() => undefined);
    }
    const c = await this.factory(api, await this.endpoint(), {
      set: this.set,
      credentials: CLIENT_TEST_CREDENTIALS,
      config: this.config,
    });
    this.clients.set(api, c);
    return c;
  }

  /**
   * Each operation gets a fresh client (a driver: a new client in its process, or a new process;
   * docs/driver-protocol.md), so what a client keeps across calls (an SDK's retry quota, spent by
   * the error checks' faults) never carries from one operation's checks to the next's.
   */
  async forOperation(api: Api, operation: string): Promise<void> {
    const key = `${api}/${operation}`;
    if (this.lastOperation !== undefined && this.lastOperation !== key) await this.renew(api);
    this.lastOperation = key;
  }

  /**
   * A fresh client for the API version's next calls: the client starts afresh if it can (a driver
   * that declared `fresh-client`), else it is closed and the next `client()` builds a new one. A
   * dead driver is left to `client()`, which counts its restarts.
   */
  async renew(api: Api): Promise<void> {
    const c = this.clients.get(api) as PooledClient | undefined;
    if (!c || c.deadReason?.()) return;
    if (await c.fresh?.().catch(() => false)) return;
    this.clients.delete(api);
    await c.close().catch(() => undefined);
  }

  /** The tail of every client's diagnostics (a driver's stderr) and of the restarts, for the report. */
  diagnostics(): string {
    return [...this.notes, ...[...this.clients.values()].map((c) => c?.diagnostics?.() ?? '')]
      .filter(Boolean)
      .join('\n')
      .slice(-4000);
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) await c?.close().catch(() => undefined);
    this.clients.clear();
  }
}

/** The outcome of a check for an API version the client does not speak. */
export function doesNotSpeak(config: ClientTargetConfig, api: Api): ClientCheckOutcome {
  return {
    status: 'not-run',
    detail: '',
    notRunReason: `the client ${config.client} does not speak API ${api}`,
  };
}

/** Runs one check body; an exception is the check failing to complete, reported as failed with its stack. */
export async function guarded(run: () => Promise<ClientCheckOutcome>): Promise<ClientCheckOutcome> {
  try {
    return await run();
  } catch (e) {
    return {
      status: 'failed',
      detail: `the check could not complete: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    };
  }
}

export { IN_PROCESS_LANES };

/** The origin lane `i` of the in-process mock answers on (lane 0 on IN_PROCESS_ORIGIN itself). */
export function laneOrigin(i: number): string {
  return i === 0 ? IN_PROCESS_ORIGIN : IN_PROCESS_ORIGIN.replace('://', `://lane-${i}.`);
}

/**
 * One lane of a session: a mock with its own script and recorded exchanges, its own endpoint
 * (origin or port) and its own clients. Checks on one lane run one after another, so a check
 * sees only its own traffic; checks on different lanes run side by side.
 */
class Lane {
  readonly mock: MockHandlers;
  readonly pool: ClientPool;
  endpoint: MockEndpoint | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    set: SpecSet,
    config: ClientTargetConfig,
    factory: ClientFactory,
    readonly origin: string | undefined,
    start: () => Promise<void>,
  ) {
    this.mock = createMockHandlers(set, {
      credentials: [CLIENT_TEST_CREDENTIALS],
      ...(origin ? { origin } : {}),
    });
    this.pool = new ClientPool(set, config, factory, async () => {
      await start();
      return this.url;
    });
  }

  get url(): string {
    if (!this.endpoint) throw new Error('the client session is not started');
    return this.endpoint.url;
  }

  /** Runs `job` once the lane's earlier jobs have ended. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export class ClientSession {
  readonly set: SpecSet;
  readonly config: ClientTargetConfig;
  private readonly options: ClientSessionOptions;
  private readonly lanes: Lane[];
  private shared: MockEndpoint | undefined;
  private starting: Promise<void> | undefined;
  private laneOfOperation: Map<string, number> | undefined;

  constructor(set: SpecSet, config: ClientTargetConfig, options: ClientSessionOptions = {}) {
    this.set = set;
    this.config = config;
    this.options = options;
    const inProcess = this.transport() === 'in-process';
    const count = Math.max(1, options.lanes ?? defaultLaneCount(config));
    this.lanes = Array.from(
      { length: count },
      (_, i) =>
        new Lane(set, config, options.factory ?? defaultFactory, inProcess ? laneOrigin(i) : undefined, () =>
          this.start(),
        ),
    );
  }

  transport(): 'http' | 'in-process' {
    return this.options.transport ?? 'http';
  }

  /** How many checks run side by side (each lane has its own mock and clients). */
  get laneCount(): number {
    return this.lanes.length;
  }

  /** The mock of the first lane (the only one when the session has one lane). */
  get mock(): MockHandlers {
    return this.lanes[0]!.mock;
  }

  start(): Promise<void> {
    this.starting ??= this.startLanes();
    return this.starting;
  }

  private async startLanes(): Promise<void> {
    if (this.transport() === 'http') {
      for (const lane of this.lanes) lane.endpoint = await startWireServer(lane.mock);
      return;
    }
    // one interceptor for every lane: msw routes each request by its origin
    const { mswHandlers } = await import('../mock/msw.ts');
    this.shared = await startInProcessMock(this.lanes.flatMap((lane) => mswHandlers(lane.mock)));
    for (const lane of this.lanes)
      lane.endpoint = { url: lane.origin ?? IN_PROCESS_ORIGIN, close: async () => undefined };
  }

  /** The endpoint of the first lane. */
  get url(): string {
    return this.lanes[0]!.url;
  }

  /** The client of the first lane for an API version (started on first use); undefined when the client does not speak it. */
  client(api: Api): Promise<ClientUnderTest | undefined> {
    return this.lanes[0]!.pool.client(api);
  }

  private defs: ClientCheckDef[] | undefined;

  /** The checks this session's config selects (built once: building them generates inputs). */
  catalogue(): ClientCheckDef[] {
    this.defs ??= clientCheckCatalogue(this.set, {
      apis: this.config.apis,
      ...(this.config.operations ? { operations: this.config.operations } : {}),
      ...(this.config.checks ? { checks: this.config.checks } : {}),
    });
    return this.defs;
  }

  /**
   * The lane of a check. A lane takes whole operations, in catalogue order: the checks of one
   * operation run one after another on one client, as they would in a run with one lane. That
   * matters for clients that keep state across calls, such as the SDKs' retry budget: the
   * error-code check's faults spend it and the successes of the other checks earn it back, so
   * a lane given only fault-heavy checks would see its client stop retrying. The assignment
   * depends only on the selection, so a seed replays the same run.
   */
  private laneFor(def: ClientCheckDef): Lane {
    if (!this.laneOfOperation) {
      this.laneOfOperation = new Map();
      for (const d of this.catalogue()) {
        const key = `${d.api}/${d.operation}`;
        if (!this.laneOfOperation.has(key))
          this.laneOfOperation.set(key, this.laneOfOperation.size % this.lanes.length);
      }
    }
    return this.lanes[this.laneOfOperation.get(`${def.api}/${def.operation}`) ?? 0]!;
  }

  async runCheck(def: ClientCheckDef): Promise<ClientCheckOutcome> {
    const lane = this.laneFor(def);
    return lane.serial(async () => {
      await lane.pool.forOperation(def.api, def.operation);
      const client = await lane.pool.client(def.api);
      if (!client) return doesNotSpeak(this.config, def.api);
      const known = this.foreign.get(def.api);
      if (known) return known;
      const outcome = await guarded(() =>
        def.run({ set: this.set, client, mock: lane.mock, runs: this.config.runs, seed: this.config.seed }),
      );
      return this.speaksForeign(def, lane.mock.exchanges, outcome);
    });
  }

  /** Per API version: the not-run outcome of a client that speaks a wire form the suite does not know. */
  private readonly foreign = new Map<Api, ClientCheckOutcome>();

  /** A client whose requests are all in a foreign wire form (SOAP checked as REST) is not judged: one
   * not-run reason for every check of the API version, instead of a failure per check. */
  private speaksForeign(
    def: ClientCheckDef,
    exchanges: readonly RecordedExchange[],
    outcome: ClientCheckOutcome,
  ): ClientCheckOutcome {
    if (outcome.status !== 'failed' || !exchanges.length) return outcome;
    const forms = exchanges.map((x) => (x.unclaimed ? foreignWireForm(x.request) : undefined));
    if (forms.some((f) => f === undefined)) return outcome;
    const notRun: ClientCheckOutcome = {
      status: 'not-run',
      detail: '',
      notRunReason: `the client ${this.config.client} speaks ${forms[0]} for API ${def.api}, a wire form this suite does not check (it checks ${this.set.apis[def.api].protocol.protocol}); no check of that API version was judged`,
    };
    this.foreign.set(def.api, notRun);
    return notRun;
  }

  /** The tail of the clients' diagnostics (a driver's stderr), for the report: the lane of `def`, else every lane. */
  diagnostics(def?: ClientCheckDef): string {
    const lanes = def ? [this.laneFor(def)] : this.lanes;
    return lanes
      .map((lane) => lane.pool.diagnostics())
      .filter(Boolean)
      .join('\n')
      .slice(-4000);
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) {
      await lane.pool.close();
      await lane.endpoint?.close();
      lane.endpoint = undefined;
    }
    await this.shared?.close();
    this.shared = undefined;
    this.starting = undefined;
  }
}

export function loadSpecsFor(config: Pick<ClientTargetConfig, 'specsDir'>): SpecSet {
  return loadSpecs(config.specsDir ? resolve(config.specsDir) : DEFAULT_SPECS_DIR);
}

/** What a check definition must name for its record (client checks and e2e checks alike). */
export type RecordedCheck = Pick<
  ClientCheckDef,
  'id' | 'api' | 'operation' | 'check' | 'severity' | 'rule' | 'summary'
>;

/** The record a check leaves on its vitest test (task.meta.conformance). */
export function checkRecordOf(
  def: RecordedCheck,
  outcome: ClientCheckOutcome,
  reproduce: string,
  diagnostics = '',
): CheckRecord {
  const detail =
    outcome.status === 'failed'
      ? [
          outcome.detail,
          `Rule: ${def.rule}.`,
          ...(diagnostics ? [`Client stderr (tail):\n${diagnostics}`] : []),
        ].join('\n')
      : outcome.detail;
  return {
    id: def.id,
    api: def.api,
    operation: def.operation,
    check: def.check,
    severity: def.severity,
    rule: `${def.rule} (${def.summary})`,
    reproduce,
    ...(detail ? { detail } : {}),
    ...(outcome.request ? { request: outcome.request } : {}),
    ...(outcome.response ? { response: outcome.response } : {}),
    ...(outcome.counterexample ? { counterexample: outcome.counterexample } : {}),
    ...(outcome.notRunReason ? { notRunReason: outcome.notRunReason } : {}),
  };
}

/** The record of a mock-family client check. */
export function toCheckRecord(
  def: ClientCheckDef,
  outcome: ClientCheckOutcome,
  config: ClientTargetConfig,
  diagnostics = '',
): CheckRecord {
  return checkRecordOf(def, outcome, clientReproduce(config, def), diagnostics);
}

export interface InProcessResult {
  def: ClientCheckDef;
  outcome: ClientCheckOutcome;
}

/** Runs the whole selected catalogue against one client, without vitest (for the tool's own tests). */
export async function runClientChecks(
  set: SpecSet,
  config: ClientTargetConfig,
  options: ClientSessionOptions = {},
): Promise<InProcessResult[]> {
  const session = new ClientSession(set, config, options);
  const out: InProcessResult[] = [];
  try {
    await session.start();
    const defs = session.catalogue();
    const outcomes = await Promise.all(defs.map((def) => session.runCheck(def)));
    for (const [i, def] of defs.entries()) out.push({ def, outcome: outcomes[i]! });
  } finally {
    await session.close();
  }
  return out;
}
