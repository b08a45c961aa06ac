/**
 * The import stage (design §2, docs/tables.md): `importSource` once per source (in parallel, each on its
 * own connection), then `combineImports`. Temporal-free; activities wrap these.
 */
export { importSource, type ImportOptions, type ImportResult } from './import-source.js';
export { combineImports, unifiedAttributes } from './combine.js';
export { readSource, MAX_REJECT_VALUE, type SourceRows } from './read-source.js';
export { validateProfiles } from './validate-profiles.js';
export { validateConsent } from './validate-consent.js';
export { checkSourceFile, mappedColumns } from './source-file.js';
export { matchColumn, type ColumnMatch } from './resolve-columns.js';
export { sourceTableName, COMBINED_TABLES } from './tables.js';
