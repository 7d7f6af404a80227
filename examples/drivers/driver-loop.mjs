// What the example drivers share (docs/driver-protocol.md): the protocol's loop (one JSON case a
// line on stdin, answered in order, one JSON line each on stdout, done when stdin closes), the
// environment the runner sets, and an AWS SDK v3 exception as the protocol's error.
import { createInterface } from 'node:readline';

/** MTURK_ENDPOINT, the server the runner points the client at; a driver without it exits 2. */
export function endpointOrExit(name) {
  const endpoint = process.env.MTURK_ENDPOINT;
  if (!endpoint) {
    process.stderr.write(`${name}: MTURK_ENDPOINT is not set\n`);
    process.exit(2);
  }
  return endpoint;
}

/** The credentials the runner passes in the environment. */
export function envCredentials() {
  return {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  };
}

/** Answers each case with `await handle(case)`, in order; `close` runs once every answer is out. */
export function serveCases(name, handle, close = () => undefined) {
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        process.stderr.write(`${name}: not JSON: ${line.slice(0, 200)}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(await handle(message))}\n`);
    });
  });
  lines.on('close', () => queue.then(close));
}

/** Turns the ISO strings at the listed paths (timestamps) back into Dates, in place. */
export function reviveDates(input, paths = []) {
  for (const path of paths) {
    const keys = path.split('.');
    let node = input;
    for (const k of keys.slice(0, -1)) node = node?.[k];
    const last = keys.at(-1);
    if (node && typeof node[last] === 'string') node[last] = new Date(node[last]);
  }
  return input;
}

/** An AWS SDK v3 exception as the protocol's error (the legacy TurkErrorCode kept). */
export function sdkError(e) {
  return {
    code: e?.name ?? 'Error',
    message: e?.Message ?? e?.message ?? String(e),
    ...(typeof e?.TurkErrorCode === 'string' ? { turkErrorCode: e.TurkErrorCode } : {}),
  };
}
