/**
 * The HTML run report: written with every published run, its figures equal the run summary, it holds
 * no personal data and needs no network; a report failure never fails the publish.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runReportCommand } from '../../../client/commands/report.js';
import { queryRows } from '../../../core/db/connection.js';
import { refreshLocally } from '../../../core/pipeline/local-refresh.js';
import { renderReport, writeRunReport, type ReportData } from '../../../core/report/index.js';
import { openPublishedRun } from '../../../core/warehouse/index.js';
import { expectedFigures, figuresFromHtml, reportWorkspace, type ReportWorkspace } from './report-workspace.js';

describe('HTML run report', () => {
  let ws: ReportWorkspace;
  let latest: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    ws = await reportWorkspace();
    first = ws.runs[0]!.runId;
    second = ws.runs[1]!.runId;
    latest = readFileSync(path.join(ws.layout.reportsDir, 'latest.html'), 'utf8');
  });
  afterAll(() => {
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  it('is written for every published run, plus latest.html (the newest)', () => {
    expect(readdirSync(ws.layout.reportsDir).sort()).toEqual([`${first}.html`, `${second}.html`, 'latest.html'].sort());
    expect(readFileSync(path.join(ws.layout.reportsDir, `${second}.html`), 'utf8')).toBe(latest);
    expect(latest).toContain(`data-run-id="${second}"`);
  });

  it('shows the figures of the run summary', () => {
    for (const runId of [first, second]) {
      const shown = figuresFromHtml(readFileSync(path.join(ws.layout.reportsDir, `${runId}.html`), 'utf8'));
      const expected = expectedFigures(ws.summary(runId));
      expect(expected.size).toBeGreaterThan(15);
      for (const [key, value] of expected) expect(shown.get(key), key).toBe(value);
    }
  });

  it('shows the withdrawal: a smaller Newsletter segment, a lower opt-in rate, the guard holding back', () => {
    const shown = figuresFromHtml(latest);
    expect(shown.get('segment-members:newsletter')).toBe(0);
    expect(shown.get('segment-removed:newsletter')).toBe(1);
    expect(shown.get('consent-granted:Newsletter')).toBe(0);
    expect(shown.get('consent-rate:Newsletter')).toBe(0);
    expect(shown.get('export-held-back:us-newsletter')).toBe(2);
    expect(shown.get('consent-default-granted:Sale of data')).toBe(2);
    expect(shown.get('customers')).toBe(2);
    expect(shown.get('profile-records')).toBe(2);
  });

  it('charts segment sizes and opt-in rates over the retained runs', () => {
    const shown = figuresFromHtml(latest);
    expect(shown.get(`history-segment:${first}:newsletter`)).toBe(1);
    expect(shown.get(`history-segment:${second}:newsletter`)).toBe(0);
    expect(latest).toContain('aria-label="Segment sizes over the retained runs"');
    expect(latest).toContain('aria-label="Opt-in rates (granted share) over the retained runs"');
    expect(latest).toMatch(/<title>Newsletter — [^<]+: 50\.0%<\/title>/); // a point's hover title: purpose, run, rate
    expect(latest).toMatch(/<polyline [^>]*points="[^"]+ [^"]+"/); // a line through both runs
  });

  it('holds no personal data: no email, phone, name or customer id from the run', async () => {
    expect(ws.emails.length).toBeGreaterThan(1);
    const instance = await openPublishedRun(ws.layout, second);
    const connection = await instance.connect();
    const people = await queryRows<Record<string, string | null>>(connection, { sql: 'SELECT customer_id, email, phone, first_name, last_name FROM customers' });
    connection.closeSync();
    instance.closeSync();
    const values = people.flatMap((row) => Object.values(row)).filter((value): value is string => value !== null && value.length > 2);
    expect(values.length).toBeGreaterThan(4);
    for (const report of readdirSync(ws.layout.reportsDir)) {
      const html = readFileSync(path.join(ws.layout.reportsDir, report), 'utf8').toLowerCase();
      for (const email of ws.emails) expect(html, `${report} contains ${email}`).not.toContain(email.toLowerCase());
      for (const value of values) expect(html, `${report} contains a value of the customers table`).not.toContain(value.toLowerCase());
    }
  });

  it('is self-contained: no scripts, no external resources, a CSP forbidding fetches', () => {
    expect(latest).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(latest).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(latest).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(latest.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('escapes names', () => {
    const data: ReportData = {
      runId: 'r1',
      previousRunId: null,
      publishedAt: null,
      startedAt: null,
      trigger: null,
      generatedAt: '2024-01-01T00:00:00.000Z',
      sources: [{ source: '<b>x</b>', sourceType: 'profiles', format: 'csv', rowsRead: 1, rowsAccepted: 1, rowsRejected: 0, consentFacts: 0 }],
      rejects: [],
      customers: { customers: 0, profileRecords: 0, mergedCustomers: 0, largestCluster: 0, recordCounts: [] },
      mergeRefusals: [],
      orphans: [],
      consent: [{ purpose: 'A "&" <B>', customers: 0, granted: 0, byBasis: [] }],
      segments: [],
      exports: [],
      history: [],
    };
    const html = renderReport(data);
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('A "&" <B>');
    expect(figuresFromHtml(html).get('consent-granted:A "&" <B>')).toBe(0);
  });

  it('`consent report` prints the latest report path', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runReportCommand({ positionals: [], config: ws.config.configFile, wait: false, json: false })).toBe(0);
      expect(log).toHaveBeenCalledWith(path.join(ws.layout.reportsDir, 'latest.html'));
    } finally {
      log.mockRestore();
    }
  });

  it('drops the reports of runs that retention pruned', async () => {
    writeFileSync(path.join(ws.layout.reportsDir, 'run-pruned-long-ago.html'), '<html></html>');
    const written = await writeRunReport(ws.layout, second);
    expect(written.removed).toEqual(['run-pruned-long-ago']);
    expect(readdirSync(ws.layout.reportsDir).sort()).toEqual([`${first}.html`, `${second}.html`, 'latest.html'].sort());
  });

  it('a report that cannot be written never fails the publish', async () => {
    rmSync(ws.layout.reportsDir, { recursive: true, force: true });
    writeFileSync(ws.layout.reportsDir, 'not a folder');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const third = await refreshLocally(ws.config, { runId: 'run-20240701T120000Z-cccccc' });
      expect(third.published.runId).toBe('run-20240701T120000Z-cccccc');
      expect(JSON.parse(readFileSync(ws.layout.currentFile, 'utf8'))).toMatchObject({ runId: third.runId });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('run report for run-20240701T120000Z-cccccc not written'));
    } finally {
      warn.mockRestore();
      rmSync(ws.layout.reportsDir, { force: true });
    }
    expect(existsSync(path.join(ws.layout.reportsDir, 'latest.html'))).toBe(false);
  });
});
