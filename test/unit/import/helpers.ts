/**
 * Test helpers for the import stage: a temp folder for source files, configs built with parseConfig,
 * a real in-memory DuckDB, and readers for the tables docs/tables.md defines.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../../core/config/load.js';
import { openInstance, queryRows } from '../../../core/db/connection.js';
import { combineImports, importSource, type ImportResult } from '../../../core/import/index.js';

export const PURPOSES = {
  Newsletter: { regime: 'opt-in' },
  'Product updates': { regime: 'opt-in' },
  'Sale of data': { regime: 'opt-out' },
} as const;

export interface Workspace {
  readonly dir: string;
  /** Writes a file (string as UTF-8, or raw bytes) and returns its absolute path. */
  write(name: string, content: string | Buffer): string;
  config(sources: unknown[], extra?: Record<string, unknown>): LoadedConfig;
  cleanup(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'consent-import-'));
  return {
    dir,
    write(name, content) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    config(sources, extra = {}) {
      return parseConfig({ purposes: PURPOSES, sources, ...extra }, path.join(dir, 'consent.config.yaml'));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Db {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function memoryDb(): Promise<Db> {
  const instance = await openInstance(':memory:');
  const connection = await instance.connect();
  return {
    instance,
    connection,
    rows: (sql) => queryRows(connection, { sql }),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Imports every source, then combines. */
export async function importAll(db: Db, config: LoadedConfig): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (let index = 0; index < config.sources.length; index++) results.push(await importSource(db.connection, config, index));
  await combineImports(db.connection, config);
  return results;
}

export type RejectRow = [source: string, rowNo: number | null, column: string | null, reason: string];

/** rejects as [source, row_no, column_name, reason] tuples, in table order. */
export async function rejectTuples(db: Db): Promise<RejectRow[]> {
  const rows = await db.rows<{ source: string; row_no: string | null; column_name: string | null; reason: string }>(
    'SELECT source, row_no, column_name, reason FROM rejects ORDER BY source, row_no, column_name, reason',
  );
  return rows.map((row) => [row.source, row.row_no === null ? null : Number(row.row_no), row.column_name, row.reason]);
}

export async function profileRecords(db: Db, columns = 'source, source_rank, record_id, row_no, email, phone, email_match, phone_match'): Promise<Record<string, unknown>[]> {
  return db.rows(`SELECT ${columns} FROM profile_records ORDER BY source_rank, row_no`);
}

export async function consentRecords(db: Db): Promise<Record<string, unknown>[]> {
  return db.rows(
    `SELECT source, source_rank, consent_id, row_no, key_kind, key_value, purpose, granted, CAST(consent_date AS VARCHAR) AS consent_date
     FROM consent_records ORDER BY source_rank, row_no, purpose`,
  );
}

export const crmSource = (file: string, extra: Record<string, unknown> = {}) => ({
  name: 'crm',
  type: 'profiles',
  format: 'csv',
  path: file,
  primaryKey: 'contact_id',
  keys: { email: 'email', phone: 'phone' },
  attributes: { first_name: 'first_name', country: 'country' },
  ...extra,
});

export const consentSource = (file: string, extra: Record<string, unknown> = {}) => ({
  name: 'consent',
  type: 'consent',
  format: 'csv',
  path: file,
  primaryKey: 'consent_id',
  keys: { email: 'email' },
  option: 'consent_option',
  value: 'consent_value',
  date: 'consent_date',
  ...extra,
});

/**
 * For every test of the calling file: a fresh workspace folder and in-memory database, handed to `use`
 * before the test and closed (folder removed) after it.
 */
export function freshWorkspaceAndDbForEachTest(use: (ws: Workspace, db: Db) => void): void {
  let opened: { ws: Workspace; db: Db } | undefined;
  beforeEach(async () => {
    opened = { ws: workspace(), db: await memoryDb() };
    use(opened.ws, opened.db);
  });
  afterEach(() => {
    opened?.db.close();
    opened?.ws.cleanup();
  });
}
