// The client × server columns of a run: every bundled client's target once more, pointed at a
// real server (the reference emulator in `mturk-conformance run --all-bundled`) so that the
// client suite runs the e2e family there instead of the mock family.
import type { ClientTargetConfig } from '../mock/types.ts';

/** The suffix of a client × emulator column's name. */
export const EMULATOR_COLUMN = ' × emulator';

/** The emulator's provider-states URL when only its base URL is known (its default path). */
export function defaultStatesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/_states`;
}

/** One `<name> × emulator` target per client target, against the given server. */
export function emulatorTargets(
  targets: readonly { target: ClientTargetConfig; name: string }[],
  server: { endpoint: string; statesUrl: string; reference?: boolean },
): { target: ClientTargetConfig; name: string }[] {
  return targets.map(({ target, name }) => ({
    name: `${name}${EMULATOR_COLUMN}`,
    target: { ...target, server: { ...server } },
  }));
}

/** Why boto3's driver cannot run here, for the not-run records of its columns. */
export const BOTO3_UNAVAILABLE =
  '/usr/bin/python3 cannot import boto3 (install python3-boto3 to run the boto3 driver)';
