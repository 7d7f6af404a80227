// The CLI against each hostile server: ends in bounded time, exits 1 (the
// server answered, wrongly) or 2 (it never gave a usable answer: no check could
// run), prints no stack trace, and its memory stays bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureCommand } from '../../src/bench/proc.ts';
import { HOSTILE_KINDS, type HostileKind, startHostile } from '../fixtures/hostile-servers/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'mturk-conformance.mjs');

/** 2: the transport never got a usable answer, so nothing could be tested; 1: answers that break the rules. */
const EXIT: Record<HostileKind, 1 | 2> = {
  hang: 2,
  trickle: 2,
  'trickle-body': 2,
  'reset-mid-answer': 2,
  'reset-on-connect': 2,
  'huge-chunked': 2,
  'huge-declared': 2,
  garbage: 2,
  'header-flood': 2,
  'malformed-json': 1,
  'malformed-xml': 1,
  'xml-bomb': 1,
  'xml-external-entity': 1,
  'wrong-content-type': 1,
  redirect: 1,
};

const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

describe('server command against hostile servers', () => {
  for (const kind of HOSTILE_KINDS) {
    it(`${kind}: bounded time and memory, exit ${EXIT[kind]}, no stack trace`, {
      timeout: 180_000,
    }, async () => {
      const server = await startHostile(kind);
      const dir = mkdtempSync(join(tmpdir(), `hostile-${kind}-`));
      try {
        const m = await measureCommand(
          [
            process.execPath,
            BIN,
            'server',
            '--endpoint',
            server.url,
            '--runs',
            '3',
            '--timeout-ms',
            '1000',
            '--operations',
            'RejectAssignment',
            '--seed',
            '1',
            '--no-progress',
            '--report-dir',
            join(dir, 'report'),
          ],
          { cwd: ROOT, timeoutMs: 150_000, env: { ...process.env, MTURK_CONFORMANCE_DEBUG: '' } },
        );
        const out = `${m.stdoutTail}\n${m.stderrTail}`;
        // bounded time: the run ends by itself (hang and trickle answers are cut at --timeout-ms),
        // checked against the 150 s guard rather than a wall-clock figure that moves with the load
        expect(m.timedOut, out).toBe(false);
        expect(m.exitCode, out).toBe(EXIT[kind]);
        expect(out).not.toMatch(STACK);
        expect(out).not.toMatch(/\b(TypeError|ReferenceError|RangeError|Unhandled)\b/);
        if (m.maxRssMb !== undefined) expect(m.maxRssMb).toBeLessThan(600);
        if (m.peakTreeMb !== undefined) expect(m.peakTreeMb).toBeLessThan(1500);
        if (kind === 'redirect') expect(server.redirectTargetHits()).toBe(0);
        if (kind.startsWith('huge')) expect(server.largestAnswer()).toBeLessThan(60 * 1024 * 1024);
        if (kind === 'xml-external-entity') expect(out).not.toMatch(/root:x:0:0/);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
