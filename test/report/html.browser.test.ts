// Loads report.html in a real Chromium: the page must draw, filter and show
// details without errors, and hostile report text must stay text.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.ts';
import type { ConformanceReport } from '../../src/report/types.ts';
import { brokenEmulator, goodEmulator, report, result } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const HOSTILE = '</script><script>alert(1)</script>';

let browser: Browser;
let problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the report.html browser tests need it. Run \`apt-get install chromium\`.`,
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  // Every page must load without console errors, page errors, dialogs or network requests.
  expect(problems).toEqual([]);
  problems = [];
});

async function open(reports: ConformanceReport[]): Promise<Page> {
  const dir = await mkdtemp(join(tmpdir(), 'report-html-'));
  const file = join(dir, 'report.html');
  await writeFile(file, renderHtml(reports));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Fail fast when an element never appears rather than at the 30 s default.
  page.setDefaultTimeout(5000);
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  return page;
}

const visibleRows = (page: Page) => page.locator('[data-testid="row"]:visible');

describe('report.html in Chromium', () => {
  const reports = [goodEmulator(), brokenEmulator()];

  it('shows the totals of each target as in the JSON', async () => {
    const page = await open(reports);
    for (const [i, report] of reports.entries()) {
      const { passed, failed, notRun, expectedFailures } = report.summary;
      await expect.poll(() => page.getByTestId(`total-passed-${i}`).textContent()).toBe(String(passed));
      expect(await page.getByTestId(`total-failed-${i}`).textContent()).toBe(String(failed));
      expect(await page.getByTestId(`total-not-run-${i}`).textContent()).toBe(String(notRun));
      expect(await page.getByTestId(`total-expected-failure-${i}`).textContent()).toBe(
        String(expectedFailures),
      );
      expect(await page.getByTestId(`target-label-${i}`).textContent()).toBe(report.target.name);
    }
    await page.close();
  });

  it('filters rows by status, API version, severity and difference', async () => {
    const page = await open(reports);
    const total = reports[0]!.results.length;
    // it opens on the failures: clear the status filter to see every row
    await expect.poll(() => page.getByTestId('filter-status').inputValue()).toBe('failed');
    await page.getByTestId('filter-status').selectOption('');
    await expect.poll(() => visibleRows(page).count()).toBe(total);
    await expect
      .poll(() => page.getByTestId('visible-count').textContent())
      .toBe(`Showing ${total} of ${total} checks`);

    await page.getByTestId('filter-status').selectOption('failed');
    expect(await visibleRows(page).count()).toBe(2);
    expect(await page.locator('[data-testid="group"]:visible').count()).toBe(2);

    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-api').selectOption('2014-08-15');
    expect(await visibleRows(page).count()).toBe(2);
    await page.getByTestId('filter-severity').selectOption('should');
    expect(await visibleRows(page).count()).toBe(1);
    await page.getByTestId('filter-api').selectOption('');
    await page.getByTestId('filter-severity').selectOption('');

    await page.getByTestId('filter-operation').selectOption('CreateHIT');
    expect(await visibleRows(page).count()).toBe(3);
    await page.getByTestId('filter-operation').selectOption('');

    await page.getByTestId('filter-differs').check();
    const differing = await visibleRows(page).evaluateAll((rows) =>
      rows.map((r) => r.getAttribute('data-check-id')),
    );
    expect(differing).toEqual([
      '2017-01-17/CreateHIT/lifetime-range',
      '2017-01-17/RejectAssignment/only-submitted',
      '2014-08-15/CreateHIT/reward-format',
      '2014-08-15/GetAccountBalance/shape',
    ]);
    expect(await page.locator('[data-testid="row"]:visible [data-testid="differs"]').count()).toBe(4);
    await page.close();
  });

  it('opens the detail of a failed cell with its reproduce command', async () => {
    const page = await open(reports);
    const failed = brokenEmulator().results.find((r) => r.id.endsWith('only-submitted'))!;
    const detail = page.getByTestId('detail');
    await page.keyboard.press('Escape');
    expect(await detail.isVisible()).toBe(false);
    await page.locator(`[data-testid="cell"][data-status="failed"][data-check-id="${failed.id}"]`).click();
    expect(await detail.isVisible()).toBe(true);
    expect(await page.getByTestId('detail-title').textContent()).toBe(failed.id);
    expect(await page.getByTestId('detail-reproduce').textContent()).toBe(failed.reproduce);
    expect(await page.getByTestId('detail-rule').textContent()).toBe(failed.rule);
    expect(await page.getByTestId('detail-detail').textContent()).toBe(failed.detail);
    expect(await page.getByTestId('detail-status').getAttribute('data-status')).toBe('failed');
    await page.keyboard.press('Escape');
    expect(await detail.isVisible()).toBe(false);
    await page.close();
  });

  it("opens on the failures, grouped by cause, with the first failure's detail and a copy button", async () => {
    const failing = report([
      ...['a', 'b', 'c'].map((k) =>
        result(`2017-01-17/RejectAssignment/rule.${k}`, {
          status: 'failed',
          detail: `RejectAssignment ${k} must fail with X, but the target answered a success (HTTP 200).`,
          reproduce: `npx mturk-conformance server --check 2017-01-17/RejectAssignment/rule.${k}`,
        }),
      ),
      result('2017-01-17/GetHIT/shape', { status: 'failed', severity: 'should', detail: 'Other cause.' }),
      result('2017-01-17/GetHIT/ok'),
    ]);
    const page = await open([failing]);
    await expect.poll(() => page.getByTestId('failures').isVisible()).toBe(true);
    const groups = page.getByTestId('failure-group');
    expect(await groups.count()).toBe(2);
    expect(await groups.first().locator('summary').textContent()).toBe(
      '3 checks (3 must) the target answered a success (HTTP 200)',
    );
    expect(await page.getByTestId('filter-status').inputValue()).toBe('failed');
    expect(await visibleRows(page).count()).toBe(4);
    expect(await page.getByTestId('detail').isVisible()).toBe(true);
    expect(await page.getByTestId('detail-title').textContent()).toBe('2017-01-17/RejectAssignment/rule.a');
    // a check of a group opens its detail
    await groups.first().getByTestId('failure-check').nth(2).click();
    expect(await page.getByTestId('detail-title').textContent()).toBe('2017-01-17/RejectAssignment/rule.c');
    await page.evaluate(() => {
      const copied: string[] = [];
      (window as unknown as { copied: string[] }).copied = copied;
      Object.defineProperty(navigator, 'clipboard', {
        value: {
          writeText: (text: string) => {
            copied.push(text);
            return Promise.resolve();
          },
        },
      });
    });
    await page.getByTestId('copy-reproduce').click();
    await expect.poll(() => page.getByTestId('copy-reproduce').textContent()).toBe('Copied');
    expect(await page.evaluate(() => (window as unknown as { copied: string[] }).copied)).toEqual([
      'npx mturk-conformance server --check 2017-01-17/RejectAssignment/rule.c',
    ]);
    await page.close();
  });

  it('without failures: every row, no detail, no failures section; a not-run share in large type', async () => {
    const page = await open([goodEmulator()]);
    await expect.poll(() => visibleRows(page).count()).toBe(goodEmulator().results.length);
    expect(await page.getByTestId('failures').isVisible()).toBe(false);
    expect(await page.getByTestId('detail').isVisible()).toBe(false);
    expect(await page.getByTestId('notrun-0').textContent()).toBe(
      '1 of 7 checks (14%) were not run: the results cover only the checks that ran.',
    );
    await page.close();
  });

  it('highlights coverage keys that were never exercised', async () => {
    const page = await open(reports);
    const zero = page.locator('[data-testid="coverage-count"][data-count="0"]');
    expect(await zero.count()).toBe(1);
    expect(await zero.getAttribute('class')).toContain('zero');
    expect(await page.getByTestId('coverage-row').count()).toBe(3);
    await page.close();
  });

  it('draws something: the screenshot is far from a blank page', async () => {
    const page = await open(reports);
    const box = await page.getByTestId('matrix').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(box?.height).toBeGreaterThan(100);
    const shot = await page.screenshot();
    const blank = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await blank.goto('about:blank');
    const blankShot = await blank.screenshot();
    const empty = await pixelStats(blank, blankShot);
    expect(empty.colours).toBe(1);
    const report = await pixelStats(blank, shot, empty.first);
    expect(report.colours).toBeGreaterThan(20);
    expect(report.differing).toBeGreaterThan(0.05);
    await blank.close();
    await page.close();
  });

  it('keeps hostile text as text', async () => {
    const broken = brokenEmulator();
    const target = broken.results.find((r) => r.status === 'failed')!;
    target.detail = HOSTILE;
    target.request = HOSTILE;
    broken.target.name = HOSTILE;
    const page = await open([goodEmulator(), broken]);
    expect(await page.getByTestId('target-label-1').textContent()).toBe(HOSTILE);
    await page.locator(`[data-testid="cell"][data-status="failed"][data-check-id="${target.id}"]`).click();
    expect(await page.getByTestId('detail-detail').textContent()).toBe(HOSTILE);
    expect(await page.getByTestId('detail-request').textContent()).toBe(HOSTILE);
    expect(await page.evaluate(() => document.scripts.length)).toBe(2);
    // Give a stray script the chance to run before the afterEach check for dialogs.
    await page.waitForTimeout(100);
    await page.close();
  });
});

interface PixelStats {
  /** Distinct colours in the image. */
  colours: number;
  /** The top-left pixel as 0xRRGGBB. */
  first: number;
  /** Share of pixels whose colour differs from `background` (default: the top-left pixel). */
  differing: number;
}

/** Decodes a PNG in the browser (no image library needed) and measures how much is drawn on it. */
function pixelStats(page: Page, png: Buffer, background?: number): Promise<PixelStats> {
  return page.evaluate(
    async ([base64, background]) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      const colours = new Set<number>();
      const first = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
      const reference = background ?? first;
      let differing = 0;
      for (let i = 0; i < data.length; i += 4) {
        const colour = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
        colours.add(colour);
        if (colour !== reference) differing++;
      }
      return { colours: colours.size, first, differing: differing / (data.length / 4) };
    },
    [png.toString('base64'), background] as const,
  );
}
