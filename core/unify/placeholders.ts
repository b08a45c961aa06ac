/**
 * Placeholder keys (design §3, over-merge guard): key values that stand for "no real email/phone"
 * (`test@test.com`, `noemail@…`, `0000000`) never match records together and never carry consent.
 *
 * - Exact values: `matching.placeholderEmails` / `placeholderPhones`, plus DEFAULT_PLACEHOLDERS unless
 *   `matching.replaceDefaults`. They are normalised like keys (email NFC/trim/lower, phone digits) before
 *   comparing, so `Test@Test.com ` in the config blocks `test@test.com`.
 * - Patterns: RE2 regular expressions searched (`regexp_matches`, anchor them with ^…$ for a full match)
 *   in the normalised key. All patterns of a kind are combined into one alternation bound as a single
 *   parameter, which DuckDB compiles once per query.
 * - RE2 has no back-references, so the default phone pattern `^(\d)\1+$` ("one digit repeated") is
 *   rewritten to an equivalent RE2 alternation, and the default "local part repeats the domain" email check
 *   (`x@x.com`, `test@test.de`, `123@123.com`) is a comparison of its own. A user pattern RE2 cannot compile is a ConfigError naming
 *   its key path.
 *
 * The SQL is a predicate fragment with bound parameters only; no configured value is ever spliced into SQL.
 */
import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { LoadedConfig } from '../config/load.js';
import { DEFAULT_PLACEHOLDERS } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { normaliseEmailValue, normalisePhoneValue, phoneNumberingOf, type PhoneNumbering } from '../sql/normalise.js';

export type KeyKind = 'email' | 'phone';

export interface PlaceholderRules {
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  /** Combined alternation of every email pattern, or undefined when there are none. */
  readonly emailPattern: string | undefined;
  readonly phonePattern: string | undefined;
  /**
   * Built-in (off with replaceDefaults): an email whose local part repeats the domain's first label and is
   * one character, digits or a filler word (`x@x.com`, `123@123.com`, `test@test.de`; not `max@max.de`:
   * a vanity domain is a real address, and consent keyed by a placeholder is an orphan).
   */
  readonly emailRepeatsDomain: boolean;
}

/** A SQL fragment and the parameters it binds. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: Readonly<Record<string, DuckDBValue>>;
}

/** Local parts that, repeated as the domain, are fillers (emailRepeatsDomain). Fixed words, spliced as a SQL list literal. */
const FILLER_WORDS = "['test', 'abc', 'asdf', 'qwerty', 'xxx', 'aaa', 'xyz', 'email', 'mail', 'sample', 'example', 'demo']";

const REPEATED_DIGIT_BACKREFERENCE = '^(\\d)\\1+$';
const REPEATED_DIGIT_RE2 = '^(?:0{2,}|1{2,}|2{2,}|3{2,}|4{2,}|5{2,}|6{2,}|7{2,}|8{2,}|9{2,})$';

/** JavaScript mirror of normaliseEmailSql / normalisePhoneSql for configured exact values. */
export function normaliseKeyValue(kind: KeyKind, value: string, numbering?: PhoneNumbering): string | undefined {
  return kind === 'phone' ? normalisePhoneValue(value, numbering) : normaliseEmailValue(value);
}

interface PatternSource {
  readonly pattern: string;
  /** Config key path for user patterns; undefined for built-in defaults. */
  readonly path: string | undefined;
}

function patternSources(config: LoadedConfig, kind: KeyKind): PatternSource[] {
  const matching = config.matching;
  const configured = kind === 'email' ? matching.placeholderEmailPatterns : matching.placeholderPhonePatterns;
  const key = kind === 'email' ? 'placeholderEmailPatterns' : 'placeholderPhonePatterns';
  const defaults = matching.replaceDefaults ? [] : kind === 'email' ? DEFAULT_PLACEHOLDERS.emailPatterns : DEFAULT_PLACEHOLDERS.phonePatterns;
  return [
    ...defaults.map((pattern) => ({ pattern: pattern === REPEATED_DIGIT_BACKREFERENCE ? REPEATED_DIGIT_RE2 : pattern, path: undefined })),
    ...configured.map((pattern, index) => ({ pattern, path: `matching.${key}[${index}]` })),
  ];
}

function exactValues(config: LoadedConfig, kind: KeyKind): string[] {
  const matching = config.matching;
  const configured = kind === 'email' ? matching.placeholderEmails : matching.placeholderPhones;
  const defaults = matching.replaceDefaults ? [] : kind === 'email' ? DEFAULT_PLACEHOLDERS.emails : DEFAULT_PLACEHOLDERS.phones;
  const values = new Set<string>();
  for (const value of [...defaults, ...configured]) {
    const normalised = normaliseKeyValue(kind, value, phoneNumberingOf(matching));
    if (normalised !== undefined) values.add(normalised);
  }
  return [...values].sort();
}

/** Checks every pattern compiles under RE2 (DuckDB's regex engine); throws ConfigError with the key path. */
async function checkPatterns(connection: DuckDBConnection, sources: readonly PatternSource[]): Promise<void> {
  for (const source of sources) {
    try {
      await connection.run('SELECT regexp_matches($subject, $pattern)', { subject: '', pattern: source.pattern });
    } catch (error) {
      const reason = `not a valid RE2 regular expression (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
      if (source.path !== undefined) throw new ConfigError(source.path, reason);
      throw new Error(`built-in placeholder pattern ${JSON.stringify(source.pattern)} is ${reason}`);
    }
  }
}

function combine(sources: readonly PatternSource[]): string | undefined {
  return sources.length === 0 ? undefined : sources.map((source) => `(?:${source.pattern})`).join('|');
}

/** Resolves the placeholder rules of a config, validating its patterns against DuckDB's RE2. */
export async function loadPlaceholderRules(connection: DuckDBConnection, config: LoadedConfig): Promise<PlaceholderRules> {
  const emailSources = patternSources(config, 'email');
  const phoneSources = patternSources(config, 'phone');
  await checkPatterns(connection, [...emailSources, ...phoneSources]);
  return {
    emails: exactValues(config, 'email'),
    phones: exactValues(config, 'phone'),
    emailPattern: combine(emailSources),
    phonePattern: combine(phoneSources),
    emailRepeatsDomain: !config.matching.replaceDefaults,
  };
}

/**
 * SQL predicate: TRUE when `expression` (a normalised key of `kind`, SQL built by the caller from fixed
 * column names) is a placeholder; FALSE otherwise (also for NULL). Parameters are named `ph_<kind>_…`.
 */
export function placeholderSql(rules: PlaceholderRules, kind: KeyKind, expression: string): SqlFragment {
  const values = kind === 'email' ? rules.emails : rules.phones;
  const pattern = kind === 'email' ? rules.emailPattern : rules.phonePattern;
  const tests: string[] = [];
  const params: Record<string, DuckDBValue> = {};
  if (values.length > 0) {
    tests.push(`list_contains($ph_${kind}_values, ${expression})`);
    params[`ph_${kind}_values`] = listValue([...values]);
  }
  if (pattern !== undefined) {
    tests.push(`regexp_matches(${expression}, $ph_${kind}_pattern)`);
    params[`ph_${kind}_pattern`] = pattern;
  }
  if (kind === 'email' && rules.emailRepeatsDomain) {
    const local = `split_part(${expression}, '@', 1)`;
    tests.push(
      `(${local} = split_part(split_part(${expression}, '@', 2), '.', 1) AND (length(${local}) = 1 OR regexp_full_match(${local}, '[0-9]+') OR list_contains(${FILLER_WORDS}, ${local})))`,
    );
  }
  if (tests.length === 0) return { sql: 'FALSE', params };
  return { sql: `coalesce(${expression} IS NOT NULL AND (${tests.join(' OR ')}), FALSE)`, params };
}

/** Predicate over a key whose kind is held in another column (`kind_expression` evaluates to 'email'/'phone'). */
export function placeholderByKindSql(rules: PlaceholderRules, kindExpression: string, valueExpression: string): SqlFragment {
  const email = placeholderSql(rules, 'email', valueExpression);
  const phone = placeholderSql(rules, 'phone', valueExpression);
  return {
    sql: `(CASE ${kindExpression} WHEN 'email' THEN ${email.sql} WHEN 'phone' THEN ${phone.sql} ELSE FALSE END)`,
    params: { ...email.params, ...phone.params },
  };
}
