// The SOAP binding in specs/protocols/2014-08-15.json agrees with the published WSDL, read from
// the dev dependency mturk-api (never copied): namespace, SOAPAction, document/literal over HTTP,
// the Envelope's children of every operation element, and the Fault-free binding.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { loadSpecs } from '../../src/spec/load.ts';
import { soapBinding } from '../../src/wire/soap.ts';
import { parseXmlSafe } from '../../src/wire/xml.ts';

const require = createRequire(import.meta.url);
const wsdlPath = require.resolve('mturk-api/schemas/AWSMechanicalTurkRequester-2014-08-15.wsdl');
const parsed = parseXmlSafe(readFileSync(wsdlPath, 'utf8'));
if (!parsed.ok) throw new Error(parsed.message);
const defs = (parsed.doc as Record<string, Record<string, unknown>>)[parsed.root]!;
const b = soapBinding(loadSpecs());

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
type Node = Record<string, unknown>;
const schema = (defs.types as Node)['xs:schema'] as Node;
const elements = list(schema['xs:element'] as Node | Node[]);
const binding = defs.binding as Node;
const operations = list(binding.operation as Node | Node[]);

describe('the SOAP binding against the WSDL', () => {
  test('target namespace, qualified elements, document/literal over HTTP', () => {
    expect(defs['@_targetNamespace']).toBe(b.namespace.uri);
    expect(schema['@_elementFormDefault'] === 'qualified').toBe(b.namespace.qualified);
    const soapBindingEl = binding['soap:binding'] as Node;
    expect(soapBindingEl['@_style']).toBe('document');
    expect(soapBindingEl['@_transport']).toBe('http://schemas.xmlsoap.org/soap/http');
    for (const op of operations) {
      expect((op['soap:operation'] as Node)['@_soapAction']).toBe(b.soapAction.value);
      expect(((op.input as Node)['soap:body'] as Node)['@_use']).toBe('literal');
      // no operation declares a fault: errors come in the answer document
      expect(op.fault).toBeUndefined();
    }
    expect(operations.length).toBe(44);
  });

  test('every operation element holds the binding elements, in order, then the Request items', () => {
    const names = new Set(operations.map((o) => String(o['@_name'])));
    let checked = 0;
    for (const el of elements) {
      if (!names.has(String(el['@_name']))) continue;
      const seq = list(
        ((el['xs:complexType'] as Node)['xs:sequence'] as Node)['xs:element'] as Node | Node[],
      );
      const children = seq.map((x) => String(x['@_name']));
      const before = children.slice(0, -1);
      // the elements before the items are the binding's, in its order; optional ones may be absent
      const order = b.elements.map((e) => e.name);
      expect(
        before.every((n) => order.includes(n)),
        `${el['@_name']}: ${before.join(', ')}`,
      ).toBe(true);
      expect(before.map((n) => order.indexOf(n))).toEqual(
        [...before.map((n) => order.indexOf(n))].sort((x, y) => x - y),
      );
      expect(children.at(-1)).toBe(b.request.element);
      expect(seq.at(-1)!['@_maxOccurs']).toBe('unbounded');
      // Help alone has optional authentication elements; elsewhere the binding's required ones are required
      if (el['@_name'] !== 'Help')
        for (const e of b.elements) {
          const x = seq.find((s) => s['@_name'] === e.name);
          if (e.required) expect(x?.['@_minOccurs'], `${el['@_name']}/${e.name}`).not.toBe('0');
          else if (x) expect(x['@_minOccurs'], `${el['@_name']}/${e.name}`).toBe('0');
        }
      checked++;
    }
    expect(checked).toBe(44);
  });

  test('the port address is the service root', () => {
    const port = (defs.service as Node).port as Node;
    const url = new URL(String((port['soap:address'] as Node)['@_location']));
    expect(url.pathname).toBe(b.http.path);
  });
});
