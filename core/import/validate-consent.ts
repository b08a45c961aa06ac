/**
 * Validation of a consent source's rows (`src_<n>_rows`) into `src_<n>_consent` and `src_<n>_rejects`.
 *
 * Checks, each reported as its own reject row: consent id blank → `missing primary key`; key blank after
 * normalisation → `missing key`; option not a declared purpose (case-insensitive, trimmed) → `undeclared
 * purpose`; value outside the vocabulary → `invalid consent value`; date neither ISO-8601 nor in
 * `dateFormat` → `invalid date` (blank date = undated). Among usable rows sharing a consent id (snapshot
 * semantics: one id = one current fact) the one that would win effective consent is kept — latest date,
 * undated oldest, denied on ties, then the later row — and the others are `duplicate primary key`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { findPurpose, type ConsentSourceConfig } from '../config/schema.js';
import { decisionTimeSql, futureGrantLimit, futureGrantSql } from '../consent/decision-time.js';
import { consentValueFromWordSql } from '../consent/vocabulary.js';
import { execute } from '../db/connection.js';
import { normaliseEmailSql, normalisePhoneSql, scientificNotationSql, trimSql } from '../sql/normalise.js';
import { consentDateSql, dateOnlySql, isoPartsSql } from './dates.js';
import { rejectSelectSql } from './reject-rows.js';
import { bindPhoneNumbering, ParamBag } from './sql-params.js';
import { createWorkTableSql, sourceTable } from './tables.js';
import { timestampParam } from '../unify/timestamp-param.js';

export async function validateConsent(
  connection: DuckDBConnection,
  config: LoadedConfig,
  source: ConsentSourceConfig,
  index: number,
  columns: ReadonlyMap<string, string>,
  runStartedAt: Date,
): Promise<void> {
  const column = (name: string) => {
    const identifier = columns.get(name);
    if (identifier === undefined) throw new Error(`column "${name}" was not read`);
    return identifier;
  };
  const blankToNull = (expression: string) => `nullif(${trimSql(expression)}, '')`;
  const rows = sourceTable(index, 'rows');
  const checked = sourceTable(index, 'checked');
  const ranked = sourceTable(index, 'ranked');
  const keyKind: 'email' | 'phone' = source.keys.email !== undefined ? 'email' : 'phone';
  const keyColumn = (source.keys.email ?? source.keys.phone)!;

  // 1. Every check as a column; `usable` when all pass. Each trimmed value is computed once (inner
  //    select); no ORDER BY on the wide working tables (row_no is a column; rejects are sorted at the end).
  const checkParams = new ParamBag();
  let purposeSql: string;
  let purposeJoin = '';
  let optionKey = '';
  if (source.option !== undefined) {
    // Declared purposes with their match key (trimmed, lower-cased) computed here, so the join is a plain
    // hash join on one computed column.
    const declared = Object.keys(config.purposes).map((name) => `(${checkParams.text(name)}, ${checkParams.text(name.trim().toLowerCase())})`);
    optionKey = `, lower(${trimSql(column(source.option))}) AS option_key`;
    purposeJoin = `LEFT JOIN (VALUES ${declared.join(', ')}) AS declared(name, match_key) ON b.option_key = declared.match_key`;
    purposeSql = 'declared.name';
  } else {
    purposeSql = checkParams.text(findPurpose(config, source.purpose!) ?? source.purpose!);
  }
  const keyValue = keyKind === 'email' ? normaliseEmailSql(column(keyColumn)) : normalisePhoneSql(column(keyColumn), bindPhoneNumbering(checkParams, config));
  const dateText = source.date === undefined ? 'CAST(NULL AS VARCHAR)' : blankToNull(column(source.date));
  const dateIso = source.date === undefined ? 'NULL' : isoPartsSql('date_text');
  const parsedDate = source.date === undefined ? 'CAST(NULL AS TIMESTAMP)' : consentDateSql('date_text', 'date_iso', checkParams, source.dateFormat);
  const dateOnly = source.date === undefined ? 'FALSE' : `coalesce(${dateOnlySql('date_text', 'date_iso', source.dateFormat)}, FALSE)`;
  await execute(
    connection,
    checkParams.statement(
      // Intermediate columns (the ISO parts struct, the lower-cased words) are not kept: the table is as
      // wide as the file plus the checks, and at tens of millions of rows it spills to disk.
      `${createWorkTableSql(index, 'checked')} AS
       SELECT * EXCLUDE (date_iso, value_word${source.option !== undefined ? ', option_key' : ''}), consent_id IS NOT NULL AND key_value IS NOT NULL AND purpose IS NOT NULL AND granted IS NOT NULL
                 AND NOT (date_text IS NOT NULL AND consent_date IS NULL) AS usable
       FROM (
         SELECT c.*, ${parsedDate} AS consent_date, ${dateOnly} AS date_only
         FROM (
           SELECT b.*, ${purposeSql} AS purpose, ${consentValueFromWordSql('b.value_word')} AS granted, ${dateIso} AS date_iso
           FROM (
             SELECT r.*, ${blankToNull(column(source.primaryKey))} AS consent_id, ${keyValue} AS key_value,
                    lower(${trimSql(column(source.value))}) AS value_word, ${dateText} AS date_text${optionKey}
             FROM ${rows} AS r
           ) AS b ${purposeJoin}
         ) AS c
       )`,
    ),
  );

  // 2. One fact per consent id: the row that would win effective consent. Only ids that occur more than
  //    once are ranked (a window over every row costs a full sort); the rest are their own winners.
  //    `ranked` holds just those rows: (row_no, position, kept_row_no). A future-dated grant (which unify
  //    will not apply) never wins over another row of its id: a real withdrawal under the same id stays.
  await execute(connection, {
    sql: `${createWorkTableSql(index, 'ranked')} AS
          WITH repeated AS (SELECT consent_id FROM ${checked} WHERE usable GROUP BY consent_id HAVING count(*) > 1)
          SELECT row_no, row_number() OVER w AS position, first_value(row_no) OVER w AS kept_row_no
          FROM (SELECT c.row_no, c.consent_id, c.consent_date, c.date_only, c.granted FROM ${checked} c SEMI JOIN repeated USING (consent_id) WHERE c.usable)
          WINDOW w AS (PARTITION BY consent_id
                       ORDER BY ${futureGrantSql('consent_date', 'granted', 'CAST($future_after AS TIMESTAMP)')} ASC,
                                ${decisionTimeSql('consent_date', 'granted', 'date_only')} DESC NULLS LAST, granted ASC, row_no DESC)`,
    params: { future_after: timestampParam(futureGrantLimit(runStartedAt)) },
  });
  const losers = `(SELECT row_no FROM ${ranked} WHERE position > 1)`;
  const factParams = new ParamBag();
  await execute(
    connection,
    factParams.statement(
      `CREATE OR REPLACE TABLE ${sourceTable(index, 'consent')} AS
       SELECT ${factParams.text(source.name)} AS source, CAST(${factParams.bind(index)} AS INTEGER) AS source_rank,
              consent_id, row_no, ${factParams.text(keyKind)} AS key_kind, key_value, purpose, granted, consent_date, date_only
       FROM ${checked} WHERE usable AND row_no NOT IN ${losers}`,
    ),
  );

  // 3. Rejects: the reader's, then one row per problem.
  const params = new ParamBag();
  const sourceName = params.text(source.name);
  const reject = (reason: string, columnName: string, detail: string, where: string, from = checked) =>
    rejectSelectSql({ source: sourceName, column: params.text(columnName), reason, detail, value: column(columnName), from, where }, params);
  const selects = [
    `SELECT * FROM ${sourceTable(index, 'reader_rejects')}`,
    reject('missing primary key', source.primaryKey, `'the consent id is blank'`, 'consent_id IS NULL'),
    reject(
      'missing key',
      keyColumn,
      keyKind === 'email'
        ? `'the email is blank'`
        : `CASE WHEN ${scientificNotationSql(column(keyColumn))} THEN 'the phone is in scientific notation: its digits were lost (a spreadsheet?)' ELSE 'the phone has no digits' END`,
      'key_value IS NULL',
    ),
    reject(
      'invalid consent value',
      source.value,
      `CASE WHEN ${blankToNull(column(source.value))} IS NULL THEN 'the value is blank' ELSE 'not a recognised consent value' END`,
      'granted IS NULL',
    ),
    reject(
      'duplicate primary key',
      source.primaryKey,
      `'same consent id as row ' || kept_row_no || ', which is kept'`,
      'position > 1',
      `(SELECT c.*, d.position, d.kept_row_no FROM ${ranked} d JOIN ${checked} c ON c.row_no = d.row_no)`,
    ),
  ];
  if (source.option !== undefined) {
    selects.push(
      reject(
        'undeclared purpose',
        source.option,
        `CASE WHEN ${blankToNull(column(source.option))} IS NULL THEN 'the option is blank' ELSE 'not a purpose declared in the config' END`,
        'purpose IS NULL',
      ),
    );
  }
  if (source.date !== undefined) {
    selects.push(
      reject(
        'invalid date',
        source.date,
        source.dateFormat === undefined ? `'not an ISO-8601 date or timestamp'` : `'neither an ISO-8601 date nor in the configured dateFormat'`,
        'date_text IS NOT NULL AND consent_date IS NULL',
      ),
    );
  }
  await execute(
    connection,
    params.statement(
      `CREATE OR REPLACE TABLE ${sourceTable(index, 'rejects')} AS
       SELECT * FROM (${selects.join('\nUNION ALL\n')}) ORDER BY row_no, column_name, reason`,
    ),
  );
}
