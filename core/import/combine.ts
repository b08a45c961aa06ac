/**
 * Finishing the import stage: (re)creates profile_records, consent_records, rejects and source_stats
 * (docs/tables.md) from every source's `src_<n>_*` tables, in one transaction. The two record tables are
 * views over the sources' own tables (the rows are in the run file once; a copy of millions of rows costs
 * seconds). profile_records carries `rid`, the record's integer id for unify: source index · 2^40 + its
 * row in the source's table.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, queryRows } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { COMBINED_TABLES, SOURCE_OUTPUT_PARTS, sourceTable, sourceTableName } from './tables.js';

/** Unified attribute names across profile sources, in config order (first spelling wins; names are case-insensitive in SQL). */
export function unifiedAttributes(config: Pick<LoadedConfig, 'sources'>): string[] {
  const byLower = new Map<string, string>();
  for (const source of config.sources) {
    if (source.type !== 'profiles') continue;
    for (const attribute of Object.keys(source.attributes)) {
      if (!byLower.has(attribute.toLowerCase())) byLower.set(attribute.toLowerCase(), attribute);
    }
  }
  return [...byLower.values()];
}

/** Rows per source in the rid numbering (2^40: far above any source's row count). */
const RID_SOURCE_STRIDE = 1_099_511_627_776;

export async function combineImports(connection: DuckDBConnection, config: LoadedConfig): Promise<void> {
  const existing = new Set(
    (await queryRows<{ table_name: string }>(connection, { sql: `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'` })).map(
      (row) => row.table_name,
    ),
  );
  // A consent source's records are a view (validate-consent.ts).
  const existingViews = new Set(
    (
      await queryRows<{ view_name: string }>(connection, {
        sql: `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`,
      })
    ).map((row) => row.view_name),
  );
  config.sources.forEach((source, index) => {
    for (const part of SOURCE_OUTPUT_PARTS) {
      if (part === 'profiles' && source.type !== 'profiles') continue;
      if (!existing.has(sourceTableName(index, part)) && !existingViews.has(sourceTableName(index, part))) {
        throw new Error(`source "${source.name}" has not been imported: table ${sourceTableName(index, part)} is missing`);
      }
    }
  });

  const attributes = unifiedAttributes(config);
  const profileSelects = config.sources.flatMap((source, index) => {
    if (source.type !== 'profiles') return [];
    const own = new Map(Object.keys(source.attributes).map((name) => [name.toLowerCase(), name]));
    const attributeColumns = attributes.map((attribute) => {
      const mine = own.get(attribute.toLowerCase());
      return `, ${mine === undefined ? 'CAST(NULL AS VARCHAR)' : quoteIdentifier(mine)} AS ${quoteIdentifier(attribute)}`;
    });
    return [
      `SELECT CAST(${index} AS BIGINT) * ${RID_SOURCE_STRIDE} + rowid AS rid, source, source_rank, record_id, row_no, email, phone, email_match, phone_match${attributeColumns.join('')}, extra_emails, extra_phones FROM ${sourceTable(index, 'profiles')}`,
    ];
  });
  const all = (part: 'consent' | 'rejects' | 'stats') =>
    config.sources.map((_, index) => `SELECT ${index} AS source_order, * FROM ${sourceTable(index, part)}`).join('\nUNION ALL\n');

  // A run file written by an earlier release may hold the record tables as tables (a retried stage after
  // an upgrade): a view cannot replace a table.
  const leftoverTables = [COMBINED_TABLES.profiles, COMBINED_TABLES.consent].filter((name) => existing.has(name));
  const statements = [
    ...leftoverTables.map((name) => `DROP TABLE ${quoteIdentifier(name)}`),
    // Views: the rows are already in the run file once, as src_<n>_profiles / src_<n>_consent; a table
    // would write millions of rows a second time. Views bind inside their own database, so they also
    // read correctly when the run is ATTACHed under another name.
    `CREATE OR REPLACE VIEW ${quoteIdentifier(COMBINED_TABLES.profiles)} AS
     ${profileSelects.join('\nUNION ALL\n')}`,
    `CREATE OR REPLACE VIEW ${quoteIdentifier(COMBINED_TABLES.consent)} AS
     ${config.sources.map((_, index) => `SELECT * FROM ${sourceTable(index, 'consent')}`).join('\nUNION ALL\n')}`,
    `CREATE OR REPLACE TABLE ${quoteIdentifier(COMBINED_TABLES.rejects)} AS
     SELECT * EXCLUDE (source_order) FROM (${all('rejects')}) ORDER BY source_order, row_no, column_name, reason`,
    `CREATE OR REPLACE TABLE ${quoteIdentifier(COMBINED_TABLES.stats)} AS
     SELECT * EXCLUDE (source_order) FROM (${all('stats')}) ORDER BY source_order`,
  ];
  await execute(connection, { sql: 'BEGIN TRANSACTION' });
  try {
    for (const sql of statements) await execute(connection, { sql });
    await execute(connection, { sql: 'COMMIT' });
  } catch (error) {
    await execute(connection, { sql: 'ROLLBACK' }).catch(() => undefined);
    throw error;
  }
}
