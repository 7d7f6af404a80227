// Shared types of the client side of the suite: the mock endpoint, the
// bundled clients and the client check catalogue.
import type { Api } from '../spec/types.ts';
import type { DecodeResult, ErrorOutcome } from '../wire/codec.ts';
import type { WireRequest, WireResponse } from '../wire/http-types.ts';

/** What the client suite is pointed at (provided to suites/client through vitest's `provide`). */
export interface ClientTargetConfig {
  kind: 'client';
  client: 'sdk-v3' | 'legacy-rest' | 'legacy-soap' | 'driver';
  /** The driver command line (for client: 'driver'), split without a shell. */
  driver?: string;
  apis: Api[];
  operations?: string[];
  runs: number;
  seed: number;
  timeoutMs: number;
  /**
   * The most attempts the client makes for one call on retryable faults; a case that answers
   * faults gets their back-off on top of timeoutMs (src/driver/deadline.ts). Default 5 (botocore's
   * legacy retry mode, the most patient official default).
   */
  maxAttempts?: number;
  /** Only these checks (check names such as `client.output`, or full check ids). */
  checks?: string[];
  /** Where the suite's data and specs live; defaults to the bundled specs. */
  specsDir?: string;
  /**
   * Run the end-to-end family (`e2e.<rule>`, src/client-checks/e2e-checks.ts) against this server
   * instead of the mock family.
   */
  server?: {
    endpoint: string;
    statesUrl: string;
    /** The reference emulator started for this run (random port): re-run lines start one on a fixed port. */
    reference?: boolean;
  };
  /**
   * Checks run side by side, each on its own lane (its own mock and client; for a driver, its own
   * process). Default: IN_PROCESS_LANES for the in-process bundled clients, 1 for a driver.
   */
  lanes?: number;
  /** The client cannot run here (e.g. the driver's runtime is missing): every check is not-run with this reason. */
  unavailable?: string;
}

/**
 * Checks a session runs side by side when the client runs in this process (each on its own lane).
 * A lane waits through its client's retry back-off (most of a bundled client's run at a small
 * --runs); the other lanes keep the process busy meanwhile.
 */
export const IN_PROCESS_LANES = 8;

/** The lanes a session of this target has: its own `lanes`, else IN_PROCESS_LANES, or 1 for a driver. */
export function defaultLaneCount(config: Pick<ClientTargetConfig, 'client' | 'lanes'>): number {
  return Math.max(1, config.lanes ?? (config.client === 'driver' ? 1 : IN_PROCESS_LANES));
}

/** The answer a client hands back to its user for one call. */
export type ClientResult =
  | { output: Record<string, unknown> }
  | { error: { code: string; message: string; turkErrorCode?: string } };

/** What a check tells the client harness about one call. */
export interface CallOptions {
  /**
   * How many retryable fault answers the server gives this call before a final answer
   * (Infinity: every attempt); a driver's deadline allows for the client's back-off between them.
   */
  faultAnswers?: number;
  /**
   * 2014-08-15: the ResponseGroup values the client is to ask for (its own option; the legacy
   * clients send them as ResponseGroup.N). Absent: the client's default.
   */
  responseGroups?: string[];
}

/** One MTurk client library seen through a common interface. */
export interface ClientUnderTest {
  name: string;
  api: Api;
  /** Calls `operation`; inputs use plain JSON values except timestamps (Date or ISO-8601 string). */
  call(operation: string, input: Record<string, unknown>, options?: CallOptions): Promise<ClientResult>;
  close(): Promise<void>;
  /**
   * Starts afresh, as a new client would (nothing it kept across calls, such as a retry quota, carries
   * over); false when it cannot, and the caller builds a new client instead. Without it, likewise.
   */
  fresh?(): Promise<boolean>;
  /** Diagnostic output of the client (e.g. a driver's stderr), truncated. */
  diagnostics?(): string;
}

/** How the mock answers the next request(s). */
export type MockScript =
  | { kind: 'success'; output: Record<string, unknown> }
  | {
      kind: 'error';
      /** an error id in specs/errors.json */
      error: string;
      values: Record<string, unknown>;
      /** 2017 only: one of errorEnvelope.typeForms, filled with the namespace / uri given */
      typeForm?: string;
      namespace?: string;
      uri?: string;
    }
  | {
      /** a recorded answer (fixtures/), served as recorded with the protocol's headers */
      kind: 'recorded';
      status: number;
      body: string;
    }
  | {
      kind: 'fail-then-succeed';
      /** an error id with fault:true in specs/errors.json */
      error: string;
      values: Record<string, unknown>;
      /** how many requests get the error before the success */
      failures: number;
      output: Record<string, unknown>;
    };

/** One request the mock saw and what it answered. */
export interface RecordedExchange {
  seq: number;
  at: string;
  request: WireRequest;
  decoded: DecodeResult | undefined;
  /** Why the request was not understood at all (no codec claimed it). */
  unclaimed?: string;
  /** The error the spec demands for this request (protocol, signature or member validation), if any. */
  refused?: ErrorOutcome;
  /** When the signature was refused: the same request decoded with signature verification off. */
  ignoringSignature?: { decoded: DecodeResult; refused?: ErrorOutcome };
  response: WireResponse;
}

declare module 'vitest' {
  interface ProvidedContext {
    /** The client suite's target (the runner may also provide it as `target` with kind 'client'). */
    clientTarget: ClientTargetConfig;
  }
}
