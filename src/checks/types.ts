// The check catalogue's types and the contract with the runner: the target the
// runner provides to the suite files (vitest `provide`/`inject`) and the record
// each check leaves on its test (`task.meta.conformance`).
import type { Api, Severity, SpecSet } from '../spec/types.ts';
import type { Credentials } from '../wire/codec.ts';

export interface ServerTargetConfig {
  kind: 'server';
  endpoint: string;
  statesUrl?: string;
  apis: Api[];
  operations?: string[];
  runs: number;
  seed: number;
  timeoutMs: number;
  /** [0] = owner of the provider states, [1] = another requester */
  credentials: Credentials[];
  /** only these check ids */
  checks?: string[];
  /** specs directory (default: the bundled specs) */
  specsDir?: string;
  /**
   * The legacy wire forms the target speaks ('rest', 'soap'); every check of a legacy operation
   * runs over each (SOAP twins are `soap.<check>`). Default: every form the specs bind.
   */
  legacyWires?: string[];
}

/** What names a check in every family and report: `<api>/<Operation>/<check>` and its severity. */
export interface CheckHead {
  id: string;
  api: Api;
  operation: string;
  check: string;
  severity: Severity;
}

export interface CheckRecord extends CheckHead {
  detail?: string;
  request?: string;
  response?: string;
  /** spec file + JSON pointer + the rule text */
  rule?: string;
  counterexample?: string;
  reproduce?: string;
  curl?: string[];
  notRunReason?: string;
  coverage?: Record<string, number>;
}

export type CheckStatus = 'passed' | 'failed' | 'not-run';

export interface CheckResult {
  status: CheckStatus;
  record: CheckRecord;
}

declare module 'vitest' {
  interface ProvidedContext {
    target: ServerTargetConfig;
    /** the digest of the spec tree the runner's process validated (src/spec/load.ts) */
    validatedSpecs?: string;
  }
}

declare module '@vitest/runner' {
  interface TaskMeta {
    conformance?: CheckRecord;
  }
}

/** What a check body gets: the session it sends through (see session.ts). */
export interface Check extends CheckHead {
  /** spec file + JSON pointer + the rule text */
  rule: string;
  /** true when the check may run alongside others (it only touches its own provider states) */
  concurrent: boolean;
  run: (session: import('./session.ts').Session) => Promise<void>;
}

export interface CatalogueContext {
  set: SpecSet;
  config: ServerTargetConfig;
}
