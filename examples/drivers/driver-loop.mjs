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

/**
 * Answers each case with `await handle(case)`, in order; `close` runs once every answer is out.
 * With `fresh` (makes a new client and drops the old one) the driver declares the `fresh-client`
 * feature on its answers and answers the runner's `{"control": "fresh-client"}` by calling it.
 */
export function serveCases(name, handle, close = () => undefined, fresh = undefined) {
  const lines = createInterface({ input: process.stdin });
  const features = fresh ? { features: ['fresh-client'] } : {};
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
      const answer = message.control === undefined ? await handle(message) : await control(message);
      process.stdout.write(`${JSON.stringify({ ...answer, ...features })}\n`);
    });
  });
  lines.on('close', () => queue.then(close));

  async function control(message) {
    if (message.control !== 'fresh-client' || !fresh) {
      process.stderr.write(`${name}: unknown control message: ${JSON.stringify(message).slice(0, 200)}\n`);
      return {
        id: message.id,
        error: {
          code: 'UnknownControl',
          message: `${name} does not know ${JSON.stringify(message.control)}`,
        },
      };
    }
    try {
      await fresh();
      return { id: message.id, output: {} };
    } catch (e) {
      return { id: message.id, error: { code: 'FreshClientFailed', message: String(e?.message ?? e) } };
    }
  }
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
