import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildXml, escapeXml, getPath, parseXmlSafe } from '../../src/wire/xml.ts';

function parsed(text: string, opts?: Parameters<typeof parseXmlSafe>[1]) {
  const result = parseXmlSafe(text, opts);
  if (!result.ok) throw new Error(`expected ok, got: ${result.message}`);
  return result;
}

describe('parseXmlSafe', () => {
  it('keeps every value a string, exactly as sent, and drops the layout between elements', () => {
    const { doc, root } = parsed(
      '<?xml version="1.0" encoding="UTF-8"?>\n<GetHITResponse>\n  <HIT><HITId> 3ABC </HITId><MaxAssignments>007</MaxAssignments>' +
        '<IsValid>True</IsValid><Reward><Amount>0.50</Amount></Reward><Empty/></HIT></GetHITResponse>',
    );
    expect(root).toBe('GetHITResponse');
    expect(doc).toEqual({
      GetHITResponse: {
        HIT: {
          HITId: ' 3ABC ',
          MaxAssignments: '007',
          IsValid: 'True',
          Reward: { Amount: '0.50' },
          Empty: '',
        },
      },
    });
  });

  it('keeps attributes, prefixed, and text beside them', () => {
    const { doc } = parsed('<R xmlns="urn:x"><A id="1" ok="true">text</A></R>');
    expect(doc).toEqual({ R: { '@_xmlns': 'urn:x', A: { '@_id': '1', '@_ok': 'true', '#text': 'text' } } });
  });

  it('decodes the predefined entities and character references, but not inside CDATA', () => {
    const { doc } = parsed(
      '<R a="&lt;&amp;&gt;"><T>&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &#233; &#x1F600;</T><C><![CDATA[&amp; <raw/>]]></C></R>',
    );
    expect(doc).toEqual({ R: { '@_a': '<&>', T: '<b> & "q" \'s\' é 😀', C: '&amp; <raw/>' } });
  });

  it('turns repeated elements into arrays, and named ones always', () => {
    expect(parsed('<R><E>1</E><E>2</E><S>3</S></R>').doc).toEqual({ R: { E: ['1', '2'], S: '3' } });
    expect(parsed('<R><E>1</E><S>3</S></R>', { arrayNames: ['E'] }).doc).toEqual({ R: { E: ['1'], S: '3' } });
    const byPath = parsed('<R><A><E>1</E></A><B><E>2</E></B></R>', { arrayPaths: ['R/A/E'] }).doc;
    expect(byPath).toEqual({ R: { A: { E: ['1'] }, B: { E: '2' } } });
  });

  it.each([
    [
      'billion laughs',
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`,
    ],
    [
      'external entity',
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
    ],
    ['external DTD', '<!DOCTYPE foo SYSTEM "http://127.0.0.1/evil.dtd"><foo/>'],
    ['lower-case doctype', '<!doctype foo><foo/>'],
    ['bare ENTITY', '<foo><!ENTITY x "y"></foo>'],
    ['DOCTYPE after a comment', '<!-- hi --><!DOCTYPE foo [<!ENTITY x "y">]><foo>&x;</foo>'],
    ['DOCTYPE hidden behind an unterminated comment', '<!-- <!DOCTYPE foo><foo/>'],
  ])('refuses DTDs: %s', (_name, text) => {
    const result = parseXmlSafe(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(/DOCTYPE|not well-formed/);
  });

  it('accepts <!DOCTYPE inside CDATA and comments (HTMLQuestion content)', () => {
    const html = '<!DOCTYPE html><html><body><p>Hi</p></body></html>';
    const { doc } = parsed(
      `<!-- <!DOCTYPE x> --><HTMLQuestion><HTMLContent><![CDATA[${html}]]></HTMLContent></HTMLQuestion>`,
    );
    expect(getPath(doc, 'HTMLQuestion/HTMLContent')).toBe(html);
  });

  it('refuses undefined entities and illegal character references', () => {
    for (const text of [
      '<a>&nbsp;</a>',
      '<a>&foo;</a>',
      '<a>&#0;</a>',
      '<a>&#xD800;</a>',
      '<a x="&bar;"/>',
    ]) {
      expect(parseXmlSafe(text).ok, text).toBe(false);
    }
  });

  it('enforces the size cap in UTF-8 bytes', () => {
    const text = `<a>${'é'.repeat(600)}</a>`; // 1,207 bytes, 607 characters
    expect(parseXmlSafe(text, { maxBytes: 1000 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/limit/),
    });
    expect(parseXmlSafe(text, { maxBytes: 2000 }).ok).toBe(true);
    const overDefault = `<a>${'x'.repeat(5 * 1024 * 1024)}</a>`;
    expect(parseXmlSafe(overDefault)).toMatchObject({ ok: false, message: expect.stringMatching(/limit/) });
  });

  it.each([
    '',
    '   ',
    'garbage',
    '{"json":true}',
    '<a>',
    '<a></b>',
    '<a><b></a></b>',
    '<a/><b/>',
    '<a>x</a>trailing',
    '<a>a & b</a>',
    '<a x=1/>',
    '\u0000\u0001\u0002',
    `${'<a>'.repeat(500)}${'</a>'.repeat(500)}`,
  ])('returns ok:false for garbage: %j', (text) => {
    const result = parseXmlSafe(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message.length).toBeGreaterThan(0);
  });

  it('parses a large but legal document', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({
      HITId: `HIT${i}`,
      Title: `Title <${i}> & more`,
    }));
    const text = buildXml('SearchHITsResponse', {
      SearchHITsResult: { NumResults: items.length, HIT: items },
    });
    expect(text.length).toBeGreaterThan(1_000_000);
    const { doc, root } = parsed(text);
    expect(root).toBe('SearchHITsResponse');
    const hits = getPath(doc, 'SearchHITsResponse/SearchHITsResult') as { HIT: unknown[] };
    expect(hits.HIT).toHaveLength(20_000);
    expect(getPath(doc, 'SearchHITsResponse/SearchHITsResult/HIT[19999]/Title')).toBe('Title <19999> & more');
  });
});

describe('buildXml', () => {
  it('writes the declaration, elements in key order, arrays as repeats, and skips undefined', () => {
    const xml = buildXml('GetAccountBalanceResponse', {
      '@_xmlns': 'http://requester.mturk.amazonaws.com/doc/2014-08-15',
      OperationRequest: { RequestId: 'r-1' },
      GetAccountBalanceResult: {
        Request: { IsValid: 'True' },
        AvailableBalance: { Amount: 10000, CurrencyCode: 'USD', FormattedPrice: '$10,000.00' },
        Missing: undefined,
      },
      Error: [{ Code: 'A' }, undefined, { Code: 'B' }],
      Flag: true,
      Nothing: null,
    });
    expect(xml).toBe(
      '<?xml version="1.0"?><GetAccountBalanceResponse xmlns="http://requester.mturk.amazonaws.com/doc/2014-08-15">' +
        '<OperationRequest><RequestId>r-1</RequestId></OperationRequest><GetAccountBalanceResult>' +
        '<Request><IsValid>True</IsValid></Request><AvailableBalance><Amount>10000</Amount>' +
        '<CurrencyCode>USD</CurrencyCode><FormattedPrice>$10,000.00</FormattedPrice></AvailableBalance>' +
        '</GetAccountBalanceResult><Error><Code>A</Code></Error><Error><Code>B</Code></Error>' +
        '<Flag>true</Flag><Nothing/></GetAccountBalanceResponse>',
    );
  });

  it('escapes text and attributes', () => {
    expect(buildXml('R', { '@_a': `"'<&>`, T: `a&b<c>d"e'f ]]> g` })).toBe(
      '<?xml version="1.0"?><R a="&quot;&apos;&lt;&amp;&gt;"><T>a&amp;b&lt;c&gt;d&quot;e&apos;f ]]&gt; g</T></R>',
    );
  });

  it('keeps unicode, including astral characters, and replaces what XML cannot carry', () => {
    expect(escapeXml('é 中文 😀 𝄞')).toBe('é 中文 😀 𝄞');
    expect(escapeXml('a\u0000b\u0008c\uFFFFd\uD800e\uDC00f')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf');
    expect(escapeXml('tab\tnl\ncr\r')).toBe('tab\tnl\ncr&#13;');
  });

  it('serialises dates as ISO-8601 and refuses what has no XML form', () => {
    expect(buildXml('R', { When: new Date('2024-01-01T00:00:00Z') })).toContain(
      '<When>2024-01-01T00:00:00.000Z</When>',
    );
    expect(() => buildXml('R', [1, 2])).toThrow(TypeError);
    expect(() => buildXml('R', { A: [[1]] })).toThrow(TypeError);
    expect(() => buildXml('R', { 'bad name': 1 })).toThrow(TypeError);
    expect(() => buildXml('R', { '@_bad attr': 1 })).toThrow(TypeError);
    expect(() => buildXml('R', { A: () => 1 })).toThrow(TypeError);
  });

  it('round-trips through parseXmlSafe', () => {
    const value = {
      '@_xmlns': 'urn:mturk',
      Request: { IsValid: 'True' },
      HIT: [
        { HITId: '3ABC', Title: 'Tag <b> & "quotes" ]]> 😀', Reward: { Amount: '0.05' } },
        { HITId: '3DEF', Title: 'Second', Reward: { Amount: '1.00' } },
      ],
      Note: { '@_lang': 'en', '#text': 'with attribute' },
      Empty: '',
    };
    const result = parsed(buildXml('SearchHITsResponse', value));
    expect(result.root).toBe('SearchHITsResponse');
    expect(result.doc).toEqual({ SearchHITsResponse: value });
  });

  it('property: any legal, trimmed string round-trips as text and as an attribute', () => {
    const legal = fc
      .string({ unit: 'binary', maxLength: 60 })
      // Drop what XML 1.0 cannot carry at all (escapeXml would turn it into U+FFFD).
      .map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''))
      .filter((s) => s === s.trim());
    fc.assert(
      fc.property(legal, legal, (text, attribute) => {
        const result = parsed(buildXml('R', { A: text, B: { '@_x': attribute } }));
        expect(getPath(result.doc, 'R/A')).toBe(text);
        expect(getPath(result.doc, 'R/B/@_x')).toBe(attribute);
      }),
    );
  });
});

describe('getPath', () => {
  const doc = { R: { Error: [{ Code: 'A' }, { Code: 'B' }], One: { Code: 'C' }, Text: 'x', Nil: null } };

  it('walks objects and takes the first array element by default', () => {
    expect(getPath(doc, 'R/Error/Code')).toBe('A');
    expect(getPath(doc, 'R/One/Code')).toBe('C');
    expect(getPath(doc, '/R/Text/')).toBe('x');
    expect(getPath(doc, '')).toBe(doc);
  });

  it('honours 0-based indexes', () => {
    expect(getPath(doc, 'R/Error[1]/Code')).toBe('B');
    expect(getPath(doc, 'R/Error[2]/Code')).toBeUndefined();
    expect(getPath(doc, 'R/One[0]/Code')).toBe('C');
    expect(getPath(doc, 'R/One[1]/Code')).toBeUndefined();
  });

  it('returns undefined for anything missing', () => {
    expect(getPath(doc, 'R/Nope')).toBeUndefined();
    expect(getPath(doc, 'R/Text/Deeper')).toBeUndefined();
    expect(getPath(doc, 'R/Nil/Deeper')).toBeUndefined();
    expect(getPath(doc, 'R/toString')).toBeUndefined();
    expect(getPath(undefined, 'R')).toBeUndefined();
    expect(getPath('text', 'R')).toBeUndefined();
  });
});
