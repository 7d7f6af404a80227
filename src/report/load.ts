// Reads conformance.json files and checks them against the contract, so every
// renderer can trust its input. Problems surface as one-line ReportErrors
// ("<file>: <problem>") that a CLI can print as is.
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { firstLine } from './merge.ts';
import type { ConformanceReport } from './types.ts';
import { CHECK_STATUSES, SEVERITIES } from './types.ts';

export const REPORT_FILE = 'conformance.json';

/** A problem with a report file; the message is one line and names the file. */
export class ReportError extends Error {
  override name = 'ReportError';
}

const count = { type: 'integer', minimum: 0 } as const;
const text = { type: 'string' } as const;

/** JSON Schema (draft-07) of conformance.json. Unknown extra fields are allowed so newer producers still load. */
export const conformanceSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'mturk-conformance run report',
  type: 'object',
  required: ['tool', 'target', 'api', 'seed', 'startedAt', 'durationMs', 'summary', 'results'],
  properties: {
    tool: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: text, version: text },
    },
    target: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { enum: ['server', 'client'] },
        endpoint: text,
        driver: text,
        name: text,
      },
    },
    api: { type: 'array', items: text },
    seed: { type: 'integer' },
    startedAt: text,
    durationMs: { type: 'number', minimum: 0 },
    shard: { type: 'string', pattern: '^[1-9][0-9]*/[1-9][0-9]*$' },
    options: {
      type: 'object',
      properties: {
        runs: count,
        timeoutMs: count,
        operations: { type: 'array', items: text },
        checks: { type: 'array', items: text },
        statesUrl: { type: 'boolean' },
      },
    },
    summary: {
      type: 'object',
      required: ['passed', 'failed', 'notRun', 'expectedFailures'],
      properties: { passed: count, failed: count, notRun: count, expectedFailures: count },
    },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'api', 'operation', 'check', 'severity', 'status', 'detail', 'reproduce'],
        properties: {
          id: { type: 'string', minLength: 1 },
          api: text,
          operation: text,
          check: text,
          severity: { enum: [...SEVERITIES] },
          status: { enum: [...CHECK_STATUSES] },
          detail: text,
          reproduce: text,
          request: text,
          response: text,
          rule: text,
          counterexample: text,
        },
      },
    },
    coverage: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: count },
    },
  },
} as const;

const validate = new Ajv({ allErrors: false, strict: true }).compile(conformanceSchema);

/** Checks a parsed value against the contract; `source` names it in the error. */
export function parseReport(value: unknown, source: string): ConformanceReport {
  if (!validate(value)) {
    const error = validate.errors?.[0];
    throw new ReportError(`${source}: ${error ? describe(error, value) : 'not a conformance report'}`);
  }
  const report = value as unknown as ConformanceReport;
  // Rules JSON Schema cannot say as clearly.
  if (report.target.endpoint === undefined && report.target.driver === undefined) {
    throw new ReportError(`${source}: target needs an "endpoint" or a "driver"`);
  }
  if (Number.isNaN(Date.parse(report.startedAt))) {
    throw new ReportError(`${source}: startedAt is not a date: ${JSON.stringify(report.startedAt)}`);
  }
  const seen = new Set<string>();
  for (const result of report.results) {
    if (seen.has(result.id)) throw new ReportError(`${source}: results has the id "${result.id}" twice`);
    seen.add(result.id);
  }
  return report;
}

/** Reads and validates one conformance.json file. */
export async function loadReportFile(file: string): Promise<ConformanceReport> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReportError(`${file}: cannot read (${systemReason(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ReportError(`${file}: not valid JSON (${firstLine(String((error as Error).message)).trim()})`);
  }
  return parseReport(value, file);
}

/**
 * Loads the reports named by `paths`. A path is a conformance.json file or a
 * directory; a directory contributes its own conformance.json and those one
 * level down, so a folder of shard folders works.
 */
export async function loadReports(paths: string[]): Promise<ConformanceReport[]> {
  const files: string[] = [];
  for (const path of paths) {
    for (const file of await reportFilesAt(path)) {
      if (!files.includes(resolve(file))) files.push(resolve(file));
    }
  }
  const reports: ConformanceReport[] = [];
  for (const file of files) reports.push(await loadReportFile(file));
  return reports;
}

async function reportFilesAt(path: string): Promise<string[]> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ReportError(`${path}: cannot read (${systemReason(error)})`);
  }
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  if (await isFile(join(path, REPORT_FILE))) found.push(join(path, REPORT_FILE));
  const entries = await readdir(path, { withFileTypes: true });
  const subdirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  for (const name of subdirs.sort()) {
    const candidate = join(path, name, REPORT_FILE);
    if (await isFile(candidate)) found.push(candidate);
  }
  if (found.length === 0) {
    throw new ReportError(`${path}: no ${REPORT_FILE} in this directory or its subdirectories`);
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function systemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return firstLine(code ?? String(error)).trim();
}

/** Turns an ajv error into "where: what", naming the offending check by id when inside results. */
function describe(error: ErrorObject, root: unknown): string {
  const where = readablePath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  let what: string;
  switch (error.keyword) {
    case 'required':
      return `${where === 'report' ? '' : `${where}: `}missing required field "${String(params.missingProperty)}"`;
    case 'enum':
      what = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'type':
      what = `must be ${article(String(params.type))}`;
      break;
    case 'pattern':
      what = where === 'shard' ? 'must look like "k/n", e.g. "1/3"' : `must match ${String(params.pattern)}`;
      break;
    default:
      what = error.message ?? 'is invalid';
  }
  return `${where} ${what}, got ${preview(valueAt(root, error.instancePath))}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointerSegments(pointer)) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** `/results/3/status` → `results[3] ("<id>").status`. */
function readablePath(pointer: string, root: unknown): string {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return 'report';
  let path = '';
  let node = root;
  for (const segment of segments) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (/^\d+$/.test(segment)) {
      path += `[${segment}]`;
      const id = (node as { id?: unknown } | undefined)?.id;
      if (path.startsWith('results') && typeof id === 'string') path += ` (${id})`;
    } else {
      path += path === '' ? segment : `.${segment}`;
    }
  }
  return path;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
