// The emulator as a local MTurk for application tests (docs/emulator.md, "A local MTurk"):
// `startEmulator()` runs it in process on a loopback port, accepting any access key and signature
// by default as moto does; `workers` are the Worker actions of model.json as functions; `clock`
// moves emulated time; `mturkHandlers()` serves the same store through msw. The control endpoint
// (clock, Worker actions, save) is shared with the `emulator` command.
import { HttpResponse, http, type RequestHandler } from 'msw';
import { toWireRequest } from '../mock/handlers.ts';
import { escapeRegExp } from '../spec/resolve.ts';
import type { Credentials } from '../wire/codec.ts';
import type { WireResponse } from '../wire/http-types.ts';
import { applyAction, isAction } from './dynamics.ts';
import { openStateFile, saveStateFile } from './persist.ts';
import {
  createEmulator,
  type Emulator,
  type EmulatorClock,
  type ExtraRoute,
  type RunningEmulator,
  startEmulator as startServer,
} from './server.ts';

export interface LocalEmulatorOptions {
  /** Port on the loopback interface (default 0: a free port). */
  port?: number;
  /** Loopback address to listen on (default 127.0.0.1; `::1` and `localhost` too; nothing else). */
  host?: string;
  /**
   * Verify request signatures against the test credentials and `credentials` (default: false,
   * any access key and any signature are accepted; the access key id still names the requester).
   */
  verifySignatures?: boolean;
  /** More key pairs; giving any turns verifySignatures on unless it is set to false. */
  credentials?: Credentials[];
  /** Largest request body served (default 1 MB). */
  maxBodyBytes?: number;
  /** Path of the provider-states endpoint (default /_states). */
  statesPath?: string;
  /** Path prefix of the control endpoint (default /_control). */
  controlPath?: string;
  /** The clock emulated time follows (default: the real time); `clock.advance` moves ahead of it. */
  now?: () => Date;
  /** Load the store from this file at start (when it exists) and write it on `save()` and `close()`. */
  stateFile?: string;
}

/** A Worker action could not apply (HTTP 409 on the wire) or its params were wrong (400). */
export class WorkerActionError extends Error {
  override name = 'WorkerActionError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AssignmentIds {
  AssignmentId: string;
  WorkerId: string;
}

/** The Worker actions of docs/provider-states.md as functions; the requester is the entity's owner. */
export interface Workers {
  /** A Worker accepts an assignment of the HIT (not submitted: invisible to the requester API). */
  accept(HITId: string, options?: { WorkerId?: string }): AssignmentIds;
  /** A Worker accepts and submits an assignment of the HIT. */
  submit(HITId: string, options?: { Answer?: string; WorkerId?: string }): AssignmentIds;
  /** The Worker of an accepted assignment submits it. */
  submitAccepted(AssignmentId: string, options?: { Answer?: string }): AssignmentIds;
  /** The Worker of an accepted assignment returns it. */
  return(AssignmentId: string): void;
  /** A Worker requests a qualification of the type. */
  requestQualification(
    QualificationTypeId: string,
    options?: { WorkerId?: string },
  ): { QualificationRequestId: string; WorkerId: string };
  /** Any action of model.json `actions` by name. */
  act(action: string, params: Record<string, string>): Record<string, unknown>;
}

export interface LocalEmulator {
  /** The endpoint for both API versions, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The provider-states endpoint (docs/provider-states.md). */
  statesUrl: string;
  /** The control endpoint's prefix (clock, workers, save). */
  controlUrl: string;
  clock: EmulatorClock;
  workers: Workers;
  /** The emulator behind the server (its store, specs, credentials). */
  emulator: Emulator;
  /** Writes the state file now (when one was given). */
  save(): void;
  /** Stops the server (and writes the state file, when one was given). */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** The requester a Worker action acts for: the owner of the first entity its params name. */
function ownerFor(emulator: Emulator, action: string, params: Record<string, unknown>): string {
  const spec = emulator.specs.model.actions?.[action];
  for (const [name, p] of Object.entries(spec?.params ?? {})) {
    if (p.entity === undefined) continue;
    const rec = emulator.store.getAny(p.entity, params[name]);
    const owner = rec ? emulator.store.ownerOf(rec) : undefined;
    if (owner !== undefined) return owner;
  }
  return '';
}

/** Runs a Worker action for the owner of what it names; throws WorkerActionError when it cannot apply. */
export function workerAction(
  emulator: Emulator,
  action: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  if (!isAction(emulator.specs, action)) throw new WorkerActionError(404, `unknown Worker action ${action}`);
  emulator.clock.tick();
  const r = applyAction(
    emulator.specs,
    emulator.store,
    action,
    ownerFor(emulator, action, params),
    params,
    emulator.clock.now(),
  );
  if (!r.ok) throw new WorkerActionError(r.status, r.message);
  return r.ids;
}

const defined = (o: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;

export function workersOf(emulator: Emulator): Workers {
  const act = (action: string, params: Record<string, string | undefined>) =>
    workerAction(emulator, action, defined(params));
  return {
    accept: (HITId, o = {}) => act('WorkerAcceptsAssignment', { HITId, ...o }) as unknown as AssignmentIds,
    submit: (HITId, o = {}) => act('WorkerSubmitsAssignment', { HITId, ...o }) as unknown as AssignmentIds,
    submitAccepted: (AssignmentId, o = {}) =>
      act('WorkerSubmitsAcceptedAssignment', { AssignmentId, ...o }) as unknown as AssignmentIds,
    return: (AssignmentId) => {
      act('WorkerReturnsAssignment', { AssignmentId });
    },
    requestQualification: (QualificationTypeId, o = {}) =>
      act('WorkerRequestsQualification', { QualificationTypeId, ...o }) as unknown as {
        QualificationRequestId: string;
        WorkerId: string;
      },
    act: (action, params) => workerAction(emulator, action, params),
  };
}

const json = (status: number, body: unknown): WireResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function parseBody(body: string): Record<string, unknown> | WireResponse {
  if (body.trim() === '') return {};
  try {
    const doc = JSON.parse(body) as unknown;
    if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // answered below
  }
  return json(400, { error: 'the body is not a JSON object' });
}

/**
 * The control endpoint, loopback callers only: `<prefix>/clock` (GET: the time; POST
 * {"advanceSeconds": N}), `<prefix>/workers` (POST {"action", "params"}), `<prefix>/save` (POST).
 */
export function controlRoutes(
  emulator: Emulator,
  prefix: string,
  save: (() => string | undefined) | undefined,
): Record<string, ExtraRoute> {
  const guard =
    (methods: string[], f: (body: Record<string, unknown>) => WireResponse): ExtraRoute =>
    (req) => {
      if (!req.loopback) return json(403, { error: 'the control endpoint answers loopback callers only' });
      if (!methods.includes(req.method))
        return {
          ...json(405, { error: `use ${methods.join(' or ')}` }),
          headers: { 'content-type': 'application/json', allow: methods.join(', ') },
        };
      const body = parseBody(req.body);
      if ('status' in body && 'body' in body && typeof body.status === 'number') return body as WireResponse;
      try {
        return f(body as Record<string, unknown>);
      } catch (e) {
        if (e instanceof WorkerActionError) return json(e.status, { error: e.message });
        return json(500, { error: (e as Error).message });
      }
    };
  const time = (fired?: number) => ({
    now: emulator.clock.now().toISOString(),
    offsetSeconds: emulator.clock.offsetSeconds,
    ...(fired !== undefined ? { fired } : {}),
  });
  return {
    [`${prefix}/clock`]: guard(['GET', 'POST'], (body) => {
      if (Object.keys(body).length === 0) return json(200, time());
      const s = body.advanceSeconds;
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0)
        return json(400, { error: 'advanceSeconds must be a number ≥ 0' });
      return json(200, time(emulator.clock.advance(s)));
    }),
    [`${prefix}/workers`]: guard(['POST'], (body) => {
      const { action, params } = body;
      if (typeof action !== 'string') return json(400, { error: 'action is missing' });
      if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params)))
        return json(400, { error: 'params must be an object' });
      return json(200, workerAction(emulator, action, (params ?? {}) as Record<string, unknown>));
    }),
    [`${prefix}/save`]: guard(['POST'], () => {
      if (!save) return json(409, { error: 'no state file: start the emulator with --state-file FILE' });
      return json(200, { saved: save() });
    }),
  };
}

/** Starts the emulator on a loopback port for an application's tests. */
export async function startEmulator(options: LocalEmulatorOptions = {}): Promise<LocalEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`startEmulator listens on loopback only, not ${host}`);
  const verify =
    options.verifySignatures ?? (options.credentials !== undefined && options.credentials.length > 0);
  const controlPath = options.controlPath ?? '/_control';
  // The store is loaded before the server listens, so a bad state file starts nothing.
  const probe = createEmulator({
    ...(options.credentials ? { credentials: options.credentials } : {}),
    acceptAnySignature: !verify,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const stateFile = options.stateFile;
  if (stateFile) openStateFile(stateFile, probe);
  const save = stateFile
    ? () => {
        saveStateFile(stateFile, probe);
        return stateFile;
      }
    : undefined;
  const running: RunningEmulator = await startServer({
    emulator: probe,
    host,
    port: options.port ?? 0,
    statesPath: options.statesPath ?? '/_states',
    routes: controlRoutes(probe, controlPath, save),
  });
  let closed = false;
  return {
    url: running.url,
    statesUrl: running.statesUrl,
    controlUrl: `${running.url}${controlPath}`,
    clock: probe.clock,
    workers: workersOf(probe),
    emulator: probe,
    save: () => {
      save?.();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await running.close();
      save?.();
    },
  };
}

export interface HandlerOptions {
  /**
   * The origins whose requests are answered (default: the emulator's URL and MTurk's production and
   * sandbox endpoints from specs/protocols, so an app's default client is intercepted in process).
   */
  origins?: string[];
}

/** msw request handlers that answer MTurk requests from the emulator's store (no network). */
export function mturkHandlers(
  target: LocalEmulator | Emulator,
  options: HandlerOptions = {},
): RequestHandler[] {
  const emulator = 'handleSync' in target ? target : target.emulator;
  const hosts = Object.values(emulator.specs.apis).flatMap((a) => [
    ...a.protocol.endpoints.production,
    ...a.protocol.endpoints.sandbox,
  ]);
  const origins = options.origins ?? [
    ...('url' in target ? [target.url] : []),
    ...[...new Set(hosts)].map((h) => `https://${h}`),
  ];
  return origins.map((origin) =>
    http.all(new RegExp(`^${escapeRegExp(origin.replace(/\/$/, ''))}(?:[/?]|$)`), async ({ request }) => {
      const res = await emulator.handle(await toWireRequest(request));
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers))
        if (k.toLowerCase() !== 'content-length') headers.set(k, v);
      return new HttpResponse(res.body, { status: res.status, headers });
    }),
  );
}
