/**
 * Validation of a profile source's rows (`src_<n>_rows`) into `src_<n>_profiles`, `src_<n>_consent`
 * (consent carried by the profile rows) and `src_<n>_rejects`, all in SQL.
 *
 * - primary key trimmed; blank → `missing primary key`; repeated → the first row in file order is kept,
 *   later ones are `duplicate primary key`. Their consent values still count (below), and their emails and
 *   phones are the record's extra keys (`extra_emails`, `extra_phones`: consent keyed by them reaches it).
 * - email / phone normalised (blank → NULL); a row without keys is still a profile.
 * - attributes trimmed, '' → NULL.
 * - consent columns: a non-blank value becomes a fact keyed by the record id; blank means "no record".
 *   Every row of a record id carries its facts, the duplicates' too: they are versions of one record's
 *   consent, and effective consent picks among them as among any records (latest wins, denied on a tie).
 *   Keeping only the first row's would drop a later withdrawal written below it;
 *   an unreadable value is `invalid consent value` and an unreadable date `invalid date` (the fact is not
 *   used, the profile row stays accepted). Every problem of every row is reported.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { findPurpose, type ProfileSourceConfig } from '../config/schema.js';
import { consentValueSql } from '../consent/vocabulary.js';
import { execute } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { normaliseEmailSql, normalisePhoneSql, trimSql } from '../sql/normalise.js';
import { consentDateSql, dateOnlySql, isoPartsSql } from './dates.js';
import { CONSENT_RECORD_COLUMNS, rejectSelectSql } from './reject-rows.js';
import { bindPhoneNumbering, ParamBag } from './sql-params.js';
import { createWorkTableSql, sourceTable } from './tables.js';

export async function validateProfiles(
  connection: DuckDBConnection,
  config: LoadedConfig,
  source: ProfileSourceConfig,
  index: number,
  columns: ReadonlyMap<string, string>,
): Promise<void> {
  const column = (name: string) => {
    const identifier = columns.get(name);
    if (identifier === undefined) throw new Error(`column "${name}" was not read`);
    return identifier;
  };
  const blankToNull = (expression: string) => `nullif(${trimSql(expression)}, '')`;
  const rows = sourceTable(index, 'rows');
  const checked = sourceTable(index, 'checked');
  const consentDate = source.consent?.date;

  // 1. Row checks shared by the outputs: trimmed id, first row of each id, consent date.
  const checkParams = new ParamBag();
  const dateText = consentDate === undefined ? 'CAST(NULL AS VARCHAR)' : blankToNull(column(consentDate));
  const dateIso = consentDate === undefined ? 'NULL' : isoPartsSql('date_text');
  const parsedDate = consentDate === undefined ? 'CAST(NULL AS TIMESTAMP)' : consentDateSql('date_text', 'date_iso', checkParams, source.dateFormat);
  const dateOnly = consentDate === undefined ? 'FALSE' : `coalesce(${dateOnlySql('date_text', 'date_iso', source.dateFormat)}, FALSE)`;
  await execute(
    connection,
    checkParams.statement(
      // first_row_no: the first row of each record id (the kept one). Only repeated ids are looked up:
      // a window over every row would sort the whole source.
      `${createWorkTableSql(index, 'checked')} AS
       WITH base AS (
         SELECT *, ${parsedDate} AS consent_date, ${dateOnly} AS date_only
         FROM (
           SELECT *, ${dateIso} AS date_iso
           FROM (SELECT *, ${blankToNull(column(source.primaryKey))} AS record_id, ${dateText} AS date_text FROM ${rows})
         )
       ),
       repeated AS (SELECT record_id, min(row_no) AS first_row_no FROM base WHERE record_id IS NOT NULL GROUP BY record_id HAVING count(*) > 1)
       SELECT base.* EXCLUDE (date_iso), CASE WHEN base.record_id IS NOT NULL THEN coalesce(repeated.first_row_no, base.row_no) END AS first_row_no,
              repeated.record_id IS NOT NULL AS repeated_id
       FROM base LEFT JOIN repeated ON base.record_id = repeated.record_id`,
    ),
  );
  const accepted = `record_id IS NOT NULL AND row_no = first_row_no`;
  const dateUsable = `NOT (date_text IS NOT NULL AND consent_date IS NULL)`;

  // 2. Accepted profiles.
  const profileParams = new ParamBag();
  const matchOn = source.matchOn ?? (['email', 'phone'] as const).filter((key) => source.keys[key] !== undefined);
  const key = (kind: 'email' | 'phone') => {
    const mapped = source.keys[kind];
    if (mapped === undefined) return `CAST(NULL AS VARCHAR)`;
    return kind === 'email' ? normaliseEmailSql(column(mapped)) : normalisePhoneSql(column(mapped), bindPhoneNumbering(profileParams, config));
  };
  const attributes = Object.entries(source.attributes).map(
    ([attribute, mapped]) => `${blankToNull(column(mapped))} AS ${quoteIdentifier(attribute)}`,
  );
  // The keys of a record id's later (duplicate) rows that its first row does not have: `extra_emails` /
  // `extra_phones` (NULL for almost every record). They do not match records together (the first row is
  // the record), but consent keyed by them reaches the record: a withdrawal sent to the address written on
  // a later row must not become an orphan.
  await execute(
    connection,
    profileParams.statement(
      `CREATE OR REPLACE TABLE ${sourceTable(index, 'profiles')} AS
       WITH duplicated AS (
         SELECT record_id AS dup_record_id, row_no AS dup_row_no, first_row_no AS dup_first_row_no,
                ${key('email')} AS dup_email, ${key('phone')} AS dup_phone
         FROM ${checked} WHERE repeated_id
       ),
       extra AS (
         SELECT d.dup_record_id AS extra_record_id,
                list_sort(list(DISTINCT d.dup_email) FILTER (WHERE d.dup_email IS NOT NULL AND d.dup_email IS DISTINCT FROM f.dup_email)) AS extra_emails,
                list_sort(list(DISTINCT d.dup_phone) FILTER (WHERE d.dup_phone IS NOT NULL AND d.dup_phone IS DISTINCT FROM f.dup_phone)) AS extra_phones
         FROM duplicated d JOIN duplicated f ON f.dup_record_id = d.dup_record_id AND f.dup_row_no = f.dup_first_row_no
         WHERE d.dup_row_no <> d.dup_first_row_no
         GROUP BY d.dup_record_id
       )
       SELECT ${profileParams.text(source.name)} AS source, CAST(${profileParams.bind(index)} AS INTEGER) AS source_rank,
              record_id, row_no, ${key('email')} AS email, ${key('phone')} AS phone,
              CAST(${profileParams.bind(matchOn.includes('email') && source.keys.email !== undefined)} AS BOOLEAN) AS email_match,
              CAST(${profileParams.bind(matchOn.includes('phone') && source.keys.phone !== undefined)} AS BOOLEAN) AS phone_match
              ${attributes.map((attribute) => `, ${attribute}`).join('')},
              nullif(extra_emails, []) AS extra_emails, nullif(extra_phones, []) AS extra_phones
       FROM ${checked} LEFT JOIN extra ON extra_record_id = record_id
       WHERE ${accepted}`,
    ),
  );

  // 3. Consent facts carried by the profile rows of every record id (duplicate rows included).
  const purposes = Object.entries(source.consent?.purposes ?? {});
  const consentParams = new ParamBag();
  if (purposes.length === 0) {
    await execute(connection, { sql: `CREATE OR REPLACE TABLE ${sourceTable(index, 'consent')} (${CONSENT_RECORD_COLUMNS})` });
  } else {
    const sourceName = consentParams.text(source.name);
    const rank = `CAST(${consentParams.bind(index)} AS INTEGER)`;
    const facts = purposes.map(([purpose, mapped]) => {
      const granted = consentValueSql(column(mapped));
      const declared = findPurpose(config, purpose) ?? purpose;
      return (
        `SELECT ${sourceName} AS source, ${rank} AS source_rank, record_id AS consent_id, row_no, 'record' AS key_kind, ` +
        `record_id AS key_value, ${consentParams.text(declared)} AS purpose, ${granted} AS granted, consent_date, date_only ` +
        `FROM ${checked} WHERE record_id IS NOT NULL AND ${dateUsable} AND ${granted} IS NOT NULL`
      );
    });
    await execute(
      connection,
      consentParams.statement(
        `CREATE OR REPLACE TABLE ${sourceTable(index, 'consent')} AS
         ${facts.join('\nUNION ALL\n')}`,
      ),
    );
  }

  // 4. Rejects: the reader's, then one row per problem.
  const rejectParams = new ParamBag();
  const sourceName = rejectParams.text(source.name);
  const pkColumn = rejectParams.text(source.primaryKey);
  const selects = [
    `SELECT * FROM ${sourceTable(index, 'reader_rejects')}`,
    rejectSelectSql(
      { source: sourceName, column: pkColumn, reason: 'missing primary key', detail: `'the primary key is blank'`, value: column(source.primaryKey), from: checked, where: 'record_id IS NULL' },
      rejectParams,
    ),
    rejectSelectSql(
      {
        source: sourceName,
        column: pkColumn,
        reason: 'duplicate primary key',
        detail:
          purposes.length === 0
            ? `'same primary key as row ' || first_row_no || ', which is kept'`
            : `'same primary key as row ' || first_row_no || ', which is kept (the consent values of this row still count)'`,
        value: column(source.primaryKey),
        from: checked,
        where: 'record_id IS NOT NULL AND row_no <> first_row_no',
      },
      rejectParams,
    ),
    ...purposes.map(([, mapped]) =>
      rejectSelectSql(
        {
          source: sourceName,
          column: rejectParams.text(mapped),
          reason: 'invalid consent value',
          detail: `'not a recognised consent value'`,
          value: column(mapped),
          from: checked,
          where: `${blankToNull(column(mapped))} IS NOT NULL AND ${consentValueSql(column(mapped))} IS NULL`,
        },
        rejectParams,
      ),
    ),
  ];
  if (consentDate !== undefined && purposes.length > 0) {
    selects.push(
      rejectSelectSql(
        {
          source: sourceName,
          column: rejectParams.text(consentDate),
          reason: 'invalid date',
          detail: source.dateFormat === undefined ? `'not an ISO-8601 date or timestamp'` : `'neither an ISO-8601 date nor in the configured dateFormat'`,
          value: column(consentDate),
          from: checked,
          where: `NOT (${dateUsable})`,
        },
        rejectParams,
      ),
    );
  }
  await execute(
    connection,
    rejectParams.statement(
      `CREATE OR REPLACE TABLE ${sourceTable(index, 'rejects')} AS
       SELECT * FROM (${selects.join('\nUNION ALL\n')}) ORDER BY row_no, column_name, reason`,
    ),
  );
}
