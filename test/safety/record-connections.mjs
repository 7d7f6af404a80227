// Preloaded into the CLI under test (node --import): records every outgoing
// TCP connection attempt and DNS lookup to the file named by
// MTURK_SAFETY_CONNECT_LOG, one JSON line each, before it happens.

import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const LOG = process.env.MTURK_SAFETY_CONNECT_LOG;
if (LOG) {
  const record = (what, detail) => {
    try {
      appendFileSync(LOG, `${JSON.stringify({ pid: process.pid, what, ...detail })}\n`);
    } catch {
      // the log is best effort; the test fails on a missing log anyway
    }
  };
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function patchedConnect(...args) {
    const first = args[0];
    const opts = Array.isArray(first) ? first[0] : first;
    if (opts && typeof opts === 'object' && opts.path === undefined) {
      record('connect', { host: opts.host ?? 'localhost', port: opts.port });
    } else if (typeof opts === 'number') {
      record('connect', { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: opts });
    }
    return connect.apply(this, args);
  };
  const lookup = dns.lookup;
  dns.lookup = function patchedLookup(host, ...rest) {
    record('lookup', { host });
    return lookup.call(this, host, ...rest);
  };
  const pLookup = dns.promises.lookup;
  dns.promises.lookup = function patchedPromisesLookup(host, ...rest) {
    record('lookup', { host });
    return pLookup.call(this, host, ...rest);
  };
}
