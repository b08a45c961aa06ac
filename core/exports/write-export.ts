/**
 * One export of one run (design §6):
 *   1. members = segment membership ∩ export guard (effective consent for the export's purpose is granted;
 *      `purpose: none` skips the guard), minus customers whose written email or phone another customer
 *      without that consent also holds (`shared_customer_keys`); held back = segment members kept out;
 *   2. delta against the previous published run's export membership (added / removed);
 *   3. files into the run's own folder, each written to a temp name, fsynced, renamed; the manifest last.
 * The latest files in the export folder are only replaced at publish (see publish-export.ts), so a failed
 * run never changes what downstream tools read. Re-running for the same run gives identical files.
 */
import { copyFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { findPurpose } from '../config/schema.js';
import { dropTableOrView, execute, queryNumber, queryRows, replaceWithView } from '../db/connection.js';
import { ConfigError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import { previousHasTable, writeMembershipChanges } from '../segments/previous-run.js';
import { segmentMembersTable } from '../segments/segment-tables.js';
import { quoteIdentifier, quoteLiteral } from '../sql/identifiers.js';
import { fsyncFile, writeFileAtomic } from '../warehouse/atomic-file.js';
import { exportPaths, prepareExportFolders, type ExportFileKind, type ExportFormat } from './export-paths.js';
import { resolveExportFields, type ExportField } from './export-fields.js';
import { DORMANT_EXPORT_CUSTOMERS, exportChangesTable, exportContactChangedTable, exportMembersTable, exportRowsTable } from './export-tables.js';
import { sha256File } from './file-checksum.js';
import { neutraliseFormulaSql } from './spreadsheet-safe.js';
import { parseIsoDuration } from '../unify/iso-duration.js';

export interface ExportFileEntry {
  readonly kind: ExportFileKind;
  /** Path relative to the export folder. */
  readonly path: string;
  /** In the latest manifest: the run folder's own copy of the file (immutable). */
  readonly runPath?: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface ExportManifest {
  readonly runId: string;
  readonly export: string;
  readonly segment: string;
  readonly purpose: string;
  readonly format: ExportFormat;
  readonly fields: readonly string[];
  readonly createdAt: string;
  readonly rowCount: number;
  readonly heldBack: number;
  readonly added: number;
  readonly removed: number;
  /** Members still in the export whose written email or phone changed: a removed row (as delivered) and an added row each. */
  readonly contactChanged: number;
  readonly files: readonly ExportFileEntry[];
}

export interface ExportResult {
  readonly export: string;
  readonly segment: string;
  readonly purpose: string;
  readonly rowsWritten: number;
  readonly segmentMembers: number;
  readonly heldBack: number;
  readonly added: number;
  readonly removed: number;
  readonly runManifest: string;
  /** Customers removed since the previous run because they withdrew (or their grant expired). */
  readonly withdrawals: number;
  /** Hours from the withdrawal's date to this export run: the worst case and the median. */
  readonly withdrawalLatencyMaxHours: number | null;
  readonly withdrawalLatencyMedianHours: number | null;
}

/** Withdrawal latency: for removed customers whose effective consent is now denied by a record (or expired). */
async function withdrawalLatency(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number, purpose: string | null, runStartedAt: Date) {
  if (purpose === null) return { withdrawals: 0, withdrawalLatencyMaxHours: null, withdrawalLatencyMedianHours: null };
  // An expired grant withdrew on the day it expired (design §4), not on the day it was given.
  const expiresAfter = config.purposes[purpose]?.expiresAfter;
  const expiry = expiresAfter === undefined ? { months: 0, days: 0 } : parseIsoDuration(expiresAfter);
  const [row] = await queryRows<{ n: string; max_h: number | null; median_h: number | null }>(connection, {
    sql: `WITH latency AS (
            -- A withdrawal dated after the run (clock skew, a typo) was honoured before it was due: 0 hours.
            SELECT greatest(epoch(CAST($runStartedAt AS TIMESTAMP)) - epoch(
                     CASE WHEN ec.basis = 'expired'
                          THEN date_trunc('day', ec.consent_date + to_months(CAST($expiry_months AS INTEGER)) + to_days(CAST($expiry_days AS INTEGER)))
                          ELSE ec.consent_date END), 0) / 3600.0 AS hours
            FROM ${exportChangesTable(exportIndex)} ch
            JOIN effective_consent ec ON ec.customer_id = ch.customer_id AND ec.purpose = $purpose
            WHERE ch.change = 'removed' AND ec.granted = FALSE AND ec.basis IN ('record', 'expired'))
          SELECT count(*) AS n, round(max(hours), 2) AS max_h, round(median(hours), 2) AS median_h FROM latency`,
    params: { runStartedAt: runStartedAt.toISOString(), purpose, expiry_months: expiry.months, expiry_days: expiry.days },
  });
  return {
    withdrawals: Number(row?.n ?? 0),
    withdrawalLatencyMaxHours: row?.max_h === null || row?.max_h === undefined ? null : Number(row.max_h),
    withdrawalLatencyMedianHours: row?.median_h === null || row?.median_h === undefined ? null : Number(row.median_h),
  };
}

/** The guard's purpose: the declared spelling, or null for an explicit `none`. */
export function guardPurpose(config: LoadedConfig, exportIndex: number): string | null {
  const exportConfig = config.exports[exportIndex]!;
  if (exportConfig.purpose.trim().toLowerCase() === 'none') return null;
  const purpose = findPurpose(config, exportConfig.purpose);
  if (!purpose) throw new ConfigError(`exports[${exportIndex}].purpose`, `purpose "${exportConfig.purpose}" is not declared`);
  return purpose;
}

/** The contact keys (`email`, `phone`) an export writes as fields. */
function writtenContactKinds(config: LoadedConfig, exportIndex: number): ('email' | 'phone')[] {
  const fields = new Set(resolveExportFields(config, exportIndex).map((field) => field.sql));
  return (['email', 'phone'] as const).filter((kind) => fields.has(`c.${quoteIdentifier(kind)}`));
}

async function buildMembership(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number, segmentIndex: number): Promise<void> {
  const exportConfig = config.exports[exportIndex]!;
  const purpose = guardPurpose(config, exportIndex);
  const members = exportMembersTable(exportIndex);
  const segmentTable = segmentMembersTable(segmentIndex);
  if (purpose === null) {
    await execute(connection, { sql: `CREATE OR REPLACE TABLE ${members} AS SELECT customer_id FROM ${segmentTable} ORDER BY customer_id` });
  } else {
    const written = writtenContactKinds(config, exportIndex);
    // A written email or phone that another customer without consent for the purpose also holds (the
    // over-merge guard or matchOn kept them apart) would deliver that person's address: held back too.
    const sharedContact = written.map(
      (kind) =>
        `SELECT c.customer_id FROM customers c
         SEMI JOIN (SELECT k.key_value FROM shared_customer_keys k
                    JOIN effective_consent e ON e.customer_id = k.customer_id AND e.purpose = $purpose AND e.granted IS NOT TRUE
                    WHERE k.key_kind = '${kind}') w ON w.key_value = c.${kind}`,
    );
    await execute(connection, {
      sql: `CREATE OR REPLACE TABLE ${members} AS
        SELECT s.customer_id FROM ${segmentTable} s
        JOIN effective_consent ec ON ec.customer_id = s.customer_id AND ec.purpose = $purpose AND ec.granted IS TRUE
        ${sharedContact.length === 0 ? '' : `WHERE s.customer_id NOT IN (${sharedContact.join(' UNION ALL ')})`}
        ORDER BY s.customer_id`,
      params: { purpose },
    });
  }
  await writeMembershipChanges(connection, { members, changes: exportChangesTable(exportIndex) }, { table: 'export_members', name: exportConfig.name });
}

/**
 * The customer rows removed-file rows are written from: the fields as the previous run delivered them
 * (`prev.customers`), so downstream can match what it received and suppress it — a customer whose email
 * changed along with the withdrawal is removed under the email it was sent, not the new one. A customer
 * id that no longer exists (merged into another customer, or its records deleted) is written as the id
 * alone when the export writes `customer_id` (an erased person's email is not written again); without
 * `customer_id` an id-only row would be blank and identify nobody, so it keeps the delivered fields.
 * A dormant export put back (dormant-exports.ts) may remove an id that was gone before the previous run:
 * its last-known fields are in the previous run's dormant customers. Ids the previous run cannot describe
 * keep their current fields. The first branch gives the relation the current columns (BY NAME).
 */
async function removedRowsCustomers(connection: DuckDBConnection, ids: string, fields: readonly ExportField[]): Promise<string> {
  if (!(await previousHasTable(connection, 'customers'))) return 'customers';
  const identifiedById = fields.some((field) => field.sql === 'm.customer_id');
  const removed = (alias: string) => `${alias}.customer_id IN (SELECT customer_id FROM ${ids})`;
  const exists = (table: string, alias: string) => `EXISTS (SELECT 1 FROM ${table} e WHERE e.customer_id = ${alias}.customer_id)`;
  const stillExists = (alias: string) => (identifiedById ? ` AND ${exists('customers', alias)}` : '');
  const parts = ['SELECT * FROM customers WHERE FALSE', `SELECT p.* FROM prev.customers p WHERE ${removed('p')}${stillExists('p')}`];
  const dormant = await previousHasTable(connection, DORMANT_EXPORT_CUSTOMERS);
  if (dormant) {
    parts.push(`SELECT d.* FROM prev.${DORMANT_EXPORT_CUSTOMERS} d WHERE ${removed('d')} AND NOT ${exists('prev.customers', 'd')}${stillExists('d')}`);
  }
  parts.push(
    `SELECT x.* FROM customers x WHERE ${removed('x')} AND NOT ${exists('prev.customers', 'x')}${dormant ? ` AND NOT ${exists(`prev.${DORMANT_EXPORT_CUSTOMERS}`, 'x')}` : ''}`,
  );
  return `(${parts.join('\n          UNION ALL BY NAME\n          ')})`;
}

/**
 * Members that stay in the export while the email or phone it writes changed since the previous run
 * delivered them (a new address, a merge or split that changed the chosen one). Downstream holds the old
 * address: the delta files carry the old row as removed and the new one as added (apply removed first),
 * or the old address would stay in every tool that follows the deltas — and keep receiving after a later
 * withdrawal, which is removed under the new address. Empty without a previous run or a written contact.
 */
async function buildContactChanged(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number): Promise<number> {
  const table = exportContactChangedTable(exportIndex);
  const written = writtenContactKinds(config, exportIndex);
  const comparable = written.length > 0 && (await previousHasTable(connection, 'export_members')) && (await previousHasTable(connection, 'customers'));
  const changed = written.map((kind) => `p.${kind} IS DISTINCT FROM c.${kind}`).join(' OR ');
  await execute(connection, {
    sql: comparable
      ? `CREATE OR REPLACE TABLE ${table} AS
         SELECT m.customer_id FROM ${exportMembersTable(exportIndex)} m
         SEMI JOIN (SELECT customer_id FROM prev.export_members WHERE export = $name) d ON d.customer_id = m.customer_id
         JOIN prev.customers p ON p.customer_id = m.customer_id
         JOIN customers c ON c.customer_id = m.customer_id
         WHERE ${changed}
         ORDER BY m.customer_id`
      : `CREATE OR REPLACE TABLE ${table} (customer_id VARCHAR)`,
    params: comparable ? { name: config.exports[exportIndex]!.name } : {},
  });
  return queryNumber(connection, { sql: `SELECT count(*) FROM ${table}` });
}

async function buildRows(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number, kind: ExportFileKind): Promise<void> {
  const fields = resolveExportFields(config, exportIndex);
  const params = Object.assign({}, ...fields.map((field) => field.params)) as Record<string, string>;
  // Raw values here; CSV files neutralise formulas when written (HTTP batches carry the raw values).
  // Rows are ordered by the written fields first, so the same audience gives the same bytes whatever
  // customer ids it got in a given run.
  const columns = fields.map((field, index) => `${field.sql} AS "f${index}"`).join(', ');
  const ids =
    kind === 'full'
      ? exportMembersTable(exportIndex)
      : `(SELECT customer_id FROM ${exportChangesTable(exportIndex)} WHERE change = '${kind === 'added' ? 'added' : 'removed'}'
          UNION ALL SELECT customer_id FROM ${exportContactChangedTable(exportIndex)})`;
  const customers = kind === 'removed' ? await removedRowsCustomers(connection, ids, fields) : 'customers';
  await dropTableOrView(connection, exportRowsTable(exportIndex, kind));
  await execute(connection, {
    sql: `CREATE TABLE ${exportRowsTable(exportIndex, kind)} AS
      SELECT ${columns} FROM ${ids} m LEFT JOIN ${customers} c ON c.customer_id = m.customer_id
      ORDER BY ${fields.map((_, index) => `"f${index}"`).join(', ')}, m.customer_id`,
    params,
  });
}

/** COPY options per format; the column names are the configured field names. */
function copyOptions(format: ExportFormat): string {
  switch (format) {
    case 'csv':
      return `(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"')`;
    case 'parquet':
      return `(FORMAT parquet, COMPRESSION zstd)`;
    case 'jsonl':
      return `(FORMAT json)`;
  }
}

async function writeRowsFile(connection: DuckDBConnection, config: LoadedConfig, exportIndex: number, kind: ExportFileKind, target: string): Promise<number> {
  const exportConfig = config.exports[exportIndex]!;
  const table = exportRowsTable(exportIndex, kind);
  // Field names are allow-listed config values; quoted as identifiers for the file header.
  const select = exportConfig.fields
    .map((name, index) => `${exportConfig.format === 'csv' ? neutraliseFormulaSql(`"f${index}"`) : `"f${index}"`} AS ${quoteIdentifier(name)}`)
    .join(', ');
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp`);
  rmSync(temp, { force: true });
  await execute(connection, { sql: `COPY (SELECT ${select} FROM ${table}) TO ${quoteLiteral(temp)} ${copyOptions(exportConfig.format)}` });
  fsyncFile(temp);
  renameSync(temp, target);
  return queryNumber(connection, { sql: `SELECT count(*) FROM ${table}` });
}

/**
 * The added rows of an export whose added customers are all its members: the full rows and file again.
 * The rows are a view over the full table (writing a second copy into the run file costs as much as
 * building it); it shows the table's `rowid` as a column, so readers paging in row order (http-push.ts)
 * read it as they read a table.
 */
async function reuseFullRows(connection: DuckDBConnection, exportIndex: number, fullFile: string, target: string): Promise<void> {
  const added = exportRowsTable(exportIndex, 'added');
  await replaceWithView(connection, added, `SELECT *, rowid AS rowid FROM ${exportRowsTable(exportIndex, 'full')}`);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp`);
  copyFileSync(fullFile, temp);
  fsyncFile(temp);
  renameSync(temp, target);
}

export async function runExport(
  connection: DuckDBConnection,
  config: LoadedConfig,
  exportIndex: number,
  run: { runId: string; runStartedAt: Date },
): Promise<ExportResult> {
  const exportConfig = config.exports[exportIndex]!;
  const segmentIndex = config.segments.findIndex((segment) => segment.name === exportConfig.segment);
  if (segmentIndex < 0) throw new ConfigError(`exports[${exportIndex}].segment`, `segment "${exportConfig.segment}" is not declared`);
  const paths = exportPaths(exportConfig.path, exportConfig.name, run.runId, exportConfig.format);
  prepareExportFolders(paths, exportConfig.name);

  await buildMembership(connection, config, exportIndex, segmentIndex);
  const contactChanged = await buildContactChanged(connection, config, exportIndex);
  const kinds: ExportFileKind[] = exportConfig.delta ? ['full', 'added', 'removed'] : ['full'];
  const added = await queryNumber(connection, { sql: `SELECT count(*) FROM ${exportChangesTable(exportIndex)} WHERE change = 'added'` });
  const removed = await queryNumber(connection, { sql: `SELECT count(*) FROM ${exportChangesTable(exportIndex)} WHERE change = 'removed'` });
  const files: ExportFileEntry[] = [];
  for (const kind of kinds) {
    const target = paths.runData(kind);
    const full = files[0];
    if (kind === 'added' && full !== undefined && added === full.rows) {
      // Everyone is new (a first run): the added rows are the full rows, in the same order, so the file
      // is the same bytes; copied instead of joined, sorted and encoded a second time.
      await reuseFullRows(connection, exportIndex, paths.runData('full'), target);
      files.push({ ...full, kind, path: path.relative(paths.folder, target).split(path.sep).join('/') });
      continue;
    }
    await buildRows(connection, config, exportIndex, kind);
    const rows = await writeRowsFile(connection, config, exportIndex, kind, target);
    files.push({ kind, path: path.relative(paths.folder, target).split(path.sep).join('/'), rows, bytes: statSync(target).size, sha256: await sha256File(target) });
  }
  const segmentMembers = await queryNumber(connection, { sql: `SELECT count(*) FROM ${segmentMembersTable(segmentIndex)}` });
  const rowsWritten = files[0]!.rows;
  const purpose = guardPurpose(config, exportIndex) ?? 'none';
  const manifest: ExportManifest = {
    runId: run.runId,
    export: exportConfig.name,
    segment: exportConfig.segment,
    purpose,
    format: exportConfig.format,
    fields: exportConfig.fields,
    createdAt: run.runStartedAt.toISOString(),
    rowCount: rowsWritten,
    heldBack: segmentMembers - rowsWritten,
    added,
    removed,
    contactChanged,
    files,
  };
  await faultPoint('export.before-manifest');
  writeFileAtomic(paths.runManifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    export: exportConfig.name,
    segment: exportConfig.segment,
    purpose,
    rowsWritten,
    segmentMembers,
    heldBack: manifest.heldBack,
    added,
    removed,
    runManifest: paths.runManifest,
    ...(await withdrawalLatency(connection, config, exportIndex, guardPurpose(config, exportIndex), run.runStartedAt)),
  };
}
