// A server or client check's *kind*: its id with the parts that name one operation, member, state,
// response group, index or recorded fixture abstracted, so "every kind of check is seen failing
// on some broken emulator" can be asked of the catalogue. Read from the specs and the
// catalogue's own builders, never from a list of names typed here.
import { expect } from 'vitest';
import { SOAP_PREFIX, soapOnlyChecks } from '../../src/checks/soap-checks.ts';
import { APIS, type OperationSpec, type SpecSet } from '../../src/spec/types.ts';
import { LEGACY_API } from '../../src/wire/legacy.ts';

export interface CheckKinds {
  /** the kind key of a check id (`<api>/<Operation>/<check>`) */
  keyOf(id: string): string;
  /** a SOAP-only family (no REST twin): caught only when a SOAP broken emulator fails it */
  soapOnly(key: string): boolean;
}

const CODE = '.code';
const SOAP_ONLY = 'soap:';

export function checkKinds(set: SpecSet): CheckKinds {
  const operations = new Set(APIS.flatMap((api) => [...set.apis[api].operations.keys()]));
  const states = new Set(Object.keys(set.model.states));
  const legacy = [...set.apis[LEGACY_API].operations.values()];
  const soapOnlyNames = new Set(
    legacy.length && set.apis[LEGACY_API].protocol.soap
      ? soapOnlyChecks(set, legacy[0]!).map((c) => c.check.slice(SOAP_PREFIX.length))
      : [],
  );

  /** one dotted segment as its placeholder, when it names something of the specs */
  const segment = (op: OperationSpec | undefined, s: string): string => {
    if (/^\d+$/.test(s)) return '<i>';
    if (operations.has(s)) return '<Operation>';
    if (states.has(s)) return '<State>';
    if (op?.input.members[s] || op?.output.members[s]) return '<member>';
    if (op?.output.responseGroups?.groups[s]) return '<group>';
    return s;
  };
  const abstract = (op: OperationSpec | undefined, rest: string) =>
    rest
      .split('.')
      .map((s) => segment(op, s))
      .join('.');

  const plain = (op: OperationSpec | undefined, check: string): string => {
    const [family = '', ...more] = check.split('.');
    const rest = more.join('.');
    if (family === 'rule') {
      // the longest rule id the name starts with: rule ids may hold dots, suffixes do
      const rule = [...(op?.behaviour.rules ?? [])]
        .filter((r) => rest === r.id || rest.startsWith(`${r.id}.`))
        .sort((a, b) => b.id.length - a.id.length)[0];
      if (!rule) return `rule:?${rest}`;
      const suffix = rest.slice(rule.id.length);
      return `rule:${rule.kind}${suffix ? abstract(op, suffix) : ''}`;
    }
    if (family === 'invalid' || family === 'valid') {
      // <path>.<constraint>[.code]; a path may hold dots (nested members), a constraint not
      const code = family === 'invalid' && rest.endsWith(CODE);
      const body = code ? rest.slice(0, -CODE.length) : rest;
      return `${family}:${body.slice(body.lastIndexOf('.') + 1)}${code ? CODE : ''}`;
    }
    // a recorded fixture is one exchange replayed: its file's name is no kind
    if (family === 'fixtures') return 'fixtures:<fixture>';
    // a client check (src/client-checks): its name, with the same parts abstracted
    if (family === 'client')
      return `client:${more[0] === 'fixtures' ? 'fixtures.<fixture>' : abstract(op, rest)}`;
    return `${family}:${abstract(op, rest)}`;
  };

  return {
    keyOf(id) {
      const [api = '', operation = '', ...parts] = id.split('/');
      const check = parts.join('/');
      const op = (APIS as readonly string[]).includes(api)
        ? set.apis[api as (typeof APIS)[number]].operations.get(operation)
        : undefined;
      if (!check.startsWith(SOAP_PREFIX)) return plain(op, check);
      const name = check.slice(SOAP_PREFIX.length);
      // a SOAP twin is its legacy check over the other wire: the same kind
      if (!soapOnlyNames.has(name)) return plain(op, name);
      return `${SOAP_ONLY}${abstract(op, name)}`;
    },
    soapOnly: (key) => key.startsWith(SOAP_ONLY),
  };
}

/**
 * The judgement every kind audit makes (server, mock client, end to end): each kind of the
 * catalogue (`all`, a key → what to show of it) is caught or listed with its reason, and the list
 * holds no stale entry (a kind caught now, or gone from the catalogue): the list only shrinks.
 */
export function expectAudited(
  what: string,
  all: Map<string, string>,
  caught: ReadonlySet<string>,
  listedUncaught: Record<string, string>,
): void {
  const uncaught = [...all.keys()].filter((k) => !caught.has(k)).sort();
  console.log(
    `${what}: ${all.size}, caught ${all.size - uncaught.length}, listed uncaught ${uncaught.length}`,
  );
  const listed = Object.keys(listedUncaught).sort();
  expect(
    uncaught.filter((k) => !(k in listedUncaught)).map((k) => all.get(k) || k),
    `${what} nothing catches: add a fixture, or list the kind with its reason`,
  ).toEqual([]);
  expect(
    listed.filter((k) => caught.has(k)),
    `listed as uncaught, but caught now: strike it from the list`,
  ).toEqual([]);
  expect(
    listed.filter((k) => !all.has(k)),
    'listed, but the catalogue has no such kind: strike it from the list',
  ).toEqual([]);
}
