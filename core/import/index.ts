/**
 * The import stage (design §2, docs/tables.md): `importSource` once per source (in parallel, each on its
 * own connection), then `combineImports`. Temporal-free; activities wrap these.
 *
 * Decisions (where the design is silent):
 * - CSV is read with auto_detect = false and explicit VARCHAR columns named by position; the header is
 *   parsed from the file's first record so DuckDB's sniffer never guesses (it gives up on small files
 *   with several bad rows). Defaults: delimiter ',', quote '"', escape = quote. Every column is read, so
 *   a row with invalid UTF-8 in any column is rejected, mapped or not.
 * - Rows the reader cannot parse are `malformed row` rejects (column_name NULL). CSV row numbers come
 *   from DuckDB's rejects (`line`), accepted rows fill the remaining numbers in file order. A quoted
 *   multi-line value is one row. (DuckDB counts blank lines in `line` but skips them as rows, so after
 *   a blank line in the middle of a file with malformed rows, numbers can be off by the blank lines.)
 * - JSON lines are read with read_ndjson_objects (one row per non-blank line, malformed lines kept as
 *   NULL so they become rejects with their line number); keys are discovered over all lines, not a sample.
 * - rejects.column_name is the column name as written in the config.
 * - Profile sources: a consent value or date problem rejects the fact, not the profile row;
 *   rows_rejected counts rows not accepted as profiles. Every problem of every row is reported.
 * - Consent sources: duplicates are decided among otherwise usable rows only.
 * - Dates: ISO-8601 first (no offset = UTC), then `dateFormat`; a zone in dateFormat is converted to UTC.
 */
export { importSource, type ImportOptions, type ImportResult } from './import-source.js';
export { combineImports, unifiedAttributes } from './combine.js';
export { readSource, MAX_REJECT_VALUE, type SourceRows } from './read-source.js';
export { validateProfiles } from './validate-profiles.js';
export { validateConsent } from './validate-consent.js';
export { checkSourceFile, mappedColumns } from './source-file.js';
export { matchColumn, type ColumnMatch } from './resolve-columns.js';
export { sourceTableName, COMBINED_TABLES } from './tables.js';
export { firstRejects, writeRejectsCsv, type RejectLine } from './reject-listing.js';
