/**
 * A warehouse with two published runs of the example data, built by refreshLocally (no Temporal), for the
 * report tests (unit and browser). The second run follows a withdrawal, so segment sizes and opt-in rates
 * change between the runs, and an extra export whose segment ignores consent makes the guard hold back.
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../../core/config/load.js';
import { refreshLocally, type LocalRefreshResult } from '../../../core/pipeline/local-refresh.js';
import { runSummarySchema, type RunSummary } from '../../../core/report/index.js';
import { warehouseLayout, type WarehouseLayout } from '../../../core/warehouse/index.js';

export const EXAMPLES_DIR = path.resolve(import.meta.dirname, '../../../examples');

export interface ReportWorkspace {
  readonly dir: string;
  readonly config: LoadedConfig;
  readonly layout: WarehouseLayout;
  readonly runs: LocalRefreshResult[];
  summary(runId: string): RunSummary;
  /** Every email address in the source data (for "no personal data" checks). */
  readonly emails: string[];
}

export async function reportWorkspace(): Promise<ReportWorkspace> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consent-report-'));
  cpSync(path.join(EXAMPLES_DIR, 'data'), path.join(dir, 'data'), { recursive: true });
  const example = parse(readFileSync(path.join(EXAMPLES_DIR, 'consent.config.yaml'), 'utf8')) as Record<string, unknown[]>;
  const configFile = path.join(dir, 'consent.config.yaml');
  writeFileSync(
    configFile,
    stringify({
      ...example,
      segments: [...(example['segments'] ?? []), { name: 'us-customers', rule: 'country = US' }],
      exports: [
        ...(example['exports'] ?? []),
        { name: 'us-newsletter', segment: 'us-customers', purpose: 'Newsletter', format: 'csv', path: './exports/us-newsletter', fields: ['customer_id'] },
      ],
    }),
  );
  const config = loadConfig(configFile);
  const runs = [await refreshLocally(config, { runId: 'run-20240501T120000Z-aaaaaa' })];
  // frank withdraws from the Newsletter, a newer record than his grant.
  appendFileSync(path.join(dir, 'data', 'consent.csv'), '5,frank@contoso.com,Newsletter,False,2024-06-01\n');
  runs.push(await refreshLocally(config, { runId: 'run-20240601T120000Z-bbbbbb' }));
  const layout = warehouseLayout(config.warehouse);
  const emails = readdirSync(path.join(dir, 'data')).flatMap((name) => readFileSync(path.join(dir, 'data', name), 'utf8').match(/[^\s,@]+@[^\s,@]+/g) ?? []);
  return {
    dir,
    config,
    layout,
    runs,
    emails: [...new Set(emails)],
    summary: (runId) => runSummarySchema.parse(JSON.parse(readFileSync(layout.runSummary(runId), 'utf8'))),
  };
}

/** `data-figure` key → raw value, read from the report HTML. */
export function figuresFromHtml(html: string): Map<string, number> {
  const unescape = (text: string) => text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  const figures = new Map<string, number>();
  for (const match of html.matchAll(/data-figure="([^"]*)" data-value="([^"]*)"/g)) figures.set(unescape(match[1]!), Number(match[2]));
  return figures;
}

/** The figures the report must show, computed from the run summary (and nothing else). */
export function expectedFigures(summary: RunSummary): Map<string, number> {
  const expected = new Map<string, number>();
  const sources = summary.sources;
  for (const s of sources) {
    expected.set(`source-rows-read:${s.source}`, s.rowsRead);
    expected.set(`source-rows-accepted:${s.source}`, s.rowsAccepted);
    expected.set(`source-rows-rejected:${s.source}`, s.rowsRejected);
  }
  expected.set('kpi:rows-read', sources.reduce((sum, s) => sum + s.rowsRead, 0));
  expected.set('customers', summary.unify?.customers ?? 0);
  expected.set('kpi:customers', summary.unify?.customers ?? 0);
  for (const [purpose, granted] of Object.entries(summary.unify?.effectiveGranted ?? {})) {
    expected.set(`consent-granted:${purpose}`, granted);
    expected.set(`consent-customers:${purpose}`, summary.unify?.customers ?? 0);
  }
  for (const s of summary.segments) {
    expected.set(`segment-members:${s.segment}`, s.members);
    if (s.added !== undefined) expected.set(`segment-added:${s.segment}`, s.added);
    if (s.removed !== undefined) expected.set(`segment-removed:${s.segment}`, s.removed);
  }
  for (const e of summary.exports) {
    expected.set(`export-rows-written:${e.export}`, e.rowsWritten);
    expected.set(`export-held-back:${e.export}`, e.heldBack);
  }
  expected.set('kpi:rows-written', summary.exports.reduce((sum, e) => sum + e.rowsWritten, 0));
  expected.set('kpi:held-back', summary.exports.reduce((sum, e) => sum + e.heldBack, 0));
  return expected;
}
