// `mturk-conformance specs`: list the operation specs per API version and
// validate every spec file. Exit 0 when valid, 1 when a spec is broken (each
// problem printed as <file>#<json pointer>: <message>), 2 when the directory
// cannot be read.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SPECS_DIR, loadSpecsUncached, SpecProblems } from '../../spec/load.ts';
import { inputMembers, severityOf } from '../../spec/resolve.ts';
import type { OperationSpec, ResolvedMember, SpecSet } from '../../spec/types.ts';
import { APIS } from '../../spec/types.ts';
import { helpText, type OptionSpec, parseArgs } from '../args.ts';

const OPTIONS = {
  dir: { type: 'string', help: 'the specs directory (default: specs/ of this package)', valueName: 'DIR' },
  json: { type: 'boolean', help: 'print the listing (or the problems) as JSON' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, OptionSpec>;

export interface OperationSummary {
  operation: string;
  role: 'seed' | 'support';
  input: number;
  output: number;
  /** constraints on the input, shared shapes resolved, nested members included */
  constraints: number;
  rules: number;
  /** rules and constraints backed by an INF fact: they only give should-level checks */
  inferred: number;
}

function countConstraints(ms: ResolvedMember[]): { all: number; inf: number } {
  let all = 0;
  let inf = 0;
  const walk = (m: ResolvedMember) => {
    all += m.constraints.length;
    inf += m.constraints.filter((c) => c.basis.tag === 'INF').length;
    m.members?.forEach(walk);
    if (m.item) walk(m.item);
  };
  ms.forEach(walk);
  return { all, inf };
}

export function summarise(set: SpecSet, op: OperationSpec): OperationSummary {
  const c = countConstraints(inputMembers(set, op));
  return {
    operation: op.operation,
    role: op.role,
    input: Object.keys(op.input.members).length,
    output: Object.keys(op.output.members).length,
    constraints: c.all,
    rules: op.behaviour.rules.length,
    inferred:
      c.inf +
      op.behaviour.rules.filter(
        (r) =>
          severityOf(r.basis, r.pagination?.basis, ...(r.allowedWhen ?? []).map((w) => w.basis)) === 'should',
      ).length,
  };
}

export function listing(set: SpecSet): Record<string, { protocol: string; operations: OperationSummary[] }> {
  const out: Record<string, { protocol: string; operations: OperationSummary[] }> = {};
  for (const api of APIS) {
    const ops = [...set.apis[api].operations.values()]
      .map((op) => summarise(set, op))
      .sort((a, b) =>
        a.role === b.role ? a.operation.localeCompare(b.operation) : a.role === 'seed' ? -1 : 1,
      );
    out[api] = { protocol: set.apis[api].protocol.protocol, operations: ops };
  }
  return out;
}

function table(ops: OperationSummary[]): string[] {
  const head = ['role', 'operation', 'in', 'out', 'constraints', 'rules', 'INF'];
  const rows = ops.map((o) => [
    o.role,
    o.operation,
    String(o.input),
    String(o.output),
    String(o.constraints),
    String(o.rules),
    String(o.inferred),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `  ${r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, OPTIONS);
  if (args.help) {
    process.stdout.write(
      `${helpText('specs', '[--dir DIR] [--json]', OPTIONS)}\n\nExit status: 0 valid, 1 a spec is invalid, 2 the directory cannot be read.\n`,
    );
    return 0;
  }
  const dir = args.dir === undefined ? DEFAULT_SPECS_DIR : resolve(args.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`mturk-conformance specs: no specs directory at ${dir}\n`);
    return 2;
  }
  if (!existsSync(join(dir, 'meta-schema.json'))) {
    process.stderr.write(
      `mturk-conformance specs: ${dir} has no meta-schema.json: is it a specs directory?\n`,
    );
    return 2;
  }
  let set: SpecSet;
  try {
    set = loadSpecsUncached(dir);
  } catch (e) {
    if (!(e instanceof SpecProblems)) throw e;
    if (args.json)
      process.stdout.write(`${JSON.stringify({ dir, valid: false, problems: e.problems }, null, 2)}\n`);
    else {
      for (const p of e.problems) process.stdout.write(`${p.file}#${p.pointer}: ${p.message}\n`);
      process.stderr.write(`mturk-conformance specs: ${e.problems.length} problem(s) in ${dir}\n`);
    }
    return 1;
  }
  const list = listing(set);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ dir, valid: true, apis: list }, null, 2)}\n`);
    return 0;
  }
  const lines = [`specs: ${dir}`, ''];
  for (const [api, { protocol, operations }] of Object.entries(list)) {
    const seeds = operations.filter((o) => o.role === 'seed').length;
    lines.push(
      `${api} (${protocol}): ${operations.length} operations, ${seeds} seed, ${operations.length - seeds} support`,
    );
    lines.push(...table(operations), '');
  }
  const shapes = APIS.map((a) => `${a} ${Object.keys(set.apis[a].shapes.shapes).length}`).join(', ');
  lines.push(
    `shapes: ${shapes}; errors: ${Object.keys(set.errors.errors).length}; provider states: ${Object.keys(set.model.states).length}; sources: ${Object.keys(set.sources.sources).length}`,
    'in/out: input/output members; constraints: on the input, shared shapes resolved; INF: rules and constraints that rely on an inferred fact (should-level checks)',
    `valid: every file matches meta-schema.json and every cross-reference resolves`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
