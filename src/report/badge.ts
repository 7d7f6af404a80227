// A README badge per target: a ready-made SVG, and the same facts as a
// shields.io "endpoint" JSON for people who let shields.io draw it.
import { escapeXml, escapeXmlAttribute } from './junit.ts';
import { summarize } from './merge.ts';
import type { ConformanceReport } from './types.ts';

/** https://shields.io/badges/endpoint-badge */
export interface ShieldsEndpoint {
  schemaVersion: 1;
  label: string;
  message: string;
  color: BadgeColor;
}

export type BadgeColor = 'brightgreen' | 'yellow' | 'red' | 'lightgrey';

export interface Badge {
  svg: string;
  json: ShieldsEndpoint;
}

const LABEL = 'mturk conformance';

// The hex values shields.io uses for these named colours.
const HEX: Record<BadgeColor, string> = {
  brightgreen: '#4c1',
  yellow: '#dfb317',
  red: '#e05d44',
  lightgrey: '#9f9f9f',
};

/**
 * "<passed>/<total> must": the share of `must` checks that passed. Red when one
 * failed, yellow when none failed but some did not run (or failed as expected),
 * green when all passed, grey when there were no `must` checks.
 */
export function renderBadge(report: ConformanceReport): Badge {
  const must = report.results.filter((result) => result.severity === 'must');
  const { passed, failed } = summarize(must);
  const message = must.length === 0 ? 'no must checks' : `${passed}/${must.length} must`;
  const color: BadgeColor =
    must.length === 0 ? 'lightgrey' : failed ? 'red' : passed === must.length ? 'brightgreen' : 'yellow';
  return {
    svg: badgeSvg(LABEL, message, HEX[color]),
    json: { schemaVersion: 1, label: LABEL, message, color },
  };
}

function badgeSvg(label: string, message: string, fill: string): string {
  const labelWidth = Math.round(textWidth(label) + 10);
  const messageWidth = Math.round(textWidth(message) + 10);
  const width = labelWidth + messageWidth;
  const title = `${label}: ${message}`;
  const text = (value: string, x: number) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(value)}</text>` +
    `<text x="${x}" y="14">${escapeXml(value)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXmlAttribute(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/>` +
      `<rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${fill}"/>` +
      `<rect width="${width}" height="20" fill="url(#s)"/></g>`,
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    text(label, labelWidth / 2) + text(message, labelWidth + messageWidth / 2),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** Approximate width in px of Verdana 11px text; close enough to size the boxes. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (/[ijlI.,:;'|!]/.test(char)) width += 3.5;
    else if (/[ frt/()1-]/.test(char)) width += 4.5;
    else if (/[mwMW]/.test(char)) width += 10.5;
    else if (/[A-Z]/.test(char)) width += 7.5;
    else width += 6.8;
  }
  return width;
}
