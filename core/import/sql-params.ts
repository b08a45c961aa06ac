/**
 * Collects bound parameters while a statement is assembled: every value gets a generated `$name`, so the
 * SQL text only ever holds placeholders, generated identifiers and our own constants.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import type { SqlStatement } from '../db/connection.js';
import { phoneNumberingOf, type PhoneNumbering } from '../sql/normalise.js';

export class ParamBag {
  private readonly values: Record<string, DuckDBValue> = {};
  private count = 0;

  /** Binds `value` and returns its placeholder (e.g. `$p3`). */
  bind(value: DuckDBValue): string {
    const name = `p${this.count++}`;
    this.values[name] = value;
    return `$${name}`;
  }

  /** A VARCHAR placeholder (typed, so it also works where DuckDB cannot infer a parameter's type). */
  text(value: string): string {
    return `CAST(${this.bind(value)} AS VARCHAR)`;
  }

  statement(sql: string): SqlStatement {
    return Object.freeze({ sql, params: Object.freeze({ ...this.values }) });
  }
}

/** The config's phone numbering with its values bound in `params` (for normalisePhoneSql), or undefined. */
export function bindPhoneNumbering(params: ParamBag, config: Pick<LoadedConfig, 'matching'>): PhoneNumbering | undefined {
  const numbering = phoneNumberingOf(config.matching);
  return numbering && { countryCode: params.text(numbering.countryCode), trunkPrefix: params.text(numbering.trunkPrefix) };
}
