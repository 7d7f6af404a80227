// npm run build (`prepare` runs it only when dist/ is not current: npm install, npm pack, a git
// install): `clean` empties dist/ and records the sources it is about to compile (their sizes,
// mtimes and digests: the pending build stamp, bin/build-state.mjs); tsc then compiles src/ to
// dist/ (JavaScript + declarations, tsconfig.build.json); `finish` copies the worker preload,
// compiles the bundled suites (suites/**/*.ts → dist/suites/**/*.js, their imports of src/ pointed
// at dist/), records the digest of the specs it validated (dist/spec/validated-specs.json, which
// lets the built loader skip compiling the meta-schema for that very tree) and, last, puts the
// build stamp in place: from then on the executable runs dist/ instead of the sources through tsx.
// `current` exits 0 when dist/ is a build of these sources by this very build setup.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildState, listSources, PENDING_STAMP, STAMP, snapshot } from '../bin/build-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const step = process.argv[2];
const require = createRequire(import.meta.url);

/**
 * What else decides the output besides the sources: the compiler settings, these build steps
 * and the compilers' versions. Not shipped, so only `current` (the build deciding whether to
 * rebuild) compares it; the executable compares the sources alone.
 */
function toolDigest() {
  const h = createHash('sha256');
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'bin/build-state.mjs']) {
    h.update(`${file}\0`);
    h.update(readFileSync(join(root, file)));
  }
  for (const name of ['typescript', 'esbuild']) h.update(`${name}@${packageVersion(name)}\0`);
  return h.digest('hex');
}

/** esbuild is tsx's (a dependency of this package), so resolved from there. */
function fromTsx(name) {
  return createRequire(require.resolve('tsx/package.json'))(name);
}

function packageVersion(name) {
  try {
    return (name === 'esbuild' ? fromTsx : require)(`${name}/package.json`).version;
  } catch {
    return 'missing';
  }
}

/**
 * The suites are vitest files in TypeScript that import src/: compiled one file each (no
 * bundling: every import stays an import), their relative imports pointed at the compiled
 * files (src/x.ts → dist/x.js, suites/x.ts → dist/suites/x.js). A relative import that points at
 * nothing the build made fails the build.
 */
async function compileSuites() {
  const entries = listSources(root).filter((f) => f.startsWith('suites/') && f.endsWith('.ts'));
  if (entries.length === 0) return;
  const esbuild = fromTsx('esbuild');
  const outdir = join(dist, 'suites');
  const compiled = (abs) => {
    const rel = relative(root, abs).split(sep).join('/');
    if (rel.startsWith('src/') && rel.endsWith('.ts')) return join(dist, rel.slice(4, -3) + '.js');
    if (rel.startsWith('suites/') && rel.endsWith('.ts')) return join(outdir, rel.slice(7, -3) + '.js');
    return abs;
  };
  const missing = [];
  await esbuild.build({
    entryPoints: entries.map((f) => join(root, f)),
    outdir,
    outbase: join(root, 'suites'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [
      {
        name: 'imports-to-dist',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (!args.path.startsWith('.')) return { path: args.path, external: true };
            const target = compiled(resolve(args.resolveDir, args.path));
            const from = dirname(compiled(args.importer));
            if (target.startsWith(dist) && !target.startsWith(outdir) && !existsSync(target))
              missing.push(`${relative(root, args.importer)}: ${args.path}`);
            const spec = relative(from, target).split(sep).join('/');
            return { path: spec.startsWith('.') ? spec : `./${spec}`, external: true };
          });
        },
      },
    ],
  });
  if (missing.length > 0)
    throw new Error(`the suites import what the build did not make: ${missing.join(', ')}`);
}

if (step === 'clean') {
  // the stamp goes first: a start-up from here on runs the sources, never a half-removed dist/
  rmSync(join(root, STAMP), { force: true });
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  // taken before tsc reads anything: a file edited during the build is stale in the stamp
  writeFileSync(join(root, PENDING_STAMP), `${JSON.stringify({ ...snapshot(root), tool: toolDigest() })}\n`);
} else if (step === 'finish') {
  if (!existsSync(join(root, PENDING_STAMP))) {
    process.stderr.write('build.mjs finish: no pending stamp (run `npm run build`)\n');
    process.exit(1);
  }
  copyFileSync(join(root, 'src/runner/worker-preload.mjs'), join(dist, 'runner/worker-preload.mjs'));
  await compileSuites();
  const { writeValidatedStamp } = await import(pathToFileURL(join(dist, 'spec/load.js')).href);
  writeValidatedStamp();
  renameSync(join(root, PENDING_STAMP), join(root, STAMP));
} else if (step === 'current') {
  const state = buildState(root);
  let tool;
  try {
    tool = JSON.parse(readFileSync(join(root, STAMP), 'utf8')).tool;
  } catch {}
  const current = state.current && tool === toolDigest();
  if (current) process.stdout.write('dist/ is a build of these sources: not rebuilt\n');
  else if (state.current) process.stdout.write('the build setup changed since dist/ was built: rebuilding\n');
  else process.stdout.write(`${state.reason}: rebuilding dist/\n`);
  process.exitCode = current ? 0 : 1;
} else {
  process.stderr.write('usage: node scripts/build.mjs clean|finish|current\n');
  process.exitCode = 2;
}
