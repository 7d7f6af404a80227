import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { run } from '../../src/cli/commands/emulator.ts';

describe('mturk-conformance emulator', () => {
  it('--help prints the options and exits 0', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--help'])).toBe(0);
      expect(String(write.mock.calls[0]?.[0])).toMatch(/--accept-any-signature/);
    } finally {
      write.mockRestore();
    }
  });
  it('refuses a non-loopback host without --allow-remote, and bad options', async () => {
    await expect(run(['--host', '0.0.0.0'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--port', '99999'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--credentials', '/nonexistent/file.json'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--bogus'])).rejects.toBeInstanceOf(UsageError);
  });
  it('serves until SIGTERM and then resolves 0', async () => {
    // waits for the "listening" line itself, not for a fixed number of polls (starting the
    // emulator can take longer than 50 × 20 ms on a loaded machine)
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((r) => (listening = r));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      if (String(chunk).includes('listening')) listening();
      return true;
    });
    try {
      const done = run(['--port', '0']);
      await Promise.race([ready, done]);
      const out = write.mock.calls.map((c) => String(c[0])).join('');
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      expect(url).toBeTruthy();
      const res = await fetch(`${url}/_states`, {
        method: 'POST',
        body: JSON.stringify({ state: 'x', requester: 'y' }),
      });
      expect(res.status).toBe(404);
      process.emit('SIGTERM');
      expect(await done).toBe(0);
    } finally {
      write.mockRestore();
    }
  });
});
