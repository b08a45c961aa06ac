/**
 * Dormant exports: exports an earlier run delivered that the current config no longer has (left out,
 * renamed, or switched off for a while). Their last delivered membership is carried from run to run, so
 * that an export put back into the config computes its deltas against what downstream last received, not
 * against the previous run (which did not have it, and would make everyone "added" and hide everyone
 * who withdrew in between from the removed file and the audit).
 *
 * Written at publish, after `export_stats` (the current exports), with the previous run ATTACHed as `prev`:
 * - `dormant_export_members` — `export, customer_id, last_run_id`: the previous run's members of exports
 *   not in the current config, plus the previous run's dormant members of exports still not in it.
 * - `dormant_export_customers` — the `customers` rows (as last known) of dormant members whose customer id
 *   no longer exists in this run, so a removed row can still identify whom downstream must suppress
 *   (write-export.ts). Usually empty.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { previousHasTable } from '../segments/previous-run.js';
import { DORMANT_EXPORT_CUSTOMERS as DORMANT_CUSTOMERS, DORMANT_EXPORT_MEMBERS as DORMANT_MEMBERS } from './export-tables.js';

export async function carryDormantExports(connection: DuckDBConnection, previousRunId: string | null): Promise<void> {
  const sources: string[] = [];
  if (previousRunId !== null && (await previousHasTable(connection, 'export_members'))) {
    sources.push('SELECT export, customer_id, CAST($previous AS VARCHAR) AS last_run_id FROM prev.export_members');
    if (await previousHasTable(connection, DORMANT_MEMBERS)) sources.push(`SELECT export, customer_id, last_run_id FROM prev.${DORMANT_MEMBERS}`);
  }
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE ${DORMANT_MEMBERS} AS
      ${
        sources.length === 0
          ? 'SELECT NULL::VARCHAR AS export, NULL::VARCHAR AS customer_id, NULL::VARCHAR AS last_run_id WHERE FALSE'
          : `SELECT * FROM (${sources.join(' UNION ALL ')}) d WHERE d.export NOT IN (SELECT export FROM export_stats) ORDER BY export, customer_id`
      }`,
    params: sources.length === 0 ? {} : { previous: previousRunId },
  });
  const dormant = await queryNumber(connection, { sql: `SELECT count(*) FROM ${DORMANT_MEMBERS}` });
  if (dormant === 0 || !(await previousHasTable(connection, 'customers'))) {
    await execute(connection, { sql: `CREATE OR REPLACE TABLE ${DORMANT_CUSTOMERS} AS SELECT * FROM customers WHERE FALSE` });
    return;
  }
  const known = (await previousHasTable(connection, DORMANT_CUSTOMERS))
    ? `SELECT * FROM prev.customers UNION ALL BY NAME
       SELECT d.* FROM prev.${DORMANT_CUSTOMERS} d WHERE NOT EXISTS (SELECT 1 FROM prev.customers p WHERE p.customer_id = d.customer_id)`
    : 'SELECT * FROM prev.customers';
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE ${DORMANT_CUSTOMERS} AS
      SELECT k.* FROM (${known}) k
      WHERE k.customer_id IN (SELECT customer_id FROM ${DORMANT_MEMBERS})
        AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = k.customer_id)
      ORDER BY k.customer_id`,
  });
}
