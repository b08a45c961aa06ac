/**
 * The HTML run report in a real browser: Debian's chromium through playwright-core loads the report of
 * a run built by refreshLocally, the figures it shows match the run summary, nothing is fetched from the
 * network, and a screenshot is saved to test-output/report.png.
 * Install the browser with `sh scripts/ensure-chromium.sh`; without /usr/bin/chromium the test is skipped.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedFigures, reportWorkspace, type ReportWorkspace } from '../unit/ux/report-workspace.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = path.resolve(import.meta.dirname, '../../test-output');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/browser/report.test.ts skipped: ${CHROMIUM} not found (install it with \`sh scripts/ensure-chromium.sh\`)`);

describe.skipIf(!hasChromium)('run report in chromium', () => {
  let ws: ReportWorkspace;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ws = await reportWorkspace();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pathToFileURL(path.join(ws.layout.reportsDir, 'latest.html')).href, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await browser?.close();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  it('shows the figures of the run summary', async () => {
    const runId = ws.runs[1]!.runId;
    expect(await page.locator('main').getAttribute('data-run-id')).toBe(runId);
    const expected = expectedFigures(ws.summary(runId));
    for (const [key, value] of expected) {
      const cell = page.locator(`[data-figure="${key.replaceAll('"', '\\"')}"]`);
      expect(await cell.count(), key).toBe(1);
      expect(await cell.isVisible(), `${key} visible`).toBe(true);
      // What a reader sees: the formatted number (a leading + or − for changes).
      const shown = Number((await cell.innerText()).replace(/[,+−\s]/g, ''));
      expect(shown, key).toBe(value);
    }
    expect(await page.locator('[data-figure="consent-rate:Product updates"]').innerText()).toBe('50.0%');
  });

  it('draws the charts and fits the page width', async () => {
    const charts = page.locator('figure.chart svg');
    expect(await charts.count()).toBeGreaterThanOrEqual(4);
    for (const chart of await charts.all()) {
      const box = await chart.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(200);
      expect(box?.height ?? 0).toBeGreaterThan(20);
    }
    // Two runs → one line per segment and per purpose in the history charts.
    expect(await page.locator('#history polyline').count()).toBe(3 + 3);
    // (a string expression: the DOM types are not part of this Node project)
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('loads nothing but the file itself, without errors', () => {
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('saves a screenshot to test-output/', async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const file = path.join(OUTPUT_DIR, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);
  });
});
