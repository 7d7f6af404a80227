// Where the `server` command takes its key pairs from: --access-key/--secret-key
// on the command line, or the MTURK_ACCESS_KEY/MTURK_SECRET_KEY environment
// variables (comma separated, paired by position). A secret on the command line
// is visible to anyone who can list processes, so the variable is the
// recommended way; the reproduce lines rely on it and never carry a secret.

import type { ServerTarget, TargetCredentials } from '../runner/types.ts';
import { shellQuote } from '../wire/curl.ts';
import { UsageError } from './args.ts';

export const ACCESS_KEY_ENV = 'MTURK_ACCESS_KEY';
export const SECRET_KEY_ENV = 'MTURK_SECRET_KEY';

export const SECRET_ON_COMMAND_LINE_WARNING = `--secret-key is visible to anyone who can list processes (ps); set ${SECRET_KEY_ENV} instead`;

type Env = Readonly<Record<string, string | undefined>>;

/** Every secret the user gave either way (whole and split), for the Redactor: even one that turns out unused. */
export function givenSecrets(commandLine: readonly string[], env: Env = process.env): string[] {
  const raw = env[SECRET_KEY_ENV];
  return [...commandLine, ...(raw ? [raw, ...raw.split(',')] : [])];
}

/** The comma-separated entries of a variable; undefined when it is not set. Set but empty is bad input. */
function envList(env: Env, name: string, what: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  if (raw.trim() === '') throw new UsageError(`${name} is set but empty: put the ${what} in it, or unset it`);
  const list = raw.split(',');
  const blank = list.findIndex((v) => v.trim() === '');
  if (blank !== -1) {
    throw new UsageError(
      `${name}: entry ${blank + 1} of ${list.length} is empty (give one ${what} per comma)`,
    );
  }
  return list;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export interface CredentialInput {
  /** The pairs to sign with; undefined when none were given (then the emulator test keys apply). */
  credentials: TargetCredentials[] | undefined;
  /** A secret came from --secret-key (warn: it shows in `ps`). */
  secretOnCommandLine: boolean;
}

/**
 * Reads the key pairs: each of the two halves from the command line if given
 * there, else from its variable. Throws a UsageError on an empty value or when
 * the halves do not pair up.
 */
export function readCredentials(
  keys: readonly string[],
  secrets: readonly string[],
  env: Env = process.env,
): CredentialInput {
  const emptySecret = secrets.findIndex((s) => s.trim() === '');
  if (emptySecret !== -1) throw new UsageError(`--secret-key number ${emptySecret + 1} is empty`);
  const emptyKey = keys.findIndex((k) => k.trim() === '');
  if (emptyKey !== -1) throw new UsageError(`--access-key number ${emptyKey + 1} is empty`);
  const envKeys = envList(env, ACCESS_KEY_ENV, 'access key id');
  const envSecrets = envList(env, SECRET_KEY_ENV, 'secret key');
  const [keyList, keyFrom] = keys.length > 0 ? [keys, '--access-key'] : [envKeys ?? [], ACCESS_KEY_ENV];
  const [secretList, secretFrom] =
    secrets.length > 0 ? [secrets, '--secret-key'] : [envSecrets ?? [], SECRET_KEY_ENV];
  if (keyList.length !== secretList.length) {
    throw new UsageError(
      `give access keys and secret keys in pairs (got ${plural(keyList.length, 'access key')} from ${keyFrom} and ${plural(secretList.length, 'secret key')} from ${secretFrom})`,
    );
  }
  return {
    credentials:
      keyList.length === 0
        ? undefined
        : keyList.map((accessKeyId, i) => ({ accessKeyId, secretAccessKey: secretList[i]! })),
    secretOnCommandLine: secrets.length > 0,
  };
}

/**
 * A reproduce line (made without credentials) plus the access key ids the user
 * gave: the secrets come from MTURK_SECRET_KEY when it is run, never from the line.
 */
export function withAccessKeys(
  line: string,
  target: Pick<ServerTarget, 'credentials'>,
  user: boolean,
): string {
  if (!user || target.credentials.length === 0) return line;
  const keys = target.credentials.flatMap((c) => ['--access-key', shellQuote(c.accessKeyId)]);
  return `${line} ${keys.join(' ')}`;
}
