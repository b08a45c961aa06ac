/**
 * Test helpers for the unify stage: a config, and the import stage's output tables (profile_records,
 * consent_records) created directly from JavaScript rows. Raw key values go through the same SQL
 * normalisation the import uses (normaliseEmailSql / normalisePhoneSql).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../../core/config/load.js';
import { execute, queryRows } from '../../../core/db/connection.js';
import { quoteIdentifier } from '../../../core/sql/identifiers.js';
import { normaliseEmailSql, normalisePhoneSql } from '../../../core/sql/normalise.js';
import { dateOnlySql, isoPartsSql } from '../../../core/import/dates.js';

export interface ProfileInput {
  source: string;
  rank: number;
  id: string;
  row?: number;
  email?: string | null;
  phone?: string | null;
  emailMatch?: boolean;
  phoneMatch?: boolean;
  attributes?: Record<string, string | null>;
}

export interface ConsentInput {
  source: string;
  rank: number;
  id: string;
  row?: number;
  kind: 'email' | 'phone' | 'record';
  key: string;
  purpose: string;
  granted: boolean;
  /** ISO date or timestamp (UTC); null/undefined = undated. */
  date?: string | null;
}

export function testConfig(raw: Record<string, unknown>): LoadedConfig {
  return parseConfig(raw, '/tmp/consent-refresh-tests/consent.config.yaml');
}

/** Creates profile_records with the given attribute columns. */
export async function createProfileRecords(connection: DuckDBConnection, attributes: readonly string[], rows: readonly ProfileInput[]): Promise<void> {
  const staging = ['source', 'source_rank', 'record_id', 'row_no', 'email', 'phone', 'email_match', 'phone_match'];
  const attributeColumns = attributes.map((name) => quoteIdentifier(name));
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _test_profiles (${[...staging.map((c) => `${c} VARCHAR`), ...attributeColumns.map((c) => `${c} VARCHAR`)].join(', ')})`,
  });
  const appender = await connection.createAppender('_test_profiles', 'main', 'temp');
  rows.forEach((row, index) => {
    const values: (string | null | undefined)[] = [
      row.source,
      String(row.rank),
      row.id,
      String(row.row ?? index + 1),
      row.email,
      row.phone,
      String(row.emailMatch ?? true),
      String(row.phoneMatch ?? true),
      ...attributes.map((name) => row.attributes?.[name]),
    ];
    for (const value of values) {
      if (value === null || value === undefined) appender.appendNull();
      else appender.appendVarchar(value);
    }
    appender.endRow();
  });
  appender.closeSync();
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE profile_records AS
          SELECT rowid AS rid, source, CAST(source_rank AS INTEGER) AS source_rank, record_id, CAST(row_no AS BIGINT) AS row_no,
                 ${normaliseEmailSql('email')} AS email, ${normalisePhoneSql('phone')} AS phone,
                 CAST(email_match AS BOOLEAN) AS email_match, CAST(phone_match AS BOOLEAN) AS phone_match
                 ${attributeColumns.map((c) => `, nullif(trim(${c}), '') AS ${c}`).join('')},
                 CAST(NULL AS VARCHAR[]) AS extra_emails, CAST(NULL AS VARCHAR[]) AS extra_phones
          FROM _test_profiles`,
  });
  await execute(connection, { sql: 'DROP TABLE temp.main._test_profiles' });
}

export async function createConsentRecords(connection: DuckDBConnection, rows: readonly ConsentInput[]): Promise<void> {
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _test_consents (source VARCHAR, source_rank VARCHAR, consent_id VARCHAR, row_no VARCHAR,
          key_kind VARCHAR, key_value VARCHAR, purpose VARCHAR, granted VARCHAR, consent_date VARCHAR)`,
  });
  const appender = await connection.createAppender('_test_consents', 'main', 'temp');
  rows.forEach((row, index) => {
    const values = [row.source, String(row.rank), row.id, String(row.row ?? index + 1), row.kind, row.key, row.purpose, String(row.granted), row.date];
    for (const value of values) {
      if (value === null || value === undefined) appender.appendNull();
      else appender.appendVarchar(value);
    }
    appender.endRow();
  });
  appender.closeSync();
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE consent_records AS
          SELECT source, CAST(source_rank AS INTEGER) AS source_rank, consent_id, CAST(row_no AS BIGINT) AS row_no, key_kind,
                 CASE key_kind WHEN 'email' THEN ${normaliseEmailSql('key_value')}
                               WHEN 'phone' THEN ${normalisePhoneSql('key_value')}
                               ELSE key_value END AS key_value,
                 purpose, CAST(granted AS BOOLEAN) AS granted, CAST(consent_date AS TIMESTAMP) AS consent_date,
                 coalesce(${dateOnlySql('consent_date', isoPartsSql('consent_date'))}, FALSE) AS date_only
          FROM _test_consents`,
  });
  await execute(connection, { sql: 'DROP TABLE temp.main._test_consents' });
}

/** All rows of a table as JSON-friendly objects, sorted by the given columns. */
export async function tableRows(connection: DuckDBConnection, table: string, orderBy: readonly string[]): Promise<Record<string, unknown>[]> {
  return queryRows(connection, {
    sql: `SELECT * FROM ${quoteIdentifier(table)} ORDER BY ${orderBy.map((c) => quoteIdentifier(c)).join(', ')}`,
  });
}

/** One in-memory DuckDB connection for all tests of the calling file, handed to `use`, closed after them. */
export function memoryConnectionForFile(use: (connection: DuckDBConnection) => void): void {
  let opened: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  beforeAll(async () => {
    const instance = await DuckDBInstance.create(':memory:');
    opened = { instance, connection: await instance.connect() };
    use(opened.connection);
  });
  afterAll(() => {
    opened?.connection.closeSync();
    opened?.instance.closeSync();
  });
}
