// Where the runner may send traffic. MTurk's own endpoints (production and
// sandbox, read from specs/protocols/*.json) are refused always: the suite
// sends thousands of generated, often invalid, requests and must never reach
// real workers or real money. Anything else that is not loopback needs an
// explicit --allow-remote.
import { isLoopbackHost, normaliseHost } from '../http/targets.ts';
import { loadSpecs } from '../spec/load.ts';
import { APIS } from '../spec/types.ts';
import { RunError } from './types.ts';

export interface MturkHost {
  host: string;
  kind: 'production' | 'sandbox';
  api: string;
}

/** Every MTurk host named in the protocol specs. */
export function mturkHosts(specsDir?: string): MturkHost[] {
  const set = loadSpecs(specsDir);
  const out: MturkHost[] = [];
  for (const api of APIS) {
    const { endpoints } = set.apis[api].protocol;
    for (const host of endpoints.production) out.push({ host: host.toLowerCase(), kind: 'production', api });
    for (const host of endpoints.sandbox) out.push({ host: host.toLowerCase(), kind: 'sandbox', api });
  }
  return out;
}

export { isLoopbackHost };

export interface EndpointCheck {
  /** the URL as given, for messages */
  url: string;
  /** what the URL is, for messages: "--endpoint", "--states-url" */
  what: string;
}

/**
 * Refuses a URL with user:password@ (or user@) without repeating it: the password must not reach a
 * log, a report or a directory name. Runs before anything else looks at the URL.
 */
export function refuseUrlCredentials(url: string, what: string): void {
  let userInfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  try {
    const parsed = new URL(url);
    userInfo = userInfo || parsed.username !== '' || parsed.password !== '';
  } catch {
    // not a URL at all: checkEndpoint says so
  }
  if (userInfo)
    throw new RunError(
      `${what}: the URL carries a user name or password (user:password@host); refused, and not repeated here. Pass credentials with --access-key and MTURK_SECRET_KEY`,
    );
}

/**
 * Throws a RunError (one line) when the URL must not be used; returns a
 * warning to print when it is allowed only because of --allow-remote.
 */
export function checkEndpoint(
  { url, what }: EndpointCheck,
  options: { allowRemote?: boolean; specsDir?: string } = {},
): string | undefined {
  refuseUrlCredentials(url, what);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RunError(`${what} ${JSON.stringify(url)} is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RunError(`${what} ${url}: only http:// and https:// URLs are supported`);
  }
  const host = normaliseHost(parsed.hostname);
  for (const known of mturkHosts(options.specsDir)) {
    if (host === known.host || host.endsWith(`.${known.host}`)) {
      throw new RunError(
        `refusing ${what} ${url}: it is an Amazon Mechanical Turk ${known.kind} endpoint ` +
          `(${known.api}); the conformance suite never talks to MTurk itself, even with --allow-remote`,
      );
    }
  }
  if (isLoopbackHost(host)) return undefined;
  if (!options.allowRemote) {
    throw new RunError(
      `refusing ${what} ${url}: not a loopback address; pass --allow-remote to test a server on another host`,
    );
  }
  return `warning: ${what} ${url} is not on this machine (--allow-remote): generated requests will cross the network`;
}
