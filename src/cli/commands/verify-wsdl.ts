// `mturk-conformance verify-wsdl`: compare the legacy (2014-08-15) specs with the
// published WSDL (by default the one the npm package mturk-api ships). Prints, per
// spec, what disagrees, with the reason the spec declares; lists the WSDL
// operations that have no spec yet (for information). Exit 0 when every difference
// is declared and no declaration is stale, 1 otherwise, 2 when the WSDL cannot be
// found or read.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { DEFAULT_SPECS_DIR } from '../../spec/load.ts';
import {
  compareWithWsdl,
  operationsWithoutSpec,
  readWsdl,
  showWsdlDifference,
  staleWsdlDeclarations,
  WSDL_API,
  WSDL_IN_PACKAGE,
  type WsdlModel,
} from '../../spec/wsdl.ts';
import { helpText, type OptionSpec, parseArgs, specsForCommand } from '../args.ts';

const OPTIONS = {
  wsdl: {
    type: 'string',
    help: `the WSDL file (default: ${WSDL_IN_PACKAGE}, the dev dependency mturk-api)`,
    valueName: 'PATH',
  },
  dir: { type: 'string', help: 'the specs directory (default: specs/ of this package)', valueName: 'DIR' },
  json: { type: 'boolean', help: 'print the differences as JSON' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

const COMMAND = 'mturk-conformance verify-wsdl';

/** The WSDL shipped by the mturk-api package, when it is installed. */
export function findPackagedWsdl(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(WSDL_IN_PACKAGE);
  } catch {
    return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('verify-wsdl', '[--wsdl PATH] [--dir DIR] [--json]', OPTIONS)}\n\nExit status: 0 every difference is declared, 1 an undeclared difference or a stale declaration, 2 no WSDL.\n`,
    );
    return 0;
  }
  const path = args.wsdl !== undefined ? resolve(args.wsdl) : findPackagedWsdl();
  if (!path || !existsSync(path)) {
    process.stderr.write(
      `${COMMAND}: ${path ? `no WSDL file at ${path}` : `cannot find ${WSDL_IN_PACKAGE}: run npm install (mturk-api is a dev dependency) or pass --wsdl PATH`}\n`,
    );
    return 2;
  }
  let wsdl: WsdlModel;
  try {
    wsdl = readWsdl(path);
  } catch (e) {
    process.stderr.write(`${COMMAND}: cannot read ${path}: ${(e as Error).message}\n`);
    return 2;
  }
  const dir = args.dir === undefined ? DEFAULT_SPECS_DIR : resolve(args.dir);
  const set = specsForCommand(dir, COMMAND);
  if (!set) return 1;
  const diffs = compareWithWsdl(set, wsdl);
  const stale = staleWsdlDeclarations(set, diffs);
  const missing = operationsWithoutSpec(set, wsdl);
  const undeclared = diffs.filter((d) => d.declared === undefined);
  const ok = undeclared.length === 0 && stale.length === 0;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ wsdl: path, ok, differences: diffs, staleDeclarations: stale, operationsWithoutSpec: missing }, null, 2)}\n`,
    );
    return ok ? 0 : 1;
  }
  const specs = [...set.apis[WSDL_API].operations.keys()].sort();
  const out = [
    `verify-wsdl: ${specs.length} ${WSDL_API} operation specs (${dir})`,
    `  against ${path} (${wsdl.operations.size} operations)`,
    '  compared: operations, request and result members (the common parameters left out), their order, occurrence (required, list), types, shape names, enums, the result element; the structure shapes they use',
    '',
  ];
  // per spec: what disagrees
  const owners = [
    ...specs.map((name) => ({ owner: 'operation' as const, name })),
    ...[...new Set(diffs.filter((d) => d.owner === 'shape').map((d) => d.name))]
      .sort()
      .map((name) => ({ owner: 'shape' as const, name })),
  ];
  for (const { owner, name } of owners) {
    const mine = diffs.filter((d) => d.owner === owner && d.name === name);
    const mineStale = stale.filter((s) => s.owner === owner && s.name === name);
    const bad = mine.filter((d) => d.declared === undefined).length + mineStale.length;
    const label = owner === 'shape' ? `shape ${name}` : name;
    out.push(
      `${bad ? 'FAIL' : 'ok  '} ${label}${mine.length ? ` (${mine.length} difference(s), ${mine.length - (bad - mineStale.length)} declared)` : ''}`,
    );
    for (const d of mine)
      out.push(
        `       ${d.declared === undefined ? 'undeclared: ' : 'declared:   '}${showWsdlDifference(d)}`,
      );
    for (const d of mine.filter((x) => x.declared !== undefined)) out.push(`         reason: ${d.declared}`);
    for (const s of mineStale)
      out.push(`       stale declaration: ${s.member} ${s.aspect} (the WSDL agrees): ${s.reason}`);
  }
  out.push(
    '',
    `WSDL operations without a spec yet (${missing.length}, not a failure): ${missing.join(', ') || 'none'}`,
    '',
    ok
      ? `OK: the ${WSDL_API} specs agree with the WSDL except for ${diffs.length} declared difference(s)`
      : `FAIL: ${undeclared.length} undeclared difference(s), ${stale.length} stale declaration(s); declare a real difference under wsdl.differences in the operation spec (or the shape), with its reason`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return ok ? 0 : 1;
}
