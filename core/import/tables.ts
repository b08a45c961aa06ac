/**
 * Names of the per-source tables of the import stage (`src_<n>_<part>`, n = index in config.sources) and
 * of the combined tables (docs/tables.md). All names are generated here, never taken from input.
 */
import { quoteIdentifier } from '../sql/identifiers.js';

/**
 * Tables (or views) one import leaves behind for combineImports. A consent source's `consent` is a view
 * over its `facts` (every row, checked) without its `losers` (rows another row of their consent id, key and purpose beats).
 */
export const SOURCE_OUTPUT_PARTS = ['profiles', 'consent', 'rejects', 'stats'] as const;
/** Tables behind a consent source's `consent` view, kept with it. */
export const SOURCE_STORED_PARTS = ['facts', 'losers'] as const;
/** Working tables of one import, dropped when it finishes. */
export const SOURCE_WORK_PARTS = ['read', 'rows', 'reader_rejects', 'checked'] as const;

export type SourceWorkPart = (typeof SOURCE_WORK_PARTS)[number];
export type SourceTablePart = (typeof SOURCE_OUTPUT_PARTS)[number] | (typeof SOURCE_STORED_PARTS)[number] | SourceWorkPart;

export function sourceTableName(index: number, part: SourceTablePart): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`invalid source index ${index}`);
  return `src_${index}_${part}`;
}

/** The quoted identifier of a per-source table. */
export function sourceTable(index: number, part: SourceTablePart): string {
  return quoteIdentifier(sourceTableName(index, part));
}

/**
 * `CREATE OR REPLACE TEMP TABLE <name>` for a working table. Working tables live on the import's own
 * connection, in memory (spilling to the temp directory under the memory limit): writing them into the
 * run file — compressed, checkpointed, then dropped — cost more than the checks computed into them.
 */
export function createWorkTableSql(index: number, part: SourceWorkPart): string {
  return `CREATE OR REPLACE TEMP TABLE ${sourceTable(index, part)}`;
}

/** Temporary tables DuckDB's CSV reader writes its errors to (connection-local; unique per source). */
export function csvRejectTables(index: number): { errors: string; scans: string; blanks: string; padded: string } {
  const read = sourceTableName(index, 'read');
  return { errors: `${read}_errors`, scans: `${read}_scans`, blanks: `${read}_blanks`, padded: `${read}_padded` };
}

export const COMBINED_TABLES = {
  profiles: 'profile_records',
  consent: 'consent_records',
  rejects: 'rejects',
  stats: 'source_stats',
} as const;
