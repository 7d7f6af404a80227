import { describe, expect, test } from 'vitest';
import { clientCheckCatalogue } from '../../src/client-checks/mock-checks.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { serverCatalogue } from './catalogue.ts';
import { checkKinds } from './check-kinds.ts';

const set = loadSpecs();
const kinds = checkKinds(set);
const catalogue = serverCatalogue(set, { statesUrl: 'http://127.0.0.1:1/states' });
const keys = new Set(catalogue.map((c) => kinds.keyOf(c.id)));

/** a check id of the catalogue matching re (the test reads names from it, not from here) */
const some = (re: RegExp) => {
  const c = catalogue.find((x) => re.test(x.id));
  if (!c) throw new Error(`no check matches ${re}`);
  return c;
};

describe('check kind keys', () => {
  test('a rule check is keyed by its rule kind, looked up in the operation spec', () => {
    const c = some(/\/rule\.[^.]+$/);
    const rule = set.apis[c.api].operations
      .get(c.operation)!
      .behaviour.rules.find((r) => `rule.${r.id}` === c.check)!;
    expect(kinds.keyOf(c.id)).toBe(`rule:${rule.kind}`);
  });

  test('suffixes naming a member or an index become placeholders', () => {
    for (const c of catalogue.filter((x) => /\.(by|filter|allowed-when)\./.test(x.check)))
      expect(kinds.keyOf(c.id), c.id).toMatch(/\.(by|filter)\.<member>$|\.allowed-when\.<i>$/);
    expect(keys).toContain('rule:list.by.<member>');
    expect(keys).toContain('rule:status.allowed-when.<i>');
  });

  test('an invalid-input check is keyed by its constraint, its .code twin apart', () => {
    const c = some(/\/invalid\..+\.length$/);
    expect(kinds.keyOf(c.id)).toBe('invalid:length');
    expect(kinds.keyOf(`${c.id}.code`)).toBe('invalid:length.code');
    // a nested path holds dots: the constraint is the last part
    const nested = some(/\/invalid\.[^.]+\[\]\.[^.]+\.required$/);
    expect(kinds.keyOf(nested.id)).toBe('invalid:required');
  });

  test('operation, state and response-group names are abstracted', () => {
    expect(kinds.keyOf(some(/\/cross\.status\./).id)).toBe('cross:status.<State>');
    // a part that starts upper-case names an operation, member, state or group of the specs
    expect([...keys].filter((k) => /(^|[.:])[A-Z]/.test(k.replace(/<[A-Za-z]+>/g, '')))).toEqual([]);
    expect(kinds.keyOf(some(/\/fixtures\./).id)).toBe('fixtures:<fixture>');
  });

  test('a SOAP twin is its legacy check; a SOAP-only check is a kind of its own', () => {
    const rest = some(/^2014-08-15\/[^/]+\/rule\./);
    expect(kinds.keyOf(rest.id.replace('/rule.', '/soap.rule.'))).toBe(kinds.keyOf(rest.id));
    const soapOnly = [...keys].filter((k) => kinds.soapOnly(k));
    expect(soapOnly.length).toBeGreaterThan(3);
    for (const k of soapOnly) expect(k.startsWith('soap:')).toBe(true);
    expect(kinds.soapOnly(kinds.keyOf(rest.id))).toBe(false);
  });

  test('kinds are far fewer than checks, and no key is left unresolved', () => {
    expect(keys.size).toBeGreaterThan(50);
    expect(keys.size * 10).toBeLessThan(catalogue.length);
    expect([...keys].filter((k) => k.includes('?'))).toEqual([]);
  });

  test('a client check is keyed by its name, fixtures and response groups abstracted', () => {
    const client = clientCheckCatalogue(set);
    const ck = new Set(client.map((c) => kinds.keyOf(c.id)));
    for (const k of ck) expect(k.startsWith('client:'), k).toBe(true);
    expect(ck).toContain('client:fixtures.<fixture>');
    expect(ck).toContain('client:response-group.<group>');
    expect(ck.size * 20).toBeLessThan(client.length);
  });
});
