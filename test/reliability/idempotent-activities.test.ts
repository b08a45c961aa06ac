/**
 * Idempotent activities (issue 8, item 4): every activity of createActivities runs twice for the same run
 * id — the second time as attempt 2 in a fresh MockActivityEnvironment, as Temporal does after a timeout
 * or a worker crash — and the second run leaves exactly the same tables (row counts and checksums), the
 * same export files (sha256) and the same published state, without duplicate rows. Two runs are
 * refreshed this way: the first, and one with a previous run (ids carried over, diffs, delta files).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type RefreshActivities } from '../../activities/index.js';
import { loadConfig, type LoadedConfig } from '../../core/config/load.js';
import { openInstance, queryRows, withConnection } from '../../core/db/connection.js';
import { auditDatabase } from '../../core/exports/audit-log.js';
import { quoteIdentifier, quoteLiteral } from '../../core/sql/identifiers.js';
import { openPublishedRun, RunDatabases, warehouseLayout, type WarehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace } from '../support/workspace.js';
import { generateMidSizeDataset, midSizeConfig } from './support/dataset.js';

const CLOCK = new Date('2024-06-01T12:00:00Z');

let dir: string;
let config: LoadedConfig;
let layout: WarehouseLayout;
let runDatabases: RunDatabases;
let activities: RefreshActivities;

/** The run database's persistent tables and views (consent_records is a view over the sources' facts). */
const RELATIONS_SQL = `SELECT table_name FROM duckdb_tables() WHERE database_name = $db AND schema_name = 'main' AND NOT temporary
                       UNION ALL
                       SELECT view_name FROM duckdb_views() WHERE database_name = $db AND schema_name = 'main' AND NOT temporary AND NOT internal`;

/** table or view → "rows:md5" over every row's text, in a total order (so insertion order does not matter). */
async function tableChecksums(connection: DuckDBConnection, database?: string): Promise<Record<string, string>> {
  const [{ db }] = (await queryRows<{ db: string }>(connection, { sql: 'SELECT current_database() AS db' })) as [{ db: string }];
  const catalog = database ?? db;
  const tables = await queryRows<{ table_name: string }>(connection, {
    sql: `${RELATIONS_SQL} ORDER BY table_name`,
    params: { db: catalog },
  });
  const sums: Record<string, string> = {};
  for (const { table_name } of tables) {
    const name = `${quoteIdentifier(catalog)}.main.${quoteIdentifier(table_name)}`;
    const [row] = await queryRows<{ n: string; sum: string | null }>(connection, {
      sql: `SELECT count(*) AS n, md5(coalesce(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)), '')) AS sum FROM ${name} AS t`,
    });
    sums[table_name] = `${row?.n}:${row?.sum}`;
  }
  return sums;
}

/** Key columns that must never repeat, per table (no duplicate rows after a retried activity). */
const KEYS: Record<string, string> = {
  profile_records: 'source, record_id',
  consent_records: 'source, consent_id, purpose',
  customers: 'customer_id',
  record_customer: 'source, record_id',
  effective_consent: 'customer_id, purpose',
  segment_members: 'segment, customer_id',
  segment_stats: 'segment',
  export_stats: 'export',
  source_stats: 'source',
};

async function duplicateKeys(connection: DuckDBConnection): Promise<Record<string, number>> {
  const [{ db }] = (await queryRows<{ db: string }>(connection, { sql: 'SELECT current_database() AS db' })) as [{ db: string }];
  const present = new Set((await queryRows<{ table_name: string }>(connection, { sql: RELATIONS_SQL, params: { db } })).map((row) => row.table_name));
  const found: Record<string, number> = {};
  for (const [table, key] of Object.entries(KEYS)) {
    if (!present.has(table)) continue;
    const [row] = await queryRows<{ n: string }>(connection, { sql: `SELECT count(*) AS n FROM (SELECT ${key} FROM ${quoteIdentifier(table)} GROUP BY ALL HAVING count(*) > 1)` });
    found[table] = Number(row?.n ?? 0);
  }
  return found;
}

/** sha256 of every file under the export folders (relative path → hash). */
function exportFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    if (!existsSync(folder)) return;
    for (const name of readdirSync(folder).sort()) {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else files[path.relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  };
  for (const exportConfig of config.exports) walk(exportConfig.path);
  return files;
}

/** Everything a run leaves behind while it is being built: its tables and the export files. */
async function runState(runId: string, previousRunId: string | null) {
  return runDatabases.run(runId, previousRunId).withConnection(async (connection) => ({
    tables: await tableChecksums(connection),
    duplicates: await duplicateKeys(connection),
    files: exportFiles(),
  }));
}

/** After publish: the run's tables (read-only), current.json, the summary, the audit, the export files. */
async function publishedState(runId: string) {
  const instance = await openPublishedRun(layout, runId);
  const tables = await withConnection(instance, async (connection) => ({ tables: await tableChecksums(connection), duplicates: await duplicateKeys(connection) }));
  instance.closeSync();
  const audit = await openInstance(':memory:');
  const auditSums = await withConnection(audit, async (connection) => {
    await connection.run(`ATTACH ${quoteLiteral(auditDatabase(layout))} AS audit (READ_ONLY)`);
    return tableChecksums(connection, 'audit');
  });
  audit.closeSync();
  return {
    ...tables,
    audit: auditSums,
    current: readFileSync(layout.currentFile, 'utf8'),
    summary: readFileSync(layout.runSummary(runId), 'utf8'),
    files: exportFiles(),
  };
}

/** Runs an activity as attempt 1 and then attempt 2 (fresh environments); returns both outputs and states. */
async function twice<I, O, S>(activity: (input: I) => Promise<O>, input: I, state: () => Promise<S>) {
  const first = (await new MockActivityEnvironment({ attempt: 1 }).run(activity, input)) as O;
  const firstState = await state();
  const second = (await new MockActivityEnvironment({ attempt: 2 }).run(activity, input)) as O;
  const secondState = await state();
  return { first, second, firstState, secondState };
}

async function refreshTwiceEach(runId: string): Promise<{ previousRunId: string | null; tables: Record<string, string> }> {
  const plan = await twice(activities.planRefresh, { runId }, async () => null);
  expect(plan.second).toEqual(plan.first);
  const { previousRunId } = plan.first;
  const runStartedAt = CLOCK.toISOString();
  const state = () => runState(runId, previousRunId);

  const sources = [];
  for (const source of plan.first.sources) {
    const imported = await twice(activities.importSource, { runId, previousRunId, sourceIndex: source.index }, state);
    expect(imported.second).toEqual(imported.first);
    expect(imported.secondState).toEqual(imported.firstState);
    sources.push(imported.first);
  }
  const unified = await twice(activities.unifyCustomers, { runId, previousRunId, runStartedAt }, state);
  expect(unified.second).toEqual(unified.first);
  expect(unified.secondState).toEqual(unified.firstState);
  expect(Object.values(unified.secondState.duplicates).every((n) => n === 0), JSON.stringify(unified.secondState.duplicates)).toBe(true);

  const segments = [];
  for (const segment of plan.first.segments) {
    const built = await twice(activities.buildSegment, { runId, previousRunId, segmentIndex: segment.index }, state);
    expect(built.second).toEqual(built.first);
    expect(built.secondState).toEqual(built.firstState);
    segments.push(built.first);
  }
  const exports = [];
  for (const exportPlan of plan.first.exports) {
    const written = await twice(activities.writeExport, { runId, previousRunId, exportIndex: exportPlan.index, runStartedAt }, state);
    expect(written.second).toEqual(written.first);
    expect(written.secondState).toEqual(written.firstState);
    expect(Object.keys(written.secondState.files).some((file) => file.includes(`runs/${runId}/`))).toBe(true);
    exports.push(written.first);
  }
  const beforePublish = await state();
  expect(Object.values(beforePublish.duplicates).every((n) => n === 0), JSON.stringify(beforePublish.duplicates)).toBe(true);

  const summary = { trigger: 'test', startedAt: runStartedAt, sources, unify: unified.first, segments, exports };
  const published = await twice(activities.publishRun, { runId, previousRunId, summary }, () => publishedState(runId));
  expect(published.second).toEqual(published.first);
  expect(published.secondState).toEqual(published.firstState);
  expect(Object.values(published.secondState.duplicates).every((n) => n === 0)).toBe(true);
  expect(JSON.parse(published.secondState.current).runId).toBe(runId);
  return { previousRunId, tables: published.secondState.tables };
}

beforeAll(async () => {
  dir = makeWorkspace('consent-idempotent-');
  await generateMidSizeDataset(dir, 3_000);
  config = loadConfig(midSizeConfig(dir, { address: '127.0.0.1:1', taskQueue: 'idempotent' }));
  layout = warehouseLayout(config.warehouse);
  runDatabases = new RunDatabases(layout, config.duckdb);
  activities = createActivities({ config, layout, runDatabases, hostTaskQueue: 'idempotent@test', searchAttributes: false, clock: () => CLOCK });
});

afterAll(async () => {
  await runDatabases?.closeAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('every activity run twice for the same run id', () => {
  it('gives the same tables, files and published state on attempt 2 (first run, then a run with a previous run)', async () => {
    const first = await refreshTwiceEach('run-1');
    expect(first.previousRunId).toBeNull();
    expect(Object.keys(first.tables)).toEqual(expect.arrayContaining(['profile_records', 'consent_records', 'rejects', 'customers', 'effective_consent', 'segment_members', 'export_stats']));
    // The counts are not trivially empty.
    expect(Number(first.tables['customers']!.split(':')[0])).toBeGreaterThan(1_000);
    expect(Number(first.tables['rejects']!.split(':')[0])).toBeGreaterThan(0);

    const second = await refreshTwiceEach('run-2');
    expect(second.previousRunId).toBe('run-1');
    // Same data, so the second run's customers (ids kept from run 1) and consent are the first run's.
    expect(second.tables['customers']).toBe(first.tables['customers']);
    expect(second.tables['effective_consent']).toBe(first.tables['effective_consent']);
  }, 180_000);
});
