// One check's conversation with the target: requests encoded by the codec of
// the API version, provider states, observations through the entity's observe
// operation, a log of every exchange (for the failure message and curl lines)
// and the coverage counts.
import type fc from 'fast-check';
import type { Coverage } from '../arbitraries/coverage.ts';
import { bump } from '../arbitraries/coverage.ts';
import { send } from '../http/transport.ts';
import { missingEntityErrors } from '../rules/index.ts';
import { observeInputs } from '../rules/values.ts';
import { errorSpec, inputMembers } from '../spec/resolve.ts';
import { everyGroup } from '../spec/response-groups.ts';
import type { Api, EntitySpec, Pagination, SpecSet } from '../spec/types.ts';
import type { Codec, Credentials, DecodedAnswer } from '../wire/codec.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { codecFor } from '../wire/index.ts';
import { parseXmlSafe } from '../wire/xml.ts';
import { caseLoop } from './cases.ts';
import type { Check, ServerTargetConfig } from './types.ts';

/** Thrown when a check cannot run (provider state unsupported, API not served, ...). */
export class NotRun extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRun';
  }
}

/** Thrown when the target broke the rule; the message is a readable explanation. */
export class CheckFailure extends Error {
  exchange?: Exchange;
  counterexample?: string;
  /** The operation whose call failed, when a check's run calls several (stateful.model). */
  operation?: string;
  constructor(message: string, exchange?: Exchange) {
    super(message);
    this.name = 'CheckFailure';
    if (exchange) this.exchange = exchange;
  }
}

export interface Exchange {
  label: string;
  api?: Api;
  operation?: string;
  url: string;
  req: WireRequest;
  res?: WireResponse;
  answer?: DecodedAnswer;
}

export interface Answered extends Exchange {
  res: WireResponse;
  answer: DecodedAnswer;
}

export interface Observation {
  present: boolean;
  entity?: Record<string, unknown>;
  exchange: Answered;
}

export interface CallOptions {
  /** index into config.credentials, a literal credential, or null for an unsigned request */
  as?: number | Credentials | null;
  responseGroups?: string[];
  label?: string;
  /** HTTP method (protocols that allow several) */
  method?: 'GET' | 'POST';
  /** signature scheme name (legacy) */
  scheme?: string;
  /** change the encoded request before it is sent */
  mutate?: (req: WireRequest) => WireRequest;
}

/** Queries longer than this are sent as a form body instead, when the protocol allows POST. */
const LONG_QUERY = 4096;
/** How many pages an observation reads at most (a listing that never ends is the target's failure). */
const MAX_OBSERVE_PAGES = 1000;

/** Probe results per target config object (a new config, a new probe) and API version. */
const servedCache = new WeakMap<ServerTargetConfig, Map<string, Promise<string | undefined>>>();

const NO_FRESH_REQUESTER = 'hands back no fresh requester';

/** What every session of a target config reads from its URLs (parsed once per config, not per check or call). */
interface ConfigUrls {
  host: string;
  /** the endpoint without its trailing slashes */
  base: string;
  states?: { origin: string; path: string; query: string };
}
const configUrls = new Map<string, ConfigUrls>();

function urlsOf(config: ServerTargetConfig): ConfigUrls {
  const key = `${config.endpoint} ${config.statesUrl ?? ''}`;
  let urls = configUrls.get(key);
  if (!urls) {
    if (configUrls.size >= 64) configUrls.clear();
    urls = { host: new URL(config.endpoint).host, base: config.endpoint.replace(/\/+$/, '') };
    if (config.statesUrl) {
      const u = new URL(config.statesUrl);
      urls.states = { origin: u.origin, path: u.pathname, query: u.search.replace(/^\?/, '') };
    }
    configUrls.set(key, urls);
  }
  return urls;
}

/** Whether the target hands back fresh requesters, per target config (asked once it said no). */
const freshSupport = new WeakMap<ServerTargetConfig, boolean>();

/**
 * The provider state a fresh requester is asked for when a check only wants the scope: the one
 * that makes least (no ids to return, fewest entities), so the scope starts (nearly) empty.
 */
export function scopeState(set: SpecSet): string | undefined {
  const rank = (n: string) => {
    const st = set.model.states[n]!;
    return [Object.keys(st.returns ?? {}).length, st.creates.length];
  };
  return Object.keys(set.model.states).sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0]! - rb[0]! || ra[1]! - rb[1]! || a.localeCompare(b);
  })[0];
}

/** What to try when the states endpoint fails under the suite's load. */
export const STATE_HINT =
  'if it only fails under load, raise --timeout-ms or lower --concurrency (server checks in flight at once)';

function chooseCodec(api: Api, wire: string | undefined): Codec {
  if (wire !== undefined)
    try {
      return codecFor(api, wire);
    } catch {
      // an API version with one form only
    }
  return codecFor(api);
}
/** The codec of an API version and wire form (a session asks for it on every call). */
const codecChoice = new Map<string, Codec>();

/** The response groups a call of an operation asks for by default (everyGroup), per operation spec. */
const defaultGroups = new WeakMap<object, { groups: string[] | undefined }>();

export class Session {
  readonly log: Exchange[] = [];
  readonly coverage: Coverage = {};
  readonly host: string;
  /** The wire form of the API versions that have several (2014-08-15: 'soap'); default: the first form. */
  wire: string | undefined;
  private readonly secrets: string[];
  /** A fresh requester standing in for credentials 0 (the owner), once `isolate` found one. */
  private owner: Credentials | undefined;

  constructor(
    readonly set: SpecSet,
    readonly config: ServerTargetConfig,
    readonly check: Pick<Check, 'id' | 'api' | 'operation' | 'rule'>,
  ) {
    this.host = urlsOf(config).host;
    this.wire = undefined;
    this.secrets = config.credentials.map((c) => c.secretAccessKey);
  }

  get secretValues(): string[] {
    return this.secrets;
  }

  cover(key: string, n = 1): void {
    bump(this.coverage, key, n);
  }

  resetLog(): void {
    this.log.length = 0;
  }

  /** The codec a call of `api` goes through: the session's wire form where the API version has it. */
  codec(api: Api): Codec {
    const key = `${api} ${this.wire ?? ''}`;
    let c = codecChoice.get(key);
    if (!c) {
      c = chooseCodec(api, this.wire);
      codecChoice.set(key, c);
    }
    return c;
  }

  /** The XML answer document of an answer, as its codec reads it (SOAP: inside the Envelope). */
  answerDocument(api: Api, res: WireResponse): ReturnType<typeof parseXmlSafe> {
    const c = this.codec(api);
    return c.answerDocument ? c.answerDocument(this.set, res) : parseXmlSafe(res.body);
  }

  creds(i: number): Credentials {
    if (i === 0 && this.owner) return this.owner;
    const c = this.config.credentials[i];
    if (!c)
      throw new NotRun(
        `this check needs ${i + 1} sets of credentials (owner and another requester); ${this.config.credentials.length} given`,
      );
    return c;
  }

  encode(api: Api, operation: string, input: Record<string, unknown>, opts: CallOptions = {}): WireRequest {
    const as = opts.as === undefined ? 0 : opts.as;
    const creds = as === null ? undefined : typeof as === 'number' ? this.creds(as) : as;
    // an operation with response groups is asked for every group (echo aside) unless the check
    // names some: checks judge every member whatever the operation's default
    const spec = this.set.apis[api].operations.get(operation);
    let groups = opts.responseGroups;
    if (!groups && spec) {
      let d = defaultGroups.get(spec);
      if (!d) {
        d = { groups: everyGroup(this.set, spec) };
        defaultGroups.set(spec, d);
      }
      groups = d.groups;
    }
    if (groups) opts = { ...opts, responseGroups: groups };
    let req = this.codec(api).encodeRequest(this.set, operation, input, creds, {
      host: this.host,
      now: new Date(),
      ...(opts.responseGroups ? { responseGroups: opts.responseGroups } : {}),
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.scheme ? { scheme: opts.scheme } : {}),
    });
    // long inputs go in a form body where the protocol allows it (servers refuse very long URLs)
    const methods = this.set.apis[api].protocol.http.methods;
    if (!opts.method && req.query.length > LONG_QUERY && methods.includes('POST'))
      req = this.codec(api).encodeRequest(this.set, operation, input, creds, {
        host: this.host,
        now: new Date(),
        method: 'POST',
        ...(opts.responseGroups ? { responseGroups: opts.responseGroups } : {}),
        ...(opts.scheme ? { scheme: opts.scheme } : {}),
      });
    if (opts.mutate) req = opts.mutate(req);
    return req;
  }

  async call(
    api: Api,
    operation: string,
    input: Record<string, unknown>,
    opts: CallOptions = {},
  ): Promise<Answered> {
    const req = this.encode(api, operation, input, opts);
    return this.send(req, api, operation, opts.label ?? `${api} ${operation}`);
  }

  async send(req: WireRequest, api: Api, operation: string, label: string): Promise<Answered> {
    const url = urlsOf(this.config).base;
    const ex: Exchange = { label, api, operation, url, req };
    this.log.push(ex);
    ex.res = await this.http(req, url, ex);
    ex.answer = this.codec(api).decodeResponse(this.set, operation, ex.res);
    return ex as Answered;
  }

  private async http(req: WireRequest, base: string, ex: Exchange): Promise<WireResponse> {
    const r = await send(base, req, { timeoutMs: this.config.timeoutMs });
    if (!r.ok) throw new CheckFailure(`The request to ${base} failed (${r.error}): ${r.message}.`, ex);
    return r.res;
  }

  /** Is the API served at all? Resolves to a reason when it is not. Cached per endpoint. */
  async requireApi(api: Api): Promise<void> {
    if (!this.config.apis.includes(api)) throw new NotRun(`API ${api} was not selected`);
    let perConfig = servedCache.get(this.config);
    if (!perConfig) {
      perConfig = new Map();
      servedCache.set(this.config, perConfig);
    }
    const key = `${api} ${this.codec(api).wire ?? ''}`;
    let p = perConfig.get(key);
    if (!p) {
      // a transport hiccup is retried once before the API is declared not served
      p = this.probe(api).then((r) => (r ? this.probe(api) : r));
      perConfig.set(key, p);
    }
    const reason = await p;
    if (reason) throw new NotRun(reason);
  }

  private async probe(api: Api): Promise<string | undefined> {
    const specs = this.set.apis[api];
    const op = [...specs.operations.values()][0];
    if (!op) return `no operation of ${api} is specified`;
    const unknown = errorSpec(this.set, specs.protocol.protocolErrors.unknownOperation ?? '').code;
    const probe = new Session(this.set, this.config, this.check);
    probe.wire = this.wire;
    const form = this.codec(api).wire ? ` over ${this.codec(api).wire}` : '';
    try {
      const ex = await probe.call(api, op.operation, {}, { label: 'probe' });
      if ([404, 405, 501].includes(ex.res.status))
        return `the target does not serve ${api}${form} (HTTP ${ex.res.status})`;
      if (ex.answer.kind === 'error' && ex.answer.code === unknown)
        return `the target does not serve ${api}${form}: ${op.operation} is an unknown operation`;
      return undefined;
    } catch (e) {
      if (e instanceof NotRun) return e.message;
      return `the target does not answer ${api}${form} requests: ${(e as Error).message}`;
    }
  }

  /** Create a provider state; its ids by name. */
  async state(name: string, as = 0): Promise<Record<string, string>> {
    return (await this.stateAnswer(name, this.creds(as).accessKeyId, {})).ids;
  }

  /**
   * Create a provider state for a fresh requester (a scope no other check writes to): its ids
   * and the requester's credentials, to call as (`as`). Not-run when the target hands back none.
   */
  async freshState(name: string): Promise<{ ids: Record<string, string>; as: Credentials }> {
    const { ids, doc } = await this.stateAnswer(name, this.creds(0).accessKeyId, { requester: 'fresh' });
    const r = (doc as { requester?: Partial<Credentials> }).requester;
    if (typeof r?.accessKeyId !== 'string' || typeof r.secretAccessKey !== 'string')
      throw new NotRun(
        `provider state ${name}: the states endpoint ${NO_FRESH_REQUESTER} (params.requester "fresh", docs/provider-states.md)`,
      );
    this.secrets.push(r.secretAccessKey);
    return { ids, as: { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey } };
  }

  /**
   * A fresh requester (docs/provider-states.md), a scope no other check writes to: its unfiltered
   * listings hold only what is made for it. Undefined when the target hands back none.
   */
  async freshRequester(): Promise<Credentials | undefined> {
    const state = scopeState(this.set);
    if (freshSupport.get(this.config) === false || state === undefined) return undefined;
    try {
      const { as } = await this.freshState(state);
      freshSupport.set(this.config, true);
      return as;
    } catch (e) {
      if (!(e instanceof NotRun)) throw e;
      // only an answer without a requester says the target has none; a failure may pass
      if (e.message.includes(NO_FRESH_REQUESTER)) freshSupport.set(this.config, false);
      return undefined;
    }
  }

  /**
   * From now on the owner (credentials 0) is a fresh requester: its unfiltered listings hold only
   * what this session makes, so a walk for one entity stays short however much other checks made.
   * A target that hands back no fresh requester leaves the owner as it was (false): the check
   * still runs, over the shared listings.
   */
  async isolate(): Promise<boolean> {
    const fresh = await this.freshRequester();
    if (fresh) this.owner = fresh;
    return fresh !== undefined;
  }

  private async stateAnswer(
    name: string,
    requester: string,
    params: Record<string, unknown>,
  ): Promise<{ ids: Record<string, string>; doc: object }> {
    const statesUrl = this.config.statesUrl;
    if (!statesUrl) throw new NotRun(`provider state ${name} is needed but no states URL was given`);
    const body = JSON.stringify({ state: name, requester, params });
    const u = urlsOf(this.config).states!;
    const req: WireRequest = {
      method: 'POST',
      path: u.path,
      query: u.query,
      headers: { 'content-type': 'application/json' },
      body,
    };
    const ex: Exchange = { label: `provider state ${name}`, url: u.origin, req };
    this.log.push(ex);
    // A states endpoint that breaks (5xx, no answer) is not one that lacks the state: say which.
    const r = await send(u.origin, req, { timeoutMs: this.config.timeoutMs });
    if (!r.ok)
      throw new NotRun(
        `the state endpoint failed (${r.error === 'timeout' ? `no answer within ${this.config.timeoutMs} ms` : `${r.error}: ${r.message}`}) setting up provider state ${name}; ${STATE_HINT}`,
      );
    const res = r.res;
    ex.res = res;
    if (res.status >= 500)
      throw new NotRun(
        `the state endpoint failed (HTTP ${res.status}${res.body.trim() ? `: ${JSON.stringify(res.body.trim().slice(0, 80))}` : ''}) setting up provider state ${name}; ${STATE_HINT}`,
      );
    if (res.status !== 200)
      throw new NotRun(`provider state ${name} is not supported by the target (HTTP ${res.status})`);
    const { ids, doc } = stateAnswerIds(this.set, name, res.body, (reason) => new NotRun(reason));
    this.cover(`state:${name}`);
    return { ids, doc };
  }

  /** Observe an entity through its observe operation in this API version. */
  async observe(api: Api, entityName: string, ids: Record<string, string>, as = 0): Promise<Observation> {
    const ent = this.set.model.entities[entityName];
    const o = ent?.observe?.[api];
    if (!ent || !o)
      throw new NotRun(`${entityName} cannot be observed in ${api} (model.json names no observe operation)`);
    const inputs = observeInputs(ent, o.input, ids);
    let seen: Observation | undefined;
    for (const input of inputs) {
      seen = await this.observeWith(api, entityName, ent, o, input, ids, as);
      if (seen.present) return seen;
    }
    return seen!;
  }

  private async observeWith(
    api: Api,
    entityName: string,
    ent: EntitySpec,
    o: NonNullable<EntitySpec['observe']>[Api] & object,
    input: Record<string, unknown>,
    ids: Record<string, string>,
    as: number,
  ): Promise<Observation> {
    const spec = this.set.apis[api].operations.get(o.operation);
    const paging = spec?.behaviour.rules.find((r) => r.pagination)?.pagination;
    let ex: Answered;
    if (o.find && paging && spec) {
      // a listing holds whatever every other check (and every earlier run) made: read it in the
      // largest pages it documents, to its end, and once more before calling the entity absent
      // (an item can slip past a page boundary while other checks add to the list)
      const size = inputMembers(this.set, spec)
        .find((m) => m.name === paging.size)
        ?.constraints.find((c) => c.kind === 'range')?.max;
      const walkInput =
        size !== undefined && input[paging.size] === undefined ? { ...input, [paging.size]: size } : input;
      ex = await this.walk(api, entityName, ent, o, paging, walkInput, ids, as);
      const a = ex.answer;
      if (a.kind === 'success' && !findIn(a.output, o, ent, ids))
        ex = await this.walk(api, entityName, ent, o, paging, walkInput, ids, as);
    } else ex = await this.call(api, o.operation, input, { as, label: `observe ${entityName}` });
    const a = ex.answer;
    if (a.kind === 'error') {
      const missing = spec && missingEntityErrors(spec).map((e) => errorSpec(this.set, e).code);
      if (a.code && missing?.includes(a.code)) return { present: false, exchange: ex };
      throw new CheckFailure(
        `Observing the ${entityName} through ${api} ${o.operation} failed with ${a.code ?? `HTTP ${a.status}`}: ${a.message ?? ''}`,
        ex,
      );
    }
    if (a.kind === 'garbage')
      throw new CheckFailure(
        `Observing the ${entityName} through ${api} ${o.operation} gave an unreadable answer: ${a.problems.join('; ')}`,
        ex,
      );
    return { ...observedIn(o, ent, a.output, ids), exchange: ex };
  }

  /** A listing read page by page (by its token, or numbered pages) until the entity turns up or the pages end. */
  private async walk(
    api: Api,
    entityName: string,
    ent: EntitySpec,
    o: { operation: string; path: string; find?: string },
    paging: Pagination,
    input: Record<string, unknown>,
    ids: Record<string, string>,
    as: number,
  ): Promise<Answered> {
    let ex = await this.call(api, o.operation, input, { as, label: `observe ${entityName}` });
    for (let page = 1; page < MAX_OBSERVE_PAGES; page++) {
      const a = ex.answer;
      if (a.kind !== 'success' || findIn(a.output, o, ent, ids)) break;
      let more: Record<string, unknown> | undefined;
      if (paging.style === 'token' && paging.token) {
        const next = a.output[paging.token];
        if (typeof next === 'string' && next !== '') more = { [paging.token]: next };
      } else if (paging.style === 'page' && paging.page) {
        const items = atPath(a.output, o.path);
        const count = items === undefined ? 0 : Array.isArray(items) ? items.length : 1;
        if (count > 0) more = { [paging.page]: page + 1 };
      }
      if (!more) break;
      ex = await this.call(
        api,
        o.operation,
        { ...input, ...more },
        { as, label: `observe ${entityName} (page ${page + 1})` },
      );
    }
    return ex;
  }
}

/** The entity in the answer of its observe operation (model.json: `path`, a listing's `find` item). */
export function observedIn(
  o: { path: string; find?: string },
  ent: EntitySpec,
  output: Record<string, unknown>,
  ids: Record<string, string>,
): Pick<Observation, 'present' | 'entity'> {
  const value = o.find ? findIn(output, o, ent, ids) : atPath(output, o.path);
  return value && typeof value === 'object'
    ? { present: true, entity: value as Record<string, unknown> }
    : { present: false };
}

function atPath(output: Record<string, unknown>, path: string): unknown {
  let value: unknown = output;
  for (const seg of path.split(/[/.]/))
    if (seg) value = (value as Record<string, unknown> | undefined)?.[seg];
  return value;
}

/** The entity in a listing's answer (model.json observe `find`), if it is there. */
function findIn(
  output: Record<string, unknown>,
  o: { path: string; find?: string },
  ent: EntitySpec,
  ids: Record<string, string>,
): Record<string, unknown> | undefined {
  const value = atPath(output, o.path);
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.find(
    (x) => x && typeof x === 'object' && String((x as Record<string, unknown>)[o.find!]) === ids[ent.id],
  ) as Record<string, unknown> | undefined;
}

/** A stable text for comparing observations. */
export function snapshot(o: Pick<Observation, 'present' | 'entity'>): string {
  return JSON.stringify({ present: o.present, entity: o.entity ?? null });
}

/**
 * A fast-check property over `arb` whose body talks to the target (the shared case loop,
 * cases.ts): config.runs cases with config.seed; on failure the shrunk counterexample is replayed
 * so the session log holds exactly the failing request sequence.
 */
export async function forAll<T>(
  session: Session,
  arb: fc.Arbitrary<T>,
  body: (value: T) => Promise<void>,
  opts: { numRuns?: number; shrinkBudget?: number } = {},
): Promise<void> {
  const r = await caseLoop(
    arb,
    {
      seed: session.config.seed,
      numRuns: opts.numRuns ?? session.config.runs,
      ...(opts.shrinkBudget !== undefined ? { shrinkBudget: opts.shrinkBudget } : {}),
      cannotRun: (e) => e instanceof NotRun,
    },
    async (v) => {
      session.resetLog();
      await body(v);
    },
  );
  if (r.kind === 'passed') return;
  if (r.kind === 'not-run') throw r.error;
  const e = r.error;
  const f = r.flaky
    ? new CheckFailure(
        `${e instanceof Error ? e.message : String(e)} (the shrunk counterexample passed when replayed: the target is not deterministic)`,
      )
    : e;
  if (!(f instanceof CheckFailure)) throw f;
  f.counterexample = r.shown;
  throw f;
}

/**
 * The ids a provider-state answer gives (its `ids` object, or the document itself), as strings;
 * `notRun` makes the error for an answer that is not JSON or lacks an id the state returns.
 */
export function stateAnswerIds(
  set: SpecSet,
  name: string,
  body: string,
  notRun: (reason: string) => Error,
): { ids: Record<string, string>; doc: object } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw notRun(`provider state ${name}: the states endpoint answered something other than JSON`);
  }
  const src = (
    doc && typeof doc === 'object' && 'ids' in doc && typeof doc.ids === 'object' ? doc.ids : doc
  ) as Record<string, unknown> | null;
  const ids: Record<string, string> = {};
  for (const [k, v] of Object.entries(src ?? {}))
    if (typeof v === 'string' || typeof v === 'number') ids[k] = String(v);
  for (const key of Object.keys(set.model.states[name]?.returns ?? {}))
    if (ids[key] === undefined)
      throw notRun(`provider state ${name}: the states endpoint did not return ${key}`);
  return { ids, doc: doc as object };
}
