// The AWS SDK for JavaScript v3 (@aws-sdk/client-mturk), in process, as a
// ClientUnderTest. The command class is looked up by name from the SDK module
// (`<Operation>Command`), so there is no per-operation code here.

import type { MTurkClient as MTurkClientType } from '@aws-sdk/client-mturk';
import * as Sdk from '@aws-sdk/client-mturk';
import type { ClientResult, ClientUnderTest } from '../mock/types.ts';
import type { Credentials } from '../wire/codec.ts';
import { errorMessage, SDK_V3_API, signingRegion, toJsonValue } from './common.ts';

export interface SdkV3Options {
  endpoint: string;
  credentials: Credentials;
  /** Attempts per call including retries (the SDK's maxAttempts); default: the SDK's own, as users run it. */
  maxAttempts?: number;
  region?: string;
  name?: string;
  /** Change the client before use (e.g. add middleware); for tests and broken clients. */
  customize?: (client: MTurkClientType) => void;
}

type CommandCtor = new (input: Record<string, unknown>) => unknown;

export { SDK_V3_API };

/** Maps a thrown SDK error to what the user of the client sees. */
export function sdkErrorResult(e: unknown): ClientResult {
  const err = e as {
    name?: string;
    message?: string;
    Message?: string;
    TurkErrorCode?: string;
    Code?: string;
  };
  const code = typeof err?.name === 'string' ? err.name : 'Error';
  const message = err?.Message ?? err?.message ?? errorMessage(e);
  return {
    error: {
      code,
      message,
      ...(typeof err?.TurkErrorCode === 'string' ? { turkErrorCode: err.TurkErrorCode } : {}),
    },
  };
}

export function createSdkV3Client(opts: SdkV3Options): ClientUnderTest {
  const client = new Sdk.MTurkClient({
    endpoint: opts.endpoint,
    region: opts.region ?? signingRegion(),
    credentials: {
      accessKeyId: opts.credentials.accessKeyId,
      secretAccessKey: opts.credentials.secretAccessKey,
    },
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
  });
  opts.customize?.(client);
  return {
    name: opts.name ?? 'sdk-v3',
    api: SDK_V3_API,
    async call(operation, input) {
      const Ctor = (Sdk as unknown as Record<string, unknown>)[`${operation}Command`];
      if (typeof Ctor !== 'function')
        return {
          error: { code: 'UnknownOperation', message: `@aws-sdk/client-mturk has no ${operation}Command` },
        };
      try {
        const out = (await client.send(new (Ctor as CommandCtor)(input) as never)) as unknown as Record<
          string,
          unknown
        >;
        const { $metadata: _m, ...output } = out;
        return { output: toJsonValue(output) as Record<string, unknown> };
      } catch (e) {
        return sdkErrorResult(e);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
