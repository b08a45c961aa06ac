/**
 * Shared SQL pieces of the validation steps: the `rejects` row shape and the empty typed tables.
 * `rejects.detail` is always our own text (no row values); `rejects.value` is the raw value, truncated.
 */
import { MAX_REJECT_VALUE } from './read-source.js';
import type { ParamBag } from './sql-params.js';

export interface RejectSelect {
  /** SQL for the source name (a bound parameter). */
  readonly source: string;
  /** SQL for the offending column's name (a bound parameter) or NULL. */
  readonly column: string;
  readonly reason: string;
  /** SQL expression for the detail text (our own words; may use row numbers). */
  readonly detail: string;
  /** SQL expression of the raw offending value. */
  readonly value: string;
  readonly from: string;
  readonly where: string;
}

export function rejectSelectSql(reject: RejectSelect, params: ParamBag): string {
  return (
    `SELECT ${reject.source} AS source, row_no, ${reject.column} AS column_name, ${params.text(reject.reason)} AS reason, ` +
    `CAST(${reject.detail} AS VARCHAR) AS detail, left(CAST(${reject.value} AS VARCHAR), ${MAX_REJECT_VALUE}) AS value ` +
    `FROM ${reject.from} WHERE ${reject.where}`
  );
}

export const CONSENT_RECORD_COLUMNS = [
  'source VARCHAR',
  'source_rank INTEGER',
  'consent_id VARCHAR',
  'row_no BIGINT',
  'key_kind VARCHAR',
  'key_value VARCHAR',
  'purpose VARCHAR',
  'granted BOOLEAN',
  'consent_date TIMESTAMP',
  'date_only BOOLEAN',
].join(', ');
