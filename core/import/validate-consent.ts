/**
 * Validation of a consent source's rows (`src_<n>_rows`) into `src_<n>_facts` (every row with its checked
 * values), `src_<n>_losers`, the view `src_<n>_consent` (usable facts that are not losers) and `src_<n>_rejects`.
 *
 * Checks, each reported as its own reject row: consent id blank → `missing primary key`; key blank after
 * normalisation → `missing key`; option not a declared purpose (case-insensitive, trimmed) → `undeclared
 * purpose`; value outside the vocabulary → `invalid consent value`; date neither ISO-8601 nor in
 * `dateFormat` → `invalid date` (blank date = undated). Among usable rows sharing a consent id, key and
 * purpose (snapshot semantics: one id = one current fact about that person and purpose) the one that would
 * win effective consent is kept — latest date, undated oldest, denied on ties, then the later row — and the
 * others are `duplicate primary key`. Rows that reuse an id for another purpose or another person are
 * separate facts: dropping one would silently lose a withdrawal the id's other row says nothing about.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { findPurpose, purposeMatchKey, type ConsentSourceConfig } from '../config/schema.js';
import { decisionTimeSql, futureGrantLimit, futureGrantSql } from '../consent/decision-time.js';
import { consentValueFromWordSql } from '../consent/vocabulary.js';
import { execute } from '../db/connection.js';
import { normaliseEmailSql, normalisePhoneSql, scientificNotationSql, trimSql } from '../sql/normalise.js';
import { consentDateSql, dateOnlySql, isoPartsSql } from './dates.js';
import { rejectSelectSql } from './reject-rows.js';
import { bindPhoneNumbering, ParamBag } from './sql-params.js';
import { quoteLiteral } from '../sql/identifiers.js';
import { createWorkTableSql, sourceTable } from './tables.js';
import { timestampParam } from '../unify/timestamp-param.js';

/**
 * Over `src_<n>_facts`: a row that cannot be used although it withdraws consent for a known person and a
 * declared purpose (only its consent id or its date is unusable). Rejected rows are never used (design §2),
 * so the run reports these: until the source is fixed, an older grant of that person still decides.
 */
export const REJECTED_WITHDRAWAL = 'NOT usable AND granted = FALSE AND key_value IS NOT NULL AND purpose IS NOT NULL';

/** Appended to the detail of a reject that is a withdrawal (the `checked` row's values; no input values). */
const WITHDRAWAL_NOTE = `'; this row withdraws consent: until it is fixed, an older grant of this person still decides'`;

function withWithdrawalNote(detail: string): string {
  return `(${detail} || CASE WHEN granted = FALSE AND key_value IS NOT NULL AND purpose IS NOT NULL THEN ${WITHDRAWAL_NOTE} ELSE '' END)`;
}

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
  const facts = sourceTable(index, 'facts');
  const losers = sourceTable(index, 'losers');
  const keyKind: 'email' | 'phone' = source.keys.email !== undefined ? 'email' : 'phone';
  const keyColumn = (source.keys.email ?? source.keys.phone)!;

  // 1. Every check as a column of `facts`, a table of the run file with one narrow row per file row:
  //    the checked values and `usable`, not the raw text (rejects read that back from `rows`, for the
  //    few rows they list). The source's consent records are a view over it (step 3): the rows are
  //    written once, and at tens of millions of rows no wide working copy spills to disk.
  const checkParams = new ParamBag();
  let purposeSql: string;
  let purposeJoin = '';
  let optionKey = '';
  if (source.option !== undefined) {
    // Declared purposes with their match key (NFC, trimmed, lower-cased: purposeMatchKey) computed here, so
    // the join is a plain hash join on one computed column.
    const declared = Object.keys(config.purposes).map((name) => `(${checkParams.text(name)}, ${checkParams.text(purposeMatchKey(name))})`);
    optionKey = `, lower(nfc_normalize(${trimSql(column(source.option))})) AS option_key`;
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
      `CREATE OR REPLACE TABLE ${facts} AS
       SELECT row_no, consent_id, key_value, purpose, granted, consent_date, date_only,
              consent_id IS NOT NULL AND key_value IS NOT NULL AND purpose IS NOT NULL AND granted IS NOT NULL
                AND NOT (date_text IS NOT NULL AND consent_date IS NULL) AS usable
       FROM (
         SELECT c.*, ${parsedDate} AS consent_date, ${dateOnly} AS date_only
         FROM (
           SELECT b.row_no, b.consent_id, b.key_value, b.date_text, ${purposeSql} AS purpose, ${consentValueFromWordSql('b.value_word')} AS granted, ${dateIso} AS date_iso
           FROM (
             SELECT r.row_no, ${blankToNull(column(source.primaryKey))} AS consent_id, ${keyValue} AS key_value,
                    lower(${trimSql(column(source.value))}) AS value_word, ${dateText} AS date_text${optionKey}
             FROM ${rows} AS r
           ) AS b ${purposeJoin}
         ) AS c
       )`,
    ),
  );

  // 2. One fact per consent id, key and purpose: the row that would win effective consent. Only those that
  //    occur more than once are ranked (a window over every row costs a full sort); the rest are their own winners.
  //    `losers` holds the rows that lose to another row of their id: (row_no, kept_row_no). A future-dated
  //    grant (which unify will not apply) never wins over another row of its id: a real withdrawal stays.
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE ${losers} AS
          WITH repeated AS (SELECT consent_id, key_value, purpose FROM ${facts} WHERE usable GROUP BY ALL HAVING count(*) > 1)
          SELECT row_no, kept_row_no FROM (
            SELECT row_no, row_number() OVER w AS position, first_value(row_no) OVER w AS kept_row_no
            FROM (SELECT f.row_no, f.consent_id, f.key_value, f.purpose, f.consent_date, f.date_only, f.granted
                  FROM ${facts} f SEMI JOIN repeated USING (consent_id, key_value, purpose) WHERE f.usable)
            WINDOW w AS (PARTITION BY consent_id, key_value, purpose
                         ORDER BY ${futureGrantSql('consent_date', 'granted', 'CAST($future_after AS TIMESTAMP)')} ASC,
                                  ${decisionTimeSql('consent_date', 'granted', 'date_only')} DESC NULLS LAST, granted ASC, row_no DESC)
          ) WHERE position > 1`,
    params: { future_after: timestampParam(futureGrantLimit(runStartedAt)) },
  });

  // 3. The source's consent records: the usable rows that no other row of their id beats. Names are
  //    literals (a view holds no parameters); the source name is the config's, quoted.
  await execute(connection, {
    sql: `CREATE OR REPLACE VIEW ${sourceTable(index, 'consent')} AS
          SELECT CAST(${quoteLiteral(source.name)} AS VARCHAR) AS source, CAST(${index} AS INTEGER) AS source_rank,
                 f.consent_id, f.row_no, CAST(${quoteLiteral(keyKind)} AS VARCHAR) AS key_kind, f.key_value, f.purpose, f.granted, f.consent_date, f.date_only
          FROM ${facts} f ANTI JOIN ${losers} l ON l.row_no = f.row_no
          WHERE f.usable`,
  });

  // The rows rejects are about, with their raw text back from the file's rows.
  await execute(connection, {
    sql: `${createWorkTableSql(index, 'checked')} AS
          SELECT r.*, p.consent_id, p.key_value, p.purpose, p.granted, p.consent_date, p.kept_row_no
          FROM ${rows} r
          JOIN (SELECT f.row_no, f.consent_id, f.key_value, f.purpose, f.granted, f.consent_date, l.kept_row_no
                FROM ${facts} f LEFT JOIN ${losers} l ON l.row_no = f.row_no
                WHERE NOT f.usable OR l.row_no IS NOT NULL) p ON p.row_no = r.row_no`,
  });

  // 4. Rejects: the reader's, then one row per problem.
  const params = new ParamBag();
  const sourceName = params.text(source.name);
  const reject = (reason: string, columnName: string, detail: string, where: string, from = checked) =>
    rejectSelectSql({ source: sourceName, column: params.text(columnName), reason, detail, value: column(columnName), from, where }, params);
  const selects = [
    `SELECT * FROM ${sourceTable(index, 'reader_rejects')}`,
    reject('missing primary key', source.primaryKey, withWithdrawalNote(`'the consent id is blank'`), 'consent_id IS NULL'),
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
      'kept_row_no IS NOT NULL',
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
        withWithdrawalNote(source.dateFormat === undefined ? `'not an ISO-8601 date or timestamp'` : `'neither an ISO-8601 date nor in the configured dateFormat'`),
        `${blankToNull(column(source.date))} IS NOT NULL AND consent_date IS NULL`,
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
