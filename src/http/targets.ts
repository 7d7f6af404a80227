// Which targets the tool may talk to. Defence in depth: the runner refuses
// production and non-loopback endpoints first; the transport refuses them again
// before any socket is opened. The MTurk production and sandbox hosts are read
// from specs/protocols/*.json `endpoints`, never written in code.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROTOCOLS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../specs/protocols');

export interface ServiceHost {
  host: string;
  api: string;
  kind: string;
}

let cachedHosts: ServiceHost[] | undefined;

/** Every host named under `endpoints` in specs/protocols/*.json (production, sandbox, ...). */
export function serviceHosts(dir: string = PROTOCOLS_DIR): ServiceHost[] {
  if (dir === PROTOCOLS_DIR && cachedHosts) return cachedHosts;
  const out: ServiceHost[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      api?: string;
      endpoints?: Record<string, unknown>;
    };
    for (const [kind, hosts] of Object.entries(file.endpoints ?? {})) {
      if (!Array.isArray(hosts)) continue;
      for (const h of hosts) {
        if (typeof h === 'string') out.push({ host: normaliseHost(h), api: file.api ?? name, kind });
      }
    }
  }
  if (out.length === 0) throw new Error(`no service endpoints found in ${dir}`);
  if (dir === PROTOCOLS_DIR) cachedHosts = out;
  return out;
}

/** Lower-case, no trailing dot, no IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * 127.0.0.0/8, ::1 (any spelling), ::ffff:127.x.y.z (dotted, or in hex as URL writes it) and the
 * name localhost. The runner's endpoint check and the transport both ask this.
 */
export function isLoopbackHost(host: string): boolean {
  const h = normaliseHost(host);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = isIP(h);
  if (v === 4) return h.split('.')[0] === '127';
  if (v === 6) {
    if (h === '::1' || /^0*(:0*){6}:0*1$/.test(h)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return mapped[1]!.split('.')[0] === '127';
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(h);
    return hexMapped !== null && Number.parseInt(hexMapped[1]!, 16) >> 8 === 127;
  }
  return false;
}

/** The MTurk service host this name matches (exactly, or as a sub-domain), if any. */
export function serviceHostOf(host: string): ServiceHost | undefined {
  const h = normaliseHost(host);
  return serviceHosts().find((s) => h === s.host || h.endsWith(`.${s.host}`));
}

export type TargetVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** The kind of `endpoints` entry (specs/protocols/*.json) that `record --allow-remote` may forward to. */
export const SANDBOX_KIND = 'sandbox';

export interface TargetOptions {
  /** Hosts outside the loopback interface (MTurk's own hosts stay refused). */
  allowRemote?: boolean;
  /**
   * `record --allow-remote`: MTurk's sandbox hosts (the `sandbox` endpoints of the protocol specs)
   * and nothing else outside the loopback interface; production stays refused.
   */
  allowSandbox?: boolean;
}

/**
 * May the tool send requests to this base URL? MTurk's production hosts: never; its sandbox hosts
 * only with allowSandbox. Anything else not on the loopback interface: only with allowRemote.
 */
export function checkTarget(baseUrl: string, opts: TargetOptions = {}): TargetVerdict {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { ok: false, reason: `not a URL: '${baseUrl}'` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `only http and https endpoints are supported, got '${url.protocol}'` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'endpoints must not carry credentials in the URL' };
  }
  const service = serviceHostOf(url.hostname);
  if (service && opts.allowSandbox && service.kind === SANDBOX_KIND) return { ok: true, url };
  if (service) {
    if (opts.allowSandbox)
      return {
        ok: false,
        reason: `refusing ${url.hostname}: it is the Mechanical Turk ${service.kind} endpoint (${service.api}); record forwards to MTurk's sandbox only, never to production`,
      };
    return {
      ok: false,
      reason: `refusing ${url.hostname}: it is the Mechanical Turk ${service.kind} endpoint (${service.api}); this tool never sends requests to MTurk itself`,
    };
  }
  if (!isLoopbackHost(url.hostname) && !opts.allowRemote) {
    if (opts.allowSandbox)
      return {
        ok: false,
        reason: `refusing ${url.hostname}: --allow-remote lets record forward to MTurk's sandbox only (${serviceHosts()
          .filter((h) => h.kind === SANDBOX_KIND)
          .map((h) => h.host)
          .join(', ')}); anything else must be on the loopback interface`,
      };
    return {
      ok: false,
      reason: `refusing ${url.hostname}: not a loopback address (127.0.0.1, ::1, localhost); pass --allow-remote to check a remote server`,
    };
  }
  return { ok: true, url };
}
