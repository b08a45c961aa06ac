/**
 * Writes a published run's HTML report to `<warehouse>/reports/<runId>.html` and `latest.html`
 * (each atomically), and removes the reports of runs that are no longer retained.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type WarehouseLayout } from '../warehouse/index.js';
import { collectReportData, readRunSummaries } from './collect-report-data.js';
import { renderReport } from './render-report.js';

export const LATEST_REPORT = 'latest.html';

export interface WrittenReport {
  readonly file: string;
  readonly latest: string;
  readonly removed: string[];
}

export function latestReportFile(layout: WarehouseLayout): string {
  return path.join(layout.reportsDir, LATEST_REPORT);
}

export async function writeRunReport(layout: WarehouseLayout, runId: string, options: { now?: Date } = {}): Promise<WrittenReport> {
  const html = renderReport(await collectReportData(layout, runId, options));
  const file = path.join(layout.reportsDir, `${runId}.html`);
  writeFileAtomic(file, html);
  const latest = latestReportFile(layout);
  writeFileAtomic(latest, html);
  return { file, latest, removed: pruneReports(layout, runId) };
}

/** Deletes `<runId>.html` of runs whose summary is gone (pruned by retention); keeps `keepRunId` and latest.html. */
function pruneReports(layout: WarehouseLayout, keepRunId: string): string[] {
  const retained = new Set([keepRunId, ...readRunSummaries(layout).map((s) => s.runId)]);
  const removed: string[] = [];
  for (const name of readdirSync(layout.reportsDir)) {
    if (name === LATEST_REPORT || !name.endsWith('.html')) continue;
    const runId = name.slice(0, -'.html'.length);
    if (retained.has(runId)) continue;
    rmSync(path.join(layout.reportsDir, name), { force: true });
    removed.push(runId);
  }
  return removed.sort();
}
