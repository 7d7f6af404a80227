// A small, strict option parser shared by the sub-commands: every option is
// declared, unknown ones are refused with a clear message (UsageError → exit 2).
import { loadSpecsUncached, SpecProblems } from '../spec/load.ts';
import type { SpecSet } from '../spec/types.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** 'string' takes a value, 'boolean' does not, 'list' may repeat (and takes a value each time) */
  type: 'string' | 'boolean' | 'list' | 'int';
  help: string;
  default?: string | number | boolean;
  valueName?: string;
  /** 'int': the bounds a value must keep (a value out of them is a UsageError) */
  min?: number;
  max?: number;
}

export type Parsed<T extends Record<string, OptionSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'boolean'
    ? boolean
    : T[K]['type'] extends 'list'
      ? string[]
      : T[K]['type'] extends 'int'
        ? number | undefined
        : string | undefined;
} & { _: string[] };

export function parseArgs<T extends Record<string, OptionSpec>>(argv: string[], options: T): Parsed<T> {
  const out: Record<string, unknown> = { _: [] as string[] };
  for (const [k, o] of Object.entries(options)) {
    if (o.type === 'list') out[k] = [];
    else if (o.type === 'boolean') out[k] = o.default ?? false;
    else out[k] = o.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      (out._ as string[]).push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    const o = options[name];
    if (!o) throw new UsageError(`unknown option --${name} (see --help)`);
    if (o.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (o.type === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number, got '${value}'`);
      const n = Number(value);
      if (o.max !== undefined && (n < (o.min ?? 0) || n > o.max))
        throw new UsageError(`--${name} must be between ${o.min ?? 0} and ${o.max}`);
      if (o.min !== undefined && n < o.min)
        throw new UsageError(
          `--${name} must be ${o.min === 0 ? `0 or more (got ${n})` : `at least ${o.min}`}`,
        );
      out[name] = n;
    } else if (o.type === 'list') (out[name] as string[]).push(value);
    else out[name] = value;
  }
  return out as Parsed<T>;
}

export function helpText(command: string, synopsis: string, options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([k, o]) => {
    const left = `--${k}${o.type === 'boolean' ? '' : ` ${o.valueName ?? (o.type === 'int' ? 'N' : 'VALUE')}`}`;
    const def = o.default !== undefined && o.type !== 'boolean' ? ` (default: ${String(o.default)})` : '';
    return [left, `${o.help}${def}`] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return [
    `Usage: mturk-conformance ${command} ${synopsis}`,
    '',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join('\n');
}

/**
 * The specs of `dir` for a command that compares them with something: invalid specs print their
 * problems on stdout, one line on stderr, and give undefined (exit 1).
 */
export function specsForCommand(dir: string, command: string): SpecSet | undefined {
  try {
    return loadSpecsUncached(dir);
  } catch (e) {
    if (!(e instanceof SpecProblems)) throw e;
    for (const p of e.problems) process.stdout.write(`${p.file}#${p.pointer}: ${p.message}\n`);
    process.stderr.write(`${command}: the specs are invalid (${e.problems.length} problems)\n`);
    return undefined;
  }
}

/** Repeated list options: each may hold several comma-separated values. */
export function splitList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}
