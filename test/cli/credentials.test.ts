// Where `server` takes its key pairs from: the options, else the variables;
// bad input is a UsageError; reproduce lines name access keys, never secrets.
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { givenSecrets, readCredentials, withAccessKeys } from '../../src/cli/credentials.ts';
import { Redactor } from '../../src/runner/redact.ts';

describe('readCredentials', () => {
  test('nothing given: no credentials (the emulator test keys apply)', () => {
    expect(readCredentials([], [], {})).toEqual({ credentials: undefined, secretOnCommandLine: false });
  });

  test('options pair by position and are flagged for the warning', () => {
    expect(readCredentials(['A', 'B'], ['a', 'b'], {})).toEqual({
      credentials: [
        { accessKeyId: 'A', secretAccessKey: 'a' },
        { accessKeyId: 'B', secretAccessKey: 'b' },
      ],
      secretOnCommandLine: true,
    });
  });

  test('variables are comma separated and pair by position, with each other or with --access-key', () => {
    const env = { MTURK_ACCESS_KEY: 'A,B', MTURK_SECRET_KEY: 'a/+x,b' };
    const pairs = [
      { accessKeyId: 'A', secretAccessKey: 'a/+x' },
      { accessKeyId: 'B', secretAccessKey: 'b' },
    ];
    expect(readCredentials([], [], env)).toEqual({ credentials: pairs, secretOnCommandLine: false });
    expect(readCredentials(['A', 'B'], [], { MTURK_SECRET_KEY: 'a/+x,b' }).credentials).toEqual(pairs);
  });

  test('an option wins over its variable', () => {
    const env = { MTURK_ACCESS_KEY: 'X', MTURK_SECRET_KEY: 'x' };
    expect(readCredentials(['A'], ['a'], env).credentials).toEqual([
      { accessKeyId: 'A', secretAccessKey: 'a' },
    ]);
    expect(readCredentials(['A'], [], env).credentials).toEqual([{ accessKeyId: 'A', secretAccessKey: 'x' }]);
  });

  test.each([
    [[], [], { MTURK_SECRET_KEY: '' }, 'MTURK_SECRET_KEY is set but empty'],
    [['A'], [], { MTURK_SECRET_KEY: ' ' }, 'MTURK_SECRET_KEY is set but empty'],
    [[], [], { MTURK_ACCESS_KEY: '' }, 'MTURK_ACCESS_KEY is set but empty'],
    [[], [], { MTURK_ACCESS_KEY: 'A,', MTURK_SECRET_KEY: 'a,b' }, 'MTURK_ACCESS_KEY: entry 2 of 2 is empty'],
    [['A', 'B'], [], { MTURK_SECRET_KEY: ',b' }, 'MTURK_SECRET_KEY: entry 1 of 2 is empty'],
    [['A'], [''], {}, '--secret-key number 1 is empty'],
    [[''], ['a'], {}, '--access-key number 1 is empty'],
    [['A'], [], {}, 'in pairs (got 1 access key from --access-key and 0 secret keys from MTURK_SECRET_KEY)'],
    [[], [], { MTURK_SECRET_KEY: 'a' }, 'in pairs (got 0 access keys from MTURK_ACCESS_KEY and 1 secret key'],
  ])('%j %j %j → %s', (keys, secrets, env, message) => {
    let error: unknown;
    try {
      readCredentials(keys, secrets, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });
});

test('givenSecrets: both ways, whole and split, so the Redactor hides each', () => {
  const secrets = givenSecrets(['cli-secret'], { MTURK_SECRET_KEY: 'env-one,env-two' });
  const text = new Redactor(secrets).text('cli-secret env-one env-two env-one,env-two');
  expect(text).toBe('<redacted> <redacted> <redacted> <redacted>');
  expect(givenSecrets([], {})).toEqual([]);
});

test('withAccessKeys names the user keys (quoted) and no secret', () => {
  const target = {
    credentials: [
      { accessKeyId: 'AKIA1', secretAccessKey: 'shh' },
      { accessKeyId: "it's", secretAccessKey: 'shh2' },
    ],
  };
  expect(withAccessKeys('npx mturk-conformance server', target, true)).toBe(
    `npx mturk-conformance server --access-key AKIA1 --access-key 'it'\\''s'`,
  );
  expect(withAccessKeys('line', target, false)).toBe('line');
});
