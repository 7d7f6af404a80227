// `mturk-conformance verify-model`: compare the 2017-01-17 specs with botocore's
// official model of the service (service-2.json, which has the min/max/pattern/
// enum constraints that aws-sdk's .min.json leaves out). Every difference is
// printed with the reason its operation spec declares for it. Exit 0 when every
// difference is declared (and no declaration is stale), 1 otherwise, 2 when the
// model cannot be found or read.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SPECS_DIR } from '../../spec/load.ts';
import {
  compareSharedShapes,
  compareWithOfficialModel,
  type Difference,
  hasConstraints,
  hasNamedShapes,
  OFFICIAL_MODEL_API,
  readServiceModel,
  type ServiceModel,
  SHARED_SHAPES_FILE,
  unspecifiedOperations,
  unusedDeclarations,
} from '../../spec/official-model.ts';
import { helpText, type OptionSpec, parseArgs, specsForCommand } from '../args.ts';

const OPTIONS = {
  model: {
    type: 'string',
    help: "the model file (default: botocore's data/mturk/2017-01-17/service-2.json, found through /usr/bin/python3)",
    valueName: 'PATH',
  },
  dir: { type: 'string', help: 'the specs directory (default: specs/ of this package)', valueName: 'DIR' },
  json: { type: 'boolean', help: 'print the differences as JSON' },
  all: { type: 'boolean', help: 'also fail when an operation of the model has no spec' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

const MODEL_IN_BOTOCORE = 'data/mturk/2017-01-17';
const INSTALL_HINT =
  'install python3-botocore (apt-get install python3-botocore, or pip install botocore) or pass --model PATH';

/**
 * botocore's MTurk model on this machine, through the Python that has botocore
 * (/usr/bin/python3, else python3 on PATH; MTURK_CONFORMANCE_PYTHON names another);
 * undefined when there is none.
 */
export function findBotocoreModel(): { path: string; version?: string } | undefined {
  const pythons = process.env.MTURK_CONFORMANCE_PYTHON
    ? [process.env.MTURK_CONFORMANCE_PYTHON]
    : ['/usr/bin/python3', 'python3'];
  for (const python of pythons) {
    let out: string;
    try {
      out = execFileSync(
        python,
        ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 },
      );
    } catch {
      continue;
    }
    const [dir, version] = out.trim().split('\n');
    if (!dir) continue;
    for (const name of ['service-2.json', 'service-2.json.gz']) {
      const path = join(dir, MODEL_IN_BOTOCORE, name);
      if (existsSync(path)) return version ? { path, version } : { path };
    }
  }
  return undefined;
}

const line = (d: Difference) =>
  `${d.operation}${d.member ? ` ${d.member}` : ''} ${d.aspect}: spec ${d.spec}, model ${d.model}`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('verify-model', '[--model PATH] [--dir DIR] [--all] [--json]', OPTIONS)}\n\nExit status: 0 every difference is declared, 1 an undeclared difference or a stale declaration (or, with --all, an operation without a spec), 2 no model.\n`,
    );
    return 0;
  }
  let modelPath: string;
  let version: string | undefined;
  if (args.model !== undefined) {
    modelPath = resolve(args.model);
    if (!existsSync(modelPath)) {
      process.stderr.write(`mturk-conformance verify-model: no model file at ${modelPath}\n`);
      return 2;
    }
  } else {
    const found = findBotocoreModel();
    if (!found) {
      process.stderr.write(
        `mturk-conformance verify-model: cannot find botocore's MTurk model (${MODEL_IN_BOTOCORE}/service-2.json): ${INSTALL_HINT}\n`,
      );
      return 2;
    }
    modelPath = found.path;
    version = found.version;
  }
  let model: ServiceModel;
  try {
    model = readServiceModel(modelPath);
  } catch (e) {
    process.stderr.write(
      `mturk-conformance verify-model: cannot read ${modelPath}: ${(e as Error).message}\n`,
    );
    return 2;
  }
  const dir = args.dir === undefined ? DEFAULT_SPECS_DIR : resolve(args.dir);
  const set = specsForCommand(dir, 'mturk-conformance verify-model');
  if (!set) return 1;
  const constraints = hasConstraints(model);
  const diffs = [
    ...compareWithOfficialModel(set, model, { constraints }),
    ...compareSharedShapes(set, model, { constraints }),
  ];
  const unspecified = unspecifiedOperations(set, model);
  const stale = unusedDeclarations(set, diffs, { constraints });
  const declared = diffs.filter((d) => d.declared !== undefined);
  const undeclared = diffs.filter((d) => d.declared === undefined);
  const ok = undeclared.length === 0 && stale.length === 0 && !(args.all && unspecified.length > 0);
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ model: modelPath, botocore: version, constraints, ok, differences: diffs, staleDeclarations: stale, unspecifiedOperations: unspecified }, null, 2)}\n`,
    );
    return ok ? 0 : 1;
  }
  const ops = set.apis[OFFICIAL_MODEL_API].operations.size;
  const modelOps = Object.keys(model.operations).length;
  const out = [
    `verify-model: ${ops} ${OFFICIAL_MODEL_API} operation specs of the model's ${modelOps} (${dir})`,
    `  against ${modelPath}${version ? ` (botocore ${version})` : ''}`,
    `  compared: operations, idempotent flags, input/output members (nested too), required flags, types${
      hasNamedShapes(model)
        ? `, shape names, the shared shapes of every operation (${SHARED_SHAPES_FILE})`
        : ' (the model has no shape names)'
    }${constraints ? ', constraints (min/max/pattern/enum)' : ' (the model has no constraints)'}`,
    '',
    `declared differences (${declared.length}):`,
    ...declared.flatMap((d) => [`  ${line(d)}`, `      declared: ${d.declared}`]),
    `undeclared differences (${undeclared.length}):`,
    ...undeclared.map((d) => `  ${line(d)}`),
    `stale declarations (${stale.length}):`,
    ...stale.map(
      (s) => `  ${s.operation} ${s.member} ${s.aspect}: declared but the model agrees (${s.reason})`,
    ),
    `operations without a spec (${unspecified.length})${args.all ? '' : ', not a failure without --all'}:`,
    ...(unspecified.length ? [`  ${unspecified.join(', ')}`] : []),
    '',
    ok
      ? `OK: the specs agree with the model except for ${declared.length} declared difference(s)`
      : `FAIL: ${undeclared.length} undeclared difference(s), ${stale.length} stale declaration(s)${args.all ? `, ${unspecified.length} operation(s) without a spec` : ''}; declare a real difference under officialModel.differences in the operation spec, with its reason`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return ok ? 0 : 1;
}
