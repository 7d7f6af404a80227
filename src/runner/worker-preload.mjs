// Imported (node --import) by every suite worker, process or thread (`run`), before vitest's
// worker code. The suites run with vitest's module runner off, so the worker imports them natively.
// The compiled suites of a build need nothing more (?loader=none). For the TypeScript suites this
// file imports the large plain-JavaScript dependencies the suite kind needs first, directly, then
// registers tsx's loader for the TypeScript sources. Through the loader hooks, each of the
// dependencies' hundreds of modules would make a round trip to tsx's loader thread, costing
// memory and start-up time; the suites' own imports of the same packages get these very module
// instances.
// The list comes from this module's URL: worker-preload.mjs?deps=name,name
// The bundled SDK client warns, on every run, that its releases from 2027 need Node 22: advice for
// whoever upgrades this tool's dependencies, not a finding about the target, so it stays out of
// the run's output. The variable is the SDK's own switch for that warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Ctrl-C reaches every process of the terminal's group, this worker too. The runner's process
// decides what it means (finish the checks in flight, write the report: src/runner/interrupt.ts),
// so the worker does not die under them; it ends with the run, or when that process is gone.
process.on('SIGINT', () => {});
const params = new URL(import.meta.url).searchParams;
// loader=none: the compiled suites of a build (dist/suites, src/runner/run.ts bundledSuite) import
// compiled JavaScript only; with no loader hooks, importing the packages first gains nothing.
if (params.get('loader') !== 'none') {
  const deps = (params.get('deps') ?? '').split(',').filter(Boolean);
  // one after the other: a CommonJS package that requires an ES module another import is still
  // loading (the msw middleware requiring msw) trips Node 20's loader when they load concurrently
  for (const name of deps) await import(name);
  const { register } = await import('tsx/esm/api');
  register();
}
