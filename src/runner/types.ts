// Types shared by the runner, the CLI commands and the library entry.
import type { CheckRecord, ServerTargetConfig } from '../checks/types.ts';
import type { ClientTargetConfig } from '../mock/types.ts';

export interface TargetCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the server suite reads with `inject('target')` (the contract lives in src/checks/types.ts). */
export type ServerTarget = ServerTargetConfig;

/** What the client suite reads with `inject('target')` (the contract lives in src/mock/types.ts). */
export type ClientTarget = ClientTargetConfig;

export type Target = ServerTarget | ClientTarget;

/** `task.meta.conformance` as the suites write it (one per vitest test, i.e. per check). */
export type CheckMeta = CheckRecord;

/** A problem that stops a run before it tests anything: the CLI prints the message (one line) and exits 2. */
export class RunError extends Error {
  override name = 'RunError';
}
