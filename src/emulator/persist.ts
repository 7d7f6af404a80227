// The emulator's state file (`emulator --state-file FILE`, `startEmulator({ stateFile })`): the
// store and the clock as JSON with a format name and version. Written atomically (a temporary file
// in the same directory, flushed, then renamed over the old one), so a crash mid-write leaves the
// previous file whole. A file of another format or version, or a damaged one, is refused with a
// one-line reason and left untouched.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Emulator } from './server.ts';
import { Store, type StoreSnapshot } from './store.ts';

export const STATE_FORMAT = 'mturk-conformance-emulator-state';
export const STATE_VERSION = 1;

/** A state file that cannot be used; the message is one line. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

interface StateDoc {
  format: string;
  version: number;
  savedAt: string;
  clockOffsetSeconds: number;
  store: StoreSnapshot;
}

/** Dates are the only non-JSON values in the store: written as {"$date": ISO}. */
function encode(doc: StateDoc): string {
  return JSON.stringify(
    doc,
    function (this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { $date: raw.toISOString() } : value;
    },
    1,
  );
}

function decode(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const d = (v as { $date?: unknown }).$date;
      if (keys.length === 1 && typeof d === 'string') {
        const t = new Date(d);
        if (Number.isNaN(t.getTime())) throw new Error(`bad date ${JSON.stringify(d).slice(0, 40)}`);
        return t;
      }
    }
    return v;
  });
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);

/** Reads and checks a state file; throws StateFileError (one line) when it cannot be used. */
export function readStateFile(
  file: string,
  emulator: Emulator,
): { snapshot: StoreSnapshot; clockOffsetSeconds: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StateFileError(
      `state file ${file}: cannot read it (${oneLine((e as NodeJS.ErrnoException).code ?? String(e))})`,
    );
  }
  let doc: unknown;
  try {
    doc = decode(text);
  } catch (e) {
    throw new StateFileError(
      `state file ${file} is damaged: ${oneLine((e as Error).message)}; left untouched`,
    );
  }
  const d = doc as Partial<StateDoc> | null;
  if (d === null || typeof d !== 'object' || Array.isArray(d) || d.format !== STATE_FORMAT)
    throw new StateFileError(
      `${file} is not an emulator state file (no "format": "${STATE_FORMAT}"); left untouched`,
    );
  if (d.version !== STATE_VERSION)
    throw new StateFileError(
      `state file ${file} has format version ${JSON.stringify(d.version)}; this emulator reads version ${STATE_VERSION}; left untouched`,
    );
  const s = d.store as Partial<StoreSnapshot> | undefined;
  const problem = snapshotProblem(s, emulator);
  if (problem) throw new StateFileError(`state file ${file} is damaged: ${problem}; left untouched`);
  const offset =
    typeof d.clockOffsetSeconds === 'number' && d.clockOffsetSeconds >= 0 ? d.clockOffsetSeconds : 0;
  // Parts of the store this file does not have (written before they existed) start empty.
  const empty = new Store(emulator.specs).snapshot();
  return { snapshot: { ...empty, ...(s as StoreSnapshot) }, clockOffsetSeconds: offset };
}

function snapshotProblem(s: Partial<StoreSnapshot> | undefined, emulator: Emulator): string | undefined {
  if (!s || typeof s !== 'object') return 'no store';
  if (typeof s.seq !== 'number' || !Number.isSafeInteger(s.seq)) return 'store.seq is not a whole number';
  if (!Array.isArray(s.entities)) return 'store.entities is not a list';
  for (const [i, pair] of s.entities.entries()) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !Array.isArray(pair[1]))
      return `store.entities[${i}] is not [entity, list]`;
    const entity = pair[0];
    if (!Object.hasOwn(emulator.specs.model.entities, entity))
      return `unknown entity ${oneLine(entity).slice(0, 60)}`;
    for (const [j, rec] of (pair[1] as unknown[]).entries()) {
      const r = rec as { entity?: unknown; id?: unknown; fields?: unknown; seq?: unknown } | null;
      if (
        !r ||
        typeof r !== 'object' ||
        r.entity !== entity ||
        typeof r.id !== 'string' ||
        typeof r.seq !== 'number' ||
        !r.fields ||
        typeof r.fields !== 'object'
      )
        return `store.entities[${i}][1][${j}] is not a stored ${entity}`;
    }
  }
  return undefined;
}

/** Loads a state file into the emulator (store and clock). */
export function loadStateFile(file: string, emulator: Emulator): void {
  const { snapshot, clockOffsetSeconds } = readStateFile(file, emulator);
  emulator.store.restore(snapshot);
  const ahead = clockOffsetSeconds - emulator.clock.offsetSeconds;
  if (ahead > 0) emulator.clock.advance(ahead);
}

/**
 * Checks before serving that the state file can be used: an existing file must be a readable state
 * file of this version (it is loaded), a new one needs an existing directory.
 */
export function openStateFile(file: string, emulator: Emulator): 'loaded' | 'new' {
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new StateFileError(`state file ${file} is a directory`);
    loadStateFile(file, emulator);
    return 'loaded';
  }
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new StateFileError(`state file ${file}: directory ${dir} does not exist`);
  return 'new';
}

/** Writes the emulator's state atomically: a temporary file beside it, flushed, renamed over it. */
export function saveStateFile(file: string, emulator: Emulator): void {
  const doc: StateDoc = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    savedAt: new Date().toISOString(),
    clockOffsetSeconds: emulator.clock.offsetSeconds,
    store: emulator.store.snapshot(),
  };
  const text = encode(doc);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new StateFileError(`cannot write state file ${file}: ${oneLine((e as Error).message)}`);
  }
}
