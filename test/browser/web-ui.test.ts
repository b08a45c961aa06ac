/**
 * The Temporal Web UI in a real browser (issue 7): a dev server with its UI on free ports, a refresh of the
 * example data through the schedule, then Debian's chromium (playwright-core) finds the refresh in the
 * workflow list and sees its summary, activity summaries and memo counts — and no personal data.
 * Skipped without /usr/bin/chromium (scripts/ensure-chromium.sh installs it; .ci/run runs that).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevServer, freePort, type DevServer } from '../../client/dev-server.js';
import { refreshNow, waitForRefresh } from '../../client/refresh-now.js';
import { upsertSchedule } from '../../client/schedule.js';
import type { RefreshResult } from '../../workflows/refresh-types.js';
import { startRuntime, type TestRuntime } from '../support/temporal.js';
import { exampleWorkspace, type Workspace } from '../support/workspace.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = path.resolve(import.meta.dirname, '../../test-output');
const hasChromium = existsSync(CHROMIUM);

/** Text of the page and of its frames (the UI renders summaries and details as markdown in iframes). */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')));
  return texts.join('\n');
}

describe.skipIf(!hasChromium)('Temporal Web UI in chromium', () => {
  let stateDir: string;
  let server: DevServer;
  let workspace: Workspace;
  let runtime: TestRuntime;
  let browser: Browser;
  let page: Page;
  let workflowId: string;
  let result: RefreshResult;

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'consent-ui-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    server = await ensureDevServer({ address: `127.0.0.1:${port}`, namespace: 'default', stateDir, uiPort, detached: false });
    workspace = exampleWorkspace(server.address, 'web-ui');
    runtime = await startRuntime(workspace.config);
    await upsertSchedule(runtime.client, workspace.config);
    workflowId = (await refreshNow(runtime.client, workspace.config)).workflowId;
    result = await waitForRefresh(runtime.client, workflowId);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.client.schedule.getHandle(workspace.config.schedule.id).delete().catch(() => undefined);
    await runtime?.stop();
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('lists the latest refresh among the workflows', async () => {
    await page.goto(`${server.uiUrl}/namespaces/default/workflows`, { waitUntil: 'networkidle' });
    await expect.poll(async () => page.locator('body').innerText(), { timeout: 30_000 }).toContain(workflowId);
    expect(await page.locator('body').innerText()).toContain('RefreshWorkflow');
  });

  it('shows the static summary, readable activity summaries and the memo counts, without personal data', async () => {
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'networkidle' });
    await expect.poll(async () => page.locator('body').innerText(), { timeout: 30_000 }).toContain('import crm (csv)');
    const timeline = await page.locator('body').innerText();
    for (const summary of ['unify profiles and effective consent', 'segment newsletter', 'export newsletter-file (csv, purpose Newsletter)', 'publish run']) {
      expect(timeline).toContain(summary);
    }
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-workflow.png'), fullPage: true });

    await page.getByText('User Metadata', { exact: true }).first().click();
    // Summary, details and current details render one by one (markdown iframes): wait for all three.
    await expect.poll(async () => allText(page), { timeout: 15_000 }).toContain('consent refresh (consent.config.yaml)');
    await expect.poll(async () => allText(page), { timeout: 15_000 }).toMatch(/import 2 sources, unify, 2 segments, 2 exports, publish/);
    await expect.poll(async () => allText(page), { timeout: 15_000 }).toContain(`published — run ${result.runId}`);
    const metadata = await allText(page);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-metadata.png'), fullPage: true });

    await page.getByText('Memo', { exact: true }).first().click();
    await expect.poll(async () => allText(page), { timeout: 15_000 }).toMatch(/"customers":\s*2/);
    await expect.poll(async () => allText(page), { timeout: 15_000 }).toMatch(/"newsletter-file":\s*1/);
    const memo = await allText(page);
    expect(memo).toMatch(/"customers":\s*2/);
    expect(memo).toMatch(/"stage":\s*"published"/);
    expect(memo).toMatch(/"newsletter-file":\s*1/);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'web-ui-memo.png'), fullPage: true });

    for (const personal of ['holly@contoso.com', 'frank@contoso.com', 'Holly', 'Frank', '4255550101']) {
      expect(memo).not.toContain(personal);
      expect(timeline).not.toContain(personal);
      expect(metadata).not.toContain(personal);
    }
  });
});
