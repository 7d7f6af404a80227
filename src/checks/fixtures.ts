// fixtures.<name>: replay recorded exchanges (fixtures/<api>/*.json) against the
// target. Ids marked by an `id` normaliser are replaced by ids of a fresh
// provider state; signatures, timestamps and common parameters are the
// codec's own. The answer must have the recording's kind (success or error),
// error code and message prefix, and contain every element/member the
// recording shows, at the same place.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { DEFAULT_FIXTURES_DIR, type LoadedFixture, loadFixtures } from '../fixtures/load.ts';
import { inputMembers } from '../spec/resolve.ts';
import type { SpecSet } from '../spec/types.ts';
import { parseXmlSafe } from '../wire/xml.ts';
import { summary } from './judge.ts';
import { givenFor, makeCheck, minimalInput, sev } from './plan.ts';
import { CheckFailure } from './session.ts';
import type { Check, ServerTargetConfig } from './types.ts';

type Tree = { [k: string]: Tree };

/** Element/member names as a tree (values dropped). */
function shapeOf(v: unknown): Tree {
  if (Array.isArray(v)) return v.reduce<Tree>((acc, x) => merge(acc, shapeOf(x)), {});
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('@_') && k !== '#text') out[k] = shapeOf(x);
    return out;
  }
  return {};
}

function merge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k] ?? {}, v);
  return out;
}

/** Find the subtree named `name` anywhere in `t`. */
function find(t: Tree, name: string): Tree | undefined {
  if (name in t) return t[name];
  for (const v of Object.values(t)) {
    const r = find(v, name);
    if (r) return r;
  }
  return undefined;
}

/** Paths of `want` missing from `got`. */
function missing(want: Tree, got: Tree, path = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    const p = path ? `${path}/${k}` : k;
    if (!(k in got)) out.push(p);
    else out.push(...missing(v, got[k]!, p));
  }
  return out;
}

function parseBody(body: string): Tree | undefined {
  const t = body.trim();
  if (t.startsWith('{')) {
    try {
      return shapeOf(JSON.parse(t));
    } catch {
      return undefined;
    }
  }
  const x = parseXmlSafe(t);
  return x.ok ? shapeOf(x.doc) : undefined;
}

function recordedText(body: string, name: string): string | undefined {
  const re = new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`);
  const xml = re.exec(body);
  if (xml) return xml[1];
  try {
    const v = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function fixtureChecks(set: SpecSet, config: ServerTargetConfig, only?: Set<string>): Check[] {
  const dir = DEFAULT_FIXTURES_DIR;
  if (!existsSync(dir)) return [];
  let loaded: LoadedFixture[];
  try {
    loaded = loadFixtures(dir);
  } catch {
    return [];
  }
  const out: Check[] = [];
  for (const lf of loaded) {
    if (!config.apis.includes(lf.api)) continue;
    const op = set.apis[lf.api].operations.get(lf.operation);
    if (!op || (only && !only.has(op.operation))) continue;
    const p = set.apis[lf.api].protocol;
    const name = basename(lf.file).replace(/\.json$/, '');
    const f = lf.fixture;
    const idMembers = new Set(
      f.normalise
        .filter((n) => n.kind === 'id' && n.path.startsWith('request.params.'))
        .map((n) => n.path.slice('request.params.'.length)),
    );
    const env = p.errorEnvelope;
    const codeName = env.body?.codeField ?? env.fields?.code;
    const recordedCode = codeName ? recordedText(f.response.body, codeName) : undefined;
    const recordedMessage = recordedText(
      f.response.body,
      env.body?.messageField ?? env.fields?.message ?? '',
    );
    // a JSON error is known by its type member: a rendering may show no TurkErrorCode
    const typeField = env.body?.typeField;
    const recordedType = typeField ? recordedText(f.response.body, typeField) : undefined;
    const recordedSuccess = p.success.isValidPath
      ? recordedText(f.response.body, p.success.isValidPath.split('/').pop()!) === p.success.isValid
      : recordedCode === undefined && recordedType === undefined;
    out.push(
      makeCheck(
        lf.api,
        op.operation,
        `fixtures.${name}`,
        sev(op.basis),
        `fixtures/${lf.file}#/response (${f.provenance.source}: ${f.provenance.note.slice(0, 160)}): the target answers the recorded request like the recording`,
        async (s) => {
          await s.requireApi(lf.api);
          // the state the recorded call found (replay.given; null: none), else the usual one
          const given = f.replay?.given === undefined ? givenFor(op) : (f.replay.given ?? undefined);
          const ids = given ? await s.state(given) : {};
          const input: Record<string, unknown> = {};
          const names = new Set(inputMembers(set, op).map((m) => m.name));
          for (const [k, v] of Object.entries(f.request.params ?? {})) if (names.has(k)) input[k] = v;
          if (f.request.body?.trim().startsWith('{'))
            Object.assign(input, JSON.parse(f.request.body) as Record<string, unknown>);
          // no recorded parameters (a log without the body): a minimal valid call on the state's ids
          if (f.request.params === undefined && f.request.body === undefined)
            Object.assign(input, minimalInput(set, op, ids, s.config.seed));
          for (const k of idMembers) if (ids[k] !== undefined) input[k] = ids[k];
          for (const [k, v] of Object.entries(ids)) if (names.has(k) && k in input) input[k] = v;
          // a repeat: the first call makes the state the recorded one found
          if (f.replay?.repeat)
            await s.call(lf.api, op.operation, input, { label: `first call of fixtures/${lf.file}` });
          const ex = await s.call(lf.api, op.operation, input, { label: `replay of fixtures/${lf.file}` });
          const a = ex.answer;
          if (recordedSuccess && a.kind !== 'success')
            throw new CheckFailure(
              `The recording shows a success, but the target answered ${summary(ex)}.`,
              ex,
            );
          if (!recordedSuccess) {
            if (a.kind !== 'error' || (recordedCode && a.code !== recordedCode))
              throw new CheckFailure(
                `The recording shows the error ${recordedCode ?? recordedType ?? '(no code)'}, but the target answered ${summary(ex)}.`,
                ex,
              );
            const bareType = recordedType?.split('#').pop();
            if (bareType && a.typeName !== bareType)
              throw new CheckFailure(
                `The recording shows the error type ${bareType}, but the target answered ${a.typeName ?? '(no type)'}: ${summary(ex)}.`,
                ex,
              );
            const prefix = recordedMessage
              ?.replace(new RegExp(env.messageSuffixPattern), '')
              .split(/\d|[A-Z0-9]{12,}|\[\.\.\]/)[0];
            if (prefix && !(a.message ?? '').startsWith(prefix))
              throw new CheckFailure(
                `The recorded message starts "${prefix}", the target's is "${a.message}".`,
                ex,
              );
          }
          const want = parseBody(f.response.body);
          // a page token comes only when more pages follow: the recording's is not required
          if (want)
            for (const r of op.behaviour.rules) if (r.pagination?.token) delete want[r.pagination.token];
          const got = parseBody(ex.res.body);
          // a JSON answer is one object: every member it shows, at the same place
          if (want && got && f.response.body.trim().startsWith('{')) {
            const gaps = missing(want, got);
            if (gaps.length)
              throw new CheckFailure(
                `The target's answer lacks what the recording shows: ${gaps.join(', ')}.`,
                ex,
              );
          } else if (want && got) {
            const root = Object.keys(want)[0];
            const under = root ? find(got, root) : undefined;
            if (root && !under)
              throw new CheckFailure(`The recording's <${root}> is nowhere in the target's answer.`, ex);
            const gaps = root && under ? missing(want[root]!, under, root) : [];
            if (gaps.length)
              throw new CheckFailure(
                `The target's answer lacks what the recording shows: ${gaps.join(', ')}.`,
                ex,
              );
          }
        },
      ),
    );
  }
  return out;
}
