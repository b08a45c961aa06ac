/**
 * The delivery audit (issue 6): which customers each export run delivered, under which consent record,
 * appended at publish to `<warehouse>/audit/audit.duckdb`, which run retention never prunes. Answers
 * "was this person exported on day D, and under which consent record?" long after the run is gone.
 * Idempotent per run: a run's rows are replaced, never duplicated.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { execute, queryRows, writableFileOptions } from '../db/connection.js';
import { quoteLiteral } from '../sql/identifiers.js';
import type { WarehouseLayout } from '../warehouse/layout.js';
import { guardPurpose } from './write-export.js';

export function auditDatabase(layout: WarehouseLayout): string {
  return path.join(layout.root, 'audit', 'audit.duckdb');
}

const CREATE_TABLES = `
  CREATE TABLE IF NOT EXISTS deliveries (
    run_id VARCHAR NOT NULL, published_at TIMESTAMP NOT NULL, export VARCHAR NOT NULL, purpose VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL, change VARCHAR NOT NULL,
    consent_source VARCHAR, consent_id VARCHAR, consent_date TIMESTAMP, consent_basis VARCHAR);
  CREATE TABLE IF NOT EXISTS removals (
    run_id VARCHAR NOT NULL, published_at TIMESTAMP NOT NULL, export VARCHAR NOT NULL, purpose VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL, withdrawn BOOLEAN NOT NULL, consent_source VARCHAR, consent_id VARCHAR, consent_date TIMESTAMP);
  ALTER TABLE removals ADD COLUMN IF NOT EXISTS consent_basis VARCHAR;`;

/** Appends the run's deliveries; the run database must be closed (it is ATTACHed read-only). */
export async function appendAudit(layout: WarehouseLayout, config: LoadedConfig, runId: string, publishedAt: Date): Promise<number> {
  const file = auditDatabase(layout);
  mkdirSync(path.dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(file, writableFileOptions());
  const connection = await instance.connect();
  try {
    await connection.run(CREATE_TABLES);
    await connection.run(`ATTACH ${quoteLiteral(layout.runDatabase(runId))} AS audited_run (READ_ONLY)`);
    await connection.run('BEGIN TRANSACTION');
    await execute(connection, { sql: 'DELETE FROM deliveries WHERE run_id = $run', params: { run: runId } });
    await execute(connection, { sql: 'DELETE FROM removals WHERE run_id = $run', params: { run: runId } });
    for (const [index, exportConfig] of config.exports.entries()) {
      const purpose = guardPurpose(config, index);
      const params = { run: runId, at: publishedAt.toISOString(), export: exportConfig.name, purpose: purpose ?? 'none' };
      await execute(connection, {
        sql: `INSERT INTO deliveries
          SELECT $run, CAST($at AS TIMESTAMP), $export, $purpose, m.customer_id,
                 CASE WHEN ch.customer_id IS NULL THEN 'kept' ELSE 'added' END,
                 ec.source, ec.consent_id, ec.consent_date, ec.basis
          FROM audited_run.export_members m
          LEFT JOIN audited_run.exp_${index}_changes ch ON ch.customer_id = m.customer_id AND ch.change = 'added'
          LEFT JOIN audited_run.effective_consent ec ON ec.customer_id = m.customer_id AND ec.purpose = $purpose
          WHERE m.export = $export`,
        params,
      });
      await execute(connection, {
        sql: `INSERT INTO removals (run_id, published_at, export, purpose, customer_id, withdrawn, consent_source, consent_id, consent_date, consent_basis)
          SELECT $run, CAST($at AS TIMESTAMP), $export, $purpose, ch.customer_id,
                 coalesce(ec.granted = FALSE AND ec.basis IN ('record', 'expired'), FALSE), ec.source, ec.consent_id, ec.consent_date, ec.basis
          FROM audited_run.exp_${index}_changes ch
          LEFT JOIN audited_run.effective_consent ec ON ec.customer_id = ch.customer_id AND ec.purpose = $purpose
          WHERE ch.change = 'removed'`,
        params,
      });
    }
    await connection.run('COMMIT');
    const [row] = await queryRows<{ n: string }>(connection, { sql: 'SELECT count(*) AS n FROM deliveries WHERE run_id = $run', params: { run: runId } });
    return Number(row?.n ?? 0);
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await connection.run('DETACH DATABASE IF EXISTS audited_run').catch(() => undefined);
    connection.closeSync();
    instance.closeSync();
  }
}

export interface DeliveryRecord {
  customer_id: string;
  run_id: string;
  published_at: string;
  export: string;
  purpose: string;
  /** 'added' / 'kept' (delivered in that run), or 'removed' (no longer delivered from that run on). */
  change: string;
  /** For 'removed': whether the customer withdrew (or the grant expired) rather than left the segment. */
  withdrawn: boolean | null;
  consent_source: string | null;
  consent_id: string | null;
  consent_date: string | null;
  /** effective_consent.basis of the deciding record: 'record', 'default', 'expired' (a removal: the grant expired); NULL in older audits. */
  consent_basis: string | null;
}

/** The last deliveries of one customer and removals from exports (newest first), read-only. */
export async function lastDeliveries(layout: WarehouseLayout, customerId: string, limit = 10): Promise<DeliveryRecord[]> {
  const file = auditDatabase(layout);
  if (!existsSync(file)) return [];
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection: DuckDBConnection = await instance.connect();
  try {
    // An audit written before removals recorded the basis has no such column until it is next appended to.
    const [basis] = await queryRows<{ n: string }>(connection, {
      sql: "SELECT count(*) AS n FROM duckdb_columns() WHERE table_name = 'removals' AND column_name = 'consent_basis'",
    });
    const removalBasis = Number(basis?.n ?? 0) > 0 ? 'consent_basis' : 'NULL::VARCHAR';
    return await queryRows<DeliveryRecord>(connection, {
      sql: `SELECT customer_id, run_id, published_at, export, purpose, change, NULL::BOOLEAN AS withdrawn, consent_source, consent_id, consent_date, consent_basis
            FROM deliveries WHERE customer_id = $customer
            UNION ALL
            SELECT customer_id, run_id, published_at, export, purpose, 'removed', withdrawn, consent_source, consent_id, consent_date,
                   ${removalBasis}
            FROM removals WHERE customer_id = $customer
            ORDER BY published_at DESC, export LIMIT $limit`,
      params: { customer: customerId, limit },
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
