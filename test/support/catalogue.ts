// The server check catalogue as a test lists it: nothing runs, so no server is asked and the
// endpoint names a closed port.
import { serverChecks } from '../../src/checks/catalogue.ts';
import type { Check, ServerTargetConfig } from '../../src/checks/types.ts';
import { TEST_CREDENTIALS } from '../../src/emulator/test-credentials.ts';
import type { SpecSet } from '../../src/spec/types.ts';
import { APIS } from '../../src/spec/types.ts';

export const OFFLINE_SERVER: ServerTargetConfig = {
  kind: 'server',
  endpoint: 'http://127.0.0.1:1',
  apis: [...APIS],
  runs: 1,
  seed: 1,
  timeoutMs: 1000,
  credentials: [...TEST_CREDENTIALS],
};

/** Every server check for `set` (both APIs), with `more` over the offline config. */
export function serverCatalogue(set: SpecSet, more: Partial<ServerTargetConfig> = {}): Check[] {
  return serverChecks(set, { ...OFFLINE_SERVER, ...more });
}
