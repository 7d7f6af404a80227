// report.html: one self-contained page (inline CSS and script, no external
// URLs) that compares targets check by check. The data travels as JSON in a
// non-executable <script type="application/json"> with `<` escaped, and the
// inline script builds the DOM with textContent only, so text from a report
// can never become markup. A Content-Security-Policy that admits only our
// script (by hash) and no network access backs this up.
import { createHash } from 'node:crypto';
import { failureGroups, groupCount } from './groups.ts';
import { compareText, operationGroups, targetLabels } from './merge.ts';
import type { CheckResult, CheckStatus, ConformanceReport, Severity } from './types.ts';

/** What the page script receives. */
export interface HtmlData {
  columns: HtmlColumn[];
  /** Failures grouped by cause (src/report/groups.ts), per target: the page opens on them. */
  failures: { col: number; cause: string; count: string; ids: string[] }[];
  groups: { api: string; operation: string; rows: HtmlRow[] }[];
  coverage: { operation: string; keys: { key: string; counts: (number | null)[] }[] }[];
}

interface HtmlColumn {
  label: string;
  kind: string;
  endpoint: string | null;
  driver: string | null;
  tool: string;
  version: string;
  api: string[];
  seed: number;
  shard: string | null;
  startedAt: string;
  durationMs: number;
  summary: ConformanceReport['summary'];
}

interface HtmlRow {
  id: string;
  check: string;
  severity: Severity;
  /** True when the targets do not all agree on this check (a missing result counts as a status). */
  differs: boolean;
  cells: (HtmlCell | null)[];
}

type HtmlCell = Pick<
  CheckResult,
  'status' | 'detail' | 'reproduce' | 'request' | 'response' | 'rule' | 'counterexample'
>;

export function htmlData(reports: readonly ConformanceReport[]): HtmlData {
  const labels = targetLabels(reports);
  const byId = reports.map((report) => new Map(report.results.map((result) => [result.id, result])));
  const columns = reports.map(
    (report, i): HtmlColumn => ({
      label: labels[i]!,
      kind: report.target.kind,
      endpoint: report.target.endpoint ?? null,
      driver: report.target.driver ?? null,
      tool: report.tool.name,
      version: report.tool.version,
      api: report.api,
      seed: report.seed,
      shard: report.shard ?? null,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      summary: report.summary,
    }),
  );
  const groups = operationGroups(reports).map(({ api, operation, ids }) => ({
    api,
    operation,
    rows: ids.map((id): HtmlRow => {
      const results = byId.map((results) => results.get(id));
      const known = results.find((result) => result !== undefined)!;
      // Only targets that have the check are compared: a column from another check
      // family (mock vs end-to-end) leaves the cell empty, which is not a difference.
      const present = results.filter((result) => result !== undefined);
      const statuses = new Set(present.map((result) => result.status));
      return {
        id,
        check: known.check,
        severity: known.severity,
        differs: present.length > 1 && statuses.size > 1,
        cells: results.map((result) => (result ? cellOf(result) : null)),
      };
    }),
  }));
  const failures = reports.flatMap((report, col) =>
    failureGroups(report.results).map((g) => ({
      col,
      cause: g.cause,
      count: groupCount(g),
      ids: g.results.map((r) => r.id),
    })),
  );
  return { columns, failures, groups, coverage: coverageOf(reports) };
}

function cellOf(result: CheckResult): HtmlCell {
  const { status, detail, reproduce, request, response, rule, counterexample } = result;
  return { status, detail, reproduce, request, response, rule, counterexample };
}

function coverageOf(reports: readonly ConformanceReport[]): HtmlData['coverage'] {
  const operations = new Map<string, Set<string>>();
  for (const report of reports) {
    for (const [operation, counts] of Object.entries(report.coverage ?? {})) {
      const keys = operations.get(operation) ?? new Set<string>();
      for (const key of Object.keys(counts)) keys.add(key);
      operations.set(operation, keys);
    }
  }
  // Same order as the matrix: newest API first, then operation A–Z ("<api>/<operation>" keys).
  const order = (key: string) => {
    const [api = '', operation = ''] = key.split('/', 2);
    return { api, operation };
  };
  return [...operations.keys()]
    .sort((a, b) => {
      const x = order(a);
      const y = order(b);
      return compareText(y.api, x.api) || compareText(x.operation, y.operation);
    })
    .map((operation) => ({
      operation,
      keys: [...operations.get(operation)!].sort().map((key) => ({
        key,
        counts: reports.map((report) => report.coverage?.[operation]?.[key] ?? null),
      })),
    }));
}

/** JSON that is safe inside a <script> element: no `<`, `>` or `&`, and no JS line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STATUS_OPTIONS: [CheckStatus, string][] = [
  ['passed', 'passed'],
  ['failed', 'failed'],
  ['not-run', 'not run'],
  ['expected-failure', 'expected failure'],
];

const DETAIL_FIELDS: [keyof HtmlCell, string][] = [
  ['detail', 'Detail'],
  ['rule', 'Rule broken'],
  ['request', 'Request'],
  ['response', 'Response'],
  ['counterexample', 'Counterexample (shrunk)'],
  ['reproduce', 'Reproduce'],
];

export function renderHtml(reports: readonly ConformanceReport[]): string {
  const data = htmlData(reports);
  const title = `MTurk conformance: ${data.columns.map((column) => column.label).join(' vs ') || 'no reports'}`;
  const scriptHash = createHash('sha256').update(SCRIPT, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const select = (name: string, label: string, options: [string, string][] = []) =>
    `<label>${label} <select id="filter-${name}" data-testid="filter-${name}"><option value="">all</option>` +
    options.map(([value, text]) => `<option value="${value}">${text}</option>`).join('') +
    '</select></label>';
  const copy =
    ' <button type="button" id="copy-reproduce" class="copy" data-testid="copy-reproduce" aria-label="Copy the reproduce command">Copy</button>';
  const fields = DETAIL_FIELDS.map(
    ([field, heading]) =>
      `<section id="field-${field}-section"><h3>${heading}${field === 'reproduce' ? copy : ''}</h3><pre id="field-${field}" data-testid="detail-${field}"></pre></section>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="page"><h1>MTurk conformance report</h1><p id="generator"></p></header>
<noscript><p>This report is drawn by a script; enable JavaScript to see it.</p></noscript>
<main>
<section id="targets" class="targets" aria-label="Targets"></section>
<section id="failures" class="failures" data-testid="failures" aria-labelledby="failures-title" hidden>
<h2 id="failures-title">Failures by cause</h2>
<p>Failed checks that share a cause are one entry; open one to see its checks, pick a check for its detail and reproduce command.</p>
<div id="failures-body"></div>
</section>
<h2>Checks</h2>
<form id="filters" class="filters" data-testid="filters" aria-label="Filters">
${select('api', 'API version')}
${select('operation', 'Operation')}
${select('severity', 'Severity', [
  ['must', 'must'],
  ['should', 'should'],
])}
${select('status', 'Status', STATUS_OPTIONS)}
<label><input type="checkbox" id="filter-differs" data-testid="filter-differs"> only rows where targets differ</label>
<button type="reset" id="filter-reset">Reset</button>
<output id="visible-count" data-testid="visible-count" aria-live="polite"></output>
</form>
<div class="layout">
<div class="matrix-wrap"><table id="matrix" class="matrix" data-testid="matrix"><thead id="matrix-head"></thead><tbody id="matrix-body"></tbody></table></div>
<aside id="detail" class="detail" data-testid="detail" tabindex="-1" aria-labelledby="detail-title" hidden>
<div class="detail-head"><h2 id="detail-title" data-testid="detail-title"></h2><button type="button" id="detail-close" aria-label="Close details">×</button></div>
<p><span id="detail-status" data-testid="detail-status"></span> <span id="detail-severity"></span> on <strong id="detail-target"></strong></p>
${fields}
</aside>
</div>
<section id="coverage" class="coverage" data-testid="coverage" aria-labelledby="coverage-title">
<h2 id="coverage-title">Coverage</h2>
<p>How many generated cases exercised each constraint or rule of each operation. Zero means the suite never tested it.</p>
<div id="coverage-body"></div>
</section>
</main>
<script type="application/json" id="data">${scriptSafeJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
:root { --fg: #1d232a; --muted: #5b6570; --line: #d5dbe1; --bg: #fff; --head: #f3f5f7; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; }
header.page { padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--head); }
header.page h1 { margin: 0; font-size: 1.4rem; }
header.page p { margin: .25rem 0 0; color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
.targets { display: flex; flex-wrap: wrap; gap: 1rem; }
.target { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; min-width: 18rem; flex: 1 1 18rem; }
.target h2 { margin: 0 0 .25rem; overflow-wrap: anywhere; }
.target .where { margin: 0 0 .5rem; overflow-wrap: anywhere; }
.notrun-note { margin: .5rem 0; padding: .4rem .6rem; border-radius: 4px; background: #fff1cc; color: #6d4a00; border: 1px solid #e9cf83; font-weight: 600; }
.totals { display: flex; gap: .5rem; margin: .5rem 0; }
.totals div { flex: 1; border-radius: 4px; padding: .25rem .5rem; text-align: center; }
.totals dt { font-size: .75rem; }
.totals dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.facts { display: grid; grid-template-columns: auto 1fr; gap: .1rem .75rem; margin: 0; font-size: .85rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin-bottom: .75rem; font-size: .9rem; }
.filters output { color: var(--muted); }
.layout { display: flex; gap: 1rem; align-items: flex-start; }
.matrix-wrap { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: middle; }
thead th { background: var(--head); position: sticky; top: 0; z-index: 1; }
.matrix tbody th { font-weight: normal; }
tbody tr.group th { background: var(--head); font-weight: 600; padding-top: .6rem; }
.badge-differs { margin-left: .5rem; padding: 0 .4rem; border-radius: 3px; background: #5a3fc0; color: #fff; font-size: .75rem; }
tr.differs th[scope="row"] { border-left: 3px solid #5a3fc0; }
.severity-must { font-weight: 600; }
.status { display: inline-block; border: 1px solid transparent; border-radius: 4px; padding: .1rem .45rem; font: inherit; white-space: nowrap; }
button.status { cursor: pointer; }
button.status:hover, button.status.selected { outline: 2px solid var(--fg); outline-offset: 1px; }
.status-passed { background: #dcf3e0; color: #0b5a1e; border-color: #9fd6ab; }
.status-failed { background: #fde0de; color: #8c1b13; border-color: #f1a39c; font-weight: 600; }
.status-not-run { background: #eceff1; color: #37474f; border-color: #c9d1d6; }
.status-expected-failure { background: #fff1cc; color: #6d4a00; border-color: #e9cf83; }
.status-absent { color: var(--muted); }
.detail { flex: 0 0 min(38rem, 45%); position: sticky; top: .5rem; max-height: calc(100vh - 1rem); overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; background: var(--bg); }
.detail-head { display: flex; justify-content: space-between; gap: .5rem; align-items: flex-start; }
.detail-head h2 { margin: 0; font-size: 1rem; overflow-wrap: anywhere; }
.detail-head button { font-size: 1.2rem; line-height: 1; background: none; border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
.detail h3 { font-size: .85rem; margin: .75rem 0 .25rem; color: var(--muted); }
.detail pre { margin: 0; padding: .5rem; background: var(--head); border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 20rem; overflow: auto; }
.failures details { border: 1px solid #f1a39c; border-radius: 4px; margin: .35rem 0; padding: .3rem .6rem; }
.failures summary { cursor: pointer; overflow-wrap: anywhere; }
.failures summary strong { color: #8c1b13; }
.failures ul { margin: .4rem 0; padding-left: 1.2rem; columns: 2 22rem; }
.failures button.check { background: none; border: none; padding: 0; color: #0b4f9c; text-decoration: underline; cursor: pointer; font: inherit; text-align: left; overflow-wrap: anywhere; }
button.copy { margin-left: .5rem; font-size: .75rem; padding: 0 .45rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); cursor: pointer; }
.coverage table { width: auto; min-width: 30rem; }
td.count { text-align: right; font-variant-numeric: tabular-nums; }
td.count.zero { background: #fde0de; color: #8c1b13; font-weight: 600; }
@media (max-width: 60rem) { .layout { flex-direction: column; } .detail { position: static; width: 100%; max-height: none; } }
`;

// Plain browser JavaScript (no build step): reads #data and draws the page.
// Keep it free of backslashes, backticks and dollar-brace: it lives in a template literal.
const SCRIPT = `
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('data').textContent);
  const $ = (id) => document.getElementById(id);
  const STATUS = {
    passed: ['✔', 'passed'],
    failed: ['✘', 'failed'],
    'not-run': ['–', 'not run'],
    'expected-failure': ['◐', 'expected failure'],
    absent: ['·', 'not in this run'],
  };
  const FIELDS = ['detail', 'rule', 'request', 'response', 'counterexample', 'reproduce'];

  // Builds an element; text only ever enters the DOM as text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== undefined && child !== null && child !== false) node.append(child);
    }
    return node;
  }

  function duration(ms) {
    if (ms < 1000) return ms + ' ms';
    const s = ms / 1000;
    return s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  }

  function fact(name, value) {
    return [el('dt', { text: name }), el('dd', { text: value })];
  }

  function percentText(part, whole) {
    const p = whole === 0 ? 0 : (100 * part) / whole;
    if (p > 0 && p < 1) return '<1%';
    if (p > 99 && p < 100) return '>99%';
    return Math.round(p) + '%';
  }

  // A run that left checks not-run says so in large type: its green cells cover only what ran.
  function notRunNote(col, i) {
    const s = col.summary;
    if (s.notRun === 0) return null;
    const total = s.passed + s.failed + s.notRun + s.expectedFailures;
    return el('p', { class: 'notrun-note', 'data-testid': 'notrun-' + i, role: 'note',
      text: s.notRun + ' of ' + total + ' checks (' + percentText(s.notRun, total) +
        ') were not run: the results cover only the checks that ran.' });
  }

  function renderTargets() {
    const box = $('targets');
    if (data.columns.length === 0) {
      box.append(el('p', { text: 'No reports to show.' }));
      return;
    }
    const tools = [...new Set(data.columns.map((c) => c.tool + ' ' + c.version))];
    $('generator').textContent = 'Generated by ' + tools.join(', ');
    data.columns.forEach((col, i) => {
      const totals = [
        ['passed', col.summary.passed],
        ['failed', col.summary.failed],
        ['not-run', col.summary.notRun],
        ['expected-failure', col.summary.expectedFailures],
      ];
      box.append(
        el('article', { class: 'target', 'data-testid': 'target-' + i },
          el('h2', { 'data-testid': 'target-label-' + i, text: col.label }),
          el('dl', { class: 'totals' },
            totals.map(([status, n]) =>
              el('div', { class: 'status-' + status },
                el('dt', { text: STATUS[status][0] + ' ' + STATUS[status][1] }),
                el('dd', { 'data-testid': 'total-' + status + '-' + i, text: n })))),
          notRunNote(col, i),
          el('dl', { class: 'facts' },
            fact('Kind', col.kind),
            col.endpoint !== null && fact('Endpoint', col.endpoint),
            col.driver !== null && fact('Driver', col.driver),
            fact('API', col.api.join(', ')),
            fact('Tool', col.tool + ' ' + col.version),
            fact('Seed', String(col.seed)),
            col.shard !== null && fact('Shard', col.shard),
            fact('Started', col.startedAt),
            fact('Duration', duration(col.durationMs)))));
    });
  }

  const rows = [];
  const groups = [];
  let selected = null;

  function renderMatrix() {
    $('matrix-head').append(
      el('tr', {},
        el('th', { scope: 'col', text: 'Check' }),
        el('th', { scope: 'col', text: 'Severity' }),
        data.columns.map((col, i) => el('th', { scope: 'col', 'data-testid': 'column-' + i, text: col.label }))));
    const body = $('matrix-body');
    for (const group of data.groups) {
      const header = el('tr', { class: 'group', 'data-testid': 'group' },
        el('th', { scope: 'colgroup', colspan: 2 + data.columns.length, text: group.api + ' · ' + group.operation }));
      body.append(header);
      const entry = { header, members: [] };
      groups.push(entry);
      for (const row of group.rows) {
        const tr = el('tr', { 'data-testid': 'row', 'data-check-id': row.id, class: row.differs ? 'differs' : null },
          el('th', { scope: 'row', title: row.id },
            el('span', { text: row.check }),
            row.differs && el('span', { class: 'badge-differs', 'data-testid': 'differs', text: 'differs' })),
          el('td', { class: 'severity-' + row.severity, text: row.severity }),
          row.cells.map((cell, col) => el('td', {}, cellNode(row, cell, col))));
        body.append(tr);
        const item = {
          tr, api: group.api, operation: group.operation, severity: row.severity, differs: row.differs,
          statuses: row.cells.map((cell) => (cell ? cell.status : 'absent')),
        };
        rows.push(item);
        entry.members.push(item);
      }
    }
  }

  function cellNode(row, cell, col) {
    const status = cell ? cell.status : 'absent';
    const [icon, label] = STATUS[status];
    const props = {
      class: 'status status-' + status, 'data-testid': 'cell', 'data-status': status,
      'data-check-id': row.id, 'data-col': col,
    };
    if (!cell) return el('span', Object.assign(props, { title: 'This target did not report this check' }), icon + ' ' + label);
    return el('button', Object.assign(props, {
      type: 'button', 'aria-controls': 'detail',
      'aria-label': row.id + ' on ' + data.columns[col].label + ': ' + label,
      on: { click: (event) => showDetail(row, cell, col, event.currentTarget) },
    }), icon + ' ' + label);
  }

  function showDetail(row, cell, col, button) {
    if (selected) selected.classList.remove('selected');
    selected = button;
    button.classList.add('selected');
    $('detail-title').textContent = row.id;
    $('detail-target').textContent = data.columns[col].label;
    $('detail-severity').textContent = row.severity;
    const status = $('detail-status');
    status.textContent = STATUS[cell.status].join(' ');
    status.className = 'status status-' + cell.status;
    status.setAttribute('data-status', cell.status);
    for (const field of FIELDS) {
      const value = cell[field];
      $('field-' + field + '-section').hidden = !value;
      $('field-' + field).textContent = value || '';
    }
    const panel = $('detail');
    panel.hidden = false;
    panel.focus({ preventScroll: true });
  }

  function closeDetail() {
    $('detail').hidden = true;
    if (selected) {
      selected.classList.remove('selected');
      selected.focus();
      selected = null;
    }
  }

  function fillSelect(id, values, label) {
    const select = $(id);
    for (const value of values) {
      if (select.querySelector('option[value="' + CSS.escape(value) + '"]')) continue;
      select.append(el('option', { value, text: label ? label(value) : value }));
    }
  }

  function applyFilters() {
    const api = $('filter-api').value;
    const operation = $('filter-operation').value;
    const severity = $('filter-severity').value;
    const status = $('filter-status').value;
    const differs = $('filter-differs').checked;
    let visible = 0;
    for (const group of groups) {
      let any = false;
      for (const row of group.members) {
        const show = (!api || row.api === api) && (!operation || row.operation === operation) &&
          (!severity || row.severity === severity) && (!status || row.statuses.includes(status)) &&
          (!differs || row.differs);
        row.tr.hidden = !show;
        if (show) { any = true; visible++; }
      }
      group.header.hidden = !any;
    }
    $('visible-count').textContent = 'Showing ' + visible + ' of ' + rows.length + ' checks';
  }

  function setupFilters() {
    fillSelect('filter-api', [...new Set(data.groups.map((g) => g.api))]);
    fillSelect('filter-operation', [...new Set(data.groups.map((g) => g.operation))].sort());
    const form = $('filters');
    form.addEventListener('change', applyFilters);
    form.addEventListener('submit', (event) => event.preventDefault());
    // Reset fires before the controls change back, so filter on the next tick.
    form.addEventListener('reset', () => setTimeout(applyFilters));
    if (data.columns.length < 2) {
      $('filter-differs').disabled = true;
      $('filter-differs').parentElement.title = 'Needs two or more targets';
    }
    applyFilters();
  }

  function renderCoverage() {
    const box = $('coverage-body');
    if (data.coverage.length === 0) {
      box.append(el('p', { text: 'These reports carry no coverage data.' }));
      return;
    }
    let zeros = 0;
    const body = el('tbody');
    for (const op of data.coverage) {
      body.append(el('tr', { class: 'group' },
        el('th', { scope: 'colgroup', colspan: 1 + data.columns.length, text: op.operation })));
      for (const entry of op.keys) {
        body.append(el('tr', { 'data-testid': 'coverage-row', 'data-operation': op.operation, 'data-key': entry.key },
          el('th', { scope: 'row' }, el('code', { text: entry.key })),
          entry.counts.map((n) => {
            if (n === null) return el('td', { class: 'count', title: 'not reported by this target', text: '—' });
            if (n === 0) zeros++;
            return el('td', {
              class: n === 0 ? 'count zero' : 'count', 'data-testid': 'coverage-count', 'data-count': n,
              title: n === 0 ? 'never exercised' : null, text: n === 0 ? '⚠ 0' : n,
            });
          })));
      }
    }
    box.append(
      el('p', { 'data-testid': 'coverage-zeros', text: zeros === 0
        ? 'Every reported constraint was exercised at least once.'
        : zeros + (zeros === 1 ? ' count is' : ' counts are') + ' zero (highlighted): never exercised.' }),
      el('table', { 'data-testid': 'coverage-table' },
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', text: 'Constraint or rule' }),
          data.columns.map((col) => el('th', { scope: 'col', text: col.label })))),
        body));
  }

  function cellButton(id, col) {
    return document.querySelector('[data-testid="cell"][data-check-id="' + CSS.escape(id) + '"][data-col="' + col + '"]');
  }

  // The failures, grouped by cause, come first; the first group is open.
  function renderFailures() {
    if (data.failures.length === 0) return;
    const box = $('failures-body');
    data.failures.forEach((group, i) => {
      const who = data.columns.length > 1 ? data.columns[group.col].label + ': ' : '';
      box.append(el('details', { 'data-testid': 'failure-group', open: i === 0 },
        el('summary', {}, el('strong', { text: who + group.count }), ' ' + group.cause),
        el('ul', {}, group.ids.map((id) => el('li', {},
          el('button', { type: 'button', class: 'check', 'data-testid': 'failure-check', 'data-check-id': id,
            text: id, on: { click: () => { const b = cellButton(id, group.col); if (b) b.click(); } } }))))));
    });
    $('failures').hidden = false;
  }

  function selectCopy() {
    const range = document.createRange();
    range.selectNodeContents($('field-reproduce'));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Copies the reproduce command; where the clipboard is not available the text is selected instead.
  function copyReproduce() {
    const button = $('copy-reproduce');
    const text = $('field-reproduce').textContent;
    const say = (label) => {
      button.textContent = label;
      setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    };
    const fallback = () => { selectCopy(); say('Selected: press Ctrl+C'); };
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(text).then(() => say('Copied'), fallback);
    else fallback();
  }

  renderTargets();
  renderMatrix();
  renderFailures();
  // A report with failures opens on them: the matrix shows the failed checks, the first one's detail is open.
  if (data.failures.length > 0) $('filter-status').value = 'failed';
  setupFilters();
  renderCoverage();
  if (data.failures.length > 0) {
    const first = data.failures[0];
    const button = cellButton(first.ids[0], first.col);
    if (button) button.click();
  }
  $('copy-reproduce').addEventListener('click', copyReproduce);
  $('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('detail').hidden) closeDetail();
  });
})();
`;
