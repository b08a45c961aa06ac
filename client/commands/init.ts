/**
 * `consent init [--from FILE…]`: writes a starter consent.config.yaml from the headers (and a few
 * aggregate facts) of the given source files. It guesses which files hold profiles and which consent,
 * the email/phone key columns, primary keys, consent option/value/date columns, attributes, the purposes
 * (the distinct values of the option column), one segment and one export per purpose — and marks every
 * guess with a `# guessed: …` comment. Only counts and the option column's values (purpose names) leave
 * DuckDB; no personal data is read into JavaScript.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Document, isMap, isScalar, isSeq, parse, type Node } from 'yaml';
import { DEFAULT_CONFIG_FILE, parseConfig } from '../../core/config/load.js';
import { RESERVED_FIELDS } from '../../core/config/schema.js';
import { openInstance, queryRows, withConnection } from '../../core/db/connection.js';
import { readFirstCsvRecord } from '../../core/import/csv-header.js';
import { ParamBag } from '../../core/import/sql-params.js';
import { compileSegment } from '../../core/segments/index.js';
import { quoteIdentifier } from '../../core/sql/identifiers.js';
import { PROJECT_ROOT } from '../../scripts/temporal-cli.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

type Format = 'csv' | 'parquet' | 'jsonl';

/** Most purposes read from an option column. */
export const MAX_PURPOSES = 50;

const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema', 'consent.config.schema.json');
const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?\\s*([Zz]|[+-]\\d{2}(:?\\d{2})?)?)?$';
const EMAIL_LIKE = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';
/** strptime formats tried for date columns that are not ISO-8601, most common first. */
const DATE_FORMATS = ['%d/%m/%Y', '%m/%d/%Y', '%d.%m.%Y', '%Y/%m/%d', '%d-%m-%Y', '%d/%m/%Y %H:%M', '%m/%d/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%m/%d/%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%Y%m%d'];

/** What init learns about one file: its columns and per-column counts (never values). */
interface FileFacts {
  readonly file: string;
  readonly format: Format;
  readonly formatGuess?: string;
  /** Header names, trimmed, in file order ('' for an unnamed column). */
  readonly columns: string[];
  readonly delimiter: string;
  readonly quote: string;
  readonly rows: number;
  readonly stats: ColumnStats[];
}

interface ColumnStats {
  readonly nonBlank: number;
  readonly distinct: number;
  readonly emailLike: number;
}

interface Guess<T> {
  readonly value: T;
  readonly why?: string;
}

interface SourcePlan {
  name: string;
  type: 'profiles' | 'consent';
  facts: FileFacts;
  typeWhy: string;
  primaryKey: Guess<string>;
  email?: Guess<string>;
  phone?: Guess<string>;
  attributes: { name: string; column: string; why?: string }[];
  option?: Guess<string>;
  purpose?: Guess<string>;
  value?: Guess<string>;
  date?: Guess<string>;
  dateFormat?: Guess<string>;
  optionValues: { value: string; count: number }[];
  optionValuesTruncated: boolean;
}

export interface InitResult {
  readonly configFile: string;
  readonly sources: { name: string; type: 'profiles' | 'consent'; file: string }[];
  readonly purposes: string[];
  readonly segments: string[];
  readonly exports: string[];
  readonly warnings: string[];
}

export const runInitCommand: CommandHandler = async ({ positionals, from, config: configPath, json }) => {
  const files = [...(from ?? []), ...positionals];
  if (files.length === 0) {
    throw new CliError('consent init needs the source files to start from: consent init --from FILE [FILE…] [--config OUT.yaml]', EXIT_USAGE);
  }
  const result = await initConfig(files.map((file) => path.resolve(file)), path.resolve(configPath ?? DEFAULT_CONFIG_FILE));
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`wrote ${path.relative(process.cwd(), result.configFile) || result.configFile}`);
    for (const source of result.sources) console.log(`  source ${source.name} (${source.type}) ← ${source.file}`);
    console.log(`  ${result.purposes.length} purposes (${result.purposes.join(', ')}), ${result.segments.length} segments, ${result.exports.length} exports`);
    for (const warning of result.warnings) console.error(`  warning: ${warning}`);
    console.log('check the lines marked "# guessed", then run `consent validate`');
  }
  return result.warnings.length > 0 ? EXIT_FAILURE : EXIT_OK;
};

/** Writes a starter config to `configFile` (never over an existing file) from `files`; returns what it guessed. */
export async function initConfig(files: string[], configFile: string): Promise<InitResult> {
  if (existsSync(configFile)) throw new CliError(`${configFile} already exists; not overwriting it (remove it or pass --config NEW.yaml)`, EXIT_USAGE);
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`source file not found: ${file}`, EXIT_USAGE);
  }
  const instance = await openInstance(':memory:');
  let plans: SourcePlan[];
  try {
    plans = await withConnection(instance, async (connection) => {
      const planned: SourcePlan[] = [];
      const names = new Set<string>();
      for (const file of files) {
        const facts = await describeFile(connection, file);
        planned.push(await planSource(connection, facts, uniqueName(sourceName(file), names)));
      }
      return planned;
    });
  } finally {
    instance.closeSync();
  }
  // Profiles first: source order is merge priority, and consent sources carry no attributes.
  plans.sort((a, b) => Number(a.type === 'consent') - Number(b.type === 'consent'));
  const { text, result } = renderConfig(plans, configFile);
  // The starter is checked as `consent validate` checks a config (schema, cross-references, rules); what
  // cannot be guessed (no key column, no profile file) becomes a warning and exit 1, the file is still written.
  const warnings = [...result.warnings];
  try {
    const config = parseConfig(parse(text), configFile);
    config.segments.forEach((_, index) => compileSegment(config, index));
  } catch (error) {
    warnings.push(`the written config needs editing before it validates: ${(error as Error).message}`);
  }
  try {
    writeFileSync(configFile, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${configFile} already exists; not overwriting it`, EXIT_USAGE);
    throw error;
  }
  return { ...result, warnings };
}

// ---------------------------------------------------------------------------------------------------
// Reading the files: header, dialect, per-column counts.

function formatOf(file: string): { format: Format; why?: string } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return { format: 'parquet' };
  if (ext === '.jsonl' || ext === '.ndjson') return { format: 'jsonl' };
  if (ext === '.json') return { format: 'jsonl', why: 'a .json file read as JSON lines (one object per line)' };
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return { format: 'csv' };
  return { format: 'csv', why: `unknown extension "${ext}", read as CSV` };
}

async function describeFile(connection: DuckDBConnection, file: string): Promise<FileFacts> {
  const { format, why } = formatOf(file);
  let columns: string[];
  let delimiter = ',';
  let quote = '"';
  try {
    if (format === 'csv') {
      const sniffParams = new ParamBag();
      const [sniffed] = await queryRows<{ Delimiter: string; Quote: string }>(
        connection,
        sniffParams.statement(`SELECT Delimiter, Quote FROM sniff_csv(${sniffParams.bind(file)}, sample_size = 20480)`),
      );
      if (sniffed && sniffed.Delimiter.length >= 1 && sniffed.Delimiter.length <= 4) delimiter = sniffed.Delimiter;
      if (sniffed?.Quote === "'") quote = "'";
      const first = await readFirstCsvRecord(file, { delimiter, quote, escape: quote });
      if (first.kind !== 'record') throw new CliError(`${file}: cannot read the header row (${first.kind}); is it a UTF-8 CSV file?`, EXIT_USAGE);
      columns = first.fields.map((name) => name.trim());
    } else if (format === 'parquet') {
      const params = new ParamBag();
      const described = await queryRows<{ column_name: string }>(connection, params.statement(`DESCRIBE SELECT * FROM read_parquet(${params.bind(file)})`));
      columns = described.map((row) => row.column_name);
    } else {
      const params = new ParamBag();
      const keys = await queryRows<{ key: string }>(
        connection,
        params.statement(
          `SELECT key FROM (SELECT unnest(json_keys(json)) AS key, row_number() OVER () AS seen
             FROM read_ndjson_objects(${params.bind(file)}, ignore_errors = true) WHERE json_type(json) = 'OBJECT')
           GROUP BY key ORDER BY min(seen), key`,
        ),
      );
      columns = keys.map((row) => row.key);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: cannot be read as ${format}: ${((error as Error).message.split('\n')[0] ?? '').slice(0, 300)}`, EXIT_USAGE);
  }
  if (columns.filter((name) => name !== '').length === 0) throw new CliError(`${file}: no columns found`, EXIT_USAGE);
  const base = { file, format, ...(why ? { formatGuess: why } : {}), columns, delimiter, quote };
  const { rows, stats } = await columnStats(connection, base);
  return { ...base, rows, stats };
}

/** A subquery exposing the file's columns as VARCHAR `c0`, `c1`, … (rows the reader cannot parse are skipped). */
function scanSql(facts: Pick<FileFacts, 'file' | 'format' | 'columns' | 'delimiter' | 'quote'>, params: ParamBag): string {
  const names = facts.columns.map((_, i) => quoteIdentifier(`c${i}`));
  if (facts.format === 'csv') {
    const types = facts.columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
    return (
      `(SELECT * FROM read_csv(${params.bind(facts.file)}, auto_detect = false, header = true, delim = ${params.bind(facts.delimiter)}, ` +
      `quote = ${params.bind(facts.quote)}, escape = ${params.bind(facts.quote)}, columns = {${types}}, ignore_errors = true))`
    );
  }
  if (facts.format === 'parquet') {
    const projections = facts.columns.map((name, i) => `CAST(${quoteIdentifier(name)} AS VARCHAR) AS ${names[i]}`).join(', ');
    return `(SELECT ${projections} FROM read_parquet(${params.bind(facts.file)}))`;
  }
  const projections = facts.columns.map((name, i) => `json_extract_string(json, ${params.text(`/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`)}) AS ${names[i]}`).join(', ');
  return `(SELECT ${projections} FROM read_ndjson_objects(${params.bind(facts.file)}, ignore_errors = true) WHERE json_type(json) = 'OBJECT')`;
}

async function columnStats(connection: DuckDBConnection, facts: Pick<FileFacts, 'file' | 'format' | 'columns' | 'delimiter' | 'quote'>): Promise<{ rows: number; stats: ColumnStats[] }> {
  const params = new ParamBag();
  const email = params.text(EMAIL_LIKE);
  // Exact distinct counts only where a primary key is likely (cheap estimates elsewhere keep big files fast).
  const aggregates = facts.columns.map((name, i) => {
    const value = `nullif(trim(${quoteIdentifier(`c${i}`)}), '')`;
    const distinct = ID_NAME.test(normalise(name)) ? `count(DISTINCT ${value})` : `approx_count_distinct(${value})`;
    return `count(${value}) AS n${i}, ${distinct} AS d${i}, count(*) FILTER (WHERE regexp_full_match(${value}, ${email})) AS e${i}`;
  });
  const [row] = await queryRows<Record<string, string | number>>(connection, params.statement(`SELECT count(*) AS rows, ${aggregates.join(', ')} FROM ${scanSql(facts, params)}`));
  const get = (key: string) => Number(row?.[key] ?? 0);
  return { rows: get('rows'), stats: facts.columns.map((_, i) => ({ nonBlank: get(`n${i}`), distinct: get(`d${i}`), emailLike: get(`e${i}`) })) };
}

/** The option column's distinct values (trimmed, most frequent first): these become the purposes. */
async function optionValues(connection: DuckDBConnection, facts: FileFacts, index: number): Promise<{ values: { value: string; count: number }[]; truncated: boolean }> {
  const params = new ParamBag();
  const column = quoteIdentifier(`c${index}`);
  const rows = await queryRows<{ value: string; n: string | number }>(
    connection,
    params.statement(
      `SELECT trim(${column}) AS value, count(*) AS n FROM ${scanSql(facts, params)}
       WHERE nullif(trim(${column}), '') IS NOT NULL AND length(trim(${column})) <= 100
       GROUP BY 1 ORDER BY n DESC, value LIMIT ${MAX_PURPOSES + 1}`,
    ),
  );
  return { values: rows.slice(0, MAX_PURPOSES).map((r) => ({ value: r.value, count: Number(r.n) })), truncated: rows.length > MAX_PURPOSES };
}

/** For a date column that is not all ISO-8601: the strptime format that reads the most of the other values. */
async function guessDateFormat(connection: DuckDBConnection, facts: FileFacts, index: number): Promise<Guess<string> | undefined> {
  const params = new ParamBag();
  const value = `nullif(trim(${quoteIdentifier(`c${index}`)}), '')`;
  const iso = params.text(ISO_DATE);
  const counts = DATE_FORMATS.map((format, i) => `count(try_strptime(${value}, ${params.text(format)})) AS f${i}`).join(', ');
  const [row] = await queryRows<Record<string, string | number>>(
    connection,
    params.statement(`SELECT count(${value}) AS other, ${counts} FROM ${scanSql(facts, params)} WHERE NOT regexp_full_match(coalesce(${value}, '2000-01-01'), ${iso})`),
  );
  const other = Number(row?.['other'] ?? 0);
  if (other === 0) return undefined;
  const scored = DATE_FORMATS.map((format, i) => ({ format, parsed: Number(row?.[`f${i}`] ?? 0) })).filter((s) => s.parsed > 0);
  const best = scored.sort((a, b) => b.parsed - a.parsed)[0];
  if (!best || best.parsed * 2 < other) return undefined;
  const tied = scored.filter((s) => s.parsed === best.parsed && s.format !== best.format).map((s) => s.format);
  const why = `${best.parsed} of ${other} non-ISO dates read with this format${tied.length > 0 ? `; also fits ${tied.join(', ')} — check day/month order` : ''}`;
  return { value: best.format, why };
}

// ---------------------------------------------------------------------------------------------------
// Guessing the roles of columns.

/** `First Name` → `first_name`: lower case, runs of other characters as one `_`. */
function normalise(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const EMAIL_NAME = /(^|_)e_?mail(_?address)?$|^e_?mail(_|$)/;
const PHONE_NAME = /(^|_)(phone|mobile|cell|telephone|tel|msisdn|phone_number|mobile_number)(_?(number|no))?$/;
const OPTION_NAME = /(^|_)(option|purpose|topic|subscription|preference|consent_type|consent_name|consent_category|category|channel|list)(_name|_type)?$/;
const VALUE_NAME = /(^|_)(value|status|state|granted|consented|opt_?in|opted_?in|choice|answer|consent|decision|given)$/;
const DATE_NAME = /(^|_)(date|datetime|time|timestamp|ts|at|on|updated|modified|created|recorded|given_at)$|_(at|on|date|time)$/;
const PROFILE_KEY_NAMES = ['contact_id', 'customer_id', 'profile_id', 'person_id', 'client_id', 'user_id', 'member_id', 'account_id', 'record_id'];
const CONSENT_KEY_NAMES = ['consent_id', 'record_id', 'event_id', 'consent_record_id'];
const ID_NAME = /(^|_)(id|key|no|number|uuid|guid)$|id$/;

function findColumn(columns: string[], pattern: RegExp, skip: Set<number>, prefer: (name: string) => number = () => 0): number | undefined {
  const matches = columns.flatMap((name, index) => (name !== '' && !skip.has(index) && pattern.test(normalise(name)) ? [index] : []));
  return matches.sort((a, b) => prefer(normalise(columns[b]!)) - prefer(normalise(columns[a]!)) || a - b)[0];
}

function isUnique(facts: FileFacts, index: number): boolean {
  const stats = facts.stats[index]!;
  return stats.nonBlank > 0 && stats.distinct === stats.nonBlank && stats.nonBlank === facts.rows;
}

function duplicateNote(facts: FileFacts, index: number): string {
  const stats = facts.stats[index]!;
  const notes: string[] = [];
  if (stats.nonBlank < facts.rows) notes.push(`${facts.rows - stats.nonBlank} blank`);
  if (stats.distinct < stats.nonBlank) notes.push(`${stats.nonBlank - stats.distinct} duplicate values`);
  return notes.length > 0 ? ` (${notes.join(', ')}: those rows will be rejected)` : '';
}

function guessPrimaryKey(facts: FileFacts, type: 'profiles' | 'consent', roles: Set<number>): Guess<string> {
  const { columns } = facts;
  const preferred = type === 'consent' ? CONSENT_KEY_NAMES : PROFILE_KEY_NAMES;
  const byName = (names: string[]) => names.map((wanted) => columns.findIndex((name, i) => !roles.has(i) && normalise(name) === wanted)).find((i) => i >= 0);
  const exact = byName(['id', ...preferred]);
  if (exact !== undefined) return { value: columns[exact]!, why: `primary key by its name${duplicateNote(facts, exact)}` };
  const idLike = columns.flatMap((name, i) => (name !== '' && !roles.has(i) && ID_NAME.test(normalise(name)) ? [i] : []));
  // A consent file's other *_id columns are usually foreign keys (the contact): prefer a unique one.
  const uniqueId = idLike.find((i) => isUnique(facts, i));
  if (uniqueId !== undefined) return { value: columns[uniqueId]!, why: 'primary key: id-like name and unique values' };
  if (type === 'profiles' && idLike[0] !== undefined) return { value: columns[idLike[0]]!, why: `primary key by its name${duplicateNote(facts, idLike[0])}` };
  const unique = columns.findIndex((name, i) => name !== '' && !roles.has(i) && isUnique(facts, i));
  if (unique >= 0) return { value: columns[unique]!, why: 'primary key: the first column with unique values' };
  const fallback = idLike[0] ?? columns.findIndex((name) => name !== '');
  return { value: columns[fallback]!, why: `NO unique id column found; this one is a stand-in${duplicateNote(facts, fallback)} — fix it` };
}

function guessEmail(facts: FileFacts, roles: Set<number>): Guess<number> | undefined {
  const byName = findColumn(facts.columns, EMAIL_NAME, roles, (name) => (name === 'email' ? 2 : name.includes('address') ? 1 : 0));
  if (byName !== undefined) return { value: byName, why: 'email column by its name' };
  // Fall back on content: a column whose values mostly look like email addresses.
  const byContent = facts.stats.findIndex((s, i) => !roles.has(i) && facts.columns[i] !== '' && s.nonBlank > 0 && s.emailLike >= 0.8 * s.nonBlank);
  return byContent >= 0 ? { value: byContent, why: 'email column: its values look like email addresses' } : undefined;
}

async function planSource(connection: DuckDBConnection, facts: FileFacts, name: string): Promise<SourcePlan> {
  const roles = new Set<number>();
  const take = (guess: Guess<number> | undefined): Guess<string> | undefined => {
    if (guess === undefined) return undefined;
    roles.add(guess.value);
    return { value: facts.columns[guess.value]!, ...(guess.why ? { why: guess.why } : {}) };
  };
  const email = take(guessEmail(facts, roles));
  const phoneIndex = findColumn(facts.columns, PHONE_NAME, roles);
  const phone = take(phoneIndex === undefined ? undefined : { value: phoneIndex, why: 'phone column by its name' });
  const optionIndex = findColumn(facts.columns, OPTION_NAME, roles, (n) => (n.includes('consent') ? 2 : n.includes('option') || n.includes('purpose') ? 1 : 0));
  const valueIndex = findColumn(facts.columns, VALUE_NAME, new Set([...roles, ...(optionIndex === undefined ? [] : [optionIndex])]), (n) =>
    n.includes('value') ? 3 : n.includes('consent') ? 2 : n.includes('granted') || n.includes('opt') ? 1 : 0,
  );
  const dateCandidates = new Set([...roles, ...[optionIndex, valueIndex].filter((i): i is number => i !== undefined)]);
  const dateIndex = findColumn(facts.columns, DATE_NAME, dateCandidates, (n) => (n.includes('consent') ? 2 : n.includes('date') ? 1 : 0));

  // Consent: a value column with an option column, or a value column and hardly anything else.
  const structural = new Set([...dateCandidates, ...(dateIndex === undefined ? [] : [dateIndex])]);
  const others = facts.columns.filter((column, i) => column !== '' && !structural.has(i) && !ID_NAME.test(normalise(column)));
  const hasKey = email !== undefined || phone !== undefined;
  const isConsent = valueIndex !== undefined && hasKey && (optionIndex !== undefined || others.length === 0);
  const plan: SourcePlan = {
    name,
    type: isConsent ? 'consent' : 'profiles',
    facts,
    typeWhy: isConsent
      ? optionIndex !== undefined
        ? `consent records: option column "${facts.columns[optionIndex]}" and value column "${facts.columns[valueIndex]}"`
        : `consent records: a value column "${facts.columns[valueIndex]}" and no profile attributes`
      : 'profiles: no consent option/value columns',
    primaryKey: { value: '' },
    attributes: [],
    optionValues: [],
    optionValuesTruncated: false,
  };
  if (email) plan.email = email;
  if (phone) plan.phone = phone;

  if (isConsent) {
    // A consent source maps exactly one key: email when there is one.
    if (plan.email && plan.phone) {
      roles.delete(facts.columns.indexOf(plan.phone.value));
      plan.email = { value: plan.email.value, why: `${plan.email.why ?? 'email column'}; a consent source uses one key (phone column "${plan.phone.value}" left out)` };
      delete plan.phone;
    }
    plan.value = take({ value: valueIndex, why: 'consent value column by its name' });
    if (optionIndex !== undefined) {
      plan.option = take({ value: optionIndex, why: 'consent option (purpose) column by its name' });
      const values = await optionValues(connection, facts, optionIndex);
      plan.optionValues = values.values;
      plan.optionValuesTruncated = values.truncated;
    } else {
      plan.purpose = { value: purposeFromFileName(facts.file), why: 'no option column: one fixed purpose, named after the file' };
    }
    if (dateIndex !== undefined) {
      plan.date = take({ value: dateIndex, why: 'consent date column by its name' });
      const format = await guessDateFormat(connection, facts, dateIndex);
      if (format) plan.dateFormat = format;
    }
    plan.primaryKey = guessPrimaryKey(facts, 'consent', roles);
  } else {
    plan.primaryKey = guessPrimaryKey(facts, 'profiles', roles);
    roles.add(facts.columns.indexOf(plan.primaryKey.value));
    plan.attributes = attributesOf(facts.columns, roles);
  }
  return plan;
}

/** The remaining columns as attributes, names made valid identifiers and kept off the built-in fields. */
function attributesOf(columns: string[], roles: Set<number>): { name: string; column: string; why?: string }[] {
  const used = new Set<string>();
  const attributes: { name: string; column: string; why?: string }[] = [];
  columns.forEach((column, index) => {
    if (column === '' || roles.has(index)) return;
    let name = normalise(column) || `column_${index + 1}`;
    if (/^[0-9]/.test(name)) name = `_${name}`;
    if ((RESERVED_FIELDS as readonly string[]).includes(name)) name = `source_${name}`;
    name = name.slice(0, 60);
    let candidate = name;
    for (let n = 2; used.has(candidate); n += 1) candidate = `${name}_${n}`;
    used.add(candidate);
    attributes.push({ name: candidate, column, ...(candidate !== column ? { why: `attribute name made from column "${column}"` } : {}) });
  });
  return attributes;
}

// ---------------------------------------------------------------------------------------------------
// Names.

function slug(text: string): string {
  const value = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return value === '' ? 'x' : value;
}

function sourceName(file: string): string {
  return slug(path.basename(file, path.extname(file))).replaceAll('-', '_');
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate.toLowerCase()); n += 1) candidate = `${name}-${n}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

function purposeFromFileName(file: string): string {
  const words = normalise(path.basename(file, path.extname(file)))
    .split('_')
    .filter((word) => word !== '' && !['consent', 'consents', 'opt', 'optin', 'optins', 'in', 'ins', 'out', 'records', 'export', 'data', 'csv'].includes(word));
  if (words.length === 0) return 'Marketing';
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A value in the text rule form, quoted when it holds characters the rule syntax uses. */
function ruleValue(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$/.test(value) && !/\s(and|or)\s/i.test(value) ? value : `"${value.replaceAll('"', '""')}"`;
}

function relativePath(from: string, to: string): string {
  const relative = path.relative(from, to).split(path.sep).join('/');
  if (path.isAbsolute(relative)) return relative;
  return relative.startsWith('../') ? relative : `./${relative}`;
}

// ---------------------------------------------------------------------------------------------------
// Writing the YAML with `# guessed` comments.

interface Commented {
  readonly path: (string | number)[];
  readonly comment: string;
  /** Above the key instead of after the value. */
  readonly before?: boolean;
}

function renderConfig(plans: SourcePlan[], configFile: string): { text: string; result: Omit<InitResult, 'warnings'> & { warnings: string[] } } {
  const configDir = path.dirname(configFile);
  const comments: Commented[] = [];
  const warnings: string[] = [];
  const guessed = (at: (string | number)[], guess: { why?: string } | undefined) => {
    if (guess?.why) comments.push({ path: at, comment: ` guessed: ${guess.why}` });
  };

  // Purposes: option values across consent sources, case-insensitively unique; `none` is reserved.
  const purposes = new Map<string, { name: string; count: number }>();
  let truncated = false;
  for (const plan of plans.filter((p) => p.type === 'consent')) {
    truncated ||= plan.optionValuesTruncated;
    const found = plan.option ? plan.optionValues : plan.purpose ? [{ value: plan.purpose.value, count: 0 }] : [];
    for (const { value, count } of found) {
      const key = value.toLowerCase();
      // `none` is reserved; JSON objects or arrays (a nested value in a JSON source) are not purpose names.
      if (key === 'none' || /^[[{]/.test(value) || /\p{Cc}/u.test(value)) continue;
      const known = purposes.get(key);
      if (known) known.count += count;
      else purposes.set(key, { name: value, count });
    }
  }
  const purposeNames = [...purposes.values()].slice(0, MAX_PURPOSES).map((p) => p.name);
  if (purposeNames.length === 0) {
    purposeNames.push('Marketing');
    warnings.push('no consent source found: declared a placeholder purpose "Marketing"; declare your purposes');
  }

  const profileSources = plans.filter((p) => p.type === 'profiles');
  if (profileSources.length === 0) warnings.push('no file looks like customer profiles; a config needs at least one source of type "profiles"');
  for (const plan of profileSources) {
    if (!plan.email && !plan.phone) warnings.push(`source ${plan.name}: no email or phone column found; map keys.email or keys.phone by hand`);
  }

  const sources = plans.map((plan, index) => {
    const at = (...rest: (string | number)[]) => ['sources', index, ...rest];
    comments.push({ path: at('type'), comment: ` guessed: ${plan.typeWhy}` });
    if (plan.facts.formatGuess) comments.push({ path: at('format'), comment: ` guessed: ${plan.facts.formatGuess}` });
    guessed(at('primaryKey'), plan.primaryKey);
    const source: Record<string, unknown> = {
      name: plan.name,
      type: plan.type,
      format: plan.facts.format,
      path: relativePath(configDir, plan.facts.file),
      primaryKey: plan.primaryKey.value,
    };
    if (plan.facts.format === 'csv' && (plan.facts.delimiter !== ',' || plan.facts.quote !== '"')) {
      source['csv'] = { ...(plan.facts.delimiter !== ',' ? { delimiter: plan.facts.delimiter } : {}), ...(plan.facts.quote !== '"' ? { quote: plan.facts.quote } : {}) };
      comments.push({ path: at('csv'), comment: ' guessed: dialect detected by DuckDB’s CSV sniffer', before: true });
    }
    const keys: Record<string, string> = {};
    if (plan.email) {
      keys['email'] = plan.email.value;
      guessed(at('keys', 'email'), plan.email);
    }
    if (plan.phone) {
      keys['phone'] = plan.phone.value;
      guessed(at('keys', 'phone'), plan.phone);
    }
    source['keys'] = keys;
    if (plan.type === 'profiles') {
      source['attributes'] = Object.fromEntries(plan.attributes.map((a) => [a.name, a.column]));
      if (plan.attributes.length > 0) comments.push({ path: at('attributes'), comment: ' guessed: every other column, as unified attribute name: source column', before: true });
      for (const attribute of plan.attributes) guessed(at('attributes', attribute.name), attribute);
    } else {
      if (plan.option) {
        source['option'] = plan.option.value;
        const found = plan.optionValues.length;
        guessed(at('option'), { why: `${plan.option.why ?? 'option column'}; ${found} distinct value${found === 1 ? '' : 's'} declared as purposes${plan.optionValuesTruncated ? ` (only the ${MAX_PURPOSES} most frequent)` : ''}` });
      } else if (plan.purpose) {
        source['purpose'] = plan.purpose.value;
        guessed(at('purpose'), plan.purpose);
      }
      source['value'] = plan.value?.value;
      guessed(at('value'), plan.value);
      if (plan.date) {
        source['date'] = plan.date.value;
        guessed(at('date'), plan.date);
      }
      if (plan.dateFormat) {
        source['dateFormat'] = plan.dateFormat.value;
        guessed(at('dateFormat'), plan.dateFormat);
      }
    }
    return source;
  });

  const purposeConfig = Object.fromEntries(
    purposeNames.map((name) => {
      const optOut = /\b(sale|sell|selling|share|sharing)\b/i.test(name);
      comments.push({
        path: ['purposes', name],
        comment: optOut
          ? ' guessed: opt-out (absence ⇒ granted, CCPA-style sale/share); use opt-in if consent must be given'
          : ' guessed: opt-in (absence ⇒ denied, GDPR-style); use opt-out where absence means granted',
      });
      return [name, { regime: optOut ? 'opt-out' : 'opt-in' }];
    }),
  );
  if (truncated) comments.push({ path: ['purposes'], comment: ` guessed: only the ${MAX_PURPOSES} most frequent option values; rows with other values will be rejected as undeclared`, before: true });

  const attributeNames = new Set(profileSources.flatMap((p) => p.attributes.map((a) => a.name)));
  const nameField = ['first_name', 'given_name', 'firstname', 'name', 'full_name'].find((n) => attributeNames.has(n));
  const hasEmail = profileSources.some((p) => p.email);
  const fields = ['customer_id', hasEmail ? 'email' : 'phone', ...(nameField ? [nameField] : [])];
  const segmentNames = new Set<string>();
  const segments = purposeNames.map((purpose) => ({
    name: uniqueName(slug(purpose), segmentNames),
    rule: `Consent option = ${ruleValue(purpose)} & Consent value = True`,
  }));
  const exportNames = new Set<string>();
  const exports = purposeNames.map((purpose, index) => {
    const segment = segments[index]!.name;
    return { name: uniqueName(`${segment}-file`, exportNames), segment, purpose, format: 'csv', path: `./exports/${segment}`, fields };
  });
  if (segments.length > 0) comments.push({ path: ['segments'], comment: ' guessed: one segment per purpose: the customers whose effective consent is granted', before: true });
  if (exports.length > 0) comments.push({ path: ['exports'], comment: ' guessed: one CSV export per segment; the export guard (purpose) never writes anyone without consent', before: true });

  const config = {
    warehouse: './.consent',
    temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'consent-refresh' },
    schedule: { id: 'consent-refresh', cron: '0 */6 * * *', timezone: 'UTC' },
    purposes: purposeConfig,
    sources,
    segments,
    exports,
  };
  const document = new Document(config, { aliasDuplicateObjects: false });
  for (const flow of [['temporal'], ['schedule'], ...purposeNames.map((name) => ['purposes', name]), ...exports.map((_, i) => ['exports', i, 'fields'])]) {
    const node = document.getIn(flow, true) as Node | undefined;
    if (isMap(node) || isSeq(node)) node.flow = true;
  }
  for (const { path: at, comment, before } of comments) {
    if (before) {
      const parent = document.getIn(at.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === at[at.length - 1]) : undefined;
      if (pair && isScalar(pair.key)) pair.key.commentBefore = comment;
      continue;
    }
    const node = document.getIn(at, true) as Node | undefined;
    if (node) node.comment = comment;
  }
  const schemaRef = relativePath(configDir, SCHEMA_FILE);
  document.commentBefore = [
    ` yaml-language-server: $schema=${schemaRef}`,
    ` Starter config written by \`consent init\` from ${plans.map((p) => path.basename(p.facts.file)).join(', ')}.`,
    ' Lines marked "guessed" were guessed from the files\' headers and column counts: check them, then run',
    ' `consent validate`. Relative paths resolve against this file\'s folder.',
  ].join('\n');
  const text = document.toString({ lineWidth: 0 });
  return {
    text,
    result: {
      configFile,
      sources: plans.map((p) => ({ name: p.name, type: p.type, file: p.facts.file })),
      purposes: purposeNames,
      segments: segments.map((s) => s.name),
      exports: exports.map((e) => e.name),
      warnings,
    },
  };
}
