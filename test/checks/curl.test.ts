import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { shellQuote, toCurl } from '../../src/wire/curl.ts';

describe('toCurl', () => {
  test('quotes values safely for a POSIX shell', () => {
    for (const s of ["it's", 'a b', '$(rm -rf /)', '`x`', 'line\nbreak', '😀 é', '']) {
      const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
      expect(out).toBe(s);
    }
  });

  test('builds a command line with method, url, headers and body, without host', () => {
    const line = toCurl(
      {
        method: 'POST',
        path: '/',
        query: 'a=1',
        headers: {
          host: 'x',
          'content-type': 'application/x-amz-json-1.1',
          authorization: 'AWS4 Signature=abc',
        },
        body: '{"A":"it\'s"}',
      },
      'http://127.0.0.1:9/',
    );
    expect(line).toContain("curl -sS -i -X POST 'http://127.0.0.1:9/?a=1'");
    expect(line).toContain("-H 'content-type: application/x-amz-json-1.1'");
    expect(line).toContain('authorization: AWS4 Signature=abc');
    expect(line).not.toContain('host: x');
    expect(line).toContain(`--data-binary '{"A":"it'\\''s"}'`);
  });

  test('redacts secrets it is told about, also percent-encoded', () => {
    const line = toCurl(
      { method: 'GET', path: '/', query: 'k=my%2Fsecret', headers: {}, body: 'x my/secret' },
      'http://h',
      ['my/secret'],
    );
    expect(line).not.toContain('my/secret');
    expect(line).not.toContain('my%2Fsecret');
  });
});
