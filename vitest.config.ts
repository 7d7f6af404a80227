import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (a CI log's per-file times on the 2-core machine, seconds), started
 * first. Without a duration cache (a clean clone, as CI runs) vitest starts the largest files
 * first, and these are small: the boto3 driver test (~190 s, mostly its back-off sleeps) and the
 * `run` command's test started among the last files, and ran on alone while the other worker
 * had nothing left to do. A file missing from the list only loses its head start.
 */
const LONG_FIRST = [
  'test/client/boto3-driver.test.ts', // 188
  'test/broken-emulators.test.ts', // 88
  'test/cli/server.test.ts', // 118 before the garbage-server sample
  'test/determinism.test.ts', // 87 before two runs instead of three
  'test/hostile/cli.test.ts', // 64
  'test/cli/run.test.ts', // 53
  'test/client/broken-clients.test.ts', // 44
  'test/client/driver-protocol.test.ts', // 39
  'test/client/cli.test.ts', // 39
  'test/safety/canary.test.ts', // 37
  'test/cli/interrupt.test.ts', // 34
  'test/cli/gate.test.ts', // 30
];

class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONG_FIRST.length : i;
    };
    // stable: the rest keep vitest's own order (failed first, then longest known, then largest)
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map((x) => x.f);
  }
}

// The tool's own tests live in test/. The conformance suites it ships (suites/)
// are not run here directly: the CLI runs them through vitest's Node API with a
// target provided, and test/ drives the CLI against good and broken targets.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: a test's verdict must not depend on the machine's load. On the shared 2-core
    // machine starting the CLI alone took 20-27 s, and a 60 s limit failed whole-catalogue runs
    // that pass. What a test bounds in time it shows otherwise (deadlines in messages, guards).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    sequence: { sequencer: LongFirstSequencer },
  },
});
