/**
 * Importing one source (design §2): file checks → DuckDB reader → validation → `src_<n>_*` tables.
 * Everything is CREATE OR REPLACE, so re-running an import for the same run gives the same tables.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import { SourceError } from '../errors.js';
import { previousHasTable } from '../segments/previous-run.js';
import { execute, queryRows } from '../db/connection.js';
import { readSource } from './read-source.js';
import { checkSourceFile } from './source-file.js';
import { ParamBag } from './sql-params.js';
import { SOURCE_OUTPUT_PARTS, SOURCE_STORED_PARTS, SOURCE_WORK_PARTS, sourceTable, sourceTableName, type SourceTablePart } from './tables.js';
import { REJECTED_WITHDRAWAL, validateConsent } from './validate-consent.js';
import { validateProfiles } from './validate-profiles.js';

export interface ImportResult {
  source: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  consentFacts: number;
  /**
   * Rejected rows that withdraw consent for a known person and declared purpose (a bad date, a blank consent
   * id): rejected rows are never used (design §2), so until the source is fixed an older grant of that
   * person still decides. Counted so the summary can say so; always 0 for profile sources.
   */
  rejectedWithdrawals: number;
  topRejectReasons: { reason: string; count: number }[];
}

export interface ImportOptions {
  /** Heartbeat hook: called with the number of rows read so far (at least once, after reading). */
  onProgress?: (rowsRead: number) => void;
  /** The run's clock (default: now): a future-dated grant never wins over another row of its consent id. */
  runStartedAt?: Date;
  /**
   * A refresh (not `consent validate`): a source whose every row was rejected fails, unless allowEmpty —
   * also on a first run, where the empty-snapshot guard has no previous run to compare with.
   */
  refuseAllRejected?: boolean;
}

/**
 * The empty-snapshot guard: zero usable rows where the previous published run had some is far more
 * likely a truncated or broken export than real data, and publishing it would silently reset everyone's
 * consent to the purpose defaults (opt-out: granted). Fails the source unless it says allowEmpty.
 */
async function refuseSuddenlyEmpty(connection: DuckDBConnection, source: SourceConfig, rowsAccepted: number): Promise<void> {
  if (rowsAccepted > 0 || source.allowEmpty) return;
  if (!(await previousHasTable(connection, 'source_stats'))) return;
  const [row] = await queryRows<{ n: string }>(connection, {
    sql: 'SELECT coalesce(sum(rows_accepted), 0) AS n FROM prev.source_stats WHERE source = $source',
    params: { source: source.name },
  });
  const before = Number(row?.n ?? 0);
  if (before > 0) {
    throw new SourceError(
      source.name,
      source.path,
      `no usable rows, but the previous published run had ${before}; refusing to publish what looks like a truncated snapshot (set allowEmpty: true on the source if it may be empty)`,
    );
  }
}

/**
 * Every row of a source rejected (a wrong delimiter, a trailing delimiter on every row, another export
 * layout) is a file that was not read as meant, not a snapshot without records: publishing it would reset
 * everyone's consent to the purpose defaults (opt-out: granted), on a first run too.
 */
function refuseAllRejected(source: SourceConfig, rowsRead: number, rowsAccepted: number, topReason: string | undefined): void {
  if (rowsRead === 0 || rowsAccepted > 0 || source.allowEmpty) return;
  throw new SourceError(
    source.name,
    source.path,
    `all ${rowsRead} rows were rejected${topReason ? ` (mostly: ${topReason})` : ''}; refusing to publish a source none of whose rows could be read as meant — see consent validate (set allowEmpty: true on the source if that is what it holds)`,
  );
}

/** How many reject reasons the result lists. */
const TOP_REASONS = 5;

export async function importSource(
  connection: DuckDBConnection,
  config: LoadedConfig,
  sourceIndex: number,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const source = config.sources[sourceIndex];
  if (source === undefined) throw new Error(`no source at index ${sourceIndex} (the config has ${config.sources.length})`);

  // A failed import must not leave an earlier attempt's tables behind for combineImports.
  await dropTables(connection, sourceIndex, [...SOURCE_OUTPUT_PARTS, ...SOURCE_STORED_PARTS, ...SOURCE_WORK_PARTS]);
  await checkSourceFile(source, sourceIndex);
  try {
    const { rowsRead, columns } = await readSource(connection, source, sourceIndex);
    options.onProgress?.(rowsRead);
    if (source.type === 'profiles') await validateProfiles(connection, config, source, sourceIndex, columns);
    else await validateConsent(connection, config, source, sourceIndex, columns, options.runStartedAt ?? new Date());

    // rows_rejected counts rows not accepted as the source's records; for a profile source, a rejected
    // consent value does not reject the profile row (it shows up in `rejects` only).
    const accepted = sourceTable(sourceIndex, source.type === 'profiles' ? 'profiles' : 'consent');
    const params = new ParamBag();
    await execute(
      connection,
      params.statement(
        `CREATE OR REPLACE TABLE ${sourceTable(sourceIndex, 'stats')} AS
         SELECT ${params.text(source.name)} AS source, ${params.text(source.type)} AS source_type, ${params.text(source.format)} AS format,
                rows_read, rows_accepted, rows_read - rows_accepted AS rows_rejected, consent_facts, rejected_withdrawals
         FROM (SELECT CAST(${params.bind(rowsRead)} AS BIGINT) AS rows_read,
                      (SELECT count(*) FROM ${accepted}) AS rows_accepted,
                      (SELECT count(*) FROM ${sourceTable(sourceIndex, 'consent')}) AS consent_facts,
                      ${source.type === 'consent' ? `(SELECT count(*) FROM ${sourceTable(sourceIndex, 'facts')} WHERE ${REJECTED_WITHDRAWAL})` : 'CAST(0 AS BIGINT)'} AS rejected_withdrawals)`,
      ),
    );
    const [stats] = await queryRows<{ rows_read: string; rows_accepted: string; rows_rejected: string; consent_facts: string; rejected_withdrawals: string }>(connection, {
      sql: `SELECT rows_read, rows_accepted, rows_rejected, consent_facts, rejected_withdrawals FROM ${sourceTable(sourceIndex, 'stats')}`,
    });
    const reasons = await queryRows<{ reason: string; count: string }>(connection, {
      sql: `SELECT reason, count(*) AS count FROM ${sourceTable(sourceIndex, 'rejects')} GROUP BY reason ORDER BY count(*) DESC, reason LIMIT ${TOP_REASONS}`,
    });
    options.onProgress?.(rowsRead);
    await refuseSuddenlyEmpty(connection, source, Number(stats?.rows_accepted ?? 0));
    if (options.refuseAllRejected) refuseAllRejected(source, Number(stats?.rows_read ?? 0), Number(stats?.rows_accepted ?? 0), reasons[0]?.reason);
    return {
      source: source.name,
      rowsRead: Number(stats?.rows_read ?? 0),
      rowsAccepted: Number(stats?.rows_accepted ?? 0),
      rowsRejected: Number(stats?.rows_rejected ?? 0),
      consentFacts: Number(stats?.consent_facts ?? 0),
      rejectedWithdrawals: Number(stats?.rejected_withdrawals ?? 0),
      topRejectReasons: reasons.map((row) => ({ reason: row.reason, count: Number(row.count) })),
    };
  } finally {
    await dropTables(connection, sourceIndex, SOURCE_WORK_PARTS);
  }
}

/** Drops the source's tables (a working part may be a view: `rows` over what the CSV reader read). */
async function dropTables(connection: DuckDBConnection, index: number, parts: readonly SourceTablePart[]): Promise<void> {
  const views = new Set(
    (await queryRows<{ view_name: string }>(connection, { sql: 'SELECT view_name FROM duckdb_views() WHERE NOT internal' })).map((row) => row.view_name),
  );
  for (const part of parts) {
    const kind = views.has(sourceTableName(index, part)) ? 'VIEW' : 'TABLE';
    await execute(connection, { sql: `DROP ${kind} IF EXISTS ${sourceTable(index, part)}` });
  }
}
