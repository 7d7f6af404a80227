// A request as a curl command line, for reproducing failures by hand. Values
// are single-quoted for POSIX shells. A request carries signatures, never a
// secret key; `secrets` lets a caller redact anything it knows to be secret
// anyway (defence in depth).
import type { WireRequest } from './http-types.ts';

export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_\-.,:/=@%+]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function redact(s: string, secrets: string[]): string {
  let out = s;
  for (const secret of secrets)
    if (secret.length >= 4) {
      out = out.split(secret).join('<redacted>');
      const enc = encodeURIComponent(secret);
      if (enc !== secret) out = out.split(enc).join('<redacted>');
    }
  return out;
}

/** Headers curl sets itself from the URL and body. */
const IMPLIED = new Set(['host', 'content-length']);

export function toCurl(req: WireRequest, baseUrl: string, secrets: string[] = []): string {
  const base = baseUrl.replace(/\/+$/, '');
  const url = `${base}${req.path || '/'}${req.query ? `?${req.query}` : ''}`;
  const parts = ['curl', '-sS', '-i', '-X', req.method.toUpperCase(), shellQuote(redact(url, secrets))];
  for (const [name, value] of Object.entries(req.headers)) {
    if (IMPLIED.has(name.toLowerCase())) continue;
    parts.push('-H', shellQuote(redact(`${name}: ${value}`, secrets)));
  }
  if (req.body !== '') parts.push('--data-binary', shellQuote(redact(req.body, secrets)));
  return parts.join(' ');
}
