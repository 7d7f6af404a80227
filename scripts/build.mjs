// npm run build (also run by `prepare`, so by `npm install`, `npm pack` and a git install):
// `clean` empties dist/; tsc then compiles src/ to dist/ (JavaScript + declarations,
// tsconfig.build.json); `finish` copies the worker preload and records the digest of the specs it
// validated (dist/spec/validated-specs.json), which lets the built loader skip compiling the
// meta-schema for that very tree.
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const step = process.argv[2];
if (step === 'clean') rmSync(dist, { recursive: true, force: true });
else if (step === 'finish') {
  copyFileSync(join(root, 'src/runner/worker-preload.mjs'), join(dist, 'runner/worker-preload.mjs'));
  const { writeValidatedStamp } = await import(pathToFileURL(join(dist, 'spec/load.js')).href);
  writeValidatedStamp();
} else {
  process.stderr.write('usage: node scripts/build.mjs clean|finish\n');
  process.exitCode = 2;
}
