// The timer run before a request (model.json `timers`) skips its scan of every entity when an
// index of due times says nothing can fire; what it fires must stay what the scan fired.
import { describe, expect, it, vi } from 'vitest';
import { createEmulator } from '../../src/emulator/server.ts';
import type { StoredEntity } from '../../src/emulator/store.ts';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import type { TimerSpec } from '../../src/spec/types.ts';

const start = new Date(Date.UTC(2025, 5, 1));
const emulator = createEmulator({ now: () => start });
const { store, specs } = emulator;
const state = (name: string) =>
  JSON.parse(
    emulator.handleStates(JSON.stringify({ state: name, requester: TEST_REQUESTER_1.accessKeyId })).body,
  );

/** A fresh entity in one of a timer's statuses with its time set (made by a provider state). */
function timed(): { rec: StoredEntity; timer: TimerSpec } {
  for (const name of Object.keys(specs.model.states)) {
    const ids = state(name) as Record<string, string>;
    for (const timer of Object.values(specs.model.timers ?? {}))
      for (const id of Object.values(ids)) {
        const rec = store.getAny(timer.entity, id);
        if (rec && timer.status.includes(String(store.statusOf(rec))) && rec.fields[timer.at] instanceof Date)
          return { rec, timer };
      }
  }
  throw new Error('no provider state makes an entity a timer applies to');
}

/** What the scan would fire now: every entity in a timer's status whose time has come. */
const dueByScan = (timer: TimerSpec) =>
  store.listAll(timer.entity).filter((r) => {
    const at = r.fields[timer.at];
    return (
      timer.status.includes(String(store.statusOf(r))) &&
      at instanceof Date &&
      !(at.getTime() > emulator.clock.now().getTime())
    );
  });

describe('timers', () => {
  it('a tick with nothing due looks at no entity', () => {
    for (let i = 0; i < 50; i++) timed();
    const scan = vi.spyOn(store, 'listAll');
    try {
      expect(emulator.clock.tick()).toBe(0);
      expect(scan).not.toHaveBeenCalled();
    } finally {
      scan.mockRestore();
    }
  });

  it('fires an entity written back into its status, and one whose time is not a date, as the scan did', () => {
    const { rec, timer } = timed();
    const statusField = specs.model.entities[rec.entity]!.status!.field;
    const other = specs.model.entities[rec.entity]!.status!.values.find((s) => !timer.status.includes(s))!;
    const inStatus = String(store.statusOf(rec));
    const at = (rec.fields[timer.at] as Date).getTime();
    // out of the timer's status when its time comes: nothing fires
    store.update(rec, { [statusField]: other });
    emulator.clock.advance((at - emulator.clock.now().getTime()) / 1000 + 1);
    expect(dueByScan(timer)).not.toContain(rec);
    // back in it, its time long past: the next tick fires it
    store.update(rec, { [statusField]: inStatus });
    expect(dueByScan(timer)).toContain(rec);
    const fired = emulator.clock.tick();
    expect(fired).toBeGreaterThanOrEqual(1);
    // an invalid date is never later than now: due at once
    const second = timed();
    store.update(second.rec, { [second.timer.at]: new Date(Number.NaN) });
    expect(dueByScan(second.timer)).toContain(second.rec);
    expect(emulator.clock.tick()).toBeGreaterThanOrEqual(1);
    // what the scan says is due after a run is what the run left (it fired the others)
    for (const t of Object.values(specs.model.timers ?? {})) {
      const left = dueByScan(t);
      if (left.length === 0) continue;
      // a timer that leaves its entity in its status (an expiry waiting for accepted work) fires again
      expect(emulator.clock.tick()).toBeGreaterThanOrEqual(left.length);
    }
  });
});
