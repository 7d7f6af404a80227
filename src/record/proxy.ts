// `mturk-conformance record`: an HTTP proxy on the loopback interface. Each request goes to the
// target through the project's one transport (src/http: loopback only, or MTurk's sandbox with
// allowSandbox, production never) and its answer comes back unchanged; each MTurk call is written
// as a normalised fixture (normalise.ts) before its answer is sent, so a client that has its
// answer finds the file there. Files are created exclusively: an existing one is never replaced.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { checkTarget } from '../http/targets.ts';
import { headersOf, send } from '../http/transport.ts';
import { loadSpecs } from '../spec/load.ts';
import { APIS, type SpecSet } from '../spec/types.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';
import { exchangeFixture, SessionNormaliser } from './normalise.ts';
import { wireFormOf } from './wire-form.ts';

/** A recording that cannot start (bad target, a directory holding a recording, a busy port). */
export class RecordError extends Error {
  override name = 'RecordError';
}

export interface RecorderOptions {
  /** base URL the requests are forwarded to */
  target: string;
  /** port on 127.0.0.1 (0: a free one) */
  port: number;
  /** the recording's directory: <out>/<api>/<seq>.<Operation>.json */
  out: string;
  /** --allow-remote: the target may be one of MTurk's sandbox hosts (and no other remote host) */
  allowSandbox?: boolean;
  /** deadline of one forwarded exchange (default 30 s) */
  timeoutMs?: number;
  specs?: SpecSet;
  toolVersion?: string;
  /** one line per exchange */
  log?: (line: string) => void;
  now?: () => Date;
}

export interface Recorder {
  url: string;
  session: string;
  /** the fixture files written so far, in order */
  written: string[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The fixture files an existing recording left in `out` (none when it does not exist). */
export function existingFixtures(out: string): string[] {
  const found: string[] = [];
  for (const api of APIS) {
    const dir = join(out, api);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.json')) found.push(join(dir, n));
  }
  return found;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Hop-by-hop headers: about one connection, not the exchange. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'proxy-connection',
  'expect',
]);

export async function startRecorder(opts: RecorderOptions): Promise<Recorder> {
  const verdict = checkTarget(opts.target, { allowSandbox: opts.allowSandbox });
  if (!verdict.ok) throw new RecordError(`--target ${verdict.reason}`);
  const target = opts.target;
  if (opts.port < 0 || opts.port > 65535) throw new RecordError(`--listen must be 0-65535, got ${opts.port}`);
  const existing = existingFixtures(opts.out);
  if (existing.length > 0)
    throw new RecordError(
      `${opts.out} already holds a recording (${existing.length} fixture file${existing.length > 1 ? 's' : ''}); fixtures are never overwritten: choose another --out`,
    );
  try {
    if (statSync(opts.out).isFile()) throw new RecordError(`--out ${opts.out} is a file, not a directory`);
  } catch (e) {
    if (e instanceof RecordError) throw e;
  }
  try {
    mkdirSync(opts.out, { recursive: true });
  } catch (e) {
    throw new RecordError(`--out ${opts.out} cannot be created: ${(e as Error).message}`);
  }
  const set = opts.specs ?? loadSpecs();
  const normaliser = new SessionNormaliser(set);
  const session = randomBytes(4).toString('hex');
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const written: string[] = [];
  let seq = 0;

  const record = (request: WireRequest, response: WireResponse, at: Date): void => {
    const form = wireFormOf(set, request);
    if (!form) {
      log(
        `forwarded, not recorded: ${request.method} ${request.path} → ${response.status} (not an MTurk call)`,
      );
      return;
    }
    seq++;
    const fixture = exchangeFixture(
      normaliser,
      { seq, session, at, target, form, request, response },
      opts.toolVersion ?? '',
    );
    const dir = join(opts.out, form.api);
    const file = join(dir, `${String(seq).padStart(4, '0')}.${form.operation}.json`);
    try {
      mkdirSync(dir, { recursive: true });
      // 'wx': created here or not at all; a file someone else put there stays as it is
      writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`, { flag: 'wx' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      log(
        code === 'EEXIST'
          ? `not written: ${file} already exists (never overwritten); exchange ${seq} ${form.operation} was forwarded`
          : `not written: ${file}: ${(e as Error).message}`,
      );
      return;
    }
    written.push(file);
    log(`recorded ${seq} ${form.api} ${form.operation} (${form.wire}) → ${response.status}: ${file}`);
  };

  const server: Server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const fail = (status: number, text: string) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    readBody(req).then(
      async (body) => {
        if (body === undefined) return fail(413, `record: request body over ${MAX_BODY_BYTES} bytes`);
        const raw = req.url ?? '/';
        const q = raw.indexOf('?');
        const headers = headersOf(req.headers);
        // the answer must be readable to be recorded: no compressed bodies
        delete headers['accept-encoding'];
        for (const h of HOP) delete headers[h];
        const request: WireRequest = {
          method: req.method ?? 'GET',
          path: q === -1 ? raw : raw.slice(0, q),
          query: q === -1 ? '' : raw.slice(q + 1),
          headers,
          body,
        };
        const at = now();
        const sent = await send(target, request, {
          timeoutMs: opts.timeoutMs ?? 30_000,
          ...(opts.allowSandbox ? { allowSandbox: true } : {}),
        });
        if (!sent.ok) {
          log(`not recorded: ${request.method} ${request.path}: the target did not answer (${sent.message})`);
          return fail(502, `record: the target did not answer: ${sent.message}`);
        }
        record(request, sent.res, at);
        const out: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(sent.res.headers)) if (!HOP.has(k)) out[k] = v;
        out['content-length'] = Buffer.byteLength(sent.res.body);
        res.writeHead(sent.res.status, out);
        res.end(sent.res.body);
      },
      () => res.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new RecordError(
          e.code === 'EADDRINUSE'
            ? `--listen ${opts.port}: the port is in use`
            : `--listen ${opts.port}: ${e.message}`,
        ),
      ),
    );
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    session,
    written,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
