/**
 * Reading one source file into `src_<n>_rows` (row_no + one VARCHAR column per mapped column) with DuckDB's
 * own readers; rows never pass through JavaScript (but the few CSV rows missing trailing columns, see
 * short-rows.ts). Rows the reader cannot parse (too many columns, broken quoting, malformed JSON) go to
 * `src_<n>_reader_rejects` as `malformed row`; text not in the source's encoding fails the source
 * (csv-encoding.ts, jsonl-utf8.ts).
 *
 * Row numbers are 1-based data row numbers in file order: CSV records after the header (a quoted
 * multi-line value is one record), Parquet rows, JSON lines (blank lines are not counted).
 */
import { open, stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CsvEncoding, SourceConfig } from '../config/schema.js';
import { execute, queryNumber, queryRows } from '../db/connection.js';
import { SourceError } from '../errors.js';
import { allowedIdentifier, quoteIdentifier, quoteLiteral } from '../sql/identifiers.js';
import { readFirstCsvRecord, type CsvDialect, type FirstRecord } from './csv-header.js';
import { blankLinesBefore } from './blank-lines.js';
import { ENCODING_NAMES, firstLatin1Control } from './csv-encoding.js';
import { startsWithArrayBracket } from './jsonl-array.js';
import { firstLineAfterBom } from './jsonl-bom.js';
import { firstNonUtf8Line } from './jsonl-utf8.js';
import { findMixedLineEndings, type LineEnding } from './line-endings.js';
import { jsonColumnSql } from './json-columns.js';
import { matchColumn, matchingKeys } from './resolve-columns.js';
import { padShortRows } from './short-rows.js';
import { readExcelSepLine } from './excel-sep.js';
import { configKeysOfColumn, mappedColumns, readerError } from './source-file.js';
import { ParamBag } from './sql-params.js';
import { csvRejectTables, createWorkTableSql, sourceTable } from './tables.js';

export interface SourceRows {
  /** Data rows in the file, malformed ones included. */
  readonly rowsRead: number;
  /** Mapped (config) column name → quoted identifier of its VARCHAR column in `src_<n>_rows`. */
  readonly columns: ReadonlyMap<string, string>;
}

/** How far the first CSV record is looked for before the file is refused. */
const HEADER_MAX_MB = 4;

/** Largest raw value kept in `rejects.value`. */
export const MAX_REJECT_VALUE = 200;

/**
 * "expected 3, found 4" from DuckDB's "Expected Number of Columns: 3 Found: 4". The reader reports a row
 * once per extra (or missing) column: `found` is the largest (smallest) count reported for the row.
 */
const COLUMN_COUNTS = `'expected ' || regexp_extract(error_message, 'Columns: (\\d+)', 1) || ', found ' || found`;

const REJECT_COLUMNS = 'source VARCHAR, row_no BIGINT, column_name VARCHAR, reason VARCHAR, detail VARCHAR, value VARCHAR';

export async function readSource(connection: DuckDBConnection, source: SourceConfig, index: number): Promise<SourceRows> {
  const wanted = mappedColumns(source);
  const columns = new Map(wanted.map((name, i) => [name, quoteIdentifier(`f${i}`)]));
  const read = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      throw readerError(source, error);
    }
  };
  if (source.format === 'csv') await read(() => readCsv(connection, source, index, wanted));
  else if (source.format === 'parquet') await read(() => readParquet(connection, source, index, wanted));
  else await read(() => readJsonLines(connection, source, index, wanted));
  const rowsRead = await queryNumber(connection, {
    sql: `SELECT (SELECT count(*) FROM ${sourceTable(index, 'rows')}) + (SELECT count(*) FROM ${sourceTable(index, 'reader_rejects')})`,
  });
  return { rowsRead, columns };
}

/** Resolves every mapped column against the file's columns; returns the matched column index of each. */
/**
 * Positions of the wanted columns in the file. Errors name the config keys mapping the column, never the
 * file's own column names (a file without a header row would put its first data row in the message).
 */
function resolveColumns(source: SourceConfig, index: number, wanted: readonly string[], available: readonly string[]): number[] {
  return wanted.map((column) => {
    const match = matchColumn(column, available);
    if (match.kind === 'found') return match.index;
    const keys = configKeysOfColumn(source, index, column);
    const mappedBy = keys.length > 0 ? `; mapped by ${keys.join(', ')}` : '';
    if (match.kind === 'ambiguous') {
      throw new SourceError(source.name, source.path, `mapped column is ambiguous: ${match.count} columns match it when case and surrounding spaces are ignored${mappedBy}`, column);
    }
    const hint =
      source.format === 'csv' && available.length === 1
        ? ' (the header has a single column: is csv.delimiter right?)'
        : ` (the file has ${available.length} column${available.length === 1 ? '' : 's'})`;
    throw new SourceError(source.name, source.path, `mapped column not found${hint}${mappedBy}`, column);
  });
}

function encodingOf(source: SourceConfig): CsvEncoding {
  return source.csv?.encoding ?? 'utf-8';
}

/** What to do about text that is not in the source's encoding: the config key to set, or the conversion. */
function encodingHint(source: SourceConfig, index: number): string {
  return encodingOf(source) === 'utf-8'
    ? `the file must be UTF-8, or name its encoding in sources[${index}].csv.encoding: latin-1 or utf-16`
    : `check sources[${index}].csv.encoding, or convert the file to UTF-8`;
}

/**
 * A row the reader could not decode fails the source: rejecting it alone would drop every row that merely
 * holds an umlaut in some note column (a whole file in another encoding, row by row), withdrawals included.
 */
async function refuseUndecodableRows(connection: DuckDBConnection, source: SourceConfig, index: number, errorLines: string, headerLines: number): Promise<void> {
  const [first] = await queryRows<{ row_no: string }>(connection, {
    sql: `SELECT CAST(min(CAST(line AS BIGINT)) - ${headerLines} AS BIGINT) AS row_no FROM ${errorLines} WHERE error_type = 'INVALID ENCODING' HAVING count(*) > 0`,
  });
  if (first === undefined) return;
  throw new SourceError(source.name, source.path, `the row is not valid ${ENCODING_NAMES[encodingOf(source)]} (${encodingHint(source, index)})`, undefined, Number(first.row_no));
}

/**
 * Runs the CSV read; the reader refuses a latin-1 file holding a byte 0x80–0x9F as a whole, naming no row:
 * the source's error names the row and says what the byte likely is (csv-encoding.ts).
 */
async function refuseLatin1Controls(source: SourceConfig, dialect: CsvDialect, headerLines: number, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (encodingOf(source) !== 'latin-1' || !/is not latin-1 encoded/i.test(message)) throw error;
    const found = await firstLatin1Control(source.path, dialect);
    if (found === undefined) throw error;
    const row = found.recordsBefore - headerLines + 1;
    const byte = `0x${found.byte.toString(16).toUpperCase()}`;
    throw new SourceError(
      source.name,
      source.path,
      `${row < 1 ? 'the header row holds' : 'the row holds'} byte ${byte}, which is no latin-1 character: the file is probably Windows-1252 ` +
        '(€, „, “, ” and the like are 0x80-0x9F there), which the reader cannot decode; convert the file to UTF-8 (e.g. iconv -f windows-1252 -t utf-8) and drop csv.encoding',
      undefined,
      row < 1 ? undefined : row,
    );
  }
}

function csvDialect(source: SourceConfig): CsvDialect {
  const quote = source.csv?.quote ?? '"';
  return { delimiter: source.csv?.delimiter ?? ',', quote, escape: source.csv?.escape ?? quote };
}

/** Delimiters tried, in order, when the config names none and a comma header lacks a mapped column. */
const OTHER_DELIMITERS = [';', '\t', '|'];

/**
 * The dialect to read with. Without `csv.delimiter`, a header that does not hold every mapped column
 * when split on commas is tried with `;`, tab and `|` (spreadsheet exports in many locales use `;`): the
 * first that holds them all is used. When none does, the one holding the most mapped columns is kept, so
 * the error names a column that is really missing (not every column of a `;` header read as one). The
 * choice rests on the header alone, so it is the same every run; an explicit delimiter is never second-guessed.
 */
async function chooseDialect(
  source: SourceConfig,
  index: number,
  header: boolean,
  wanted: readonly string[],
): Promise<{ dialect: CsvDialect; first: FirstRecord; sepLine: boolean }> {
  const configured = csvDialect(source);
  const readFirst = (dialect: CsvDialect, from = 0) => readFirstCsvRecord(source.path, dialect, HEADER_MAX_MB * 1024 * 1024, { encoding: encodingOf(source), from });
  const sep = await readExcelSepLine(source.path, encodingOf(source));
  if (sep !== undefined) {
    // The file names its delimiter: read with it, from the line after (excel-sep.ts).
    const explicit = source.csv?.delimiter;
    if (explicit !== undefined && explicit !== sep.delimiter) {
      throw new SourceError(
        source.name,
        source.path,
        `the first line "sep=${sep.delimiter}" (Excel's delimiter line) names the delimiter ${JSON.stringify(sep.delimiter)}, but sources[${index}].csv.delimiter is ${JSON.stringify(explicit)}: ` +
          'remove csv.delimiter or correct it',
      );
    }
    const dialect = { ...configured, delimiter: sep.delimiter };
    return { dialect, first: await readFirst(dialect, sep.bytes), sepLine: true };
  }
  const first = await readFirst(configured);
  const held = (record: FirstRecord) => (record.kind === 'record' ? wanted.filter((column) => matchColumn(column, record.fields).kind === 'found').length : -1);
  if (source.csv?.delimiter !== undefined || !header || first.kind !== 'record' || held(first) === wanted.length) return { dialect: configured, first, sepLine: false };
  let best: { dialect: CsvDialect; first: FirstRecord; held: number } = { dialect: configured, first, held: held(first) };
  for (const delimiter of OTHER_DELIMITERS) {
    const dialect = { ...configured, delimiter };
    const candidate = await readFirst(dialect);
    const candidateHeld = held(candidate);
    if (candidateHeld === wanted.length) return { dialect, first: candidate, sepLine: false };
    if (candidateHeld > best.held) best = { dialect, first: candidate, held: candidateHeld };
  }
  return { dialect: best.dialect, first: best.first, sepLine: false };
}

/**
 * An unterminated quote makes the reader take every following line, up to the next quote (or the end of
 * the file), into one malformed record: those rows would vanish without a reject of their own — a
 * withdrawal among them would be lost. A reader error on a quote whose record spans several lines (edge
 * line breaks aside) therefore fails the source, naming the row; nothing is published.
 */
async function refuseSwallowedRows(connection: DuckDBConnection, source: SourceConfig, errorLines: string, headerLines: number): Promise<void> {
  const [swallowing] = await queryRows<{ row_no: number; lines: number }>(connection, {
    sql: `SELECT CAST(line AS BIGINT) - ${headerLines} AS row_no,
                 CAST(greatest(length(body) - length(replace(body, chr(10), '')), length(body) - length(replace(body, chr(13), ''))) AS INTEGER) AS lines
          FROM (SELECT line, regexp_replace(regexp_replace(csv_line, '^[\r\n]+', ''), '[\r\n]+$', '') AS body
                FROM ${errorLines}
                WHERE error_type IN ('UNQUOTED VALUE', 'LINE SIZE OVER MAXIMUM'))
          WHERE regexp_matches(body, '[\r\n]')
          ORDER BY line LIMIT 1`,
  });
  if (swallowing === undefined) return;
  const lines = Number(swallowing.lines);
  throw new SourceError(
    source.name,
    source.path,
    `a quote opened on this row is not closed on it: the reader took the next ${lines} line${lines === 1 ? '' : 's'} into this row, ` +
      `so those rows would be lost (fix the quoting; a quote inside a quoted value is written as two quotes)`,
    undefined,
    Number(swallowing.row_no),
  );
}

/**
 * The reader's errors as a relation whose `line` counts records, blank lines left out: the errors table
 * itself when no blank line precedes a reject (the usual case), else joined to `blanks`, a TEMP table of
 * the blank lines before each reject's start (blank-lines.ts).
 */
async function errorsWithRecordLines(connection: DuckDBConnection, source: SourceConfig, dialect: CsvDialect, errors: string, blanks: string): Promise<string> {
  const table = `temp.main.${quoteIdentifier(errors)}`;
  const starts = await queryRows<{ start: string }>(connection, {
    sql: `SELECT DISTINCT CAST(line_byte_position AS BIGINT) AS start FROM ${table} WHERE line_byte_position IS NOT NULL ORDER BY start`,
  });
  const before = await blankLinesBefore(source.path, dialect, starts.map((row) => Number(row.start)), encodingOf(source));
  if (before.size === 0) return table;
  await execute(connection, { sql: `CREATE TEMP TABLE ${quoteIdentifier(blanks)} (start BIGINT, blank_lines BIGINT)` });
  const appender = await connection.createAppender(blanks, 'main', 'temp');
  for (const [start, count] of before) {
    appender.appendBigInt(BigInt(start));
    appender.appendBigInt(BigInt(count));
    appender.endRow();
  }
  appender.closeSync();
  return `(SELECT e.* REPLACE (CAST(e.line AS BIGINT) - coalesce(b.blank_lines, 0) AS line)
           FROM ${table} e LEFT JOIN temp.main.${quoteIdentifier(blanks)} b ON b.start = CAST(e.line_byte_position AS BIGINT))`;
}

const LINE_ENDING_NAMES: Record<LineEnding, string> = { CRLF: 'CRLF (Windows)', LF: 'LF (Unix)' };

/**
 * Runs the CSV read; when the reader gives up on the file as a whole, a file whose line endings are
 * mixed fails with that reason and the row where they change (line-endings.ts), not a guess about bytes.
 */
async function refuseMixedLineEndings(source: SourceConfig, dialect: CsvDialect, headerLines: number, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/state machine reached an invalid state/i.test(message)) throw error;
    const mixed = await findMixedLineEndings(source.path, dialect, encodingOf(source));
    if (mixed === undefined) throw error;
    const dataRecords = mixed.recordsBefore - headerLines;
    const where = mixed.blank ? `a blank line after ${dataRecords < 1 ? 'the header' : `row ${dataRecords}`}` : dataRecords < 0 ? 'the header' : `row ${dataRecords + 1}`;
    throw new SourceError(
      source.name,
      source.path,
      `line endings are mixed: the first line ends with ${LINE_ENDING_NAMES[mixed.first]}, but ${where} ends with ${LINE_ENDING_NAMES[mixed.then]}; ` +
        'the reader needs one kind throughout (convert the file, e.g. with dos2unix or unix2dos)',
      undefined,
      mixed.blank || dataRecords < 0 ? undefined : dataRecords + 1,
    );
  }
}

/** The last row's number when the file does not end with a line break (short-rows.ts), else undefined. */
async function cutOffRow(connection: DuckDBConnection, source: SourceConfig, index: number): Promise<number | undefined> {
  const unit = encodingOf(source) === 'utf-16' ? 2 : 1;
  const { size } = await stat(source.path);
  const handle = await open(source.path, 'r');
  const last = Buffer.alloc(unit);
  try {
    await handle.read(last, 0, unit, Math.max(0, size - unit));
  } finally {
    await handle.close();
  }
  if ((last[0] === 0x0a || last[0] === 0x0d) && (unit === 1 || last[1] === 0)) return undefined;
  return queryNumber(connection, { sql: `SELECT (SELECT count(*) FROM ${sourceTable(index, 'read')}) + (SELECT count(*) FROM ${sourceTable(index, 'reader_rejects')})` });
}

async function readCsv(connection: DuckDBConnection, source: SourceConfig, index: number, wanted: readonly string[]): Promise<void> {
  const header = source.csv?.header ?? true;
  const { dialect, first, sepLine } = await chooseDialect(source, index, header, wanted);
  if (first.kind === 'invalid utf-8') {
    throw new SourceError(source.name, source.path, `the ${header ? 'header' : 'first'} row is not valid UTF-8 (${encodingHint(source, index)})`);
  }
  if (first.kind === 'utf-16 big-endian') {
    throw new SourceError(source.name, source.path, 'the file is UTF-16 big-endian (its byte order mark says so); the reader decodes UTF-16 little-endian only: convert the file to UTF-8');
  }
  if (first.kind === 'too long') {
    throw new SourceError(
      source.name,
      source.path,
      `the ${header ? 'header' : 'first'} row does not end within the first ${HEADER_MAX_MB} MB (an unterminated quote, or not a CSV file?)`,
    );
  }
  if (first.fields.length === 1 && first.fields[0]!.trim() === '') {
    throw new SourceError(source.name, source.path, `the ${header ? 'header' : 'first'} row is blank`);
  }
  const available = header ? first.fields : first.fields.map((_, i) => `column${i}`);
  const positions = resolveColumns(source, index, wanted, available);

  const { errors, scans, blanks, padded: paddedTable } = csvRejectTables(index);
  for (const table of [errors, scans, blanks, paddedTable]) await execute(connection, { sql: `DROP TABLE IF EXISTS temp.main.${quoteIdentifier(table)}` });

  // Every file column is read (so each row is checked in full), named by position: c0, c1, ...
  const columnTypes = available.map((_, i) => `${quoteLiteral(`c${i}`)}: 'VARCHAR'`).join(', ');
  const params = new ParamBag();
  // Lines before the first data row: the header, and an Excel `sep=` line above it (skipped by the reader).
  const headerLines = (header ? 1 : 0) + (sepLine ? 1 : 0);
  await refuseLatin1Controls(source, dialect, headerLines, () => refuseMixedLineEndings(source, dialect, headerLines, () => execute(
    connection,
    params.statement(
      `${createWorkTableSql(index, 'read')} AS SELECT * FROM read_csv(${params.bind(source.path)}, ` +
        `auto_detect = false, header = ${params.bind(header)}, delim = ${params.bind(dialect.delimiter)}, ` +
        `quote = ${params.bind(dialect.quote)}, escape = ${params.bind(dialect.escape)}, encoding = ${params.bind(encodingOf(source))}, ` +
        `columns = {${columnTypes}}, store_rejects = true, ${sepLine ? 'skip = 1, ' : ''}` +
        `rejects_table = ${quoteLiteral(errors)}, rejects_scan = ${quoteLiteral(scans)})`,
    ),
  )));

  // One reject per unreadable record (the reader may report several errors for one line), its `line`
  // lowered by the blank lines before it (blank-lines.ts), so it counts records as the kept rows do.
  const errorLines = await errorsWithRecordLines(connection, source, dialect, errors, blanks);
  await refuseUndecodableRows(connection, source, index, errorLines, headerLines);
  const rejectParams = new ParamBag();
  await execute(
    connection,
    rejectParams.statement(
      `${createWorkTableSql(index, 'reader_rejects')} AS
       SELECT ${rejectParams.text(source.name)} AS source, CAST(line AS BIGINT) - ${headerLines} AS row_no,
              CAST(NULL AS VARCHAR) AS column_name, 'malformed row' AS reason,
              CASE error_type
                WHEN 'TOO MANY COLUMNS' THEN 'too many columns: ' || ${COLUMN_COUNTS}
                WHEN 'MISSING COLUMNS' THEN 'too few columns: ' || ${COLUMN_COUNTS}
                WHEN 'INVALID ENCODING' THEN 'not valid UTF-8'
                WHEN 'UNQUOTED VALUE' THEN 'unterminated or misplaced quote'
                WHEN 'LINE SIZE OVER MAXIMUM' THEN 'row longer than the reader''s maximum line size'
                ELSE 'unreadable row (' || lower(CAST(error_type AS VARCHAR)) || ')'
              END AS detail,
              left(regexp_replace(csv_line, '^[\\r\\n]+', ''), ${MAX_REJECT_VALUE}) AS value
       FROM (SELECT DISTINCT ON (line) *,
                    CASE WHEN error_type = 'TOO MANY COLUMNS' THEN max(found_one) OVER same ELSE min(found_one) OVER same END AS found
             FROM (SELECT *, TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS BIGINT) AS found_one FROM ${errorLines})
             WINDOW same AS (PARTITION BY line, error_type)
             ORDER BY line, column_idx)
       ORDER BY row_no`,
    ),
  );

  await refuseSwallowedRows(connection, source, errorLines, headerLines);

  // Rows the reader kept, numbered by filling the data row numbers the rejected records did not take.
  const nullString = source.csv?.nullString;
  const valueParams = new ParamBag();
  const nullPlaceholder = nullString === undefined ? undefined : valueParams.text(nullString);
  const value = (position: number) => {
    const column = quoteIdentifier(`c${position}`);
    return nullPlaceholder === undefined ? column : `CASE WHEN ${column} = ${nullPlaceholder} THEN NULL ELSE ${column} END`;
  };
  const projections = wanted.map((_, i) => `${value(positions[i]!)} AS ${quoteIdentifier(`f${i}`)}`).join(', ');
  // Only the mapped columns: a `*` here copies every file column again (~20 s for a 100k-column file).
  const keptColumns = [...new Set(positions)].map((position) => quoteIdentifier(`c${position}`)).join(', ');
  const readerRejected = await queryNumber(connection, { sql: `SELECT count(*) FROM ${sourceTable(index, 'reader_rejects')}` });
  // Records missing only trailing columns are rows, padded with blanks (short-rows.ts): they leave the rejects.
  const padded =
    readerRejected === 0
      ? 0
      : await padShortRows(connection, { errorLines, headerLines, dialect, columnCount: available.length, positions, table: paddedTable, cutOffRow: await cutOffRow(connection, source, index) });
  const paddedRows = `temp.main.${quoteIdentifier(paddedTable)}`;
  if (readerRejected === 0) {
    // The common case: every record was read, so the row number is the position in the file. Without
    // parameters (no nullString) the rows are a view over what was read: no second copy of the file.
    const rowsSql = `SELECT CAST(rowid + 1 AS BIGINT) AS row_no, ${projections} FROM ${sourceTable(index, 'read')}`;
    if (nullPlaceholder === undefined) await execute(connection, { sql: `CREATE OR REPLACE TEMP VIEW ${sourceTable(index, 'rows')} AS ${rowsSql}` });
    else await execute(connection, valueParams.statement(`${createWorkTableSql(index, 'rows')} AS ${rowsSql}`));
  } else await execute(
    connection,
    valueParams.statement(
      `${createWorkTableSql(index, 'rows')} AS
       WITH gaps AS (
         SELECT row_no - k AS kept_before, max(k) AS k
         FROM (SELECT row_no, row_number() OVER (ORDER BY row_no) AS k FROM ${sourceTable(index, 'reader_rejects')})
         GROUP BY ALL
       ),
       kept AS (SELECT rowid AS seq, ${keptColumns} FROM ${sourceTable(index, 'read')})
       SELECT CAST(kept.seq + 1 + coalesce(gaps.k, 0) AS BIGINT) AS row_no, ${projections}
       FROM kept ASOF LEFT JOIN gaps ON kept.seq >= gaps.kept_before` +
        (padded === 0 ? '' : `\n       UNION ALL SELECT row_no, ${projections} FROM ${paddedRows}`),
    ),
  );
  if (padded > 0) await execute(connection, { sql: `DELETE FROM ${sourceTable(index, 'reader_rejects')} WHERE row_no IN (SELECT row_no FROM ${paddedRows})` });
  for (const table of [errors, scans, blanks, paddedTable]) await execute(connection, { sql: `DROP TABLE IF EXISTS temp.main.${quoteIdentifier(table)}` });
}

/**
 * A Parquet column of nested values (a struct, a list, a map) read as text would be a key like
 * `{'addr': a@example.org}`: never a match, and written out as an email. Mapping one is an error.
 */
function refuseNestedColumn(source: SourceConfig, index: number, column: string, type: string): void {
  const nested = /^(STRUCT|MAP|UNION)\(/i.exec(type)?.[1]?.toLowerCase() ?? (/\]$/.test(type) ? 'list' : undefined);
  if (nested === undefined) return;
  const keys = configKeysOfColumn(source, index, column);
  const mappedBy = keys.length > 0 ? `; mapped by ${keys.join(', ')}` : '';
  throw new SourceError(source.name, source.path, `mapped column holds nested values (a ${nested}), not plain values${mappedBy}`, column);
}

async function readParquet(connection: DuckDBConnection, source: SourceConfig, index: number, wanted: readonly string[]): Promise<void> {
  const describe = new ParamBag();
  const described = await queryRows<{ column_name: string; column_type: string }>(
    connection,
    describe.statement(`DESCRIBE SELECT * FROM read_parquet(${describe.bind(source.path)})`),
  );
  const available = described.map((row) => row.column_name);
  const positions = resolveColumns(source, index, wanted, available);
  positions.forEach((position, i) => refuseNestedColumn(source, index, wanted[i]!, described[position]!.column_type));
  const projections = wanted
    .map((_, i) => `CAST(${allowedIdentifier(available[positions[i]!]!, available)} AS VARCHAR) AS ${quoteIdentifier(`f${i}`)}`)
    .join(', ');
  const params = new ParamBag();
  await execute(
    connection,
    params.statement(
      `${createWorkTableSql(index, 'rows')} AS
       SELECT CAST(file_row_number + 1 AS BIGINT) AS row_no, ${projections}
       FROM read_parquet(${params.bind(source.path)}, file_row_number = true)`,
    ),
  );
  await execute(connection, { sql: `${createWorkTableSql(index, 'reader_rejects')} (${REJECT_COLUMNS})` });
}

async function readJsonLines(connection: DuckDBConnection, source: SourceConfig, index: number, wanted: readonly string[]): Promise<void> {
  // One row per non-blank line, in file order; a line that is not JSON reads as NULL.
  const params = new ParamBag();
  await execute(
    connection,
    params.statement(
      `${createWorkTableSql(index, 'read')} AS
       SELECT json FROM read_ndjson_objects(${params.bind(source.path)}, ignore_errors = true)`,
    ),
  );
  const read = sourceTable(index, 'read');
  // A byte order mark made the first line unreadable: that line, without the mark, is the first record.
  const firstLine = await firstLineAfterBom(source.path);
  if (firstLine !== undefined) {
    await execute(connection, {
      sql: `UPDATE ${read} SET json = try_cast($line AS JSON) WHERE rowid = 0 AND json IS NULL AND json_valid($line)`,
      params: { line: firstLine },
    });
  }
  await refuseJsonArray(connection, source, read);
  const [counts] = await queryRows<{ records: string; objects: string; invalid: string }>(connection, {
    sql: `SELECT count(*) AS records, count(*) FILTER (WHERE json_type(json) = 'OBJECT') AS objects, count(*) FILTER (WHERE json IS NULL) AS invalid FROM ${read}`,
  });
  const records = Number(counts?.records ?? 0);
  if (records === 0 && source.allowEmpty === true) {
    // An empty snapshot the source allows: no rows, no keys to map (nothing can be misread).
    const empty = wanted.map((_, i) => `CAST(NULL AS VARCHAR) AS ${quoteIdentifier(`f${i}`)}`).join(', ');
    await execute(connection, { sql: `${createWorkTableSql(index, 'rows')} AS SELECT CAST(NULL AS BIGINT) AS row_no, ${empty} WHERE FALSE` });
    await execute(connection, { sql: `${createWorkTableSql(index, 'reader_rejects')} (${REJECT_COLUMNS})` });
    return;
  }
  if (records === 0) throw new SourceError(source.name, source.path, 'file has no JSON records (set allowEmpty: true on the source if it may be empty)');
  if (Number(counts?.objects ?? 0) === 0) {
    // Without a single object there are no keys to map: say why (a JSON array file, another encoding, not JSON).
    const invalid = Number(counts?.invalid ?? 0);
    throw new SourceError(
      source.name,
      source.path,
      `no line is a JSON object (lines: ${records}; not valid UTF-8 JSON: ${invalid}; other JSON values: ${records - invalid}): ` +
        'the file must be JSON lines, one object per line (a JSON array file is not JSON lines)',
    );
  }
  if (Number(counts?.invalid ?? 0) > 0) {
    const line = await firstNonUtf8Line(source.path);
    if (line !== undefined) throw new SourceError(source.name, source.path, 'the line is not valid UTF-8 (JSON lines must be UTF-8: convert the file)', undefined, line);
  }
  const keys = await queryRows<{ key: string }>(connection, {
    sql: `SELECT DISTINCT unnest(json_keys(json)) AS key FROM ${read} WHERE json_type(json) = 'OBJECT' ORDER BY key`,
  });
  const available = keys.map((row) => row.key);
  const candidates = wanted.map((column) => matchingKeys(column, available));
  // A column no key matches, in any spelling: the error a CSV or Parquet column not found gets.
  resolveColumns(source, index, wanted.filter((_, i) => candidates[i]!.exact === undefined && candidates[i]!.loose.length === 0), available);

  // Each object's mapped values (json-columns.ts), and the first mapped column that makes the row unusable
  // (a key twice, differently spelled keys that disagree, a nested value): that row is rejected rather than
  // one of its values silently chosen, dropped or turned into text.
  const checkedSql = (params: ParamBag) => {
    const columns = candidates.map((keys) => jsonColumnSql(keys, params));
    const f = (i: number) => quoteIdentifier(`f${i}`);
    const p = (i: number) => quoteIdentifier(`p${i}`);
    return `SELECT *, CASE ${wanted.map((column, i) => `WHEN ${p(i)} IS NOT NULL THEN ${params.text(column)}`).join(' ')} END AS problem_column,
                   coalesce(${wanted.map((_, i) => p(i)).join(', ')}) AS problem
            FROM (SELECT row_no, json, ${columns.map((column, i) => `${column.value} AS ${f(i)}, ${column.problem} AS ${p(i)}`).join(', ')}
                  FROM (SELECT CAST(rowid + 1 AS BIGINT) AS row_no, json, json_keys(json) AS k FROM ${read} WHERE json_type(json) = 'OBJECT'))`;
  };
  const rowParams = new ParamBag();
  await execute(
    connection,
    rowParams.statement(
      `${createWorkTableSql(index, 'rows')} AS
       SELECT row_no, ${wanted.map((_, i) => quoteIdentifier(`f${i}`)).join(', ')}
       FROM (${checkedSql(rowParams)}) WHERE problem IS NULL
       ORDER BY row_no`,
    ),
  );
  const rejectParams = new ParamBag();
  await execute(
    connection,
    rejectParams.statement(
      `${createWorkTableSql(index, 'reader_rejects')} AS
       SELECT ${rejectParams.text(source.name)} AS source, row_no, column_name, 'malformed row' AS reason, detail,
              left(CAST(json AS VARCHAR), ${MAX_REJECT_VALUE}) AS value
       FROM (SELECT CAST(rowid + 1 AS BIGINT) AS row_no, CAST(NULL AS VARCHAR) AS column_name,
                    CASE WHEN json IS NULL THEN 'not valid JSON (or not UTF-8)' ELSE 'not a JSON object' END AS detail, json
             FROM ${read} WHERE json IS NULL OR json_type(json) <> 'OBJECT'
             UNION ALL
             SELECT row_no, problem_column, problem, json FROM (${checkedSql(rejectParams)}) WHERE problem IS NOT NULL)
       ORDER BY row_no`,
    ),
  );
}

/**
 * A JSON array file is not JSON lines: read line by line, a pretty-printed one (`[`, one object per line
 * with trailing commas, `]`) would keep only the elements that happen to be a whole object on their line
 * (the last one) and reject the others. A file that starts with `[` whose first record is unreadable (the
 * array goes on over the next lines) or is its only record, an array, fails the source.
 */
async function refuseJsonArray(connection: DuckDBConnection, source: SourceConfig, read: string): Promise<void> {
  if (!(await startsWithArrayBracket(source.path))) return;
  const [first] = await queryRows<{ array_file: boolean }>(connection, {
    sql: `SELECT bool_or(rowid = 0 AND json IS NULL) OR (count(*) = 1 AND bool_or(json_type(json) = 'ARRAY')) AS array_file FROM ${read}`,
  });
  if (first?.array_file !== true) return;
  throw new SourceError(
    source.name,
    source.path,
    "the file is a JSON array, not JSON lines: one object per line (convert it, e.g. jq -c '.[]' file.json > file.jsonl)",
  );
}
