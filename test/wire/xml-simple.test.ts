// The one-pass reader of plain documents (parseSimpleXml) against the validator and full parser:
// whatever it accepts, the full path accepts too and reads the same (keys in the same order);
// what is not well-formed it leaves to the full path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_REQUESTER_1 } from '../../src/emulator/test-credentials.ts';
import { loadSpecs } from '../../src/spec/load.ts';
import { soapCodec } from '../../src/wire/soap.ts';
import { parseSimpleXml, parseXmlSafe } from '../../src/wire/xml.ts';

/** The full path: array options (none) turn the one-pass reader off. */
const full = (text: string) => parseXmlSafe(text, { arrayNames: [] });

let accepted = 0;

function agrees(text: string): void {
  const simple = parseSimpleXml(text);
  if (simple) accepted++;
  const whole = full(text);
  if (simple === undefined) {
    // the default path then gives what the full path gives
    expect(JSON.stringify(parseXmlSafe(text))).toBe(JSON.stringify(whole));
    return;
  }
  expect(whole.ok, `full path refuses ${JSON.stringify(text)}`).toBe(true);
  expect(JSON.stringify(simple)).toBe(JSON.stringify(whole.ok ? { doc: whole.doc, root: whole.root } : {}));
}

const CASES = [
  '<a/>',
  '<a></a>',
  '<a x="1"/>',
  '<a x="1"></a>',
  '<a x="1">t</a>',
  '<a x="1"> </a>',
  '<a> </a>',
  '<a x="1"> <b>1</b> </a>',
  '<a><b>1</b><c/><b>2</b></a>',
  '<a><b>1</b><c/><b>2</b><b>3</b></a>',
  '<a>\n <b x="2"/>\n</a>',
  '<?xml version="1.0"?>\n<a> t </a>\n',
  '<?xml version="1.0" encoding="UTF-8"?><a/>',
  "<?xml version='1.0'?><a/>",
  '  <a/>  ',
  ' <?xml version="1.0"?><a/>',
  '<p:a xmlns:p="u" p:y="2"><p:b>x</p:b></p:a>',
  '<a x="1" x="2"/>',
  "<a x='1'/>",
  '<a x="1"y="2"/>',
  '<a x = "1"/>',
  '<a x/>',
  '<a>x&gt;y</a>',
  '<a>&lt;b x=&quot;1&quot;&gt;&amp;&apos;&lt;/b&gt;</a>',
  '<a x="1">&#65;&#x42;&#x1F600;</a>',
  '<a>&#0;</a>',
  '<a>&#xD800;</a>',
  '<a>&#x110000;</a>',
  '<a>&#13;</a>',
  '<a>&#32;</a>',
  '<a>&nbsp;</a>',
  '<a>&amp</a>',
  '<a>& b</a>',
  '<a>&amp;amp;</a>',
  '<a><b>1</b>&#32;</a>',
  '<a>&#32;<b>1</b></a>',
  '<a x="&amp;"/>',
  '<a>x>y</a>',
  '<a><b>1</b>t<c/></a>',
  '<a><b>1</b></c></a>',
  '<a><b>1</b>',
  '<a/><b/>',
  '<a/>x',
  'x<a/>',
  '<a><!-- c --></a>',
  '<a><![CDATA[<x>]]></a>',
  '<!DOCTYPE a><a/>',
  '<a>\r\n</a>',
  '<a>é ü \u00a0</a>',
  '<a><b>\u00a0</b> \u00a0 </a>',
  '<a x="é"/>',
  '<a x="a\tb"/>',
  '<__proto__/>',
  '<a><__proto__>1</__proto__></a>',
  '<a><constructor>1</constructor><toString/></a>',
  '<a></a >',
  '<a ></a>',
  '<a\n x="1"\n/>',
  '<1a/>',
  '<a:b:c/>',
  '',
  '<',
  '<a',
  '<a>',
];

describe('parseSimpleXml', () => {
  it('reads what the full parser reads, or leaves the document to it', () => {
    accepted = 0;
    for (const text of CASES) agrees(text);
    expect(accepted).toBeGreaterThan(15);
  });

  it('reads every SOAP request envelope the codec writes in one pass', () => {
    const set = loadSpecs();
    const now = new Date('2026-01-02T03:04:05Z');
    for (const op of set.apis['2014-08-15'].operations.keys()) {
      const req = soapCodec.encodeRequest(set, op, { Title: 'a < b & "c"' }, TEST_REQUESTER_1, {
        host: 'h',
        now,
      });
      agrees(req.body);
      // the escaped Title (references to predefined entities) is read in the one pass too
      expect(parseSimpleXml(req.body), op).toBeDefined();
      const plain = soapCodec.encodeRequest(set, op, {}, TEST_REQUESTER_1, { host: 'h', now });
      agrees(plain.body);
      expect(parseSimpleXml(plain.body), op).toBeDefined();
    }
  });

  it('agrees with the full parser on generated documents, whole and cut', () => {
    accepted = 0;
    const name = fc.constantFrom('a', 'b', 'p:c', 'xmlns', 'd-e', 'f.g', '_h');
    const text = fc
      .array(
        fc.oneof(
          fc.stringMatching(/^[ a-z\n\t<>&"'é\u00a0\r]{0,6}$/),
          fc.constantFrom(
            '&amp;',
            '&lt;',
            '&gt;',
            '&quot;',
            '&apos;',
            '&#65;',
            '&#x20;',
            '&#0;',
            '&#xD;',
            '&x;',
          ),
        ),
        { maxLength: 3 },
      )
      .map((parts) => parts.join(''));
    const attr = fc.tuple(fc.constantFrom('x', 'y', 'xmlns', 'xmlns:p', 'p:z'), text);
    const node: fc.Arbitrary<string> = fc.letrec((tie) => ({
      el: fc
        .tuple(
          name,
          fc.array(attr, { maxLength: 3 }),
          fc.array(fc.oneof(text, tie('el') as fc.Arbitrary<string>), { maxLength: 3 }),
          fc.boolean(),
        )
        .map(([n, attrs, kids, selfClose]) => {
          const a = attrs.map(([k, v]) => ` ${k}="${v.replace(/"/g, '')}"`).join('');
          return selfClose && kids.length === 0 ? `<${n}${a}/>` : `<${n}${a}>${kids.join('')}</${n}>`;
        }),
    })).el as fc.Arbitrary<string>;
    fc.assert(
      fc.property(node, fc.nat(), fc.boolean(), (doc, cut, decl) => {
        const whole = `${decl ? '<?xml version="1.0"?>\n' : ''}${doc}`;
        agrees(whole);
        agrees(whole.slice(0, cut % (whole.length + 1)));
      }),
      { numRuns: 400, seed: 7 },
    );
    // the reader takes a good share of them (else the agreement above says little)
    expect(accepted).toBeGreaterThan(40);
  });
});
