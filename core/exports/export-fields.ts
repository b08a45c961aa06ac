/**
 * The fields an export writes, resolved against the allow-list of customer fields and purposes (the
 * same list the config schema checks: RESERVED_FIELDS and the unified attributes).
 * `consent:<purpose>` writes that purpose's effective consent ('granted' / 'denied'); `record_count` the
 * number of source records merged into the customer; `source_records` their 'source:record_id' list (a
 * list in Parquet and JSON lines, `crm:1;shop:9` in CSV).
 */
import { unifiedAttributeNames } from '../config/attributes.js';
import type { LoadedConfig } from '../config/load.js';
import { findPurpose, RESERVED_FIELDS } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { quoteIdentifier } from '../sql/identifiers.js';

export interface ExportField {
  /** Column name written to the file (the configured spelling). */
  readonly name: string;
  /** SQL expression over the exported ids `m` LEFT JOIN customers `c`; `$` parameters named in params. */
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
}

export function resolveExportFields(config: LoadedConfig, exportIndex: number): ExportField[] {
  const exportConfig = config.exports[exportIndex]!;
  const attributes = new Map(unifiedAttributeNames(config).map((name) => [name.toLowerCase(), name]));
  for (const name of RESERVED_FIELDS) attributes.set(name, name);
  return exportConfig.fields.map((field, fieldIndex) => {
    const lower = field.trim().toLowerCase();
    if (lower.startsWith('consent:')) {
      const purpose = findPurpose(config, field.trim().slice('consent:'.length));
      if (!purpose) throw new ConfigError(`exports[${exportIndex}].fields[${fieldIndex}]`, `"${field}" names an undeclared purpose`);
      const param = `f${fieldIndex}`;
      return {
        name: field,
        sql: `(SELECT CASE WHEN ec.granted THEN 'granted' ELSE 'denied' END FROM effective_consent ec WHERE ec.customer_id = m.customer_id AND ec.purpose = $${param})`,
        params: { [param]: purpose },
      };
    }
    const column = attributes.get(lower);
    if (!column) throw new ConfigError(`exports[${exportIndex}].fields[${fieldIndex}]`, `unknown field "${field}"`);
    if (column === 'customer_id') return { name: field, sql: 'm.customer_id', params: {} };
    if (column === 'source_records' && exportConfig.format === 'csv') return { name: field, sql: `array_to_string(c.source_records, ';')`, params: {} };
    return { name: field, sql: `c.${quoteIdentifier(column)}`, params: {} };
  });
}
