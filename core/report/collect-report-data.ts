/**
 * Gathers a published run's report figures: aggregates from its database (opened read-only; the run is
 * never written again) and the summaries of the retained runs (`runs/*.summary.json`) for the history.
 * Only counts, names and run ids are selected — never keys, values or customer ids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../db/connection.js';
import { openPublishedRun, type WarehouseLayout } from '../warehouse/index.js';
import { runSummarySchema, type ExportFigures, type HistoryPoint, type ReportData, type RunSummary } from './report-data.js';

/** The summaries of the published runs still on disk, oldest first (unreadable files are skipped). */
export function readRunSummaries(layout: WarehouseLayout): RunSummary[] {
  let names: string[];
  try {
    names = readdirSync(layout.runsDir);
  } catch {
    return [];
  }
  const summaries: RunSummary[] = [];
  for (const name of names) {
    if (!name.endsWith('.summary.json')) continue;
    try {
      const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(path.join(layout.runsDir, name), 'utf8')));
      if (parsed.success) summaries.push(parsed.data);
    } catch {
      // A summary being replaced or damaged: leave it out of the history.
    }
  }
  return summaries.sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? '') || a.runId.localeCompare(b.runId));
}

export function historyPoint(summary: RunSummary): HistoryPoint {
  const customers = summary.unify?.customers ?? 0;
  const granted = summary.unify?.effectiveGranted ?? {};
  return {
    runId: summary.runId,
    publishedAt: summary.publishedAt ?? '',
    customers,
    segments: Object.fromEntries(summary.segments.map((s) => [s.segment, s.members])),
    optInRates: Object.fromEntries(Object.entries(granted).map(([purpose, n]) => [purpose, customers > 0 ? n / customers : 0])),
  };
}

type Row = Record<string, string | number | boolean | null>;
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** Record-count buckets of the customers' size distribution. */
const RECORD_COUNT_BUCKET = `CASE WHEN record_count <= 4 THEN CAST(record_count AS VARCHAR)
  WHEN record_count <= 9 THEN '5–9' WHEN record_count <= 49 THEN '10–49' ELSE '50+' END`;

async function tableExists(connection: DuckDBConnection, table: string): Promise<boolean> {
  // profile_records and consent_records are views.
  const rows = await queryRows(connection, {
    sql: `SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $table
          UNION ALL SELECT 1 FROM duckdb_views() WHERE schema_name = 'main' AND view_name = $table`,
    params: { table },
  });
  return rows.length > 0;
}

export async function collectReportData(layout: WarehouseLayout, runId: string, options: { now?: Date } = {}): Promise<ReportData> {
  const summaries = readRunSummaries(layout);
  const summary = summaries.find((s) => s.runId === runId);
  const instance = await openPublishedRun(layout, runId);
  try {
    const connection = await instance.connect();
    try {
      return await collect(connection, runId, summary, summaries, options.now ?? new Date());
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function collect(connection: DuckDBConnection, runId: string, summary: RunSummary | undefined, summaries: RunSummary[], now: Date): Promise<ReportData> {
  const rows = async (table: string, sql: string): Promise<Row[]> => ((await tableExists(connection, table)) ? queryRows<Row>(connection, { sql }) : []);

  const sources = (
    await rows('source_stats', 'SELECT source, source_type, format, rows_read, rows_accepted, rows_rejected, consent_facts FROM source_stats ORDER BY rowid')
  ).map((r) => ({
    source: text(r['source']),
    sourceType: text(r['source_type']),
    format: text(r['format']),
    rowsRead: num(r['rows_read']),
    rowsAccepted: num(r['rows_accepted']),
    rowsRejected: num(r['rows_rejected']),
    consentFacts: num(r['consent_facts']),
  }));
  const rejects = (await rows('rejects', 'SELECT source, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY source, n DESC, reason')).map((r) => ({
    source: text(r['source']),
    reason: text(r['reason']),
    rows: num(r['n']),
  }));

  const [totals] = await rows(
    'customers',
    'SELECT count(*) AS customers, count(*) FILTER (WHERE record_count > 1) AS merged, coalesce(max(record_count), 0) AS largest FROM customers',
  );
  const [records] = await rows('profile_records', 'SELECT count(*) AS n FROM profile_records');
  const recordCounts = (
    await rows('customers', `SELECT ${RECORD_COUNT_BUCKET} AS bucket, min(record_count) AS lowest, count(*) AS n FROM customers GROUP BY 1 ORDER BY lowest`)
  ).map((r) => ({ bucket: text(r['bucket']), customers: num(r['n']) }));
  const mergeRefusals = (
    await rows('merge_refusals', 'SELECT key_kind, reason, count(*) AS n, coalesce(sum(record_count), 0) AS records FROM merge_refusals GROUP BY ALL ORDER BY key_kind, reason')
  ).map((r) => ({ keyKind: text(r['key_kind']), reason: text(r['reason']), keys: num(r['n']), records: num(r['records']) }));
  const orphans = (await rows('consent_orphans', 'SELECT source, reason, count(*) AS n FROM consent_orphans GROUP BY ALL ORDER BY source, reason')).map((r) => ({
    source: text(r['source']),
    reason: text(r['reason']),
    facts: num(r['n']),
  }));

  const consentRows = await rows(
    'effective_consent',
    `SELECT purpose, basis, count(*) FILTER (WHERE granted) AS granted, count(*) FILTER (WHERE NOT granted) AS denied
     FROM effective_consent GROUP BY ALL ORDER BY purpose, basis`,
  );
  // Purposes in config order (the summary's), then any others alphabetically.
  const declared = Object.keys(summary?.unify?.effectiveGranted ?? {});
  const purposes = [...new Set([...declared, ...consentRows.map((r) => text(r['purpose']))])];
  const consent = purposes.map((purpose) => {
    const byBasis = consentRows
      .filter((r) => text(r['purpose']) === purpose)
      .map((r) => ({ basis: text(r['basis']), granted: num(r['granted']), denied: num(r['denied']) }));
    return {
      purpose,
      customers: byBasis.reduce((sum, b) => sum + b.granted + b.denied, 0),
      granted: byBasis.reduce((sum, b) => sum + b.granted, 0),
      byBasis,
    };
  });

  const segments = (await rows('segment_stats', 'SELECT segment, members, added, removed FROM segment_stats ORDER BY rowid')).map((r) => ({
    segment: text(r['segment']),
    members: num(r['members']),
    added: num(r['added']),
    removed: num(r['removed']),
  }));

  // Exports come from the run summary (rows written and the guard's hold-backs); the table is the fallback.
  let exports: ExportFigures[];
  if (summary && summary.exports.length > 0) {
    exports = summary.exports.map((e) => ({ ...e, segmentMembers: e.segmentMembers ?? null }));
  } else {
    exports = (await rows('export_stats', 'SELECT * FROM export_stats ORDER BY rowid')).map((r) => ({
      export: text(r['export']),
      segment: text(r['segment']),
      purpose: text(r['purpose']),
      rowsWritten: num(r['rows_written']),
      segmentMembers: null,
      heldBack: num(r['held_back']),
      added: num(r['added']),
      removed: num(r['removed']),
    }));
  }

  const history = summaries.map(historyPoint);
  return {
    runId,
    previousRunId: summary?.previousRunId ?? null,
    publishedAt: summary?.publishedAt ?? null,
    startedAt: summary?.startedAt ?? null,
    trigger: summary?.trigger ?? null,
    generatedAt: now.toISOString(),
    sources,
    rejects,
    customers: {
      customers: num(totals?.['customers']),
      profileRecords: num(records?.['n']),
      mergedCustomers: num(totals?.['merged']),
      largestCluster: num(totals?.['largest']),
      recordCounts,
    },
    mergeRefusals,
    orphans,
    consent,
    segments,
    exports,
    history,
  };
}
