// Is dist/ a build of exactly these sources? The executable asks before anything else (plain
// JavaScript, no loader yet): when it is, the CLI and the suites' threads run the compiled
// JavaScript with no TypeScript loader at all; when it is not (src/ or suites/ edited since the
// last `npm run build`, or never built), they run the sources through tsx, as a checkout always
// did, so an edit takes effect without a rebuild and nothing runs old code.
//
// The build records, before tsc starts, every source file's path, size, mtime and sha256 in
// dist/build-stamp.json, and moves it into place as its last step (a failed or half-done build
// has no stamp). At start-up the files are listed and stat'ed (~2 ms for ~160 files); only a
// file whose size or mtime differs from the stamp is read and hashed. An edit, a `git checkout`,
// a `git pull` all write the files they change, so their mtimes move: in a checkout nothing is
// read unless something changed. A tarball install (npm gives every file the same old mtime) or
// a copy reads and hashes every file once per start (~10 ms): the content decides, not the
// mtime, so a restored old file or a patched installed package is seen as well.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the build compiles and the package ships (package.json `files`: src/ less its tests). */
export const SOURCE_DIRS = ['src', 'suites'];
export const STAMP = 'dist/build-stamp.json';
/** Written by `build.mjs clean` before tsc runs, renamed to STAMP by `finish`. */
export const PENDING_STAMP = 'dist/build-stamp.pending.json';

function shipped(rel) {
  return !(rel.startsWith('src/') && rel.endsWith('.test.ts'));
}

/** The source files, relative to root with `/`, sorted. */
export function listSources(root) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && shipped(child)) out.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return out.sort();
}

function sha256(root, rel) {
  return createHash('sha256')
    .update(readFileSync(join(root, rel)))
    .digest('hex');
}

/** The stamp's content for the sources as they are now. */
export function snapshot(root) {
  const files = {};
  for (const rel of listSources(root)) {
    const st = statSync(join(root, rel));
    files[rel] = { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(root, rel) };
  }
  return { version: 1, files };
}

/**
 * { current: true } when dist/ was built from the sources as they are now, else
 * { current: false, reason } naming the first difference.
 */
export function buildState(root) {
  try {
    return compare(root);
  } catch (e) {
    return { current: false, reason: `the build stamp could not be checked: ${e?.message ?? e}` };
  }
}

function compare(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return { current: false, reason: 'dist/ is not built (no dist/build-stamp.json)' };
  }
  const built = stamp?.version === 1 && stamp.files && typeof stamp.files === 'object' ? stamp.files : {};
  const now = listSources(root);
  const seen = new Set(now);
  for (const rel of Object.keys(built)) {
    if (!seen.has(rel)) return { current: false, reason: `${rel} was removed since the build` };
  }
  for (const rel of now) {
    const entry = built[rel];
    if (!entry) return { current: false, reason: `${rel} is new since the build` };
    let st;
    try {
      st = statSync(join(root, rel));
    } catch {
      return { current: false, reason: `${rel} cannot be read` };
    }
    if (st.size === entry.size && st.mtimeMs === entry.mtimeMs) continue;
    if (st.size !== entry.size || sha256(root, rel) !== entry.sha256)
      return { current: false, reason: `${rel} changed since the build` };
  }
  return { current: true };
}
